"""Integration fixtures: the real local Kafka broker and ClickHouse server, isolated per test.

The stack is started (or reused) once per session; if it cannot start, every integration
test fails with the reason. Each test gets its own topic names, consumer group and ClickHouse
database, so runs never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import migrate
from streams.settings import Settings, TopicSettings
from streams.stack.local import LocalStack
from streams.topics import ensure_topics


@pytest.fixture(scope="session")
def base_settings() -> Settings:
    """Default settings pointing at the local stack, which is up when this returns."""
    settings = Settings()
    LocalStack(settings).up()
    return settings


def isolated_settings(base: Settings, **overrides: object) -> Settings:
    """Settings with unique topics, consumer group and database, created and migrated."""
    run = uuid.uuid4().hex[:8]
    names = {
        field: f"t{run}.{getattr(base.topics, field)}"
        for field in (
            *("reviews", "chat_messages", "product_updates", "sentiment", "alerts"),
            *("replies", "descriptions", "deadletter"),
        )
    }
    data = base.model_dump()
    data.update(
        app_id=f"shopstream-test-{run}",
        topics=TopicSettings(**names, partitions=base.topics.partitions).model_dump(),
        clickhouse={
            **data["clickhouse"],
            "url": f"clickhouse://127.0.0.1:{base.clickhouse.port}/t_{run}",
        },
        kafka={**data["kafka"], "session_timeout_ms": 6000},
    )
    data.update(overrides)
    settings = Settings(**data)
    ensure_topics(settings)
    migrate(settings.clickhouse, settings.migrations_dir)
    return settings


@pytest.fixture
def settings(base_settings: Settings) -> Iterator[Settings]:
    """Per-test isolated settings; the test database is dropped afterwards."""
    isolated = isolated_settings(base_settings)
    yield isolated
    client = make_client(isolated.clickhouse, database="default")
    try:
        client.execute(f"DROP DATABASE IF EXISTS `{isolated.clickhouse.database}`")
    finally:
        client.disconnect()
