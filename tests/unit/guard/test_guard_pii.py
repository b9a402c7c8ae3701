"""PII redaction: everything found is replaced, shop numbers are left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.guard.pii import PLACEHOLDERS, luhn_valid, redact


def _luhn_complete(body: str) -> str:
    for check in "0123456789":
        if luhn_valid(body + check):
            return body + check
    raise AssertionError("unreachable")


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "52", "55", "2221", "34", "37", "6011", "65"]))
    length = 15 if prefix in {"34", "37"} else draw(st.sampled_from([16, 19]))
    body = prefix + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=length - 1 - len(prefix),
                      max_size=length - 1 - len(prefix)))
    )  # fmt: skip
    number = _luhn_complete(body)
    separator = draw(st.sampled_from(["", " ", "-"]))
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    if length == 15:
        groups = [number[:4], number[4:10], number[10:]]
    return separator.join(groups)


_DIGIT = st.sampled_from("0123456789")
_NXX = st.tuples(st.sampled_from("23456789"), _DIGIT, _DIGIT).map("".join)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.lists(_DIGIT, min_size=n, max_size=n).map("".join)


@st.composite
def phone_numbers(draw: st.DrawFn) -> str:
    area, exchange, line = draw(_NXX), draw(_NXX), draw(_digits(4))
    kind = draw(st.sampled_from(["paren", "dash", "dot", "plus1", "one", "intl"]))
    if kind == "paren":
        return f"({area}) {exchange}-{line}"
    if kind == "dash":
        return f"{area}-{exchange}-{line}"
    if kind == "dot":
        return f"{area}.{exchange}.{line}"
    if kind == "plus1":
        return f"+1 {area} {exchange} {line}"
    if kind == "one":
        return f"1-{area}-{exchange}-{line}"
    country = draw(st.sampled_from(["33", "44", "49", "34", "39", "31", "46", "61", "81", "353"]))
    # Real national numbers have 7-12 digits.
    sizes = draw(
        st.lists(st.integers(2, 4), min_size=2, max_size=4).filter(lambda s: 7 <= sum(s) <= 12)
    )
    separator = draw(st.sampled_from([" ", "-", "."]))
    groups = [draw(_digits(size)) for size in sizes]
    return f"+{country} " + separator.join(groups)


@given(email=st.emails())
def test_emails_are_redacted(email: str) -> None:
    result = redact(f"Hi, please write to {email} about my order.")
    assert email not in result.text
    assert "[EMAIL]" in result.text
    assert "email" in result.found


@given(card=card_numbers())
def test_cards_are_redacted(card: str) -> None:
    result = redact(f"My card number is {card}, charge it again.")
    assert card not in result.text
    assert "[CARD]" in result.text
    assert result.found == ("card",)


@given(phone=phone_numbers())
def test_phones_are_redacted(phone: str) -> None:
    result = redact(f"You can call me at {phone} tomorrow.")
    assert phone not in result.text
    assert "[PHONE]" in result.text
    assert result.found == ("phone",)


@given(
    email=st.emails(),
    card=card_numbers(),
    phone=phone_numbers(),
)
def test_mixed_message_keeps_no_raw_pii(email: str, card: str, phone: str) -> None:
    text = f"Email {email}\nphone {phone}\ncard {card}\nship to 12 Oak Street please"
    result = redact(text)
    for raw in (email, card, phone, "12 Oak Street"):
        assert raw not in result.text
    assert set(result.found) == {"email", "card", "phone", "address"}


@given(email=st.emails(), phone=phone_numbers())
def test_redaction_is_idempotent(email: str, phone: str) -> None:
    once = redact(f"{email} / {phone}").text
    assert redact(once).text == once
    assert redact(once).found == ()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Send it to 742 Evergreen Terrace, Springfield, IL 62704.", "address"),
        ("I live at 221B Baker Street, London", "address"),
        ("Deliver to 1600 Pennsylvania Ave NW please", "address"),
        ("new address: 55 West 42nd St. Apt 5B", "address"),
        ("my flat is 10 Downing St", "address"),
        ("address is 4 Rue Lane", "address"),
        ("3 Old Mill Road", "address"),
        ("call +44 20 7946 0958 after 5pm", "phone"),
        ("my number is 5551234567", "phone"),
        ("mobile: 07700 900123", "phone"),
        ("ring me (555) 010-9999", "phone"),
        ("IBAN DE89 3704 0044 0532 0130 00", "iban"),
        ("pay back to GB82WEST12345698765432", "iban"),
        ("card 4111-1111-1111-1111 exp 12/27", "card"),
        ("mail me: JOHN.DOE@Example.COM", "email"),
    ],
)
def test_known_pii_examples(text: str, kind: str) -> None:
    result = redact(text)
    assert kind in result.found, result
    assert PLACEHOLDERS[kind] in result.text


@pytest.mark.parametrize(
    "text",
    [
        "The price is $1,299.99 and the old one was €49,90",
        "It cost 19.99 EUR, shipping 4.95 EUR",
        "Where is order #12345? And #9876543210?",
        "order number 1234567890 has not arrived",
        "Delivered on 2024-12-05, or was it 12/05/2024 or 05.12.2024?",
        "I ordered on December 5, 2024 at 10:30",
        "Is the WH-1000XM4 better than the SM-G991B or RTX 4090?",
        "The EAN on the box is 4006381333931",
        "Tracking 1Z999AA10123456784 says in transit",
        "I bought 2 Blue Shirts and 3 pairs the same way",
        "Model 3 is 4.5 kg, 30 x 40 x 50 cm, 220-240 V, 1,500 W",
        "A 4111 1111 1111 1112 number that fails Luhn",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert redact(text).found == (), redact(text)
    assert redact(text).text == text


@given(
    amount=st.decimals(min_value=0, max_value=1_000_000, places=2),
    symbol=st.sampled_from(["$", "€", "£", "USD ", "EUR "]),
    order=st.integers(min_value=1000, max_value=10**12),
)
def test_prices_and_order_numbers_survive(amount: object, symbol: str, order: int) -> None:
    text = f"Order #{order} was charged {symbol}{amount:,} on 2024-01-31."
    assert redact(text).text == text


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("4111-1111")
