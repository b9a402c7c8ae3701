"""What the PII detectors share: spans, boundaries, width folding and the identifier rule.

Python's ``\\b`` and ``\\w`` count Chinese characters as word characters, so "电话13800138000"
has no word boundary before the number. The detectors use the ASCII-only boundaries below
instead, which let a number touch Chinese text but not a Latin letter or another digit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Span = tuple[int, int]
"""A ``(start, end)`` character range of the original text."""

NO_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
NO_ALNUM_AFTER = r"(?![0-9A-Za-z])"
KEYWORD_START = r"(?<![A-Za-z_\[])"
"""Before a keyword: not inside a Latin word and not inside a placeholder such as ``[CVV]``."""
KEYWORD_END = r"(?![A-Za-z])"

GAP = r"[^\d\n.!?\u3002]{0,16}?"
"""Between a context keyword and its value: a few characters, never a digit or sentence end."""

# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space fold to ASCII one character for
# one character, so spans found in the folded text are spans of the original.
_WIDTH_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

# A number right after one of these words is an order, tracking or product number that the
# customer is quoting, not a phone or card number.
_IDENTIFIER_BEFORE = re.compile(
    r"(?:"
    rf"{KEYWORD_START}(?i:order|tracking|invoice|receipt|ref|reference|ticket|rma|sku|serial"
    r"|part|model|parcel|shipment|consignment|confirmation|awb|waybill)"
    r"(?:\s*(?i:number|num|no|id|code))?\.?(?:\s+(?i:is|was))?\s*[:#]?\s*"
    r"|#\s*"
    r"|(?:订单|运单|快递单|物流单|包裹)(?:号码|编号|号)?(?:是|为)?\s*[:#]?\s*"
    r"|(?:单号|编号|型号|货号|序列号|流水号)(?:码)?(?:是|为)?\s*[:#]?\s*"
    r")$"
)


def fold_width(text: str) -> str:
    """Return ``text`` with full-width Latin letters, digits and punctuation made ASCII.

    The result has the same length as ``text``, so offsets carry over.
    """
    return text.translate(_WIDTH_FOLD)


def after_identifier_word(text: str, start: int) -> bool:
    """Return whether the number starting at ``start`` follows "order", "#", "订单号"...

    Args:
        text: The (width-folded) text.
        start: Where the number starts.

    Returns:
        ``True`` when an identifier word directly precedes the number.
    """
    return _IDENTIFIER_BEFORE.search(text, max(0, start - 40), start) is not None


def group_spans(pattern: re.Pattern[str], text: str, group: str = "v") -> list[Span]:
    """Spans of one named group over every match of ``pattern`` (context-keyword patterns).

    Args:
        pattern: A pattern with the named group.
        text: The text to search.
        group: The group holding the value to redact.

    Returns:
        The group's spans, in order, for matches where it took part.
    """
    spans = []
    for match in pattern.finditer(text):
        start, end = match.span(group)
        if start >= 0:
            spans.append((start, end))
    return spans


def unquoted(text: str, spans: Iterable[Span]) -> list[Span]:
    """Drop spans that directly follow an identifier word (see :func:`after_identifier_word`)."""
    return [span for span in spans if not after_identifier_word(text, span[0])]
