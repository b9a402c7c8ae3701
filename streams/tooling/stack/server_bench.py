"""``python -m streams.tooling.stack.server_bench``: start-up time and memory of each ClickHouse
server.

Each server kind of the local stack (``chdb`` 26.x and Debian's 18.16) is started from an
empty state directory on ports of its own, timed until it answers a query, migrated, and
measured (resident memory after start-up and after the migrations), then stopped; this is
repeated ``--runs`` times. Results are JSON (``--output``, stdout otherwise) so runs can be
compared side by side; on a shared machine compare the two servers' ratio, not absolutes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from streams.clickhouse.migrations import migrate
from streams.settings import Settings
from streams.tooling.stack.local import LocalStack, rss_mib

KINDS = ("chdb", "debian")


def measure(kind: str, home: Path, port: int) -> dict[str, Any]:
    """One cold start of a server of ``kind`` with its state under ``home``."""
    settings = Settings(
        home=home,
        stack={  # type: ignore[arg-type]
            "clickhouse_server": kind,
            "clickhouse_tcp_port": port,
            "clickhouse_http_port": port + 1,
            "clickhouse_interserver_port": port + 2,
        },
        clickhouse={"url": f"clickhouse://127.0.0.1:{port}/bench"},  # type: ignore[arg-type]
    )
    server = LocalStack(settings).clickhouse
    try:
        ready_s = server.up()
        pid = server.process.pid()
        rss_ready = rss_mib(pid) if pid else None
        started = time.perf_counter()
        migrate(settings.clickhouse, settings.migrations_dir)
        migrate_s = time.perf_counter() - started
        rss_migrated = rss_mib(pid) if pid else None
        version = server.version()
    finally:
        server.down()
    return {
        "version": version,
        "ready_s": ready_s,
        "migrate_s": migrate_s,
        "rss_mib_ready": rss_ready,
        "rss_mib_migrated": rss_migrated,
    }


def _summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"version": samples[0]["version"], "runs": len(samples)}
    for key in ("ready_s", "migrate_s", "rss_mib_ready", "rss_mib_migrated"):
        values = [float(s[key]) for s in samples if s[key] is not None]
        out[key] = {"median": statistics.median(values), "min": min(values), "max": max(values)}
    return out


def main(argv: list[str]) -> int:
    """Measure the chosen server kinds and write JSON."""
    parser = argparse.ArgumentParser(prog="python -m streams.tooling.stack.server_bench")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=29500, help="first of three ports")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in kinds}
    with tqdm(total=len(kinds) * args.runs, desc="server starts", unit="start") as bar:
        for _ in range(args.runs):
            # Interleaved, so a burst of load on the shared machine hits both kinds alike.
            for kind in kinds:
                with tempfile.TemporaryDirectory(prefix=f"server-bench-{kind}-") as home:
                    samples[kind].append(measure(kind, Path(home), args.port))
                bar.update()
    servers = {kind: _summary(runs) for kind, runs in samples.items()}
    result: dict[str, Any] = {"servers": servers, "samples": samples}
    if len(kinds) == 2:
        first, second = (servers[kind] for kind in kinds)
        result["ratios"] = {
            f"{kinds[0]}/{kinds[1]}_{key}": first[key]["median"] / second[key]["median"]
            for key in ("ready_s", "migrate_s", "rss_mib_migrated")
            if second[key]["median"]
        }
    text = json.dumps(result, indent=2)
    if args.output is not None:
        args.output.write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
