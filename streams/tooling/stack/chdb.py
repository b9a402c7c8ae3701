"""A current ClickHouse (26.x) for the local stack, served by the embedded engine of chdb-core.

chdb-core embeds a full ClickHouse server engine. Given a ``config.xml`` in its working
directory, ``SYSTEM START LISTEN`` opens the native and HTTP ports, and they stay open while
one long query holds the session, so a small child process (:mod:`streams.tooling.stack.chdb_serve`)
is a real network server that clickhouse-driver and clickhouse-client talk to. Config, data and
logs live under the state directory like those of Debian's server; SIGTERM stops it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from streams.errors import StackError
from streams.tooling.stack.clickhouse import ClickHouseServer
from streams.tooling.stack.process import ManagedProcess


class ChdbServer(ClickHouseServer):
    """ClickHouse 26.x from the chdb-core wheel, run with the stack's own config and users."""

    @property
    def state(self) -> Path:
        return self.settings.state_dir / "clickhouse-chdb"

    @property
    def process(self) -> ManagedProcess:
        return ManagedProcess("clickhouse-chdb", self.settings.state_dir)

    def command(self, config: Path) -> list[str]:
        """``python -m streams.tooling.stack.chdb_serve STATE`` (chdb reads STATE/config.xml)."""
        if importlib.util.find_spec("chdb") is None:
            msg = (
                "the chdb ClickHouse server needs the chdb-core package (installed by "
                "compose/local/setup.sh), or set SHOPSTREAM_STACK__CLICKHOUSE_SERVER=debian"
            )
            raise StackError(msg)
        return [sys.executable, "-m", "streams.tooling.stack.chdb_serve", str(config.parent)]

    def environment(self) -> dict[str, str]:
        """``TZ=UTC`` for the server process.

        The embedded engine ignores config.xml's ``<timezone>`` and takes the process's zone,
        in which clients would then read DateTime columns back.
        """
        return {"TZ": "UTC"}
