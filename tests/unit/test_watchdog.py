"""The stall watchdog's decision, and the supervisor that restarts a stalled worker."""

from __future__ import annotations

import sys
from pathlib import Path

from streams.supervisor import EXIT_STALLED, supervise
from streams.watchdog import Progress, Watchdog

PENDING = {"shop.chat.messages/0": 5}


def _watchdog(last: float = 0.0) -> Watchdog:
    return Watchdog(Progress(last=last), stall_after_s=60.0)


def test_waiting_input_without_progress_is_a_stall_only_after_the_limit() -> None:
    dog = _watchdog()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    assert not dog.stalled(PENDING, settling=False, now=160.0)
    assert dog.stalled(PENDING, settling=False, now=161.0)


def test_no_waiting_input_is_never_a_stall() -> None:
    dog = _watchdog()
    assert not dog.stalled({}, settling=False, now=10_000.0)
    # Input that arrives after a long quiet spell gets the full limit.
    assert not dog.stalled(PENDING, settling=False, now=10_001.0)
    assert not dog.stalled(PENDING, settling=False, now=10_060.0)


def test_a_long_batch_is_work_not_a_stall() -> None:
    dog = _watchdog()
    dog.progress.begin()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    assert not dog.stalled(PENDING, settling=False, now=1_000.0)
    dog.progress.end()
    assert dog.progress.busy == 0


def test_progress_and_rebalances_restart_the_clock() -> None:
    dog = _watchdog()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    dog.progress.last = 150.0
    assert not dog.stalled(PENDING, settling=False, now=200.0)
    assert dog.stalled(PENDING, settling=False, now=211.0)
    assert not dog.stalled(PENDING, settling=True, now=212.0)
    assert not dog.stalled(PENDING, settling=False, now=213.0)
    assert not dog.stalled(PENDING, settling=False, now=270.0)
    assert dog.stalled(PENDING, settling=False, now=274.0)


def test_supervisor_restarts_a_stalled_worker_and_returns_other_exit_codes(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    script = tmp_path / "worker.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "runs = Path(sys.argv[1])\n"
        "n = int(runs.read_text()) + 1 if runs.exists() else 1\n"
        "runs.write_text(str(n))\n"
        f"sys.exit({EXIT_STALLED} if n < 3 else 7)\n"
    )
    assert supervise([str(runs)], command=[sys.executable, str(script)]) == 7
    assert runs.read_text() == "3"
