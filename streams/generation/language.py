"""The language a customer writes in, so the reply is written in the same one.

Detection is by script: Han characters against Latin words. A Chinese sentence has one
character per syllable where English has one word per one or two syllables, so a Han
character and a Latin word are counted alike. Model numbers and units ("XM4", "kg") are
Latin, which is why a Chinese question with a unit in it is still Chinese: it has more Han
characters than Latin words. A message with neither (``"?"``, ``"140"``, ``"ok"`` in a
Chinese conversation) keeps the conversation's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from streams.generation.facts import Lang, ProductFacts

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# Words that carry no language of their own: units, and acknowledgements used everywhere.
_NEUTRAL = frozenset(
    {"ok", "okay", "kg", "cm", "mm", "ml", "mah", "usb", "led", "wifi", "lb", "lbs", "xl"}
)


def script_counts(text: str) -> tuple[int, int]:
    """Count Han characters and Latin words (units and "ok" aside) in ``text``.

    Args:
        text: Any text.

    Returns:
        ``(han, latin)``.
    """
    han = len(_HAN.findall(text))
    latin = sum(w.lower() not in _NEUTRAL for w in _LATIN_WORD.findall(text))
    return han, latin


def detect_language(text: str, previous: Lang | None = None) -> Lang:
    """Return the language of ``text``; ``previous`` breaks ties.

    Args:
        text: A customer message (or a reply).
        previous: The conversation's language so far, if known.

    Returns:
        ``"zh"`` when Han characters outnumber Latin words, ``"en"`` when Latin words
        outnumber Han characters, otherwise ``previous`` (``"en"`` when unknown).
    """
    han, latin = script_counts(text)
    if han > latin:
        return "zh"
    if latin > han:
        return "en"
    return previous or "en"


def conversation_language(texts: Iterable[str]) -> Lang | None:
    """Return the language of the latest text whose script decides it, if any.

    Args:
        texts: Earlier customer turns, oldest first.

    Returns:
        That language, or ``None`` when no turn decides.
    """
    for text in reversed(list(texts)):
        han, latin = script_counts(text)
        if han != latin:
            return "zh" if han > latin else "en"
    return None


def facts_language(facts: ProductFacts) -> Lang:
    """Return the language the merchant describes a product in.

    Args:
        facts: The product.

    Returns:
        The language of its title, category and attribute names and values taken together
        (:func:`detect_language`), so a description and its key facts are written in it.
    """
    parts = [facts.title, facts.category]
    for key, value in facts.attributes.items():
        parts.extend((key, value))
    return detect_language(" ".join(parts))
