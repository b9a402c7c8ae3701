"""Which product facts and policies a customer's question asks about.

A question is matched against every attribute by four kinds of evidence, in English and
Chinese:

* the attribute's own name in the question (``"max load"``, ``"承重"``);
* a shared *concept*: question and attribute name both use a word for the same thing
  (``"how heavy"``/``"重量"`` and ``"weight"``; ``"hold"``/``"承重"`` and ``"max load"``);
* a word of the attribute's value (``"blue"`` for ``"colour: navy blue"``);
* a quantity in the question of the same kind as the attribute's (``"140 kg"`` and
  ``"150 kg"``), stronger when the attribute is a limit (``max``, ``load``, ``最大``), or
  a unit named without a number (``"how many mAh?"`` and ``"capacity: 20000 mAh"``).

When the question carries a quantity and the matched attribute is a limit or a range, the two
are compared (``"OK for 140 kg?"`` against ``"max load: 150 kg"`` is within it, ``"EU 48?"``
against ``"sizes: EU 38-47"`` is not). Policy topics
(returns, refunds, shipping, free shipping, warranty) are found by wording alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from streams.generation.facts import FactLine, PolicyTopic, ProductFacts
from streams.generation.quantities import (
    UNIT_WORDS,
    Quantity,
    labelled,
    named_unit_families,
    quantities,
    spans,
)


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing customers ask about, with the words that name it.

    Attributes:
        name: Identifier (``"load"``).
        zh: Chinese label used by the Chinese templates for an English attribute name.
        words: Words naming it, in English (whole words) and Chinese (substrings).
        families: Quantity families its values have (empty: any or none).
        kind: ``"limit"`` for a maximum, ``"own"`` for a property of the product itself
            (an attribute that names a limit is never an ``"own"`` one), ``"plain"``.
        parent: The broader concept (``"size"`` for ``"height"``): a question about the
            narrower one also matches attributes of the broader one, less strongly.
        generic: Words that name it in a question only when no other concept is named
            ("容量多大" asks about the capacity, "how big is the battery" about the battery).
    """

    name: str
    zh: str
    words: tuple[str, ...]
    families: tuple[str, ...] = ()
    kind: Literal["limit", "own", "plain"] = "plain"
    parent: str | None = None
    generic: tuple[str, ...] = ()


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "load", "承重",
        ("max load", "maximum load", "load", "load capacity", "weight capacity",
         "weight limit", "max weight", "maximum weight", "capacity", "hold", "holds",
         "carry", "carries", "bear", "withstand", "how much weight",
         "承重", "承载", "载重", "负重", "负荷", "最大重量", "承受", "能坐", "扛得住"),
        ("mass",), "limit",
    ),
    Concept(
        "weight", "重量",
        ("weight", "weigh", "weighs", "heavy", "heaviness", "how light", "lightweight",
         "mass", "重量", "多重", "净重", "毛重", "自重", "重不重", "分量", "轻"),
        ("mass",), "own",
    ),
    Concept(
        "size", "尺寸",
        ("size", "sizes", "sizing", "dimension", "dimensions", "measure", "measurements",
         "fit in", "尺寸", "规格", "尺码"),
        ("length",),
        generic=("how big", "how large", "how small", "big enough", "多大", "大小"),
    ),
    Concept(
        "height", "高度",
        ("height", "high", "tall", "how high", "how tall", "高度", "多高", "有多高"),
        ("length",), parent="size",
    ),
    Concept(
        "width", "宽度", ("width", "wide", "how wide", "宽度", "多宽"), ("length",), parent="size",
    ),
    Concept(
        "length", "长度",
        ("length", "how long is", "how long are", "长度", "多长"), ("length",), parent="size",
    ),
    Concept(
        "depth", "深度", ("depth", "deep", "how deep", "深度", "多深"), ("length",), parent="size",
    ),
    Concept(
        "volume", "容量",
        ("capacity", "volume", "hold", "holds", "litre", "litres", "liter", "liters",
         "容量", "容积", "装多少", "能装"),
        ("volume",), "limit",
    ),
    Concept(
        "colour", "颜色",
        ("colour", "color", "colours", "colors", "shade", "black", "white", "red", "blue",
         "green", "yellow", "grey", "gray", "pink", "purple", "orange", "brown", "beige",
         "navy", "silver", "gold", "颜色", "黑色", "白色", "红色", "蓝色", "绿色", "黄色",
         "灰色", "粉色", "紫色", "橙色", "棕色", "米色", "银色", "金色", "什么色"),
    ),
    Concept(
        "material", "材质",
        ("material", "materials", "made of", "made from", "fabric", "upholstery", "cover",
         "lining", "shell", "cotton", "wool",
         "leather", "steel", "wood", "wooden", "plastic", "metal", "aluminium", "aluminum",
         "glass", "silk", "polyester", "linen", "bamboo", "ceramic",
         "材质", "材料", "面料", "什么做的", "成分", "棉", "羊毛", "皮革", "真皮", "钢", "木",
         "塑料", "金属", "铝", "玻璃", "丝绸", "涤纶", "陶瓷"),
    ),
    Concept(
        "fill", "填充物",
        ("fill", "filling", "fill power", "insulation", "填充", "含绒量", "羽绒含量", "绒子含量"),
    ),
    Concept(
        "battery", "电池续航",
        ("battery", "battery life", "charge", "charging", "runtime", "run time", "lasts",
         "电池", "续航", "充电", "电量", "待机"),
        ("time", "charge"),
    ),
    Concept(
        "runtime", "续航时间",
        ("battery life", "runtime", "run time", "play time", "playtime", "playing time",
         "talk time", "lasts", "last", "one charge", "a charge", "single charge", "per charge",
         "full charge", "a round", "one round", "a game", "one game", "per game",
         "续航", "使用时间", "播放时间", "能用多久", "用多久", "玩多久"),
        ("time",), parent="battery",
    ),
    Concept("power", "功率", ("power", "watt", "watts", "wattage", "功率", "瓦数"), ("power",)),
    Concept("warranty", "保修", ("warranty", "guarantee", "保修", "质保", "保固")),
    Concept(
        "water", "防水",
        ("waterproof", "water resistant", "water-resistant", "water resistance", "rain",
         "ip rating", "sweat", "sweatproof", "sweat-proof", "sweat resistant", "splash",
         "splashproof", "splash-proof", "shower", "swim", "swimming",
         "防水", "防泼水", "下雨", "防汗", "出汗", "游泳"),
    ),
    Concept(
        "compatibility", "兼容性",
        ("compatible", "compatibility", "work with", "works with", "fit", "fits",
         "兼容", "适配", "适用", "支持"),
    ),
    Concept(
        "connectivity", "连接方式",
        ("bluetooth", "wifi", "wi-fi", "wireless", "usb", "connect", "connection",
         "connectivity",
         "蓝牙", "无线", "连接"),
    ),
    Concept(
        "multipoint", "多设备连接",
        ("multipoint", "multi-point", "at the same time", "simultaneously", "two devices",
         "both devices", "2 devices", "同时连接", "两台设备", "多设备"),
        parent="connectivity",
    ),
    Concept(
        "price", "价格",
        ("price", "how much is", "how much are", "how much does it cost", "how much for",
         "what does it cost", "cost of", "expensive", "cheap",
         "价格", "多少钱", "价钱", "售价", "贵吗", "贵不贵"),
    ),
    Concept(
        "origin", "产地",
        ("made in", "where is it made", "origin", "country of origin", "manufactured",
         "come from", "comes from", "grown", "sourced",
         "产地", "哪里产", "哪里生产", "哪国", "原产"),
    ),
    Concept(
        "age", "适用年龄",
        ("age", "ages", "years old", "year old", "year-old", "years-old", "年龄", "岁"),
    ),
    Concept("brand", "品牌", ("brand", "manufacturer", "品牌", "牌子", "厂家")),
    Concept("model", "型号", ("model", "型号")),
    Concept(
        "care", "保养方式",
        ("wash", "washable", "washing", "machine wash", "clean", "cleaning", "care",
         "dishwasher", "洗", "机洗", "清洗", "保养", "洗碗机"),
    ),
    Concept(
        "contents", "包装内容",
        ("included", "include", "includes", "in the box", "comes with", "accessories",
         "包含", "配件", "包括", "附带"),
    ),
    Concept(
        "temperature", "温度",
        ("temperature", "temperatures", "degrees", "heat", "heat resistant", "oven",
         "温度", "耐温", "耐热", "耐高温", "多少度"),
        ("temperature",),
    ),
    Concept(
        "thickness", "厚度",
        ("thickness", "thick", "how thick", "thin", "厚度", "多厚", "厚不厚", "厚吗", "薄"),
        ("length",), parent="size",
    ),
)  # fmt: skip
"""The concepts questions and attribute names are matched through."""

