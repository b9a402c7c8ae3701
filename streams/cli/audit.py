"""``shopstream audit query|report``: what the models said, for compliance officers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import click
from pydantic import ValidationError

from streams.audit import (
    COLUMNS,
    AuditError,
    AuditFilter,
    ExportFormat,
    ReportRow,
    Task,
    csv_cell,
    export,
    fetch,
    iter_rows,
    parse_time,
    plot_verdicts,
    report,
)
from streams.settings import Settings

TABLE_COLUMNS = (
    "created_at", "task", "id", "product_id", "conversation_id", "intent", "model_name",
    "model_version", "verdict", "fallback", "reasons", "pii_types", "latency_ms", "output",
    "published",
)  # fmt: skip
"""What ``--format table`` shows unless ``--columns`` says otherwise."""
_CELL_WIDTH = 48
_REPORT_FIELDS = (
    "task", "model_name", "model_version", "day", "total", "accepted", "rejected", "fallbacks",
    "with_pii", "top_reasons", "latency_mean_ms", "latency_p95_ms", "prompt_tokens",
    "completion_tokens", "fallback_rate", "rejection_rate",
)  # fmt: skip
"""Columns of ``audit report --format csv``."""


class TimeSpec(click.ParamType):
    """An ISO timestamp (UTC when no offset) or a relative age such as ``24h`` or ``7d``."""

    name = "TIME"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value), now=datetime.now(UTC))
        except AuditError as exc:
            self.fail(str(exc), param, ctx)


def _columns(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in COLUMNS]
    if unknown or not names:
        msg = f"unknown columns {unknown}; choose from {', '.join(COLUMNS)}"
        raise click.BadParameter(msg, param_hint="--columns")
    return names


def _cell(value: Any) -> str:
    text = csv_cell(value).replace("\n", " ")
    return text if len(text) <= _CELL_WIDTH else text[: _CELL_WIDTH - 1] + "…"


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned plain-text columns with a header rule."""
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)


@click.group()
def audit() -> None:
    """Read the generated-content audit trail (deduplicated with FINAL; times in UTC)."""


