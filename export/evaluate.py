"""Evaluation of the sentiment model on its ONNX variants, as JSON and a PNG.

Per held-out split and per variant, through :class:`models.classifier.Classifier` (the code
path of the stream processor):

* binary corpora (negative/positive only): ``accuracy`` and ``macro_f1`` of the polar
  decision (negative against positive score, the neutral score left out), ``neutral_share``
  (how often the three-way label was neutral) and a 2x3 confusion matrix;
* three-class corpora: ``accuracy`` and ``macro_f1`` over all three labels, ``polar_accuracy``
  on their polar examples and a 3x3 confusion matrix.

:func:`evaluate_ecommerce` scores the project's e-commerce acceptance set
(:mod:`export.sentiment_evalset`): three-way accuracy and macro-F1, F1 per label, polar
accuracy (positive against negative sentences, the neutral ones left out) and accuracy per
trait (negation, sarcasm, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from export.data import NEGATIVE, POSITIVE, Corpus
from export.sentiment_evalset import LABELS, load_ecommerce_set
from models.classifier import Classifier
from models.registry import ModelHandle
from models.runtime import Device
from streams.reports import save_figure, write_json

log = logging.getLogger(__name__)

PREDICTED_LABELS = LABELS


def finite_or_none(value: float, digits: int = 4) -> float | None:
    """A rounded number, or ``None`` where JSON would need NaN."""
    return round(float(value), digits) if np.isfinite(value) else None


def f1_scores(labels: np.ndarray, predicted: np.ndarray, classes: Sequence[int]) -> list[float]:
    """F1 of each class in ``classes`` (0 where a class is neither predicted nor present)."""
    scores: list[float] = []
    for cls in classes:
        tp = float(((predicted == cls) & (labels == cls)).sum())
        fp = float(((predicted == cls) & (labels != cls)).sum())
        fn = float(((predicted != cls) & (labels == cls)).sum())
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return scores


def label_metrics(
    labels: np.ndarray, predicted: np.ndarray, classes: Sequence[int]
) -> dict[str, float | None]:
    """Accuracy and macro-F1 over ``classes``."""
    accuracy = float((predicted == labels).mean()) if len(labels) else float("nan")
    return {
        "accuracy": finite_or_none(accuracy),
        "macro_f1": finite_or_none(float(np.mean(f1_scores(labels, predicted, classes)))),
    }


def _head_columns(classifier: Classifier) -> list[int]:
    head = classifier.config.head_labels
    return [head.index(label) for label in LABELS]


def class_probabilities(classifier: Classifier, texts: Sequence[str]) -> np.ndarray:
    """Calibrated probabilities with columns in :data:`LABELS` order."""
    return classifier.probabilities(texts)[:, _head_columns(classifier)]


def confusion_matrix(
    labels: np.ndarray, predicted: np.ndarray, truths: Sequence[int]
) -> list[list[int]]:
    """Counts of true label (rows, ``truths``) x predicted label (all of :data:`LABELS`)."""
    return [
        [int(((labels == truth) & (predicted == guess)).sum()) for guess in range(len(LABELS))]
        for truth in truths
    ]


def polar_labels(probabilities: np.ndarray) -> np.ndarray:
    """NEGATIVE or POSITIVE per row, whichever scores higher (the neutral score left out)."""
    return np.where(probabilities[:, POSITIVE] > probabilities[:, NEGATIVE], POSITIVE, NEGATIVE)


def evaluate_split(
    classifier: Classifier, corpus: Corpus, cap: int | None = None
) -> dict[str, Any]:
    """Metrics of one classifier on a corpus's held-out split (its first ``cap`` examples)."""
    examples = corpus.heldout[:cap]
    labels = np.asarray([example.label for example in examples], dtype=int)
    probabilities = class_probabilities(classifier, [example.text for example in examples])
    three_way = probabilities.argmax(axis=1) if len(labels) else np.zeros(0, dtype=int)
    truths = (NEGATIVE, POSITIVE) if corpus.classes == 2 else tuple(range(len(LABELS)))
    confusion = confusion_matrix(labels, three_way, truths)
    if corpus.classes == 2:
        neutral_share = float((three_way == 1).mean()) if len(labels) else float("nan")
        return {
            "n": len(labels),
            **label_metrics(labels, polar_labels(probabilities), (NEGATIVE, POSITIVE)),
            "neutral_share": finite_or_none(neutral_share),
            "confusion": confusion,
        }
    is_polar = labels != 1
    polar_right = (probabilities[is_polar][:, POSITIVE] > probabilities[is_polar][:, NEGATIVE]) == (
        labels[is_polar] == POSITIVE
    )
    return {
        "n": len(labels),
        **label_metrics(labels, three_way, range(len(LABELS))),
        "polar_accuracy": finite_or_none(float(polar_right.mean())) if is_polar.any() else None,
        "confusion": confusion,
    }


