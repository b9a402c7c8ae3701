"""Dead-letter headers carry origin and reason."""

from __future__ import annotations

from streams.deadletter import DeadLetter, parse_headers
from streams.errors import DecodeError


def test_headers_name_origin_error_and_time_and_keep_originals() -> None:
    letter = DeadLetter(
        topic="shop.reviews",
        partition=3,
        offset=42,
        key=b"p1",
        value=b"{",
        original_headers=(("trace", b"abc"),),
        error=DecodeError("value is not JSON"),
    )
    headers = letter.headers()
    assert headers[0] == ("trace", b"abc")
    parsed = parse_headers(headers)
    assert parsed["x-shopstream-source-topic"] == "shop.reviews"
    assert parsed["x-shopstream-source-partition"] == "3"
    assert parsed["x-shopstream-source-offset"] == "42"
    assert parsed["x-shopstream-error-class"] == "DecodeError"
    assert parsed["x-shopstream-error-message"] == "value is not JSON"
    assert parsed["x-shopstream-failed-at"].startswith("20")
