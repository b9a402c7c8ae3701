"""``python -m streams.tooling.stack.chdb_serve STATE``: serve ClickHouse from chdb-core until
SIGTERM.

The embedded engine reads ``config.xml`` from the working directory (ports, paths, users),
opens its listeners, then one query that sleeps a row at a time keeps the session, and with
it the listeners, alive. The default SIGTERM action ends the process; data is on disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SERVE = (
    "SYSTEM START LISTEN TCP; SYSTEM START LISTEN HTTP; "
    "SELECT sum(sleepEachRow(1)) FROM system.numbers "
    "SETTINGS max_block_size = 1, function_sleep_max_microseconds_per_block = 0"
)


def main(argv: list[str]) -> int:
    """Serve until terminated; returns non-zero when the engine ends the query itself."""
    state = Path(argv[1])
    os.chdir(state)
    import chdb._chdb as engine

    engine.query(SERVE, "CSV", path=str(state / "data"))  # type: ignore[attr-defined]
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
