"""ClickHouse clients built from settings (native protocol via clickhouse-driver)."""

from __future__ import annotations

from typing import Any

from clickhouse_driver import Client
from clickhouse_driver.errors import Error, ServerException

from streams.errors import StackError
from streams.settings import ClickHouseSettings

# Server error codes that mean "these credentials are not accepted" (516 on current servers).
_AUTHENTICATION_CODES = {
    192: "unknown user",
    193: "wrong password",
    194: "password required",
    516: "authentication failed",
}


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


def connect(settings: ClickHouseSettings, *, database: str | None = None) -> Client:
    """A client that has connected and authenticated, so bad credentials surface here.

    Raises:
        StackError: authentication failed (the message says so and names the user, never the
            password), the TLS handshake failed, or the server could not be reached.
    """
    client = make_client(settings, database=database)
    where = f"{settings.host}:{settings.port}"
    try:
        client.connection.connect()
    except ServerException as exc:
        client.disconnect()
        reason = _AUTHENTICATION_CODES.get(exc.code)
        if reason is not None:
            msg = (
                f"ClickHouse authentication failed for user {settings.user!r} at {where}: {reason}"
            )
            raise StackError(msg) from exc
        msg = f"ClickHouse at {where} refused the connection: {exc.message.splitlines()[0]}"
        raise StackError(msg) from exc
    except Error as exc:
        client.disconnect()
        secure = client.connection.secure_socket
        kind = "TLS connection" if secure and "SSL" in str(exc) else "connection"
        msg = f"ClickHouse {kind} to {where} failed: {exc}"
        raise StackError(msg) from exc
    return client
