"""Audit query building, time parsing and export formatting (no server needed)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from clickhouse_driver.util.escape import escape_params
from pydantic import ValidationError

from streams.audit import (
    COLUMNS,
    TABLE,
    AuditError,
    AuditFilter,
    ReportRow,
    build_query,
    csv_cell,
    export,
    parse_time,
    report_queries,
    split_model,
    where_clause,
)
from streams.audit.query import reason_kind
from streams.cli.audit import audit, query_command
from streams.settings import Settings

NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def rendered(audit_filter: AuditFilter) -> str:
    """The SQL as clickhouse-driver sends it (strings, ints and tuples need no server)."""
    sql, params = build_query(audit_filter)
    return sql % escape_params(params, context=None)


def test_no_filter_reads_every_column_with_final() -> None:
    sql, params = build_query(AuditFilter())
    assert params == {}
    assert "FROM generated_content FINAL" in sql
    assert "WHERE" not in sql
    assert "LIMIT" not in sql
    assert sql.splitlines()[-1] == "ORDER BY created_at DESC, task, id"
    select = sql.splitlines()[0]
    for column in COLUMNS:
        assert column in select
    assert "toTimeZone(created_at, 'UTC')" in select
    assert "toTimeZone(event_time, 'UTC')" in select


@pytest.mark.parametrize(
    ("audit_filter", "clause", "params"),
    [
        (AuditFilter(products=("p1",)), "product_id IN %(products)s", {"products": ("p1",)}),
        (
            AuditFilter(conversations=("c1", "c2")),
            "conversation_id IN %(conversations)s",
            {"conversations": ("c1", "c2")},
        ),
        (AuditFilter(models=("smollm2",)), "(model_name = %(model_0)s)", {"model_0": "smollm2"}),
        (
            AuditFilter(models=("smollm2@1.1",)),
            "((model_name = %(model_0)s AND model_version = %(model_version_0)s))",
            {"model_0": "smollm2", "model_version_0": "1.1"},
        ),
        (AuditFilter(verdict="rejected"), "verdict = %(verdict)s", {"verdict": "rejected"}),
        (AuditFilter(task="description"), "task = %(task)s", {"task": "description"}),
        (AuditFilter(fallback=True), "fallback = %(fallback)s", {"fallback": 1}),
        (AuditFilter(fallback=False), "fallback = %(fallback)s", {"fallback": 0}),
        (
            AuditFilter(since=NOW),
            "created_at >= toDateTime(%(since)s)",
            {"since": int(NOW.timestamp())},
        ),
        (
            AuditFilter(until=NOW),
            "created_at < toDateTime(%(until)s)",
            {"until": int(NOW.timestamp())},
        ),
    ],
)
def test_each_filter_is_one_clause_with_its_parameters(
    audit_filter: AuditFilter, clause: str, params: dict[str, object]
) -> None:
    where, got = where_clause(audit_filter)
    assert where == f"WHERE {clause}"
    assert got == params


def test_filters_combine_with_and_and_models_with_or() -> None:
    audit_filter = AuditFilter(
        products=("p1",), models=("a@1", "b"), verdict="accepted", fallback=False, limit=5
    )
    sql, params = build_query(audit_filter)
    assert (
        "WHERE product_id IN %(products)s AND ((model_name = %(model_0)s AND model_version = "
        "%(model_version_0)s) OR model_name = %(model_1)s) AND verdict = %(verdict)s AND "
        "fallback = %(fallback)s"
    ) in sql
    assert sql.endswith("LIMIT %(limit)s")
    assert params["limit"] == 5
    assert params["model_1"] == "b"


def test_a_quoted_product_id_stays_a_parameter() -> None:
    hostile = "x' OR 1=1) --\\"
    audit_filter = AuditFilter(products=(hostile,), conversations=("c'; DROP TABLE t; --",))
    sql, params = build_query(audit_filter)
    assert hostile not in sql
    assert "DROP" not in sql
    assert params["products"] == (hostile,)
    # As sent, the value is one escaped string literal inside the IN list.
    assert "product_id IN ('x\\' OR 1=1) --\\\\')" in rendered(audit_filter)


def test_columns_match_what_the_writer_inserts() -> None:
    from streams.generation.generated import AUDIT_COLUMNS, AUDIT_TABLE

    assert (AUDIT_TABLE, AUDIT_COLUMNS) == (TABLE, COLUMNS)


def test_columns_are_whitelisted() -> None:
    sql, _ = build_query(AuditFilter(columns=("id", "output")))
    assert sql.startswith("SELECT id, output\n")
    with pytest.raises(ValidationError, match="unknown columns"):
        AuditFilter(columns=("id", "1; DROP TABLE generated_content"))
    with pytest.raises(ValidationError, match="unknown columns"):
        AuditFilter(columns=())


def test_oldest_first_orders_ascending() -> None:
    sql, _ = build_query(AuditFilter(newest_first=False))
    assert "ORDER BY created_at ASC, task, id" in sql


@pytest.mark.parametrize("limit", [0, -3])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValidationError):
        AuditFilter(limit=limit)


def test_filter_is_frozen() -> None:
    audit_filter = AuditFilter()
    with pytest.raises(ValidationError, match="frozen"):
        audit_filter.limit = 3


def test_model_specs() -> None:
    assert split_model("smollm2") == ("smollm2", None)
    assert split_model("smollm2@1.1") == ("smollm2", "1.1")
    assert split_model("org/model@v2@rc1") == ("org/model@v2", "rc1")
    for bad in ("@1.0", "smollm2@", ""):
        with pytest.raises(AuditError):
            split_model(bad)
    with pytest.raises(ValidationError):
        AuditFilter(models=("@1.0",))


def test_times_are_utc() -> None:
    naive = AuditFilter(since=datetime(2024, 5, 1, 0, 0))  # noqa: DTZ001 - naive on purpose
    assert naive.since == datetime(2024, 5, 1, tzinfo=UTC)
    shifted = AuditFilter(until=datetime(2024, 5, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))))
    assert shifted.until == datetime(2024, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("90m", NOW - timedelta(minutes=90)),
        ("2w", NOW - timedelta(weeks=2)),
        ("30s", NOW - timedelta(seconds=30)),
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        ("2024-05-01T10:30:00", datetime(2024, 5, 1, 10, 30, tzinfo=UTC)),
        ("2024-05-01T10:30:00Z", datetime(2024, 5, 1, 10, 30, tzinfo=UTC)),
        ("2024-05-01T12:30:00+02:00", datetime(2024, 5, 1, 10, 30, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "7 days", "24x", "2024-13-01", ""])
def test_parse_time_rejects_garbage(text: str) -> None:
    with pytest.raises(AuditError, match="relative age"):
        parse_time(text, now=NOW)


def test_report_queries_share_the_window_and_split_by_task() -> None:
    totals, reasons, params = report_queries(NOW - timedelta(days=1), NOW, task="reply")
    assert "FROM generated_content FINAL" in totals
    assert "verdict" not in totals.split("WHERE")[1]
    assert "arrayJoin(reasons)" in reasons
    # Reasons of accepted texts (removed sentences) count too.
    assert "verdict" not in reasons.split("WHERE")[1]
    assert "GROUP BY task_name" in totals and "GROUP BY task_name" in reasons
    assert params == {
        "since": int(NOW.timestamp()) - 86_400,
        "until": int(NOW.timestamp()),
        "task": "reply",
    }


def test_csv_cells() -> None:
    assert csv_cell(["a", 'b "c"']) == '["a", "b \\"c\\""]'
    assert csv_cell([]) == "[]"
    assert csv_cell(True) == "true"
    assert csv_cell(datetime(2024, 5, 1, 3, 4, 5, tzinfo=UTC)) == "2024-05-01T03:04:05Z"
    assert csv_cell(None) == ""
    assert csv_cell(1.5) == "1.5"


ROWS = [
    {"id": "a", "reasons": ["pii:email", "x,y"], "fallback": True, "output": 'line1\n"q", ü'},
    {"id": "b", "reasons": [], "fallback": False, "output": ""},
]


def test_export_csv_has_a_header_and_json_arrays() -> None:
    out = io.StringIO()
    assert export(ROWS, out, "csv", ["id", "reasons", "fallback", "output"]) == 2
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["id"] for row in parsed] == ["a", "b"]
    assert json.loads(parsed[0]["reasons"]) == ["pii:email", "x,y"]
    assert parsed[0]["output"] == 'line1\n"q", ü'
    assert parsed[1]["fallback"] == "false"


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_json(fmt: str) -> None:
    out = io.StringIO()
    export(ROWS, out, fmt, ["id", "reasons", "fallback", "output"])  # type: ignore[arg-type]
    text = out.getvalue()
    loaded = json.loads(text) if fmt == "json" else [json.loads(x) for x in text.splitlines()]
    assert loaded == ROWS


def test_export_of_nothing_is_still_valid() -> None:
    out = io.StringIO()
    assert export([], out, "json", ["id"]) == 0
    assert json.loads(out.getvalue()) == []


def test_report_row_rates_and_dict() -> None:
    row = ReportRow(
        task="reply", model_name="m", model_version="1", day=date(2024, 5, 1), total=4,
        accepted=3, rejected=1, fallbacks=1, with_pii=1, top_reasons=(("pii", 1),),
        latency_mean_ms=10.0, latency_p95_ms=20.0, prompt_tokens=40, completion_tokens=12,
    )  # fmt: skip
    assert row.rejection_rate == 0.25
    assert row.fallback_rate == 0.25
    data = row.as_dict()
    assert data["day"] == "2024-05-01"
    assert data["top_reasons"] == [{"reason": "pii", "count": 1}]
    assert json.loads(json.dumps(data)) == data


def test_cli_rejects_a_bad_time_before_querying() -> None:
    result = CliRunner().invoke(audit, ["query", "--since", "yesterday"], obj=Settings())
    assert result.exit_code == 2
    assert "relative age" in result.output


def test_cli_rejects_unknown_columns() -> None:
    result = CliRunner().invoke(audit, ["query", "--columns", "id,secret"], obj=Settings())
    assert result.exit_code == 2
    assert "unknown columns ['secret']" in result.output


def test_cli_reports_a_bad_model_in_one_line() -> None:
    result = CliRunner().invoke(audit, ["query", "--model", "@1.0"], obj=Settings())
    assert result.exit_code == 2
    assert "models: Value error, model '@1.0' must be NAME or NAME@VERSION" in result.output


def test_cli_fallback_is_unfiltered_unless_asked() -> None:
    def parsed(*args: str) -> object:
        return query_command.make_context("query", list(args), obj=Settings()).params["fallback"]

    assert parsed() is None
    assert parsed("--fallback") is True
    assert parsed("--no-fallback") is False


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("invented_number:7", "invented_number"),
        ("removed:material:cotton", "removed:material"),
        ("timeout", "timeout"),
        ("pii:email", "pii"),
    ],
)
def test_reason_kind_drops_the_detail(reason: str, kind: str) -> None:
    assert reason_kind(reason) == kind


def test_new_filters_are_parameters_not_sql() -> None:
    where, params = where_clause(
        AuditFilter(
            intents=("order_status",),
            reason_kinds=("invented_number", "removed"),
            pii_kinds=("card",),
            event_ids=("e-1'; DROP TABLE x",),
        )
    )
    assert "intent IN %(intents)s" in where
    assert "event_id IN %(event_ids)s" in where
    assert "DROP" not in where
    assert params["kind_prefix_0"] == "invented_number:"
    assert "substring(r, 1, 16) = %(kind_prefix_0)s" in where
    assert params["pii_kinds"] == ["card"]
