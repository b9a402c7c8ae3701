"""Server profiles: which schema a ClickHouse server gets, decided by its version.

``current`` servers (22.8 and later) store event times as DateTime64, labels as
LowCardinality, customer text with TTL retention and deduplicate inserts by token; ``legacy``
servers (Debian's 18.16 and anything before 22.8) get the portable subset only. 22.8 is the
first long-term-support release with every one of those features, DateTime64's 1900-2299
range and ``insert_deduplication_token`` included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from clickhouse_driver import Client

Profile = Literal["current", "legacy"]
PROFILES: tuple[Profile, ...] = ("current", "legacy")
CURRENT_SINCE = (22, 8)


@dataclass(frozen=True, order=True)
class ServerVersion:
    """A ClickHouse server version (``SELECT version()``), compared part by part."""

    major: int
    minor: int
    patch: int = 0

    @classmethod
    def parse(cls, text: str) -> ServerVersion:
        """Parse ``26.9.2.1`` or ``18.16.1``; later parts are ignored.

        Raises:
            ValueError: the text does not start with ``MAJOR.MINOR``.
        """
        parts = text.strip().split(".")
        if len(parts) < 2 or not all(part.isdigit() for part in parts[:3]):
            msg = f"not a ClickHouse version: {text!r}"
            raise ValueError(msg)
        numbers = [int(part) for part in parts[:3]]
        return cls(*numbers)

    @property
    def profile(self) -> Profile:
        """The schema profile a server of this version gets."""
        return "current" if (self.major, self.minor) >= CURRENT_SINCE else "legacy"

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def server_version(client: Client) -> ServerVersion:
    """The version of the server ``client`` talks to."""
    return ServerVersion.parse(str(client.execute("SELECT version()")[0][0]))
