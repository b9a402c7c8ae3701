"""Reasoning: conclusions and guesses a reply draws on top of the facts it states.

A small model likes to follow a correct fact with what it makes of it: "This means you can sit
up to 45 cm high", "…, so you may need to adjust your weight accordingly", "A basic audio
interface will likely not drive them", "耳机防水级别为IPX4，因此不会因为跑步出汗而防水". The
claim checks read what a sentence says about the product, not whether an inference from it
holds, and these inferences are where a reply goes wrong while every term in it is grounded.
So a reply states facts and leaves the conclusion to the customer (or to the composed answer,
whose yes/no comes from a checked comparison):

- :func:`cut_conclusions` takes a trailing conclusion clause off its sentence (", so …",
  ", which means …", "，因此…") and keeps the fact before it;
- :func:`reasoning_reasons` finds a sentence that is a conclusion as a whole ("This means …",
  "Therefore …", "This meets your …") or a guess ("likely", "probably", "可能"), which the
  guard then removes.

Removed conclusions take nothing the reply was asked for (the facts stand before them), so
they do not count towards the share of a text that was unsupported; guesses do.
"""

# The Chinese patterns are written with full-width punctuation.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re

_I = re.IGNORECASE
_CONCLUDES = (
    r"(?:this|that|which) (?:means|implies|makes|ensures|allows|lets|meets|matches|"
    r"satisfies|exceeds|fits|suits|is (?:why|ideal|perfect|great|suitable|enough|sufficient))|"
    r"that's why|therefore|thus|hence|so|as a result|consequently|in other words"
)
# ", so you may need to adjust your weight accordingly." keeps its full stop.
_TRAILING = re.compile(
    rf"\s*(?:,|;|\s-|\u2014)\s*(?:and\s+)?(?:{_CONCLUDES})\b[^.!?]*(?=[.!?](?:\s|$)|$)", _I
)
_TRAILING_ZH = re.compile(
    r"[，；](?:因此|所以|因而|这意味着|也就是说|这说明|这样)[^。！？]*(?=[。！？]|$)"
)
_OPENS = re.compile(
    rf"^[\s\-*\u2022\"'(]*(?:{_CONCLUDES}|this is (?:because|why)|because of this)(?![A-Za-z])"
    r"|^[\s\-*\u2022]*(?:因此|所以|因而|这意味着|也就是说|这说明|这样)",
    _I,
)
_LEADING = " -*\u2022\"'("
_GUESS = re.compile(
    r"\b(?:likely|unlikely|probably|possibly|presumably|perhaps|might|should be (?:fine|ok|okay|"
    r"enough|sufficient)|may need|may want|may have to)\b|可能|大概|也许|或许|估计|应该没问题",
    _I,
)


def cut_conclusions(text: str) -> tuple[str, tuple[str, ...]]:
    """Take trailing conclusion clauses off the sentences of ``text``.

    Args:
        text: A generated reply.

    Returns:
        The text without them, and the clauses removed (lower-cased, without their comma).
    """
    removed: list[str] = []

    def cut(match: re.Match[str]) -> str:
        removed.append(match.group().strip(" ,;，；-\u2014").lower())
        return ""

    return _TRAILING_ZH.sub(cut, _TRAILING.sub(cut, text)), tuple(removed)


def reasoning_reasons(sentence: str) -> list[str]:
    """Return why ``sentence`` is a conclusion or a guess, if it is one.

    Args:
        sentence: One sentence of a reply.

    Returns:
        ``inference:<opening>`` for a sentence that opens as a conclusion,
        ``speculation:<word>`` for one that guesses; none otherwise.
    """
    opening = _OPENS.search(sentence)
    if opening:
        return [f"inference:{opening.group().strip(_LEADING).lower()}"]
    guess = _GUESS.search(sentence)
    return [f"speculation:{guess.group().lower()}"] if guess else []
