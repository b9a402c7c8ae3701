"""Per-token attributions for one review, by occlusion.

Each token of the text is taken out in turn (removed, or replaced by a mask token) and the
text scored again; a token's attribution to a class is how much the class's log-odds drop
without it: ``logit p(class | text) - logit p(class | text without the token)``, with
``logit p = log(p / (1 - p))``. A positive value means the token pushes the review towards
that class. Log-odds rather than probabilities, because a confident review (``p = 0.99``)
leaves a probability little room to move: a cue that takes it to 0.95 changes ``p`` by 0.04
but its log-odds by 1.6, so the cue still stands out from the words that change nothing.
Occlusion needs nothing from the model but its predictions (the
:class:`streams.sentiment.TextClassifier` protocol), so it works the same for any classifier
the registry loads, at the cost of one extra row per token.

Taking out one token shows what that token adds beyond the rest: when a review says the same
thing twice ("worst purchase, it broke"), each cue alone changes little and both get small
attributions. The alert phrases do not depend on this (they rank n-grams across reviews).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from streams.sentiment import TextClassifier

Occlusion = Literal["remove", "mask"]

MAX_TOKENS = 256
"""Tokens attributed at most; past that the model would truncate the text anyway."""

MIN_PUSH = 0.05
"""Log-odds a token must add to a class to count among the tokens that push towards it."""

_P_FLOOR = 1e-6  # keeps the log-odds finite for a probability that rounds to 0 or 1

# A BERT-style tokenizer reads this string as its mask token (MPNet's is "<mask>").
MASK = "[MASK]"

# One CJK character is one token (Chinese has no spaces); otherwise words with inner
# apostrophes, and each punctuation mark on its own.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+(?:['\u2019][^\W{_CJK}]+)*|[^\w\s]")


@dataclass(frozen=True)
class TokenAttribution:
    """One token of the text and what taking it out changes.

    Attributes:
        token: The token as written.
        start: Its first character in the text.
        end: One past its last character.
        attribution: Per class, the log-odds with the token minus the log-odds without it.
    """

    token: str
    start: int
    end: int
    attribution: dict[str, float]


@dataclass(frozen=True)
class Explanation:
    """A review's label and probabilities with each token's attribution.

    Attributes:
        text: The review.
        label: The label of the whole text.
        score: The label's score.
        probabilities: The whole text's probability per class.
        occlusion: How tokens were taken out (``remove`` or ``mask``).
        tokens: The attributed tokens, in text order.
        truncated: Whether tokens past :data:`MAX_TOKENS` were left unattributed.
    """

    text: str
    label: str
    score: float
    probabilities: dict[str, float]
    occlusion: Occlusion
    tokens: tuple[TokenAttribution, ...]
    truncated: bool = False

    def top(self, n: int = 5) -> list[TokenAttribution]:
        """The tokens that push hardest towards the predicted label, strongest first.

        A token adding less than :data:`MIN_PUSH` log-odds does not count.
        """
        pushing = [t for t in self.tokens if t.attribution.get(self.label, 0.0) >= MIN_PUSH]
        pushing.sort(key=lambda t: (-t.attribution[self.label], t.start))
        return pushing[:n]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "label": self.label,
            "score": self.score,
            "probabilities": self.probabilities,
            "occlusion": self.occlusion,
            "truncated": self.truncated,
            "tokens": [
                {"token": t.token, "start": t.start, "end": t.end, "attribution": t.attribution}
                for t in self.tokens
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def table(self) -> str:
        """The explanation as a fixed-width table, with the label and probabilities first."""
        classes = list(self.probabilities)
        probs = "  ".join(f"p_{c}={self.probabilities[c]:.3f}" for c in classes)
        width = max([len("token"), *(len(t.token) for t in self.tokens)])
        width = min(width, 24)
        header = f"{'token':<{width}}  " + "  ".join(f"{c:>12}" for c in classes)
        lines = [f"label: {self.label}  score={self.score:.3f}  {probs}", "", header]
        marked = {id(t) for t in self.top()}
        for t in self.tokens:
            cells = "  ".join(f"{t.attribution[c]:>+12.3f}" for c in classes)
            mark = "  *" if id(t) in marked else ""
            lines.append(f"{t.token[:width]:<{width}}  {cells}{mark}")
        lines.append("")
        lines.append(
            f"log-odds each token adds to each class; * pushes towards {self.label} most"
            f" (occlusion: {self.occlusion})"
        )
        if self.truncated:
            lines.append(f"only the first {MAX_TOKENS} tokens were attributed")
        return "\n".join(lines)


def log_odds(p: float) -> float:
    """``log(p / (1 - p))``, with ``p`` kept off 0 and 1."""
    p = min(max(p, _P_FLOOR), 1.0 - _P_FLOOR)
    return math.log(p / (1.0 - p))


def tokens_of(text: str) -> list[tuple[str, int, int]]:
    """The tokens of a text with their character spans."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def occluded(text: str, start: int, end: int, occlusion: Occlusion, mask: str = MASK) -> str:
    """The text with the span ``start:end`` removed or replaced by ``mask``."""
    filler = f" {mask} " if occlusion == "mask" else " "
    return (text[:start].rstrip() + filler + text[end:].lstrip()).strip()


def explain(
    classifier: TextClassifier,
    text: str,
    occlusion: Occlusion = "remove",
    batch_size: int = 32,
    mask: str = MASK,
) -> Explanation:
    """Label one review and attribute its probabilities to its tokens by occlusion.

    Args:
        classifier: Any classifier with ``predict(texts)``.
        text: The review (title and body, as the model reads them).
        occlusion: ``remove`` takes each token out; ``mask`` puts the mask token in its place.
        batch_size: Occluded texts scored per call.
        mask: The mask token of the classifier's tokenizer (``mask`` occlusion).

    Returns:
        The label, score and probabilities of the whole text and each token's attribution.

    Raises:
        ValueError: The text holds no token.
    """
    spans = tokens_of(text)
    if not spans:
        msg = "the text holds no token to attribute"
        raise ValueError(msg)
    truncated = len(spans) > MAX_TOKENS
    spans = spans[:MAX_TOKENS]
    [full] = classifier.predict([text])
    base = {c: float(p) for c, p in full.probabilities.items()}
    variants = [occluded(text, start, end, occlusion, mask) for _, start, end in spans]
    predictions: list[dict[str, float]] = []
    for offset in range(0, len(variants), batch_size):
        chunk: Sequence[str] = variants[offset : offset + batch_size]
        for prediction in classifier.predict(chunk):
            predictions.append({c: float(p) for c, p in prediction.probabilities.items()})
    tokens = tuple(
        TokenAttribution(
            token=token,
            start=start,
            end=end,
            attribution={
                c: round(log_odds(base[c]) - log_odds(probs.get(c, 0.0)), 6) for c in base
            },
        )
        for (token, start, end), probs in zip(spans, predictions, strict=True)
    )
    return Explanation(
        text=text,
        label=full.label,
        score=float(full.score),
        probabilities=base,
        occlusion=occlusion,
        tokens=tokens,
        truncated=truncated,
    )
