"""The local stack as one unit: up, down, status."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streams.settings import Settings
from streams.tooling.stack.chdb import ChdbServer
from streams.tooling.stack.clickhouse import ClickHouseServer
from streams.tooling.stack.kafka import KafkaBroker
from streams.tooling.stack.process import ManagedProcess, listens_on

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceStatus:
    """What one local service is doing."""

    name: str
    pid: int | None
    rss_mib: float | None
    address: str
    start_s: float | None = None
    version: str | None = None
    log: Path | None = None

    @property
    def running(self) -> bool:
        return self.pid is not None


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


class LocalStack:
    """The Kafka broker and ClickHouse server of the local stack."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kafka = KafkaBroker(settings)
        self.clickhouse: ClickHouseServer = (
            ChdbServer(settings)
            if settings.stack.clickhouse_server == "chdb"
            else ClickHouseServer(settings)
        )

    def up(self) -> list[ServiceStatus]:
        """Start both services (reusing running ones) and wait until they answer.

        The other kind of ClickHouse server of this stack (chdb or Debian's), when it holds
        the configured port, is stopped first: switching ``clickhouse_server`` takes effect.
        """
        self.settings.state_dir.mkdir(parents=True, exist_ok=True)
        other = (
            ClickHouseServer(self.settings)
            if isinstance(self.clickhouse, ChdbServer)
            else ChdbServer(self.settings)
        )
        pid = other.process.pid()
        if pid is not None and listens_on(pid, self.settings.stack.clickhouse_tcp_port):
            log.info("stack.clickhouse_switch stopping=%s pid=%d", other.process.name, pid)
            other.down()
        clickhouse_s = self.clickhouse.up()
        kafka_s = self.kafka.up()
        return self.status(
            start_s={self.kafka.process.name: kafka_s, self.clickhouse.process.name: clickhouse_s}
        )

    def down(self) -> list[str]:
        """Stop both services; returns the names of those that were running."""
        stopped = []
        if self.kafka.down():
            stopped.append("kafka")
        if self.clickhouse.down():
            stopped.append("clickhouse")
        return stopped

    def status(self, start_s: dict[str, float] | None = None) -> list[ServiceStatus]:
        """PID, memory, address, version and log file of each service."""
        stack = self.settings.stack
        entries: list[tuple[ManagedProcess, str, Callable[[], str | None]]] = [
            (self.kafka.process, f"127.0.0.1:{stack.kafka_port}", lambda: stack.kafka_version),
            (
                self.clickhouse.process,
                f"127.0.0.1:{stack.clickhouse_tcp_port}",
                self.clickhouse.version,
            ),
        ]
        out = []
        for process, address, version in entries:
            pid = process.pid()
            out.append(
                ServiceStatus(
                    name=process.name,
                    pid=pid,
                    rss_mib=rss_mib(pid) if pid else None,
                    address=address,
                    start_s=(start_s or {}).get(process.name),
                    version=version() if pid else None,
                    log=process.log_file,
                )
            )
        return out
