"""Reading again what the consumer dropped (faust-streaming #596): the decision and its checks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import cast

import faust
import pytest
from faust.transport.conductor import Conductor
from faust.types import TP, Message

from streams.delivery.commit_guard import GuardedConsumer, GuardedTransport, install_work_probe
from streams.delivery.resync import Sightings, dropped_from

TOPIC = TP("shop.reviews", 0)
OTHER = TP("shop.reviews", 1)


def test_a_delivered_record_at_the_committed_offset_neither_held_nor_acked_is_a_drop() -> None:
    assert dropped_from(read=15, committed=10, end=20, held=(), acked=()) == 10
    assert dropped_from(read=15, committed=10, end=None, held=(), acked=()) == 10
    # Later records in flight or acked do not fill the hole at 10: every commit waits on it.
    assert dropped_from(read=15, committed=10, end=20, held={12}, acked=[13, 14]) == 10


def test_the_record_at_the_committed_offset_in_flight_or_acked_is_not_a_drop() -> None:
    assert dropped_from(read=15, committed=10, end=20, held={10, 11}, acked=()) is None
    assert dropped_from(read=15, committed=10, end=20, held=(), acked=[10, 11]) is None


def test_a_caught_up_partition_is_not_a_drop() -> None:
    # The last delivered record (9) is committed: the next to read is 10, and none is there.
    assert dropped_from(read=9, committed=10, end=10, held=(), acked=()) is None
    assert dropped_from(read=None, committed=10, end=10, held=(), acked=()) is None
    assert dropped_from(read=15, committed=None, end=30, held=(), acked=()) is None


def test_records_waiting_past_the_committed_offset_and_nothing_delivered_are_a_drop() -> None:
    # Records 10-29 lie on the broker; the consumer delivers none (its fetch position moved
    # past records it dropped before delivering them). Seen twice, it is sought back.
    assert dropped_from(read=9, committed=10, end=30, held=(), acked=()) == 10
    assert dropped_from(read=7, committed=10, end=30, held=(), acked=()) == 10
    assert dropped_from(read=None, committed=10, end=30, held=(), acked=()) == 10


def test_standing_at_the_committed_offset_is_a_drop_only_with_records_waiting() -> None:
    # Just sought to 10 (nothing delivered yet), or delivered 10 and dropped it.
    assert dropped_from(read=10, committed=10, end=10, held=(), acked=()) is None
    assert dropped_from(read=10, committed=10, end=None, held=(), acked=()) is None
    assert dropped_from(read=10, committed=10, end=11, held=(), acked=()) == 10


def test_a_drop_is_confirmed_only_when_seen_twice_alike() -> None:
    sightings = Sightings()
    assert sightings.confirmed({TOPIC: (15, 10)}) == []
    assert sightings.confirmed({TOPIC: (15, 10), OTHER: (3, 1)}) == [(TOPIC, 15, 10)]
    # Records still arrive (the read offset moves), but the hole at 10 stays: confirmed.
    assert sightings.confirmed({TOPIC: (16, 10), OTHER: (3, 1)}) == [(TOPIC, 16, 10), (OTHER, 3, 1)]
    assert sightings.confirmed({TOPIC: (16, 11)}) == []
    sightings.clear()
    assert sightings.confirmed({OTHER: (3, 1)}) == []


async def _noop(*_: object) -> None:
    return None


@pytest.fixture
def consumer() -> Iterator[GuardedConsumer]:
    app = faust.App("resync-test", broker="kafka://127.0.0.1:1")
    app.topics.add(app.topic(TOPIC.topic))
    asyncio.run(cast(Conductor, app.topics)._update_indices())
    transport = GuardedTransport(app.conf.broker_consumer, app)
    guarded = GuardedConsumer(
        transport, callback=_noop, on_partitions_revoked=_noop, on_partitions_assigned=_noop
    )
    # The partition's place in the group and on the broker, as the thread would report it.
    guarded.assignment = lambda: {TOPIC}  # type: ignore[method-assign]
    guarded.highwater = lambda tp: 40  # type: ignore[method-assign]
    guarded._committed_offset[TOPIC] = 10
    guarded._read_offset[TOPIC] = 25  # records 10-25 were delivered
    yield guarded


def _message(offset: int, tp: TP = TOPIC) -> Message:
    return Message(tp.topic, tp.partition, offset, 0.0, 0, {}, b"k", b"v", None, tp=tp)


def test_the_consumer_finds_a_partition_whose_delivered_records_it_no_longer_holds(
    consumer: GuardedConsumer,
) -> None:
    assert asyncio.run(consumer.dropped()) == {TOPIC: (25, 10)}


def test_the_consumer_leaves_a_partition_whose_next_record_is_in_flight(
    consumer: GuardedConsumer,
) -> None:
    held = _message(10)
    consumer.track_message(held)
    assert asyncio.run(consumer.dropped()) == {}
    consumer.ack(held)  # acked, not yet committed: still nothing to read again
    assert asyncio.run(consumer.dropped()) == {}


def test_the_consumer_finds_the_hole_below_records_in_flight(consumer: GuardedConsumer) -> None:
    later = _message(12)
    consumer.track_message(later)
    assert asyncio.run(consumer.dropped()) == {TOPIC: (25, 10)}


def test_the_consumer_leaves_a_paused_partition(consumer: GuardedConsumer) -> None:
    consumer.pause_partitions([TOPIC])
    assert asyncio.run(consumer.dropped()) == {}


def test_the_consumer_seeks_back_only_while_no_batch_is_in_progress(
    consumer: GuardedConsumer,
) -> None:
    # A batch may hold records the gap repair read back, which Faust does not track.
    assert consumer.may_resync()
    batches = [1]
    install_work_probe(consumer.app, lambda: batches[0])
    assert not consumer.may_resync()
    batches[0] = 0
    assert consumer.may_resync()
    consumer.app.rebalancing = True
    assert not consumer.may_resync()
