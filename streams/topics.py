"""Topic definitions and their creation on the broker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from confluent_kafka.admin import AdminClient, NewTopic

from streams.errors import StackError
from streams.kafka_config import check_connection, confluent_config
from streams.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its name, partitions and whether shopstream reads or writes it."""

    name: str
    partitions: int
    direction: str


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """Every topic in DESIGN.md with its configured name and partition count."""
    t = settings.topics
    inputs = [t.reviews, t.chat_messages, t.product_updates]
    outputs = [t.sentiment, t.alerts, t.replies, t.descriptions, t.deadletter]
    return [TopicSpec(name, t.partitions, "in") for name in inputs] + [
        TopicSpec(name, t.partitions, "out") for name in outputs
    ]


def ensure_topics(settings: Settings, timeout_s: float = 30.0) -> list[str]:
    """Create missing topics; returns the names created now. Existing topics are left alone."""
    # check_connection fails fast, with the cause, on rejected credentials or certificates.
    existing = set(check_connection(settings.kafka, timeout_s).topics)
    admin = AdminClient(confluent_config(settings.kafka))
    wanted = [spec for spec in topic_specs(settings) if spec.name not in existing]
    if not wanted:
        return []
    futures: dict[str, Any] = admin.create_topics(
        [
            NewTopic(
                spec.name,
                num_partitions=spec.partitions,
                replication_factor=settings.topics.replication_factor,
            )
            for spec in wanted
        ],
        operation_timeout=timeout_s,
    )
    created = []
    for name, future in futures.items():
        try:
            future.result(timeout=timeout_s)
            created.append(name)
        except Exception as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                msg = f"cannot create topic {name}: {exc}"
                raise StackError(msg) from exc
    log.info("kafka.topics.created names=%s", ",".join(sorted(created)))
    return created
