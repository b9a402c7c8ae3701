"""ClickHouse clients built from settings (native protocol via clickhouse-driver)."""

from __future__ import annotations

from typing import Any

from clickhouse_driver import Client

from streams.settings import ClickHouseSettings


def make_client(settings: ClickHouseSettings, *, database: str | None = None) -> Client:
    """A client for the configured server; ``database`` overrides the URL's database."""
    kwargs: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "database": database if database is not None else settings.database,
        "user": settings.user,
        "password": settings.password.get_secret_value(),
        "connect_timeout": settings.connect_timeout_s,
        "send_receive_timeout": 60,
        "secure": settings.secure or settings.url.startswith("clickhouses://"),
        "verify": settings.verify,
        "settings": {"insert_block_size": 100_000},
    }
    if settings.ca_certs is not None:
        kwargs["ca_certs"] = str(settings.ca_certs)
    return Client(**kwargs)
