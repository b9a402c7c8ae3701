"""Publishing to Kafka output topics, waiting for the broker's acknowledgement.

:meth:`KafkaPublisher.publish` returns once every record is acknowledged or rejected for
itself. Errors are classified by what aiokafka says of them:

* a record-level error (``MessageSizeTooLargeError`` and the other classes in
  :data:`RECORD_ERRORS`, or a record the producer cannot even build) rejects that record;
  because the broker rejects a whole producer batch for one record, the failed records are
  re-sent in halves (:func:`streams.delivery.bisection.bisect`) so only the guilty one is rejected;
* anything else (``retriable`` errors, timeouts, and non-retriable errors of the producer or
  broker as a whole, such as authorization) is retried with capped exponential backoff:
  the agent waits instead of rejecting good records.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import faust
from aiokafka import errors as kafka_errors

from streams import metrics
from streams.delivery.bisection import bisect
from streams.errors import RejectedError
from streams.settings import BatchSettings

log = logging.getLogger(__name__)

# aiokafka errors about one record (or the batch it is in), never about the broker.
RECORD_ERRORS: tuple[type[kafka_errors.KafkaError], ...] = (
    kafka_errors.MessageSizeTooLargeError,
    kafka_errors.RecordTooLargeError,
    kafka_errors.RecordListTooLargeError,
    kafka_errors.InvalidTimestampError,
    kafka_errors.CorruptRecordException,
)
# Errors raised while a record is built (a header that is not bytes, no key and no value).
_BUILD_ERRORS = (TypeError, ValueError, AssertionError)


@dataclass(frozen=True)
class OutMessage:
    """One record to publish."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass(frozen=True)
class Rejection:
    """A record the broker or producer refused for itself: its index in the call, and why."""

    index: int
    error: RejectedError


class Publisher(Protocol):
    """What publishing needs: :class:`KafkaPublisher`, or an in-memory one in tests."""

    @property
    def max_request_bytes(self) -> int: ...

    async def publish(self, messages: Sequence[OutMessage]) -> list[Rejection]: ...


