"""Migration files by server profile, server versions and insert deduplication tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.clickhouse.migrations import Migration, load_migrations, parameters
from streams.clickhouse.profiles import ServerVersion
from streams.clickhouse.rows import deduplication_token
from streams.errors import MigrationError
from streams.settings import ClickHouseSettings, Settings


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


def _by_version(directory: Path) -> dict[int, Migration]:
    return {item.version: item for item in load_migrations(directory)}


@pytest.mark.parametrize(
    ("text", "expected", "profile"),
    [
        ("18.16.1", ServerVersion(18, 16, 1), "legacy"),
        ("22.7.3.5", ServerVersion(22, 7, 3), "legacy"),
        ("22.8.1.1", ServerVersion(22, 8, 1), "current"),
        ("26.9.2.1", ServerVersion(26, 9, 2), "current"),
        ("100.1", ServerVersion(100, 1, 0), "current"),
    ],
)
def test_server_versions_parse_and_choose_a_profile(
    text: str, expected: ServerVersion, profile: str
) -> None:
    version = ServerVersion.parse(text)
    assert version == expected
    assert version.profile == profile


@pytest.mark.parametrize("text", ["", "26", "v26.9", "26.x.1"])
def test_a_malformed_version_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a ClickHouse version"):
        ServerVersion.parse(text)


def test_each_profile_gets_its_variant_or_the_portable_file(tmp_path: Path) -> None:
    found = _by_version(
        _write(
            tmp_path,
            {
                "001_base.sql": "CREATE TABLE a (x UInt8) ENGINE = Log;",
                "002_times.current.sql": "ALTER TABLE a ADD COLUMN t DateTime64(3);",
                "003_phrases.sql": "ALTER TABLE a ADD COLUMN IF NOT EXISTS p Array(String);",
                "003_phrases.legacy.sql": "ALTER TABLE a ADD COLUMN p Array(String);",
                "README.md": "not a migration",
            },
        )
    )
    assert sorted(found) == [1, 2, 3]
    chosen = {
        (version, profile): item.for_profile(profile)
        for version, item in found.items()
        for profile in ("current", "legacy")
    }
    assert {key: value.variant if value else None for key, value in chosen.items()} == {
        (1, "current"): "portable",
        (1, "legacy"): "portable",
        (2, "current"): "current",
        (2, "legacy"): None,
        (3, "current"): "portable",
        (3, "legacy"): "legacy",
    }
    legacy_phrases = chosen[(3, "legacy")]
    assert legacy_phrases is not None
    assert legacy_phrases.statements() == ["ALTER TABLE a ADD COLUMN p Array(String)"]
    assert found[3].checksums == {item.checksum for item in found[3].files}
    assert len(found[3].checksums) == 2


@pytest.mark.parametrize(
    "files",
    [
        {"004_a.sql": "SELECT 1;", "004_b.sql": "SELECT 2;"},
        {"004_a.current.sql": "SELECT 1;", "004_b.legacy.sql": "SELECT 2;"},
        {"004_a.nightly.sql": "SELECT 1;"},
        {"004_Upper.sql": "SELECT 1;"},
    ],
)
def test_conflicting_or_misnamed_files_are_refused(tmp_path: Path, files: dict[str, str]) -> None:
    with pytest.raises(MigrationError):
        load_migrations(_write(tmp_path, files))


def test_placeholders_are_filled_from_the_settings_and_unknown_ones_refused(
    tmp_path: Path,
) -> None:
    found = _by_version(
        _write(
            tmp_path,
            {
                "001_ttl.current.sql": (
                    "-- keeps text {{text_retention_days}} days\n"
                    "CREATE TABLE t (c DateTime, s String TTL c + INTERVAL "
                    "{{ text_retention_days }} DAY) ENGINE = MergeTree ORDER BY c "
                    "SETTINGS non_replicated_deduplication_window = {{deduplication_window}};"
                ),
                "002_bad.sql": "SELECT {{retention}};",
            },
        )
    )
    params = parameters(ClickHouseSettings(text_retention_days=7, deduplication_window=50))
    ttl = found[1].for_profile("current")
    assert ttl is not None
    [statement] = ttl.statements(params)
    assert "INTERVAL 7 DAY" in statement
    assert statement.endswith("non_replicated_deduplication_window = 50")
    bad = found[2].for_profile("legacy")
    assert bad is not None
    with pytest.raises(MigrationError, match="unknown placeholder 'retention'"):
        bad.statements(params)


def test_the_project_migrations_keep_a_portable_base_and_current_only_extras() -> None:
    found = _by_version(Settings().migrations_dir)
    for version in (1, 2):
        assert {item.variant for item in found[version].files} == {"portable"}
    current_only = [v for v, item in found.items() if item.for_profile("legacy") is None]
    assert current_only, "the current profile has migrations of its own"
    for version in current_only:
        current = found[version].for_profile("current")
        assert current is not None
        assert all("{{" not in s for s in current.statements(parameters(ClickHouseSettings())))


COLUMNS = ("result_id", "label", "source_topic", "source_partition", "source_offset")


def _row(offset: int, result_id: str | None = None) -> tuple[object, ...]:
    return (result_id or f"r-{offset}", "negative", "shop.reviews", 0, offset)


def test_deduplication_tokens_follow_the_rows_source_offsets_and_ids() -> None:
    batch = [_row(i) for i in range(5)]
    token = deduplication_token("review_sentiment", COLUMNS, batch)
    assert token == deduplication_token("review_sentiment", COLUMNS, list(reversed(batch)))
    others = [
        deduplication_token("review_sentiment", COLUMNS, batch[:4]),
        deduplication_token("review_sentiment", COLUMNS, [*batch[:4], _row(5)]),
        deduplication_token("review_sentiment", COLUMNS, [*batch[:4], _row(4, "r-other")]),
        deduplication_token("sentiment_alerts", COLUMNS, batch),
    ]
    assert token not in others
    assert len(set(others)) == len(others)
    # Without source columns the ids alone key the insert.
    alerts = [("a-1", "p-1"), ("a-2", "p-2")]
    assert deduplication_token("sentiment_alerts", ("alert_id", "product_id"), alerts) != (
        deduplication_token("sentiment_alerts", ("alert_id", "product_id"), alerts[:1])
    )
