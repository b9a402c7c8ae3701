"""Settings for a throwaway run: own topics, consumer group and ClickHouse database."""

from __future__ import annotations

import logging
import uuid

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from streams.clickhouse.client import make_client
from streams.clickhouse.migrations import migrate
from streams.kafka_config import confluent_config
from streams.settings import Settings, TopicSettings
from streams.topics import ensure_topics

log = logging.getLogger(__name__)

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
    """Drop a sandbox's ClickHouse database and delete its Kafka topics.

    Topics go too, the app's own (changelogs, assignor) included: a broker that keeps every
    sandbox's partitions runs out of memory maps after a few thousand runs' worth of them.
    """
    client = make_client(settings.clickhouse, database="default")
    try:
        client.execute(f"DROP DATABASE IF EXISTS `{settings.clickhouse.database}`")
    finally:
        client.disconnect()
    delete_topics(settings)


def delete_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Delete the sandbox's topics (``<run>.*`` and ``<app_id>-*``); returns their names."""
    run = settings.topics.reviews.partition(".")[0]
    if settings.app_id != f"shopstream-{run}":
        msg = f"not sandbox settings (app id {settings.app_id!r}, topics {run}.*): nothing deleted"
        raise ValueError(msg)
    prefixes = (f"{run}.", f"{settings.app_id}-")
    admin = AdminClient(confluent_config(settings.kafka))
    names = [
        name for name in admin.list_topics(timeout=timeout_s).topics if name.startswith(prefixes)
    ]
    if not names:
        return []
    futures = admin.delete_topics(names, operation_timeout=timeout_s)
    for name, future in futures.items():
        try:
            future.result(timeout=timeout_s)
        except KafkaException as exc:
            log.warning("sandbox.topic_not_deleted topic=%s error=%s", name, exc)
    return names
