"""State the agents keep: partitioned Faust tables, and a read-only view of a whole table.

Agents take events in micro-batches that span partitions, so a write cannot rely on Faust's
"current event" to choose the changelog partition: :class:`KeyedTable` writes name the
partition of the input event the value came from. That keeps each key's changelog entries in
the partition of its input events, so after a rebalance the worker that receives an input
partition also recovers the matching table partition.

:class:`ChangelogView` holds every key of a table, not just the partitions this worker owns.
It reads the table's compacted changelog topic with a consumer of its own, outside the
consumer group, so it takes no part in rebalances and cannot hold up the group's streams.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

import faust
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, TopicPartition

from streams.kafka_config import reader_config
from streams.settings import KafkaSettings

log = logging.getLogger(__name__)

# Table keys are strings and values plain JSON (the app's default serializer is raw bytes).
JSON_SCHEMA: faust.types.SchemaT[str, Any] = faust.Schema(
    key_serializer="json", value_serializer="json"
)


class KeyedTable(faust.Table):
    """A Faust table whose writes name the partition of the input event behind them."""

    _write_partition: int | None = None

    def put(self, key: Any, value: Any, partition: int) -> None:
        """Set ``key`` to ``value``, logging the change to changelog ``partition``."""
        self._write_partition = partition
        try:
            self[key] = value
        finally:
            self._write_partition = None

    def partition_for_key(self, key: Any) -> int | None:
        """The partition named by :meth:`put`; Faust's own choice otherwise."""
        if self._write_partition is not None:
            return self._write_partition
        partition: int | None = super().partition_for_key(key)
        return partition


def keyed_table(app: faust.App, name: str, partitions: int) -> KeyedTable:
    """A :class:`KeyedTable` of JSON keys and values, registered with the app."""
    table = KeyedTable(
        app,
        name=name,
        default=None,
        beacon=app.tables.beacon,
        partitions=partitions,
        schema=JSON_SCHEMA,
    )
    app.tables.add(table)
    return table


class ChangelogView:
    """The latest value of every key in a table's changelog topic, kept by a reader thread.

    The thread assigns itself all partitions of the topic (no consumer group membership,
    no offsets committed), reads them from the beginning and then follows new entries.
    """

    def __init__(
        self, kafka: KafkaSettings, topic: str, poll_s: float = 0.5, retry_s: float = 1.0
    ) -> None:
        self.topic = topic
        self._kafka = kafka
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._values: dict[str, Any] = {}
        self._stop = threading.Event()
        self._caught_up = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def get(self, key: str) -> Any | None:
        """The latest value for ``key``, or None when the table has none."""
        return self._values.get(key)

    def __len__(self) -> int:
        return len(self._values)

    @property
    def caught_up(self) -> bool:
        """Whether everything in the topic when the view started has been read."""
        return self._caught_up.is_set()

    def start(self) -> None:
        """Start the reader thread (once; later calls do nothing while it runs)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"view-{self.topic}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the reader thread and close its consumer."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    async def wait_caught_up(self, log_every_s: float = 30.0) -> None:
        """Wait until the view has read the topic up to where it stood at start."""
        while not self._caught_up.is_set():
            await asyncio.to_thread(self._caught_up.wait, log_every_s)
            if not self._caught_up.is_set():
                log.warning(
                    "view.loading topic=%s keys=%d error=%s", self.topic, len(self), self.error
                )

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one changelog entry: a JSON value sets the key, a tombstone removes it."""
        if key is None:
            return
        name = str(json.loads(key))
        if value is None:
            self._values.pop(name, None)
        else:
            self._values[name] = json.loads(value)

    def _run(self) -> None:
        """Follow the topic until stopped; any failure restarts the reading from the start."""
        while not self._stop.is_set():
            try:
                self._follow()
            except Exception as exc:  # noqa: BLE001 - the view must outlive broker hiccups
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("view.retry topic=%s error=%s", self.topic, self.error)
                self._stop.wait(self._retry_s)

    def _follow(self) -> None:
        consumer = Consumer(reader_config(self._kafka, "view", **{"enable.partition.eof": True}))
        try:
            pending = self._assign(consumer)
            while not self._stop.is_set():
                message = consumer.poll(self._poll_s)
                if message is None:
                    continue
                self._consume(message, pending)
                if not pending:
                    self._caught_up.set()
        finally:
            consumer.close()

    def _assign(self, consumer: Consumer) -> dict[int, int]:
        """Assign every partition from the start; returns each partition's end offset."""
        timeout_s = self._kafka.request_timeout_ms / 1000
        while not self._stop.is_set():
            metadata = consumer.list_topics(self.topic, timeout=timeout_s)
            topic = metadata.topics.get(self.topic)
            if topic is not None and topic.error is None and topic.partitions:
                break
            self.error = f"topic {self.topic} not available yet"
            self._stop.wait(1.0)
        else:
            return {}
        self.error = None
        partitions = [TopicPartition(self.topic, p, OFFSET_BEGINNING) for p in topic.partitions]
        ends = {
            tp.partition: consumer.get_watermark_offsets(tp, timeout=10.0)[1] for tp in partitions
        }
        consumer.assign(partitions)
        pending = {p: end for p, end in ends.items() if end > 0}
        if not pending:
            self._caught_up.set()
        return pending

    def _consume(self, message: Message, pending: dict[int, int]) -> None:
        error = message.error()
        partition = message.partition() or 0
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                pending.pop(partition, None)
            else:
                self.error = str(error)
                log.warning("view.error topic=%s error=%s", self.topic, error)
            return
        offset = message.offset() or 0
        try:
            self.apply(message.key(), message.value())
        except ValueError as exc:
            log.warning(
                "view.skip topic=%s partition=%d offset=%d error=%s",
                self.topic, partition, offset, exc,
            )  # fmt: skip
        if partition in pending and offset + 1 >= pending[partition]:
            pending.pop(partition)
