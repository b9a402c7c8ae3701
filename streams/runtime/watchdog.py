"""Stall detection: a worker that holds unprocessed input but makes no progress exits.

A stalled consumer is worse than a dead one: it keeps its partitions, so no other member of
the group takes them over, and nothing in Kafka or ClickHouse says anything is wrong. The
watchdog compares what the worker has committed with the partitions' end offsets (a partition
with nothing committed yet counts from its earliest offset); when input has been waiting for
``stall_after_s`` seconds while no agent started or finished a batch, the worker logs its flow
state and exits with :data:`EXIT_STALLED`. A batch counts as work in progress only while the
task that runs it is alive: a batch whose task died is abandoned, not busy. The supervisor in
``shopstream worker`` (or any process manager) starts the worker again, and it resumes from the
committed offsets, so nothing is lost; output ids are deterministic, so nothing is doubled.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import faust
from faust.types import TP

from streams import metrics
from streams.runtime import flow
from streams.runtime.supervisor import EXIT_STALLED, RESTARTS_ENV

log = logging.getLogger(__name__)


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop: the batch is tracked until it ends
        return None


@dataclass
class Progress:
    """When the agents last made progress, and which batches they are working on."""

    last: float = field(default_factory=time.monotonic)
    # Open batches by token, each with the task that runs it (None outside an event loop).
    _open: dict[int, asyncio.Task[Any] | None] = field(default_factory=dict, init=False)
    _tokens: Iterator[int] = field(default_factory=itertools.count, init=False, repr=False)

    def touch(self) -> None:
        """Record progress now."""
        self.last = time.monotonic()

    def begin(self) -> int:
        """A batch starts (a long generation is work, not a stall); returns its token."""
        token = next(self._tokens)
        self._open[token] = _current_task()
        self.touch()
        return token

    def end(self, token: int) -> None:
        """The batch ``token`` is done."""
        self._open.pop(token, None)
        self.touch()

    @property
    def busy(self) -> int:
        """Batches in progress whose task still runs; those of dead tasks are dropped."""
        dead = [token for token, task in self._open.items() if task is not None and task.done()]
        for token in dead:
            del self._open[token]
        if dead:
            log.warning("watchdog.batches_abandoned count=%d (their tasks ended)", len(dead))
        return len(self._open)

    @contextmanager
    def working(self) -> Iterator[None]:
        """Mark the body as one batch of work."""
        token = self.begin()
        try:
            yield
        finally:
            self.end(token)


def backlog(end: int | None, committed: int | None, earliest: int | None) -> int:
    """Messages of one partition past its committed offset (or its earliest, if none)."""
    if end is None:
        return 0
    starts = [offset for offset in (committed, earliest) if offset is not None]
    if not starts:
        return 0
    # A committed offset below the log start (retention deleted the rest) counts from there.
    return max(int(end) - max(starts), 0)


def _committed(consumer: Any) -> Mapping[TP, int | None]:
    # Faust keeps the offsets it committed only on this private field (no public accessor);
    # tests/unit/test_faust_contract.py fails when a Faust version drops or renames it.
    committed: Mapping[TP, int | None] = consumer._committed_offset
    return committed


async def pending_input(app: faust.App, topics: Iterable[str]) -> dict[str, int]:
    """Messages past the committed offset, per owned input partition that has any."""
    wanted = set(topics)
    consumer = app.consumer
    owned = [tp for tp in consumer.assignment() if tp.topic in wanted]
    committed = _committed(consumer)
    fresh = [tp for tp in owned if committed.get(tp) is None]
    earliest = await consumer.earliest_offsets(*fresh) if fresh else {}
    ends = {tp: consumer.highwater(tp) for tp in owned}
    unknown = [tp for tp, end in ends.items() if end is None]
    if unknown:  # not fetched yet (a fetcher that never ran is one way to stall)
        ends.update(await consumer.highwaters(*unknown))
    out = {}
    for tp in owned:
        waiting = backlog(ends.get(tp), committed.get(tp), earliest.get(tp))
        if waiting:
            out[f"{tp.topic}/{tp.partition}"] = waiting
    return out


class Watchdog:
    """Decides, on each check, whether the worker is stalled."""

    def __init__(self, progress: Progress, stall_after_s: float) -> None:
        self.progress = progress
        self.stall_after_s = stall_after_s
        self._pending_since: float | None = None

    def stalled(self, pending: dict[str, int], settling: bool, now: float) -> bool:
        """Whether input has waited ``stall_after_s`` with no live batch started or finished."""
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
        try:
            pending = {} if settling else await pending_input(app, names)
        except Exception as exc:  # noqa: BLE001 - offsets are unknown this round; decide next
            log.info("watchdog.skip error=%s: %s", type(exc).__name__, exc)
            return
        if not watchdog.stalled(pending, settling, time.monotonic()):
            return
        log.error(
            "worker.stalled idle_s=%.0f pending=%s flow=%s; exiting for a restart",
            time.monotonic() - progress.last, pending, flow.snapshot(app),
        )  # fmt: skip
        logging.shutdown()
        os._exit(EXIT_STALLED)
