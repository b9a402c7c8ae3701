"""Build the default models into the registry, skipping whatever is already up to date.

``sentiment`` is fine-tuned, exported, validated, calibrated and evaluated here
(:func:`build_sentiment`); ``reply`` and ``description`` come from
:func:`export.generator.build_generator`. A task is up to date when its manifest verifies
(every sha256 matches) and records the recipe hash the build would produce now: recipe knobs,
source weight hashes, corpus fingerprints, the code of the recipe modules and the toolchain
versions. The sentiment model is built in a staging directory and swapped in whole, so a
failed build never leaves a half-written model behind.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np

from export.data import Corpus, CorpusSource, default_sources
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
from models.errors import ModelError
from models.manifest import Manifest, describe_files, sha256_of, write_manifest
from models.registry import ModelHandle, Registry
from streams.settings import Settings

log = logging.getLogger(__name__)

SENTIMENT = "sentiment"
GENERATOR_TASKS = ("reply", "description")
ALL_TASKS = (SENTIMENT, *GENERATOR_TASKS)
DEFAULT_VARIANT = {"cpu": "int8", "cuda": "fp16"}
RECIPE_HASH_FILE = "recipe_hash.txt"
TRAINING_KEY_FILE = "training_key.txt"
TRAINING_FILE = "training.json"
TRAINING_MODULES = ("export.data", "export.sentiment", "export.vocab")
TRAINING_KNOBS = (
    "steps",
    "batch_size",
    "micro_batches",
    "fill_vocab",
    "new_row_lr_scale",
    "train_max_length",
    "learning_rate",
    "warmup_ratio",
    "weight_decay",
    "seed",
)
Status = Literal["built", "up-to-date", "failed"]


@dataclass(frozen=True)
class TaskResult:
    """What building one task did."""

    task: str
    status: Status
    seconds: float
    message: str = ""
    manifest: Manifest | None = None


def checkpoint_dir(settings: Settings) -> Path:
    """Where the fine-tuned PyTorch sentiment checkpoint is kept (for benchmarks)."""
    return settings.home / "build" / SENTIMENT / "checkpoint"


def verified_manifest(registry: Registry, task: str) -> Manifest | None:
    """The task's manifest when every file matches it, else ``None`` (logged)."""
    if not registry.has(task):
        return None
    try:
        return registry.resolve(task, verify=True).manifest
    except ModelError as exc:
        log.warning("build.stale task=%s reason=%s", task, exc)
        return None


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
    name = (
        "sentiment-"
        + (recipe.source.name if recipe.source is not None else "all-minilm-l6-v2").lower()
    )
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
        final = _package(recipe, corpora, checkpoint, staging, digest, progress)
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


def _package(
    recipe: SentimentRecipe,
    corpora: Sequence[Corpus],
    checkpoint: Path,
    staging: Path,
    digest: str,
    progress: bool,
) -> Manifest:
    """Export, validate, calibrate and evaluate into ``staging``; the manifest is not written."""
    from export.evaluate import evaluate_handle, finite_or_none
    from models.classifier import Classifier

    parity = export_classifier(
        checkpoint,
        staging,
        _parity_batches(corpora, recipe.parity_texts),
        max_length=recipe.max_length,
        opset=recipe.opset,
        progress=progress,
    )
    config: dict[str, Any] = {
        "max_length": recipe.max_length,
        "head_labels": list(HEAD_LABELS),
        "label_mapping": {str(i): label for i, label in enumerate(HEAD_LABELS)},
        "positive_label": "positive",
        "neutral_label": "neutral",
        "batch_size": 64,
    }
    draft = ModelHandle(staging, _manifest(recipe, staging, config=config))
    calibration_set = [ex for corpus in corpora for ex in corpus.calibration]
    logits = Classifier.load(draft, device="cpu", variant="fp32").logits(
        [ex.text for ex in calibration_set]
    )
    fitted = calibrate(logits, np.asarray([ex.label for ex in calibration_set]), recipe)
    config |= {
        "temperature": fitted.temperature,
        "neutral_band": list(fitted.neutral_band),
        "neutral_rule": "neutral when lo <= P(positive) <= hi after temperature scaling",
        "calibration": {
            "target_precision": recipe.target_precision,
            "neutral_share": round(fitted.neutral_share, 4),
            "confident_precision": finite_or_none(fitted.confident_precision),
            "nll_before": round(fitted.nll_before, 4),
            "nll_after": round(fitted.nll_after, 4),
            "examples": fitted.examples,
        },
        "train_max_length": recipe.train_max_length,
    }
    calibrated = ModelHandle(staging, _manifest(recipe, staging, config=config))
    evaluation = evaluate_handle(calibrated, corpora, recipe.eval_variants, device="cpu")
    for by_variant in evaluation["sanity"].values():
        by_variant.pop("predicted", None)
    metrics = {
        **evaluation,
        "parity": {variant: report.as_dict() for variant, report in parity.items()},
    }
    return _manifest(recipe, staging, config=config, metrics=metrics, recipe_hash=digest)


