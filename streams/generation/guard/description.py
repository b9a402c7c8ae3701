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

from streams.generation.facts import Lang, PlatformPolicies, ProductFacts
from streams.generation.guard.checks import common_reasons
from streams.generation.guard.claims import ClaimGrounds, split_sentences
from streams.generation.guard.grounding import check_grounding, parse_number
from streams.generation.guard.leak import PromptLike
from streams.generation.guard.outcome import GuardVerdict
from streams.generation.language import facts_language

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


_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def _names_by_longest_run(text: str, title: str) -> bool:
    # What follows the longest run may be left out ("女款" of "轻薄羽绒服 女款"); what comes
    # before it is a brand or a line and must be there in full: "学派人体工学办公椅" mangles
    # 工学派, "美的不锈钢电热水壶" swaps 美滋 for another brand.
    runs = _HAN_RUN.findall(title)
    if not runs:
        return False
    longest = max(runs, key=len)
    if len(longest) < 3:
        return False
    before = runs[: runs.index(longest)]
    return longest in text and all(run in text for run in before)


def names_product(text: str, title: str) -> bool:
    """Return whether ``text`` names the product: its title, or most of its distinctive words.

    Args:
        text: Generated text.
        title: Product title.

    Returns:
        ``True`` when the full title appears (case-insensitive), its longest run of three
        or more Chinese characters does, or enough of the title's distinctive words appear
        as whole words: two, or 40% (rounded up) of them when that is more, or all of them
        when there are fewer than two.
    """
    if _squash(title) in _squash(text):
        return True
    # A Chinese title is named by its longest run of characters: "轻薄羽绒服" for
    # "轻薄羽绒服 女款", "智能电饭煲" for "智能电饭煲 4升".
    if _names_by_longest_run(text, title):
        return True
    wanted = distinctive_words(title)
    if not wanted:
        return False
    present = {w.lower() for w in _WORD.findall(text)}
    required = min(len(wanted), max(2, math.ceil(len(wanted) * 0.4)))
    return sum(w in present for w in wanted) >= required


def fact_numbers(facts: ProductFacts, policies: PlatformPolicies | None) -> set[float]:
    """Return every number a description may state.

    Args:
        facts: The product.
        policies: The policies the description may mention, or ``None``.

    Returns:
        The numbers in the title, category, attributes, price and policy statements.
    """
    sources = [facts.title, facts.category, facts.price_text() or ""]
    sources.extend(f"{key} {value}" for key, value in facts.attributes.items())
    if policies is not None:
        sources.extend(policies.grounding_statements())
    values = (parse_number(m.group()) for m in _NUMBER.finditer(" ".join(sources)))
    return {float(v) for v in values if v is not None}


def invented_numbers(text: str, known: set[float]) -> list[str]:
    """Return ``invented_number:…`` for every number in ``text`` that is not ``known``.

    Args:
        text: Generated text.
        known: The numbers it may state (:func:`fact_numbers`).

    Returns:
        One reason per invented number, in order.
    """
    reasons = []
    for match in _NUMBER.finditer(text):
        value = parse_number(match.group())
        if value is not None and float(value) not in known:
            reasons.append(f"invented_number:{match.group()}")
    return reasons


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
        policy statements, makes no claim (material, certification, origin, health, …)
        the facts do not support, and passes the PII, safety, leak and grounding checks;
        ``rejected`` with reasons otherwise. Nothing is removed: see
        :func:`streams.generation.guard.verdict.review_description` for the revising check.
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
    reasons.extend(invented_numbers(text, fact_numbers(facts, policies)))
    reasons.extend(check_grounding(text, grounded, policies))
    statements = policies.grounding_statements() if policies else ()
    claims = ClaimGrounds("\n".join([allowed, *statements]))
    for sentence, _ in split_sentences(text):
        reasons.extend(f"unsupported:{r}" for r in claims.unsupported(sentence))
    return GuardVerdict.from_reasons(reasons, pii)


