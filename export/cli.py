"""``shopstream models …``: build, verify, evaluate and benchmark the registry's models.

The group takes the :class:`~streams.settings.Settings` from the click context when the main
CLI put one there (``ctx.obj`` or any parent object), and builds one otherwise.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any, Literal

import click

from export.build import ALL_TASKS, SENTIMENT, build_defaults, checkpoint_dir, encoder_cache
from export.encoders import ENCODER_NAMES, encoder_dir
from export.sentiment import SentimentRecipe, encoder_recipe
from models.errors import ModelError
from models.registry import Registry
from streams.settings import Settings

log = logging.getLogger(__name__)

DirectoryPath = click.Path(exists=True, file_okay=False, path_type=Path)


def _settings(ctx: click.Context) -> Settings:
    found = ctx.find_object(Settings)
    return found if found is not None else Settings()


def _reports_dir(settings: Settings, out: Path | None) -> Path:
    return out if out is not None else settings.home / "reports"


@click.group(name="models")
def models() -> None:
    """Build, verify, evaluate and benchmark the models of the registry."""


@models.command()
@click.option("--force", is_flag=True, help="Rebuild even when the recipe is unchanged.")
@click.option(
    "--task", "tasks", multiple=True, type=click.Choice(ALL_TASKS), help="Only these tasks."
)
@click.option("--source", type=DirectoryPath, help="HF model directory to fine-tune (sentiment).")
@click.option(
    "--encoder",
    type=click.Choice(ENCODER_NAMES),
    help="Named sentiment encoder (default: the sentiment_encoder setting).",
)
@click.option("--generator-source", type=DirectoryPath, help="HF causal-LM directory (generators).")
@click.option("--steps", type=click.IntRange(1), help="Sentiment training steps.")
@click.option("--batch-size", type=click.IntRange(1), help="Sentiment training batch size.")
@click.option("--max-length", type=click.IntRange(8), help="Sentiment inference token cap.")
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
@click.pass_context
def build(
    ctx: click.Context,
    force: bool,
    tasks: tuple[str, ...],
    source: Path | None,
    encoder: str | None,
    generator_source: Path | None,
    steps: int | None,
    batch_size: int | None,
    max_length: int | None,
    progress: bool,
) -> None:
    """Build the default models (sentiment, reply, description) that are missing or stale."""
    settings = _settings(ctx)
    if encoder is not None:
        settings = settings.model_copy(update={"sentiment_encoder": encoder})
    knobs = {"steps": steps, "batch_size": batch_size, "max_length": max_length}
    overrides: dict[str, Any] = {k: v for k, v in knobs.items() if v is not None}
    recipe: SentimentRecipe | None = None
    if source is not None:
        recipe = SentimentRecipe(source=source, encoder=None, **overrides)
    elif overrides:
        name = settings.sentiment_encoder
        directory = encoder_dir(name, encoder_cache(settings), progress=progress)
        recipe = encoder_recipe(name, directory, **overrides)
    started = time.monotonic()
    results = build_defaults(
        settings,
        force,
        tasks=tasks or ALL_TASKS,
        recipe=recipe,
        generator_source=generator_source,
        progress=progress,
    )
    for result in results:
        version = result.manifest.version if result.manifest else "-"
        line = f"{result.task:<12} {result.status:<10} {result.seconds:7.1f}s  {version}"
        click.echo(line + (f"  {result.message}" if result.message else ""))
    click.echo(f"registry: {settings.models_path}  ({time.monotonic() - started:.1f}s)")
    if any(result.status == "failed" for result in results):
        sys.exit(1)


@models.command()
@click.option("--task", "tasks", multiple=True, type=click.Choice(ALL_TASKS))
@click.pass_context
def verify(ctx: click.Context, tasks: tuple[str, ...]) -> None:
    """Check every file's sha256 against its manifest; smoke-run the sentiment model."""
    registry = Registry(_settings(ctx).models_path)
    failed = False
    for task in tasks or ALL_TASKS:
        try:
            handle = registry.resolve(task, verify=True)
        except ModelError as exc:
            click.echo(f"{task:<12} FAILED  {exc}")
            failed = True
            continue
        manifest = handle.manifest
        detail = f"{len(manifest.files)} files verified"
        if task == SENTIMENT:
            from models.classifier import Classifier

            classifier = Classifier.load(handle, device=_settings(ctx).device)
            [prediction] = classifier.predict(["Great product, fast delivery."])
            detail += f"; {classifier.variant} on {classifier.provider} → {prediction.label}"
        click.echo(f"{task:<12} ok      {manifest.name} {manifest.version}; {detail}")
    if failed:
        sys.exit(1)


