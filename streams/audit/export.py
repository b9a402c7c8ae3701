"""Audit rows as CSV (arrays as JSON cells), a JSON array or JSON lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import IO, Any, Literal

from streams.audit.query import to_utc

ExportFormat = Literal["csv", "json", "jsonl"]


def _iso(value: datetime) -> str:
    return to_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def jsonable(value: Any) -> Any:
    """A row value as JSON writes it: datetimes and dates as ISO strings, the rest unchanged."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_cell(value: Any) -> str:
    """A row value as a CSV cell: arrays as JSON arrays, booleans as ``true``/``false``."""
    if isinstance(value, list | tuple):
        return json.dumps([jsonable(item) for item in value], ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(jsonable(value))


def export(
    rows: Iterable[dict[str, Any]], out: IO[str], fmt: ExportFormat, columns: Sequence[str]
) -> int:
    """Write rows as CSV (with header), a JSON array or JSON lines.

    Args:
        rows: Rows from :func:`iter_rows` or :func:`fetch`.
        out: Where to write.
        fmt: ``csv``, ``json`` (one array) or ``jsonl`` (one object a line).
        columns: The columns to write, in order.

    Returns:
        How many rows were written.
    """
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row[column]) for column in columns])
            count += 1
        return count
    if fmt == "json":
        out.write("[")
    for row in rows:
        line = json.dumps({c: jsonable(row[c]) for c in columns}, ensure_ascii=False)
        if fmt == "json":
            out.write(("," if count else "") + "\n  " + line)
        else:
            out.write(line + "\n")
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count
