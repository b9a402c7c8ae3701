"""PII redaction: emails, phone numbers, payment cards, IBANs and street addresses.

Redaction runs on every customer message before it enters a prompt, the audit table or a
log line, and on model output before it is published. Each detector is tuned against the
false positives that matter in a shop: prices (``$1,299.99``), order numbers (``#12345``),
dates (``2024-12-05``) and model numbers (``WH-1000XM4``) must survive untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
}
"""Placeholder written in place of each kind of PII."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """The result of :func:`redact`.

    Attributes:
        text: The input with every detected PII span replaced by its placeholder.
        found: Kinds of PII found (``"email"``, ``"phone"``, ``"card"``, ``"iban"``,
            ``"address"``), each once, in detection order.
    """

    text: str
    found: tuple[str, ...]

    @property
    def redacted(self) -> bool:
        """Whether anything was replaced."""
        return bool(self.found)


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9!#$%&'*+/=?^_`{{|}}~.-]){_ATEXT}+(?:\.{_ATEXT}+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}"
)

# 14-19 digits in groups separated by single spaces or dashes. 13-digit numbers are left
# out on purpose: that is the length of EAN barcodes, and 13-digit cards are retired.
_CARD = re.compile(r"(?<![\d#+])\d(?:[ -]?\d){13,18}(?![\d])")

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")

_PHONE_CANDIDATES: tuple[re.Pattern[str], ...] = (
    # International: +CC then groups, optionally with one parenthesised group.
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\d)"),
    # North American: optional 1, area code with or without parentheses, 3-3-4.
    re.compile(r"(?<![\w#/.-])(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\d/-])"),
    # European national format: a trunk 0 and 9-12 digits in 2-3 groups.
    re.compile(r"(?<![\w#/.-])0\d{2,4}[ .-]?\d{3,4}[ .-]?\d{2,4}(?![\d/.-])"),
)
# A bare digit run only counts as a phone number after a word that says so.
_PHONE_CONTEXT = re.compile(
    r"\b(?:call|phone|tel|telephone|mobile|cell|whatsapp|text me|reach me|contact me|"
    r"my number)\b"
    r"[^\d\n]{0,25}((?:\+?\d[ .-]?){6,14}\d)(?![\d/])",
    re.IGNORECASE,
)

_STREET_SUFFIX = (
    r"(?i:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|"
    r"place|pl|terrace|ter|parkway|pkwy|circle|cir|highway|hwy|square|sq|crescent|close)"
)
_ADDRESS = re.compile(
    r"(?<![\w#.,$€£-])\d{1,5}[A-Za-z]?,?\s+"
    r"(?:(?:[A-Z][A-Za-z'-]*|\d+(?:st|nd|rd|th))\.?\s+){1,4}"
    rf"{_STREET_SUFFIX}\b\.?"
    r"(?:,?\s*(?i:apt|apartment|suite|ste|unit|flat)\.?\s*#?\s*\w+)?"
    # Optional ", City, ST 12345" tail.
    r"(?:,\s*[A-Z][A-Za-z]+(?:\s[A-Z][A-Za-z]+)*(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)?"
)
_ISO_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$")


def luhn_valid(digits: str) -> bool:
    """Return whether a digit string passes the Luhn checksum (payment cards).

    Args:
        digits: Only the digits, no separators.

    Returns:
        ``True`` when the checksum is valid.
    """
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _card_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _CARD.finditer(text):
        raw = match.group()
        separators = set(re.sub(r"\d", "", raw))
        # Mixed separators ("1234 5678-...") are not how anyone writes a card number.
        if len(separators) <= 1 and luhn_valid(_digits(raw)):
            spans.append(match.span())
    return spans


def _iban_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _IBAN.finditer(text) if _iban_valid(m.group())]


def _phone_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in _PHONE_CANDIDATES:
        for match in pattern.finditer(text):
            count = len(_digits(match.group()))
            if 8 <= count <= 15 and not _ISO_DATE.match(match.group()):
                spans.append(match.span())
    for match in _PHONE_CONTEXT.finditer(text):
        value = match.group(1)
        if 7 <= len(_digits(value)) <= 15 and not _ISO_DATE.match(value.strip()):
            spans.append(match.span(1))
    return spans


def _address_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _ADDRESS.finditer(text)]


def _email_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _EMAIL.finditer(text)]


# Order matters: emails hold digits and dots, cards and IBANs hold digit groups that the
# phone patterns would otherwise take, so the more specific kinds go first.
_DETECTORS: tuple[tuple[str, Callable[[str], list[tuple[int, int]]]], ...] = (
    ("email", _email_spans),
    ("card", _card_spans),
    ("iban", _iban_spans),
    ("phone", _phone_spans),
    ("address", _address_spans),
)


def _replace(text: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + placeholder + text[end:]
    return text


def redact(text: str) -> Redaction:
    """Replace every email, payment card, IBAN, phone number and street address.

    Args:
        text: Any text (customer message, model output).

    Returns:
        The redacted text and the kinds of PII found. Redacting an already redacted text
        changes nothing.
    """
    found: list[str] = []
    for kind, detect in _DETECTORS:
        spans = detect(text)
        if spans:
            text = _replace(text, spans, PLACEHOLDERS[kind])
            found.append(kind)
    return Redaction(text=text, found=tuple(found))


def find_pii(text: str) -> tuple[str, ...]:
    """Return the kinds of PII in ``text`` without rewriting it.

    Args:
        text: Any text.

    Returns:
        Kinds found, as in :attr:`Redaction.found`.
    """
    return redact(text).found
