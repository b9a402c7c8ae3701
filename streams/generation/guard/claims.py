"""Claim-level grounding: find each checkable claim in a sentence and trace its key terms.

A generated text is split into sentences (English and Chinese punctuation). In each sentence
claims are found by kind: materials, certifications, origins, compatibility, health and
safety, product properties, brands, retailers and other third parties, superlatives and
awards, stock and shipping promises, and capitalised names the text introduces. Each claim
carries key terms; it is supported only when every key term is found in the grounding text
(product facts, platform policies and, for names only, the conversation), after
normalisation: case, hyphens, plurals and common suffixes for Latin script, substrings for
Chinese. Marketing words that assert nothing checkable ("great", "stylish") are no claim.

:mod:`streams.generation.guard.pruning` then removes the sentences with unsupported claims. The
vocabularies live in :mod:`streams.generation.guard.lexicon`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from streams.generation.guard import lexicon as lx

_I = re.IGNORECASE
# Chinese full stop, exclamation and question marks, semicolon (and comma, colon for
# clauses), written as escapes because linters flag the full-width forms.
_ZH_STOPS = "\u3002\uff01\uff1f\uff1b"
_ZH_PUNCT = "\u3002\uff0c\uff1b\uff1a\uff01\uff1f"


# Latin letters, digits and hyphens: a term's neighbours. Chinese characters are not among
# them, so "FDA" is found in "已获得FDA认证"; hyphens are, so "in-house" holds no "in".
_LATIN_CHAR = r"A-Za-z0-9\u00c0-\u024f-"


def _words(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![{_LATIN_CHAR}])(?:{body})(?![{_LATIN_CHAR}])", _I)


_TERMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("material", _words(lx.MATERIALS)),
    ("material", re.compile(lx.MATERIALS_ZH)),
    ("certification", _words(lx.CERTIFICATIONS)),
    ("certification", _words(lx.CERTIFICATION_WORDS)),
    ("certification", re.compile(lx.CERTIFICATIONS_ZH, _I)),
    ("origin", _words(lx.PLACES)),
    ("origin", re.compile(lx.ORIGINS_ZH)),
    ("brand", re.compile(lx.BRANDS_ZH)),
    ("brand", _words(lx.BRANDS)),
    ("health", _words(lx.HEALTH)),
    ("health", re.compile(lx.HEALTH_ZH)),
    ("property", _words(lx.PROPERTIES)),
    ("property", re.compile(lx.PROPERTIES_ZH)),
    ("award", _words(lx.AWARDS)),
    ("award", re.compile(lx.AWARDS_ZH)),
    ("third_party", _words(lx.RETAILERS)),
    ("third_party", re.compile(lx.THIRD_PARTY_ZH)),
    ("shipping", _words(lx.SHIPPING)),
    ("shipping", re.compile(lx.SHIPPING_ZH)),
    ("colour", _words(lx.COLOURS)),
    ("colour", re.compile(lx.COLOURS_ZH)),
)
# Object phrases: what follows the trigger up to the end of the clause, at most six words.
_OBJECT = rf"\s+(?P<object>(?:[^\s,.;:!?(){_ZH_PUNCT}]+\s*){{1,6}})"
_TRIGGERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("material", re.compile(rf"(?<![{_LATIN_CHAR}])(?:{lx.MATERIAL_TRIGGERS}){_OBJECT}", _I)),
    ("origin", re.compile(rf"(?<![{_LATIN_CHAR}])(?:{lx.ORIGIN_TRIGGERS}){_OBJECT}", _I)),
    (
        "compatibility",
        re.compile(rf"(?<![{_LATIN_CHAR}])(?:{lx.COMPATIBILITY_TRIGGERS}){_OBJECT}", _I),
    ),
    ("third_party", re.compile(rf"(?<![{_LATIN_CHAR}])(?:{lx.THIRD_PARTY_TRIGGERS}){_OBJECT}", _I)),
)
_TRIGGERS_ZH: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("material", re.compile(lx.MATERIAL_TRIGGERS_ZH)),
    (
        "compatibility",
        # Twelve characters, then the rest of a Latin word: "iPhone 15 Pro" is not "… P".
        re.compile(
            rf"(?:{lx.COMPATIBILITY_TRIGGERS_ZH})"
            rf"(?P<object>[^{_ZH_PUNCT},.;:!?]{{1,12}}[A-Za-z0-9]*)"
        ),
    ),
    (
        "origin",
        re.compile(
            rf"(?:{lx.ORIGIN_TRIGGERS_ZH})[\u4e3a\u662f:\uff1a]?"
            rf"(?P<object>[^{_ZH_PUNCT},.;!?\s]{{1,8}})"
        ),
    ),
)
# Words that end an object phrase: what follows them is a new clause.
_OBJECT_END = re.compile(
    r"\s(?:which|that|so|because|while|but|to|when|where|if|as|making|giving|ensuring|for)\s.*"
    r"|\s(?:and|or)\s+(?:is|are|was|were|has|have|had|can|could|will|would|it|its|they|you|we|"
    r"[a-z]+s)\b.*",
    _I,
)
_OBJECT_TAIL_ZH = re.compile(lx.OBJECT_TAIL_ZH)
_DEVICE = _words(lx.DEVICES)
_BRAND = _words(lx.BRANDS)
_BRAND_ZH = re.compile(lx.BRANDS_ZH)
TOKEN = re.compile(r"[^\W_]+(?:'[a-z]+)?")
_LATIN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_NUMBER_WORDS = frozenset(
    {
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "several", "many", "few", "multiple", "various",
    }
)  # fmt: skip
# A capitalised or camel-case word: a name the text introduces ("Nintendo", "iPhone").
_NAME = re.compile(rf"(?<![{_LATIN_CHAR}'])(?:[A-Z][{_LATIN_CHAR}'&]*|[a-z]+[A-Z][{_LATIN_CHAR}]*)")
_FIRST_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f'-]+")
LEADING = re.compile("^[\\s\\-\u2013\u2014*\u2022\u00b7(\"'\u201c\u2018\\[]+")
_SUFFIXES = (
    "ations",
    "ation",
    "ility",
    "ings",
    "ing",
    "ible",
    "able",
    "ies",
    "ied",
    "es",
    "ed",
    "s",
    "ly",
)
_STOPWORDS = frozenset(
    {"a", "an", "the", "of", "for", "and", "or", "to", "in", "on", "our", "your"}
)


def stem(word: str) -> str:
    """Reduce a Latin-script word to a crude stem, so plurals and derived forms meet.

    Args:
        word: One word.

    Returns:
        The lowercased word without a possessive and one common suffix (``"babies"`` →
        ``"baby"``, ``"certified"`` → ``"certify"``, ``"shoes"`` → ``"shoe"``); words of
        three letters or fewer are only lowercased.
    """
    w = word.lower().removesuffix("'s")
    if len(w) <= 3:
        return w
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith("ss"):
                return w
            if suffix == "es" and not w.endswith(("ses", "xes", "zes", "ches", "shes")):
                continue  # "shoes" is "shoe" + "s", "boxes" is "box" + "es".
            base = w[: -len(suffix)]
            return base + "y" if suffix in {"ies", "ied"} else base
    return w


@dataclass(frozen=True, slots=True)
class Claim:
    """One checkable claim found in a sentence.

    Attributes:
        kind: What it claims (``"material"``, ``"health"``, ``"name"``, …).
        text: The wording that makes the claim, lowercased (used in reasons).
        keys: Key terms; the claim is supported when every one is in the grounding text.
        phrase: Whether the keys must appear together, in order (terms), or anywhere
            (the object of a trigger: "a blend of cotton and polyester").
    """

    kind: str
    text: str
    keys: tuple[str, ...]
    phrase: bool = True

    @property
    def reason(self) -> str:
        """The claim as a ``"kind:text"`` reason."""
        return f"{self.kind}:{self.text}"


# A full stop after a common abbreviation ("No. 1", "approx. 6 mm") ends no sentence.
_ABBREVIATIONS = "".join(
    rf"(?<!{re.escape(a)})"
    for a in ("No.", "no.", "approx.", "e.g.", "i.e.", "Mr.", "Mrs.", "Dr.", "vs.")
)
_SPLIT = re.compile(
    rf"(\n+\s*|(?<=[.!?]){_ABBREVIATIONS}[\"'\u201d\u2019)]?\s+|(?<=[{_ZH_STOPS}]))"
)


def split_sentences(text: str) -> list[tuple[str, str]]:
    """Split a text into sentences, each with the separator that follows it.

    Args:
        text: English or Chinese text; lines are sentences of their own.

    Returns:
        ``(sentence, separator)`` pairs that concatenate back to ``text``; sentences may be
        empty only where ``text`` has leading or doubled separators.
    """
    pieces = _SPLIT.split(text)
    pairs: list[tuple[str, str]] = []
    for i in range(0, len(pieces), 2):
        sep = pieces[i + 1] if i + 1 < len(pieces) else ""
        pairs.append((pieces[i], sep))
    return pairs


def _keys(text: str, *, drop: frozenset[str] = _STOPWORDS) -> tuple[str, ...]:
    latin = [w for w in _LATIN.findall(text) if w.lower() not in drop]
    cjk = "".join(ch for ch in text if _CJK.match(ch))
    return tuple([*latin, cjk] if cjk else latin)


def _object_keys(kind: str, phrase: str) -> tuple[str, ...]:
    phrase = _OBJECT_END.sub("", f" {phrase} ").strip()
    phrase = _OBJECT_TAIL_ZH.sub("", phrase)
    words = [
        w
        for w in _keys(phrase, drop=lx.GENERIC_WORDS | _NUMBER_WORDS)
        if not w.isdigit() or kind == "compatibility"
    ]
    if kind != "compatibility":
        return tuple(words)
    # "fits comfortably" claims nothing; "fits the Nintendo Switch" names a device, and only
    # the names, models and device words are what compatibility is claimed with.
    return tuple(
        w
        for w in words
        if w[:1].isupper()
        or any(c.isdigit() for c in w)
        or _DEVICE.fullmatch(w)
        or _BRAND.fullmatch(w)
        or _BRAND_ZH.search(w)
    )


def _name_claims(sentence: str) -> Iterable[Claim]:
    letters = [c for c in sentence if c.isalpha() and c.isascii()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return  # In an all-caps sentence capitals name nothing.
    body = LEADING.sub("", sentence)
    first = _FIRST_WORD.match(body)
    start = first.end() if first else 0
    for match in _NAME.finditer(body):
        word = match.group().rstrip("'-")
        at_start = match.start() < start or body[: match.start()].rstrip().endswith(
            (":", "\u2014", "(", '"', "“")
        )
        if at_start or word.lower() in lx.NAMES_ALLOWED or len(word) < 2:
            continue
        yield Claim("name", word.lower(), tuple(_LATIN.findall(word)) or (word,))


def _about_surroundings(sentence: str, start: int) -> bool:
    # "stays put on wooden floors" names the floor's material, not the product's.
    before = _LATIN.findall(sentence[:start].lower())[-3:]
    return any(w in lx.SURROUNDING_WORDS for w in before)


def find_claims(sentence: str) -> tuple[Claim, ...]:
    """Find every checkable claim in one sentence.

    Args:
        sentence: One sentence (see :func:`split_sentences`).

    Returns:
        The claims, without duplicates, in the order the kinds are checked.
    """
    found: dict[tuple[str, str], Claim] = {}
    for kind, pattern in _TERMS:
        for match in pattern.finditer(sentence):
            words = " ".join(match.group().split()).lower()
            if kind == "property" and words in lx.GENERIC_PROPERTIES:
                continue
            if kind == "material" and _about_surroundings(sentence, match.start()):
                continue
            found.setdefault((kind, words), Claim(kind, words, _keys(words) or (words,)))
    for kind, pattern in (*_TRIGGERS, *_TRIGGERS_ZH):
        for match in pattern.finditer(sentence):
            groups = match.groupdict()
            keys = _object_keys(kind, groups.get("object") or groups.get("made") or "")
            if keys:
                words = " ".join(match.group().split()).lower()
                found.setdefault((kind, words), Claim(kind, words, keys, phrase=False))
    for claim in _name_claims(sentence):
        found.setdefault((claim.kind, claim.text), claim)
    return tuple(found.values())


def related(a: str, b: str) -> bool:
    """Whether two stems are forms of one word.

    Derived forms share all but a short ending ("certify" / "certific", "approv" /
    "approval", "charg" / "charge"); "water" and "waterproof" do not.
    """
    shorter = min(len(a), len(b))
    common = next((i for i in range(shorter) if a[i] != b[i]), shorter)
    return common >= max(5, shorter - 2) and max(len(a), len(b)) - common <= 3


class _Haystack:
    """A grounding text, normalised once for key lookups."""

    def __init__(self, text: str) -> None:
        self.raw = text.lower()
        words = _LATIN.findall(text)
        self.stem_set = frozenset(stem(w) for w in words)
        # Phrases are compared without function words, as their keys are ("safe for babies").
        content = (stem(w) for w in words if w.lower() not in _STOPWORDS)
        self.joined = f" {' '.join(content)} "

    def has_word(self, word: str) -> bool:
        if _CJK.search(word):
            return word in self.raw or all(
                word[i : i + 2] in self.raw for i in range(max(1, len(word) - 1))
            )
        s = stem(word)
        return s in self.stem_set or any(related(s, t) for t in self.stem_set)

    def has_phrase(self, keys: Sequence[str]) -> bool:
        latin = [k for k in keys if not _CJK.search(k)]
        cjk = [k for k in keys if _CJK.search(k)]
        if any(k not in self.raw for k in cjk):
            return False
        if len(latin) <= 1:
            return all(self.has_word(k) for k in latin)
        return f" {' '.join(stem(k) for k in latin)} " in self.joined


_ASSERTS_PROPERTY = re.compile(
    r"\b(?:has|have|having|had|comes? with|includes?|including|supports?|supported|"
    r"features?|equipped|offers?|compatible|works? with|fits?|pairs? with|connects? to)\b"
    r"|有|支持|兼容|配备|适用|适配|带",
    re.IGNORECASE,
)


class ClaimGrounds:
    """The texts claims are traced to.

    Args:
        trusted: Product facts and platform policies (and earlier published replies).
        conversation: What the customer wrote; it grounds only names (a customer's device
            or name may be repeated, a customer's guess at a material may not).
    """

    def __init__(self, trusted: str, conversation: str = "") -> None:
        self._trusted = _Haystack(trusted)
        self._all = _Haystack(f"{trusted}\n{conversation}")

    def supports(self, claim: Claim) -> bool:
        """Whether the grounding text supports ``claim``.

        Args:
            claim: A claim from :func:`find_claims`.

        Returns:
            ``True`` when every key term is found (together, for phrase claims).
        """
        hay = self._all if claim.kind == "name" else self._trusted
        if claim.phrase:
            return hay.has_phrase(claim.keys)
        return all(hay.has_word(k) for k in claim.keys)

    def unsupported(self, sentence: str) -> list[str]:
        """Return ``"kind:text"`` for each claim in ``sentence`` the grounds do not support.

        Args:
            sentence: One sentence.

        Returns:
            The reasons, in order.
        """
        out = []
        for claim in find_claims(sentence):
            if not self.supports(claim):
                out.append(claim.reason)
            elif (
                claim.kind == "name"
                and _ASSERTS_PROPERTY.search(sentence)
                and not (self._trusted.has_phrase(claim.keys))
            ):
                # A name only the customer wrote may be repeated, but a sentence that says
                # the product has, supports or fits it makes a claim the facts must carry
                # ("Yes, the wired headphones have Bluetooth").
                out.append(f"feature:{claim.text}")
        return out
