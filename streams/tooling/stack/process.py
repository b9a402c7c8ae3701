"""Background service processes tracked by PID files."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.errors import StackError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ManagedProcess:
    """A service started in its own session, known by a PID file and a log file."""

    name: str
    state_dir: Path

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "log" / f"{self.name}.out"

    def pid(self) -> int | None:
        """The PID of the running service, or None (stale PID files are removed)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if _alive(pid):
            return pid
        self.pid_file.unlink(missing_ok=True)
        return None

    def start(self, argv: Sequence[str], env: dict[str, str] | None = None) -> int:
        """Start the service detached from this process; returns its PID."""
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as out:
            proc = subprocess.Popen(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **(env or {})},
            )
        self.pid_file.write_text(str(proc.pid))
        log.info("stack.started service=%s pid=%d log=%s", self.name, proc.pid, self.log_file)
        return proc.pid

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the service: SIGTERM, then SIGKILL after a timeout; False if not running."""
        pid = self.pid()
        if pid is None:
            return False
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            log.warning("stack.kill service=%s pid=%d reason=sigterm-timeout", self.name, pid)
            _signal_group(pid, signal.SIGKILL)
            while _alive(pid):
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        log.info("stack.stopped service=%s pid=%d", self.name, pid)
        return True

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of the service's output, for error messages."""
        try:
            text = self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still answers kill(0); treat it as gone.
    try:
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return status != "Z"


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return
    except PermissionError:
        os.kill(pid, sig)


def wait_until(
    check: Callable[[], bool],
    *,
    timeout_s: float,
    what: str,
    process: ManagedProcess | None = None,
    interval_s: float = 0.2,
) -> float:
    """Poll ``check`` until it holds; returns the seconds waited.

    Raises:
        StackError: the timeout passed, or the process died meanwhile (with its log tail).
    """
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if check():
            return time.monotonic() - started
        if process is not None and process.pid() is None:
            msg = f"{what}: {process.name} exited during start-up; log:\n{process.log_tail()}"
            raise StackError(msg)
        time.sleep(interval_s)
    tail = f"; log:\n{process.log_tail()}" if process is not None else ""
    msg = f"{what}: not ready after {timeout_s:.0f}s{tail}"
    raise StackError(msg)


def run_package_tool(
    argv: Sequence[str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run apt-get or dpkg without prompts, capturing its output (the caller checks it)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(list(argv), capture_output=True, text=True, env=env, cwd=cwd, check=False)


def _listening_inodes(port: int) -> set[str]:
    # /proc/net/tcp{,6}: local address as HEX_IP:HEX_PORT, state 0A is LISTEN, inode column 9.
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(fields[9])
    return inodes


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` (or one of its children) holds a TCP socket listening on ``port``.

    Args:
        pid: A process of this stack.
        port: The TCP port.

    Returns:
        ``True`` when one of the process's open sockets is a listener on the port (read from
        ``/proc``; ``False`` where that cannot be read).
    """
    inodes = _listening_inodes(port)
    if not inodes:
        return False
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids.extend(int(child) for child in children)
    except OSError:
        pass
    return any(
        f"socket:[{inode}]" in _open_files(candidate) for candidate in pids for inode in inodes
    )


def _open_files(pid: int) -> set[str]:
    # What each descriptor points to; one closed while listing (the listing's own) is skipped.
    found: set[str] = set()
    try:
        descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return found
    for fd in descriptors:
        try:
            found.add(os.readlink(fd))
        except OSError:
            continue
    return found
