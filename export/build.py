"""Build the default models into the registry, skipping whatever is already up to date.

``sentiment`` is fine-tuned, exported, validated, calibrated and evaluated here
(:func:`build_sentiment`); ``reply`` and ``description`` come from
:func:`export.generator.build_generator`. A task is up to date when its manifest verifies
(every sha256 matches) and records the recipe hash the build would produce now: recipe knobs,
source weight hashes, corpus fingerprints, the code of the recipe modules and the toolchain
versions. The sentiment model is built by :mod:`export.sentiment_build` in a staging
directory and swapped in whole, so a failed build never leaves a half-written model behind.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from export.corpora import default_sources
from export.data import CorpusSource
from export.encoders import encoder_dir
from export.sentiment import SentimentRecipe, encoder_recipe, recipe_hash, source_dir
from export.sentiment_build import build_sentiment
from models.errors import ModelError
from models.manifest import Manifest
from models.registry import Registry
from streams.settings import DEFAULT_GENERATOR_MODEL, Settings

log = logging.getLogger(__name__)

SENTIMENT = "sentiment"
GENERATOR_TASKS = ("reply", "description")
ALL_TASKS = (SENTIMENT, *GENERATOR_TASKS)
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
    """Where the fine-tuned PyTorch sentiment checkpoint of the chosen encoder is kept.

    One per encoder, so building the other one for comparison does not throw away the
    default's training (benchmarks read it too).
    """
    return settings.home / "build" / SENTIMENT / settings.sentiment_encoder / "checkpoint"


def encoder_cache(settings: Settings) -> Path:
    """Where encoders that are not installed packages (MPNet) are fetched and unpacked."""
    return settings.home / "downloads" / "encoders"


def verified_manifest(registry: Registry, task: str) -> Manifest | None:
    """The task's manifest when every file matches it, else ``None`` (logged)."""
    if not registry.has(task):
        return None
    try:
        return registry.resolve(task, verify=True).manifest
    except ModelError as exc:
        log.warning("build.stale task=%s reason=%s", task, exc)
        return None


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
    model: str = DEFAULT_GENERATOR_MODEL,
    downloads: Path | None = None,
    force: bool = False,
    progress: bool = True,
) -> TaskResult:
    """Build ``reply`` or ``description`` through :mod:`export.generator`, reporting failures.

    Up to date when the task's manifest verifies and, if the generator module offers
    ``generator_recipe_hash(task, source, model)``, records that hash.
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
        if hasher is None or hasher(task, source, model) == current.recipe_hash:
            log.info("build.up_to_date task=%s version=%s", task, current.version)
            return TaskResult(task, "up-to-date", time.monotonic() - started, "", current)
    try:
        manifest = generator.build_generator(
            task,
            registry.task_dir(task),
            source=source,
            model=model,
            downloads=downloads,
            progress=progress,
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
        recipe: sentiment recipe (default: the schedule of ``settings.sentiment_encoder``).
        generator_source: Hugging Face directory for both generators; without it each task
            uses the catalogue model its setting names (``generation.reply_model``,
            ``generation.description_model``), downloads cached under ``home/downloads``.
        progress: show progress bars.

    Returns:
        One result per task, in order; failed generator tasks do not stop the others.
    """
    registry = Registry(settings.models_path)
    results: list[TaskResult] = []
    for task in tasks:
        if task == SENTIMENT:
            chosen = recipe or encoder_recipe(
                settings.sentiment_encoder,
                encoder_dir(settings.sentiment_encoder, encoder_cache(settings), progress=progress),
            )
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
            chosen_model = (
                settings.generation.reply_model
                if task == "reply"
                else settings.generation.description_model
            )
            results.append(
                build_generator_task(
                    registry,
                    task,
                    source=generator_source,
                    model=chosen_model,
                    downloads=settings.home / "downloads",
                    force=force,
                    progress=progress,
                )
            )
        else:
            msg = f"unknown task {task!r} (known: {', '.join(ALL_TASKS)})"
            raise ValueError(msg)
    return results
