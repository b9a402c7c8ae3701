"""In-memory sinks for unit tests of delivery: they accept or refuse records by content."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from streams.delivery.deadletter import parse_headers
from streams.delivery.gaps import ReadEvent, ReadMessage
from streams.delivery.sinks.clickhouse import RowRejection
from streams.delivery.sinks.kafka import OutMessage, Rejection
from streams.errors import RejectedError


class MemoryTopics:
    """A publisher that refuses records containing ``refuse`` and keeps the rest by topic."""

    max_request_bytes = 1_000_000

    def __init__(self, refuse: bytes = b"\x00never\x00") -> None:
        self.refuse = refuse
        self.topics: dict[str, list[OutMessage]] = {}

    async def publish(self, messages: Sequence[OutMessage]) -> list[Rejection]:
        rejected = []
        for index, message in enumerate(messages):
            if self.refuse in message.value and not message.topic.endswith("dlq"):
                rejected.append(Rejection(index, RejectedError("too large for the topic")))
            else:
                self.topics.setdefault(message.topic, []).append(message)
        return rejected

    def letters(self) -> list[dict[str, str]]:
        """Headers of every dead letter."""
        return [parse_headers(m.headers) for m in self.topics.get("dlq", [])]


class MemoryTables:
    """A row sink that refuses rows for which ``refuse(row)`` holds."""

    def __init__(self, refuse_marker: str = "\x00never\x00") -> None:
        self.marker = refuse_marker
        self.rows: dict[str, list[tuple[Any, ...]]] = {}

    async def write(
        self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> list[RowRejection]:
        rejected = []
        for index, row in enumerate(rows):
            if any(isinstance(v, str) and self.marker in v for v in row):
                rejected.append(RowRejection(index, RejectedError("cannot hold the row")))
            else:
                self.rows.setdefault(table, []).append(row)
        return rejected


def event(topic: str, offset: int, value: dict[str, Any] | bytes, key: bytes = b"k") -> ReadEvent:
    """An event shaped like a consumed Kafka message."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return ReadEvent(ReadMessage(topic, 0, offset, key, (("trace", b"t"),), 0.0), raw)
