"""Settings for a throwaway run: own topics, consumer group and ClickHouse database."""

from __future__ import annotations

import uuid

from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import migrate
from streams.settings import Settings, TopicSettings
from streams.topics import ensure_topics

_TOPIC_FIELDS = (
    "reviews", "chat_messages", "product_updates", "sentiment", "alerts",
    "replies", "descriptions", "deadletter",
)  # fmt: skip


def sandboxed(base: Settings, label: str = "t", **overrides: object) -> Settings:
    """Settings with unique topic names, app id and database, created and migrated."""
    run = f"{label}{uuid.uuid4().hex[:8]}"
    names = {field: f"{run}.{getattr(base.topics, field)}" for field in _TOPIC_FIELDS}
    data = base.model_dump()
    data.update(
        app_id=f"shopstream-{run}",
        topics=TopicSettings.model_validate(
            {**names, "partitions": base.topics.partitions}
        ).model_dump(),
        clickhouse={**data["clickhouse"], "url": _with_database(base, f"sandbox_{run}")},
        kafka={**data["kafka"], "session_timeout_ms": 6000},
        stall_after_s=60.0,
    )
    data.update(overrides)
    settings = Settings(**data)
    ensure_topics(settings)
    migrate(settings.clickhouse, settings.migrations_dir)
    return settings


def _with_database(base: Settings, database: str) -> str:
    ch = base.clickhouse
    scheme = "clickhouses" if ch.url.startswith("clickhouses://") else "clickhouse"
    return f"{scheme}://{ch.host}:{ch.port}/{database}"


def drop(settings: Settings) -> None:
    """Drop a sandbox's ClickHouse database."""
    client = make_client(settings.clickhouse, database="default")
    try:
        client.execute(f"DROP DATABASE IF EXISTS `{settings.clickhouse.database}`")
    finally:
        client.disconnect()
