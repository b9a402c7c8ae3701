"""The tally after a scenario: what came out of ClickHouse, the topics and the logs.

Each output path is counted twice, in ClickHouse after ``FINAL`` and in its output topic: an
expected id missing from either is lost; an id with more than one row after ``FINAL`` is
doubled (its ids were not deterministic). Replays after a crash show in the topics as extra
records (at-least-once), which is expected and reported separately. Every expected dead
letter is looked up by its unique key and checked for its origin headers and its bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from streams.clickhouse.client import make_client
from streams.delivery import deadletter as dl
from streams.delivery.intake import header_pairs
from streams.errors import ShopstreamError
from streams.kafka_config import reader_config
from streams.settings import Settings
from streams.tooling.chaos.traffic import ExpectedLetter, Feed


@dataclass(frozen=True)
class Record:
    """One message read back from a topic."""

    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]


def read_topic(settings: Settings, topic: str, timeout_s: float = 120.0) -> list[Record]:
    """Every message of a topic up to each partition's end at call time.

    Raises:
        ShopstreamError: the end of some partition was not reached within ``timeout_s``.
    """
    consumer = Consumer(reader_config(settings.kafka, "chaos-reader"))
    try:
        metadata = consumer.list_topics(topic, timeout=30)
        ends: dict[int, int] = {}
        for partition in metadata.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=30)
            if high > low:
                ends[partition] = high
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends])
        out: list[Record] = []
        done: set[int] = set()
        deadline = time.monotonic() + timeout_s
        while len(done) < len(ends) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            headers = header_pairs(message.headers())
            out.append(Record(message.key(), message.value() or b"", headers))
            if (message.offset() or 0) + 1 >= ends[message.partition() or 0]:
                done.add(message.partition() or 0)
    finally:
        consumer.close()
    if len(done) < len(ends):
        msg = f"{topic}: did not reach the end of every partition in {timeout_s:.0f}s"
        raise ShopstreamError(msg)
    return out


def query(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query on the scenario's database."""
    client = make_client(settings.clickhouse)
    try:
        return list(client.execute(sql))
    finally:
        client.disconnect()


def path_tally(
    expected: set[str], rows: Iterable[tuple[str, int]], topic_ids: Iterable[str]
) -> dict[str, Any]:
    """Counts of one output path: ``rows`` are (id, rows after FINAL) from ClickHouse."""
    per_id = dict(rows)
    records = list(topic_ids)
    in_topic = set(records)
    stored = set(per_id)
    return {
        "expected": len(expected),
        "clickhouse_distinct": len(stored & expected),
        "topic_distinct": len(in_topic & expected),
        "topic_records": len(records),
        "lost_clickhouse": len(expected - stored),
        "lost_topic": len(expected - in_topic),
        "lost": len(expected - (stored & in_topic)),
        "doubled": sum(1 for n in per_id.values() if n > 1),
        "unexpected": len((stored | in_topic) - expected),
        # A few of the missing ids, to look for in the logs and topics.
        "lost_sample": sorted(expected - (stored & in_topic))[:5],
    }


def _field(records: list[Record], name: str) -> list[str]:
    return [str(json.loads(r.value)[name]) for r in records]


def sentiment_tally(settings: Settings, feed: Feed, poison: set[str]) -> dict[str, Any]:
    """Sentiment results: review ids in ``review_sentiment FINAL`` and the results topic."""
    rows = query(
        settings, "SELECT review_id, count() FROM review_sentiment FINAL GROUP BY review_id"
    )
    topic = _field(read_topic(settings, settings.topics.sentiment), "review_id")
    # A poison event's output may have landed in the sink that did not refuse it.
    rows = [(i, n) for i, n in rows if i not in poison]
    return path_tally(feed.reviews, rows, [i for i in topic if i not in poison])


def alert_tally(settings: Settings, feed: Feed) -> dict[str, Any]:
    """Alerts: products with an alert, and (product, window) raised more than once."""
    rows = query(
        settings,
        "SELECT product_id, count() FROM sentiment_alerts FINAL GROUP BY product_id, window_start",
    )
    per_product: Counter[str] = Counter()
    doubled = 0
    for product, n in rows:
        per_product[product] += 1
        doubled += n > 1
    records = read_topic(settings, settings.topics.alerts)
    topic_products = _field(records, "product_id")
    tally = path_tally(feed.alert_products, [(p, 1) for p in per_product], topic_products)
    # Alerts of products outside the bursts are allowed (ordinary reviews can turn a product).
    tally.update(doubled=doubled, windows_alerted=len(rows), unexpected=0)
    return tally


