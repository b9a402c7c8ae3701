"""What a question asks that the grounding answers, and whether a reply answers it.

:func:`find_asked` picks the facts (:func:`streams.generation.fact_match.match_facts`) and policy
statements (:func:`streams.generation.fact_match.match_policies`) a message asks about. They go
first in the prompt; after generation :func:`answer_problems` checks that the model's reply carries
their values, agrees with a numeric comparison, and is written in the customer's language. A reply
with a problem is replaced by :func:`streams.generation.reply_templates.compose_answer`, which
states the same facts by construction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from streams.generation.fact_match import FactMatch, match_facts, match_policies
from streams.generation.facts import Grounding, Lang, PolicyLine, ProductFacts
from streams.generation.guard.grounding import extract_numbers
from streams.generation.guard.injection import DATA_TAGS
from streams.generation.intents import Intent
from streams.generation.language import detect_language

# Intents a fact answers. For the others the matched facts are context ("can I swap it for a
# different size?" names the size, but asks for an exchange).
FACT_INTENTS: frozenset[Intent] = frozenset({"product_question", "other"})
# The assistant cannot see orders, so for an order-status question a shipping policy is
# context too, not the answer.
_POLICY_OPTIONAL: frozenset[Intent] = frozenset({"order_status"})

_NEGATION = re.compile(
    r"\b(?:no|not|cannot|can't|can not|won't|isn't|aren't|doesn't|don't|unable|exceeds?|"
    r"exceeded|exceeding|too (?:heavy|big|large|much|long|small|low|high)|more than|"
    r"over the|above the|below the|less than|under the)\b|不|没|无法|超过|超出|超重|低于|达不到",
    re.IGNORECASE,
)
_AFFIRMS = re.compile(
    r"(?:yes|included|includes?|built[- ]in|available|supported|present|"
    r"有|是|含|包含|附带|配有|支持)",
    re.IGNORECASE,
)
_OUTPUT_TAG = re.compile(
    r"</?\s*(?:" + "|".join(DATA_TAGS) + r"|history|system|user|assistant)\b", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+")
# The guard reads English claims; these are the Chinese ones a reply may not make unless the
# grounding says the same words: discounts and gifts, order states and refund promises, and
# durations written with Chinese numerals (which carry no digits for the number check).
_ZH_CLAIM = re.compile(
    r"折扣|优惠券?|优惠码|打[一二三四五六七八九\d]*折|折优惠|满减|赠品|赠送|红包|返现|免费(?!配送|送货|发货)|"
    r"无理由退货|终身保修|已(?:经)?(?:发货|寄出|送达|退款|取消|处理|批准)|(?:给|为)您(?:办理)?退款|全额退款|"
    r"[一二两三四五六七八九十百]+(?:个)?(?:天|周|星期|个月|月|年|小时|工作日)"
)


@dataclass(frozen=True, slots=True)
class Asked:
    """The grounded facts and policies a message asks about.

    Attributes:
        facts: Matched facts, strongest first.
        policies: Policy statements on the topics asked about, in the reply's language.
        facts_required: Whether the reply must state the facts (the intent is one a fact
            answers: :data:`FACT_INTENTS`).
        policies_required: Whether the reply must state the policies (not for an
            order-status hand-over).
    """

    facts: tuple[FactMatch, ...] = ()
    policies: tuple[PolicyLine, ...] = ()
    facts_required: bool = True
    policies_required: bool = True

    def __bool__(self) -> bool:
        """Whether the grounding answers anything the message asks."""
        return bool(self.facts or self.policies)


def find_asked(
    question: str, facts: ProductFacts | None, grounding: Grounding, intent: Intent
) -> Asked:
    """Find what ``question`` asks that ``grounding`` answers.

    Args:
        question: The (redacted) customer message.
        facts: The product the conversation is about, or ``None``.
        grounding: The reply's grounding (its policies are in the reply's language).
        intent: The detected intent.

    Returns:
        The matched facts and policy statements.
    """
    topics = match_policies(question)
    policies = tuple(p for p in grounding.policies if p.topic in topics)
    return Asked(
        facts=match_facts(question, facts),
        policies=policies,
        facts_required=intent in FACT_INTENTS,
        policies_required=intent not in _POLICY_OPTIONAL,
    )


# Chinese "and": "干性及敏感肌" is stated by "干性和敏感肌".
_ZH_AND = re.compile("以及|及|与|、")


def _squash(text: str) -> str:
    return " ".join(_ZH_AND.sub("和", text.lower()).split())


def carries(text: str, value: str, key: str = "") -> bool:
    """Return whether ``text`` states ``value``.

    A value with numbers is stated when every one of its numbers is in the text (however
    written: ``1.30`` is ``1.3``); a value without numbers when the text contains it, or
    all of its words. A value that only says the thing is there ("rain cover: included",
    "chest strap: yes", "防水: 是") is stated by a text that names the thing and does not
    deny it ("Yes, it comes with a rain cover").

    Args:
        text: A reply.
        value: A fact's value or a policy statement.
        key: The fact's name, for a value that only affirms it.

    Returns:
        ``True`` when the value is stated.
    """
    if key and _AFFIRMS.fullmatch(value.strip()):
        return _squash(key) in _squash(text) and not _NEGATION.search(text)
    numbers = extract_numbers(value)
    if numbers:
        return set(numbers) <= set(extract_numbers(text))
    if _squash(value) in _squash(text):
        return True
    words = set(_WORD.findall(value.lower()))
    return bool(words) and words <= set(_WORD.findall(text.lower()))


def reply_language(text: str, grounding: Grounding, expected: Lang) -> Lang:
    """Return the language a reply is written in, not counting quoted facts.

    Product titles and values are often English inside a Chinese reply, so they are
    removed before the scripts are counted.

    Args:
        text: A reply.
        grounding: The reply's grounding.
        expected: The language asked for (breaks ties).

    Returns:
        The reply's language.
    """
    bare = text
    for fact in sorted(grounding.facts, key=lambda f: -len(f.value)):
        bare = bare.replace(fact.value, " ")
    return detect_language(bare, expected)


def answer_problems(text: str, asked: Asked, grounding: Grounding, lang: Lang) -> tuple[str, ...]:
    """Find why a reply the guard accepted still does not answer the customer.

    Args:
        text: The model's reply.
        asked: What the message asks (:func:`find_asked`).
        grounding: The reply's grounding.
        lang: The customer's language.

    Returns:
        Reasons (``answer_missing_fact:<key>``, ``answer_contradicts:<key>``,
        ``answer_missing_policy:<topic>``, ``answer_language:<lang>``,
        ``answer_delimiter``, ``answer_zh_claim:<text>`` for a Chinese discount, order-state,
        refund or duration claim the grounding does not make); empty when the reply
        answers what was asked.
    """
    reasons: list[str] = []
    if _OUTPUT_TAG.search(text):
        reasons.append("answer_delimiter")
    written = reply_language(text, grounding, lang)
    if written != lang:
        reasons.append(f"answer_language:{written}")
    if lang == "zh":
        grounds = grounding.text()
        reasons.extend(
            f"answer_zh_claim:{m.group()}"
            for m in _ZH_CLAIM.finditer(text)
            if m.group() not in grounds
        )
    for match in asked.facts if asked.facts_required else ():
        if not carries(text, match.fact.value, match.fact.key):
            reasons.append(f"answer_missing_fact:{match.fact.key}")
        elif match.comparison is not None and bool(_NEGATION.search(text)) == match.comparison.ok:
            reasons.append(f"answer_contradicts:{match.fact.key}")
    if asked.policies_required:
        reasons.extend(_missing_policies(text, asked.policies))
    return tuple(reasons)


# Returns and refunds are one subject to a customer: "退货以后退款多久能到账" names the
# return and asks about the refund, and either statement answers it.
_SUBJECTS: dict[str, str] = {"refunds": "returns"}


def _missing_policies(text: str, policies: tuple[PolicyLine, ...]) -> list[str]:
    stated = {_SUBJECTS.get(p.topic, p.topic) for p in policies if carries(text, p.text)}
    return [
        f"answer_missing_policy:{p.topic}"
        for p in policies
        if _SUBJECTS.get(p.topic, p.topic) not in stated
    ]
