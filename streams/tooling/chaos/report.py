"""The chaos run's JSON document, its verdict and its Markdown table."""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from streams.tooling.chaos.scenarios import ChaosOptions


def problems(result: Mapping[str, Any]) -> list[str]:
    """What a scenario's figures break of the fault-tolerance contract (empty: none).

    A stall counts past ``stall_bound_s``: twice the consumer session timeout, the time a
    group needs to notice a dead member and rebalance.
    """
    out = []
    stall_bound_s = result["stall_bound_s"]
    letters = result["dead_letters"]
    if result["lost"]:
        out.append(f"{result['lost']} lost")
    if result["doubled"]:
        out.append(f"{result['doubled']} doubled")
    if letters["missing"] or letters["bad_headers_or_bytes"]:
        out.append(
            f"{letters['missing']} dead letters missing, "
            f"{letters['bad_headers_or_bytes']} without origin"
        )
    if result["stalled_s"] > stall_bound_s:
        out.append(f"stalled {result['stalled_s']:.0f}s > {stall_bound_s:.0f}s")
    if result["ready"]["ready_while_agent_dead"]:
        out.append("/ready true while an agent was dead")
    if not result["completed"]:
        out.append("did not finish within its bound")
    if result["workers_alive_at_end"] < result["workers"]:
        out.append("a worker was not running at the end")
    if result["gave_up"]:
        out.append("a supervisor gave up")
    if result.get("producer_error"):
        out.append(f"producer: {result['producer_error']}")
    return out


def document(
    results: Sequence[dict[str, Any]],
    options: ChaosOptions,
    stack: Mapping[str, str | None],
) -> dict[str, Any]:
    """The whole run as one JSON-ready document."""
    for result in results:
        result["problems"] = problems(result)
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": asdict(options),
        "stack": dict(stack),
        "python": platform.python_version(),
        "passed": all(not r["problems"] for r in results),
        "scenarios": list(results),
    }


def _out(result: Mapping[str, Any]) -> str:
    parts = []
    for name, tally in result["paths"].items():
        parts.append(f"{name} {tally['clickhouse_distinct']}/{tally['topic_distinct']}")
    return ", ".join(parts)


def table(doc: Mapping[str, Any]) -> str:
    """A Markdown table of the run (one row per scenario)."""
    head = (
        "| scenario | events in (to be dead-lettered) | distinct out, ClickHouse/topic | lost "
        "| doubled | dead letters found | stalled s (no commit s) | restarts "
        "| gap repairs / resyncs / stall restarts "
        "| /ready true with a dead agent |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    lines = [head]
    for r in doc["scenarios"]:
        letters = r["dead_letters"]
        lines.append(
            f"| {r['name']} | {r['events_in']} ({r['malformed_in']}) | {_out(r)} | {r['lost']} "
            f"| {r['doubled']} | {letters['found_with_origin']}/{letters['expected']} "
            f"| {r['stalled_s']:.0f} ({r.get('longest_without_commit_s', r['stalled_s']):.0f}) "
            f"| {r['restarts']} (+{r['relaunched_by_process_manager']}) "
            f"| {r['gap_repairs']} / {r.get('consumer_resyncs', 0)} / {r['stall_restarts']} "
            f"| {r['ready']['ready_while_agent_dead']} |"
        )
    return "\n".join(lines)
