"""Compliance audit over ``generated_content``: filtered reads, exports and daily reports.

Every read goes through ``FINAL`` so a replayed event counts once, with its latest version.
Times are UTC throughout. :mod:`streams.audit.query` turns an :class:`AuditFilter` into
parameterised SQL and reads rows, :mod:`streams.audit.export` writes them as CSV or JSON, and
:mod:`streams.audit.report` aggregates them per model version and day.
"""

from streams.audit.export import ExportFormat, csv_cell, export, jsonable
from streams.audit.query import (
    ARRAY_COLUMNS,
    COLUMNS,
    DATETIME_COLUMNS,
    TABLE,
    AuditError,
    AuditFilter,
    Task,
    Verdict,
    build_query,
    fetch,
    iter_rows,
    parse_time,
    split_model,
    to_utc,
    where_clause,
)
from streams.audit.report import ReportRow, plot_verdicts, report, report_queries

__all__ = [
    "ARRAY_COLUMNS",
    "COLUMNS",
    "DATETIME_COLUMNS",
    "TABLE",
    "AuditError",
    "AuditFilter",
    "ExportFormat",
    "ReportRow",
    "Task",
    "Verdict",
    "build_query",
    "csv_cell",
    "export",
    "fetch",
    "iter_rows",
    "jsonable",
    "parse_time",
    "plot_verdicts",
    "report",
    "report_queries",
    "split_model",
    "to_utc",
    "where_clause",
]
