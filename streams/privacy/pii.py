"""PII redaction: contact, payment, identity and address data become typed placeholders.

Redaction runs on every customer message before it enters a prompt, the audit table, the
conversation-turns table or a log line, and on model output before it is published or
stored. Each detector is tuned against the false positives that matter in a shop: prices
(``$1,299.99``, ``¥199``), order numbers (``#12345``, ``order 100234``), dates that are not
birth dates (``2024-12-05``), model numbers (``WH-1000XM4``), sizes (``10000mAh``) and EAN
barcodes must survive untouched.

The detectors live in ``pii_contact``, ``pii_payment``, ``pii_identity`` and ``pii_places``;
this module decides between overlapping finds and rewrites the text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from streams.privacy.checksums import luhn_valid
from streams.privacy.contact import email_spans, phone_spans
from streams.privacy.context import Span, fold_width
from streams.privacy.identity import dob_spans, national_id_spans
from streams.privacy.payment import card_expiry_spans, card_spans, cvv_spans, iban_spans
from streams.privacy.places import address_spans, postcode_spans

__all__ = ["PLACEHOLDERS", "Redaction", "find_pii", "luhn_valid", "redact"]

PLACEHOLDERS: dict[str, str] = {
    "email": "[EMAIL]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "cvv": "[CVV]",
    "card_expiry": "[CARD_EXPIRY]",
    "national_id": "[NATIONAL_ID]",
    "postcode": "[POSTCODE]",
    "dob": "[DOB]",
}
"""Placeholder written in place of each kind of PII (no placeholder holds a digit)."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """The result of :func:`redact`.

    Attributes:
        text: The input with every detected PII span replaced by its placeholder.
        found: Kinds of PII found (keys of :data:`PLACEHOLDERS`), each once, in the order
            of :data:`PLACEHOLDERS`.
    """

    text: str
    found: tuple[str, ...]

    @property
    def redacted(self) -> bool:
        """Whether anything was replaced."""
        return bool(self.found)


# Where two finds overlap, the earlier kind keeps the characters: an email holds digits and
# dots, an 18-digit resident ID would also pass for a card, and the keyword-led kinds (CVV,
# expiry, birth date) know more about a short number than the phone shapes do.
_DETECTORS: tuple[tuple[str, Callable[[str], list[Span]]], ...] = (
    ("email", email_spans),
    ("iban", iban_spans),
    ("national_id", national_id_spans),
    ("card", card_spans),
    ("cvv", cvv_spans),
    ("card_expiry", card_expiry_spans),
    ("dob", dob_spans),
    ("phone", phone_spans),
    ("postcode", postcode_spans),
    ("address", address_spans),
)
_ORDER = {kind: index for index, kind in enumerate(PLACEHOLDERS)}
# Replacing a span can bring a second value next to its keyword ("call 0123 456789 or
# 0987 654321" → "call [PHONE] or 0987 654321"), so detection repeats until nothing is found.
_MAX_PASSES = 4


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _minus(span: Span, taken: list[Span]) -> list[Span]:
    """The parts of ``span`` that no span in ``taken`` covers."""
    pieces = [span]
    for t_start, t_end in taken:
        next_pieces = []
        for start, end in pieces:
            if t_end <= start or end <= t_start:
                next_pieces.append((start, end))
                continue
            if start < t_start:
                next_pieces.append((start, t_start))
            if t_end < end:
                next_pieces.append((t_end, end))
        pieces = next_pieces
    return pieces


_EDGE = frozenset(" \t\n,;:")


def _trimmed(text: str, span: Span) -> Span | None:
    """``span`` without surrounding blanks; ``None`` if no letter or digit is left.

    What is left of a span after a kind found first took its middle can be a lone comma.
    """
    start, end = span
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    if not any(char.isalnum() for char in text[start:end]):
        return None
    return start, end


# Digits of one number are one find: a shape that lies strictly inside a longer number of
# another of these kinds is a part of that number ("001-01-0001" in "+33 001-01-0001" is
# not a social security number), whatever the kinds' order.
_NUMBER_KINDS = frozenset({"national_id", "card", "phone"})


def _inside_longer_number(kind: str, span: Span, found: dict[str, list[Span]]) -> bool:
    if kind not in _NUMBER_KINDS:
        return False
    start, end = span
    return any(
        other_kind != kind and s <= start and end <= e and (e - s) > (end - start)
        for other_kind in _NUMBER_KINDS
        for s, e in found.get(other_kind, ())
    )


def _finds(text: str) -> list[tuple[Span, str]]:
    """Non-overlapping spans to replace, each with its kind, in text order."""
    folded = fold_width(text)
    found = {kind: _merge(detect(folded)) for kind, detect in _DETECTORS}
    accepted: list[tuple[Span, str]] = []
    for kind, _ in _DETECTORS:
        taken = [span for span, _ in accepted]
        for span in found[kind]:
            if _inside_longer_number(kind, span, found):
                continue
            for piece in _minus(span, taken):
                trimmed = _trimmed(folded, piece)
                if trimmed is not None:
                    accepted.append((trimmed, kind))
    return sorted(accepted)


def _redact_once(text: str) -> tuple[str, set[str]]:
    finds = _finds(text)
    for (start, end), kind in reversed(finds):
        text = text[:start] + PLACEHOLDERS[kind] + text[end:]
    return text, {kind for _, kind in finds}


def redact(text: str) -> Redaction:
    """Replace every piece of PII in ``text`` with the placeholder of its kind.

    Kinds: emails, payment cards (Luhn), card expiry dates and security codes, IBANs
    (mod 97), phone numbers, national IDs (Chinese resident ID, SSN, NI number, ID tokens
    after an ID keyword), dates of birth, postcodes and street addresses.

    Args:
        text: Any text (customer message, model output), English or Chinese; full-width
            digits and letters count as their ASCII forms.

    Returns:
        The redacted text and the kinds of PII found. Redacting an already redacted text
        changes nothing.
    """
    found: set[str] = set()
    for _ in range(_MAX_PASSES):
        text, kinds = _redact_once(text)
        if not kinds:
            break
        found |= kinds
    return Redaction(text=text, found=tuple(sorted(found, key=_ORDER.__getitem__)))


def find_pii(text: str) -> tuple[str, ...]:
    """Return the kinds of PII in ``text`` without rewriting it.

    Args:
        text: Any text.

    Returns:
        Kinds found, as in :attr:`Redaction.found`.
    """
    return redact(text).found