@audit.command(name="query")
@click.option("--product", "products", multiple=True, help="Product id (repeatable: any of).")
@click.option(
    "--conversation", "conversations", multiple=True, help="Conversation id (repeatable)."
)
@click.option("--model", "models", multiple=True, help="NAME or NAME@VERSION (repeatable).")
@click.option("--intent", "intents", multiple=True, help="Reply intent (repeatable).")
@click.option(
    "--reason-kind",
    "reason_kinds",
    multiple=True,
    help="Guard reason kind, e.g. invented_number or removed (repeatable).",
)
@click.option("--pii", "pii_kinds", multiple=True, help="PII kind found, e.g. card (repeatable).")
@click.option("--event-id", "event_ids", multiple=True, help="Input event id (repeatable).")
@click.option("--verdict", type=click.Choice(["accepted", "rejected"]), help="Guard verdict.")
@click.option("--task", type=click.Choice(["reply", "description"]), help="Generation task.")
@click.option("--fallback/--no-fallback", default=None, help="Only fallbacks / only model outputs.")
@click.option("--since", type=TimeSpec(), help="created_at >= this (ISO or 24h, 7d, …).")
@click.option("--until", type=TimeSpec(), help="created_at < this (ISO or 24h, 7d, …).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many rows.")
@click.option("--oldest-first", is_flag=True, help="Chronological order (newest first otherwise).")
@click.option(
    "--columns",
    "columns_text",
    metavar="A,B,…",
    help="Columns to show (default: all for csv/json, a summary for table).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "jsonl"]),
    default="table",
    show_default=True,
    help="json is one array, jsonl one object a line; csv arrays are JSON cells.",
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout)."
)
@click.pass_obj
def query_command(
    settings: Settings,
    products: tuple[str, ...],
    conversations: tuple[str, ...],
    models: tuple[str, ...],
    intents: tuple[str, ...],
    reason_kinds: tuple[str, ...],
    pii_kinds: tuple[str, ...],
    event_ids: tuple[str, ...],
    verdict: str | None,
    task: str | None,
    fallback: bool | None,
    since: datetime | None,
    until: datetime | None,
    limit: int | None,
    oldest_first: bool,
    columns_text: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Select generated replies and descriptions and print or export them."""
    columns = _columns(columns_text) or (TABLE_COLUMNS if fmt == "table" else COLUMNS)
    try:
        audit_filter = AuditFilter.model_validate(
            {
                "products": products,
                "conversations": conversations,
                "models": models,
                "intents": intents,
                "reason_kinds": reason_kinds,
                "pii_kinds": pii_kinds,
                "event_ids": event_ids,
                "verdict": verdict,
                "task": task,
                "fallback": fallback,
                "since": since,
                "until": until,
                "limit": limit,
                "columns": columns,
                "newest_first": not oldest_first,
            }
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise click.UsageError(problems) from exc
    # atomic: a failed export leaves no half-written file behind.
    with click.open_file(
        str(output or "-"), "w", encoding="utf-8", atomic=output is not None
    ) as out:
        if fmt == "table":
            rows = fetch(settings, audit_filter)
            cells = [[_cell(row[c]) for c in columns] for row in rows]
            out.write(render_table(columns, cells) + "\n")
            count = len(rows)
        else:
            count = export(iter_rows(settings, audit_filter), out, cast(ExportFormat, fmt), columns)
    if output is not None:
        click.echo(f"wrote {count} rows to {output}", err=True)


def _report_text(rows: Sequence[ReportRow]) -> str:
    headers = (
        "day", "task", "model", "total", "accepted", "rejected", "fallbacks", "fallback%",
        "rejected%", "with_pii", "mean_ms", "p95_ms", "prompt_tok", "compl_tok",
        "top reason kinds",
    )  # fmt: skip
    cells = [
        [
            row.day.isoformat(), row.task, f"{row.model_name}@{row.model_version}",
            str(row.total),
            str(row.accepted), str(row.rejected), str(row.fallbacks),
            f"{100 * row.fallback_rate:.1f}", f"{100 * row.rejection_rate:.1f}",
            str(row.with_pii), f"{row.latency_mean_ms:.1f}", f"{row.latency_p95_ms:.1f}",
            str(row.prompt_tokens),
            str(row.completion_tokens), ", ".join(f"{r} ({n})" for r, n in row.top_reasons),
        ]
        for row in rows
    ]  # fmt: skip
    return render_table(headers, cells)


@audit.command(name="report")
@click.option("--since", type=TimeSpec(), default="7d", show_default=True, help="ISO or 24h, 7d…")
@click.option("--until", type=TimeSpec(), default="now", show_default=True, help="Exclusive end.")
@click.option("--task", type=click.Choice(["reply", "description"]), help="Generation task.")
@click.option(
    "--top-reasons",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Rejection reasons listed per row.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout)."
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw verdicts per day as a PNG bar chart.",
)
@click.pass_obj
def report_command(
    settings: Settings,
    since: datetime,
    until: datetime,
    task: str | None,
    top_reasons: int,
    fmt: str,
    output: Path | None,
    plot: Path | None,
) -> None:
    """Per model version and UTC day: verdicts, fallback and rejection rates, latency, tokens."""
    rows = report(settings, since, until, task=cast(Task | None, task), top_reasons=top_reasons)
    with click.open_file(
        str(output or "-"), "w", encoding="utf-8", atomic=output is not None
    ) as out:
        if fmt == "text":
            out.write(_report_text(rows) + "\n")
        elif fmt == "json":
            out.write(json.dumps([row.as_dict() for row in rows], indent=2) + "\n")
        else:
            export((row.as_dict() for row in rows), out, "csv", _REPORT_FIELDS)
    if plot is not None:
        plot_verdicts(rows, plot)
        click.echo(f"plot written to {plot}", err=True)
