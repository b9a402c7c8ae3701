"""Vocabulary: the words a description may use are the facts' words and plain copy words.

The claim checks read claims of known kinds (materials, certifications, health, …). A small
model invents past them in ordinary words: a solar power bank "for home heating, cooking and
entertainment", a blender that makes "creamy ice cubes", a rain jacket "for formal
occasions", a coat "for varying skin types". No list of claim kinds covers that, so a
description is held to a closed vocabulary instead: every content word of a sentence is a
word of the product's facts (title, category, attributes, and the policies), a form of one
("waterproof" and "water", "charging" and "charge"), a word of :data:`COPY_WORDS`, the
general wording of product copy that states nothing about a particular product ("stylish",
"designed", "everyday"), or a plain word of what its kind of product is for
(:data:`KIND_WORDS`: a kettle boils water). A sentence with more words outside it than
:data:`streams.generation.guard.verdict.MAX_NOVEL_WORDS` is removed (``novel:<words>``).

Chinese text has no spaces to find its words by, so it is held to the facts' characters
instead: every character of a Chinese sentence is one of the facts' or of :data:`ZH_COPY`
(function words, the facts' labels, units), two characters outside counting as one word
("纳维酰胺和尿酸" for a mask of 烟酰胺; "可以调节的手臂", adjustable arms, for 扶手: 3D 可调).
"""

from __future__ import annotations

import re

from streams.generation.guard.claims import stem
from streams.generation.quantities import quantities, unit_spellings

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")

FUNCTION_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "into", "on", "onto",
        "at", "for", "with", "without", "by", "from", "as", "about", "over", "under", "up",
        "down", "out", "off", "through", "throughout", "between", "across", "around", "along",
        "within", "while", "when", "where", "which", "who", "whose", "that", "this", "these",
        "those", "it", "its", "it's", "they", "them", "their", "you", "your", "you're",
        "yours", "we", "our", "us", "is", "are", "was", "were", "be", "been", "being", "has",
        "have", "had", "having", "do", "does", "can", "could", "will", "would", "may",
        "should", "must", "not", "no", "so", "such", "than", "then", "too", "very", "also",
        "just", "only", "even", "both", "each", "every", "all", "any", "some", "more", "most",
        "much", "many", "other", "another", "one", "two", "three", "whether", "if", "whatever",
        "here", "there", "yet", "still", "well", "again", "once", "per", "plus", "via",
    }
)  # fmt: skip
"""Function words: they carry no claim in any text."""

# The wording of product copy that makes no claim about one product.
COPY_WORDS = FUNCTION_WORDS | frozenset(
    {
        "design", "designed", "feature", "features", "featuring", "offer", "offers",
        "offering", "provide", "provides", "providing", "ensure", "ensures", "ensuring",
        "make", "makes", "making", "made", "keep", "keeps", "keeping", "help", "helps",
        "helping", "let", "lets", "allow", "allows", "allowing", "add", "adds", "adding",
        "come", "comes", "coming", "include", "includes", "including", "included", "enjoy",
        "use", "uses", "used", "using", "user", "users", "give", "gives", "bring", "brings",
        "get", "need", "needs", "want", "choose", "choice", "option", "options", "stay",
        "stays", "suit", "suits", "suitable", "fit", "fits", "ideal", "perfect", "great",
        "excellent", "good", "better", "best", "fine", "nice", "stylish", "style", "sleek",
        "modern", "classic", "timeless", "simple", "elegant", "elegance", "practical",
        "functional", "function", "versatile", "durable", "durability", "sturdy", "solid",
        "reliable", "dependable", "quality", "high", "high-quality", "premium", "essential",
        "comfortable", "comfort", "comfortably", "convenient", "convenience", "easy", "easily",
        "ease", "effortless", "effortlessly", "quick", "quickly", "simply", "smooth",
        "handy", "everyday", "daily", "day",
        "days", "long", "lasting", "long-lasting", "look", "looks", "touch", "detail",
        "details", "addition", "experience", "performance", "way", "time", "times", "life",
        "fun", "beautiful", "attractive", "appealing", "thoughtful",
        "thoughtfully", "carefully", "crafted", "built", "build", "piece", "product", "item",
        "range", "variety", "size", "sizes", "available", "perfectly", "ideally", "truly",
        "really", "wide", "wider", "new", "ready", "pick", "favourite",
        "favorite", "value", "efficient", "efficiently", "effective",
        "effectively", "secure", "securely", "safe", "safely", "clean", "care", "everything",
        "anything", "something", "whenever", "wherever", "whole", "full", "fully",
        "complete", "completely", "extra", "additional", "added", "combined", "combine",
        "combines", "pair", "paired", "set", "holds", "hold", "model", "version",
        "name", "called", "known", "practicality", "versatility", "reliability", "enough",
        "rated", "rating", "price", "priced", "cost", "costs", "support", "supports",
        "measure", "measures", "measuring", "aged", "old",
    }
)  # fmt: skip
"""Words any product's copy may use: they state nothing the facts would have to support."""

_COPY_STEMS = frozenset(stem(w) for w in COPY_WORDS | {"finish", "colour", "color", "shade"})

