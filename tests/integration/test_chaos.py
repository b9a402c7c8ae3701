"""The chaos harness, short: a malformed mix and a SIGKILL on real supervised workers."""

from __future__ import annotations

from pathlib import Path

from streams.settings import Settings
from streams.tooling.chaos.fuzz import KINDS
from streams.tooling.chaos.runner import run_scenario
from streams.tooling.chaos.scenarios import SCENARIOS, ChaosOptions


def test_fuzz_mix_with_a_sigkill_loses_nothing_and_dead_letters_every_malformed_event(
    base_settings: Settings, tmp_path: Path
) -> None:
    options = ChaosOptions(
        seed=5, fuzz_malformed=200, fuzz_valid=300, fuzz_kills=1, rate=150.0,
        first_port=16091, timeout_s=120.0,
    )  # fmt: skip
    result = run_scenario(base_settings, SCENARIOS["fuzz"], options, tmp_path)

    sentiment = result["paths"]["sentiment"]
    assert result["completed"], result
    assert sentiment["expected"] == 300
    assert sentiment["clickhouse_distinct"] == sentiment["topic_distinct"] == 300
    assert result["lost"] == 0
    assert result["doubled"] == 0
    letters = result["dead_letters"]
    assert letters["expected"] == 200
    assert letters["found_with_origin"] == 200, letters
    assert set(letters["by_kind"]) == set(KINDS)
    assert set(letters["by_stage"]) <= {"decode", "validate"}
    # The SIGKILLed worker came back through its supervisor alone.
    assert result["restarts_by_reason"] == {"signal_SIGKILL": 1}
    assert result["relaunched_by_process_manager"] == 0
    assert result["workers_alive_at_end"] == 2
    assert result["ready"]["ready_while_agent_dead"] == 0
    assert result["stalled_s"] <= result["stall_bound_s"]