def _kafka_cause(exc: BaseException) -> kafka_errors.KafkaError | None:
    """The aiokafka error behind ``exc`` (Faust wraps it in ProducerSendError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kafka_errors.KafkaError):
            return seen
        seen = seen.__cause__
    return None


def is_record_error(exc: BaseException) -> bool:
    """Whether a publish error belongs to the record (reject it) rather than to the broker."""
    cause = _kafka_cause(exc)
    if cause is not None:
        return isinstance(cause, RECORD_ERRORS)
    return isinstance(exc, _BUILD_ERRORS)


class _Failures(Exception):
    """Some records of a call failed; ``errors`` holds one entry per record (None: acked)."""

    def __init__(self, errors: list[BaseException | None]) -> None:
        super().__init__(f"{sum(e is not None for e in errors)} of {len(errors)} records failed")
        self.errors = errors


class KafkaPublisher:
    """Sends records through the app's producer; ``publish`` returns once all are settled."""

    def __init__(self, app: faust.App, batch: BatchSettings | None = None) -> None:
        self._app = app
        self._batch = batch or BatchSettings()
        self._topics: dict[str, Any] = {}
        # False while a publish is retrying a broker failure (for readiness checks).
        self.healthy = True

    @property
    def max_request_bytes(self) -> int:
        """The producer's max request size: no record larger than this can be sent."""
        return int(self._app.conf.producer_max_request_size)

    def _topic(self, name: str) -> Any:
        topic = self._topics.get(name)
        if topic is None:
            topic = self._app.topic(name, key_serializer="raw", value_serializer="raw")
            self._topics[name] = topic
        return topic

    async def _send(self, messages: Sequence[OutMessage]) -> list[BaseException | None]:
        """Send all, then wait for all; one entry per message: its error, or None."""
        errors: list[BaseException | None] = [None] * len(messages)
        pending: list[tuple[int, Any]] = []
        for index, message in enumerate(messages):
            topic = self._topic(message.topic)
            try:
                # Publishing the promise ourselves (rather than ``topic.send``) leaves us the
                # future Faust settles, so a refused record's error is retrieved here
                # instead of being logged as never retrieved.
                future = topic.as_future_message(
                    key=message.key, value=message.value, headers=message.headers or None
                )
                await topic.publish_message(future)
            except Exception as exc:  # noqa: BLE001 - settled per record below
                errors[index] = exc
                if not is_record_error(exc):
                    # The producer is failing as a whole (no metadata, closed): the records
                    # not sent yet share the error instead of each waiting for its timeout.
                    errors[index + 1 :] = [exc] * (len(messages) - index - 1)
                    break
            else:
                pending.append((index, future))
        outcomes = await asyncio.gather(*(f for _, f in pending), return_exceptions=True)
        for (index, _), outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if isinstance(outcome, asyncio.CancelledError):
                    raise outcome
                errors[index] = outcome
        return errors

    async def _send_until_settled(self, messages: Sequence[OutMessage]) -> list[None]:
        """Send; retry broker failures with backoff; raise _Failures on record errors."""
        delay = self._batch.sink_retry_initial_s
        todo = list(range(len(messages)))
        rejected: list[BaseException | None] = [None] * len(messages)
        attempt = 0
        while todo:
            attempt += 1
            errors = await self._send([messages[i] for i in todo])
            retry = []
            for index, error in zip(todo, errors, strict=True):
                if error is None:
                    continue
                if is_record_error(error):
                    rejected[index] = error
                else:
                    retry.append(index)
            if not retry:
                break
            self.healthy = False
            first = next(e for e in errors if e is not None and not is_record_error(e))
            metrics.SINK_FAILURES.labels(sink="kafka").inc()
            metrics.ERRORS.labels(stage="kafka_sink", error=type(first).__name__).inc()
            log.warning(
                "sink.kafka.retry records=%d attempt=%d delay_s=%.1f error=%s: %s",
                len(retry), attempt, delay, type(first).__name__, first,
            )  # fmt: skip
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._batch.sink_retry_max_s)
            todo = retry
        self.healthy = True
        if any(e is not None for e in rejected):
            raise _Failures(rejected)
        return [None] * len(messages)

    async def publish(self, messages: Sequence[OutMessage]) -> list[Rejection]:
        """Send every message; returns when each is acknowledged or rejected for itself.

        Returns:
            The rejected records (empty when all were acknowledged), by index in ``messages``.
        """
        if not messages:
            return []
        started = time.perf_counter()
        try:
            await self._send_until_settled(messages)
        except _Failures as first:
            rejections = await self._isolate(messages, first.errors)
        else:
            rejections = []
        metrics.SINK_LATENCY.labels(sink="kafka").observe(time.perf_counter() - started)
        refused = {r.index for r in rejections}
        for index, message in enumerate(messages):
            if index not in refused:
                metrics.EVENTS_OUT.labels(topic=message.topic).inc()
        return rejections

    async def _isolate(
        self, messages: Sequence[OutMessage], errors: list[BaseException | None]
    ) -> list[Rejection]:
        """Re-send the failed records in halves so that only the guilty ones are rejected."""
        suspects = [i for i, error in enumerate(errors) if error is not None]

        async def resend(indices: Sequence[int]) -> list[None]:
            return await self._send_until_settled([messages[i] for i in indices])

        split = await bisect(suspects, resend, lambda exc: isinstance(exc, _Failures))
        rejections = []
        for failed in split.failed:
            error = failed.error
            cause = error.errors[0] if isinstance(error, _Failures) else error
            message = messages[failed.item]
            reason = RejectedError(
                f"{message.topic} refused a record of {len(message.value)} bytes: "
                f"{type(cause).__name__}: {cause}"
            )
            reason.__cause__ = cause
            rejections.append(Rejection(failed.item, reason))
        return rejections
