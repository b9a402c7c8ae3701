"""``shopstream bench pipeline``: throughput and latency of the running pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import click

from streams.settings import Settings


@click.group()
def bench() -> None:
    """Benchmarks that write JSON (and a PNG plot)."""


@bench.command()
@click.option("--events", type=int, default=4000, show_default=True)
@click.option("--latency-seconds", type=float, default=15.0, show_default=True)
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("out/bench"), show_default=True
)
@click.pass_obj
def pipeline(settings: Settings, events: int, latency_seconds: float, out: Path) -> None:
    """Bare model vs end-to-end throughput, and latency at 50% / 90% of capacity."""
    from streams.reports import write_json
    from streams.tooling.benchmark import plot, run_pipeline_benchmark
    from streams.tooling.stack.local import LocalStack

    LocalStack(settings).up()
    result = run_pipeline_benchmark(settings, events=events, latency_s=latency_seconds)
    write_json(result, out / "pipeline.json")
    plot(result, out / "pipeline.png")
    click.echo(json.dumps(result, indent=2))
    click.echo(f"wrote {out / 'pipeline.json'} and {out / 'pipeline.png'}")
