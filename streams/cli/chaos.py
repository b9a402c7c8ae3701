"""``shopstream chaos``: the fault harness on the local stack (JSON and a PNG timeline)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from streams.settings import Settings


def _scenario_names() -> list[str]:
    from streams.tooling.chaos.scenarios import SCENARIOS

    return list(SCENARIOS)


@click.command(name="chaos")
@click.option(
    "--scenario",
    "names",
    multiple=True,
    type=click.Choice(_scenario_names()),
    help="Scenario to run (repeatable); all of them when none is given.",
)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--reviews", type=int, default=3000, show_default=True, help="Per review scenario.")
@click.option("--rate", type=float, default=60.0, show_default=True, help="Events per second.")
@click.option("--workers", type=int, default=3, show_default=True, help="In the kill storm.")
@click.option("--kills", type=int, default=9, show_default=True, help="In the kill storm.")
@click.option("--broker-outage-s", type=float, default=20.0, show_default=True)
@click.option("--clickhouse-outage-s", type=float, default=60.0, show_default=True)
@click.option("--fuzz-malformed", type=int, default=1000, show_default=True)
@click.option("--fuzz-valid", type=int, default=1000, show_default=True)
@click.option("--chats", type=int, default=12, show_default=True)
@click.option("--updates", type=int, default=8, show_default=True)
@click.option(
    "--first-port", type=int, default=36066, show_default=True, help="Workers' web ports."
)
@click.option("--timeout", type=float, default=600.0, show_default=True, help="Bound per wait.")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("out/chaos"), show_default=True
)
@click.pass_obj
def chaos_command(
    settings: Settings,
    names: tuple[str, ...],
    seed: int,
    reviews: int,
    rate: float,
    workers: int,
    kills: int,
    broker_outage_s: float,
    clickhouse_outage_s: float,
    fuzz_malformed: int,
    fuzz_valid: int,
    chats: int,
    updates: int,
    first_port: int,
    timeout: float,
    out: Path,
) -> None:
    """Inject faults into real workers on the local stack; count lost, doubled and stalled.

    The broker and ClickHouse scenarios restart the stack's services: point SHOPSTREAM_HOME
    and the stack ports at a stack of your own, not one that others use.
    """
    from streams.tooling.chaos.harness import run
    from streams.tooling.chaos.report import table
    from streams.tooling.chaos.scenarios import ChaosOptions

    options = ChaosOptions(
        seed=seed, reviews=reviews, rate=rate, workers=workers, storm_kills=kills,
        broker_outage_s=broker_outage_s, clickhouse_outage_s=clickhouse_outage_s,
        fuzz_malformed=fuzz_malformed, fuzz_valid=fuzz_valid, chats=chats, updates=updates,
        first_port=first_port, timeout_s=timeout,
    )  # fmt: skip
    doc = run(settings, list(names) or _scenario_names(), options, out)
    click.echo(table(doc))
    click.echo(json.dumps({"passed": doc["passed"], "problems": {
        r["name"]: r["problems"] for r in doc["scenarios"]}}, indent=2))  # fmt: skip
    click.echo(f"wrote {out / 'chaos.json'} and {out / 'chaos.png'}")
