"""``shopstream worker``, ``shopstream replay`` and ``shopstream demo``."""

from __future__ import annotations

import os
import sys

import click

from streams.cli import logs
from streams.errors import ShopstreamError
from streams.settings import Settings
from streams.tooling.replay import replay
from streams.tooling.sample_data import Kind


@click.command()
@click.option(
    "--tasks",
    default="sentiment,alerts",
    show_default=True,
    help=(
        "Comma-separated agents: sentiment, alerts, products, replies. Run generation "
        "(products,replies) in workers with their own SHOPSTREAM_APP_ID (consumer group)."
    ),
)
@click.option(
    "--supervise/--no-supervise",
    default=True,
    show_default=True,
    help="Run the worker in a child process, restarted whenever it exits abnormally.",
)
@click.option(
    "--supervisor-pid",
    type=int,
    default=None,
    hidden=True,
    help="Set by the supervisor: the worker stops when this process is no longer its parent.",
)
@click.pass_obj
def worker(settings: Settings, tasks: str, supervise: bool, supervisor_pid: int | None) -> None:
    """Run a stream worker (joins the consumer group; scale by starting more)."""
    logs.configure(settings.worker_log_level)
    if supervise:
        # The supervising parent only starts and restarts the worker: it loads nothing else.
        from streams.runtime.supervisor import supervise as run_supervised

        worker_args = ["--tasks", tasks, "--supervisor-pid", str(os.getpid())]
        sys.exit(run_supervised(worker_args, settings.supervision))
    from streams.app import build
    from streams.clickhouse.event_times import stored_event_times
    from streams.clickhouse.migrations import migrate
    from streams.runtime.lifecycle import Lifecycle, exit_now, run_worker
    from streams.topics import ensure_topics

    lifecycle = Lifecycle(settings.supervision, supervisor_pid=supervisor_pid)
    if lifecycle.orphaned():  # the supervisor died while this process was starting
        sys.exit(1)
    ensure_topics(settings)
    migrate(settings.clickhouse, settings.migrations_dir)
    event_times = stored_event_times(settings.clickhouse)
    names = [t.strip() for t in tasks.split(",") if t.strip()]
    app, pipeline = build(settings, names, lifecycle, event_times)
    try:
        code = run_worker(app, lifecycle, settings.worker_log_level)
    finally:
        pipeline.clickhouse.close()
    exit_now(code)


@click.command(name="replay")
@click.option(
    "--kind", type=click.Choice(["review", "chat", "product"]), default="review", show_default=True
)
@click.option("--count", type=int, default=1000, show_default=True)
@click.option("--rate", type=float, default=0.0, help="Events per second (0: as fast as possible).")
@click.option("--malformed-share", type=float, default=0.0, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.pass_obj
def replay_command(
    settings: Settings, kind: Kind, count: int, rate: float, malformed_share: float, seed: int
) -> None:
    """Produce sample events into an input topic."""
    if not 0.0 <= malformed_share <= 1.0:
        raise click.BadParameter("must be between 0 and 1", param_hint="--malformed-share")
    report = replay(settings, kind, count, rate=rate, malformed_share=malformed_share, seed=seed)
    click.echo(
        f"produced {report.produced} to {report.topic} ({report.malformed} malformed) "
        f"in {report.seconds:.2f}s"
    )


@click.command()
@click.option("--reviews", type=int, default=2000, show_default=True)
@click.option("--chats", type=int, default=12, show_default=True)
@click.option("--products", type=int, default=6, show_default=True)
@click.option("--timeout", type=float, default=600.0, show_default=True)
@click.pass_obj
def demo(settings: Settings, reviews: int, chats: int, products: int, timeout: float) -> None:
    """The main job on local defaults: stack, models, worker, sample traffic, summary."""
    from streams.tooling.demo import run_demo

    try:
        summary = run_demo(
            settings,
            reviews=reviews,
            timeout_s=timeout,
            echo=click.echo,
            chats=chats,
            products=products,
        )
    except ShopstreamError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary)
