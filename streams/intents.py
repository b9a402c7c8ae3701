"""Intent detection for customer chat messages.

The intent picks the fallback reply and is given to the reply prompt. The default detector
scores keyword/regex rules; anything with the same ``detect`` method (an embedding
classifier over the packaged MiniLM, for instance) can replace it through the
:class:`IntentDetector` protocol.

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
from typing import Literal, Protocol, get_args

Intent = Literal[
    "order_status", "return_refund", "shipping", "product_question", "complaint", "other"
]
"""The intents a chat message is classified into."""

INTENTS: tuple[Intent, ...] = get_args(Intent)
"""All intents, in declaration order."""

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


@dataclass(frozen=True, slots=True)
class Rule:
    """One scoring rule.

    Attributes:
        name: Short name reported in :attr:`IntentResult.matched`.
        intent: The intent it votes for.
        pattern: Case-insensitive regular expression searched in the message.
        weight: Points added when it matches.
    """

    name: str
    intent: Intent
    pattern: str
    weight: float = 1.0


_ARTICLE = r"(?:my|the|our|this|that|an?)"
_THING = r"(?:order|package|parcel|delivery|shipment|item|items|stuff|purchase)"

DEFAULT_RULES: tuple[Rule, ...] = (
    # order_status: where is a specific order.
    Rule("where_is_order", "order_status", rf"\bwhere(?:'s| is| are)\s+{_ARTICLE}\s+{_THING}", 3),
    Rule("order_status", "order_status", r"\border (?:status|update)\b|\bstatus of my\b", 3),
    Rule("tracking", "order_status", r"\btrack(?:ing)?\b", 2),
    Rule(
        "not_arrived",
        "order_status",
        r"\b(?:hasn't|has not|haven't|have not|still not|"
        r"never|not yet|didn't|did not)\s+(?:\w+\s+)?(?:arrived|received|come|shipped|got)\b",
        2,
    ),
    Rule(
        "when_arrive",
        "order_status",
        rf"\bwhen (?:will|is|does|do)\s+{_ARTICLE}?\s*{_THING}?"
        r"\s*(?:it\s+)?(?:arrive|come|get here|be delivered|ship)",
        2,
    ),
    Rule("order_number", "order_status", r"#\s?\d{4,}|\border (?:number|no\.?|id)\b", 1),
    Rule(
        "did_it_ship",
        "order_status",
        r"\bhas (?:my|the) order (?:been )?(?:shipped|sent)\b"
        r"|\bhas it shipped\b",
        3,
    ),
    Rule(
        "late",
        "order_status",
        r"\b(?:late|delayed|delay|overdue|still waiting|taking so long)\b",
        1,
    ),
    # return_refund: the customer wants money or goods back.
    Rule("refund", "return_refund", r"\brefund(?:s|ed)?\b", 3),
    Rule("money_back", "return_refund", r"\bmoney back\b|\breimburse", 3),
    Rule(
        "return_item",
        "return_refund",
        r"\breturn(?:ing|ed)?\s+(?:it|this|these|them|the|my|an?)"
        r"\b|\bsend (?:it|this|them|these) back\b|\bhow (?:do|can) i return\b",
        3,
    ),
    Rule("return_policy", "return_refund", r"\breturns?(?: policy| label| window| form)\b", 3),
    Rule("exchange", "return_refund", r"\bexchange\b|\bswap (?:it|this)\b", 2),
    Rule("cancel", "return_refund", r"\bcancel(?:l?ed|l?ing|lation)?\b", 2),
    Rule(
        "bad_fit",
        "return_refund",
        r"\b(?:doesn't|does not|don't|do not) fit\b"
        r"|\btoo (?:small|big|large|tight|loose|short|long)\b|\bwrong (?:size|colou?r|item)\b",
        1,
    ),
    Rule("chargeback", "return_refund", r"\bchargeback\b|\bdispute the charge\b", 2),
    # shipping: how delivery works in general.
    Rule("shipping", "shipping", r"\bshipping\b|\bpostage\b", 2),
    Rule("ship_to", "shipping", r"\b(?:do|can) you (?:ship|deliver)\b|\bship(?:s|ping)? to\b", 3),
    Rule(
        "delivery_terms",
        "shipping",
        r"\bdeliver(?:y|ies)? (?:time|times|cost|costs|fee|fees|"
        r"options?|charges?|to)\b|\bhow (?:long|much) (?:does|is|will) (?:the )?(?:shipping|"
        r"delivery|it take)\b",
        3,
    ),
    Rule(
        "fast_shipping",
        "shipping",
        r"\b(?:express|overnight|next[- ]day|same[- ]day|"
        r"expedited|standard) (?:shipping|delivery)?",
        2,
    ),
    Rule(
        "carrier",
        "shipping",
        r"\b(?:courier|carrier|dhl|ups|fedex|usps|royal mail|"
        r"international|customs|abroad|overseas)\b",
        1,
    ),
    # product_question: facts about a product.
    Rule(
        "does_it",
        "product_question",
        r"\b(?:does|do|is|are|can|will) (?:it|this|that|the|"
        r"they|these|those)\b[^.?!]{0,40}\b(?:come|have|fit|work|support|include|compatible|"
        r"available|made|waterproof|washable|suitable)\b",
        2,
    ),
    Rule(
        "what_spec",
        "product_question",
        r"\bwhat (?:size|sizes|colou?rs?|material|dimensions|"
        r"is the (?:size|weight|material|capacity|battery)|are the dimensions)\b",
        2,
    ),
    Rule(
        "stock",
        "product_question",
        r"\bin stock\b|\bavailable in\b|\bavailability\b"
        r"|\bback in stock\b",
        2,
    ),
    Rule(
        "spec_words",
        "product_question",
        r"\b(?:size|sizes|sizing|colou?rs?|material|fabric|"
        r"cotton|dimensions|weight|battery|capacity|specs?|specifications|compatible|"
        r"waterproof|ingredients|warranty|model)\b",
        1,
    ),
    Rule(
        "how_spec",
        "product_question",
        r"\bhow (?:big|large|heavy|small|tall|wide|long is|"
        r"much does it weigh)\b|\bdifference between\b|\brecommend\b",
        2,
    ),
    Rule("price", "product_question", r"\bhow much (?:is|are|does|do)\b|\bprice of\b", 2),
    # complaint: dissatisfaction without a more specific request.
    Rule("complain", "complaint", r"\bcomplain(?:t|ts|ing)?\b", 3),
    Rule(
        "angry",
        "complaint",
        r"\b(?:terrible|awful|horrible|worst|unacceptable|disappointed|"
        r"disappointing|disgusting|furious|angry|ridiculous|outrageous|pathetic|useless|rude|"
        r"scam|fed up|unhappy|not happy|very upset|poor (?:quality|service)|waste of money)\b",
        2,
    ),
    Rule(
        "defect",
        "complaint",
        r"\b(?:broken|broke|damaged|defective|faulty|cracked|torn|"
        r"stopped working|doesn't work|does not work|missing (?:parts?|pieces?))\b",
        1,
    ),
    Rule(
        "escalate",
        "complaint",
        r"\b(?:speak|talk) to (?:a|your|the) (?:manager|supervisor|"
        r"human)\b|\bnever (?:again|buying|ordering|shop)\b|\bleave a bad review\b",
        2,
    ),
)
"""The default rules. Weights: 3 = names the intent outright, 2 = strong cue, 1 = hint."""


class KeywordIntentDetector:
    """Scores :class:`Rule` matches per intent; see the module docstring for precedence."""

    def __init__(self, rules: tuple[Rule, ...] = DEFAULT_RULES) -> None:
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
        ranked = sorted(PRECEDENCE, key=lambda intent: (-totals[intent], PRECEDENCE.index(intent)))
        best, runner_up = ranked[0], ranked[1]
        top = totals[best]
        if top <= 0:
            return IntentResult(intent="other", confidence=0.0, matched=())
        # Saturates with evidence (1 - e^-top/2) and is scaled by the margin over the runner-up.
        margin = (top - totals[runner_up]) / top
        confidence = (1.0 - math.exp(-top / 2.0)) * (0.5 + 0.5 * margin)
        names = tuple(rule.name for rule in matched if rule.intent == best)
        return IntentResult(intent=best, confidence=round(confidence, 3), matched=names)


_DEFAULT = KeywordIntentDetector()


def detect_intent(text: str) -> IntentResult:
    """Classify a message with the default keyword detector.

    Args:
        text: The (redacted) customer message.

    Returns:
        The detected intent.
    """
    return _DEFAULT.detect(text)
