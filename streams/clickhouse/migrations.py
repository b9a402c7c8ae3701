"""Versioned ClickHouse migrations, applied once each and in order, by server profile.

Files are ``NNN_name.sql`` (portable: applied on every server) or ``NNN_name.PROFILE.sql``
(``current`` or ``legacy``, see :mod:`streams.clickhouse.profiles`); statements end with
``;``. For each version a server gets its profile's file when there is one, the portable
file otherwise, and nothing when the version has neither (a feature the server lacks).
``{{name}}`` placeholders are filled from the settings (:func:`parameters`).

Applied versions are recorded with the checksum of the file that ran in
``schema_migrations``; an applied version whose files all differ from that checksum is an
error, not a silent divergence. Any variant of a version counts, so a database keeps its
history when its server is upgraded to another profile (its skipped versions then apply).
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from streams.clickhouse.client import connect, make_client
from streams.clickhouse.profiles import PROFILES, Profile, server_version
from streams.errors import MigrationError
from streams.settings import ClickHouseSettings

log = logging.getLogger(__name__)

Variant = Literal["portable", "current", "legacy"]
_VARIANTS: dict[str, Variant] = {"portable": "portable", "current": "current", "legacy": "legacy"}
_FILE = re.compile(r"^(\d{3,})_([a-z0-9_]+)(?:\.([a-z0-9]+))?\.sql$")
_LOOKS_LIKE_MIGRATION = re.compile(r"^\d+_.*\.sql$")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
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
class MigrationFile:
    """One migration file: portable, or for one server profile."""

    version: int
    name: str
    variant: Variant
    sql: str

    @property
    def checksum(self) -> str:
        """sha256 of the file as written (placeholders unfilled, so settings may change)."""
        return hashlib.sha256(self.sql.encode()).hexdigest()

    def statements(self, params: dict[str, str] | None = None) -> list[str]:
        """The file's statements with placeholders filled, comments dropped.

        Raises:
            MigrationError: a placeholder names no known parameter.
        """
        values = params or {}

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                msg = f"migration {self.version}_{self.name}: unknown placeholder {name!r}"
                raise MigrationError(msg)
            return values[name]

        lines = [line for line in self.sql.splitlines() if not line.strip().startswith("--")]
        text = _PLACEHOLDER.sub(fill, "\n".join(lines))
        return [part.strip() for part in text.split(";") if part.strip()]


@dataclass(frozen=True)
class Migration:
    """One migration version and its files (a portable one and/or per-profile ones)."""

    version: int
    files: tuple[MigrationFile, ...]

    @property
    def name(self) -> str:
        return self.files[0].name

    @property
    def checksums(self) -> frozenset[str]:
        return frozenset(item.checksum for item in self.files)

    def for_profile(self, profile: Profile) -> MigrationFile | None:
        """The file a server of ``profile`` runs: its own variant, else the portable one."""
        by_variant = {item.variant: item for item in self.files}
        return by_variant.get(profile) or by_variant.get("portable")


def load_migrations(directory: Path) -> list[Migration]:
    """Every migration in a directory, ordered by version.

    Raises:
        MigrationError: the directory is missing, a file looks like a migration but its name
            does not parse or names an unknown profile, or a version has two files of one
            variant or files of different names.
    """
    if not directory.is_dir():
        msg = f"migrations directory {directory} does not exist"
        raise MigrationError(msg)
    grouped: dict[int, list[MigrationFile]] = {}
    for path in sorted(directory.iterdir()):
        match = _FILE.match(path.name)
        if match is None:
            if _LOOKS_LIKE_MIGRATION.match(path.name):
                msg = f"{path.name}: migration files are NNN_name.sql or NNN_name.PROFILE.sql"
                raise MigrationError(msg)
            continue
        variant = _VARIANTS.get(match.group(3) or "portable")
        if variant is None:
            msg = (
                f"{path.name}: unknown server profile {match.group(3)!r} "
                f"(known: {', '.join(PROFILES)})"
            )
            raise MigrationError(msg)
        item = MigrationFile(int(match.group(1)), match.group(2), variant, path.read_text())
        grouped.setdefault(item.version, []).append(item)
    found = []
    for version, files in sorted(grouped.items()):
        variants = [item.variant for item in files]
        names = {item.name for item in files}
        if len(set(variants)) != len(variants) or len(names) != 1:
            listed = ", ".join(f"{item.name}.{item.variant}" for item in files)
            msg = f"migration {version} in {directory} has conflicting files: {listed}"
            raise MigrationError(msg)
        found.append(Migration(version, tuple(files)))
    return found


def parameters(settings: ClickHouseSettings) -> dict[str, str]:
    """The values migrations' ``{{name}}`` placeholders are filled with."""
    return {
        "text_retention_days": str(settings.text_retention_days),
        "deduplication_window": str(settings.deduplication_window),
    }


def migrate(settings: ClickHouseSettings, directory: Path) -> list[int]:
    """Create the database and apply pending migrations; returns the versions applied now."""
    migrations = load_migrations(directory)
    database = settings.database
    bootstrap = connect(settings, database="default")
    try:
        bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    finally:
        bootstrap.disconnect()
    client = make_client(settings)
    applied_now: list[int] = []
    params = parameters(settings)
    try:
        profile = server_version(client).profile
        client.execute(_TABLE)
        rows = client.execute("SELECT version, checksum FROM schema_migrations FINAL")
        applied = {int(version): str(checksum) for version, checksum in rows}
        for migration in migrations:
            previous = applied.get(migration.version)
            if previous is not None:
                if previous not in migration.checksums:
                    msg = (
                        f"migration {migration.version}_{migration.name} changed after it was "
                        "applied; add a new migration instead of editing an applied one"
                    )
                    raise MigrationError(msg)
                continue
            chosen = migration.for_profile(profile)
            if chosen is None:
                continue
            for statement in chosen.statements(params):
                client.execute(statement)
            client.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES",
                [(chosen.version, chosen.name, chosen.checksum, datetime.now(UTC))],
            )
            log.info(
                "clickhouse.migrated version=%d name=%s variant=%s profile=%s",
                chosen.version, chosen.name, chosen.variant, profile,
            )  # fmt: skip
            applied_now.append(chosen.version)
    finally:
        client.disconnect()
    return applied_now
