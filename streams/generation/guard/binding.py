"""Bindings: each value a description states must be tied to its own attribute.

Stating the facts, a small model ties values to the wrong names: "5.3级防水等级" (5.3 is the
Bluetooth version), "电池容量为599.00元" (the price), "They are rated IPX4 for Bluetooth", "a
mid-cut membrane". Every word of such a sentence is grounded, so only where a value stands,
and what stands next to it, tells it apart.
"""

from __future__ import annotations

import re

from streams.generation.facts import ProductFacts
from streams.generation.guard.claims import related, stem
from streams.generation.guard.vocabulary import FAMILY_WORDS, FUNCTION_WORDS
from streams.generation.quantities import quantities

_HAN_RUN = re.compile(r"[\u3400-\u9fff]{2,}")


def misbound_values(sentence: str, facts: ProductFacts) -> list[str]:
    """Return ``misbound:…`` for a value a Chinese sentence gives to another attribute.

    A small model lists the values but ties them to the wrong names: "5.3级防水等级" (5.3
    is the Bluetooth version, IPX4 the waterproof rating), "支持IPX4降噪技术". A value
    followed at once by another attribute's name, without its own name just before it, is
    bound to the wrong attribute.

    Args:
        sentence: One sentence of a description.
        facts: The product.

    Returns:
        One reason per misbound value.
    """
    keys = {key: _HAN_RUN.findall(key) for key in facts.attributes}
    out = []
    for key, value in facts.attributes.items():
        start = sentence.find(value)
        if len(value) < 2 or start < 0:
            continue
        before = sentence[max(0, start - 8) : start]
        # Only what follows in the same clause binds (a comma starts another one).
        after = re.split(r"[\s,;:\u3001\uff0c\uff1b\uff1a\u3002]", sentence[start + len(value) :])[
            0
        ]
        own = any(part[-2:] in before for part in keys[key])
        for other, parts in keys.items():
            if other != key and not own and any(part[:2] in after[:4] for part in parts):
                out.append(f"misbound:{value} {other}")
                break
    return out


_LABEL_ZH = re.compile(r"([\u3400-\u9fff]+)\s*(?:为|是)\s*$")
_FIRST_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def _zh_anchors(sentence: str, value: str) -> list[int]:
    # A Chinese sentence writes "30000 mAh" as "30000mAh" and "599.00 CNY" as "599.00元".
    for needle in (value, value.replace(" ", "")):
        found = [m.start() for m in re.finditer(re.escape(needle), sentence)]
        if found:
            return found
    number = _FIRST_NUMBER.match(value.strip())
    if number is None:
        return []
    pattern = rf"(?<![\d.,]){re.escape(number.group())}(?![\d]|[.,]\d)"
    return [m.start() for m in re.finditer(pattern, sentence)]


def mislabelled_values(sentence: str, facts: ProductFacts) -> list[str]:
    """Return ``misbound:…`` for a value a Chinese sentence names with another label.

    "电池容量为599.00元" (599.00 is the price), "电压为USB-C" (USB-C is the power supply): the
    words just before 为 or 是 name what the value is, and must share at least two
    characters with the value's own attribute name (one, for a one-character name).

    Args:
        sentence: One sentence of a description.
        facts: The product.

    Returns:
        One reason per mislabelled value.
    """
    named = {k: v for k, v in facts.attributes.items() if _HAN_RUN.search(k)}
    if named and (price := facts.price_text()):
        named["价格"] = price
    out = []
    for key, value in named.items():
        own = set("".join(_HAN_RUN.findall(key)))
        for start in _zh_anchors(sentence, value):
            label = _LABEL_ZH.search(sentence[max(0, start - 12) : start])
            if label is None:
                continue
            words = label.group(1).rsplit("的", 1)[-1]
            if len(set(words) & own) < min(2, len(own)):
                out.append(f"misbound:{value} {words}")
                break
    return out


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CLAUSE_END = re.compile(r"[,;:.!?()]|\b(?:and|with|which|while|but|or)\b", re.IGNORECASE)
_WINDOW = 3


def _anchors(sentence: str, value: str) -> list[tuple[int, int]]:
    # Where a value is stated: as written, else as the same quantity in other units ("up to
    # 50 m" as "50 meters"; a bare 30 in "45 x 30 x 18 cm" is not "30 L").
    lower, needle = sentence.lower(), value.lower()
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(needle), lower)]
    if found:
        return found
    wanted = {(q.family, q.base) for q in quantities(value)}
    return [
        (at, at + len(q.raw))
        for q in quantities(sentence)
        if (q.family, q.base) in wanted and (at := sentence.find(q.raw)) >= 0
    ]


def _stems(text: str) -> set[str]:
    return {stem(w) for w in _LATIN_WORD.findall(text) if len(w) >= 4}


def _meets(words: set[str], names: set[str]) -> bool:
    return any(w == n or related(w, n) for w in words for n in names)