def generation_tally(settings: Settings, feed: Feed) -> dict[str, dict[str, Any]]:
    """Replies and descriptions: audit rows by input event id, and the output topics."""
    rows = query(
        settings,
        "SELECT toString(task), event_id, count() FROM generated_content FINAL "
        "GROUP BY task, event_id",
    )
    replies = [(e, n) for task, e, n in rows if task == "reply"]
    descriptions = [(e, n) for task, e, n in rows if task == "description"]
    by_message = {m: e for e, m in feed.chats.items()}
    reply_events = [
        by_message.get(m, m)
        for m in _field(read_topic(settings, settings.topics.replies), "in_reply_to")
    ]
    described = _field(read_topic(settings, settings.topics.descriptions), "source_event_id")
    return {
        "replies": path_tally(set(feed.chats), replies, reply_events),
        "descriptions": path_tally(feed.updates, descriptions, described),
    }


def letter_matches(letter: Record, want: ExpectedLetter) -> bool:
    """Whether a dead letter names its origin and keeps (or fingerprints) the original bytes."""
    headers = dl.parse_headers(list(letter.headers))
    origin = (
        headers.get(dl.SOURCE_TOPIC) == want.topic
        and headers.get(dl.SOURCE_PARTITION, "").isdigit()
        and headers.get(dl.SOURCE_OFFSET, "").isdigit()
        and bool(headers.get(dl.ERROR_CLASS))
        and bool(headers.get(dl.STAGE))
        and (want.stage is None or headers.get(dl.STAGE) == want.stage)
    )
    if letter.value == want.value:
        return origin
    return (
        origin
        and want.value.startswith(letter.value)
        and headers.get(dl.ORIGINAL_SIZE) == str(len(want.value))
        and headers.get(dl.ORIGINAL_SHA256) == hashlib.sha256(want.value).hexdigest()
    )


def letter_tally(settings: Settings, feed: Feed) -> dict[str, Any]:
    """Expected dead letters found with their origin headers, by kind and stage."""
    letters = read_topic(settings, settings.topics.deadletter)
    by_key: dict[str, list[Record]] = {}
    for letter in letters:
        by_key.setdefault((letter.key or b"").decode(errors="replace"), []).append(letter)
    found = missing = bad = 0
    stages: Counter[str] = Counter()
    missing_kinds: Counter[str] = Counter()
    for key, want in feed.letters.items():
        copies = by_key.get(key, [])
        if not copies:
            missing += 1
            missing_kinds[want.kind] += 1
            continue
        if any(letter_matches(c, want) for c in copies):
            found += 1
        else:
            bad += 1
        stages[dl.parse_headers(list(copies[0].headers)).get(dl.STAGE, "?")] += 1
    unexpected = sum(len(v) for k, v in by_key.items() if k not in feed.letters)
    return {
        "expected": len(feed.letters),
        "found_with_origin": found,
        "missing": missing,
        "bad_headers_or_bytes": bad,
        "letters": len(letters),
        "unexpected": unexpected,
        "by_stage": dict(sorted(stages.items())),
        "by_kind": dict(sorted(Counter(w.kind for w in feed.letters.values()).items())),
        "missing_by_kind": dict(sorted(missing_kinds.items())),
    }


_RESTART = re.compile(r"worker\.restart reason=(\S+)")


def log_tally(text: str) -> dict[str, Any]:
    """Restarts (by reason), gap repairs, resyncs, stall restarts and crashes from worker logs."""
    reasons = Counter(_RESTART.findall(text))
    return {
        "restarts": sum(reasons.values()),
        "restarts_by_reason": dict(sorted(reasons.items())),
        "gap_repairs": text.count("gap.repaired"),
        "consumer_resyncs": text.count("consumer.resync"),
        "stall_restarts": reasons.get("stalled", 0),
        "stalls_detected": text.count("worker.stalled"),
        "agent_crashes": text.count("agent.crashed"),
        "gave_up": text.count("supervisor.gave_up"),
    }
