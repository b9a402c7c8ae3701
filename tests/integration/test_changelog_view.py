"""The whole-table view reads a changelog topic: history first, then new entries, tombstones."""

from __future__ import annotations

import json
import time

from confluent_kafka import KafkaError, Producer
from confluent_kafka.admin import AdminClient, NewTopic

from streams.kafka_config import confluent_config
from streams.settings import Settings
from streams.tables import ChangelogView
from tests.integration.helpers import wait_for


def _write(settings: Settings, topic: str, entries: list[tuple[str, object | None]]) -> None:
    producer = Producer(confluent_config(settings.kafka))
    errors: list[KafkaError] = []

    def delivered(error: KafkaError | None, _: object) -> None:
        if error is not None:
            errors.append(error)

    for partition, (key, value) in enumerate(entries):
        producer.produce(
            topic,
            key=json.dumps(key).encode(),
            value=None if value is None else json.dumps(value).encode(),
            partition=partition % settings.topics.partitions,
            on_delivery=delivered,
        )
    assert producer.flush(30) == 0
    assert not errors, errors


def test_view_loads_history_then_follows_the_topic(settings: Settings) -> None:
    topic = settings.topics.product_updates
    _write(
        settings,
        topic,
        [("p-1", {"title": "Lamp"}), ("p-2", {"title": "Mug"}), ("p-3", {"title": "Rug"})],
    )
    _write(settings, topic, [("p-1", {"title": "Desk lamp"}), ("p-2", None)])
    view = ChangelogView(settings.kafka, topic)
    view.start()
    try:
        wait_for(lambda: view.caught_up, 60, "the view to read the topic's history")
        assert view.get("p-1") == {"title": "Desk lamp"}
        assert view.get("p-2") is None
        assert view.get("p-3") == {"title": "Rug"}
        assert len(view) == 2
        _write(settings, topic, [("p-4", {"title": "Vase"})])
        wait_for(lambda: view.get("p-4") is not None, 30, "a new entry to reach the view")
    finally:
        view.stop()


def test_view_waits_for_a_topic_that_does_not_exist_yet(settings: Settings) -> None:
    topic = f"{settings.app_id}-later-changelog"
    view = ChangelogView(settings.kafka, topic)
    view.start()
    try:
        time.sleep(2.0)
        assert not view.caught_up
        assert view.error is not None and topic in view.error
        admin = AdminClient(confluent_config(settings.kafka))
        created = admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
        created[topic].result(timeout=30)
        _write(settings, topic, [("p-1", {"title": "Lamp"})])
        wait_for(lambda: view.get("p-1") == {"title": "Lamp"}, 60, "the view to find the topic")
        assert view.caught_up
    finally:
        view.stop()


def test_view_skips_entries_that_are_not_json(settings: Settings) -> None:
    topic = settings.topics.product_updates
    producer = Producer(confluent_config(settings.kafka))
    producer.produce(topic, key=b'"p-1"', value=b"{not json", partition=0)
    producer.produce(topic, key=b'"p-2"', value=b'{"title": "Mug"}', partition=0)
    assert producer.flush(30) == 0
    view = ChangelogView(settings.kafka, topic)
    view.start()
    try:
        wait_for(lambda: view.caught_up, 60, "the view to read the topic")
        assert view.get("p-1") is None
        assert view.get("p-2") == {"title": "Mug"}
    finally:
        view.stop()


def test_dropping_a_sandbox_deletes_its_topics(base_settings: Settings) -> None:
    from streams.tooling.sandbox import drop, sandboxed

    sandbox = sandboxed(base_settings)
    extra = f"{sandbox.app_id}-product-facts-changelog"
    admin = AdminClient(confluent_config(sandbox.kafka))
    admin.create_topics([NewTopic(extra, num_partitions=1, replication_factor=1)])[extra].result(
        timeout=30
    )
    run = sandbox.topics.reviews.partition(".")[0]

    def owned() -> set[str]:
        topics = admin.list_topics(timeout=30).topics
        return {t for t in topics if t.startswith((f"{run}.", f"{sandbox.app_id}-"))}

    wait_for(lambda: {sandbox.topics.reviews, extra} <= owned(), 60, "the sandbox's topics")
    drop(sandbox)
    wait_for(lambda: not owned(), 60, "the sandbox's topics to be deleted")
