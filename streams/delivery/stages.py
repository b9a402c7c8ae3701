"""Stages after intake, with errors as data: a failing event is dead-lettered, its batch goes on.

:meth:`Delivery.run` runs a batched call (a model, a generation service) and, only when it
raises, bisects the batch to dead-letter the events that fail on their own.
:meth:`Delivery.deliver` makes outputs durable in Kafka and ClickHouse at once and
dead-letters the events whose record or row a sink rejects. Failures of a sink as a whole
are retried inside the sinks, so neither method raises for an event's sake.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from streams.delivery.bisection import bisect
from streams.delivery.intake import Decoded, Intake
from streams.delivery.sinks.clickhouse import RowSink
from streams.delivery.sinks.kafka import OutMessage, Publisher
from streams.errors import Stage

ItemT = TypeVar("ItemT", bound=Decoded[Any])
R = TypeVar("R")
P = TypeVar("P")


@dataclass(frozen=True)
class Output(Generic[P]):
    """One event's output: what it stands for, its Kafka record and its ClickHouse row."""

    origin: Decoded[Any]
    payload: P
    message: OutMessage
    row: tuple[Any, ...]


def _model_stage(_: BaseException) -> Stage:
    return "model"


class Delivery:
    """Runs batched stages and delivers outputs; failing events go to the dead-letter topic."""

    def __init__(self, publisher: Publisher, clickhouse: RowSink, intake: Intake) -> None:
        self._publisher = publisher
        self._clickhouse = clickhouse
        self._intake = intake

    async def run(
        self,
        items: Sequence[ItemT],
        call: Callable[[Sequence[ItemT]], Awaitable[Sequence[R]]],
        stage_of: Callable[[BaseException], Stage] = _model_stage,
    ) -> list[tuple[ItemT, R]]:
        """``call`` over the batch; events it fails on alone are dead-lettered.

        Returns:
            ``(item, result)`` for every item that succeeded, in input order.
        """
        if not items:
            return []
        split = await bisect(items, call)
        by_stage: dict[Stage, list[tuple[Decoded[Any], BaseException]]] = {}
        for failed in split.failed:
            by_stage.setdefault(stage_of(failed.error), []).append((failed.item, failed.error))
        for stage, failures in by_stage.items():
            await self._intake.reject(stage, failures)
        return split.done

    async def build(
        self,
        pairs: Sequence[tuple[ItemT, R]],
        make: Callable[[ItemT, R], Output[R]],
    ) -> list[Output[R]]:
        """Each result's Kafka record and row; an event whose output cannot be encoded is
        dead-lettered (stage publish) instead of failing the batch."""
        outputs: list[Output[R]] = []
        failures: list[tuple[Decoded[Any], BaseException]] = []
        for item, result in pairs:
            try:
                outputs.append(make(item, result))
            except Exception as exc:  # noqa: BLE001 - one event's output, not the batch's
                failures.append((item, exc))
        if failures:
            await self._intake.reject("publish", failures)
        return outputs

    async def deliver(
        self, outputs: Sequence[Output[P]], table: str, columns: Sequence[str]
    ) -> list[Output[P]]:
        """Publish the records and insert the rows (concurrently); wait until both settle.

        An event whose record the broker refuses (stage publish) or whose row ClickHouse
        cannot hold (stage sink) is dead-lettered. Its other output may have landed; ids are
        deterministic, so a replay of the letter overwrites it.

        Returns:
            The outputs that are durable in both sinks, in input order.
        """
        if not outputs:
            return []
        published, inserted = await asyncio.gather(
            self._publisher.publish([o.message for o in outputs]),
            self._clickhouse.write(table, columns, [o.row for o in outputs]),
        )
        if not published and not inserted:
            return list(outputs)
        failed: dict[int, tuple[Stage, BaseException]] = {}
        for rejection in published:
            failed.setdefault(rejection.index, ("publish", rejection.error))
        for row in inserted:
            failed.setdefault(row.index, ("sink", row.error))
        by_stage: dict[Stage, list[tuple[Decoded[Any], BaseException]]] = {}
        for index, (stage, error) in sorted(failed.items()):
            by_stage.setdefault(stage, []).append((outputs[index].origin, error))
        for stage, failures in by_stage.items():
            await self._intake.reject(stage, failures)
        return [o for i, o in enumerate(outputs) if i not in failed]
