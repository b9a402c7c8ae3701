"""The commit guard: a one-record hole at a batch boundary is never committed past."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import cast

import faust
import pytest
from faust.transport.conductor import Conductor
from faust.transport.drivers import aiokafka
from faust.types import TP, Message

from streams.app import create_app
from streams.delivery.commit_guard import GuardedConsumer, GuardedTransport, lowest_pending
from streams.settings import Settings

TOPIC = TP("shop.reviews", 0)


async def _noop(*_: object) -> None:
    return None


@pytest.fixture
def app() -> Iterator[faust.App]:
    app = faust.App("commit-guard-test", broker="kafka://127.0.0.1:1")
    # Acks count only for topics the conductor subscribes with acks (every agent's input).
    app.topics.add(app.topic(TOPIC.topic))
    asyncio.run(cast(Conductor, app.topics)._update_indices())
    assert app.topics.acks_enabled_for(TOPIC.topic)
    yield app


def _consumer(app: faust.App, kind: type[aiokafka.Consumer]) -> aiokafka.Consumer:
    transport = GuardedTransport(app.conf.broker_consumer, app)
    return kind(
        transport,
        callback=_noop,
        on_partitions_revoked=_noop,
        on_partitions_assigned=_noop,
    )


def _message(offset: int) -> Message:
    return Message(TOPIC.topic, TOPIC.partition, offset, 0.0, 0, {}, b"k", b"v", None, tp=TOPIC)


def _boundary(consumer: aiokafka.Consumer) -> Message:
    """Offsets 0-9 committed; 10 delivered and still in flight; 11 and 12 acked."""
    consumer._committed_offset[TOPIC] = 10
    held = _message(10)
    consumer.track_message(held)
    for offset in (11, 12):
        done = _message(offset)
        consumer.track_message(done)
        consumer.ack(done)
    return held


def test_upstream_commits_past_a_record_in_flight(app: faust.App) -> None:
    # The defect the guard exists for (faust-streaming #606): if this starts failing,
    # upstream fixed it and the guard can go.
    consumer = _consumer(app, aiokafka.Consumer)
    held = _boundary(consumer)
    assert consumer._new_offset(TOPIC) == 13
    assert not held.acked


def test_the_guard_waits_for_the_record_in_flight(app: faust.App) -> None:
    consumer = _consumer(app, GuardedConsumer)
    held = _boundary(consumer)
    assert consumer._new_offset(TOPIC) is None
    assert consumer._acked[TOPIC] == [11, 12]  # nothing taken off for the later commit
    consumer.ack(held)
    assert consumer._new_offset(TOPIC) == 13


def test_the_guard_commits_as_upstream_when_nothing_is_held(app: faust.App) -> None:
    consumer = _consumer(app, GuardedConsumer)
    consumer._committed_offset[TOPIC] = 10
    messages = [_message(offset) for offset in (10, 11, 12)]
    for message in messages:
        consumer.track_message(message)
        consumer.ack(message)
    assert consumer._new_offset(TOPIC) == 13


def test_lowest_pending_ignores_records_already_committed() -> None:
    assert lowest_pending([10], [11, 12], committed=10) == 10
    assert lowest_pending([13], [11, 12], committed=10) is None
    assert lowest_pending([4], [11, 12], committed=10) is None
    assert lowest_pending([], [11], committed=None) is None
    assert lowest_pending([3], [5], committed=None) == 3


def test_the_app_installs_the_guarded_transport() -> None:
    app = create_app(Settings())
    assert isinstance(app.transport, GuardedTransport)
    assert app.transport.Consumer is GuardedConsumer