@models.command(name="eval")
@click.option(
    "--task",
    type=click.Choice(["sentiment", "reply", "description"]),
    default="sentiment",
    show_default=True,
    help="sentiment: held-out accuracy; reply/description: the generation evaluation set.",
)
@click.option("--variant", "variants", multiple=True, type=click.Choice(["fp32", "int8", "fp16"]))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Report folder.")
@click.pass_context
def eval_command(
    ctx: click.Context, task: str, variants: tuple[str, ...], out: Path | None
) -> None:
    """Evaluate a task's model and write a report (JSON + PNG).

    sentiment: accuracy and macro-F1 per held-out split. reply / description: the project's
    evaluation set (export/evalsets) through the offline generation path: grounded answers,
    unsupported claims published, PII stored, prompt leaks, language match, intent accuracy,
    fallback and model-written shares, latency, and BLEU / ROUGE-L / METEOR for descriptions.
    """
    settings = _settings(ctx)
    if task in ("reply", "description"):
        _eval_generation(settings, task, _reports_dir(settings, out))
        return
    from export.corpora import default_sources
    from export.evaluate import evaluate_handle, write_report

    handle = Registry(settings.models_path).resolve(SENTIMENT)
    corpora = [source.load() for source in default_sources(settings.home / "data")]
    report = evaluate_handle(handle, corpora, variants or ("int8",), device="cpu")
    report["model"] = {"name": handle.manifest.name, "version": handle.manifest.version}
    report["config"] = {"temperature": handle.manifest.config.get("temperature")}
    json_path, png_path = write_report(report, _reports_dir(settings, out), "sentiment-eval")
    for corpus, by_variant in report["heldout"].items():
        for variant, metrics in by_variant.items():
            click.echo(
                f"{corpus:<18} {variant:<5} n={metrics['n']:<5} accuracy={metrics['accuracy']} "
                f"macro_f1={metrics['macro_f1']} classes={metrics['classes']}"
            )
    for variant, metrics in report["ecommerce"].items():
        click.echo(
            f"{'e-commerce set':<18} {variant:<5} n={metrics['n']:<5} "
            f"accuracy_3way={metrics['accuracy_3way']} macro_f1_3way={metrics['macro_f1_3way']} "
            f"polar_accuracy={metrics['polar_accuracy']}"
        )
    click.echo(f"wrote {json_path} and {png_path}")


def _eval_generation(settings: Settings, task: str, out: Path) -> None:
    from export.eval_published import evaluate
    from export.eval_runner import offline_runner

    generation_task: Literal["reply", "description"] = "reply" if task == "reply" else "description"
    runner = offline_runner(settings, generation_task)
    report = evaluate(generation_task, runner, out_dir=out, policies=settings.policies)
    for name, check in report["checks"].items():
        mark = "ok  " if check["passed"] else "FAIL"
        click.echo(f"{mark} {name:<34} {check['value']}  (target {check['target']})")
    click.echo(f"wrote {out}/eval_published_{task}.json and .png")


@models.command()
@click.option("--batch-sizes", default="1,8,32,64", show_default=True, help="Comma-separated.")
@click.option("--seconds", type=click.FloatRange(0.1), default=2.0, show_default=True,
              help="Time budget per backend and batch size.")  # fmt: skip
@click.option("--threads", type=click.IntRange(0), default=0, help="Intra-op threads (0: all).")
@click.option("--checkpoint", type=DirectoryPath, help="PyTorch checkpoint (default: build's).")
@click.option("--no-torch", is_flag=True, help="Measure ONNX Runtime only.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Report folder.")
@click.pass_context
def bench(
    ctx: click.Context,
    batch_sizes: str,
    seconds: float,
    threads: int,
    checkpoint: Path | None,
    no_torch: bool,
    out: Path | None,
) -> None:
    """Throughput/latency of ORT fp32 and int8 vs PyTorch eager on the same inputs."""
    from export.bench_classifier import BenchConfig, run_bench, write_bench
    from export.data import ECOMMERCE_SANITY, RottenTomatoes

    settings = _settings(ctx)
    handle = Registry(settings.models_path).resolve(SENTIMENT)
    sizes = tuple(int(part) for part in batch_sizes.split(",") if part.strip())
    config = BenchConfig(
        batch_sizes=sizes, seconds=seconds, threads=threads, device=settings.device
    )
    torch_dir = None if no_torch else (checkpoint or checkpoint_dir(settings))
    if torch_dir is not None and not (torch_dir / "config.json").is_file():
        raise click.UsageError(f"no PyTorch checkpoint at {torch_dir} (use --no-torch)")
    texts = [ex.text for ex in RottenTomatoes().load().heldout] + [t for t, _ in ECOMMERCE_SANITY]
    report = run_bench(handle, torch_dir, texts, config)
    json_path, png_path = write_bench(report, _reports_dir(settings, out), "sentiment-bench")
    for name, by_size in report["results"].items():
        row = "  ".join(f"b{size}={row['items_per_s']:.0f}/s" for size, row in by_size.items())
        click.echo(f"{name:<14} {row}")
    for name, by_size in report["ratios"].items():
        click.echo(f"{name:<28} " + "  ".join(f"b{s}={r:.2f}x" for s, r in by_size.items()))
    for note in report["notes"]:
        click.echo(f"note: {note}")
    click.echo(f"wrote {json_path} and {png_path}")


@models.command(name="explain")
@click.argument("text")
@click.option(
    "--occlusion",
    type=click.Choice(["remove", "mask"]),
    default="remove",
    show_default=True,
    help="Take each token out, or put the mask token in its place.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the attributions as JSON.")
@click.pass_context
def explain_command(ctx: click.Context, text: str, occlusion: str, as_json: bool) -> None:
    """Per-token attributions of the sentiment model for one review (occlusion)."""
    from models.classifier import Classifier
    from streams.explain import explain

    settings = _settings(ctx)
    handle = Registry(settings.models_path).resolve(SENTIMENT)
    classifier = Classifier.load(handle, device=settings.device)
    try:
        result = explain(
            classifier,
            text,
            "mask" if occlusion == "mask" else "remove",
            mask=classifier.mask_token or "[MASK]",
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(result.to_json() if as_json else result.table())
