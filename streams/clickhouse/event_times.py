"""The event times the connected ClickHouse schema stores, read from its column types.

A current server's schema (migrations 003-005) stores event times as DateTime64, a legacy
one as DateTime (1970-2106). Intake validates incoming event times against what the tables
hold, so a time the sink could not store is dead-lettered at ``validate`` instead of being
scored and then refused.
"""

from __future__ import annotations

from clickhouse_driver import Client

from streams.clickhouse.client import make_client
from streams.errors import MigrationError
from streams.records import DATETIME64_RANGE, DATETIME_RANGE, EventTimeRange
from streams.settings import ClickHouseSettings

# (table, column) of every column an input's event time lands in.
EVENT_TIME_COLUMNS = (
    ("review_sentiment", "review_created_at"),
    ("generated_content", "event_time"),
)


def column_types(client: Client) -> dict[tuple[str, str], str]:
    """The types of :data:`EVENT_TIME_COLUMNS` in the client's database."""
    # Tables filtered by the server, columns here: 18.16 has no tuple IN over a parameter.
    rows = client.execute(
        "SELECT table, name, type FROM system.columns "
        "WHERE database = currentDatabase() AND table IN %(tables)s",
        {"tables": tuple({table for table, _ in EVENT_TIME_COLUMNS})},
    )
    wanted = set(EVENT_TIME_COLUMNS)
    found = {(str(table), str(name)): str(kind) for table, name, kind in rows}
    return {key: kind for key, kind in found.items() if key in wanted}


def range_of(types: dict[tuple[str, str], str]) -> EventTimeRange:
    """The range every event-time column holds: DateTime64's only when all are DateTime64.

    Raises:
        MigrationError: a column is missing (the database is not migrated).
    """
    missing = [
        f"{table}.{name}" for table, name in EVENT_TIME_COLUMNS if (table, name) not in types
    ]
    if missing:
        msg = f"event-time columns missing (run `shopstream migrate`): {', '.join(missing)}"
        raise MigrationError(msg)
    # Nullable(...) or a time zone argument do not change the range.
    if all("DateTime64" in kind for kind in types.values()):
        return DATETIME64_RANGE
    return DATETIME_RANGE


def stored_event_times(settings: ClickHouseSettings) -> EventTimeRange:
    """The event times the configured database's tables store."""
    client = make_client(settings)
    try:
        return range_of(column_types(client))
    finally:
        client.disconnect()
