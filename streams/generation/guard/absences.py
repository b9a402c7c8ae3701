"""Absences and properties: what the facts say a product lacks or is, a text may not turn.

``wireless charging: no`` and ``noise cancelling: none`` are facts too, and the ones a small
model turns around most often: "The battery can be charged using a wireless charger" passed
every other check, since each of its words is grounded. A sentence that names such a feature
must deny it ("does not have", "without", "不支持") or give its value with it
("wireless charging: no"). The other way round, a property the facts give
(``waterproof rating: 10,000 mm``) may not be denied: "No, the Trailhead Rain Jacket is not
truly waterproof" was published.
"""

from __future__ import annotations

import re

from streams.generation.facts import ProductFacts
from streams.generation.guard import lexicon as lx
from streams.generation.guard.claims import related, stem

_ABSENT = frozenset(
    {"no", "none", "not included", "not available", "无", "没有", "否", "不支持", "不带"}
)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_HAN = re.compile(r"[\u3400-\u9fff]")
_NEGATION = frozenset(
    {"not", "no", "without", "lacks", "lack", "lacking", "never", "none", "nor", "isn't", "doesn't",
     "don't", "aren't", "cannot", "can't", "neither"}
)  # fmt: skip
_NEGATION_ZH = re.compile(r"[不没无未非]")
_BEFORE = 4


def _absent_features(facts: ProductFacts) -> list[str]:
    return [key for key, value in facts.attributes.items() if value.strip().lower() in _ABSENT]


def _denied_en(sentence: str, key: str, value: str) -> bool | None:
    # None: the sentence does not name the feature; else whether it denies it.
    names = [stem(w) for w in _LATIN_WORD.findall(key) if len(w) >= 4]
    words = _LATIN_WORD.findall(sentence)
    stems = [stem(w) for w in words]
    hits = [i for i, s in enumerate(stems) if any(s == n or related(s, n) for n in names)]
    if not names or {n for n in names if any(s == n or related(s, n) for s in stems)} != set(names):
        return None
    first, last = hits[0], hits[-1]
    before = {w.lower() for w in words[max(0, first - _BEFORE) : first]}
    after = [w.lower() for w in words[last + 1 : last + 3]]
    return bool(before & _NEGATION) or value.lower() in after or "n't" in " ".join(before)


def _denied_zh(sentence: str, key: str, value: str) -> bool | None:
    at = sentence.find(key)
    if at < 0:
        return None
    after = sentence[at + len(key) : at + len(key) + 4]
    return bool(_NEGATION_ZH.search(sentence[max(0, at - _BEFORE) : at])) or value in after


def contradicted_absences(sentence: str, facts: ProductFacts | None) -> list[str]:
    """Return ``contradicts:<feature>`` for each lacking feature ``sentence`` affirms.

    Args:
        sentence: One sentence (or a short text) of a reply or a description.
        facts: The product, or ``None``.

    Returns:
        One reason per feature the facts say is absent and the sentence names without
        denying it.
    """
    if facts is None:
        return []
    out = []
    for key in _absent_features(facts):
        value = facts.attributes[key]
        denied = (
            _denied_zh(sentence, key, value)
            if _HAN.search(key)
            else _denied_en(sentence, key, value)
        )
        if denied is False:
            out.append(f"contradicts:{key}")
    return out


_PROPERTY = re.compile(rf"\b(?:{lx.PROPERTIES})\b", re.IGNORECASE)


def denied_properties(sentence: str, facts: ProductFacts | None) -> list[str]:
    """Return ``contradicts:<property>`` for each property of the facts ``sentence`` denies.

    Args:
        sentence: One sentence (or a short text) of a reply or a description.
        facts: The product, or ``None``.

    Returns:
        One reason per property ("waterproof", "dishwasher-safe") that an attribute gives
        and the sentence negates ("not waterproof", "isn't really dishwasher-safe").
    """
    if facts is None:
        return []
    given = {
        match.group().lower()
        for key, value in facts.attributes.items()
        if value.strip().lower() not in _ABSENT
        for match in _PROPERTY.finditer(f"{key} {value}")
    }
    out = []
    for prop in sorted(given):
        denial = (
            rf"\b(?:not|never|no longer)\s+(?!just|only|merely)(?:[a-z]+\s+){{0,2}}?"
            rf"{re.escape(prop)}\b"
            rf"|n't\s+(?:[a-z]+\s+){{0,2}}?{re.escape(prop)}\b"
        )
        if re.search(denial, sentence, re.IGNORECASE):
            out.append(f"contradicts:{prop}")
    return out