_LIMIT_WORDS = re.compile(
    r"\b(?:max|maximum|limit|capacity|load|up to|rated)\b|最大|最高|最多|承重|载重|承载|上限",
    re.IGNORECASE,
)
# "8+ years" and "12 months+" are lower limits too; "+44" is not.
_MIN_WORDS = re.compile(
    r"\b(?:min|minimum|at least|and (?:up|over|older))\b|(?<=[\w ])\+(?!\s*\d)"
    r"|最小|最低|至少|下限|以上",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_STOP = frozenset({
    "the", "a", "an", "and", "or", "of", "for", "with", "in", "on", "to", "is", "it", "its",
    "this", "that", "are", "be", "can", "do", "does", "you", "your", "my", "me", "i", "we",
    "our", "not", "no", "yes", "what", "which", "how", "much", "many", "any", "some", "has",
    "have", "was", "were", "will", "would", "could", "should", "there", "here", "from", "by",
    "at", "as", "about", "up", "so", "if", "go", "am", "us", "he", "she", "they",
})  # fmt: skip


def _compile(word: str) -> re.Pattern[str]:
    if _HAN.search(word):
        return re.compile(re.escape(word))
    return re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", re.IGNORECASE)


_CONCEPT_PATTERNS = tuple(
    (c, tuple(_compile(w) for w in c.words), tuple(_compile(w) for w in c.generic))
    for c in CONCEPTS
)


def concepts_in(text: str) -> tuple[Concept, ...]:
    """Return the concepts any of whose words appear in ``text``.

    Args:
        text: A question or an attribute name.

    Returns:
        The concepts, in :data:`CONCEPTS` order; those named only by a generic word
        (:attr:`Concept.generic`) only when no other concept is named.
    """
    named = [c for c, words, _ in _CONCEPT_PATTERNS if any(p.search(text) for p in words)]
    if named:
        return tuple(named)
    return tuple(c for c, _, generic in _CONCEPT_PATTERNS if any(p.search(text) for p in generic))


def key_concepts(fact: FactLine) -> tuple[Concept, ...]:
    """Return the concepts a fact's name stands for.

    A limit (``"max weight"``) is not the product's own weight, and a concept whose
    values are of another kind of quantity (``"capacity: 120 kg"`` is no volume) is left
    out.

    Args:
        fact: A fact.

    Returns:
        The concepts, in :data:`CONCEPTS` order.
    """
    if fact.kind == "price":
        return tuple(c for c in CONCEPTS if c.name == "price")
    limit = bool(_LIMIT_WORDS.search(fact.key))
    families = {q.family for q in quantities(fact.value)}
    return tuple(
        c
        for c in concepts_in(fact.key)
        if not (c.kind == "own" and limit)
        and not (c.families and families and not families & set(c.families))
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """A quantity the customer asked about, held against a limit among the facts.

    Attributes:
        asked: The customer's quantity.
        limit: The attribute's quantity (the lower end of a range).
        bound: ``"max"`` when the attribute is an upper limit, ``"min"`` for a lower one,
            ``"range"`` for a range (``"EU 38-47"``, ``"80-200 °C"``).
        ok: Whether the customer's quantity is within the limit or the range.
        upper: The upper end of a range.
    """

    asked: Quantity
    limit: Quantity
    bound: Literal["max", "min", "range"]
    ok: bool
    upper: Quantity | None = None


@dataclass(frozen=True, slots=True)
class FactMatch:
    """One fact a question asks about.

    Attributes:
        fact: The fact.
        score: Strength of the evidence (higher is stronger).
        evidence: What matched (``"name"``, ``"concept:load"``, ``"value"``, ``"unit"``).
        concept: The concept it was matched through, if any (for labels in templates).
        comparison: The numeric comparison, when the question carries a quantity and the
            fact is a limit.
    """

    fact: FactLine
    score: float
    evidence: tuple[str, ...]
    concept: Concept | None = None
    comparison: Comparison | None = None


MIN_SCORE = 2.0
"""Evidence a fact needs to count as asked about: a name, a concept or a value word."""

MAX_MATCHES = 3
"""Most facts put first in a prompt; a question rarely asks about more."""


def _content_words(text: str, shortest: int = 3) -> set[str]:
    # Hyphenated tokens count whole and by part: "USB-C" is asked about as "usb c".
    tokens = _WORD.findall(text.lower())
    words = {*tokens, *(part for token in tokens for part in token.split("-"))}
    return {
        w.rstrip("s")
        for w in words
        if len(w) >= shortest and w not in _STOP and w not in UNIT_WORDS
    }


# Characters that may stand before a Chinese head word without making it another compound.
_HEAD_OPENERS = frozenset("么的种些样类个多哪是和与及性")


_COUNTED = re.compile(r"\b(\d+)\s+([a-z]{3,})\b")


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-'][A-Za-z0-9]+)*")


def _without_name(question: str, title: str) -> str:
    # The product named in the question ("Is the Guatemala Antigua Ground Coffee whole bean
    # or ground?") asks about none of its words: runs of title words go before values are
    # matched, so "Guatemala" is no evidence for the origin; "ground" stays.
    words = [w.lower().rstrip("s") for w in _TOKEN.findall(title)]
    names = set(words)
    tokens = list(_TOKEN.finditer(question))
    out, run = question, []
    for token in [*tokens, None]:
        if token is not None and token.group().lower().rstrip("s") in names:
            run.append(token)
            continue
        # Two words are the name when one is its first ("the Guatemala coffee"); other
        # pairs may be what is asked ("good for trail running?" of Trail Running Shoes).
        first = {t.group().lower().rstrip("s") for t in run}
        if len(run) >= 3 or (len(run) == 2 and words and words[0] in first):
            out = (
                out[: run[0].start()]
                + " " * (run[-1].end() - run[0].start())
                + out[run[-1].end() :]
            )
        run = []
    return out


def _lead_word(value: str) -> set[str]:
    first = _WORD.search(value.lower())
    return _content_words(first.group(), 2) if first else set()


def _number_agrees(shared: set[str], fact_text: str, question: str) -> set[str]:
    # A number is the same value only where it counts the same thing: "last 10 years" is not
    # "speeds: 10 plus pulse", "size 10" and "10 plus pulse speeds?" still are.
    counted = {n: w for n, w in _COUNTED.findall(question.lower()) if w not in _STOP}
    words = _content_words(fact_text)
    return {
        w
        for w in shared
        if not (w.isdigit() and w in counted and counted[w].rstrip("s") not in words)
    }


def _han_overlap(needle: str, haystack: str, *, head: bool = False) -> bool:
    # Half the character pairs of the needle, so "最大承重" is not matched by "最大" alone.
    # With ``head``, the last pair of a longer name is enough too: a Chinese compound ends
    # in what it names ("适用肤质" is a 肤质, asked as "适合什么肤质").
    han = "".join(_HAN.findall(needle))
    pairs = [han[i : i + 2] for i in range(len(han) - 1)]
    hits = [pair in haystack for pair in pairs]
    if not pairs:
        return False
    if head and len(han) >= 3 and _plain_head(pairs[-1], haystack):
        return True
    # A match on the head pair alone is held to the same test ("含绒量" only half-matches
    # "充绒量", and is another measure).
    only_head = hits[-1] and sum(hits) == 1
    return sum(hits) * 2 >= len(pairs) and (not only_head or _plain_head(pairs[-1], haystack))


def _plain_head(pair: str, haystack: str) -> bool:
    # The head names the same thing only where the question does not make it another
    # compound: "什么肤质" and "干性肤质" ask about 适用肤质, "含绒量" (down share) is not
    # 充绒量 (fill weight).
    return any(
        m.start() == 0
        or haystack[m.start() - 1] in _HEAD_OPENERS
        or not _HAN.match(haystack[m.start() - 1])
        for m in re.finditer(re.escape(pair), haystack)
    )


def _comparison(fact: FactLine, question: str, asked: tuple[Quantity, ...]) -> Comparison | None:
    limits = quantities(fact.value)
    text = f"{fact.key} {fact.value}"
    bound: Literal["max", "min"] | None = (
        "min" if _MIN_WORDS.search(text) else "max" if _LIMIT_WORDS.search(text) else None
    )
    if bound is None:
        return _in_span(fact, question, asked)
    for limit in limits:
        for quantity in asked:
            if quantity.family == limit.family:
                ok = quantity.base <= limit.base if bound == "max" else quantity.base >= limit.base
                return Comparison(asked=quantity, limit=limit, bound=bound, ok=ok)
    return None


def _in_span(fact: FactLine, question: str, asked: tuple[Quantity, ...]) -> Comparison | None:
    # "EU 48?" against "sizes: EU 38-47", "220 degrees?" against "80-200 °C".
    for span in spans(fact.value):
        family = span.low.family
        candidates = labelled(question, family) if family.startswith("label:") else asked
        for quantity in candidates:
            if quantity.family == family:
                return Comparison(
                    asked=quantity, limit=span.low, bound="range", ok=span.holds(quantity),
                    upper=span.high,
                )  # fmt: skip
    return None


def _score(
    fact: FactLine,
    question: str,
    asked_concepts: set[str],
    asked: tuple[Quantity, ...],
    units: frozenset[str] = frozenset(),
    product_words: frozenset[str] = frozenset(),
    unnamed: str | None = None,
    common_key_words: frozenset[str] = frozenset(),
) -> FactMatch | None:
    score = 0.0
    evidence: list[str] = []
    concept = None
    key_words = _content_words(fact.key)
    asked_words = _content_words(question)
    if (key_words and key_words <= asked_words) or _han_overlap(fact.key, question, head=True):
        score, evidence = score + 3, [*evidence, "name"]
    elif len(key_words) >= 2 and (key_words - product_words - common_key_words) & asked_words:
        # A word of a longer name that no other name has says what is asked about ("a
        # laptop" and "laptop compartment"; not "keep" of "keeps hot" and "keeps cold"),
        # less surely than the whole name.
        score, evidence = score + 2, [*evidence, "name_word"]
    shared = [c for c in key_concepts(fact) if c.name in asked_concepts]
    if shared:
        concept = shared[0]
        # A narrower concept named on both sides ("how high" and "seat height") is
        # stronger evidence than the broader one it implies ("dimensions").
        narrow = any(c.parent is not None for c in shared)
        score, evidence = score + (3 if narrow else 2), [*evidence, f"concept:{concept.name}"]
    if fact.kind == "attribute" and (
        # Values are matched down to two letters, so sizes ("XL") and codes count; a word
        # that names the product itself is no evidence ("540 g per boot" and "the boots")
        # unless the value is that word ("ground (filter)" of a Ground Coffee, "black" of a
        # Black Sneaker: "whole bean or ground?", "do you have it in black?").
        _number_agrees(
            (_content_words(fact.value, 2) - key_words - (product_words - _lead_word(fact.value)))
            & _content_words(question if unnamed is None else unnamed, 2),
            f"{fact.key} {fact.value}",
            question,
        )
        or _han_overlap(fact.value, question)
    ):
        score, evidence = score + 2, [*evidence, "value"]
    families = {q.family for q in quantities(fact.value)}
    if any(q.family in families for q in asked):
        # A limit or a range is what a quantity in a question is held against.
        limit = bool(
            _LIMIT_WORDS.search(fact.key)
            or _MIN_WORDS.search(f"{fact.key} {fact.value}")
            or spans(fact.value)
        )
        score, evidence = score + (2.5 if limit else 1.5), [*evidence, "unit"]
    elif families & units:
        score, evidence = score + 2, [*evidence, "unit_name"]
    if score < MIN_SCORE:
        return None
    comparison = _comparison(fact, question, asked)
    return FactMatch(fact, score, tuple(evidence), concept, comparison)


def _own_measure_of(fact: FactLine, limit_families: set[str]) -> bool:
    concepts = key_concepts(fact)
    return any(c.kind == "own" and set(c.families) & limit_families for c in concepts) and not any(
        c.kind == "limit" for c in concepts
    )


def match_facts(question: str, facts: ProductFacts | None) -> tuple[FactMatch, ...]:
    """Return the facts ``question`` asks about, strongest first.

    Args:
        question: The (redacted) customer message.
        facts: The product the conversation is about, or ``None``.

    Returns:
        At most :data:`MAX_MATCHES` matches scoring at least :data:`MIN_SCORE` and at
        least half the best score; empty when no product is known or none matches. A
        question about the cost of shipping does not match the product's price, and one
        about a limit (how much it holds) not the product's own measure of that kind.
    """
    if facts is None:
        return ()
    named = concepts_in(question)
    asked_concepts = {c.name for c in named} | {c.parent for c in named if c.parent}
    if "free_shipping" in match_policies(question):
        # "How much is shipping?" asks for the shipping cost, not the product's price.
        asked_concepts.discard("price")
    asked = quantities(question)
    units = named_unit_families(question) - {q.family for q in asked}
    asked_found = [c for c in CONCEPTS if c.name in asked_concepts]
    # "How much weight can it hold?" asks for a limit: the product's own weight is not it,
    # though the word "weight" names it.
    limit_families = {f for c in asked_found if c.kind == "limit" for f in c.families}
    product_words = frozenset(_content_words(f"{facts.title} {facts.category}", 2))
    key_counts = Counter(w for key in facts.attributes for w in _content_words(key))
    common = frozenset(w for w, n in key_counts.items() if n > 1)
    found = [
        match
        for fact in facts.lines()
        if fact.kind in ("attribute", "price")
        and not _own_measure_of(fact, limit_families)
        and (
            match := _score(
                fact,
                question,
                asked_concepts,
                asked,
                units,
                product_words,
                _without_name(question, facts.title),
                common,
            )
        )
        is not None
    ]
    # A narrower concept matched ("多厚": the thickness) answers the question; an attribute
    # found only through the broader one it implies (the size) does not.
    broader = {m.concept.parent for m in found if m.concept is not None and m.concept.parent}
    found = [
        m
        for m in found
        if m.concept is None
        or not (m.evidence == (f"concept:{m.concept.name}",) and m.concept.name in broader)
    ]
    found.sort(key=lambda m: -m.score)
    if not found:
        return ()
    best = found[0].score
    return tuple(m for m in found if m.score >= best / 2)[:MAX_MATCHES]


_POLICY_WORDS: tuple[tuple[PolicyTopic, re.Pattern[str]], ...] = (
    (
        "returns",
        re.compile(
            r"\breturn(?:s|ing|ed)?\b|\bsend (?:it|them|this|these) back\b|\bexchange\b"
            r"|退货|退换|换货|退回",
            re.IGNORECASE,
        ),
    ),
    ("refunds", re.compile(r"\brefund(?:s|ed)?\b|\bmoney back\b|退款|退钱", re.IGNORECASE)),
    (
        "shipping",
        re.compile(
            r"\bship(?:s|ping|ped)?\b|\bdeliver(?:y|ies|ed)?\b|\bpostage\b"
            r"|\bhow long (?:does|will) (?:it|delivery|shipping) take\b"
            r"|配送|发货|运送|快递|送货|(?:几天|多久)(?:能|可以|才能)?(?:送)?到(?!账)|物流",
            re.IGNORECASE,
        ),
    ),
    (
        "free_shipping",
        re.compile(
            r"\bfree (?:shipping|delivery|postage)\b|\b(?:shipping|delivery|postage) "
            r"(?:cost|costs|fee|fees|charge|charges|price)\b|\bhow much is (?:shipping|"
            r"delivery|postage)\b|\b(?:is )?(?:shipping|delivery|postage) free\b"
            r"|包邮|免运费|运费|邮费",
            re.IGNORECASE,
        ),
    ),
    (
        "warranty",
        re.compile(
            r"\bwarrant(?:y|ies)\b|\bguarantee\b|\b(?:still )?covered\b|保修|质保|保固",
            re.IGNORECASE,
        ),
    ),
)


def match_policies(question: str) -> tuple[PolicyTopic, ...]:
    """Return the policy topics ``question`` asks about.

    Args:
        question: The (redacted) customer message.

    Returns:
        The topics, in :class:`streams.generation.facts.PolicyLine` order.
    """
    topics = tuple(topic for topic, pattern in _POLICY_WORDS if pattern.search(question))
    if "free_shipping" in topics and not _DELIVERY_TIME.search(question):
        # "Is delivery free?" names delivery but asks about its cost, not how long it takes.
        return tuple(topic for topic in topics if topic != "shipping")
    return topics


_DELIVERY_TIME = re.compile(
    r"\bhow (?:long|soon|fast|quickly)\b|\bwhen\b|\bdays?\b|\bweeks?\b"
    r"|几天|多久|多长时间|什么时候|时效",
    re.IGNORECASE,
)
