"""The supervisor: which exits are restarted, how soon, when it gives up, how it stops."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from streams.runtime.supervisor import (
    EXIT_AGENT_CRASHED,
    EXIT_STALLED,
    RestartBudget,
    describe_exit,
    exit_status,
    supervise,
)
from streams.settings import SupervisionSettings

QUICK = SupervisionSettings(restart_initial_s=0.01, restart_max_s=0.05, shutdown_timeout_s=5.0)


def _budget(**fields: float) -> RestartBudget:
    values = {"restart_initial_s": 1.0, "restart_max_s": 8.0, "restart_budget": 5}
    values.update(restart_window_s=100.0, **fields)
    return RestartBudget(SupervisionSettings.model_validate(values))


def test_backoff_doubles_per_restart_in_the_window_and_is_capped() -> None:
    budget = _budget()
    assert [budget.next_delay(float(t)) for t in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_past_the_budget_there_is_no_restart_until_the_window_slides() -> None:
    budget = _budget(restart_budget=3)
    assert [budget.next_delay(t) for t in (0.0, 1.0, 2.0)] == [1.0, 2.0, 4.0]
    assert budget.next_delay(3.0) is None
    assert budget.next_delay(99.0) is None
    # The first restart left the window at t=100: one more is allowed, with the wait
    # that two restarts still inside the window call for.
    assert budget.recent(100.0) == 2
    assert budget.next_delay(100.0) == 4.0


def test_a_quiet_window_resets_the_backoff() -> None:
    budget = _budget()
    budget.next_delay(0.0)
    budget.next_delay(1.0)
    assert budget.next_delay(500.0) == 1.0


def test_a_zero_budget_never_restarts_and_a_large_one_does_not_overflow() -> None:
    assert _budget(restart_budget=0).next_delay(0.0) is None
    big = _budget(restart_budget=2_000, restart_max_s=30.0)
    delays = [big.next_delay(float(t) / 100) for t in range(1_500)]
    assert delays[-1] == 30.0


def test_exit_codes_are_named_and_signals_become_shell_statuses() -> None:
    assert describe_exit(EXIT_STALLED) == "stalled"
    assert describe_exit(EXIT_AGENT_CRASHED) == "agent_crashed"
    assert describe_exit(-signal.SIGKILL) == "signal_SIGKILL"
    assert describe_exit(3) == "exit_3"
    assert exit_status(-signal.SIGKILL) == 137
    assert exit_status(2) == 2


def _script(tmp_path: Path, body: str) -> list[str]:
    """A worker stand-in: ``runs`` counts its starts, then ``body`` runs with ``n`` set."""
    script = tmp_path / "worker.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from pathlib import Path\n"
        "runs = Path(sys.argv[1])\n"
        "n = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "runs.write_text(str(n))\n" + body
    )
    return [sys.executable, str(script)]


def test_every_abnormal_exit_is_restarted_until_a_clean_one(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # Stalled, crashed agent, plain failure, SIGKILL; then a clean exit ends supervision.
    command = _script(
        tmp_path,
        "codes = {1: 75, 2: 70, 3: 1}\n"
        "if n in codes: sys.exit(codes[n])\n"
        "if n == 4: os.kill(os.getpid(), signal.SIGKILL)\n"
        "sys.exit(0)\n",
    )
    assert supervise([str(runs)], QUICK, command=command) == 0
    assert runs.read_text() == "5"


def test_the_stall_count_reaches_each_restarted_worker(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    seen = tmp_path / "seen"
    command = _script(
        tmp_path,
        f"Path({str(seen)!r}).open('a').write(os.environ['SHOPSTREAM_STALL_RESTARTS'] + ',')\n"
        "sys.exit(75 if n < 3 else 0)\n",
    )
    assert supervise([str(runs)], QUICK, command=command) == 0
    assert seen.read_text() == "0,1,2,"


def test_past_the_budget_the_supervisor_gives_up_with_the_last_status(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runs = tmp_path / "runs"
    settings = QUICK.model_copy(update={"restart_budget": 2})
    with caplog.at_level(logging.INFO, logger="streams.runtime.supervisor"):
        status = supervise([str(runs)], settings, command=_script(tmp_path, "sys.exit(3)\n"))
    assert status == 3
    assert runs.read_text() == "3"  # the first run and two restarts
    assert "supervisor.gave_up worker_exit=exit_3 restarts=2" in caplog.text


def _signal_me_after(delay_s: float, signum: int) -> threading.Timer:
    timer = threading.Timer(delay_s, os.kill, args=(os.getpid(), signum))
    timer.start()
    return timer


def test_sigterm_stops_the_worker_and_supervision_without_a_restart(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    started = tmp_path / "started"
    command = _script(tmp_path, f"Path({str(started)!r}).touch()\ntime.sleep(60)\n")
    timer = _signal_me_after(1.5, signal.SIGTERM)
    began = time.monotonic()
    try:
        status = supervise([str(runs)], QUICK, command=command)
    finally:
        timer.cancel()
    assert started.exists() and runs.read_text() == "1"
    assert status == exit_status(-signal.SIGTERM)  # the child died of the forwarded SIGTERM
    assert time.monotonic() - began < 10


def test_sigint_during_the_backoff_ends_supervision(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    slow = QUICK.model_copy(update={"restart_initial_s": 30.0, "restart_max_s": 30.0})
    timer = _signal_me_after(1.0, signal.SIGINT)
    started = time.monotonic()
    try:
        status = supervise([str(runs)], slow, command=_script(tmp_path, "sys.exit(1)\n"))
    finally:
        timer.cancel()
    assert status == 0
    assert runs.read_text() == "1"
    assert time.monotonic() - started < 10


def test_a_worker_that_ignores_sigterm_is_killed_past_its_bound(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    bounded = QUICK.model_copy(update={"shutdown_timeout_s": 0.5})
    command = _script(tmp_path, "signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)\n")
    timer = _signal_me_after(1.0, signal.SIGTERM)
    started = time.monotonic()
    try:
        status = supervise([str(runs)], bounded, command=command)
    finally:
        timer.cancel()
    took = time.monotonic() - started
    assert status == exit_status(-signal.SIGKILL)
    assert took < 15, f"took {took:.1f}s"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_worker_dies_with_a_killed_supervisor(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    worker = tmp_path / "worker.py"
    worker.write_text(
        "import os, sys, time\n"
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from streams.settings import SupervisionSettings\n"
            "from streams.runtime.supervisor import supervise\n"
            f"supervise([], SupervisionSettings(), command=[sys.executable, {str(worker)!r}])\n",
        ]
    )
    try:
        deadline = time.monotonic() + 30
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.05)
        child = int(pid_file.read_text())
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while _alive(child):
            assert time.monotonic() < deadline, "the orphaned worker still runs"
            time.sleep(0.05)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in {"Z", "X"}
