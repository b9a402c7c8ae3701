"""Integration fixtures: the real local Kafka broker and ClickHouse server, isolated per test.

The stack is started (or reused) once per session; if it cannot start, every integration
test fails with the reason. Each test gets its own topic names, consumer group and ClickHouse
database, so runs never see each other's data.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.sandbox import drop, sandboxed
from streams.settings import Settings
from streams.stack.local import LocalStack


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Default settings pointing at the local stack, which is up when this returns."""
    settings = Settings()
    LocalStack(settings).up()
    return settings


@pytest.fixture
def settings(base_settings: Settings) -> Iterator[Settings]:
    """Per-test isolated settings; the test database is dropped afterwards."""
    isolated = sandboxed(base_settings)
    yield isolated
    drop(isolated)
