"""Product prices: decimal strings or JSON numbers, exact Decimals inside, checked per currency."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from streams.delivery.codec import decode, encode
from streams.errors import DecodeError
from streams.generation.descriptions import facts_of
from streams.generation.facts import ProductFacts
from streams.money import format_amount, minor_units, parse_amount
from streams.records import ProductUpdate


def _update(price: object, currency: str | None = "USD") -> bytes:
    event: dict[str, object] = {
        "schema_version": 1, "event_id": "e-1", "product_id": "p-1", "title": "Power Bank",
        "updated_at": "2026-11-01T12:00:00Z", "price": price,
    }  # fmt: skip
    if currency is not None:
        event["currency"] = currency
    return json.dumps(event).encode()


def _price(price: object, currency: str | None = "USD") -> Decimal | None:
    return decode(ProductUpdate, _update(price, currency)).price


@pytest.mark.parametrize(
    ("sent", "currency", "expected"),
    [
        ("49.99", "USD", "49.99"),
        (49.99, "USD", "49.99"),
        ("0.10", "EUR", "0.10"),
        (19, "EUR", "19"),
        ("4980", "JPY", "4980"),
        (4980, "JPY", "4980"),
        (4980.0, "JPY", "4980.0"),
        ("12.345", "KWD", "12.345"),
        ("1e3", "EUR", "1000"),
        ("0", "GBP", "0"),
        (" 7.50 ", "usd", "7.50"),
        ("123.4567", None, "123.4567"),
    ],
)
def test_strings_and_numbers_become_the_exact_decimal(
    sent: object, currency: str | None, expected: str
) -> None:
    price = _price(sent, currency)
    assert isinstance(price, Decimal)
    assert price == Decimal(expected) and str(price) == expected


def test_a_json_number_is_converted_through_its_text_not_its_binary_value() -> None:
    # The binary double nearest 49.99 is 49.99000000000000198951966012828052043914794921875.
    assert _price(49.99) == Decimal("49.99") != Decimal.from_float(49.99)


def test_sums_of_prices_are_exact() -> None:
    a, b = _price("0.1"), _price("0.2")
    assert a is not None and b is not None
    assert a + b == Decimal("0.3")
    x, y = _price(0.1), _price(0.2)
    assert x is not None and y is not None
    assert x + y == Decimal("0.3")  # as floats, 0.1 + 0.2 is 0.30000000000000004


@pytest.mark.parametrize(
    ("sent", "currency", "reason"),
    [
        ("-1.00", "USD", "price -1.00 is negative"),
        (-0.5, "EUR", "price -0.5 is negative"),
        ("49,99", "EUR", "not a decimal number"),
        ("$49.99", "USD", "not a decimal number"),
        ("", "USD", "not a decimal number"),
        ("1_000", "USD", "not a decimal number"),
        ("NaN", "USD", "finite"),
        ("Infinity", "USD", "finite"),
        ("-inf", "USD", "finite"),
        (True, "USD", "not a boolean"),
        ({"amount": "1"}, "USD", "not dict"),
        ("49.999", "USD", "price 49.999 has 3 decimal places but USD has 2 decimal places"),
        ("9.995", "EUR", "EUR has 2 decimal places"),
        ("0.001", "GBP", "GBP has 2"),
        ("19.999", "CNY", "CNY has 2"),
        ("1200.5", "JPY", "price 1200.5 has 1 decimal place but JPY has no decimal places"),
        (1200.5, "JPY", "JPY has no decimal places"),
        ("1500.1", "KRW", "KRW has no decimal places"),
        ("12.3456", "BHD", "BHD has 3 decimal places"),
        ("1.2345", "KWD", "KWD has 3 decimal places"),
        (0.30000000000000004, "USD", "17 significant digits"),
        (12345678901234567890.5, "USD", "significant digits"),
        ("1e400", "USD", "significant digits"),
    ],
)
def test_invalid_prices_are_contract_violations_with_a_reason(
    sent: object, currency: str, reason: str
) -> None:
    with pytest.raises(DecodeError, match="ProductUpdate contract violated") as caught:
        decode(ProductUpdate, _update(sent, currency))
    assert reason in str(caught.value)


def test_trailing_zeros_do_not_count_as_decimal_places() -> None:
    assert _price("49.990", "USD") == Decimal("49.99")
    assert _price("3980.00", "JPY") == Decimal(3980)


def test_json_nan_literal_is_refused() -> None:
    raw = _update(0).replace(b'"price": 0', b'"price": NaN')
    with pytest.raises(DecodeError):
        decode(ProductUpdate, raw)


def test_minor_units_follow_iso_4217() -> None:
    assert [minor_units(c) for c in ("JPY", "krw", "USD", "EUR", "GBP", "CNY", "BHD", "KWD")] == [
        0, 0, 2, 2, 2, 2, 3, 3,
    ]  # fmt: skip


def test_the_record_serialises_the_price_as_exact_text() -> None:
    update = decode(ProductUpdate, _update(49.99))
    assert json.loads(encode(update))["price"] == "49.99"
    assert decode(ProductUpdate, encode(update)) == update


@pytest.mark.parametrize(
    ("sent", "currency", "text"),
    [
        ("49.9", "EUR", "49.90 EUR"),
        ("4980", "JPY", "4980 JPY"),
        ("12.345", "BHD", "12.345 BHD"),
        ("7", "KWD", "7.000 KWD"),
        ("199", "CNY", "199.00 CNY"),
        ("9999999999999.99", "USD", "9999999999999.99 USD"),
    ],
)
def test_prompts_and_the_facts_table_keep_the_price_exact(
    sent: str, currency: str, text: str
) -> None:
    facts = facts_of(decode(ProductUpdate, _update(sent, currency)))
    assert facts.price_text() == text
    # The facts table stores the JSON dump; a reader rebuilds the same facts from it.
    stored = json.loads(facts.model_dump_json())
    assert ProductFacts.model_validate(stored).price_text() == text


def test_format_amount_never_rounds_without_a_currency() -> None:
    assert format_amount(Decimal("12.3456"), None) == "12.3456"
    assert format_amount(Decimal(5), None) == "5.00"


def test_parse_amount_refuses_non_numbers() -> None:
    with pytest.raises(ValueError, match="not NoneType"):
        parse_amount(None)
