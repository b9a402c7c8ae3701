"""Event contracts: what decodes, what is rejected and why."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from streams.codec import decode, encode
from streams.errors import DecodeError
from streams.records import ChatMessage, ProductUpdate, Review
from streams.sample_data import SampleShop


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
