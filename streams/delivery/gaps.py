"""Repair of offsets the consumer skipped inside a partition.

Faust treats a jump in offsets between two consecutive records of a partition as a gap left
by compaction or transaction markers and acknowledges the missing offsets. Records that its
fetcher dropped (it discards fetched records around flow-control and generation changes) look
the same, so without a check they would be committed without ever reaching an agent. Before a
batch is processed, :class:`GapRepair` compares each partition's offsets with the next offset
it expects and reads any missing range straight from Kafka, so those records are processed
with the batch, and adds the range to the consumer's gap intervals so that commits pass it
once the batch is acked. Offsets that hold no record (compaction, transaction markers) are
simply not found and cost one read.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import faust
from confluent_kafka import Consumer, TopicPartition
from faust.types import TP as FaustTP

from streams import metrics
from streams.delivery.intake import header_pairs
from streams.kafka_config import confluent_config, poll_record, reader_config
from streams.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadMessage:
    """A record read back from Kafka, shaped like the part of a Faust message we use."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    timestamp: float


@dataclass(frozen=True)
class ReadEvent:
    """A repaired record in place of the Faust event it should have been."""

    message: ReadMessage
    value: bytes | None


class GapRepair:
    """Finds offsets missing between consecutive records of a partition and reads them."""

    def __init__(self, app: faust.App, kafka: KafkaSettings, timeout_s: float = 30.0) -> None:
        self._app = app
        self._kafka = kafka
        self._timeout_s = timeout_s
        self._generation: int | None = None
        self._expected: dict[tuple[str, int], int] = {}
        self._start: dict[tuple[str, int], int] = {}
        self._consumer: Consumer | None = None
        self._group_reader: Consumer | None = None

    def _next_expected(self, topic: str, partition: int) -> int | None:
        if self._app.consumer_generation_id != self._generation:
            # After a rebalance, a partition starts where the group committed it.
            self._generation = self._app.consumer_generation_id
            self._expected.clear()
            self._start.clear()
        key = (topic, partition)
        if key not in self._expected and key not in self._start:
            # Read when the partition first shows up in this generation, not when the
            # generation's first batch began: the seek that records a partition's committed
            # offset may land in between (a batch that began during its recovery).
            committed = getattr(self._app.consumer, "_committed_offset", {})
            offset = committed.get(FaustTP(topic, partition))
            if offset is not None and offset >= 0:
                self._start[key] = offset
        return self._expected.get(key, self._start.get(key))

    async def complete(self, events: Sequence[Any]) -> list[Any]:
        """The batch with any skipped records of its partitions put back in offset order."""
        out: list[Any] = []
        for event in events:
            message = event.message
            key = (message.topic, message.partition)
            expected = self._next_expected(*key)
            if expected is None:
                # The worker has no committed offset here: ask the group's coordinator. With
                # none there either the group reads from the earliest offset
                # (auto.offset.reset), so records before the first one delivered after a
                # rebalance were dropped, not absent. Without this a partition whose first
                # records a killed member held is committed past them.
                expected = await asyncio.to_thread(self._group_start, *key)
                self._start[key] = expected
            if message.offset > expected:
                found = await asyncio.to_thread(self._read, *key, expected, message.offset)
                log.warning(
                    "gap.repaired topic=%s partition=%d offsets=%d-%d found=%d",
                    message.topic, message.partition, expected, message.offset - 1, len(found),
                )  # fmt: skip
                metrics.GAP_RECORDS.labels(topic=message.topic).inc(len(found))
                self._cover(message.topic, message.partition, expected, message.offset)
                out.extend(found)
            out.append(event)
            self._expected[key] = max(message.offset + 1, expected)
        return out

    def _cover(self, topic: str, partition: int, start: int, end: int) -> None:
        """Let the consumer commit past offsets ``start`` up to ``end``, now read back here.

        The records read back are processed with the batch but are no Faust messages, so no
        ack would ever cover their offsets and every later commit of the partition would
        wait on them. Faust commits past the offsets in its gap intervals once an acked offset
        lies above them; the record that revealed the gap is such an offset, and it is acked
        only when its batch (these records included) is durable.
        """
        gaps = getattr(self._app.consumer, "_gap", None)
        if gaps is None:
            return
        intervals = gaps[FaustTP(topic, partition)]
        intervals.addi(start, end)
        intervals.merge_overlaps()

    def _reader(self) -> Consumer:
        if self._consumer is None:
            eof = {"enable.partition.eof": True}
            self._consumer = Consumer(reader_config(self._kafka, "gaps", **eof))
        return self._consumer

    def _group_start(self, topic: str, partition: int) -> int:
        """Where the app's group reads the partition from: its committed offset, else the earliest.

        The group's offsets are read by a consumer that carries the group's id but never
        subscribes, so it does not join the group.
        """
        tp = TopicPartition(topic, partition)
        if self._group_reader is None:
            group = {"group.id": self._app.conf.id, "enable.auto.commit": False}
            self._group_reader = Consumer(confluent_config(self._kafka, **group))
        (committed,) = self._group_reader.committed([tp], timeout=self._timeout_s)
        if committed.offset >= 0:
            return int(committed.offset)
        low, _ = self._reader().get_watermark_offsets(tp, timeout=self._timeout_s)
        return int(low)

    def _read(self, topic: str, partition: int, start: int, end: int) -> list[ReadEvent]:
        """Records at offsets ``start`` up to ``end`` (exclusive), read with a plain consumer."""
        consumer = self._reader()
        consumer.assign([TopicPartition(topic, partition, start)])
        found: list[ReadEvent] = []
        deadline = time.monotonic() + self._timeout_s
        while time.monotonic() < deadline:
            message, at_end = poll_record(consumer, topic, partition, "gap")
            if at_end:
                break
            if message is None:
                continue
            offset = message.offset() or 0
            if offset >= end:
                break
            _, stamp = message.timestamp()
            found.append(
                ReadEvent(
                    ReadMessage(
                        topic=topic,
                        partition=partition,
                        offset=offset,
                        key=message.key(),
                        headers=header_pairs(message.headers()),
                        timestamp=stamp / 1000 if stamp and stamp > 0 else 0.0,
                    ),
                    message.value(),
                )
            )
        consumer.unassign()
        return found

    def close(self) -> None:
        """Close the reading consumer, if one was opened."""
        for consumer in (self._consumer, self._group_reader):
            if consumer is not None:
                consumer.close()
        self._consumer = self._group_reader = None