def misbound_words(sentence: str, facts: ProductFacts) -> list[str]:
    """Return ``misbound:…`` for a value an English sentence gives to another attribute.

    The English counterpart of :func:`misbound_values`: "rated IPX4 for Bluetooth" (IPX4 is
    the water resistance), "a mid-cut membrane", "It can charge up to 50 meters" (the range).
    A value with another attribute's name among the few words of its own clause just before
    or after it, and without its own attribute's name there, is bound to the wrong one.

    Args:
        sentence: One sentence of a description.
        facts: The product.

    Returns:
        One reason per misbound value.
    """
    attributes = {k: v for k, v in facts.attributes.items() if _LATIN_WORD.search(k)}
    names = {key: _stems(key) - _stems(value) for key, value in attributes.items()}
    out = []
    for key, value in attributes.items():
        if any(value.lower() in v.lower() for k, v in attributes.items() if k != key):
            continue  # "adjustable" of "lumbar support" is also the armrests' "4D adjustable".
        own = _stems(f"{key} {value}")
        wrong: list[str] = []
        for start, end in _anchors(sentence, value):
            before = _CLAUSE_END.split(sentence[:start])[-1]
            after = _CLAUSE_END.split(sentence[end:])[0]
            near = {stem(w) for w in _LATIN_WORD.findall(before)[-_WINDOW:]}
            near |= {stem(w) for w in _LATIN_WORD.findall(after)[:_WINDOW]}
            other = next(
                (o for o, words in names.items() if o != key and _meets(near, words - own)), None
            )
            if _meets(near, own) or other is None:
                break  # Stated once with its own name, or with no other's: it is bound.
            wrong.append(other)
        else:
            if wrong:
                out.append(f"misbound:{value} {wrong[0]}")
    return out


# Nouns that name a measure: what "a <noun> of <value>" says the value is.
_MEASURES = frozenset(
    stem(w)
    for w in (
        *(w for words in FAMILY_WORDS.values() for w in words),
        "resolution",
        "diameter",
        "frequency",
        "impedance",
        "sensitivity",
        "brightness",
        "speed",
        "voltage",
        "duration",
        "life",
        "output",
        "input",
        "rating",
        "thickness",
    )
) - {stem(w) for w in ("weighs", "holds", "lasts", "measures", "rated", "hold", "last")}
# Words that frame any measure ("a maximum of", "a total of", "a size of").
_FRAMES = frozenset(stem(w) for w in ("size", "range", "total", "maximum", "minimum", "set"))
_OF_LABEL = re.compile(
    r"((?:[A-Za-z-]+\s+){0,3}[A-Za-z-]+)\s+of\s+(?:up to\s+|about\s+|approximately\s+|around\s+)?$",
    re.IGNORECASE,
)


def _label(before: str) -> list[str] | None:
    # The noun phrase of "… a maximum load capacity of": its words after the last function
    # word ("load capacity" is one measure, "with a resolution" is "resolution").
    match = _OF_LABEL.search(before)
    if match is None:
        return None
    words = match.group(1).lower().split()
    while words and any(w in FUNCTION_WORDS for w in words):
        words = words[next(i for i, w in enumerate(words) if w in FUNCTION_WORDS) + 1 :]
    return words or None


def mislabelled_words(sentence: str, facts: ProductFacts) -> list[str]:
    """Return ``misbound:…`` for a value an English sentence names as another measure.

    "an AMOLED display with a resolution of 1.4 inches" (1.4" is the display's size): where
    "a <measure> of <value>" names a measure that neither the value's attribute name nor its
    kind of quantity is (:data:`streams.generation.guard.vocabulary.FAMILY_WORDS`: a weight is
    a mass, a capacity a volume), the value is bound to the wrong name.

    Args:
        sentence: One sentence of a description.
        facts: The product.

    Returns:
        One reason per mislabelled value.
    """
    attributes = {k: v for k, v in facts.attributes.items() if _LATIN_WORD.search(k)}
    labels = _MEASURES | {stem(w.lower()) for k in attributes for w in _LATIN_WORD.findall(k)}
    out = []
    for key, value in attributes.items():
        # A mass's words are one measure ("weight", "load capacity"); a length's are several
        # (a thickness is no width), so only the attribute's own name names a length.
        families = {q.family for q in quantities(value)} - {"length"}
        own = _stems(f"{key} {value}") | {
            stem(w) for f in families for w in FAMILY_WORDS.get(f, ())
        }
        for start, _ in _anchors(sentence, value):
            phrase = _label(sentence[:start])
            if phrase is None:
                continue
            head, stems = stem(phrase[-1]), {stem(w) for w in phrase}
            if head in labels and head not in _FRAMES and not _meets(stems, own):
                out.append(f"misbound:{value} {' '.join(phrase)}")
                break
    return out
