"""Turning consumed Kafka events into validated records; the rest become dead letters."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from streams import metrics
from streams.delivery.codec import DEFAULT_LIMITS, decode
from streams.delivery.deadletter import DeadLetter
from streams.delivery.sinks.deadletters import DeadLetterSink
from streams.errors import ContractError, DecodeError, Stage
from streams.records import DATETIME_RANGE, EventTimeRange, SourceRef
from streams.settings import DecodeSettings

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Decoded(Generic[M]):
    """A valid input record with its Kafka coordinates and original bytes.

    The original value and headers travel with the record so that a later stage (model,
    guard, publish, sink) can dead-letter the event as it arrived.
    """

    record: M
    source: SourceRef
    key: bytes | None
    timestamp: float
    value: bytes = b""
    headers: tuple[tuple[str, bytes], ...] = ()

    def dead_letter(self, stage: Stage, error: BaseException) -> DeadLetter:
        """This event as a dead letter of ``stage``."""
        return DeadLetter(
            topic=self.source.topic,
            partition=self.source.partition,
            offset=self.source.offset,
            key=self.key,
            value=self.value,
            original_headers=self.headers,
            error=error,
            stage=stage,
        )


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

    def __init__(
        self,
        deadletters: DeadLetterSink,
        limits: DecodeSettings = DEFAULT_LIMITS,
        event_times: EventTimeRange = DATETIME_RANGE,
    ) -> None:
        # event_times: what the connected schema stores (streams.clickhouse.event_times); the
        # portable DateTime range unless the worker learnt a wider one from the server.
        self._deadletters = deadletters
        self._limits = limits
        self._event_times = event_times

    async def decode(self, events: Sequence[Any], model: type[M]) -> list[Decoded[M]]:
        """Valid records in order; invalid ones are dead-lettered before this returns."""
        good: list[Decoded[M]] = []
        dead: list[DeadLetter] = []
        for event in events:
            message = event.message
            key, value = _as_bytes(message.key), _as_bytes(event.value)
            headers = header_pairs(message.headers)
            metrics.EVENTS_IN.labels(topic=message.topic).inc()
            try:
                record = decode(model, value, self._limits, self._event_times)
            except Exception as exc:  # noqa: BLE001 - no input may stop the partition
                stage: Stage = "validate" if isinstance(exc, ContractError) else "decode"
                if not isinstance(exc, DecodeError):
                    log.error("intake.decode_crash model=%s error=%s", model.__name__, type(exc))
                metrics.ERRORS.labels(stage=stage, error=type(exc).__name__).inc()
                dead.append(
                    DeadLetter(
                        topic=message.topic,
                        partition=message.partition,
                        offset=message.offset,
                        key=key,
                        value=value,
                        original_headers=headers,
                        error=exc,
                        stage=stage,
                    )
                )
                continue
            source = SourceRef(
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                event_id=str(getattr(record, "event_id", "")),
            )
            good.append(
                Decoded(record, source, key, float(message.timestamp or 0.0), value or b"", headers)
            )
        if dead:
            await self._deadletters.send(dead)
        return good

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> None:
        """Publish dead letters and wait until the broker settled each one."""
        await self._deadletters.send(letters)

    async def reject(
        self, stage: Stage, failures: Sequence[tuple[Decoded[Any], BaseException]]
    ) -> None:
        """Dead-letter decoded events that failed at a later ``stage``."""
        for _, error in failures:
            metrics.ERRORS.labels(stage=stage, error=type(error).__name__).inc()
        await self._deadletters.send([item.dead_letter(stage, error) for item, error in failures])
