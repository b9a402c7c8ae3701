"""Values the console's filter menus offer, read from recent audit rows."""

from __future__ import annotations

from typing import Any

from clickhouse_driver.errors import Error as ClickHouseError

from streams.audit.query import TABLE, AuditError, reason_kind
from streams.clickhouse.client import make_client
from streams.settings import Settings

RECENT_DAYS = 90
"""Menus list what appeared in this many days (a filter still accepts any typed value)."""

_QUERIES = {
    "models": "SELECT DISTINCT concat(model_name, '@', model_version) FROM {t} {w}",
    "intents": "SELECT DISTINCT intent FROM {t} {w} AND intent != ''",
    "pii": "SELECT DISTINCT arrayJoin(pii_types) FROM {t} {w}",
    "reasons": "SELECT DISTINCT arrayJoin(reasons) FROM {t} {w}",
}


def filter_options(settings: Settings) -> dict[str, Any]:
    """Models, intents, PII kinds and reason kinds seen recently, each sorted.

    Raises:
        AuditError: the server could not be reached or a query failed.
    """
    where = f"WHERE created_at >= now() - {RECENT_DAYS * 86_400}"
    client = make_client(settings.clickhouse)
    found: dict[str, list[str]] = {}
    try:
        for name, sql in _QUERIES.items():
            rows = client.execute(sql.format(t=TABLE, w=where))
            found[name] = sorted({str(row[0]) for row in rows})
    except ClickHouseError as exc:
        msg = f"reading the console's filter options failed: {exc}"
        raise AuditError(msg) from exc
    finally:
        client.disconnect()
    return {
        "tasks": ["reply", "description"],
        "verdicts": ["accepted", "rejected"],
        "models": found["models"],
        "intents": found["intents"],
        "pii": found["pii"],
        "reason_kinds": sorted({reason_kind(reason) for reason in found["reasons"]}),
    }
