"""The schema each server gets: DateTime64, TTL and deduplicated inserts on a current server,
the portable subset on 18.16, and migrations chosen by profile against the real server."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.clickhouse import rows
from streams.clickhouse.event_times import stored_event_times
from streams.clickhouse.migrations import migrate
from streams.clickhouse.profiles import Profile
from streams.delivery.sinks.clickhouse import ClickHouseSink
from streams.records import DATETIME64_RANGE, DATETIME_RANGE, SentimentResult, SourceRef
from streams.settings import Settings
from streams.tooling.sandbox import drop, sandboxed
from tests.integration.helpers import query

pytestmark = [pytest.mark.integration, pytest.mark.clickhouse]

MOON_LANDING = datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC)


Row = tuple[object, ...]


def _result(i: int, created: datetime = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)) -> Row:
    result = SentimentResult(
        result_id=f"res-{i}",
        review_id=f"rev-{i}",
        product_id="p-1",
        label="negative",
        score=0.9,
        probabilities={"negative": 0.9, "neutral": 0.05, "positive": 0.05},
        model="m",
        model_version="1",
        source=SourceRef(topic="shop.reviews", partition=i % 2, offset=i, event_id=f"e-{i}"),
        review_created_at=created,
    )
    return rows.sentiment_row(result)


def _write(settings: Settings, batch: list[Row]) -> list[int]:
    sink = ClickHouseSink(settings.clickhouse, settings.batch)
    try:
        rejected = asyncio.run(sink.write(rows.SENTIMENT_TABLE, rows.SENTIMENT_COLUMNS, batch))
    finally:
        sink.close()
    return [r.index for r in rejected]


def test_event_times_follow_the_servers_schema(settings: Settings, server_profile: Profile) -> None:
    stored = stored_event_times(settings.clickhouse)
    batch = [_result(0), _result(1, MOON_LANDING)]
    rejected = _write(settings, batch)
    kept = query(settings, "SELECT review_id, review_created_at FROM review_sentiment FINAL")
    if server_profile == "current":
        assert stored == DATETIME64_RANGE
        assert rejected == []
        assert ("rev-1", MOON_LANDING.replace(tzinfo=None)) in kept
        minute = query(settings, "SELECT min(minute) FROM sentiment_minute")[0][0]
        assert minute == MOON_LANDING.replace(second=0, tzinfo=None)
    else:
        assert stored == DATETIME_RANGE
        assert rejected == [1]
        assert [review_id for review_id, _ in kept] == ["rev-0"]


def test_a_batch_inserted_again_is_stored_once_before_final_on_a_current_server(
    settings: Settings, server_profile: Profile
) -> None:
    batch = [_result(i) for i in range(6)]
    for attempt in (batch, list(reversed(batch))):  # a replay, its rows in another order
        assert _write(settings, attempt) == []
    raw = query(settings, "SELECT count() FROM review_sentiment")[0][0]
    final = query(settings, "SELECT count() FROM review_sentiment FINAL")[0][0]
    assert final == 6
    assert raw == (6 if server_profile == "current" else 12)
    # Another batch (one offset more) is not taken for the first one.
    assert _write(settings, [_result(i) for i in range(7)]) == []
    assert query(settings, "SELECT count() FROM review_sentiment FINAL")[0][0] == 7


def test_customer_text_has_ttl_retention_on_a_current_server(
    base_settings: Settings, server_profile: Profile
) -> None:
    days = 17
    clickhouse = base_settings.clickhouse.model_copy(update={"text_retention_days": days})
    settings = sandboxed(base_settings.model_copy(update={"clickhouse": clickhouse}))
    try:
        ddl = query(settings, "SHOW CREATE TABLE generated_content")[0][0]
        sentiment_ddl = query(settings, "SHOW CREATE TABLE review_sentiment")[0][0]
    finally:
        drop(settings)
    if server_profile == "current":
        for column in ("prompt", "output", "published"):
            assert f"`{column}` String TTL toDateTime(created_at) + toIntervalDay({days})" in ddl
        assert "`model_name` LowCardinality(String)" in ddl
        assert "`event_time` DateTime64(3)" in ddl
        assert "non_replicated_deduplication_window" in sentiment_ddl
    else:
        assert "TTL" not in ddl
        assert "LowCardinality" not in ddl
        assert "DateTime64" not in ddl + sentiment_ddl


def test_a_portable_migration_after_the_profile_ones_applies_on_every_server(
    settings: Settings, server_profile: Profile, tmp_path: Path
) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir, copy)
    shipped = sorted({int(path.name[:3]) for path in copy.glob("[0-9][0-9][0-9]_*.sql")})
    later = shipped[-1] + 1
    # A plain file with a statement 18.16 lacks, and the legacy variant it needs.
    (copy / f"{later:03d}_probe_column.sql").write_text(
        "ALTER TABLE sentiment_alerts ADD COLUMN IF NOT EXISTS probe String;\n"
    )
    (copy / f"{later:03d}_probe_column.legacy.sql").write_text(
        "ALTER TABLE sentiment_alerts ADD COLUMN probe String;\n"
    )
    assert migrate(settings.clickhouse, copy) == [later]
    assert migrate(settings.clickhouse, copy) == []
    columns = query(
        settings,
        "SELECT name, type FROM system.columns "
        "WHERE database = currentDatabase() AND table = 'sentiment_alerts'",
    )
    assert ("probe", "String") in columns
    assert ("phrases", "Array(String)") in columns
    window_start = dict(columns)["window_start"]
    assert window_start == ("DateTime64(3)" if server_profile == "current" else "DateTime")
    applied = query(settings, "SELECT version FROM schema_migrations FINAL ORDER BY version")
    # 18.16 runs the versions with a plain or legacy file; current servers run every one.
    legacy = sorted(
        {int(p.name[:3]) for p in copy.glob("[0-9][0-9][0-9]_*.sql") if ".current." not in p.name}
    )
    expected = [*shipped, later] if server_profile == "current" else legacy
    assert [v for (v,) in applied] == expected
