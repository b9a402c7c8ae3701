"""Exact money amounts: parsing prices from JSON and the minor units of currencies.

A price arrives as a JSON decimal string (``"49.99"``, the usual way platforms send money) or
a JSON number, and is a :class:`~decimal.Decimal` from then on. A JSON number reaches Python as
a binary float; its shortest round-trip text (``repr``) is the decimal the sender wrote for
every number of up to 15 significant digits, so the amount is built from that text and larger
precision is refused rather than silently rounded.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

# Beyond 15 significant digits a binary float (how a JSON number is parsed) no longer keeps
# the decimal it was written as; amounts past that are refused, whatever form they came in.
MAX_SIGNIFICANT_DIGITS = 15
DEFAULT_MINOR_UNITS = 2

# ISO 4217 currencies whose minor unit is not the usual 2 (cents).
_MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
            "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}  # fmt: skip
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def minor_units(currency: str) -> int:
    """Decimal places of an ISO 4217 currency: 0 for JPY, 2 for EUR, 3 for KWD.

    Args:
        currency: A three-letter code, any case.

    Returns:
        The number of minor-unit digits; codes not in the exceptions table have 2, as most
        ISO 4217 currencies do.
    """
    return _MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNITS)


def decimal_places(amount: Decimal) -> int:
    """Decimal places an amount needs (trailing zeros do not count: ``49.90`` needs 2)."""
    return max(0, -_stripped(amount)[1])


def parse_amount(value: object) -> Decimal:
    """A non-negative, finite, exact amount from a JSON string or number.

    Args:
        value: A decimal string, an int, a float (a parsed JSON number) or a Decimal.

    Returns:
        The amount.

    Raises:
        ValueError: not a number, not finite, negative, or more than
            ``MAX_SIGNIFICANT_DIGITS`` significant digits; the message says which.
    """
    if isinstance(value, bool):
        msg = "price must be a decimal string or a number, not a boolean"
        raise ValueError(msg)
    if isinstance(value, float):
        if not math.isfinite(value):
            msg = "price must be a finite number"
            raise ValueError(msg)
        amount = Decimal(repr(value))
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").lower() in {"nan", "snan", "inf", "infinity"}:
            msg = "price must be a finite number"
            raise ValueError(msg)
        if not _DECIMAL_TEXT.fullmatch(text):
            # The text itself is not repeated: a garbled field may hold anything, PII included.
            msg = "price is not a decimal number (digits with an optional '.' fraction: '49.99')"
            raise ValueError(msg)
        try:
            amount = Decimal(text)
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            msg = "price is not a decimal number"
            raise ValueError(msg) from exc
    elif isinstance(value, Decimal):
        if not value.is_finite():
            msg = "price must be a finite number"
            raise ValueError(msg)
        amount = value
    else:
        msg = f"price must be a decimal string or a number, not {type(value).__name__}"
        raise ValueError(msg)
    if amount < 0:
        msg = f"price {amount} is negative"
        raise ValueError(msg)
    amount = abs(amount)  # -0 is 0
    digits = _significant_digits(amount)
    if digits > MAX_SIGNIFICANT_DIGITS:
        msg = (
            f"price has {digits} significant digits; at most {MAX_SIGNIFICANT_DIGITS} "
            "are kept exactly"
        )
        raise ValueError(msg)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        amount = amount.quantize(Decimal(1))  # '1e3' is kept as 1000, not 1E+3
    return amount


def check_minor_units(amount: Decimal, currency: str) -> None:
    """Refuse an amount finer than its currency's minor unit (``1.5 JPY``, ``9.999 EUR``).

    Raises:
        ValueError: the amount has more decimal places than the currency.
    """
    places, allowed = decimal_places(amount), minor_units(currency)
    if places > allowed:
        msg = (
            f"price {amount} has {_places(places)} but {currency.upper()} has "
            f"{_places(allowed) if allowed else 'no decimal places'}"
        )
        raise ValueError(msg)


def format_amount(amount: Decimal, currency: str | None) -> str:
    """An amount written with its currency's decimal places (``"49.90"``, ``"4980"``).

    Without a currency the amount keeps at least two decimal places and every place it has,
    so nothing is rounded away.
    """
    places = minor_units(currency) if currency else max(DEFAULT_MINOR_UNITS, decimal_places(amount))
    places = max(places, decimal_places(amount))
    return f"{amount.quantize(Decimal(1).scaleb(-places))}"


def _places(count: int) -> str:
    return f"{count} decimal place{'' if count == 1 else 's'}"


def _stripped(amount: Decimal) -> tuple[int, int]:
    """(digit count, exponent) without trailing zeros; no context arithmetic, so no overflow."""
    sign_digits_exponent = amount.as_tuple()
    digits = list(sign_digits_exponent.digits)
    exponent = sign_digits_exponent.exponent
    if not isinstance(exponent, int):  # NaN or infinity, refused before this is asked
        return len(digits), 0
    if not any(digits):
        return 1, 0
    while digits[-1] == 0:
        digits.pop()
        exponent += 1
    return len(digits), exponent


def _significant_digits(amount: Decimal) -> int:
    count, exponent = _stripped(amount)
    # Integer-valued amounts written with a positive exponent (1E+3) still need their zeros.
    return count + max(0, exponent)
