"""Versioned ClickHouse migrations, applied once each and in order.

Files are ``NNN_name.sql`` in the migrations directory; statements end with ``;``. Applied
versions are recorded with a checksum in ``schema_migrations``; changing an applied file is
an error, not a silent divergence.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from streams.clickhouse.client import connect, make_client
from streams.errors import MigrationError
from streams.settings import ClickHouseSettings

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")
_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version
"""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self) -> list[str]:
        """The file's statements, comments dropped."""
        lines = [line for line in self.sql.splitlines() if not line.strip().startswith("--")]
        return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def load_migrations(directory: Path) -> list[Migration]:
    """Every migration in a directory, ordered by version."""
    if not directory.is_dir():
        msg = f"migrations directory {directory} does not exist"
        raise MigrationError(msg)
    found: list[Migration] = []
    for path in sorted(directory.iterdir()):
        match = _FILE.match(path.name)
        if match is None:
            continue
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [item.version for item in found]
    if len(set(versions)) != len(versions):
        msg = f"duplicate migration versions in {directory}: {versions}"
        raise MigrationError(msg)
    return found


def migrate(settings: ClickHouseSettings, directory: Path) -> list[int]:
    """Create the database and apply pending migrations; returns the versions applied now."""
    database = settings.database
    bootstrap = connect(settings, database="default")
    try:
        bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    finally:
        bootstrap.disconnect()
    client = make_client(settings)
    applied_now: list[int] = []
    try:
        client.execute(_TABLE)
        rows = client.execute("SELECT version, checksum FROM schema_migrations FINAL")
        applied = {int(version): str(checksum) for version, checksum in rows}
        for migration in load_migrations(directory):
            previous = applied.get(migration.version)
            if previous is not None:
                if previous != migration.checksum:
                    msg = (
                        f"migration {migration.version}_{migration.name} changed after it was "
                        "applied; add a new migration instead of editing an applied one"
                    )
                    raise MigrationError(msg)
                continue
            for statement in migration.statements():
                client.execute(statement)
            client.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES",
                [(migration.version, migration.name, migration.checksum, datetime.now(UTC))],
            )
            log.info("clickhouse.migrated version=%d name=%s", migration.version, migration.name)
            applied_now.append(migration.version)
    finally:
        client.disconnect()
    return applied_now
