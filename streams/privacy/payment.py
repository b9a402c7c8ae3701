"""Payment data detectors: card numbers, card expiry dates, card security codes and IBANs.

PCI DSS forbids storing a card security code at all, and a card number or expiry date only
with controls the audit table does not have, so all of them are redacted wherever they
appear in a card context.
"""

from __future__ import annotations

import re

from streams.privacy.checksums import digits_of, iban_valid, luhn_valid
from streams.privacy.context import (
    GAP,
    KEYWORD_END,
    KEYWORD_START,
    NO_ALNUM_AFTER,
    NO_ALNUM_BEFORE,
    Span,
    group_spans,
    unquoted,
)

# 14-19 digits in groups separated by single spaces or dashes, starting with a digit that
# issuers use (2-6: Mastercard 2-series, Amex, JCB, Diners, Visa, Mastercard, Discover,
# UnionPay). 13-digit numbers are left out on purpose: that is the length of EAN barcodes,
# and 13-digit cards are retired.
_CARD = re.compile(r"(?<![\d#+])(?<![A-Za-z])[2-6](?:[ -]?\d){13,18}(?!\d)")

_IBAN = re.compile(rf"{NO_ALNUM_BEFORE}[A-Za-z]{{2}}\d{{2}}(?: ?[A-Za-z0-9]{{4}}){{2,7}}"
                   rf"(?: ?[A-Za-z0-9]{{1,3}})?{NO_ALNUM_AFTER}")  # fmt: skip

CARD_CONTEXT = re.compile(
    rf"{KEYWORD_START}(?i:card|visa|master\s?card|amex|american express|discover|maestro"
    r"|union\s?pay|credit|debit|cvv|cvc|payment)"
    r"|信用卡|银行卡|借记卡|储蓄卡|卡号|银联|\[CARD\]"
)
"""Words that put a nearby date or short code in a payment-card context."""

_CODE_KEYWORD = (
    rf"{KEYWORD_START}(?i:cvv2?|cvc2?|cvn2?|csc|card\s+security\s+code|security\s+code"
    r"|card\s+verification(?:\s+(?:code|value|number))?|3[\s-]digit\s+code"
    rf"|code\s+on\s+the\s+back){KEYWORD_END}"
    r"|安全(?:码|碼)|(?i:cvv|cvc)(?:码|碼)|卡背面?的?后?三位(?:数字|数)?"
)
# One-time codes are as secret as a security code; Chinese customers say 验证码 for both.
_OTP_KEYWORD = (
    rf"{KEYWORD_START}(?i:verification\s+code|one[\s-]time\s+(?:code|password)|otp)"
    rf"{KEYWORD_END}|(?:验证|驗證|校验|校驗|动态)(?:码|碼)"
)
_CVV = re.compile(
    rf"(?:{_CODE_KEYWORD})(?:\s*(?i:is|was|number|no))?{GAP}(?<!\d)(?P<v>\d{{3,4}})(?!\d)"
    rf"|(?:{_OTP_KEYWORD})(?:\s*(?i:is|was))?{GAP}(?<!\d)(?P<o>\d{{3,8}})(?!\d)"
)

# A card's expiry is a month and a year, never a day: MM/YY, MM/YYYY, YYYY/MM, "2027年12月".
_MONTH = r"(?:0?[1-9]|1[0-2])"
_MONTH_YEAR = (
    rf"{_MONTH}\s?[/-]\s?(?:20)?\d{{2}}"
    rf"|20\d{{2}}\s?[/-]\s?{_MONTH}"
    rf"|(?:20)?\d{{2}}\s?年\s?{_MONTH}\s?月"
    rf"|{_MONTH}\s?月\s?/?\s?(?:20)?\d{{2}}\s?年?"
)
_FULL_YEAR = re.compile(r"20\d{2}")
# Keywords that on their own say "card expiry".
_STRONG_EXPIRY = (
    rf"{KEYWORD_START}(?i:exp|exp\s?date|expiry(?:\s+date)?|expiration\s+date|valid\s+thru"
    r"|valid\s+through|good\s+thru|mm\s?/\s?yy)\.?(?![A-Za-z])"
    r"|有效期(?:至|到)?|卡(?:片)?有效期"
)
# Keywords that say "expires" about anything (coupons too): a card context must be near.
_WEAK_EXPIRY = (
    rf"{KEYWORD_START}(?i:expires|expire|expired|expiring|expiration|valid\s+until|valid\s+till)"
    rf"{KEYWORD_END}|到期|过期"
)
_EXPIRY_TAIL = r"(?![/.-]?\d)"
_STRONG_EXPIRY_DATE = re.compile(
    rf"(?:{_STRONG_EXPIRY})(?:\s*(?i:is|on|of|in))?{GAP}(?<!\d)(?P<v>{_MONTH_YEAR}){_EXPIRY_TAIL}"
)
_WEAK_EXPIRY_DATE = re.compile(
    rf"(?:{_WEAK_EXPIRY})(?:\s*(?i:is|on|of|in|at|at the end of))?{GAP}(?<!\d)"
    rf"(?P<v>{_MONTH_YEAR}){_EXPIRY_TAIL}"
)
_CONTEXT_WINDOW = 80


def card_spans(text: str) -> list[Span]:
    """Luhn-valid card numbers with at most one kind of separator."""
    spans = []
    for match in _CARD.finditer(text):
        raw = match.group()
        # Mixed separators ("1234 5678-...") are not how anyone writes a card number.
        if len(set(re.sub(r"\d", "", raw))) <= 1 and luhn_valid(digits_of(raw)):
            spans.append(match.span())
    return unquoted(text, spans)


def iban_spans(text: str) -> list[Span]:
    """IBANs with a valid mod-97 checksum."""
    return [m.span() for m in _IBAN.finditer(text) if iban_valid(m.group())]


def cvv_spans(text: str) -> list[Span]:
    """Card security codes (and one-time codes) after a keyword that names them."""
    spans = group_spans(_CVV, text) + group_spans(_CVV, text, "o")
    return unquoted(text, spans)


def _near_card_context(text: str, span: Span) -> bool:
    start, end = max(0, span[0] - _CONTEXT_WINDOW), span[1] + _CONTEXT_WINDOW
    window = text[start:end]
    return CARD_CONTEXT.search(window) is not None or bool(card_spans(window))


def card_expiry_spans(text: str) -> list[Span]:
    """Card expiry dates: after "exp"/"有效期", or after "expires" near a card context.

    A month with a four-digit year after "expires" is how cards are written; a two-digit
    "expires 12/25" could be a coupon's day, so it needs card words nearby.
    """
    spans = group_spans(_STRONG_EXPIRY_DATE, text)
    for span in group_spans(_WEAK_EXPIRY_DATE, text):
        value = text[span[0] : span[1]]
        if _FULL_YEAR.search(value) or _near_card_context(text, span):
            spans.append(span)
    return unquoted(text, spans)
