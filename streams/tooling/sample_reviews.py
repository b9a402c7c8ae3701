"""Product reviews for the sample shop, about what each kind of product is judged on.

A review speaks of one or two aspects of its product (a kettle's lid and switch, a jacket's
zip and hood) with a positive or negative opinion, sometimes with a verdict at the end, in
the product's language. The wording is the project's own; reviews are composed from short
fragments so a burst of complaints about one product names what goes wrong with it, as real
complaints do, and an alert's phrases read like a product's faults rather than film critique.
"""

# Chinese fragments keep the full-width punctuation that Chinese shops write.
# ruff: noqa: RUF001

from __future__ import annotations

import random
from typing import Literal

Polarity = Literal["positive", "negative"]

ASPECTS: dict[str, tuple[str, ...]] = {
    "Power Banks": ("battery", "charging cable", "USB port", "display", "casing"),
    "Headphones": ("headband", "battery", "ear padding", "microphone", "charging case"),
    "Jackets": ("zip", "hood", "collar", "inner pocket", "stitching"),
    "Office Chairs": ("armrest", "seat cushion", "backrest", "base", "gas lift"),
    "Running Shoes": ("sole", "lacing", "insole", "cushioning", "heel"),
    "Electric Kettles": ("lid", "handle", "switch", "spout", "heating element"),
    "Yoga Mats": ("surface", "backing", "carry strap", "edge", "coating"),
    "Backpacks": ("shoulder strap", "main zip", "laptop sleeve", "stitching", "side pocket"),
    "Smartwatches": ("screen", "battery", "strap", "heart rate sensor", "charger"),
    "Board Games": ("rulebook", "card stock", "box", "artwork", "box insert"),
}
"""Parts a product of an English category is judged on."""

ASPECTS_ZH: dict[str, tuple[str, ...]] = {
    "移动电源": ("电池", "数据线", "接口", "外壳"),
    "蓝牙耳机": ("电池", "充电盒", "耳塞", "麦克风"),
    "羽绒服": ("拉链", "帽子", "领口", "走线"),
    "办公椅": ("扶手", "坐垫", "靠背", "轮子"),
    "电热水壶": ("壶盖", "手柄", "开关", "壶嘴"),
}
"""Parts a product of a Chinese category is judged on."""

# Products judged on qualities rather than parts (a coffee's flavour does not "break") have
# whole sentences of their own.
QUALITIES: dict[str, dict[Polarity, tuple[str, ...]]] = {
    "Coffee": {
        "positive": ("Rich flavour with no bitterness.", "Lovely aroma when you open the bag.",
                     "The roast is exactly as described."),
        "negative": ("The flavour is flat and sour.", "No aroma at all, it tastes stale.",
                     "The bag seal was broken on arrival."),
    },
    "Face Care": {
        "positive": ("The texture is light and absorbs quickly.", "My skin feels calm and soft.",
                     "The pump dispenses just the right amount."),
        "negative": ("The scent is overpowering.", "It left my skin greasy and broke me out.",
                     "The pump broke after a week."),
    },
    "茶叶": {
        "positive": ("口感醇厚，回甘明显。", "香气很浓，泡了好几次还有味道。", "茶汤清亮。"),
        "negative": ("茶叶有一股霉味。", "口感苦涩，不好喝。", "包装漏气，茶叶受潮了。"),
    },
}  # fmt: skip
"""Whole sentences about the qualities of a category's products."""

GENERIC_POINTS: dict[str, dict[Polarity, tuple[str, ...]]] = {
    "en": {
        "positive": ("Delivery was quick.", "Good value for the price.", "Arrived well packed.",
                     "Build quality is great."),
        "negative": ("Delivery took three weeks.", "Overpriced for what you get.",
                     "Arrived in a crushed box.", "Build quality is poor."),
    },
    "zh": {
        "positive": ("物流很快。", "性价比很高。", "包装很仔细。", "做工不错。"),
        "negative": ("物流太慢了，等了三周。", "价格太贵，不值。", "收到时盒子都压坏了。",
                     "做工很差。"),
    },
}  # fmt: skip
"""Sentences about what any product is judged on (delivery, price, packing), by language."""

_EN: dict[Polarity, tuple[str, ...]] = {
    "positive": (
        "The {a} is excellent.",
        "Really happy with the {a}.",
        "Love the {a}.",
        "The {a} is well made.",
        "Impressed by the {a}.",
        "No complaints about the {a} at all.",
        "The {a} is better than I expected.",
    ),
    "negative": (
        "The {a} broke after a week.",
        "Very disappointed with the {a}.",
        "The {a} feels cheap and flimsy.",
        "Terrible {a}.",
        "The {a} was faulty out of the box.",
        "The {a} is poorly made.",
        "Had to return it because of the {a}.",
    ),
}
_EN_CLOSERS: dict[Polarity, tuple[str, ...]] = {
    "positive": ("Would buy again.", "Highly recommended.", "Great value.", "Five stars."),
    "negative": ("Would not buy again.", "Avoid.", "Waste of money.", "Returning it."),
}
_ZH: dict[Polarity, tuple[str, ...]] = {
    "positive": ("{a}非常好。", "{a}很满意。", "{a}做得很结实。", "{a}比预想的还要好。"),
    "negative": ("{a}用了一周就坏了。", "{a}太差了，很失望。", "{a}有质量问题。",
                 "{a}收到就是坏的。"),
}  # fmt: skip
_ZH_CLOSERS: dict[Polarity, tuple[str, ...]] = {
    "positive": ("会回购。", "推荐购买。", "物有所值。"),
    "negative": ("不会再买了。", "不推荐。", "已经退货了。"),
}


def review_sentences(category: str, lang: str, polarity: Polarity) -> tuple[str, ...]:
    """Return every sentence a review of ``category`` may hold.

    Args:
        category: The product's category.
        lang: The product's storefront language.
        polarity: The opinion.

    Returns:
        The category's own sentences (its parts with an opinion, its qualities), then the
        points any product is judged on.
    """
    zh = lang == "zh"
    parts = (ASPECTS_ZH if zh else ASPECTS).get(category, ())
    opinions = (_ZH if zh else _EN)[polarity]
    own = [o.format(a=part) for part in parts for o in opinions]
    own += QUALITIES.get(category, {}).get(polarity, ())
    return (*own, *GENERIC_POINTS["zh" if zh else "en"][polarity])


def compose_review(rng: random.Random, category: str, lang: str, polarity: Polarity) -> str:
    """Compose one review: one or two points about the product, sometimes a verdict.

    Args:
        rng: The shop's random source (reviews are reproducible from its seed).
        category: The product's category (an unknown one gets the generic points only).
        lang: The product's storefront language.
        polarity: The opinion the review holds.

    Returns:
        The review text.
    """
    zh = lang == "zh"
    pool = review_sentences(category, lang, polarity)
    generic = GENERIC_POINTS["zh" if zh else "en"][polarity]
    # Most reviews speak of the product itself; delivery and price come up less often.
    own = pool[: len(pool) - len(generic)] or pool
    chosen = [rng.choice(own if rng.random() < 0.8 else pool)]
    if rng.random() < 0.4:
        chosen.append(rng.choice([s for s in pool if s != chosen[0]]))
    if rng.random() < 0.5:
        chosen.append(rng.choice((_ZH_CLOSERS if zh else _EN_CLOSERS)[polarity]))
    return ("" if zh else " ").join(chosen)
