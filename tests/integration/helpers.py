"""Reading back what the pipeline wrote: Kafka topics and ClickHouse tables."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Message, TopicPartition

from streams.clickhouse.client import make_client
from streams.kafka_config import reader_config
from streams.settings import Settings
from streams.tooling.replay import produce
from streams.tooling.workerproc import WorkerProcess

StartWorker = Callable[..., WorkerProcess]


def _reader(settings: Settings) -> Consumer:
    """A consumer in a group of its own that starts at the beginning and commits nothing."""
    return Consumer(reader_config(settings.kafka, "test-reader"))


def consume(
    settings: Settings, topic: str, *, until: int, timeout_s: float = 120.0
) -> list[Message]:
    """Every message of a topic from the beginning, stopping at ``until`` or the timeout."""
    consumer = _reader(settings)
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


def consume_to_end(settings: Settings, topic: str, timeout_s: float = 120.0) -> list[Message]:
    """Every message of a topic up to the high watermark of each partition at call time."""
    consumer = _reader(settings)
    metadata = consumer.list_topics(topic, timeout=30)
    ends: dict[int, int] = {}
    for partition in metadata.topics[topic].partitions:
        _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
        if high > 0:
            ends[partition] = high
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
    out: list[Message] = []
    done: set[int] = set()
    deadline = time.monotonic() + timeout_s
    try:
        while len(done) < len(ends) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            out.append(message)
            partition, offset = message.partition() or 0, message.offset() or 0
            if offset + 1 >= ends[partition]:
                done.add(partition)
    finally:
        consumer.close()
    if len(done) < len(ends):
        raise AssertionError(f"{topic}: did not reach the end of every partition in {timeout_s}s")
    return out


def value_of(message: Message) -> bytes:
    """A message's value, failing the test on a tombstone."""
    value = message.value()
    assert value is not None, f"tombstone at {message.topic()}/{message.partition()}"
    return value


def payload(message: Message) -> Any:
    """A message's JSON value."""
    return json.loads(value_of(message))


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
