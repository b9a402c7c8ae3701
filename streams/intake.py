"""Turning consumed Kafka events into validated records; the rest become dead letters."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from streams import metrics
from streams.codec import decode
from streams.deadletter import DeadLetter
from streams.errors import DecodeError
from streams.records import SourceRef
from streams.sinks.kafka import KafkaPublisher, OutMessage

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Decoded(Generic[M]):
    """A valid input record with its Kafka coordinates."""

    record: M
    source: SourceRef
    key: bytes | None
    timestamp: float


def header_pairs(raw: Any) -> tuple[tuple[str, bytes], ...]:
    """Kafka message headers (a mapping or ``(key, value)`` pairs) as pairs of str and bytes."""
    if not raw:
        return ()
    items = raw.items() if isinstance(raw, dict) else raw
    return tuple((str(k), bytes(v) if v is not None else b"") for k, v in items)


def _as_bytes(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return bytes(value)


class Intake:
    """Decodes a micro-batch of events; failures go to the dead-letter topic, acked."""

    def __init__(self, publisher: KafkaPublisher, deadletter_topic: str) -> None:
        self._publisher = publisher
        self._deadletter_topic = deadletter_topic

    async def decode(self, events: Sequence[Any], model: type[M]) -> list[Decoded[M]]:
        """Valid records in order; invalid ones are dead-lettered before this returns."""
        good: list[Decoded[M]] = []
        dead: list[DeadLetter] = []
        for event in events:
            message = event.message
            key, value = _as_bytes(message.key), _as_bytes(event.value)
            metrics.EVENTS_IN.labels(topic=message.topic).inc()
            try:
                record = decode(model, value)
                event_id = str(getattr(record, "event_id", ""))
            except DecodeError as exc:
                metrics.ERRORS.labels(stage="decode", error=type(exc).__name__).inc()
                dead.append(
                    DeadLetter(
                        topic=message.topic,
                        partition=message.partition,
                        offset=message.offset,
                        key=key,
                        value=value,
                        original_headers=header_pairs(message.headers),
                        error=exc,
                    )
                )
                continue
            source = SourceRef(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                event_id=event_id,
            )
            good.append(Decoded(record, source, key, float(message.timestamp or 0.0)))
        if dead:
            await self.dead_letter(dead)
        return good

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        """Publish dead letters and wait for the broker's acknowledgement."""
        await self._publisher.publish(
            [
                OutMessage(
                    topic=self._deadletter_topic,
                    key=letter.key,
                    value=letter.value or b"",
                    headers=letter.headers(),
                )
                for letter in letters
            ]
        )
        for letter in letters:
            metrics.DEAD_LETTERS.labels(topic=letter.topic, error=type(letter.error).__name__).inc()
            log.warning(
                "deadletter topic=%s partition=%d offset=%d error=%s reason=%s",
                letter.topic, letter.partition, letter.offset,
                type(letter.error).__name__, str(letter.error)[:300],
            )  # fmt: skip
