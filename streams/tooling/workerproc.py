"""A worker run as a child process: for the demo, the benchmarks and the crash tests.

The process started is ``shopstream worker``, which supervises: :attr:`WorkerProcess.proc` is
the supervisor, and :meth:`WorkerProcess.worker_pid` the Faust worker it runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from streams.errors import StackError
from streams.settings import Settings, child_environment


class WorkerProcess:
    """``shopstream worker`` in a child process, with its own web port and log file."""

    def __init__(
        self,
        settings: Settings,
        *,
        tasks: str = "sentiment,alerts",
        web_port: int | None = None,
        log_file: Path | None = None,
        env: dict[str, str] | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        """``command`` replaces ``python -m streams worker`` (``--tasks`` is appended)."""
        self.settings = settings
        self.tasks = tasks
        self.web_port = web_port or settings.web_port
        self.log_file = log_file or settings.state_dir / "log" / f"worker-{self.web_port}.log"
        self.env = env or {}
        self.command = list(command or (sys.executable, "-m", "streams", "worker"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> WorkerProcess:
        """Launch the worker (settings reach it through the environment)."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **child_environment(self.settings, os.environ),
            **self.env,
            "SHOPSTREAM_WEB_PORT": str(self.web_port),
        }
        with self.log_file.open("ab") as out:
            self.proc = subprocess.Popen(
                [*self.command, "--tasks", self.tasks],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        return self

    def ready(self) -> bool:
        """Whether the worker's readiness endpoint says ready."""
        url = f"http://127.0.0.1:{self.web_port}/ready"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(json.loads(response.read())["ready"])
        except (OSError, ValueError, KeyError):
            return False

    def wait_ready(self, timeout_s: float = 120.0) -> float:
        """Block until ready; returns seconds waited. Raises StackError with the log tail."""
        started = time.monotonic()
        while time.monotonic() - started < timeout_s:
            if self.proc is not None and self.proc.poll() is not None:
                msg = f"worker exited with {self.proc.returncode}; log:\n{self.tail()}"
                raise StackError(msg)
            if self.ready():
                return time.monotonic() - started
            time.sleep(0.3)
        msg = f"worker not ready after {timeout_s:.0f}s; log:\n{self.tail()}"
        raise StackError(msg)

    def worker_pid(self) -> int | None:
        """The pid of the worker the supervisor runs now, if one runs (Linux ``/proc``)."""
        if self.proc is None or self.proc.poll() is not None:
            return None
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        except OSError:
            return None
        pids = [int(pid) for pid in children.split()]
        return pids[0] if pids else None

    def signal_supervisor(self, signum: int) -> None:
        """Send a signal to the supervisor alone (its worker is left to react by itself)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def kill(self) -> None:
        """SIGKILL the worker, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Graceful stop (SIGTERM), SIGKILL after the timeout."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        """The last lines of the worker's log."""
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"
