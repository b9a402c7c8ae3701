"""Records as ClickHouse rows: the column list and the row tuple of each table."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from streams.records import SentimentAlert, SentimentResult

SENTIMENT_TABLE = "review_sentiment"
SENTIMENT_COLUMNS = (
    "result_id", "review_id", "product_id", "event_id", "label", "score",
    "p_negative", "p_neutral", "p_positive", "rating", "model_name", "model_version",
    "source_topic", "source_partition", "source_offset", "review_created_at", "processed_at",
)  # fmt: skip
ALERTS_TABLE = "sentiment_alerts"
ALERT_COLUMNS = (
    "alert_id", "product_id", "window_start", "window_end", "reviews", "negatives",
    "negative_share", "baseline", "severity", "raised_at", "phrases",
)  # fmt: skip


SOURCE_COLUMNS = ("source_topic", "source_partition", "source_offset")


def deduplication_token(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> str:
    """The ``insert_deduplication_token`` of one insert: its rows' source offsets and ids.

    A batch replayed after a crash holds the same events at the same offsets and yields the
    same deterministic ids (the first column), so it gets the same token and a current server
    stores it once. Rows without source columns (alerts) are keyed by their ids alone. Order
    does not matter; any other difference in the keys makes another token.
    """
    if set(SOURCE_COLUMNS) <= set(columns):
        at = [columns.index(name) for name in SOURCE_COLUMNS]
        keys = sorted((str(row[0]), *(str(row[i]) for i in at)) for row in rows)
    else:
        keys = sorted((str(row[0]),) for row in rows)
    digest = hashlib.sha256(json.dumps([table, list(columns), keys]).encode()).hexdigest()
    return f"{table}:{digest}"


def naive_utc(when: datetime) -> datetime:
    """ClickHouse DateTime columns take naive UTC datetimes from clickhouse-driver."""
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo is not None else when


def sentiment_row(result: SentimentResult) -> tuple[Any, ...]:
    probs = result.probabilities
    return (
        result.result_id, result.review_id, result.product_id, result.source.event_id,
        result.label, result.score, probs.get("negative", 0.0), probs.get("neutral", 0.0),
        probs.get("positive", 0.0), result.rating, result.model, result.model_version,
        result.source.topic, result.source.partition, result.source.offset,
        naive_utc(result.review_created_at), naive_utc(result.processed_at),
    )  # fmt: skip


def alert_row(alert: SentimentAlert) -> tuple[Any, ...]:
    return (
        alert.alert_id, alert.product_id, naive_utc(alert.window_start),
        naive_utc(alert.window_end), alert.reviews, alert.negatives, alert.negative_share,
        alert.baseline, alert.severity, naive_utc(alert.raised_at), list(alert.phrases),
    )  # fmt: skip
