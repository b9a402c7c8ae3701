"""``shopstream stack up|down|status`` and ``shopstream migrate``."""

from __future__ import annotations

import click

from streams.clickhouse.migrations import migrate
from streams.settings import Settings
from streams.tooling.stack.local import LocalStack, ServiceStatus
from streams.topics import ensure_topics


def _show(statuses: list[ServiceStatus]) -> None:
    for item in statuses:
        state = f"running pid={item.pid} rss={item.rss_mib:.0f}MiB" if item.running else "stopped"
        took = f" start={item.start_s:.2f}s" if item.start_s else ""
        version = f" version={item.version}" if item.version else ""
        log = f" log={item.log}" if item.log else ""
        click.echo(f"{item.name:<15} {item.address:<18} {state}{version}{took}{log}")


@click.group()
def stack() -> None:
    """The local Kafka broker and ClickHouse server (no Docker needed)."""


@stack.command()
@click.pass_obj
def up(settings: Settings) -> None:
    """Start both services (reusing running ones), create topics, apply migrations."""
    statuses = LocalStack(settings).up()
    created = ensure_topics(settings)
    applied = migrate(settings.clickhouse, settings.migrations_dir)
    _show(statuses)
    click.echo(f"topics created: {len(created)}; migrations applied: {applied or 'none pending'}")


@stack.command()
@click.pass_obj
def down(settings: Settings) -> None:
    """Stop both services."""
    stopped = LocalStack(settings).down()
    click.echo(f"stopped: {', '.join(stopped) or 'nothing was running'}")


@stack.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """Show PID, memory and address of each service."""
    _show(LocalStack(settings).status())


@click.command(name="migrate")
@click.pass_obj
def migrate_command(settings: Settings) -> None:
    """Apply pending ClickHouse migrations and create missing topics."""
    applied = migrate(settings.clickhouse, settings.migrations_dir)
    created = ensure_topics(settings)
    click.echo(f"migrations applied: {applied or 'none pending'}; topics created: {len(created)}")
