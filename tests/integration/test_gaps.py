"""Offsets skipped inside a partition are read back from the real broker, in order."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from types import SimpleNamespace
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition
from faust.types import TP
from intervaltree import IntervalTree

from streams.delivery.gaps import GapRepair, ReadEvent, ReadMessage
from streams.kafka_config import confluent_config
from streams.settings import Settings


def _app(consumer: Any, group: str = "") -> Any:
    """The part of a Faust app the repair reads: generation, consumer, group id."""
    conf = SimpleNamespace(id=group or f"gaps-test-{uuid.uuid4()}")
    return SimpleNamespace(consumer_generation_id=1, consumer=consumer, conf=conf)


def _produced(settings: Settings, topic: str, prefix: str, count: int) -> list[bytes]:
    """``count`` records on partition 0 of ``topic`` (offsets 0 to count-1); their values."""
    producer = Producer(confluent_config(settings.kafka))
    values = [f"{prefix}-{n}".encode() for n in range(count)]
    for value in values:
        producer.produce(topic, key=b"k", value=value, partition=0)
    assert producer.flush(30) == 0
    return values


def _event(topic: str, offset: int, value: bytes) -> ReadEvent:
    return ReadEvent(ReadMessage(topic, 0, offset, b"k", (), 0.0), value)


def test_skipped_offsets_are_read_back_into_the_batch(settings: Settings) -> None:
    topic = settings.topics.chat_messages
    values = _produced(settings, topic, "message", 10)

    consumer = SimpleNamespace(_committed_offset={}, _gap=defaultdict(IntervalTree))
    app = _app(consumer)
    repair = GapRepair(app, settings.kafka)
    try:
        first = asyncio.run(repair.complete([_event(topic, n, values[n]) for n in (0, 1, 2)]))
        assert [e.message.offset for e in first] == [0, 1, 2]
        assert not consumer._gap[TP(topic, 0)]
        # Offsets 3-5 never reached the agent: they are read back before 6, and the consumer
        # may commit past them once 6 is acked (no ack of its own covers a record read back).
        second = asyncio.run(repair.complete([_event(topic, n, values[n]) for n in (6, 7)]))
        assert [e.message.offset for e in second] == [3, 4, 5, 6, 7]
        assert [e.value for e in second] == values[3:8]
        assert [(i.begin, i.end) for i in consumer._gap[TP(topic, 0)]] == [(3, 6)]
        assert all(e.message.key == b"k" and e.message.timestamp > 0 for e in second[:3])
        # After a rebalance, a partition is checked from the group's committed offset.
        consumer._committed_offset = {TP(topic, 0): 8}
        app.consumer_generation_id = 2
        third = asyncio.run(repair.complete([_event(topic, 9, values[9])]))
        assert [e.message.offset for e in third] == [8, 9]
    finally:
        repair.close()


def test_a_partition_with_nothing_committed_is_checked_from_its_earliest_offset(
    settings: Settings,
) -> None:
    # A member was killed holding the partition's first records, uncommitted; after the
    # rebalance the consumer delivered from offset 4 on. Offsets 0-3 are read back.
    topic = settings.topics.chat_messages
    values = _produced(settings, topic, "early", 6)

    app = _app(SimpleNamespace(_committed_offset={}))
    repair = GapRepair(app, settings.kafka)
    try:
        batch = asyncio.run(repair.complete([_event(topic, n, values[n]) for n in (4, 5)]))
        assert [e.message.offset for e in batch] == [0, 1, 2, 3, 4, 5]
        assert [e.value for e in batch] == values
    finally:
        repair.close()


def test_a_committed_offset_recorded_after_the_batch_began_is_used(settings: Settings) -> None:
    # The generation's first batch saw no committed offset for the partition; by the time its
    # first record arrives the seek has recorded offset 3: only offset 3 is read back.
    topic = settings.topics.chat_messages
    values = _produced(settings, topic, "late", 6)
    other = TP(settings.topics.product_updates, 0)
    _produced(settings, other.topic, "other", 1)

    consumer = SimpleNamespace(_committed_offset={other: 0})
    app = _app(consumer)
    repair = GapRepair(app, settings.kafka)
    try:
        first = asyncio.run(repair.complete([_event(other.topic, 0, b"other-0")]))
        assert [e.message.offset for e in first] == [0]
        consumer._committed_offset = {other: 1, TP(topic, 0): 3}
        batch = asyncio.run(repair.complete([_event(topic, n, values[n]) for n in (4, 5)]))
        assert [e.message.offset for e in batch] == [3, 4, 5]
        assert [e.value for e in batch] == values[3:]
    finally:
        repair.close()


def test_a_partition_the_worker_knows_nothing_of_starts_at_the_groups_committed_offset(
    settings: Settings,
) -> None:
    # The group committed offset 4 (another member processed 0-3); this worker's own view has
    # no committed offset yet. Only offsets 4 and 5 are read back, not 0-3 again.
    topic = settings.topics.chat_messages
    values = _produced(settings, topic, "group", 7)
    group = f"gaps-test-{uuid.uuid4()}"
    member = Consumer(confluent_config(settings.kafka, **{"group.id": group}))
    try:
        member.commit(offsets=[TopicPartition(topic, 0, 4)], asynchronous=False)
    finally:
        member.close()

    repair = GapRepair(_app(SimpleNamespace(_committed_offset={}), group), settings.kafka)
    try:
        batch = asyncio.run(repair.complete([_event(topic, 6, values[6])]))
        assert [e.message.offset for e in batch] == [4, 5, 6]
        assert [e.value for e in batch] == values[4:]
    finally:
        repair.close()
