"""How a worker process ends: why, with which exit code, and never later than a bound.

A stop (SIGTERM, SIGINT, a crashed agent, a vanished supervisor) goes through Faust's own
graceful path: agents finish their batches, offsets are committed, the consumer leaves its
group. That path waits for every event that started processing to be acknowledged, so a batch
stuck on a dependency would hold it forever. The lifecycle arms a deadline when the stop begins;
past it the process exits with what it has. Nothing is lost that way: offsets are committed only
after their results are durable, so the restarted worker replays the abandoned work, and output
ids are deterministic, so nothing is doubled.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from typing import Any, NoReturn

import faust

from streams.runtime.supervisor import EXIT_AGENT_CRASHED, EXIT_SHUTDOWN_TIMEOUT
from streams.settings import SupervisionSettings

log = logging.getLogger(__name__)


def exit_now(code: int) -> NoReturn:
    """End the worker process at once, logs flushed, without the interpreter's teardown.

    After a clean stop the producer is flushed and what was durable committed; teardown would
    still wait for a generation thread to finish a call whose result nobody takes (seconds on
    a CPU) before the supervisor can start the replacement. After an abandoned stop, teardown
    could hang on the very thing that is stuck.
    """
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Lifecycle:
    """One worker process's way out: the exit code, the dead agents, the stop deadline."""

    def __init__(self, settings: SupervisionSettings, supervisor_pid: int | None = None) -> None:
        self.settings = settings
        self.supervisor_pid = supervisor_pid
        self.exit_code: int | None = None
        # Agent name -> what ended it; /ready is false while this is not empty.
        self.dead_agents: dict[str, str] = {}
        self._deadline: threading.Timer | None = None
        self._lock = threading.Lock()

    @property
    def stopping(self) -> bool:
        """Whether a stop has begun (its deadline is armed)."""
        return self._deadline is not None

    def agent_died(self, agent: str, reason: BaseException | None) -> None:
        """An agent's actor ended while the worker runs: stop, then exit for a restart.

        Faust would start a replacement actor on the same stream, which does not consume
        again; a fresh process resumes from the committed offsets instead.
        """
        if agent in self.dead_agents:
            return
        cause = type(reason).__name__ if reason is not None else "returned"
        self.dead_agents[agent] = cause
        if self.stopping:
            return
        log.error(
            "agent.crashed agent=%s error=%s: %s; the worker exits for a restart",
            agent, cause, reason,
        )  # fmt: skip
        self.request_exit(EXIT_AGENT_CRASHED, "agent_crashed", self.settings.crash_exit_timeout_s)

    def request_exit(self, code: int | None, reason: str, timeout_s: float) -> None:
        """Stop the worker the way SIGTERM does, exiting with ``code`` (None: as it ends)."""
        if self.exit_code is None:
            self.exit_code = code
        log.warning("worker.stopping reason=%s timeout_s=%.0f", reason, timeout_s)
        self.arm(timeout_s, reason)
        # The worker's signal handler runs Faust's graceful stop on the event loop.
        os.kill(os.getpid(), signal.SIGTERM)

    def arm(self, timeout_s: float, reason: str) -> None:
        """Exit ``timeout_s`` from now unless the process ended before; the first arm wins."""
        with self._lock:
            if self._deadline is not None:
                return
            # A thread, not a loop timer: the event loop may be the thing that is stuck.
            self._deadline = threading.Timer(timeout_s, self._abandon, args=(timeout_s, reason))
            self._deadline.daemon = True
            self._deadline.start()

    def _abandon(self, timeout_s: float, reason: str) -> None:
        code = self.exit_code if self.exit_code is not None else EXIT_SHUTDOWN_TIMEOUT
        log.error(
            "worker.shutdown_abandoned reason=%s timeout_s=%.0f exit=%d; in-flight work "
            "will be replayed from the committed offsets",
            reason, timeout_s, code,
        )  # fmt: skip
        exit_now(code)

    def orphaned(self) -> bool:
        """Whether the supervisor that started this worker is gone."""
        return self.supervisor_pid is not None and os.getppid() != self.supervisor_pid

    def register(self, app: faust.App) -> None:
        """Check the supervisor's pid on a timer (the kernel's parent-death signal is first)."""
        if self.supervisor_pid is None:
            return

        @app.timer(interval=self.settings.parent_check_s)
        async def supervisor_check() -> None:
            if self.orphaned() and not self.stopping:
                log.error("worker.orphaned supervisor_pid=%d; stopping", self.supervisor_pid)
                self.request_exit(None, "orphaned", self.settings.shutdown_timeout_s)


class BoundedWorker(faust.Worker):
    """A Faust worker whose stop is bounded by its lifecycle's ``shutdown_timeout_s``."""

    def __init__(self, app: faust.App, lifecycle: Lifecycle, **kwargs: Any) -> None:
        self.lifecycle = lifecycle
        super().__init__(app, **kwargs)

    async def on_stop(self) -> None:
        """Arm the deadline first: the app's stop below may wait on unacknowledged events."""
        self.lifecycle.arm(self.lifecycle.settings.shutdown_timeout_s, "stop")
        await super().on_stop()


def run_worker(app: faust.App, lifecycle: Lifecycle, loglevel: str) -> int:
    """Run the app until it stops; returns the process's exit code."""
    worker = BoundedWorker(app, lifecycle, loglevel=loglevel)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        # Faust ends every run with SystemExit: 0, or 1 when the worker crashed.
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    else:  # pragma: no cover - execute_from_commandline always raises SystemExit
        code = 0
    return lifecycle.exit_code if lifecycle.exit_code is not None else code
