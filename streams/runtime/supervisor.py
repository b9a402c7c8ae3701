"""Run the worker in a child process and start it again whenever it ends abnormally.

The supervising parent loads only the standard library and the settings: no Faust, no
models, so it stays small and cannot fail the way a worker does. A worker that exits non-zero
or is killed by a signal is started again after a capped exponential backoff; more than
``restart_budget`` restarts within ``restart_window_s`` means the worker cannot run here, and
the supervisor gives up with a non-zero status for the process manager to see. A clean exit
(0), or SIGTERM/SIGINT to the supervisor, ends supervision.

The child is bound to its supervisor: the kernel sends it SIGTERM when the supervisor dies
(Linux ``PR_SET_PDEATHSIG``), and the worker also checks its parent pid
(:mod:`streams.runtime.lifecycle`), so no orphan keeps the partitions and the web port.

Worker exit codes:

====  ===========================================================================
0     stopped cleanly
70    an agent crashed (:data:`EXIT_AGENT_CRASHED`)
75    the stall watchdog found it stuck (:data:`EXIT_STALLED`)
124   a stop outlasted ``shutdown_timeout_s``; in-flight work was abandoned
====  ===========================================================================
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from types import FrameType

from streams.settings import SupervisionSettings

log = logging.getLogger(__name__)

EXIT_AGENT_CRASHED = 70  # EX_SOFTWARE: an agent died; the worker exits to be started afresh.
EXIT_STALLED = 75  # EX_TEMPFAIL: the worker's watchdog found it stalled; start it again.
EXIT_SHUTDOWN_TIMEOUT = 124  # as timeout(1): the stop did not finish within its bound.
# The supervisor tells each worker it starts how many stall restarts came before it.
RESTARTS_ENV = "SHOPSTREAM_STALL_RESTARTS"
# Past the worker's own shutdown bound, the supervisor kills a child that still runs.
KILL_GRACE_S = 5.0

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_REASONS = {
    EXIT_AGENT_CRASHED: "agent_crashed",
    EXIT_STALLED: "stalled",
    EXIT_SHUTDOWN_TIMEOUT: "shutdown_timeout",
}


def describe_exit(code: int) -> str:
    """A short name for a child's return code (negative: killed by that signal)."""
    if code < 0:
        try:
            return f"signal_{signal.Signals(-code).name}"
        except ValueError:
            return f"signal_{-code}"
    return _REASONS.get(code, f"exit_{code}")


def exit_status(code: int) -> int:
    """A child's return code as a shell exit status (128 + N when killed by signal N)."""
    return 128 - code if code < 0 else code


class RestartBudget:
    """Whether an abnormal exit is restarted, and after how long a wait.

    Every restart inside the sliding window doubles the wait (from ``restart_initial_s`` up to
    ``restart_max_s``); a worker that ran quietly for a whole window starts from the initial
    wait again. Past ``restart_budget`` restarts in the window there is no restart.
    """

    def __init__(self, settings: SupervisionSettings) -> None:
        self.settings = settings
        self._restarts: deque[float] = deque()

    def recent(self, now: float) -> int:
        """Restarts inside the window that ends ``now``."""
        while self._restarts and now - self._restarts[0] >= self.settings.restart_window_s:
            self._restarts.popleft()
        return len(self._restarts)

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before restarting, recording the restart; None past the budget."""
        recent = self.recent(now)
        if recent >= self.settings.restart_budget:
            return None
        self._restarts.append(now)
        # The exponent is capped so a large budget cannot overflow the float.
        wait = self.settings.restart_initial_s * 2.0 ** min(recent, 64)
        return min(wait, self.settings.restart_max_s)


def _bind_to_parent(parent: int) -> Callable[[], None] | None:
    """A pre-exec hook that makes the kernel SIGTERM the child when ``parent`` dies."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: the hook only calls it

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        # The parent may have died between fork and prctl: then no signal would ever come.
        if os.getppid() != parent:
            os._exit(1)

    return arm


def _wait(child: subprocess.Popen[bytes], stopping: threading.Event, bound_s: float) -> int:
    """The child's return code; once a stop is asked, it gets ``bound_s`` before SIGKILL."""
    stop_seen: float | None = None
    killed = False
    while True:
        try:
            return child.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        if not stopping.is_set() or killed:
            continue
        now = time.monotonic()
        stop_seen = stop_seen or now
        if now - stop_seen > bound_s:
            log.error("worker.kill pid=%d reason=stop_outlasted bound_s=%.0f", child.pid, bound_s)
            child.kill()
            killed = True


def supervise(
    worker_args: Sequence[str],
    settings: SupervisionSettings,
    command: Sequence[str] | None = None,
) -> int:
    """Run ``python -m streams worker --no-supervise ARGS``, restarting it when it fails.

    SIGTERM and SIGINT are passed on to the child, which stops within its shutdown bound
    (and is killed :data:`KILL_GRACE_S` later if it has not); supervision then ends with the
    child's status. ``command`` replaces the worker command (the arguments are appended).

    Returns:
        0 after a clean worker exit or a requested stop between restarts; the child's status
        after a requested stop; the last child's (non-zero) status when the budget is spent.
    """
    argv = [
        *(command or (sys.executable, "-m", "streams", "worker", "--no-supervise")),
        *worker_args,
    ]
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _: FrameType | None) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    budget = RestartBudget(settings)
    stalls = 0
    try:
        while True:
            env = {**os.environ, RESTARTS_ENV: str(stalls)}
            # preexec_fn is unsafe only with threads in the parent; the supervisor has none.
            child = subprocess.Popen(argv, env=env, preexec_fn=_bind_to_parent(os.getpid()))
            if stopping.is_set():  # the signal came while the child was being started
                child.send_signal(signal.SIGTERM)
            log.info("worker.started pid=%d", child.pid)
            code = _wait(child, stopping, settings.shutdown_timeout_s + KILL_GRACE_S)
            reason = describe_exit(code)
            if stopping.is_set():
                log.info("supervisor.stopped worker_pid=%d worker_exit=%s", child.pid, reason)
                return exit_status(code)
            if code == 0:
                log.info("supervisor.done worker_pid=%d worker_exit=clean", child.pid)
                return 0
            delay = budget.next_delay(time.monotonic())
            if delay is None:
                log.error(
                    "supervisor.gave_up worker_exit=%s restarts=%d window_s=%.0f; the worker "
                    "keeps failing, not restarting it again",
                    reason, settings.restart_budget, settings.restart_window_s,
                )  # fmt: skip
                return exit_status(code)
            stalls += code == EXIT_STALLED
            log.warning(
                "worker.restart reason=%s pid=%d delay_s=%.1f restarts_in_window=%d",
                reason, child.pid, delay, budget.recent(time.monotonic()),
            )  # fmt: skip
            if stopping.wait(delay):
                log.info("supervisor.stopped during backoff worker_exit=%s", reason)
                return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
