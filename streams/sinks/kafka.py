"""Publishing to Kafka output topics, waiting for the broker's acknowledgement."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import faust

from streams import metrics


@dataclass(frozen=True)
class OutMessage:
    """One record to publish."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class KafkaPublisher:
    """Sends records through the app's producer; ``publish`` returns once all are acked."""

    def __init__(self, app: faust.App) -> None:
        self._app = app
        self._topics: dict[str, Any] = {}

    def _topic(self, name: str) -> Any:
        topic = self._topics.get(name)
        if topic is None:
            topic = self._app.topic(name, key_serializer="raw", value_serializer="raw")
            self._topics[name] = topic
        return topic

    async def publish(self, messages: Sequence[OutMessage]) -> None:
        """Send every message and wait until the broker acknowledged each one."""
        if not messages:
            return
        started = time.perf_counter()
        try:
            pending = [
                await self._topic(message.topic).send(
                    key=message.key, value=message.value, headers=message.headers or None
                )
                for message in messages
            ]
            await asyncio.gather(*pending)
        except Exception as exc:
            # The batch's offsets stay uncommitted: a restarted worker publishes it again.
            metrics.SINK_FAILURES.labels(sink="kafka").inc()
            metrics.ERRORS.labels(stage="kafka_sink", error=type(exc).__name__).inc()
            raise
        metrics.SINK_LATENCY.labels(sink="kafka").observe(time.perf_counter() - started)
        for message in messages:
            metrics.EVENTS_OUT.labels(topic=message.topic).inc()
