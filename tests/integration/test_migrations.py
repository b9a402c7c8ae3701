"""ClickHouse migrations against the real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import load_migrations, migrate
from streams.errors import MigrationError
from streams.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.clickhouse]


def _tables(settings: Settings) -> set[str]:
    client = make_client(settings.clickhouse)
    try:
        return {row[0] for row in client.execute("SHOW TABLES")}
    finally:
        client.disconnect()


def test_migrations_are_applied_once(settings: Settings) -> None:
    tables = _tables(settings)
    assert {
        "review_sentiment",
        "sentiment_alerts",
        "sentiment_minute",
        "generated_content",
    } <= tables
    assert migrate(settings.clickhouse, settings.migrations_dir) == []
    assert _tables(settings) == tables


def test_changing_an_applied_migration_is_refused(settings: Settings, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir, copy)
    first = sorted(copy.glob("001_*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited\nSELECT 1;\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        migrate(settings.clickhouse, copy)


def test_a_new_migration_is_applied(settings: Settings, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir, copy)
    latest = max(m.version for m in load_migrations(copy))
    (copy / f"{latest + 1:03d}_extra.sql").write_text(
        "CREATE TABLE IF NOT EXISTS extra (id String) ENGINE = MergeTree() ORDER BY id;"
    )
    assert migrate(settings.clickhouse, copy) == [latest + 1]
    assert "extra" in _tables(settings)
