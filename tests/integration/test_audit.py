"""``shopstream audit`` against the real ClickHouse server, on rows written straight into
``generated_content`` of the test's own database.

The seed holds 25 distinct outputs and 7 extra versions of some of them (32 rows). Merges are
stopped, so the duplicates stay on disk and only ``FINAL`` can hide them; one extra version is
*older* than the row it duplicates, so the newest ``created_at`` must win, not the last insert.
Expected results are computed in Python from the same seed.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from streams.audit import COLUMNS, AuditFilter, ReportRow, fetch, report
from streams.audit.query import reason_kind
from streams.cli.audit import audit
from streams.clickhouse.client import make_client
from streams.settings import Settings
from tests.integration.helpers import query

pytestmark = [pytest.mark.integration, pytest.mark.clickhouse]

Row = dict[str, Any]
D1 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
D2 = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
QUOTED = 'sku-5 "it\'s" --\\'
REASONS = (["pii:email"], ["grounding:price", "pii:phone"], ["safety:toxicity", "pii:email"])
FALLBACK = "Sorry, let me connect you with a colleague."
ACCEPTED = {"verdict": "accepted", "fallback": False, "reasons": [], "pii_types": []}
INT_COLUMNS = {"source_partition", "source_offset", "prompt_tokens", "completion_tokens"}


def _row(i: int, *, created_at: datetime | None = None) -> Row:
    task = "description" if i % 3 == 0 else "reply"
    model = ("smollm2", "1.0") if i < 12 else ("smollm2", "1.1") if i < 20 else ("tinyreply", "0.3")
    created = created_at or (D1 if i % 2 == 0 else D2) + timedelta(minutes=10 * i)
    rejected = i % 5 in (1, 3)
    reasons = REASONS[(i // 3) % 3] if rejected else []
    return {
        "id": f"gc-{i:02d}",
        "task": task,
        "source_topic": "shop.chat.messages" if task == "reply" else "shop.products.updates",
        "source_partition": i % 4,
        "source_offset": 1000 + i,
        "event_id": f"ev-{i}",
        "event_time": created - timedelta(seconds=2),
        "product_id": QUOTED if i == 5 else f"sku-{i % 5}",
        "conversation_id": f"conv-{i % 4}" if task == "reply" else "",
        "intent": "shipping" if task == "reply" else "",
        "prompt_template": f"{task}.default",
        "prompt_template_version": "3",
        "prompt": f"Customer <EMAIL> asks about order {i},\nplease answer.",
        "output": f'Reply {i}: thanks, "friend"\nsecond line ü',
        "published": FALLBACK if rejected else f"Reply {i}",
        "model_name": model[0],
        "model_version": model[1],
        "model_sha256": f"{i:064x}",
        "generation_params": json.dumps({"temperature": 0.7, "max_new_tokens": 64}),
        "verdict": "rejected" if rejected else "accepted",
        "fallback": rejected or i == 7,
        "reasons": list(reasons),
        "pii_types": ["email"] if "pii:email" in reasons else [],
        "prompt_tokens": 50 + i,
        "completion_tokens": 20 + i,
        "latency_ms": 100.0 + 10 * i,
        "created_at": created,
    }


def _seed() -> tuple[list[Row], list[Row]]:
    """The first insert and the second (extra versions of ids already written)."""
    first = [_row(i) for i in range(25)]
    first[24].update(created_at=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1))
    first[24].update(event_time=first[24]["created_at"])
    later: list[Row] = []
    versions: list[tuple[int, Row]] = [
        (1, {**ACCEPTED, "published": "Reply 1, redrafted"}),
        (
            2,
            {
                "verdict": "rejected",
                "fallback": True,
                "reasons": ["leak:prompt"],
                "published": FALLBACK,
            },
        ),
        (3, {"latency_ms": 999.5, "output": "second draft"}),
        (6, {**ACCEPTED, "published": "Reply 6"}),
        (12, {"prompt_tokens": 7, "completion_tokens": 3}),
        (21, {"reasons": ["pii:email", "leak:prompt"], "pii_types": ["email"]}),
    ]
    for i, changes in versions:
        # +65 min: newer, and never equal to another row's created_at (the order stays total).
        newer = first[i]["created_at"] + timedelta(minutes=65)
        later.append({**first[i], **changes, "created_at": newer})
    # An older version inserted last: ReplacingMergeTree(created_at) must keep the newer one.
    older = first[8]["created_at"] - timedelta(hours=1)
    later.append({**first[8], **ACCEPTED, "published": "Reply 8", "created_at": older})
    return first, later


@pytest.fixture
def seeded(settings: Settings) -> Iterator[list[Row]]:
    """Write the seed; yield the rows FINAL must return, newest first."""
    first, later = _seed()
    client = make_client(settings.clickhouse)
    try:
        client.execute("SYSTEM STOP MERGES generated_content")
        insert = f"INSERT INTO generated_content ({', '.join(COLUMNS)}) VALUES"
        for batch in (first, later):
            client.execute(insert, [tuple(row[c] for c in COLUMNS) for row in batch])
    finally:
        client.disconnect()
    latest: dict[str, Row] = {}
    for row in first + later:
        if row["id"] not in latest or row["created_at"] > latest[row["id"]]["created_at"]:
            latest[row["id"]] = row
    yield sorted(latest.values(), key=lambda r: (r["created_at"], r["task"], r["id"]), reverse=True)


def _ids(rows: list[Row]) -> list[str]:
    return [row["id"] for row in rows]


def test_columns_are_the_tables_columns(settings: Settings) -> None:
    described = [row[0] for row in query(settings, "DESCRIBE TABLE generated_content")]
    assert tuple(described) == COLUMNS


def test_final_keeps_one_newest_version_per_id(settings: Settings, seeded: list[Row]) -> None:
    assert query(settings, "SELECT count() FROM generated_content")[0][0] == 32
    rows = fetch(settings, AuditFilter())
    assert len(rows) == len(seeded) == 25
    assert rows == seeded  # every column, in newest-first order
    by_id = {row["id"]: row for row in rows}
    assert by_id["gc-01"]["verdict"] == "accepted"
    assert by_id["gc-02"]["reasons"] == ["leak:prompt"]
    assert by_id["gc-06"]["verdict"] == "accepted"
    assert by_id["gc-08"]["verdict"] == "rejected"  # the older re-insert lost
    assert by_id["gc-03"]["latency_ms"] == 999.5


FILTERS: list[tuple[dict[str, Any], Callable[[Row], bool]]] = [
    ({"products": ("sku-1",)}, lambda r: r["product_id"] == "sku-1"),
    ({"products": ("sku-1", "sku-2")}, lambda r: r["product_id"] in {"sku-1", "sku-2"}),
    ({"products": (QUOTED,)}, lambda r: r["product_id"] == QUOTED),
    ({"products": ("sku-1' OR '1'='1",)}, lambda r: False),
    ({"conversations": ("conv-2",)}, lambda r: r["conversation_id"] == "conv-2"),
    ({"models": ("smollm2",)}, lambda r: r["model_name"] == "smollm2"),
    (
        {"models": ("smollm2@1.1",)},
        lambda r: (r["model_name"], r["model_version"]) == ("smollm2", "1.1"),
    ),
    (
        {"models": ("smollm2@1.0", "tinyreply")},
        lambda r: r["model_version"] == "1.0" or r["model_name"] == "tinyreply",
    ),
    ({"intents": ("shipping",)}, lambda r: r["intent"] == "shipping"),
    ({"event_ids": ("ev-3", "ev-14")}, lambda r: r["event_id"] in {"ev-3", "ev-14"}),
    ({"reason_kinds": ("pii",)}, lambda r: any(x.startswith("pii:") for x in r["reasons"])),
    ({"reason_kinds": ("grounding",)}, lambda r: "grounding:price" in r["reasons"]),
    ({"reason_kinds": ("leak:prompt",)}, lambda r: "leak:prompt" in r["reasons"]),
    ({"reason_kinds": ("pi",)}, lambda r: False),
    ({"pii_kinds": ("email", "card")}, lambda r: "email" in r["pii_types"]),
    ({"verdict": "rejected"}, lambda r: r["verdict"] == "rejected"),
    ({"verdict": "accepted"}, lambda r: r["verdict"] == "accepted"),
    ({"task": "description"}, lambda r: r["task"] == "description"),
    ({"fallback": True}, lambda r: r["fallback"]),
    ({"fallback": False}, lambda r: not r["fallback"]),
    ({"since": D2, "until": D2 + timedelta(days=1)}, lambda r: r["created_at"].date() == D2.date()),
    (
        {"task": "reply", "verdict": "rejected", "models": ("smollm2",), "until": D2},
        lambda r: (
            (r["task"], r["verdict"], r["model_name"]) == ("reply", "rejected", "smollm2")
            and r["created_at"] < D2
        ),
    ),
]


@pytest.mark.parametrize(("kwargs", "keep"), FILTERS)
def test_filters_select_the_right_rows(
    settings: Settings, seeded: list[Row], kwargs: dict[str, Any], keep: Callable[[Row], bool]
) -> None:
    expected = [row for row in seeded if keep(row)]
    assert _ids(fetch(settings, AuditFilter(**kwargs))) == _ids(expected)


def test_limit_order_and_columns(settings: Settings, seeded: list[Row]) -> None:
    oldest = fetch(settings, AuditFilter(newest_first=False, limit=3, columns=("id", "created_at")))
    assert oldest == [{"id": r["id"], "created_at": r["created_at"]} for r in seeded[::-1][:3]]


def _run(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(audit, list(args), obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _typed(column: str, cell: str) -> Any:
    if column in {"reasons", "pii_types"}:
        return json.loads(cell)
    if column in {"created_at", "event_time"}:
        return datetime.fromisoformat(cell)
    if column == "fallback":
        return cell == "true"
    if column in INT_COLUMNS:
        return int(cell)
    return float(cell) if column == "latency_ms" else cell


def test_csv_export_round_trips(settings: Settings, seeded: list[Row], tmp_path: Path) -> None:
    target = tmp_path / "audit.csv"
    _run(settings, "query", "--format", "csv", "--output", str(target))
    with target.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        back = [{c: _typed(c, cell) for c, cell in row.items()} for row in reader]
    assert back == seeded


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_export_round_trips(settings: Settings, seeded: list[Row], fmt: str) -> None:
    text = _run(settings, "query", "--format", fmt, "--verdict", "rejected")
    loaded = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    for row in loaded:
        row["created_at"] = datetime.fromisoformat(row["created_at"])
        row["event_time"] = datetime.fromisoformat(row["event_time"])
    assert loaded == [row for row in seeded if row["verdict"] == "rejected"]


def test_relative_since_and_table_output(settings: Settings, seeded: list[Row]) -> None:
    text = _run(settings, "query", "--since", "24h")
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["created_at", "task", "id"]
    assert len(lines) == 3 and "gc-24" in lines[2]
    picked = _run(settings, "query", "--product", QUOTED, "--columns", "id,product_id,reasons")
    assert picked.splitlines()[2].split()[0] == "gc-05"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    position = 0.95 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


ReportKey = tuple[str, str, str, date]


def _expected_report(rows: list[Row]) -> dict[ReportKey, dict[str, Any]]:
    groups: dict[ReportKey, list[Row]] = defaultdict(list)
    for row in rows:
        key = (row["task"], row["model_name"], row["model_version"], row["created_at"].date())
        groups[key].append(row)
    out = {}
    for key, members in groups.items():
        kinds: dict[str, int] = defaultdict(int)
        for row in members:
            for reason in row["reasons"]:
                kinds[reason_kind(reason)] += 1
        latencies = [row["latency_ms"] for row in members]
        out[key] = {
            "total": len(members),
            "accepted": sum(row["verdict"] == "accepted" for row in members),
            "rejected": sum(row["verdict"] == "rejected" for row in members),
            "fallbacks": sum(row["fallback"] for row in members),
            "with_pii": sum(bool(row["pii_types"]) for row in members),
            "top_reasons": tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:3]),
            "latency_mean_ms": sum(latencies) / len(latencies),
            "latency_p95_ms": _p95(latencies),
            "prompt_tokens": sum(row["prompt_tokens"] for row in members),
            "completion_tokens": sum(row["completion_tokens"] for row in members),
        }
    return out


def _key(row: ReportRow) -> ReportKey:
    return (row.task, row.model_name, row.model_version, row.day)


def test_report_counts_rates_reasons_latency_tokens(settings: Settings, seeded: list[Row]) -> None:
    since, until = D1.replace(hour=0), D2.replace(hour=0) + timedelta(days=1)
    rows = report(settings, since, until)
    expected = _expected_report([r for r in seeded if since <= r["created_at"] < until])
    assert [_key(r) for r in rows] == sorted(expected, key=lambda k: (k[3], k[0], k[1], k[2]))
    for row in rows:
        want = expected[_key(row)]
        for field in ("total", "accepted", "rejected", "fallbacks", "with_pii", "top_reasons"):
            assert getattr(row, field) == want[field], (row, field)
        for field in ("prompt_tokens", "completion_tokens"):
            assert getattr(row, field) == want[field], (row, field)
        assert row.latency_mean_ms == pytest.approx(want["latency_mean_ms"])
        assert row.latency_p95_ms == pytest.approx(want["latency_p95_ms"])
        assert row.rejection_rate == pytest.approx(want["rejected"] / want["total"])
        assert row.fallback_rate == pytest.approx(want["fallbacks"] / want["total"])
    replies = next(r for r in rows if _key(r) == ("reply", "smollm2", "1.0", D1.date()))
    # Replies gc-02, 04, 08, 10 (gc-00 and gc-06 are descriptions): gc-02 rejected by its
    # newer version, gc-08 still rejected despite its older re-insert.
    assert (replies.total, replies.accepted, replies.rejected) == (4, 2, 2)
    # Reasons are counted by kind: "pii:email" and "pii:phone" are both "pii".
    assert all(":" not in kind for kind, _ in replies.top_reasons)
    assert sum(r.total for r in rows) == 24  # gc-24 (an hour ago) is outside the window


def test_report_cli_formats_and_plot(settings: Settings, seeded: list[Row], tmp_path: Path) -> None:
    window = ["--since", "2024-05-01", "--until", "2024-05-03"]
    as_json = json.loads(_run(settings, "report", *window, "--format", "json"))
    text = _run(settings, "report", *window)
    assert text.splitlines()[0].split()[:4] == ["day", "task", "model", "total"]
    assert len(text.splitlines()) == 2 + len(as_json)
    assert sum(item["total"] for item in as_json) == 24
    assert {"fallback_rate", "rejection_rate", "top_reasons"} <= set(as_json[0])
    as_csv = list(csv.DictReader(io.StringIO(_run(settings, "report", *window, "--format", "csv"))))
    assert [int(item["total"]) for item in as_csv] == [item["total"] for item in as_json]
    assert json.loads(as_csv[0]["top_reasons"]) == as_json[0]["top_reasons"]
    picture = tmp_path / "verdicts.png"
    _run(settings, "report", *window, "--task", "reply", "--plot", str(picture))
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
