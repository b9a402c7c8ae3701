"""Key phrases of a set of reviews against a background: what makes the negatives stand out.

Phrases are word n-grams (n = 1..3) that do not cross punctuation or a PII placeholder and
neither start nor end with a stopword. Each review counts a phrase once (document frequency),
so one long rant cannot carry a window. Phrases are ranked by the z-score of their weighted
log-odds ratio between the negative reviews and the background with an informative Dirichlet
prior, the "Fightin' Words" statistic of Monroe, Colaresi and Quinn (2008, Political
Analysis 16(4)); the prior here is the pooled frequency of both groups, smoothed, so a phrase
seen once or twice is shrunk towards its overall rate instead of topping the list.

The input texts must already be redacted (:func:`streams.privacy.pii.redact`): placeholders are
treated as breaks, and a phrase must occur in at least two reviews (when there are two), so
a detail unique to one customer never becomes a phrase.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

MAX_N = 3
TOP_N = 5
EXTEND_SHARE = 2 / 3
"""Share of a phrase's reviews a longer phrase must cover to stand in for it."""

# Everyday English function words plus words every review uses whatever it says (they carry
# no reason for a window to turn negative). Negations stay out of this list: "not charging"
# and "no sound" are complaints.
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself
    yourselves also im ive id its it's i'm i've i'd you're you've they're we're he's she's
    that's there's what's let's one two get got gets really even still much many well
    yet though although however ever every quite rather may might must shall us whose
    whether either neither another
    product item thing things bought buy purchase purchased order ordered review
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# A negation may open a phrase ("not charging") but says nothing alone or at its end.
NEGATIONS = frozenset((
    "not", "no", "never", "nothing", "nor", "without", "don't", "doesn't", "didn't", "isn't",
    "wasn't", "won't", "can't", "cannot",
))  # fmt: skip

# A PII placeholder ("[EMAIL]"), sentence punctuation or a bracket ends a phrase.
_BREAK = re.compile(r"\[[A-Z_]+\]|[.!?;:,()\[\]{}\"\u2014\u2013\u3002\uff01\uff1f\uff0c]")
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")
# Tokens with this many digits (order numbers, fragments of an unrecognised identifier)
# break a phrase too.
_LONG_NUMBER = re.compile(r"\d{4,}")


def segments(text: str) -> list[list[str]]:
    """The runs of lower-cased words between breaks (punctuation, placeholders, numbers)."""
    out: list[list[str]] = []
    for part in _BREAK.split(text):
        run: list[str] = []
        for match in _WORD.finditer(part.lower()):
            word = match.group(0).replace("\u2019", "'")
            if _LONG_NUMBER.search(word):
                if run:
                    out.append(run)
                run = []
                continue
            run.append(word)
        if run:
            out.append(run)
    return out


def _edge_ok(word: str) -> bool:
    return word not in STOPWORDS and not word.isdigit() and len(word) > 1


def _last_ok(word: str) -> bool:
    return _edge_ok(word) and word not in NEGATIONS


def phrases_of(text: str, max_n: int = MAX_N) -> set[str]:
    """The distinct candidate phrases of one text."""
    found: set[str] = set()
    for run in segments(text):
        for n in range(1, max_n + 1):
            for start in range(len(run) - n + 1):
                gram = run[start : start + n]
                if _edge_ok(gram[0]) and _last_ok(gram[-1]):
                    found.add(" ".join(gram))
    return found


def _document_counts(texts: Iterable[str], max_n: int) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    documents = 0
    for text in texts:
        documents += 1
        counts.update(phrases_of(text, max_n))
    return counts, documents


