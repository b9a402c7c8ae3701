"""Integration fixtures: the real local Kafka broker and ClickHouse server, isolated per test.

The stack is started (or reused) once per session; if it cannot start, every integration
test fails with the reason. Each test gets its own topic names, consumer group and ClickHouse
database, so runs never see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.clickhouse.client import make_client
from streams.clickhouse.profiles import Profile, server_version
from streams.settings import Settings
from streams.tooling.sandbox import drop, sandboxed
from streams.tooling.stack.local import LocalStack
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import StartWorker


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker that selects the ClickHouse-facing tests (the 18.16 leg runs them)."""
    config.addinivalue_line(
        "markers",
        "clickhouse: exercises the ClickHouse schema, sink or queries; compose/local/test.sh "
        "runs these on Debian's 18.16 as well as on the default 26.x server",
    )


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Default settings pointing at the local stack, which is up when this returns."""
    settings = Settings()
    LocalStack(settings).up()
    return settings


@pytest.fixture(scope="session")
def server_profile(base_settings: Settings) -> Profile:
    """The schema profile of the stack's ClickHouse server (``current`` or ``legacy``)."""
    client = make_client(base_settings.clickhouse, database="default")
    try:
        return server_version(client).profile
    finally:
        client.disconnect()


@pytest.fixture
def settings(base_settings: Settings) -> Iterator[Settings]:
    """Per-test isolated settings; the test database is dropped afterwards."""
    isolated = sandboxed(base_settings)
    yield isolated
    drop(isolated)


@pytest.fixture
def start_worker(settings: Settings) -> Iterator[StartWorker]:
    """Start ready workers on the test's settings; every one is stopped afterwards."""
    started: list[WorkerProcess] = []

    def start(tasks: str, web_port: int, timeout_s: float = 240.0) -> WorkerProcess:
        proc = WorkerProcess(settings, tasks=tasks, web_port=web_port).start()
        started.append(proc)
        proc.wait_ready(timeout_s=timeout_s)
        return proc

    yield start
    for proc in started:
        proc.stop()
