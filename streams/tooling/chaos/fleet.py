"""The supervised workers of a scenario, and the ways the harness kills them.

Each slot is one ``shopstream worker`` (:class:`~streams.tooling.workerproc.WorkerProcess`: a
supervisor and the Faust worker it runs) on its own web port and log file. Killing the worker
leaves its supervisor to restart it; killing the supervisor (alone or with its worker) is a
machine-level crash, after which the harness plays the process manager and starts the slot
again once the old worker is gone, as systemd or Kubernetes would.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from streams.settings import Settings
from streams.tooling.workerproc import WorkerProcess

log = logging.getLogger(__name__)

KillTarget = Literal["worker", "supervisor", "both"]
KILL_TARGETS: tuple[KillTarget, ...] = ("worker", "supervisor", "both")


@dataclass(frozen=True)
class Probe:
    """What one worker's ``/ready`` said: None when nothing answered on its port."""

    port: int
    status: int | None
    ready: bool
    dead_agents: tuple[str, ...]
    busy_batches: int = 0  # batches in progress whose task runs (a generation, say)


def probe(port: int, timeout_s: float = 1.0) -> Probe:
    """Ask a worker's ``/ready``; the agents whose check is false are listed."""
    body: dict[str, Any]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=timeout_s) as r:
            status, body = r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        try:
            status, body = error.code, json.loads(error.read())
        except ValueError:
            return Probe(port, error.code, False, ())
    except (OSError, ValueError):
        return Probe(port, None, False, ())
    agents = body.get("checks", {}).get("agents", {}) or {}
    dead = tuple(sorted(name for name, alive in agents.items() if alive is False))
    busy = body.get("busy_batches")
    return Probe(port, status, bool(body.get("ready")), dead, busy if isinstance(busy, int) else 0)


def _gone(pid: int) -> bool:
    """Whether a process has exited (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in {"Z", "X"}


class Fleet:
    """``count`` supervised workers running ``tasks`` on consecutive web ports."""

    def __init__(
        self, settings: Settings, tasks: str, count: int, first_port: int, log_dir: Path
    ) -> None:
        self.settings = settings
        self.tasks = tasks
        self.ports = [first_port + i for i in range(count)]
        self.log_files = [log_dir / f"worker-{port}.log" for port in self.ports]
        self.slots: list[WorkerProcess] = []
        # Slots started again by the harness after a supervisor kill (process-manager role).
        self.relaunches = 0

    def _launch(self, index: int) -> WorkerProcess:
        return WorkerProcess(
            self.settings,
            tasks=self.tasks,
            web_port=self.ports[index],
            log_file=self.log_files[index],
        ).start()

    def start(self, timeout_s: float = 300.0) -> None:
        """Start every slot, then wait until each is ready."""
        self.slots = [self._launch(i) for i in range(len(self.ports))]
        for slot in self.slots:
            slot.wait_ready(timeout_s=timeout_s)

    def kill(self, index: int, target: KillTarget, gone_timeout_s: float = 60.0) -> None:
        """SIGKILL a slot's worker, supervisor or both; relaunch the slot if its supervisor died.

        Raises:
            TimeoutError: an orphaned worker did not exit within ``gone_timeout_s``.
        """
        slot = self.slots[index]
        child = slot.worker_pid()
        log.info("chaos.kill slot=%d target=%s worker_pid=%s", index, target, child)
        if target == "worker":
            if child is not None:
                os.kill(child, signal.SIGKILL)
            return
        if target == "both":
            slot.kill()
        else:
            slot.signal_supervisor(signal.SIGKILL)
            if slot.proc is not None:
                slot.proc.wait()
        deadline = time.monotonic() + gone_timeout_s
        while child is not None and not _gone(child):
            if time.monotonic() > deadline:
                msg = f"worker {child} outlived its supervisor by {gone_timeout_s:.0f}s"
                raise TimeoutError(msg)
            time.sleep(0.2)
        self.slots[index] = self._launch(index)
        self.relaunches += 1

    def probes(self) -> list[Probe]:
        """``/ready`` of every slot."""
        return [probe(port) for port in self.ports]

    def alive(self) -> int:
        """Slots whose supervisor still runs."""
        return sum(1 for s in self.slots if s.proc is not None and s.proc.poll() is None)

    def stop(self) -> None:
        """Stop every slot (SIGTERM, SIGKILL past the bound)."""
        for slot in self.slots:
            slot.stop(timeout_s=self.settings.supervision.shutdown_timeout_s + 10)

    def logs(self) -> str:
        """Every slot's log, concatenated."""
        return "\n".join(
            path.read_text(errors="replace") for path in self.log_files if path.exists()
        )
