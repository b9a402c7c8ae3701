"""The project's own e-commerce sentiment acceptance set (``export/evalsets/sentiment``).

``ecommerce.jsonl`` holds hand-written English product-review sentences, one JSON object a
line: ``id``, ``text``, ``label`` (one of :data:`LABELS`), ``category`` and ``traits`` (a list of
:data:`TRAITS` naming what makes the sentence hard). The README next to the file states how it
was written, the labelling rules for the hard cases and its counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import ShopstreamError

SENTIMENT_EVALSET_DIR = Path(__file__).with_name("evalsets") / "sentiment"
"""Where the sentiment acceptance set lives."""

ECOMMERCE_SET = SENTIMENT_EVALSET_DIR / "ecommerce.jsonl"
"""The default e-commerce sentence file."""

LABELS = ("negative", "neutral", "positive")
"""The three sentiment labels, in the classifier's order."""

TRAITS = (
    "negation", "sarcasm", "mixed_aspects", "comparison", "short", "long", "typo", "emoji",
    "question",
)  # fmt: skip
"""What can make a sentence hard; a sentence lists those that apply."""


class EvalSetError(ShopstreamError):
    """The acceptance set file is malformed (bad label, duplicate id or text, empty text)."""


@dataclass(frozen=True)
class LabelledSentence:
    """One sentence of the acceptance set.

    Attributes:
        id: Stable identifier such as ``"e0001"``.
        text: The review sentence.
        label: ``"negative"``, ``"neutral"`` or ``"positive"``.
        category: Product category (``"kitchen"``, ``"toys"``, ...).
        traits: What makes the sentence hard, each one of :data:`TRAITS`.
    """

    id: str
    text: str
    label: str
    category: str
    traits: tuple[str, ...]


def _parse(row: Any, where: str) -> LabelledSentence:
    if not isinstance(row, dict):
        raise EvalSetError(f"{where}: expected a JSON object")
    for field in ("id", "text", "label", "category"):
        if not isinstance(row.get(field), str):
            raise EvalSetError(f"{where}: field {field!r} must be a string")
    traits = row.get("traits", [])
    if not isinstance(traits, list) or not all(isinstance(t, str) for t in traits):
        raise EvalSetError(f"{where}: field 'traits' must be a list of strings")
    if row["label"] not in LABELS:
        raise EvalSetError(f"{where}: unknown label {row['label']!r}")
    unknown = sorted(set(traits) - set(TRAITS))
    if unknown:
        raise EvalSetError(f"{where}: unknown traits {unknown}")
    if not row["text"].strip():
        raise EvalSetError(f"{where}: empty text")
    if not row["id"] or not row["category"]:
        raise EvalSetError(f"{where}: empty id or category")
    return LabelledSentence(
        id=row["id"],
        text=row["text"],
        label=row["label"],
        category=row["category"],
        traits=tuple(traits),
    )


def load_ecommerce_set(path: Path | None = None) -> list[LabelledSentence]:
    """Read and validate the e-commerce acceptance set.

    Args:
        path: The JSONL file; :data:`ECOMMERCE_SET` when omitted.

    Returns:
        The sentences in file order.

    Raises:
        EvalSetError: A line is not valid JSON, a field is missing or has the wrong type, a label
            or trait is unknown, a text is empty, or an id or text (compared without case and
            surrounding whitespace) appears twice.
    """
    source = ECOMMERCE_SET if path is None else path
    sentences: list[LabelledSentence] = []
    ids: set[str] = set()
    texts: set[str] = set()
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{source.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{where}: invalid JSON ({exc.msg})") from exc
        sentence = _parse(row, where)
        if sentence.id in ids:
            raise EvalSetError(f"{where}: duplicate id {sentence.id!r}")
        text_key = " ".join(sentence.text.split()).lower()
        if text_key in texts:
            raise EvalSetError(f"{where}: duplicate text")
        ids.add(sentence.id)
        texts.add(text_key)
        sentences.append(sentence)
    return sentences
