"""Run the worker in a child process and start it again when its watchdog reports a stall."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from types import FrameType

log = logging.getLogger(__name__)

EXIT_STALLED = 75  # EX_TEMPFAIL: the worker's watchdog found it stalled; start it again.
# The supervisor tells each worker it starts how many stall restarts came before it.
RESTARTS_ENV = "SHOPSTREAM_STALL_RESTARTS"


def supervise(worker_args: Sequence[str], command: Sequence[str] | None = None) -> int:
    """Run ``python -m streams worker --no-supervise ARGS`` until it exits for another reason.

    SIGTERM and SIGINT are passed on to the child, which shuts down gracefully; the child's
    exit status becomes this process's. Only :data:`EXIT_STALLED` (from streams.watchdog) leads to
    a restart: any other failure is for the operator (or the process manager) to see.
    ``command`` replaces the worker command (the arguments are appended to it).
    """
    argv = [
        *(command or (sys.executable, "-m", "streams", "worker", "--no-supervise")),
        *worker_args,
    ]
    stopping = False
    child: subprocess.Popen[bytes] | None = None

    def forward(signum: int, _: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        restarts = 0
        while True:
            env = {**os.environ, RESTARTS_ENV: str(restarts)}
            child = subprocess.Popen(argv, env=env)
            code = child.wait()
            if stopping or code != EXIT_STALLED:
                return code
            restarts += 1
            log.warning("worker.restart reason=stalled restarts=%d", restarts)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