KEY_FACTS_HEADINGS: dict[Lang, str] = {"en": "Key facts:", "zh": "主要参数\uff1a"}
"""Heading of the attribute list that follows a description's prose, by language."""

_PRICE_LABEL: dict[Lang, str] = {"en": "Price", "zh": "价格"}
_LABEL_SEPARATOR: dict[Lang, str] = {"en": ": ", "zh": "\uff1a"}

# Sentences that restate the facts as a list ("Details: colour: black; size: M.") instead of
# describing the product: the key-facts list already says that, once.
_LISTING = re.compile(
    r"^\W*(?:details|key facts|specifications|specs|features|facts|attributes|price"
    r"|主要参数|参数|规格|详情|价格)\s*[:\uff1a]",
    re.I,
)


def key_facts(facts: ProductFacts) -> str:
    """Render the attribute list a published description ends with.

    Args:
        facts: The product.

    Returns:
        The heading in the product's language (:data:`KEY_FACTS_HEADINGS`) and one
        ``- Name: value`` line per attribute (values exactly as the merchant gave them) and
        for the price; ``""`` when there are none.
    """
    lang = facts_language(facts)
    sep = _LABEL_SEPARATOR[lang]
    lines = [
        f"- {key[:1].upper()}{key[1:]}{sep}{value}"
        for key, value in sorted(facts.attributes.items())
        if key.strip() and value.strip()
    ]
    price = facts.price_text()
    if price is not None:
        lines.append(f"- {_PRICE_LABEL[lang]}{sep}{price}")
    return "\n".join([KEY_FACTS_HEADINGS[lang], *lines]) if lines else ""


def opening(facts: ProductFacts) -> str:
    """Return the one-sentence prose used when no generated prose may be published.

    Args:
        facts: The product.

    Returns:
        ``"<title>, from our <category> range."``, or its Chinese form for a product the
        merchant describes in Chinese (:func:`streams.generation.language.facts_language`).
    """
    if facts_language(facts) == "zh":
        return f"{facts.title}\uff0c来自我们的{facts.category}系列\u3002"
    return f"{facts.title}, from our {facts.category} range."


def layout(prose: str, facts: ProductFacts) -> str:
    """Lay out a description as a shop publishes it: prose, then the key facts.

    Args:
        prose: The description's sentences.
        facts: The product.

    Returns:
        The prose, a blank line and :func:`key_facts` (the prose alone when there are no
        key facts). Prose that names the product only in part ("this ergonomic chair") is
        headed by the product's title, so the published text always carries its exact name.
    """
    body = prose.strip()
    if _squash(facts.title) not in _squash(body):
        body = f"{facts.title.strip()}\n\n{body}"
    block = key_facts(facts)
    return f"{body}\n\n{block}" if block else body


def prose_of(text: str) -> str:
    """Return the prose of a description: everything before its key-facts list.

    Args:
        text: A description, laid out by :func:`layout` or not.

    Returns:
        The text up to the first :data:`KEY_FACTS_HEADINGS` line, stripped.
    """
    for heading in KEY_FACTS_HEADINGS.values():
        if text.lstrip().startswith(heading):
            return ""
        text = text.split(f"\n{heading}", 1)[0]
    return text.strip()


def restates_facts(sentence: str, facts: ProductFacts) -> bool:
    """Whether a sentence only lists facts the key-facts list states anyway.

    Args:
        sentence: One sentence of prose.
        facts: The product.

    Returns:
        ``True`` for a labelled list ("Details: …", "Price: …") or a sentence that spells
        out two or more attributes as ``key: value``.
    """
    if _LISTING.match(sentence):
        return True
    lowered = sentence.lower()
    pairs = sum(
        f"{key.lower()}: {value.lower()}" in lowered for key, value in facts.attributes.items()
    )
    return pairs >= 2
