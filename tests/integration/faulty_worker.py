"""The real worker plus agents that fail on purpose: a crash and a hang without a test hook.

``python -m tests.integration.faulty_worker --tasks ... [--crash-topic T --crash-once FILE]
[--hold-topic H --hold-once FILE]`` runs exactly what ``shopstream worker`` runs (supervisor,
app, agents, lifecycle), with up to two more agents:

* on ``T``, an agent that raises the first time it sees an event (and writes its ``FILE``), so
  the event that crashed it is processed normally after the restart;
* on ``H``, an agent that never finishes the first event it sees (and writes its ``FILE``): an
  in-flight batch stuck on a dependency that does not answer.

Production code has no fault switch: an agent body that raises, or awaits forever, is what a
bug or a hung call in any agent looks like.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import faust
from confluent_kafka.admin import AdminClient, NewTopic

from streams.app import build
from streams.cli import logs
from streams.clickhouse.event_times import stored_event_times
from streams.clickhouse.migrations import migrate
from streams.kafka_config import confluent_config
from streams.runtime.lifecycle import Lifecycle, run_worker
from streams.runtime.supervisor import supervise
from streams.settings import Settings
from streams.topics import ensure_topics

CRASHING_AGENT = "tests.crashing"
HOLDING_AGENT = "tests.holding"


def create_fault_topic(settings: Settings, name: str) -> None:
    """Create the faulty agent's one-partition topic (the sandbox deletes it with the rest)."""
    admin = AdminClient(confluent_config(settings.kafka))
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
    for future in futures.values():
        future.result(timeout=30)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-supervise", action="store_true")
    parser.add_argument("--supervisor-pid", type=int, default=None)
    parser.add_argument("--tasks", default="alerts")
    parser.add_argument("--crash-topic")
    parser.add_argument("--crash-once", type=Path)
    parser.add_argument("--hold-topic")
    parser.add_argument("--hold-once", type=Path)
    return parser.parse_args(argv)


def _passed_on(args: argparse.Namespace) -> list[str]:
    out = ["--tasks", args.tasks]
    for name in ("crash_topic", "crash_once", "hold_topic", "hold_once"):
        value = getattr(args, name)
        if value is not None:
            out += [f"--{name.replace('_', '-')}", str(value)]
    return out


def _first_time(marker: Path) -> bool:
    """True once per marker file (it survives the worker's restart)."""
    if marker.exists():
        return False
    marker.write_text("seen\n")
    return True


def _add_faulty_agents(app: faust.App, args: argparse.Namespace) -> None:
    if args.crash_topic and args.crash_once:
        crash_once: Path = args.crash_once

        async def crashing(stream: faust.StreamT[Any]) -> None:
            async for _ in stream:
                if _first_time(crash_once):
                    msg = "injected agent failure"
                    raise RuntimeError(msg)

        topic = app.topic(args.crash_topic, key_serializer="raw", value_serializer="raw")
        app.agent(topic, name=CRASHING_AGENT)(crashing)
    if args.hold_topic and args.hold_once:
        hold_once: Path = args.hold_once

        async def holding(stream: faust.StreamT[Any]) -> None:
            async for _ in stream:
                if _first_time(hold_once):
                    await asyncio.Event().wait()  # nothing ever sets it

        topic = app.topic(args.hold_topic, key_serializer="raw", value_serializer="raw")
        app.agent(topic, name=HOLDING_AGENT)(holding)


def main(argv: list[str]) -> int:
    """Supervise a faulty worker, or (with ``--no-supervise``) be one."""
    args = _arguments(argv)
    settings = Settings()
    logs.configure(settings.worker_log_level)
    if not args.no_supervise:
        command = [sys.executable, "-m", "tests.integration.faulty_worker", "--no-supervise"]
        worker_args = [*_passed_on(args), "--supervisor-pid", str(os.getpid())]
        return supervise(worker_args, settings.supervision, command=command)
    lifecycle = Lifecycle(settings.supervision, supervisor_pid=args.supervisor_pid)
    ensure_topics(settings)
    migrate(settings.clickhouse, settings.migrations_dir)
    event_times = stored_event_times(settings.clickhouse)
    app, pipeline = build(settings, args.tasks.split(","), lifecycle, event_times)
    _add_faulty_agents(app, args)
    try:
        return run_worker(app, lifecycle, settings.worker_log_level)
    finally:
        pipeline.clickhouse.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
