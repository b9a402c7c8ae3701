"""Fault injectors: the broker or ClickHouse going away, a topic or table refusing data.

The service restarts act on the local stack's own processes (:mod:`streams.tooling.stack`); the data
faults change the sandbox's topic or table configuration through the servers' own interfaces.
"""

from __future__ import annotations

import logging
import time

from confluent_kafka.admin import AdminClient, ConfigResource

from streams.clickhouse.client import make_client
from streams.kafka_config import confluent_config
from streams.settings import Settings
from streams.tooling.chaos.progress import Timeline
from streams.tooling.stack.clickhouse import ClickHouseServer
from streams.tooling.stack.kafka import KafkaBroker
from streams.tooling.stack.local import LocalStack

log = logging.getLogger(__name__)

# The sink-error scenario's poison rows: their product ids start with this, and a CHECK
# constraint on the results table refuses exactly those rows.
POISON_PRODUCT_PREFIX = "chaos-poison-"
CONSTRAINT = "chaos_refuses_poison"


def broker_outage(settings: Settings, timeline: Timeline, seconds: float) -> None:
    """Stop the local Kafka broker for ``seconds``, then start it again."""
    _outage(LocalStack(settings).kafka, timeline, seconds, "broker_down", "broker down")


def clickhouse_outage(settings: Settings, timeline: Timeline, seconds: float) -> None:
    """Stop the local ClickHouse server for ``seconds``, then start it again."""
    _outage(
        LocalStack(settings).clickhouse, timeline, seconds, "clickhouse_down", "ClickHouse down"
    )


def _outage(
    service: KafkaBroker | ClickHouseServer,
    timeline: Timeline,
    seconds: float,
    event: str,
    label: str,
) -> None:
    """Stop a stack service for ``seconds``, start it again, and record the span as ``label``."""
    started = timeline.now()
    service.down()
    log.info("chaos.%s seconds=%.0f", event, seconds)
    time.sleep(seconds)
    service.up()
    timeline.span(started, label)


def shrink_topic(settings: Settings, topic: str, max_bytes: int) -> None:
    """Make the broker refuse records above ``max_bytes`` on a topic (not retriable)."""
    admin = AdminClient(confluent_config(settings.kafka))
    resource = ConfigResource("topic", topic, set_config={"max.message.bytes": str(max_bytes)})
    for future in admin.alter_configs([resource]).values():
        future.result(timeout=30)


def refuse_poison_rows(settings: Settings, table: str) -> None:
    """Add a CHECK constraint that refuses rows of poison products (ClickHouse 19.14+).

    The server then rejects an insert holding such a row with VIOLATED_CONSTRAINT: a row
    error that no retry can heal.
    """
    client = make_client(settings.clickhouse)
    try:
        client.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {CONSTRAINT} "
            f"CHECK NOT startsWith(product_id, '{POISON_PRODUCT_PREFIX}')"
        )
    finally:
        client.disconnect()
