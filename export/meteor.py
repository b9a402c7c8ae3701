"""METEOR (Banerjee & Lavie, 2005) in pure Python, with the stemmer its second stage needs.

Scoring follows the paper: unigrams of the hypothesis are aligned to the reference in two
stages (exact surface form, then Porter stem), precision ``P`` and recall ``R`` of the aligned
unigrams give the harmonic mean ``Fmean = 10PR / (R + 9P)`` (recall weighted nine times
precision), and a fragmentation penalty ``0.5 * (chunks / matches) ** 3`` lowers the score of
alignments that fall apart into many chunks. The WordNet-synonym stage of later METEOR
versions is left out: no WordNet ships with this project.

The paper chooses, among the alignments with most matches, the one with fewest crossings;
this module aligns greedily, preferring the reference position that extends the previous
match's chunk and then the one at the closest relative position, which gives the same
alignment for the usual case of one occurrence per word.

CJK text has no spaces, so :func:`spaced_cjk` puts each CJK character on its own before
tokenising; the same applies to BLEU and ROUGE-L over Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from export.eval_generation import tokenize

_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")
_VOWELS = frozenset("aeiou")


def spaced_cjk(text: str) -> str:
    """Surround every CJK character with spaces, so that it tokenises as one word.

    Args:
        text: Any text.

    Returns:
        The text with CJK characters spaced out.
    """
    return _CJK.sub(r" \1 ", text)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (punctuation dropped), one per CJK character.

    Args:
        text: Any text.

    Returns:
        The tokens.
    """
    return [token for token in tokenize(spaced_cjk(text)) if re.match(r"\w", token)]


def _consonant(word: str, i: int) -> bool:
    if word[i] in _VOWELS:
        return False
    if word[i] == "y":
        return i == 0 or not _consonant(word, i - 1)
    return True


def _measure(stem: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in ``stem``."""
    pattern = "".join("c" if _consonant(stem, i) else "v" for i in range(len(stem)))
    return len(re.findall(r"v+c+", pattern))


def _has_vowel(stem: str) -> bool:
    return any(not _consonant(stem, i) for i in range(len(stem)))


def _cvc(stem: str) -> bool:
    return (
        len(stem) >= 3
        and _consonant(stem, len(stem) - 3)
        and not _consonant(stem, len(stem) - 2)
        and _consonant(stem, len(stem) - 1)
        and stem[-1] not in "wxy"
    )


def porter_stem(word: str) -> str:
    """Stem an English word with Porter's (1980) steps 1a, 1b, 1c and 5.

    These steps fold inflections (plurals, ``-ed``, ``-ing``, final ``-e``), which is what
    METEOR's stem stage needs to match ``charges`` with ``charging``; the derivational steps
    2-4 are left out.

    Args:
        word: A lower-case word.

    Returns:
        Its stem; words of three letters or fewer and non-alphabetic tokens unchanged.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("sses") or word.endswith("ies"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif len(word) > 1 and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]
                elif _measure(word) == 1 and _cvc(word):
                    word += "e"
                break
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    if word.endswith("e"):
        stem = word[:-1]
        if _measure(stem) > 1 or (_measure(stem) == 1 and not _cvc(stem)):
            word = stem
    if word.endswith("ll") and _measure(word) > 1:
        word = word[:-1]
    return word


def _extend(
    alignment: dict[int, int],
    hypothesis: Sequence[str],
    reference: Sequence[str],
    key: Callable[[str], str],
) -> dict[int, int]:
    used = set(alignment.values())
    ref_keys = [key(token) for token in reference]
    for i, token in enumerate(hypothesis):
        if i in alignment:
            continue
        wanted = key(token)
        candidates = [j for j, k in enumerate(ref_keys) if k == wanted and j not in used]
        if not candidates:
            continue
        follow = alignment.get(i - 1, -2) + 1
        position = i / max(len(hypothesis), 1)
        best = min(
            candidates, key=lambda j: (j != follow, abs(j / max(len(reference), 1) - position))
        )
        alignment[i] = best
        used.add(best)
    return alignment


def _chunks(alignment: dict[int, int]) -> int:
    pairs = sorted(alignment.items())
    chunks = 1 if pairs else 0
    for (h0, r0), (h1, r1) in pairwise(pairs):
        if h1 != h0 + 1 or r1 != r0 + 1:
            chunks += 1
    return chunks


def meteor(
    hypothesis: str,
    reference: str,
    *,
    recall_weight: float = 9.0,
    beta: float = 3.0,
    gamma: float = 0.5,
) -> float:
    """METEOR of one hypothesis against one reference (0-1).

    Args:
        hypothesis: The generated text.
        reference: The reference text.
        recall_weight: How many times recall outweighs precision in ``Fmean`` (9 in the
            paper).
        beta: Exponent of the fragmentation penalty (3).
        gamma: Largest penalty (0.5).

    Returns:
        ``Fmean * (1 - penalty)``; 0 when nothing matches or either text is empty.
    """
    hyp, ref = words(hypothesis), words(reference)
    if not hyp or not ref:
        return 0.0
    alignment = _extend({}, hyp, ref, lambda token: token)
    alignment = _extend(alignment, hyp, ref, porter_stem)
    matches = len(alignment)
    if matches == 0:
        return 0.0
    precision, recall = matches / len(hyp), matches / len(ref)
    fmean = (1 + recall_weight) * precision * recall / (recall + recall_weight * precision)
    penalty = gamma * (_chunks(alignment) / matches) ** beta
    return fmean * (1 - penalty)


def mean_meteor(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Mean sentence METEOR over aligned hypotheses and references (0 for none).

    Args:
        hypotheses: Generated texts.
        references: One reference per hypothesis.

    Returns:
        The mean score.
    """
    scores = [meteor(h, r) for h, r in zip(hypotheses, references, strict=True)]
    return sum(scores) / len(scores) if scores else 0.0
