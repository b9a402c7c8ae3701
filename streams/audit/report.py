"""The daily audit report: verdicts, fallbacks, rejection reasons, latency and tokens."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from clickhouse_driver.errors import Error as ClickHouseError

from streams.audit.query import TABLE, AuditError, AuditFilter, Task, reason_kind, where_clause
from streams.clickhouse.client import make_client
from streams.settings import Settings


@dataclass(frozen=True)
class ReportRow:
    """What one model version produced for one task on one UTC day.

    Attributes:
        task: ``reply`` or ``description``.
        model_name: Model name.
        model_version: Model version.
        day: The UTC day of ``created_at``.
        total: Outputs (after ``FINAL``).
        accepted: Outputs the guard accepted.
        rejected: Outputs the guard rejected.
        fallbacks: Outputs that were fallbacks.
        with_pii: Outputs whose input or text held PII (redacted before storage).
        top_reasons: The most frequent guard reason kinds (see
            :func:`streams.audit.query.reason_kind`) with their counts, most first.
        latency_mean_ms: Mean generation latency.
        latency_p95_ms: 95th percentile of generation latency (ClickHouse ``quantile``).
        prompt_tokens: Prompt tokens, summed.
        completion_tokens: Completion tokens, summed.
    """

    task: str
    model_name: str
    model_version: str
    day: date
    total: int
    accepted: int
    rejected: int
    fallbacks: int
    with_pii: int
    top_reasons: tuple[tuple[str, int], ...]
    latency_mean_ms: float
    latency_p95_ms: float
    prompt_tokens: int
    completion_tokens: int

    @property
    def fallback_rate(self) -> float:
        """Share of outputs that were fallbacks."""
        return self.fallbacks / self.total if self.total else 0.0

    @property
    def rejection_rate(self) -> float:
        """Share of outputs the guard rejected."""
        return self.rejected / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        """All fields plus both rates, JSON-ready (``top_reasons`` as reason/count objects)."""
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["top_reasons"] = [{"reason": r, "count": n} for r, n in self.top_reasons]
        data["fallback_rate"] = self.fallback_rate
        data["rejection_rate"] = self.rejection_rate
        return data


_REPORT_SQL = """
SELECT toString(task) AS task_name, model_name, model_version, toDate(created_at, 'UTC') AS day,
    count() AS total, countIf(verdict = 'accepted') AS accepted,
    countIf(verdict = 'rejected') AS rejected, countIf(fallback = 1) AS fallbacks,
    countIf(notEmpty(pii_types)) AS with_pii, avg(latency_ms) AS latency_mean,
    quantile(0.95)(latency_ms) AS latency_p95, sum(prompt_tokens) AS prompt_tokens,
    sum(completion_tokens) AS completion_tokens
FROM {table} FINAL
{where}
GROUP BY task_name, model_name, model_version, day
ORDER BY day, task_name, model_name, model_version
"""
_REASONS_SQL = """
SELECT toString(task) AS task_name, model_name, model_version, toDate(created_at, 'UTC') AS day,
    arrayJoin(reasons) AS reason, count() AS hits
FROM {table} FINAL
{where}
GROUP BY task_name, model_name, model_version, day, reason
"""


def report_queries(
    since: datetime | None, until: datetime | None, *, task: Task | None = None
) -> tuple[str, str, dict[str, Any]]:
    """The totals query, the guard-reasons query, and their shared parameters.

    Reasons are counted on every row, accepted or not: a sentence the guard removed from an
    accepted text is an audited reason as much as a rejection is.
    """
    where, params = where_clause(AuditFilter(since=since, until=until, task=task))
    totals = _REPORT_SQL.format(table=TABLE, where=where)
    reasons = _REASONS_SQL.format(table=TABLE, where=where)
    return totals, reasons, params


def report(
    settings: Settings,
    since: datetime | None,
    until: datetime | None,
    *,
    task: Task | None = None,
    top_reasons: int = 3,
) -> list[ReportRow]:
    """Per model version and UTC day: verdicts, fallbacks, rejection reasons, latency, tokens.

    Args:
        settings: Where ClickHouse is.
        since: Oldest ``created_at`` counted (inclusive); ``None`` for no bound.
        until: Newest ``created_at`` counted (exclusive); ``None`` for no bound.
        task: Count only replies or only descriptions.
        top_reasons: How many rejection reasons to keep per row.

    Returns:
        One row per (model name, model version, day), ordered by day then model.

    Raises:
        AuditError: A query failed on the server or the server could not be reached.
    """
    totals_sql, reasons_sql, params = report_queries(since, until, task=task)
    client = make_client(settings.clickhouse)
    try:
        totals = client.execute(totals_sql, params)
        reason_rows = client.execute(reasons_sql, params)
    except ClickHouseError as exc:
        msg = f"audit report failed: {exc}"
        raise AuditError(msg) from exc
    finally:
        client.disconnect()
    # Reasons carry details ("invented_number:7"); they are counted by kind here, in Python,
    # because 18.16 has no function that strips the last ":" segment.
    kinds: dict[tuple[str, str, str, date], Counter[str]] = defaultdict(Counter)
    for task_name, name, version, day, reason, hits in reason_rows:
        kinds[(task_name, name, version, day)][reason_kind(reason)] += int(hits)
    return [
        ReportRow(
            task=task_name,
            model_name=name,
            model_version=version,
            day=day,
            total=int(total),
            accepted=int(accepted),
            rejected=int(rejected),
            fallbacks=int(fallbacks),
            with_pii=int(with_pii),
            top_reasons=_top(kinds.get((task_name, name, version, day)), top_reasons),
            latency_mean_ms=float(mean),
            latency_p95_ms=float(p95),
            prompt_tokens=int(prompt),
            completion_tokens=int(completion),
        )
        for (
            task_name, name, version, day, total, accepted, rejected, fallbacks, with_pii, mean,
            p95, prompt, completion,
        ) in totals
    ]  # fmt: skip


def _top(counts: Counter[str] | None, n: int) -> tuple[tuple[str, int], ...]:
    if not counts:
        return ()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:n])


def plot_verdicts(rows: Sequence[ReportRow], path: Path) -> None:
    """Draw accepted and rejected outputs per day (all models) as stacked bars into a PNG.

    Uses matplotlib's Agg canvas directly, so no display and no pyplot global state.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    days = sorted({row.day for row in rows})
    accepted = [sum(r.accepted for r in rows if r.day == day) for day in days]
    rejected = [sum(r.rejected for r in rows if r.day == day) for day in days]
    labels = [day.isoformat() for day in days]
    figure = Figure(figsize=(max(6.0, 0.6 * len(days) + 2), 4.0))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.bar(labels, accepted, width=0.6, label="accepted", color="#4c9a5f")
    axes.bar(labels, rejected, width=0.6, bottom=accepted, label="rejected", color="#c0504d")
    axes.set_title("Guard verdicts per day (UTC)")
    axes.set_ylabel("generated outputs")
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    figure.savefig(path, format="png")
