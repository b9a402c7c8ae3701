"""Pruning: remove a text's unsupported sentences and measure what went.

The claim checks (:mod:`streams.generation.guard.claims`, the number and policy checks) judge each
sentence; :func:`prune` drops the ones they find against, plus repetitions and sentences that
only make sense after a removed one, and reports how much of the text was unsupported so the
caller can reject a text that is mostly invented.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from streams.generation.guard import lexicon as lx
from streams.generation.guard.claims import LEADING, TOKEN, split_sentences

_DEPENDENT = re.compile(rf"^(?:{lx.DEPENDENT_OPENERS})(?![a-z])", re.IGNORECASE)
BENIGN_KINDS = frozenset({"repeated", "duplicate", "inference"})
"""Removal kinds that take nothing the text was for away (repetitions, conclusions drawn from the
facts it states), so never count against it."""


@dataclass(frozen=True, slots=True)
class Pruning:
    """A text with its unsupported sentences removed.

    Attributes:
        text: The remaining sentences with their separators.
        removed: The removed sentences.
        reasons: ``"kind:detail"`` for each removal (one or more per removed sentence).
        unsupported_share: Share of the text's characters removed for unsupported claims.
    """

    text: str
    removed: tuple[str, ...]
    reasons: tuple[str, ...]
    unsupported_share: float


def _norm(sentence: str) -> str:
    return " ".join(TOKEN.findall(sentence.lower()))


def prune(text: str, judge: Callable[[str], Sequence[str]]) -> Pruning:
    """Remove from ``text`` every sentence ``judge`` finds a reason against.

    A repeated sentence goes too (``repeated:…``), and so does a sentence that opens by
    leaning on a removed one ("This means …", ``dependent:…``).

    Args:
        text: The generated text.
        judge: Returns ``"kind:detail"`` reasons against one sentence; empty when it stands.

    Returns:
        What is left, what went and why.
    """
    kept: list[str] = []
    removed: list[str] = []
    reasons: list[str] = []
    seen: set[str] = set()
    total = lost = 0
    previous_removed = False
    for sentence, sep in split_sentences(text):
        if not sentence.strip():
            continue
        size = len(sentence.strip())
        total += size
        key = _norm(sentence)
        against = list(judge(sentence))
        if not against and key in seen:
            against = [f"repeated:{sentence.strip()[:40]}"]
        elif not against and previous_removed and _DEPENDENT.match(LEADING.sub("", sentence)):
            against = [f"dependent:{' '.join(sentence.split()[:2])}"]
        seen.add(key)
        previous_removed = bool(against)
        if against:
            removed.append(sentence.strip())
            reasons.extend(against)
            if not all(r.split(":", 1)[0] in BENIGN_KINDS for r in against):
                lost += size
            continue
        kept.append(sentence + sep)
    share = lost / total if total else 0.0
    return Pruning(
        text="".join(kept).strip(),
        removed=tuple(removed),
        reasons=tuple(dict.fromkeys(reasons)),
        unsupported_share=share,
    )
