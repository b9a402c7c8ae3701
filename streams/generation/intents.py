"""Intent detection for customer chat messages.

The intent picks the fallback reply and is given to the reply prompt. The default detector
scores keyword/regex rules in English and Chinese (:mod:`streams.generation.intent_rules`), and
:func:`detect_intent` adds evidence from the product's facts: a message that asks about a
fact of its product counts towards ``product_question`` even without a keyword. Anything
with the same ``detect`` method (an embedding classifier over the packaged MiniLM, for
instance) can replace the keyword detector through the :class:`IntentDetector` protocol.

Scoring: every rule that matches adds its weight to its intent; the highest total wins.
Ties are broken by :data:`PRECEDENCE`, which puts the intents whose answers commit the
shop to the most specific process first: a message that both complains and asks for a
refund is answered as ``return_refund``; one that complains about a late parcel is
``order_status``. No match at all gives ``other``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from streams.generation.fact_match import match_facts
from streams.generation.facts import ProductFacts
from streams.generation.intent_rules import (
    CHINESE_RULES,
    DEFAULT_RULES,
    FACT_QUESTION_RULES,
    INTENTS,
    Intent,
    Rule,
)

__all__ = [
    "CHINESE_RULES",
    "DEFAULT_RULES",
    "FACT_MATCH_WEIGHT",
    "FACT_QUESTION_RULES",
    "INTENTS",
    "PRECEDENCE",
    "Intent",
    "IntentDetector",
    "IntentResult",
    "KeywordIntentDetector",
    "Rule",
    "decide",
    "detect_intent",
]

PRECEDENCE: tuple[Intent, ...] = (
    "return_refund",
    "order_status",
    "complaint",
    "shipping",
    "product_question",
    "other",
)
"""Tie-break order: on equal scores the earlier intent wins."""


@dataclass(frozen=True, slots=True)
class IntentResult:
    """A detected intent.

    Attributes:
        intent: The winning intent.
        confidence: Strength of the evidence in ``[0, 1]``: grows with the winning score
            and shrinks with the runner-up's (``0.0`` for ``other``, which means "no
            evidence"). A learned detector puts its class probability here.
        matched: What supported the decision (rule names for the keyword detector).
    """

    intent: Intent
    confidence: float
    matched: tuple[str, ...]


class IntentDetector(Protocol):
    """Anything that classifies a message into an :data:`Intent`."""

    def detect(self, text: str) -> IntentResult:
        """Classify one message.

        Args:
            text: The (redacted) customer message.

        Returns:
            The intent with its confidence and evidence.
        """
        ...


FACT_MATCH_WEIGHT = 1.5
"""Points for ``product_question`` when the message asks about a fact of its product."""


class KeywordIntentDetector:
    """Scores :class:`Rule` matches per intent; see the module docstring for precedence."""

    def __init__(
        self, rules: tuple[Rule, ...] = DEFAULT_RULES + FACT_QUESTION_RULES + CHINESE_RULES
    ) -> None:
        """Compile the rules.

        Args:
            rules: The scoring rules.
        """
        self._rules = tuple((rule, re.compile(rule.pattern, re.IGNORECASE)) for rule in rules)

    def scores(self, text: str) -> tuple[Mapping[Intent, float], tuple[Rule, ...]]:
        """Return the total score per intent and the rules that matched.

        Args:
            text: The message.

        Returns:
            Scores for every intent (``other`` is always 0) and the matched rules.
        """
        totals: dict[Intent, float] = dict.fromkeys(INTENTS, 0.0)
        matched = tuple(rule for rule, pattern in self._rules if pattern.search(text))
        for rule in matched:
            totals[rule.intent] += rule.weight
        return totals, matched

    def detect(self, text: str) -> IntentResult:
        """Classify one message.

        Args:
            text: The (redacted) customer message.

        Returns:
            The best-scoring intent, ``other`` when no rule matched.
        """
        totals, matched = self.scores(text)
        return decide(totals, matched)


def decide(
    totals: Mapping[Intent, float], matched: tuple[Rule, ...], extra: tuple[str, ...] = ()
) -> IntentResult:
    """Pick the intent from per-intent scores (ties broken by :data:`PRECEDENCE`).

    Args:
        totals: Score per intent.
        matched: The rules that matched.
        extra: Further evidence for ``product_question`` (matched facts).

    Returns:
        The intent, ``other`` with no evidence when every score is zero.
    """
    ranked = sorted(PRECEDENCE, key=lambda intent: (-totals[intent], PRECEDENCE.index(intent)))
    best, runner_up = ranked[0], ranked[1]
    top = totals[best]
    if top <= 0:
        return IntentResult(intent="other", confidence=0.0, matched=())
    # Saturates with evidence (1 - e^-top/2) and is scaled by the margin over the runner-up.
    margin = (top - totals[runner_up]) / top
    confidence = (1.0 - math.exp(-top / 2.0)) * (0.5 + 0.5 * margin)
    names = tuple(rule.name for rule in matched if rule.intent == best)
    if best == "product_question":
        names += extra
    return IntentResult(intent=best, confidence=round(confidence, 3), matched=names)


_DEFAULT = KeywordIntentDetector()


def detect_intent(text: str, facts: ProductFacts | None = None) -> IntentResult:
    """Classify a message with the default rules and the product's facts.

    A question that asks about a fact of the product
    (:func:`streams.generation.fact_match.match_facts`) adds :data:`FACT_MATCH_WEIGHT` to
    ``product_question``, so a question the facts answer is not left as ``other`` for want of a
    keyword ("OK for 140 kg?").

    Args:
        text: The (redacted) customer message.
        facts: The product the conversation is about, or ``None``.

    Returns:
        The detected intent.
    """
    matches = match_facts(text, facts)
    totals, matched = _DEFAULT.scores(text)
    extra: tuple[str, ...] = ()
    if matches:
        totals = {**totals, "product_question": totals["product_question"] + FACT_MATCH_WEIGHT}
        extra = tuple(f"fact:{m.fact.key}" for m in matches)
    return decide(totals, matched, extra)
