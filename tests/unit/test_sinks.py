"""Sink error classification and per-record isolation, against in-memory stand-ins."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, cast

import faust
import pytest
from aiokafka import errors as kafka_errors
from clickhouse_driver import errors as ch_errors
from faust.exceptions import ProducerSendError

from streams.delivery.sinks.clickhouse import is_row_error
from streams.delivery.sinks.kafka import KafkaPublisher, OutMessage, is_record_error
from streams.errors import RejectedError
from streams.settings import BatchSettings


def _wrapped(cause: Exception) -> ProducerSendError:
    # As Faust raises it: the aiokafka error is the cause.
    try:
        raise ProducerSendError(f"Error while sending: {cause!r}") from cause
    except ProducerSendError as exc:
        return exc


@pytest.mark.parametrize(
    ("error", "record"),
    [
        (kafka_errors.MessageSizeTooLargeError(), True),
        (_wrapped(kafka_errors.MessageSizeTooLargeError("1000651 bytes")), True),
        (kafka_errors.RecordListTooLargeError(), True),
        (kafka_errors.InvalidTimestampError(), True),
        (TypeError("header value is not bytes"), True),
        (kafka_errors.RequestTimedOutError(), False),
        (kafka_errors.KafkaTimeoutError(), False),
        (kafka_errors.KafkaConnectionError(), False),
        (kafka_errors.NotLeaderForPartitionError(), False),
        (_wrapped(kafka_errors.NodeNotReadyError()), False),
        (kafka_errors.TopicAuthorizationFailedError(), False),
        (ProducerSendError("No transaction producer found"), False),
        (TimeoutError(), False),
    ],
)
def test_kafka_errors_are_the_records_only_when_aiokafka_says_so(
    error: BaseException, record: bool
) -> None:
    assert is_record_error(error) is record


@pytest.mark.parametrize(
    ("error", "row"),
    [
        (ch_errors.TypeMismatchError("argument out of range"), True),
        (
            ch_errors.ServerException("Cannot parse", code=ch_errors.ErrorCodes.CANNOT_PARSE_TEXT),
            True,
        ),
        (ch_errors.ServerException("out of range", code=321), True),
        (
            ch_errors.ServerException("too large", code=ch_errors.ErrorCodes.TOO_LARGE_STRING_SIZE),
            True,
        ),
        (ch_errors.ServerException("Constraint `c` is violated at row 2", code=469), True),
        (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), True),
        (OverflowError("date value out of range"), True),
        (ch_errors.LogicalError("Unknown element 'furious' for type Enum8"), True),
        (KeyError("p_negative"), True),
        (ch_errors.UnexpectedPacketFromServerError("packet"), False),
        (TimeoutError(), False),
        (ch_errors.NetworkError("Connection refused"), False),
        (ch_errors.SocketTimeoutError("timed out"), False),
        (ch_errors.ServerException("Timeout", code=ch_errors.ErrorCodes.TIMEOUT_EXCEEDED), False),
        (
            ch_errors.ServerException("memory", code=ch_errors.ErrorCodes.MEMORY_LIMIT_EXCEEDED),
            False,
        ),
        (ch_errors.ServerException("no table", code=60), False),
        (ConnectionResetError(), False),
        (EOFError(), False),
    ],
)
def test_clickhouse_errors_are_the_rows_only_when_about_the_data(
    error: BaseException, row: bool
) -> None:
    assert is_row_error(error) is row


class _Promise(asyncio.Future[None]):
    """Like Faust's FutureMessage: the future of one record, carrying the record."""

    value: bytes


@dataclass
class _Broker:
    """Stands in for the producer: records sent in one tick form one batch, and the topic
    rejects a whole batch that holds a record over ``topic_limit`` (as Kafka does)."""

    topic_limit: int
    max_request: int = 1_000_000
    outages: int = 0
    acked: list[bytes] = field(default_factory=list)
    batches: int = 0
    _pending: list[tuple[bytes, asyncio.Future[None]]] = field(default_factory=list)

    def flush(self) -> None:
        batch, self._pending = self._pending, []
        self.batches += 1
        error: Exception | None = None
        if self.outages:
            self.outages -= 1
            error = kafka_errors.RequestTimedOutError()
        elif any(len(value) > self.topic_limit for value, _ in batch):
            error = kafka_errors.MessageSizeTooLargeError()
        for value, future in batch:
            if error is None:
                self.acked.append(value)
                future.set_result(None)
            else:
                future.set_exception(error)

    def as_future_message(self, key: bytes | None, value: bytes, headers: Any) -> _Promise:
        promise = _Promise()
        promise.value = value
        return promise

    async def publish_message(self, promise: _Promise) -> None:
        if len(promise.value) > self.max_request:
            raise _wrapped(kafka_errors.MessageSizeTooLargeError(f"{len(promise.value)} bytes"))
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append((promise.value, promise))


class _App:
    def __init__(self, broker: _Broker) -> None:
        self.broker = broker
        self.conf = type("Conf", (), {"producer_max_request_size": broker.max_request})()

    def topic(self, name: str, **_: object) -> _Broker:
        return self.broker


def _publisher(broker: _Broker) -> KafkaPublisher:
    fast = BatchSettings(sink_retry_initial_s=0.001, sink_retry_max_s=0.002)
    return KafkaPublisher(cast(faust.App, _App(broker)), fast)


def _messages(sizes: list[int]) -> list[OutMessage]:
    return [OutMessage("out", None, bytes([i]) * size) for i, size in enumerate(sizes)]


def test_records_sharing_a_batch_with_an_oversized_one_are_sent_again() -> None:
    broker = _Broker(topic_limit=100)
    sizes = [10, 10, 500, 10, 10, 10]
    rejections = asyncio.run(_publisher(broker).publish(_messages(sizes)))
    assert [r.index for r in rejections] == [2]
    assert isinstance(rejections[0].error, RejectedError)
    assert isinstance(rejections[0].error.__cause__, kafka_errors.MessageSizeTooLargeError)
    assert sorted(broker.acked) == sorted(m.value for i, m in enumerate(_messages(sizes)) if i != 2)


def test_a_record_over_the_producer_limit_is_rejected_and_the_rest_acked() -> None:
    broker = _Broker(topic_limit=10**9, max_request=1_000)
    rejections = asyncio.run(_publisher(broker).publish(_messages([10, 2_000, 10])))
    assert [r.index for r in rejections] == [1]
    assert len(broker.acked) == 2
    assert broker.batches == 1


def test_retriable_failures_are_retried_not_rejected() -> None:
    broker = _Broker(topic_limit=100, outages=3)
    rejections = asyncio.run(_publisher(broker).publish(_messages([10, 10, 10])))
    assert rejections == []
    assert len(broker.acked) == 3
    assert broker.batches == 4


def test_nothing_failing_costs_one_batch() -> None:
    broker = _Broker(topic_limit=100)
    assert asyncio.run(_publisher(broker).publish(_messages([10] * 20))) == []
    assert broker.batches == 1


def test_publisher_is_unhealthy_only_while_retrying() -> None:
    broker = _Broker(topic_limit=100, outages=2)
    publisher = _publisher(broker)
    seen: list[bool] = []

    async def run() -> None:
        task = asyncio.create_task(publisher.publish(_messages([10])))
        while not task.done():
            seen.append(publisher.healthy)
            await asyncio.sleep(0.0005)
        await task

    asyncio.run(run())
    assert False in seen
    assert publisher.healthy