def log_odds_z(
    target: Counter[str], background: Counter[str], prior_strength: float
) -> dict[str, float]:
    """Z-scores of the log-odds ratio of each phrase, target against background.

    Args:
        target: Phrase counts of the target group.
        background: Phrase counts of the background group.
        prior_strength: Total pseudo-count of the Dirichlet prior, spread over the phrases
            in proportion to their pooled (add-one smoothed) counts.

    Returns:
        The z-score of every phrase seen in the target group; positive means more typical
        of the target than of the background.
    """
    vocabulary = set(target) | set(background)
    pooled_total = sum(target.values()) + sum(background.values()) + len(vocabulary)
    alpha = {w: prior_strength * (target[w] + background[w] + 1) / pooled_total for w in vocabulary}
    alpha_total = sum(alpha.values())
    n_target = sum(target.values())
    n_background = sum(background.values())
    scores: dict[str, float] = {}
    for word in target:
        a = alpha[word]
        y_t, y_b = target[word], background[word]
        delta = math.log((y_t + a) / (n_target + alpha_total - y_t - a)) - math.log(
            (y_b + a) / (n_background + alpha_total - y_b - a)
        )
        variance = 1.0 / (y_t + a) + 1.0 / (y_b + a)
        scores[word] = delta / math.sqrt(variance)
    return scores


def _words(phrase: str) -> set[str]:
    return set(phrase.split()) - STOPWORDS


def _contains(longer: str, shorter: str) -> bool:
    # By words, not by position: "lid hinge broke" says what "lid broke" says.
    return _words(shorter) <= _words(longer)


def _overlaps(a: str, b: str) -> bool:
    # Phrases sharing a word repeat one reason ("battery", "battery died"); each word
    # names at most one of the phrases returned, so they are five different reasons.
    return bool(_words(a) & _words(b))


def _choose(ranked: Sequence[str], counts: Counter[str], top_n: int) -> list[str]:
    """The best phrases, no two sharing a word.

    A longer phrase takes the place of the shorter ones it contains when it covers at least
    :data:`EXTEND_SHARE` of each one's reviews ("lid broke" for "lid" and "broke"), since it
    then says the same more precisely; otherwise the better-ranked phrase stays alone.
    """
    chosen: list[str] = []
    for phrase in ranked:
        overlapping = [c for c in chosen if _overlaps(phrase, c)]
        if not overlapping:
            if len(chosen) < top_n:
                chosen.append(phrase)
            continue
        if all(
            _contains(phrase, c) and counts[phrase] >= EXTEND_SHARE * counts[c] for c in overlapping
        ):
            at = chosen.index(overlapping[0])
            chosen[at] = phrase
            chosen = [c for c in chosen if c not in overlapping[1:]]
    return chosen


def top_phrases(
    negatives: Sequence[str],
    background: Sequence[str],
    top_n: int = TOP_N,
    max_n: int = MAX_N,
) -> tuple[str, ...]:
    """The phrases that most set the negative reviews apart from the background.

    Args:
        negatives: Redacted texts of the negative reviews.
        background: Redacted texts of the other reviews (may be empty: the ranking then
            follows how many negative reviews share a phrase).
        top_n: How many phrases to return at most.
        max_n: Longest phrase, in words.

    Returns:
        Up to ``top_n`` phrases, best first; the same inputs in any order give the same
        phrases. Only phrases more typical of the negatives than of the background, and
        found in at least two negative reviews when there are two, are returned.
    """
    target, n_docs = _document_counts(negatives, max_n)
    if n_docs == 0:
        return ()
    other, _ = _document_counts(background, max_n)
    min_docs = 2 if n_docs >= 2 else 1
    # The prior weighs half as much as the observed counts: enough to damp phrases seen in
    # one or two reviews, not so much that it drowns a clear contrast.
    observed = sum(target.values()) + sum(other.values())
    scores = log_odds_z(target, other, prior_strength=0.5 * observed)
    ranked = sorted(
        (w for w in target if target[w] >= min_docs and scores[w] > 0),
        key=lambda w: (-round(scores[w], 9), -len(w.split()), w),
    )
    return tuple(_choose(ranked, target, top_n))
