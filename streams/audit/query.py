"""Audit filters and the ``SELECT … FINAL`` they become; reading the selected rows.

Filters become ``WHERE`` clauses whose values travel only as clickhouse-driver parameters;
column names come from :data:`COLUMNS`, never from the caller. Filters compare Unix seconds
and rows come back with aware UTC datetimes, whatever the server's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from clickhouse_driver.errors import Error as ClickHouseError
from pydantic import BaseModel, ConfigDict, Field, field_validator

from streams.clickhouse.client import make_client
from streams.errors import ShopstreamError
from streams.settings import Settings

TABLE = "generated_content"
COLUMNS = (
    "id", "task", "source_topic", "source_partition", "source_offset", "event_id", "event_time",
    "product_id", "conversation_id", "intent", "prompt_template", "prompt_template_version",
    "prompt", "output", "published", "model_name", "model_version", "model_sha256",
    "generation_params", "verdict", "fallback", "reasons", "pii_types", "prompt_tokens",
    "completion_tokens", "latency_ms", "created_at",
)  # fmt: skip
"""Every column of ``generated_content``, in table order (an integration test pins this)."""
DATETIME_COLUMNS = frozenset({"event_time", "created_at"})
ARRAY_COLUMNS = frozenset({"reasons", "pii_types"})

Task = Literal["reply", "description"]
Verdict = Literal["accepted", "rejected"]

_RELATIVE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class AuditError(ShopstreamError):
    """An audit filter is invalid or the audit query failed."""


def parse_time(text: str, *, now: datetime | None = None) -> datetime:
    """Parse ``now``, a relative age (``90m``, ``24h``, ``7d``, ``2w``) or an ISO timestamp.

    Args:
        text: The time as typed; an ISO value without offset is taken as UTC.
        now: The reference for relative ages (the current time when omitted).

    Returns:
        An aware UTC datetime.

    Raises:
        AuditError: The text is neither a relative age nor an ISO timestamp.
    """
    now = now or datetime.now(UTC)
    value = text.strip().lower()
    if value == "now":
        return now.astimezone(UTC)
    match = _RELATIVE.match(value)
    if match:
        age = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
        return now.astimezone(UTC) - age
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        msg = f"{text!r} is not an ISO timestamp or a relative age like 24h or 7d"
        raise AuditError(msg) from None
    return to_utc(parsed)


def to_utc(when: datetime) -> datetime:
    """The same instant as an aware UTC datetime; naive values are taken as UTC."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def split_model(spec: str) -> tuple[str, str | None]:
    """Split ``name@version`` into its parts; a spec without ``@`` matches any version."""
    name, sep, version = spec.rpartition("@")
    if not sep and spec:
        return spec, None
    if not name or not version:
        msg = f"model {spec!r} must be NAME or NAME@VERSION"
        raise AuditError(msg)
    return name, version


