"""Package a fine-tuned sentiment checkpoint: export, validate, calibrate, evaluate, register.

:func:`build_sentiment` trains (or reuses the checkpoint whose :func:`training_key` still
matches), exports the fp32/int8/fp16 graphs through :func:`export.onnx_export.
export_classifier`, fits the temperature on the calibration splits (int8, as served),
evaluates the variants on the held-out splits and the e-commerce acceptance set and writes
the manifest with every corpus's size, origin and licence. Everything happens in
a staging directory that replaces the task directory only when it is complete. The
checkpoint stays under ``<home>/build/sentiment/<encoder>/checkpoint`` for benchmarks; its
``training_key.txt`` lets export-side changes rebuild in minutes instead of retraining.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from export.data import Corpus, CorpusSource, Example
from export.onnx_export import VARIANT_FILES, export_classifier, onnx_opset, package_versions
from export.sentiment import (
    HEAD_LABELS,
    LABELS,
    SentimentRecipe,
    calibrate,
    recipe_hash,
    source_dir,
    source_info,
    train,
)
from models.manifest import Manifest, describe_files, sha256_of, write_manifest
from models.registry import ModelHandle

log = logging.getLogger(__name__)

DEFAULT_VARIANT = {"cpu": "int8", "cuda": "fp16"}
RECIPE_HASH_FILE = "recipe_hash.txt"
TRAINING_KEY_FILE = "training_key.txt"
TRAINING_FILE = "training.json"
TRAINING_MODULES = ("export.data", "export.corpora", "export.sentiment", "export.vocab")
TRAINING_KNOBS = (
    "encoder", "mix", "steps", "batch_size", "micro_batches", "fill_vocab", "new_row_lr_scale",
    "train_max_length", "learning_rate", "warmup_ratio", "weight_decay", "seed",
)  # fmt: skip


def _parity_batches(corpora: Sequence[Corpus], size: int, count: int = 3) -> list[list[str]]:
    pool = [ex.text for group in zip(*(c.heldout for c in corpora), strict=False) for ex in group]
    if not pool:
        pool = [ex.text for c in corpora for ex in c.train]
    longest = " ".join(pool[:40])  # longer than any max_length: exercises truncation
    batches = [pool[i * size : (i + 1) * size] for i in range(count)]
    return [*(b for b in batches if b), pool[-1:], [longest, *pool[:6]]]


def _module_digest(module: str) -> str:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        msg = f"cannot locate the source of {module}"
        raise ModuleNotFoundError(msg)
    return sha256_of(Path(spec.origin))


def training_key(recipe: SentimentRecipe, sources: Sequence[CorpusSource]) -> str:
    """Hash of what the fine-tuned checkpoint depends on (a subset of the recipe hash).

    Export-side changes (quantisation, tolerances, calibration, evaluation) leave it alone,
    so rebuilding after them reuses the checkpoint instead of training again.
    """
    directory = source_dir(recipe)
    body = {
        "knobs": {name: getattr(recipe, name) for name in TRAINING_KNOBS},
        "weights": {
            str(path.relative_to(directory)): sha256_of(path)
            for path in sorted(directory.rglob("*"))
            if path.is_file() and not path.name.lower().startswith("readme")
        },
        "corpora": {source.name: source.fingerprint() for source in sources},
        "code": {module: _module_digest(module) for module in TRAINING_MODULES},
        "versions": {k: v for k, v in package_versions().items() if k in {"torch", "transformers"}},
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _train_or_reuse(
    recipe: SentimentRecipe,
    sources: Sequence[CorpusSource],
    corpora: Sequence[Corpus],
    checkpoint: Path,
    progress: bool,
) -> dict[str, Any]:
    key = training_key(recipe, sources)
    recorded = checkpoint / TRAINING_KEY_FILE
    weights = checkpoint / "model.safetensors"
    if recorded.is_file() and recorded.read_text().strip() == key and weights.is_file():
        facts = checkpoint / TRAINING_FILE
        training = json.loads(facts.read_text()) if facts.is_file() else {}
        log.info("build.reuse_checkpoint dir=%s training_key=%s", checkpoint, key[:12])
        return {**training, "reused_checkpoint": True}
    recorded.unlink(missing_ok=True)
    training = train(recipe, corpora, checkpoint, progress=progress)
    (checkpoint / TRAINING_FILE).write_text(json.dumps(training), encoding="utf-8")
    recorded.write_text(key, encoding="utf-8")
    return training


def _replace_dir(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _manifest(recipe: SentimentRecipe, staging: Path, **fields: Any) -> Manifest:
    upstream = str(source_info(recipe).get("upstream", ""))
    stem = upstream.rsplit("/", 1)[-1] or (recipe.source.name if recipe.source else "model")
    name = f"sentiment-{stem.lower()}"
    digest = str(fields.get("recipe_hash", ""))
    return Manifest(
        name=name,
        version=f"1.0.0+{digest[:12]}" if digest else "0.0.0",
        task="sentiment",
        kind="classifier",
        labels=list(LABELS),
        source=source_info(recipe),
        variants=dict(VARIANT_FILES),
        default_variant=dict(DEFAULT_VARIANT),
        files=describe_files(staging),
        versions=package_versions(),
        opset=onnx_opset(staging / VARIANT_FILES["fp32"]),
        **fields,
    )


def build_sentiment(
    out_dir: Path,
    recipe: SentimentRecipe,
    sources: Sequence[CorpusSource],
    *,
    checkpoint: Path,
    digest: str | None = None,
    progress: bool = True,
) -> Manifest:
    """Fine-tune, export, validate, calibrate, evaluate and register the sentiment model.

    Args:
        out_dir: the task directory (``<registry root>/sentiment``), replaced as a whole.
        recipe: training and export settings.
        sources: labelled corpora (training, calibration and held-out splits).
        checkpoint: where the fine-tuned PyTorch checkpoint goes.
        digest: the recipe hash, when the caller already computed it.
        progress: show progress bars.

    Raises:
        ExportValidationError: an ONNX variant does not reproduce PyTorch.
        CorpusUnavailableError: a corpus cannot be read or fetched.
    """
    digest = digest or recipe_hash(recipe, sources)
    started = time.monotonic()
    corpora = [source.load() for source in sources]
    training = _train_or_reuse(recipe, sources, corpora, checkpoint, progress)
    staging = out_dir.with_name(f".{out_dir.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        final = _package(recipe, corpora, sources, checkpoint, staging, digest, progress)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    seconds = round(time.monotonic() - started, 1)
    metrics = {**final.metrics, "training": training, "build_seconds": seconds}
    final = final.model_copy(update={"metrics": metrics})
    write_manifest(staging, final)
    _replace_dir(staging, out_dir)
    (checkpoint / RECIPE_HASH_FILE).write_text(digest, encoding="utf-8")
    log.info("build.built task=sentiment dir=%s version=%s", out_dir, final.version)
    return final


def calibration_sample(corpora: Sequence[Corpus], cap: int) -> list[Example]:
    """At most ``cap`` calibration examples, taken from every corpus in turn.

    Round-robin keeps a small corpus's share when a large one could fill the cap alone.
    """
    rows = itertools.zip_longest(*(corpus.calibration for corpus in corpora))
    taken = [example for row in rows for example in row if example is not None]
    return taken[:cap]


def corpus_facts(
    corpora: Sequence[Corpus], sources: Sequence[CorpusSource]
) -> dict[str, dict[str, Any]]:
    """What the manifest records of each corpus: language, classes, sizes, origin, licence."""
    return {
        corpus.name: {
            "lang": corpus.lang,
            "classes": corpus.classes,
            "train": len(corpus.train),
            "calibration": len(corpus.calibration),
            "heldout": len(corpus.heldout),
            "origin": source.origin,
            "licence": source.licence,
        }
        for corpus, source in zip(corpora, sources, strict=True)
    }


def _package(
    recipe: SentimentRecipe,
    corpora: Sequence[Corpus],
    sources: Sequence[CorpusSource],
    checkpoint: Path,
    staging: Path,
    digest: str,
    progress: bool,
) -> Manifest:
    """Export, validate, calibrate and evaluate into ``staging``; the manifest is not written."""
    from export.evaluate import evaluate_handle, finite_or_none
    from models.classifier import Classifier

    calibration_set = calibration_sample(corpora, recipe.calibration_cap)
    exported = export_classifier(
        checkpoint,
        staging,
        _parity_batches(corpora, recipe.parity_texts),
        max_length=recipe.max_length,
        calibration_texts=[ex.text for ex in calibration_set],
        opset=recipe.opset,
        progress=progress,
    )
    config: dict[str, Any] = {
        "max_length": recipe.max_length,
        "head_labels": list(HEAD_LABELS),
        "label_mapping": {str(i): label for i, label in enumerate(HEAD_LABELS)},
        "batch_size": 64,
        "train_max_length": recipe.train_max_length,
    }
    draft = ModelHandle(staging, _manifest(recipe, staging, config=config))
    logits = Classifier.load(draft, device="cpu", variant="int8").logits(
        [ex.text for ex in calibration_set]
    )
    fitted = calibrate(logits, np.asarray([ex.label for ex in calibration_set]))
    config |= {
        "temperature": fitted.temperature,
        "calibration": {
            "variant": "int8",
            "nll_before": round(fitted.nll_before, 4),
            "nll_after": round(fitted.nll_after, 4),
            "accuracy": finite_or_none(fitted.accuracy),
            "examples": fitted.examples,
        },
    }
    calibrated = ModelHandle(staging, _manifest(recipe, staging, config=config))
    evaluation = evaluate_handle(
        calibrated, corpora, recipe.eval_variants, device="cpu", heldout_cap=recipe.eval_cap
    )
    metrics = {
        **evaluation,
        "corpora": corpus_facts(corpora, sources),
        "parity": {variant: report.as_dict() for variant, report in exported.parity.items()},
        "int8_smoothing": exported.smoothing.as_dict() if exported.smoothing else None,
    }
    return _manifest(recipe, staging, config=config, metrics=metrics, recipe_hash=digest)
