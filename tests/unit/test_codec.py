"""Event contracts: what decodes, what is rejected and why."""

from __future__ import annotations

import json
import time

import pytest
from pydantic import BaseModel

from streams.delivery.codec import decode, encode, nesting_depth_exceeds
from streams.errors import ContractError, DecodeError
from streams.records import ChatMessage, ProductUpdate, Review
from streams.settings import DecodeSettings
from streams.tooling.sample_data import SampleShop


def _review(**overrides: object) -> bytes:
    event = SampleShop(seed=1).review()
    event.update(overrides)
    return json.dumps(event).encode()


def test_valid_review_decodes_with_timezone() -> None:
    review = decode(Review, _review(rating=4))
    assert review.rating == 4
    assert review.created_at.tzinfo is not None


def test_unknown_fields_are_tolerated() -> None:
    review = decode(Review, _review(brand_new_field={"x": 1}))
    assert not hasattr(review, "brand_new_field")


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"a": ', "not JSON"),
        (b"[1, 2]", "JSON list"),
        (_review(rating="5"), "rating"),
        (_review(rating=9), "rating"),
        (_review(text=""), "text"),
        (_review(schema_version=99), "newer than supported"),
    ],
)
def test_bad_reviews_are_rejected_with_a_reason(raw: bytes, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment):
        decode(Review, raw)


def test_missing_required_field_is_named() -> None:
    event = json.loads(_review())
    del event["product_id"]
    with pytest.raises(DecodeError, match="product_id"):
        decode(Review, json.dumps(event).encode())


@pytest.mark.parametrize("kind", ["review", "chat", "product"])
def test_sample_events_decode_and_malformed_ones_do_not(kind: str) -> None:
    shop = SampleShop(seed=3)
    models: dict[str, type[BaseModel]] = {
        "review": Review, "chat": ChatMessage, "product": ProductUpdate
    }  # fmt: skip
    model = models[kind]
    for _ in range(20):
        _, event = shop.event(kind)  # type: ignore[arg-type]
        decode(model, json.dumps(event).encode())
        with pytest.raises(DecodeError):
            decode(model, shop.malformed(kind))  # type: ignore[arg-type]


def test_encode_round_trips() -> None:
    review = decode(Review, _review())
    assert decode(Review, encode(review)) == review


def _with_raw_field(value: str) -> bytes:
    """A valid review with ``"extra": <value>`` spliced in as raw JSON text."""
    return _review()[:-1] + b', "extra": ' + value.encode() + b"}"


def test_integer_past_the_digit_limit_is_a_decode_error_naming_the_limit() -> None:
    # Python refuses to convert more than 4,300 digits with a ValueError of its own.
    raw = _with_raw_field("1" * 5_000)
    with pytest.raises(DecodeError, match="max_int_digits") as caught:
        decode(Review, raw)
    assert not isinstance(caught.value, ContractError)


def test_integer_digits_follow_the_configured_limit() -> None:
    limits = DecodeSettings(max_int_digits=5)
    assert decode(Review, _with_raw_field("-12345"), limits).review_id
    with pytest.raises(DecodeError, match=r"6 digits exceeds decode\.max_int_digits=5"):
        decode(Review, _with_raw_field("-123456"), limits)


@pytest.mark.parametrize("depth", [33, 10_000, 100_000])
def test_deep_nesting_is_a_decode_error_before_parsing(depth: int) -> None:
    raw = _with_raw_field("[" * depth + "]" * depth)
    with pytest.raises(DecodeError, match="max_depth=32"):
        decode(Review, raw)


def test_unbalanced_deep_nesting_is_refused_too() -> None:
    with pytest.raises(DecodeError, match="max_depth"):
        decode(Review, b'{"a": ' + b"{" * 5_000)


def test_nesting_within_the_limit_and_brackets_in_strings_pass() -> None:
    nested = "[" * 30 + "]" * 30
    assert decode(Review, _with_raw_field(nested)).text
    # Brackets inside strings, escaped quotes included, are text, not nesting.
    review = decode(Review, _review(title='[[[{{{ \\" ' * 50))
    assert review.title.startswith("[[[{{{")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 40 + b"]" * 40, True),
        (b'"' + b"[" * 40 + b'"', False),
        (b'["\\"' + b"[" * 40 + b'"]', False),
        (b'"unterminated \\"' + b"[" * 40, False),
        (b"{" * 20 + b"[" * 13, True),
        (b"[]" * 100, False),
    ],
)
def test_depth_scan_counts_only_brackets_outside_strings(raw: bytes, expected: bool) -> None:
    assert nesting_depth_exceeds(raw, 32) is expected


def test_depth_scan_is_linear_on_many_escaped_quotes() -> None:
    # An unterminated string of escaped quotes must not make the scan restart at each one.
    raw = b'"' + b'\\"[' * 100_000
    started = time.perf_counter()
    assert nesting_depth_exceeds(raw, 32) is False
    assert time.perf_counter() - started < 2.0


def test_value_past_the_size_limit_is_a_decode_error() -> None:
    raw = _review(text="x" * 300_000)
    with pytest.raises(DecodeError, match=r"bytes exceeds decode.max_bytes=262144"):
        decode(Review, raw)


def test_large_value_under_the_size_limit_fails_its_contract_instead() -> None:
    with pytest.raises(ContractError, match="text"):
        decode(Review, _review(text="x" * 100_000))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"\x00", "not JSON"),
        (b'{"event_id": "\x00"}', "not JSON"),
        (_review()[:-1] + b"\x00}", "not JSON"),
        (b"\xc3\x28", "not UTF-8"),
        (_review()[:20] + b"\xed\xa0\x80" + _review()[20:], "not UTF-8"),
        (_review(text="lone \ud800 surrogate"), "not valid JSON text"),
        (b"[]", "JSON list"),
        (b'[{"event_id": "e"}]', "JSON list"),
        (b'"a string"', "JSON str"),
        (b"12", "JSON int"),
        (b"null", "JSON NoneType"),
    ],
)
def test_undecodable_values_are_decode_errors(raw: bytes, fragment: str) -> None:
    with pytest.raises(DecodeError, match=fragment) as caught:
        decode(Review, raw)
    assert not isinstance(caught.value, ContractError)


@pytest.mark.parametrize("version", [2, 99, 10**40])
def test_unknown_schema_version_is_a_contract_error(version: int) -> None:
    with pytest.raises(ContractError, match="newer than supported"):
        decode(Review, _review(schema_version=version))


def test_schema_version_of_the_wrong_type_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match="schema_version"):
        decode(Review, _review(schema_version="1"))
