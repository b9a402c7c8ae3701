"""Malformed events of every kind land in the dead-letter topic; valid ones are processed."""

from __future__ import annotations

import pytest

from streams.deadletter import parse_headers
from streams.sample_data import SampleShop
from streams.settings import Settings
from streams.workerproc import WorkerProcess
from tests.integration.helpers import (
    StartWorker,
    consume,
    produce_events,
    query,
    value_of,
    wait_for,
)

KINDS = {"review": "reviews", "chat": "chat_messages", "product": "product_updates"}


@pytest.fixture
def worker(start_worker: StartWorker) -> WorkerProcess:
    return start_worker("sentiment,products,replies", 16077)


def test_each_kind_dead_letters_bad_events_and_keeps_going(
    settings: Settings, worker: WorkerProcess
) -> None:
    shop = SampleShop(seed=17)
    bad: dict[str, list[bytes]] = {}
    for kind, field in KINDS.items():
        topic = getattr(settings.topics, field)
        bad[topic] = [shop.malformed(kind) for _ in range(3)]  # type: ignore[arg-type]
        valid = [shop.event(kind) for _ in range(3)]  # type: ignore[arg-type]
        events: list[tuple[str, bytes | dict[str, object]]] = []
        for good, raw in zip(valid, bad[topic], strict=True):
            events += [("bad", raw), good]
        produce_events(settings, topic, events)

    letters = consume(settings, settings.topics.deadletter, until=9, timeout_s=240)
    seen: dict[str, list[bytes]] = {}
    for message in letters:
        headers = parse_headers(message.headers())
        assert headers["x-shopstream-error-class"] == "DecodeError"
        assert headers["x-shopstream-error-message"]
        seen.setdefault(headers["x-shopstream-source-topic"], []).append(value_of(message))
    assert {topic: sorted(values) for topic, values in seen.items()} == {
        topic: sorted(values) for topic, values in bad.items()
    }

    def processed() -> bool:
        reviews = query(settings, "SELECT count() FROM review_sentiment FINAL")[0][0]
        tasks = dict(
            query(
                settings,
                "SELECT toString(task), count() FROM generated_content FINAL GROUP BY task",
            )
        )
        return reviews == 3 and tasks.get("reply") == 3 and tasks.get("description", 0) >= 1

    wait_for(processed, 420, "the valid events of every kind")
