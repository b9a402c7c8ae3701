"""Malformed events of every kind land in the dead-letter topic; valid ones are processed."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime

import pytest
from confluent_kafka.admin import AdminClient, ConfigResource

from streams.clickhouse import rows
from streams.clickhouse.profiles import Profile
from streams.delivery.deadletter import parse_headers
from streams.delivery.sinks.clickhouse import ClickHouseSink
from streams.kafka_config import confluent_config
from streams.records import SentimentResult, SourceRef
from streams.settings import Settings
from streams.tooling.sample_data import SampleShop
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import (
    StartWorker,
    consume,
    produce_events,
    query,
    sentiment_count,
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
        stage = headers["x-shopstream-stage"]
        expected = {"decode": "DecodeError", "validate": "ContractError"}
        assert headers["x-shopstream-error-class"] == expected[stage]
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


# The sentiment topic accepts records up to this size: above the producer's batch size
# (16 KiB), so batches of ordinary results always fit, and below the result of a review
# with a 30,000-character review_id, which the broker then refuses (not retriable).
SMALL_TOPIC_BYTES = 18_000


def _shrink_topic(settings: Settings, topic: str, max_bytes: int) -> None:
    admin = AdminClient(confluent_config(settings.kafka))
    resource = ConfigResource("topic", topic, set_config={"max.message.bytes": str(max_bytes)})
    for future in admin.alter_configs([resource]).values():
        future.result(timeout=30)


def _poison(shop: SampleShop, profile: Profile) -> dict[str, tuple[bytes, str]]:
    """Poison reviews by key: raw value and the stage that must dead-letter it.

    A review dated 1969 is poison only where the schema stores DateTime (1970-2106): a
    current server's DateTime64 holds it, and it is stored like any other review.
    """

    def review(**fields: object) -> dict[str, object]:
        return {**shop.review(), **fields}

    def raw(event: dict[str, object], field: str, json_text: str) -> bytes:
        return json.dumps({**event, field: "@@"}).encode().replace(b'"@@"', json_text.encode())

    poison = {
        "poison-int": (raw(review(), "rating", "9" * 5_000), "decode"),
        "poison-deep": (raw(review(), "extra", "[" * 10_000 + "]" * 10_000), "decode"),
        "poison-big": (json.dumps(review(text="x" * 999_000)).encode(), "decode"),
        "poison-1969": (json.dumps(review(created_at="1969-07-20T20:17:40Z")).encode(), "validate"),
        "poison-result": (json.dumps(review(review_id="r" * 30_000)).encode(), "publish"),
    }
    if profile == "current":
        del poison["poison-1969"]
    return poison


@pytest.mark.clickhouse
def test_poison_reviews_are_dead_lettered_and_the_worker_goes_on(
    settings: Settings, start_worker: StartWorker, server_profile: Profile
) -> None:
    _shrink_topic(settings, settings.topics.sentiment, SMALL_TOPIC_BYTES)
    start_worker("sentiment", 16078)
    shop = SampleShop(seed=29)
    valid = [shop.review() for _ in range(40)]
    if server_profile == "current":
        valid[7]["created_at"] = "1969-07-20T20:17:40Z"
    poison = _poison(shop, server_profile)
    events: list[tuple[str, bytes | dict[str, object]]] = [(e["product_id"], e) for e in valid]
    for index, (key, (value, _)) in enumerate(poison.items()):
        events.insert(index * 8 + 3, (key, value))
    produce_events(settings, settings.topics.reviews, events)

    letters = consume(settings, settings.topics.deadletter, until=len(poison), timeout_s=300)
    by_key = {(m.key() or b"").decode(): m for m in letters}
    assert set(by_key) == set(poison)
    for key, (value, stage) in poison.items():
        message = by_key[key]
        headers = parse_headers(message.headers())
        assert headers["x-shopstream-source-topic"] == settings.topics.reviews
        assert int(headers["x-shopstream-source-offset"]) >= 0
        assert headers["x-shopstream-stage"] == stage, (key, headers)
        assert headers["x-shopstream-error-message"]
        if key == "poison-big":
            # Larger than a producer request once headers are added: stored truncated.
            assert len(value_of(message)) < len(value)
            assert value.startswith(value_of(message))
            assert headers["x-shopstream-original-size"] == str(len(value))
            assert headers["x-shopstream-original-sha256"] == hashlib.sha256(value).hexdigest()
        else:
            assert value_of(message) == value
    assert (
        "max_int_digits"
        in parse_headers(by_key["poison-int"].headers())["x-shopstream-error-message"]
    )
    assert (
        "max_depth" in parse_headers(by_key["poison-deep"].headers())["x-shopstream-error-message"]
    )
    if "poison-1969" in by_key:
        reason = parse_headers(by_key["poison-1969"].headers())["x-shopstream-error-message"]
        assert "created_at" in reason
        assert "outside the event times the sink stores (DateTime: 1970" in reason

    valid_ids = {e["review_id"] for e in valid}

    def stored_ids() -> set[str]:
        return {r[0] for r in query(settings, "SELECT review_id FROM review_sentiment FINAL")}

    wait_for(lambda: valid_ids <= stored_ids(), 240, "a row for every valid review")
    if server_profile == "current":
        stored_1969 = query(
            settings,
            "SELECT review_created_at FROM review_sentiment FINAL WHERE review_id = %(id)s",
            {"id": valid[7]["review_id"]},
        )
        assert stored_1969 == [
            (datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC).replace(tzinfo=None),)
        ]
    # The refused result's row may have landed (same id on replay); nothing else did.
    assert stored_ids() - valid_ids <= {"r" * 30_000}

    # Still processing afterwards.
    later = [shop.review() for _ in range(10)]
    produce_events(settings, settings.topics.reviews, [(e["product_id"], e) for e in later])
    later_ids = {e["review_id"] for e in later}
    wait_for(lambda: later_ids <= stored_ids(), 240, "rows for reviews sent after the poison")


@pytest.mark.clickhouse
def test_clickhouse_rows_the_server_cannot_hold_are_isolated(
    settings: Settings, server_profile: Profile
) -> None:
    """Against the real server: the bad rows are found by bisecting, the others land.

    A review time before 1970 is bad where the schema stores DateTime, and lands where it
    stores DateTime64 (a current server).
    """
    good = [_sentiment_row(n) for n in range(9)]
    rating_column = rows.SENTIMENT_COLUMNS.index("rating")
    too_high = list(_sentiment_row(97))
    too_high[rating_column] = 300  # Nullable(UInt8)
    before_epoch = list(_sentiment_row(98))
    before_epoch[-2] = datetime(1969, 7, 20, tzinfo=UTC).replace(tzinfo=None)
    not_a_label = list(_sentiment_row(99))
    not_a_label[4] = "furious"
    batch = [
        *good[:2], tuple(too_high), *good[2:4], tuple(before_epoch), *good[4:8],
        tuple(not_a_label), good[8],
    ]  # fmt: skip
    sink = ClickHouseSink(settings.clickhouse, settings.batch)
    try:
        rejected = asyncio.run(sink.write(rows.SENTIMENT_TABLE, rows.SENTIMENT_COLUMNS, batch))
    finally:
        sink.close()
    reasons = {r.index: str(r.error) for r in rejected}
    assert "rating" in reasons[2]
    assert sink.healthy
    if server_profile == "current":
        assert sorted(reasons) == [2, 10]
        assert sentiment_count(settings) == 10
    else:
        assert sorted(reasons) == [2, 5, 10]
        assert "review_created_at" in reasons[5]
        assert sentiment_count(settings) == 9


def _sentiment_row(n: int) -> tuple[object, ...]:
    result = SentimentResult(
        result_id=f"res-{n}",
        review_id=f"rev-{n}",
        product_id="p-1",
        label="positive",
        score=0.9,
        probabilities={"positive": 0.9, "neutral": 0.05, "negative": 0.05},
        model="m",
        model_version="1",
        source=SourceRef(topic="t", partition=0, offset=n, event_id=f"e-{n}"),
        review_created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    return rows.sentiment_row(result)