class AuditFilter(BaseModel):
    """Which ``generated_content`` rows to read, and how.

    Attributes:
        products: Product ids to keep (any of them); empty keeps all.
        conversations: Conversation ids to keep (any of them); empty keeps all.
        models: ``NAME`` or ``NAME@VERSION`` specs to keep (any of them); empty keeps all.
        intents: Reply intents to keep (any of them); empty keeps all.
        reason_kinds: Keep rows with a guard reason of any of these kinds (see
            :func:`reason_kind`; a kind also matches its finer kinds, so ``removed`` matches
            ``removed:material``); empty keeps all.
        pii_kinds: Keep rows where any of these PII kinds was found; empty keeps all.
        event_ids: Input event ids to keep (any of them); empty keeps all.
        ids: Output ids (the audit rows' ``id``) to keep; empty keeps all.
        verdict: Keep only accepted or only rejected outputs.
        task: Keep only replies or only descriptions.
        fallback: Keep only fallbacks (``True``) or only model outputs (``False``).
        since: Oldest ``created_at`` kept (inclusive).
        until: Newest ``created_at`` kept (exclusive).
        limit: At most this many rows.
        columns: Columns to return, a subset of :data:`COLUMNS`.
        newest_first: Order by ``created_at`` descending (ascending otherwise).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    products: tuple[str, ...] = ()
    conversations: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    reason_kinds: tuple[str, ...] = ()
    pii_kinds: tuple[str, ...] = ()
    event_ids: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    verdict: Verdict | None = None
    task: Task | None = None
    fallback: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = Field(default=None, gt=0)
    columns: tuple[str, ...] = COLUMNS
    newest_first: bool = True

    @field_validator("models")
    @classmethod
    def _models_parse(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for spec in value:
            try:
                split_model(spec)
            except AuditError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else to_utc(value)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in COLUMNS]
        if unknown or not value:
            msg = f"unknown columns {unknown}; choose from {', '.join(COLUMNS)}"
            raise ValueError(msg)
        return value


def reason_kind(reason: str) -> str:
    """The kind of a guard reason: the reason without its last ``:detail`` segment.

    ``invented_number:7`` is of kind ``invented_number``, ``removed:material:cotton`` of kind
    ``removed:material``; a reason without a detail (``timeout``) is its own kind.
    """
    head, sep, _ = reason.rpartition(":")
    return head if sep else reason


def _any_of(column: str, values: tuple[str, ...], name: str, params: dict[str, Any]) -> str:
    params[name] = values
    return f"{column} IN %({name})s"


def where_clause(audit: AuditFilter) -> tuple[str, dict[str, Any]]:
    """The ``WHERE`` clause (empty when nothing is filtered) and its parameters."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for column, values, name in (
        ("product_id", audit.products, "products"),
        ("conversation_id", audit.conversations, "conversations"),
        ("intent", audit.intents, "intents"),
        ("event_id", audit.event_ids, "event_ids"),
        ("id", audit.ids, "ids"),
    ):
        if values:
            clauses.append(_any_of(column, values, name, params))
    if audit.reason_kinds:
        # A reason is of kind K when it is K or starts with "K:" (portable to ClickHouse 18.16:
        # no startsWith there, and LIKE would read "_" in kind names as a wildcard).
        alternatives = []
        for index, kind in enumerate(audit.reason_kinds):
            params[f"kind_{index}"] = kind
            params[f"kind_prefix_{index}"] = f"{kind}:"
            alternatives.append(
                f"arrayExists(r -> r = %(kind_{index})s OR substring(r, 1, "
                f"{len(kind) + 1}) = %(kind_prefix_{index})s, reasons)"
            )
        clauses.append("(" + " OR ".join(alternatives) + ")")
    if audit.pii_kinds:
        params["pii_kinds"] = list(audit.pii_kinds)
        clauses.append("arrayExists(k -> has(%(pii_kinds)s, k), pii_types)")
    if audit.models:
        alternatives = []
        for index, spec in enumerate(audit.models):
            name, version = split_model(spec)
            params[f"model_{index}"] = name
            if version is None:
                alternatives.append(f"model_name = %(model_{index})s")
            else:
                params[f"model_version_{index}"] = version
                alternatives.append(
                    f"(model_name = %(model_{index})s"
                    f" AND model_version = %(model_version_{index})s)"
                )
        clauses.append("(" + " OR ".join(alternatives) + ")")
    for column in ("verdict", "task"):
        value = getattr(audit, column)
        if value is not None:
            clauses.append(f"{column} = %({column})s")
            params[column] = value
    if audit.fallback is not None:
        clauses.append("fallback = %(fallback)s")
        params["fallback"] = int(audit.fallback)
    # Unix seconds, not datetime literals: a literal would be read in the server's time zone.
    if audit.since is not None:
        clauses.append("created_at >= toDateTime(%(since)s)")
        params["since"] = int(audit.since.timestamp())
    if audit.until is not None:
        clauses.append("created_at < toDateTime(%(until)s)")
        params["until"] = int(audit.until.timestamp())
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _select(column: str) -> str:
    # toTimeZone makes the driver return aware UTC datetimes instead of naive server-local ones.
    return f"toTimeZone({column}, 'UTC')" if column in DATETIME_COLUMNS else column


def build_query(audit: AuditFilter) -> tuple[str, dict[str, Any]]:
    """The ``SELECT … FINAL`` for a filter, and its parameters.

    Args:
        audit: The filter.

    Returns:
        The SQL (values only as ``%(name)s`` placeholders) and the parameters.
    """
    where, params = where_clause(audit)
    direction = "DESC" if audit.newest_first else "ASC"
    parts = [
        f"SELECT {', '.join(_select(column) for column in audit.columns)}",
        f"FROM {TABLE} FINAL",
        where,
        f"ORDER BY created_at {direction}, task, id",
    ]
    if audit.limit is not None:
        parts.append("LIMIT %(limit)s")
        params["limit"] = audit.limit
    return "\n".join(part for part in parts if part), params


def _row(columns: Sequence[str], values: Sequence[Any]) -> dict[str, Any]:
    row = dict(zip(columns, values, strict=True))
    if "fallback" in row:
        row["fallback"] = bool(row["fallback"])
    for column in ARRAY_COLUMNS.intersection(row):
        row[column] = list(row[column])
    return row


def iter_rows(settings: Settings, audit: AuditFilter) -> Iterator[dict[str, Any]]:
    """Stream the rows a filter selects, as column → value dicts (for large exports).

    Raises:
        AuditError: The query failed on the server or the server could not be reached.
    """
    sql, params = build_query(audit)
    client = make_client(settings.clickhouse)
    try:
        for values in client.execute_iter(sql, params):
            yield _row(audit.columns, values)
    except ClickHouseError as exc:
        msg = f"audit query failed: {exc}"
        raise AuditError(msg) from exc
    finally:
        client.disconnect()


def fetch(settings: Settings, audit: AuditFilter) -> list[dict[str, Any]]:
    """Every row a filter selects, as column → value dicts.

    Args:
        settings: Where ClickHouse is.
        audit: The filter.

    Returns:
        Rows in filter order; datetimes aware UTC, ``fallback`` a bool, arrays as lists.
    """
    return list(iter_rows(settings, audit))
