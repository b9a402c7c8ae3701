"""Reviews in → sentiment out to Kafka and ClickHouse, malformed ones to the dead-letter topic."""

from __future__ import annotations

import json

import pytest

from models.classifier import Classifier
from models.registry import Registry
from streams.delivery.deadletter import parse_headers
from streams.records import Review
from streams.sentiment import review_text
from streams.settings import Settings
from streams.tooling.sample_data import SampleShop
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import (
    StartWorker,
    consume,
    payload,
    produce_events,
    query,
    sentiment_count,
    value_of,
    wait_for,
)

N_VALID = 300
N_BAD = 15


@pytest.fixture
def worker(start_worker: StartWorker) -> WorkerProcess:
    return start_worker("sentiment,alerts", 16071)


def test_reviews_flow_end_to_end_and_bad_ones_are_dead_lettered(
    settings: Settings, worker: WorkerProcess
) -> None:
    shop = SampleShop(seed=11)
    valid = [shop.review() for _ in range(N_VALID)]
    bad = [shop.malformed("review") for _ in range(N_BAD)]
    events: list[tuple[str, bytes | dict[str, object]]] = [(e["product_id"], e) for e in valid]
    for index, raw in enumerate(bad):
        events.insert(index * 20, (f"bad-{index}", raw))
    produce_events(settings, settings.topics.reviews, events)

    wait_for(lambda: sentiment_count(settings) >= N_VALID, 180, "sentiment rows")
    rows = query(
        settings,
        "SELECT result_id, review_id, toString(label), source_offset FROM review_sentiment FINAL",
    )
    assert len(rows) == N_VALID
    assert len({r[0] for r in rows}) == N_VALID
    assert {r[1] for r in rows} == {e["review_id"] for e in valid}

    records = consume(settings, settings.topics.sentiment, until=N_VALID)
    published = {payload(m)["review_id"]: payload(m) for m in records}
    assert set(published) == {e["review_id"] for e in valid}
    assert all((m.key() or b"").decode() == payload(m)["product_id"] for m in records)

    # Labels agree with the model run directly on the same texts.
    classifier = Classifier.load(Registry(settings.models_path).resolve("sentiment"), device="cpu")
    texts = [review_text(Review.model_validate_json(json.dumps(e))) for e in valid]
    expected = {
        e["review_id"]: p.label for e, p in zip(valid, classifier.predict(texts), strict=True)
    }
    got = {r[1]: r[2] for r in rows}
    # The CPU model is dynamically quantised: activation scales are computed over each batch,
    # so a review near the neutral band can flip when its batch neighbours differ.
    agreement = sum(got[k] == v for k, v in expected.items()) / len(expected)
    assert agreement >= 0.95, agreement
    assert set(got.values()) <= {"negative", "neutral", "positive"}

    letters = consume(settings, settings.topics.deadletter, until=N_BAD)
    assert len(letters) == N_BAD
    assert sorted(value_of(m) for m in letters) == sorted(bad)
    inputs = consume(settings, settings.topics.reviews, until=N_VALID + N_BAD)
    at = {(m.partition(), m.offset()): m.value() for m in inputs}
    for message in letters:
        headers = parse_headers(message.headers())
        assert headers["x-shopstream-source-topic"] == settings.topics.reviews
        origin = (
            int(headers["x-shopstream-source-partition"]),
            int(headers["x-shopstream-source-offset"]),
        )
        assert at[origin] == message.value()
        # Unparseable values fail at decode, contract violations at validate.
        expected = {"decode": "DecodeError", "validate": "ContractError"}
        assert headers["x-shopstream-error-class"] == expected[headers["x-shopstream-stage"]]
        assert headers["x-shopstream-error-message"]

    health = worker.ready()
    assert health
