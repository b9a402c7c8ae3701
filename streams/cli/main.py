"""Entry point of the ``shopstream`` command."""

from __future__ import annotations

import click

from streams.cli import logs
from streams.cli.audit import audit
from streams.cli.bench import bench
from streams.cli.chaos import chaos_command
from streams.cli.console import console_command
from streams.cli.generate import generate_command
from streams.cli.run import demo, replay_command, worker
from streams.cli.stack import migrate_command, stack
from streams.errors import ShopstreamError
from streams.settings import Settings


class _Group(click.Group):
    """Turns shopstream errors into one clear line and exit code 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ShopstreamError as exc:
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from exc


@click.group(cls=_Group)
@click.option("--log-level", default="warning", show_default=True, help="Logging level.")
@click.pass_context
def cli(ctx: click.Context, log_level: str) -> None:
    """shopstream: real-time AI over e-commerce event streams."""
    logs.configure(log_level)
    ctx.obj = Settings()


cli.add_command(stack)
cli.add_command(migrate_command)
cli.add_command(worker)
cli.add_command(replay_command)
cli.add_command(demo)
cli.add_command(bench)
cli.add_command(audit)
cli.add_command(console_command)
cli.add_command(generate_command)
cli.add_command(chaos_command)


def _add_models_group() -> None:
    try:
        from export.cli import models
    except ModuleNotFoundError as exc:  # pragma: no cover - only while export/ is incomplete
        if exc.name != "export.cli":
            raise
        return
    cli.add_command(models)


_add_models_group()
