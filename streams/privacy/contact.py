"""Contact detectors: email addresses and phone numbers.

Phone numbers are recognised by shape where the shape is distinctive (``+CC``, ``00CC``,
North American 3-3-4, national numbers with a trunk 0, Chinese mobiles ``1[3-9]x``) and
by a keyword ("call", "电话") otherwise. A number quoted right after "order"/"#"/"订单号"
is an order number and stays.
"""

from __future__ import annotations

import re

from streams.privacy.checksums import digits_of
from streams.privacy.context import (
    KEYWORD_START,
    NO_ALNUM_AFTER,
    NO_ALNUM_BEFORE,
    Span,
    group_spans,
    unquoted,
)

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]){_ATEXT}+(?:\.{_ATEXT}+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}"
)

_ISO_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")
_SEPARATOR = re.compile(r"[^\d]")

# Each shape with the fewest and most digits it may have.
_SHAPES: tuple[tuple[re.Pattern[str], int, int], ...] = (
    # International: +CC or 00CC, then groups, optionally one parenthesised ("+44 (0)20 ...").
    (
        re.compile(
            r"(?<![A-Za-z0-9_+(])(?:\(\+[1-9]\d{0,2}\)|\+[1-9]\d{0,2}|00[1-9]\d{0,2})"
            r"(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\d)"
        ),
        8,
        15,
    ),
    # North American: optional 1, area code with or without parentheses, 3-3-4.
    (
        re.compile(
            r"(?<![A-Za-z0-9_#/.-])(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])"
            r"\d{3}[ .-]\d{4}(?![\d/-])"
        ),
        10,
        11,
    ),
    # Chinese mobile: 1[3-9]x then 8 digits, bare or 3-4-4 with spaces or dashes.
    (re.compile(rf"{NO_ALNUM_BEFORE}1[3-9]\d(?:[ -]?\d{{4}}){{2}}{NO_ALNUM_AFTER}"), 11, 11),
    # National format with a trunk 0 (UK 07700 900123, 020 7946 0958; CN 010-12345678),
    # optionally with the area code in parentheses.
    (
        re.compile(
            r"(?<![A-Za-z0-9_#/.-])(?:\(0\d{1,4}\)|0\d{2,4})(?:[ .-]?\d{2,4}){1,3}(?![\d/.-]?\d)"
            rf"{NO_ALNUM_AFTER}"
        ),
        9,
        12,
    ),
)
# A bare digit run only counts as a phone number after a word that says so.
_PHONE_CONTEXT = re.compile(
    rf"(?:{KEYWORD_START}(?i:call|phone|tel|telephone|mobile|cell|whatsapp|wechat|text\s+me"
    r"|reach\s+me|contact\s+me|ring\s+me|my\s+number|landline|fax)(?![A-Za-z])"
    r"|电话|手机|联系方式|联系电话|手机号|座机|微信|电話|手機)"
    r"(?P<gap>[^\d\n]{0,25}?)(?P<v>(?:\+?\d[ .-]?){6,14}\d)(?![\d/])"
)


def email_spans(text: str) -> list[Span]:
    """Email addresses (RFC 5322 dot-atom local part, dotted domain)."""
    return [m.span() for m in _EMAIL.finditer(text)]


def _plausible(raw: str, low: int, high: int) -> bool:
    count = len(digits_of(raw))
    if not low <= count <= high or _ISO_DATE.match(raw):
        return False
    # Bare national numbers (no separator, no +) are 10 or 11 digits long; 12 or more bare
    # digits after a 0 is a UPC barcode.
    return raw[0] in "+(" or _SEPARATOR.search(raw) is not None or count <= 11


def phone_spans(text: str) -> list[Span]:
    """Phone numbers by shape, and digit runs after a phone keyword."""
    spans: list[Span] = []
    for pattern, low, high in _SHAPES:
        spans += [m.span() for m in pattern.finditer(text) if _plausible(m.group(), low, high)]
    for start, end in group_spans(_PHONE_CONTEXT, text):
        value = text[start:end]
        if 7 <= len(digits_of(value)) <= 15 and not _ISO_DATE.match(value.strip()):
            spans.append((start, end))
    return unquoted(text, spans)
