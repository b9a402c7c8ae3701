"""Reading sampled reviews back from the real broker, redacted, by their coordinates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, TopicPartition

from streams.alert_phrases import KafkaReviewTexts
from streams.kafka_config import reader_config
from streams.records import SourceRef
from streams.settings import Settings
from streams.window_sample import ReviewRef
from tests.integration.helpers import produce_events


def _partition_of(settings: Settings, topic: str) -> int:
    consumer = Consumer(reader_config(settings.kafka, "test-partition"))
    try:
        metadata = consumer.list_topics(topic, timeout=30)
        for partition in metadata.topics[topic].partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            if high > 0:
                return partition
    finally:
        consumer.close()
    msg = "no partition holds the reviews"
    raise AssertionError(msg)


def test_reviews_far_apart_are_read_back_redacted(settings: Settings) -> None:
    topic = settings.topics.reviews
    now = datetime.now(UTC).isoformat()
    events: list[tuple[str, bytes | dict[str, Any]]] = [
        (
            "p-one",
            {
                "event_id": f"e{n}",
                "review_id": f"r{n}",
                "product_id": "p-one",
                "user_id": "u",
                "text": f"review {n} by ann.lee@example.com",
                "created_at": now,
            },
        )
        for n in range(700)
    ]
    events[350] = ("p-one", b"not json")
    produce_events(settings, topic, events)
    partition = _partition_of(settings, topic)

    def ref(offset: int) -> ReviewRef:
        source = SourceRef(topic=topic, partition=partition, offset=offset, event_id=f"e{offset}")
        return ReviewRef.of(source)

    # Near offsets are read through, far ones sought; an invalid event and an offset past
    # the end are simply not found.
    wanted = [ref(o) for o in (699, 3, 0, 5, 350, 420, 10_000)]
    texts = KafkaReviewTexts(settings.kafka).read(wanted)
    assert {r.offset: t for r, t in texts.items()} == {
        o: f"review {o} by [EMAIL]" for o in (0, 3, 5, 420, 699)
    }
