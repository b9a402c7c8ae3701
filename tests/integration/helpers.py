"""Reading back what the pipeline wrote: Kafka topics and ClickHouse tables."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import Consumer, Message

from streams.clickhouse.client import make_client
from streams.kafka_config import confluent_config
from streams.replay import produce
from streams.settings import Settings


def consume(
    settings: Settings, topic: str, *, until: int, timeout_s: float = 120.0
) -> list[Message]:
    """Every message of a topic from the beginning, stopping at ``until`` or the timeout."""
    consumer = Consumer(
        confluent_config(
            settings.kafka,
            **{
                "group.id": f"reader-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            },
        )
    )
    consumer.subscribe([topic])
    out: list[Message] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(out) < until and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            out.append(message)
    finally:
        consumer.close()
    return out


def query(
    settings: Settings, sql: str, params: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run a query on the test database."""
    client = make_client(settings.clickhouse)
    try:
        return list(client.execute(sql, params or {}))
    finally:
        client.disconnect()


def wait_for(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll until ``check`` holds; fail the test with ``what`` otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def produce_events(
    settings: Settings, topic: str, events: Sequence[tuple[str, bytes | dict[str, Any]]]
) -> None:
    """Produce (key, event-or-raw-bytes) pairs and wait for the broker's acks."""
    items = (
        (key.encode(), value if isinstance(value, bytes) else json.dumps(value).encode(), True)
        for key, value in events
    )
    produce(settings, topic, items, total=len(events), progress=False)


def sentiment_count(settings: Settings) -> int:
    """Rows of review_sentiment after FINAL."""
    return int(query(settings, "SELECT count() FROM review_sentiment FINAL")[0][0])
