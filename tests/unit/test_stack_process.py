"""Which process of the local stack holds a port (read from /proc)."""

from __future__ import annotations

import os
import socket
import subprocess

from streams.tooling.stack.process import listens_on


def test_a_process_or_its_parent_is_found_on_the_port_it_listens_on() -> None:
    idle = subprocess.Popen(["sleep", "30"])
    try:
        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            assert listens_on(os.getpid(), port)
            assert listens_on(os.getppid(), port)  # a server whose child listens holds it
            assert not listens_on(idle.pid, port)
        assert not listens_on(os.getpid(), port)
    finally:
        idle.kill()
        idle.wait()