# What any product of a kind is for, in plain words: a kettle boils water, headphones play
# music. A product whose title or category names the kind may use them; anything more
# particular (a use, a user, a place) must be in its own facts.
KIND_WORDS: dict[str, frozenset[str]] = {
    kind: frozenset(words.split())
    for kind, words in {
        "kettle": "water boil boiling tea coffee heat hot drink drinks kitchen",
        "cooker": "cook cooking meal meals food kitchen heat recipe recipes",
        "fryer": "cook cooking fry frying food meal meals kitchen crispy oil",
        "blender": "blend blending smoothie smoothies drink drinks food kitchen ice",
        "espresso": "coffee espresso brew brewing drink cup cups kitchen",
        "coffee": "coffee brew brewing drink cup cups kitchen",
        "headphone": "sound audio music listen listening ear ears call calls wear",
        "earbud": "sound audio music listen listening ear ears call calls wear",
        "speaker": "sound audio music listen listening",
        "power": "charge charging device devices phone phones battery",
        "charger": "charge charging device devices phone phones battery",
        "backpack": "carry carrying pack storage travel back shoulder shoulders pocket",
        "bag": "carry carrying storage travel shoulder pocket",
        "jacket": "wear wearing weather warm outdoor layer",
        "coat": "wear wearing weather warm layer",
        "parka": "wear wearing weather warm cold winter outdoor layer",
        "mat": "yoga practice exercise workout workouts floor pose poses",
        "shoe": "walk walking run running foot feet step wear",
        "boot": "walk walking hike hiking foot feet step wear trail trails",
        "sneaker": "walk walking foot feet wear",
        "chair": "sit sitting seat work desk office back posture",
        "toy": "play playing child children kid kids",
        "lamp": "light lighting desk read reading work",
        "bottle": "drink drinks drinking water hydrated",
        "case": "phone protect protection drop drops",
        "pouch": "phone protect protection",
        "cleanser": "skin face wash cleanse",
        "serum": "skin face apply",
        "moisturiser": "skin face apply",
        "cream": "skin face apply",
        "sunscreen": "skin sun apply",
    }.items()
}
"""Plain words of what a kind of product is for, by a word that names the kind."""


# What a quantity of a family is called when a sentence states it: "weighs 540 g", "a
# capacity of 6 L", "a cable length of 3 m", spelled-out units ("6 liters") aside.
FAMILY_WORDS: dict[str, frozenset[str]] = {
    family: frozenset(words.split())
    for family, words in {
        "mass": "weight weighs weighing weigh heavy load capacity",
        "length": "length long width wide height high tall depth deep thick thickness measures "
        "measuring measurements dimensions",
        "volume": "capacity volume holds hold litres liters",
        "power": "power output watts wattage rated",
        "time": "hours minutes lasts last runtime",
        "charge": "capacity battery",
        "temperature": "temperature temperatures degrees celsius",
        "storage": "storage capacity",
    }.items()
}
"""Words that name a quantity of a family, allowed where the facts hold one."""

ZH_COPY = frozenset(
    "的为是和及与有采用支持可以适合用于包括具备带配备款这它其此一个种使能够多达约共并且之间在"
    "来自我们系列"
    "容量颜色重量材质尺寸价格品类类别"
    "克千公斤升毫厘米瓦时小分钟度英寸片岁元"
)
"""Characters any Chinese description may use: function words, the labels the facts list
(颜色, 价格) and units; every other character must be one of the facts'."""

_HAN = re.compile(r"[\u4e00-\u9fff]")

# Abbreviations in attribute names and their spelled-out forms ("max load", "maximum load").
_SPELLED = {"max": "maximum", "min": "minimum", "approx": "approximately", "temp": "temperature"}


def _related(a: str, b: str) -> bool:
    # Forms of one word share all but a short ending ("charg" / "charger"); compound words
    # start with one of their parts ("waterproof" / "water").
    if len(a) >= 4 and len(b) >= 4 and (a.startswith(b) or b.startswith(a)):
        return True
    shorter = min(len(a), len(b))
    common = next((i for i in range(shorter) if a[i] != b[i]), shorter)
    return common >= max(4, shorter - 2)


class Vocabulary:
    """The words one product's description may use.

    Args:
        grounding: The product's facts (and the policies) as text.
        kind: The product's title and category, which name its kind (:data:`KIND_WORDS`).
    """

    def __init__(self, grounding: str, kind: str = "") -> None:
        words = [w.lower() for w in _WORD.findall(grounding)]
        self._han = frozenset(_HAN.findall(grounding)) | ZH_COPY
        parts = [p for w in words for p in w.split("-") if p]
        named = {stem(w) for w in _WORD.findall(kind.lower())}
        kinds = [v for k, v in KIND_WORDS.items() if stem(k) in named]
        families = {q.family for q in quantities(grounding)}
        measures = [w for f in families for w in (*FAMILY_WORDS.get(f, ()), *unit_spellings(f))]
        spelled = [_SPELLED[w] for w in words if w in _SPELLED]
        self._stems = frozenset(
            stem(w) for w in (*words, *parts, *(w for v in kinds for w in v), *measures, *spelled)
        )

    def _known(self, word: str) -> bool:
        s = stem(word)
        if s in _COPY_STEMS or s in self._stems:
            return True
        return any(_related(s, t) for t in self._stems)

    def novel(self, sentence: str) -> list[str]:
        """Return the content words of ``sentence`` that neither the facts nor copy use.

        Args:
            sentence: One sentence of a description.

        Returns:
            The words, lowercased, in order and without repeats; empty when every word is
            known.
        """
        out: list[str] = []
        for word in _WORD.findall(sentence):
            lower = word.lower().strip("'-")
            if len(lower) < 3 or lower in out:
                continue
            parts = [p for p in lower.split("-") if p]
            if not all(self._known(p) for p in parts) and not self._known(lower):
                out.append(lower)
        return out

    def novel_han(self, sentence: str) -> list[str]:
        """Return the Chinese characters of ``sentence`` that neither the facts nor
        :data:`ZH_COPY` hold ("纳维酰胺和尿酸" for a mask of 烟酰胺), in order, without repeats.
        """
        return list(dict.fromkeys(c for c in _HAN.findall(sentence) if c not in self._han))