def build_sentiment_cached(
    registry: Registry,
    recipe: SentimentRecipe,
    sources: Sequence[CorpusSource],
    *,
    checkpoint: Path,
    force: bool = False,
    progress: bool = True,
) -> TaskResult:
    """Build the sentiment model unless the registry already holds this exact recipe."""
    started = time.monotonic()
    digest = recipe_hash(recipe, sources)
    current = None if force else verified_manifest(registry, SENTIMENT)
    if current is not None and current.recipe_hash == digest:
        log.info("build.up_to_date task=sentiment version=%s", current.version)
        return TaskResult(SENTIMENT, "up-to-date", time.monotonic() - started, "", current)
    manifest = build_sentiment(
        registry.task_dir(SENTIMENT),
        recipe,
        sources,
        checkpoint=checkpoint,
        digest=digest,
        progress=progress,
    )
    return TaskResult(SENTIMENT, "built", time.monotonic() - started, "", manifest)


def build_generator_task(
    registry: Registry,
    task: str,
    *,
    source: Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> TaskResult:
    """Build ``reply`` or ``description`` through :mod:`export.generator`, reporting failures.

    Up to date when the task's manifest verifies and, if the generator module offers
    ``generator_recipe_hash(task, source)``, records that hash.
    """
    started = time.monotonic()
    try:
        generator = importlib.import_module("export.generator")
    except ImportError as exc:
        message = f"export.generator is not available ({exc}); {task} was not built"
        log.error("build.failed task=%s reason=%s", task, message)
        return TaskResult(task, "failed", time.monotonic() - started, message)
    current = None if force else verified_manifest(registry, task)
    if current is not None:
        hasher = getattr(generator, "generator_recipe_hash", None)
        if hasher is None or hasher(task, source) == current.recipe_hash:
            log.info("build.up_to_date task=%s version=%s", task, current.version)
            return TaskResult(task, "up-to-date", time.monotonic() - started, "", current)
    try:
        manifest = generator.build_generator(
            task, registry.task_dir(task), source=source, progress=progress
        )
    except NotImplementedError as exc:
        message = f"the {task} generator export is not implemented yet ({exc})"
        log.error("build.failed task=%s reason=%s", task, message)
        return TaskResult(task, "failed", time.monotonic() - started, message)
    except Exception as exc:  # one task failing must not hide the others' results
        log.exception("build.failed task=%s", task)
        return TaskResult(
            task, "failed", time.monotonic() - started, f"{type(exc).__name__}: {exc}"
        )
    return TaskResult(task, "built", time.monotonic() - started, "", manifest)


def build_defaults(
    settings: Settings,
    force: bool = False,
    *,
    tasks: Sequence[str] = ALL_TASKS,
    recipe: SentimentRecipe | None = None,
    generator_source: Path | None = None,
    progress: bool = True,
) -> list[TaskResult]:
    """Build every default model that is missing or out of date.

    Args:
        settings: gives the registry root (``models_path``) and the data cache (``home``).
        force: rebuild even when up to date.
        tasks: which tasks to build.
        recipe: sentiment recipe (default: :class:`SentimentRecipe`).
        generator_source: Hugging Face directory for the generators (default: SmolLM2).
        progress: show progress bars.

    Returns:
        One result per task, in order; failed generator tasks do not stop the others.
    """
    registry = Registry(settings.models_path)
    results: list[TaskResult] = []
    for task in tasks:
        if task == SENTIMENT:
            chosen = recipe or SentimentRecipe()
            if chosen.source is not None:
                chosen = replace(chosen, source=source_dir(chosen).resolve())
            results.append(
                build_sentiment_cached(
                    registry,
                    chosen,
                    default_sources(settings.home / "data"),
                    checkpoint=checkpoint_dir(settings),
                    force=force,
                    progress=progress,
                )
            )
        elif task in GENERATOR_TASKS:
            results.append(
                build_generator_task(
                    registry, task, source=generator_source, force=force, progress=progress
                )
            )
        else:
            msg = f"unknown task {task!r} (known: {', '.join(ALL_TASKS)})"
            raise ValueError(msg)
    return results
