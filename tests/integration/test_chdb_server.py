"""ClickHouse 26.x from chdb-core as a managed local server: up, migrations, rows, down.

chdb is the stack's default server; this test runs one on ports and a state directory of its
own, so its lifecycle (start, status, restart with the data kept) is checked whichever server
the suite runs on.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.clickhouse import rows
from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import migrate
from streams.delivery.sinks.clickhouse import ClickHouseSink
from streams.records import SentimentResult, SourceRef
from streams.settings import Settings
from streams.tooling.stack.local import LocalStack

pytestmark = pytest.mark.integration


def _settings(home: Path) -> Settings:
    return Settings(
        home=home,
        stack={  # type: ignore[arg-type]
            "clickhouse_server": "chdb",
            "clickhouse_tcp_port": 29700,
            "clickhouse_http_port": 29701,
            "clickhouse_interserver_port": 29702,
        },
        clickhouse={"url": "clickhouse://127.0.0.1:29700/shopstream"},  # type: ignore[arg-type]
    )


def _result(i: int) -> SentimentResult:
    return SentimentResult(
        result_id=f"r-{i}",
        review_id=f"rev-{i}",
        product_id="sku-1",
        label="negative",
        score=0.9,
        probabilities={"negative": 0.9, "neutral": 0.05, "positive": 0.05},
        rating=1,
        model="sentiment",
        model_version="1",
        source=SourceRef(topic="shop.reviews", partition=0, offset=i, event_id=f"e-{i}"),
        review_created_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    )


def test_chdb_server_runs_the_schema_and_the_sinks_rows(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    stack = LocalStack(settings)
    server = stack.clickhouse
    try:
        assert server.up() > 0
        version = server.version() or ""
        assert int(version.split(".")[0]) >= 26, version
        (status,) = [s for s in stack.status() if s.name == "clickhouse-chdb"]
        assert status.running and status.version == version
        client = make_client(settings.clickhouse, database="default")
        try:
            # The engine ignores config.xml's <timezone>: the stack runs it with TZ=UTC, so
            # DateTime values are not read back in the machine's zone.
            assert client.execute("SELECT timezone()") == [("UTC",)]
        finally:
            client.disconnect()
        assert migrate(settings.clickhouse, settings.migrations_dir)
        assert migrate(settings.clickhouse, settings.migrations_dir) == []

        sink = ClickHouseSink(settings.clickhouse, settings.batch)
        batch = [rows.sentiment_row(_result(i)) for i in range(5)]
        for _ in range(2):  # a replayed batch collapses under FINAL
            asyncio.run(sink.write(rows.SENTIMENT_TABLE, rows.SENTIMENT_COLUMNS, batch))
        sink.close()
        client = make_client(settings.clickhouse)
        try:
            final = client.execute("SELECT count() FROM review_sentiment FINAL")[0][0]
            minute = client.execute(
                "SELECT uniqExactMerge(reviews) FROM sentiment_minute WHERE product_id = 'sku-1'"
            )
        finally:
            client.disconnect()
        assert final == 5
        assert minute == [(5,)]
        assert server.down()
        assert not server.running()
        # Data survives a restart.
        server.up()
        client = make_client(settings.clickhouse)
        try:
            assert client.execute("SELECT count() FROM review_sentiment FINAL")[0][0] == 5
        finally:
            client.disconnect()
    finally:
        server.down()
