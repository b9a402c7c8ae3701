"""Stall detection: a worker that holds unprocessed input but makes no progress exits.

A stalled consumer is worse than a dead one: it keeps its partitions, so no other member of
the group takes them over, and nothing in Kafka or ClickHouse says anything is wrong. The
watchdog compares what the worker has committed with the partitions' end offsets; when input
has been waiting for ``stall_after_s`` seconds while no agent started or finished a batch,
the worker logs its flow state and exits with :data:`EXIT_STALLED`. The supervisor in
``shopstream worker`` (or any process manager) starts it again, and the restarted worker
resumes from the committed offsets, so nothing is lost; output ids are deterministic, so
nothing is doubled either.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import faust

from streams import flow, metrics
from streams.supervisor import EXIT_STALLED, RESTARTS_ENV

log = logging.getLogger(__name__)


@dataclass
class Progress:
    """When the agents last made progress, and how many batches they are working on."""

    last: float = field(default_factory=time.monotonic)
    busy: int = 0

    def touch(self) -> None:
        """Record progress now."""
        self.last = time.monotonic()

    def begin(self) -> None:
        """A batch starts (a long generation is work, not a stall)."""
        self.busy += 1
        self.touch()

    def end(self) -> None:
        """A batch is done."""
        self.busy -= 1
        self.touch()

    @contextmanager
    def working(self) -> Iterator[None]:
        """Mark the body as one batch of work."""
        self.begin()
        try:
            yield
        finally:
            self.end()


def pending_input(app: faust.App, topics: Iterable[str]) -> dict[str, int]:
    """Messages past the committed offset, per owned input partition that has any."""
    wanted = set(topics)
    consumer = app.consumer
    committed = getattr(consumer, "_committed_offset", {})
    out = {}
    for tp in consumer.assignment():
        if tp.topic not in wanted:
            continue
        end = consumer.highwater(tp)
        done = committed.get(tp)
        if end is None or done is None:
            continue
        if int(end) > int(done):
            out[f"{tp.topic}/{tp.partition}"] = int(end) - int(done)
    return out


class Watchdog:
    """Decides, on each check, whether the worker is stalled."""

    def __init__(self, progress: Progress, stall_after_s: float) -> None:
        self.progress = progress
        self.stall_after_s = stall_after_s
        self._pending_since: float | None = None

    def stalled(self, pending: dict[str, int], settling: bool, now: float) -> bool:
        """Whether input has waited ``stall_after_s`` with no batch started or finished."""
        if settling or not pending:
            self._pending_since = None
            return False
        if self._pending_since is None:
            self._pending_since = now
        if self.progress.busy:
            return False
        quiet_since = max(self._pending_since, self.progress.last)
        return now - quiet_since > self.stall_after_s


def register(
    app: faust.App, progress: Progress, topics: Iterable[str], stall_after_s: float
) -> None:
    """Check every few seconds; exit with :data:`EXIT_STALLED` when stalled."""
    names = tuple(topics)
    watchdog = Watchdog(progress, stall_after_s)
    metrics.STALL_RESTARTS.set(int(os.environ.get(RESTARTS_ENV, "0") or 0))

    @app.timer(interval=min(10.0, stall_after_s / 4))
    async def stall_check() -> None:
        settling = bool(app.rebalancing or app.in_recovery)
        pending = {} if settling else pending_input(app, names)
        if not watchdog.stalled(pending, settling, time.monotonic()):
            return
        log.error(
            "worker.stalled idle_s=%.0f pending=%s flow=%s; exiting for a restart",
            time.monotonic() - progress.last, pending, flow.snapshot(app),
        )  # fmt: skip
        logging.shutdown()
        os._exit(EXIT_STALLED)
