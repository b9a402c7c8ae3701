"""Dead letters carry origin, stage and reason, and always fit in one producer request."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

import pytest

from streams.delivery.deadletter import DeadLetter, parse_headers
from streams.delivery.sinks.deadletters import DeadLetterSink
from streams.delivery.sinks.kafka import OutMessage, Rejection
from streams.errors import DecodeError, RejectedError, Stage


def _letter(
    value: bytes = b"{",
    stage: Stage = "decode",
    original_headers: tuple[tuple[str, bytes], ...] = (("trace", b"abc"),),
) -> DeadLetter:
    return DeadLetter(
        topic="shop.reviews",
        partition=3,
        offset=42,
        key=b"p1",
        value=value,
        original_headers=original_headers,
        error=DecodeError("value is not JSON"),
        stage=stage,
    )


def test_headers_name_origin_stage_error_and_time_and_keep_originals() -> None:
    headers = _letter(stage="validate").headers()
    assert headers[0] == ("trace", b"abc")
    parsed = parse_headers(headers)
    assert parsed["x-shopstream-source-topic"] == "shop.reviews"
    assert parsed["x-shopstream-source-partition"] == "3"
    assert parsed["x-shopstream-source-offset"] == "42"
    assert parsed["x-shopstream-stage"] == "validate"
    assert parsed["x-shopstream-error-class"] == "DecodeError"
    assert parsed["x-shopstream-error-message"] == "value is not JSON"
    assert parsed["x-shopstream-failed-at"].startswith("20")


def test_a_letter_that_fits_is_the_original() -> None:
    letter = _letter(b"x" * 1_000).letter(10_000)
    assert letter.value == b"x" * 1_000
    assert not letter.truncated
    assert "x-shopstream-original-size" not in parse_headers(letter.headers)


@pytest.mark.parametrize("limit", [2_000, 5_000, 100_000])
def test_a_letter_too_large_is_truncated_with_size_and_sha256(limit: int) -> None:
    value = bytes(range(256)) * 1_000
    letter = _letter(value).letter(limit)
    parsed = parse_headers(letter.headers)
    assert letter.truncated
    assert letter.size <= limit
    assert value.startswith(letter.value)
    # The value keeps all the room the key and headers leave.
    assert letter.size == limit
    assert parsed["x-shopstream-original-size"] == str(len(value))
    assert parsed["x-shopstream-original-sha256"] == hashlib.sha256(value).hexdigest()
    assert ("trace", b"abc") in letter.headers


def test_headers_that_leave_no_room_are_dropped_and_counted() -> None:
    big_headers = (("trace", b"t" * 5_000),)
    letter = _letter(b"v" * 10_000, original_headers=big_headers).letter(3_000)
    parsed = parse_headers(letter.headers)
    assert letter.size <= 3_000
    assert ("trace", b"t" * 5_000) not in letter.headers
    assert parsed["x-shopstream-original-headers-dropped"] == "1"
    assert parsed["x-shopstream-source-offset"] == "42"
    assert parsed["x-shopstream-original-sha256"] == hashlib.sha256(b"v" * 10_000).hexdigest()


class _Broker:
    """An in-memory publisher whose topic accepts records up to ``topic_limit`` bytes."""

    def __init__(self, max_request: int, topic_limit: int) -> None:
        self.max_request_bytes = max_request
        self._topic_limit = topic_limit
        self.stored: list[OutMessage] = []

    async def publish(self, messages: Sequence[OutMessage]) -> list[Rejection]:
        rejected = []
        for index, message in enumerate(messages):
            size = len(message.key or b"") + len(message.value)
            size += sum(len(k) + len(v) for k, v in message.headers)
            if size > self._topic_limit:
                rejected.append(Rejection(index, RejectedError("too large")))
            else:
                self.stored.append(message)
        return rejected


def test_sink_sizes_letters_to_the_producer_limit_minus_headroom() -> None:
    broker = _Broker(max_request=1_000_000, topic_limit=1_000_000)
    sink = DeadLetterSink(broker, "dlq", headroom_bytes=4_096)
    value = b"a" * 1_000_651
    asyncio.run(sink.send([_letter(value), _letter(b"{")]))
    assert [m.value[:1] for m in broker.stored] == [b"a", b"{"]
    big = broker.stored[0]
    assert len(big.value) < len(value)
    assert parse_headers(big.headers)["x-shopstream-original-size"] == "1000651"
    assert broker.stored[1].value == b"{"


def test_sink_falls_back_to_the_minimal_letter_when_the_topic_is_smaller() -> None:
    broker = _Broker(max_request=1_000_000, topic_limit=2_000)
    sink = DeadLetterSink(broker, "dlq", headroom_bytes=4_096)
    value = b"b" * 50_000
    asyncio.run(sink.send([_letter(value)]))
    [stored] = broker.stored
    parsed = parse_headers(stored.headers)
    assert stored.value == b""
    assert parsed["x-shopstream-stage"] == "decode"
    assert parsed["x-shopstream-original-sha256"] == hashlib.sha256(value).hexdigest()