def evaluate_ecommerce(classifier: Classifier, path: Path | None = None) -> dict[str, Any]:
    """Scores on the project's e-commerce acceptance set (three-way, polar, per trait)."""
    sentences = load_ecommerce_set(path)
    labels = np.asarray([LABELS.index(s.label) for s in sentences], dtype=int)
    probabilities = class_probabilities(classifier, [s.text for s in sentences])
    predicted = probabilities.argmax(axis=1)
    per_label = f1_scores(labels, predicted, range(len(LABELS)))
    is_polar = labels != 1
    polar = polar_labels(probabilities)
    traits: dict[str, dict[str, float | int | None]] = {}
    for trait in sorted({t for s in sentences for t in s.traits}):
        rows = np.asarray([trait in s.traits for s in sentences])
        traits[trait] = {
            "n": int(rows.sum()),
            "accuracy": finite_or_none(float((predicted[rows] == labels[rows]).mean())),
        }
    return {
        "n": len(sentences),
        "accuracy_3way": finite_or_none(float((predicted == labels).mean())),
        "macro_f1_3way": finite_or_none(float(np.mean(per_label))),
        "f1": dict(zip(LABELS, (finite_or_none(score) for score in per_label), strict=True)),
        "polar_n": int(is_polar.sum()),
        "polar_accuracy": finite_or_none(float((polar[is_polar] == labels[is_polar]).mean())),
        "traits": traits,
        "confusion": confusion_matrix(labels, predicted, range(len(LABELS))),
    }


def evaluate_handle(
    handle: ModelHandle,
    corpora: Sequence[Corpus],
    variants: Sequence[str],
    *,
    device: Device = "cpu",
    heldout_cap: int | None = None,
) -> dict[str, Any]:
    """Evaluate every requested variant on every held-out split and the acceptance set.

    ``heldout_cap`` evaluates the first examples of each split only (the splits are shuffled,
    so they are a random sample); ``n`` in each result says how many.

    Returns:
        ``{"heldout": {corpus: {variant: metrics}}, "ecommerce": {variant: metrics}}``.
    """
    heldout: dict[str, dict[str, Any]] = {corpus.name: {} for corpus in corpora}
    ecommerce: dict[str, Any] = {}
    for variant in variants:
        classifier = Classifier.load(handle, device=device, variant=variant)
        for corpus in corpora:
            metrics = evaluate_split(classifier, corpus, heldout_cap)
            heldout[corpus.name][variant] = {"lang": corpus.lang, "classes": corpus.classes,
                                             **metrics}  # fmt: skip
            log.info(
                "eval.split corpus=%s variant=%s n=%d accuracy=%s macro_f1=%s",
                corpus.name,
                variant,
                metrics["n"],
                metrics["accuracy"],
                metrics["macro_f1"],
            )
        ecommerce[variant] = evaluate_ecommerce(classifier)
        log.info(
            "eval.ecommerce variant=%s accuracy_3way=%s macro_f1_3way=%s polar_accuracy=%s",
            variant,
            ecommerce[variant]["accuracy_3way"],
            ecommerce[variant]["macro_f1_3way"],
            ecommerce[variant]["polar_accuracy"],
        )
    return {"heldout": heldout, "ecommerce": ecommerce}


def plot_evaluation(report: dict[str, Any], path: Path) -> Path:
    """Confusion matrices (true x predicted) per held-out split, variant and the acceptance set."""
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = [
        (f"{corpus} · {variant}", metrics, "accuracy", "macro_f1")
        for corpus, by_variant in report["heldout"].items()
        for variant, metrics in by_variant.items()
    ] + [
        (f"e-commerce set · {variant}", metrics, "accuracy_3way", "macro_f1_3way")
        for variant, metrics in report.get("ecommerce", {}).items()
    ]
    columns = max(1, min(4, len(cells)))
    rows = max(1, math.ceil(len(cells) / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(3.8 * columns, 3.2 * rows), squeeze=False)
    for axis in axes.flat[len(cells) :]:
        axis.axis("off")
    for axis, (title, metrics, accuracy, f1) in zip(axes.flat, cells, strict=False):
        matrix = np.asarray(metrics["confusion"], dtype=float)
        axis.imshow(matrix, cmap="Blues")
        for (i, j), value in np.ndenumerate(matrix):
            shade = "white" if value > matrix.max() / 2 else "black"
            axis.text(j, i, f"{int(value)}", ha="center", va="center", color=shade, fontsize=8)
        axis.set_xticks(range(len(LABELS)), LABELS, fontsize=7)
        truths = ["negative", "positive"] if len(matrix) == 2 else list(LABELS)
        axis.set_yticks(range(len(matrix)), truths, fontsize=7)
        axis.set_xlabel("predicted", fontsize=7)
        axis.set_ylabel("true", fontsize=7)
        axis.set_title(f"{title}\nacc {metrics[accuracy]} · F1 {metrics[f1]}", fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def write_report(report: dict[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.png`` into ``out_dir``."""
    json_path = write_json(report, out_dir / f"{stem}.json")
    png_path = plot_evaluation(report, out_dir / f"{stem}.png")
    log.info("eval.written json=%s png=%s", json_path, png_path)
    return json_path, png_path
