"""Validation of generated product descriptions.

A refreshed description must stay a description of *this* product: it names the product,
keeps every attribute value the merchant gave, and invents no number (a wrong capacity or
price in a listing is a legal problem, not a style issue). It also gets the checks every
generated text gets: no PII, no unsafe language, no prompt leakage, no discount or policy
claims the facts do not make.
"""

from __future__ import annotations

import math
import re

from streams.facts import PlatformPolicies, ProductFacts
from streams.guard.grounding import check_grounding, parse_number
from streams.guard.leak import PromptLike
from streams.guard.verdict import GuardVerdict, common_reasons

MAX_DESCRIPTION_CHARS = 1200
"""Longest description the guard accepts."""

_WORD = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Words that do not identify a product: a description that only says "set" or "new" does
# not name it.
_GENERIC = frozenset(
    {
        "a", "an", "and", "the", "for", "with", "of", "in", "on", "by", "to", "from", "set",
        "pack", "kit", "new", "edition", "version", "model", "size", "item", "product",
        "piece", "pcs",
    }
)  # fmt: skip


def distinctive_words(title: str) -> tuple[str, ...]:
    """Return the words of a title that identify the product (lowercased).

    Args:
        title: Product title.

    Returns:
        Title words of two or more characters that are not generic, in order.
    """
    words = (w.lower() for w in _WORD.findall(title))
    return tuple(dict.fromkeys(w for w in words if len(w) >= 2 and w not in _GENERIC))


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def names_product(text: str, title: str) -> bool:
    """Return whether ``text`` names the product: its title, or most of its distinctive words.

    Args:
        text: Generated text.
        title: Product title.

    Returns:
        ``True`` when the full title appears (case-insensitive), or enough of the title's
        distinctive words appear as whole words: two, or 40% (rounded up) of them when
        that is more, or all of them when there are fewer than two.
    """
    if _squash(title) in _squash(text):
        return True
    wanted = distinctive_words(title)
    if not wanted:
        return False
    present = {w.lower() for w in _WORD.findall(text)}
    required = min(len(wanted), max(2, math.ceil(len(wanted) * 0.4)))
    return sum(w in present for w in wanted) >= required


def _fact_numbers(facts: ProductFacts, policies: PlatformPolicies | None) -> set[float]:
    sources = [facts.title, facts.category, facts.price_text() or ""]
    sources.extend(f"{key} {value}" for key, value in facts.attributes.items())
    if policies is not None:
        sources.extend(policies.statements())
    values = (parse_number(m.group()) for m in _NUMBER.finditer(" ".join(sources)))
    return {float(v) for v in values if v is not None}


def validate_description(
    text: str,
    facts: ProductFacts,
    *,
    policies: PlatformPolicies | None = None,
    prompt: PromptLike | None = None,
    max_chars: int = MAX_DESCRIPTION_CHARS,
) -> GuardVerdict:
    """Decide whether a generated product description may be published.

    Args:
        text: The generated description.
        facts: The product facts it was generated from. The *current* description is
            not a source of facts (it may be what is being corrected).
        policies: Policies the description may mention; ``None`` (the default) means a
            description makes no shipping, return or warranty claims of its own.
        prompt: The rendered prompt, for the leak check.
        max_chars: Longest accepted description.

    Returns:
        ``accepted`` when the text names the product, keeps every attribute value, contains
        only numbers found in the title, category, attributes, price or (when given) the
        policy statements, and passes the
        PII, safety, leak and grounding checks; ``rejected`` with reasons otherwise.
    """
    grounded = facts.model_copy(update={"description": None})
    allowed = grounded.grounding_text()
    reasons, pii = common_reasons(text, prompt, allowed, max_chars=max_chars)
    if not names_product(text, facts.title):
        reasons.append("missing_product_name")
    squashed = _squash(text)
    for key, attribute in sorted(facts.attributes.items()):
        # Whole-word match: a one-letter size "M" must not be found inside "merino".
        wanted = rf"(?<!\w){re.escape(_squash(attribute))}(?!\w)"
        if attribute.strip() and not re.search(wanted, squashed):
            reasons.append(f"dropped_attribute:{key}")
    known = _fact_numbers(facts, policies)
    for match in _NUMBER.finditer(text):
        value = parse_number(match.group())
        if value is not None and float(value) not in known:
            reasons.append(f"invented_number:{match.group()}")
    reasons.extend(check_grounding(text, grounded, policies))
    return GuardVerdict.from_reasons(reasons, pii)
