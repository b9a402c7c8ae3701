"""Dead letters: an input that cannot be processed, with where it came from and why.

A dead letter keeps the original key, bytes and headers. When they would not fit in one
producer request, the value is stored truncated and two headers give the original size and
the sha256 of the full payload, so the letter still lands and the original can be matched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from streams.errors import Stage
from streams.privacy.pii import redact

HEADER_PREFIX = "x-shopstream-"
SOURCE_TOPIC = f"{HEADER_PREFIX}source-topic"
SOURCE_PARTITION = f"{HEADER_PREFIX}source-partition"
SOURCE_OFFSET = f"{HEADER_PREFIX}source-offset"
STAGE = f"{HEADER_PREFIX}stage"
ERROR_CLASS = f"{HEADER_PREFIX}error-class"
ERROR_MESSAGE = f"{HEADER_PREFIX}error-message"
FAILED_AT = f"{HEADER_PREFIX}failed-at"
ORIGINAL_SIZE = f"{HEADER_PREFIX}original-size"
ORIGINAL_SHA256 = f"{HEADER_PREFIX}original-sha256"
# Set when even a truncated value did not fit: the original headers were left out.
HEADERS_DROPPED = f"{HEADER_PREFIX}original-headers-dropped"

_MAX_MESSAGE = 2_000
# Keys longer than this are not kept when a letter must shrink (the sha256 still covers
# the value; the source coordinates find the original).
_MAX_SHRUNK_KEY = 1_024


def _size(headers: Sequence[tuple[str, bytes]]) -> int:
    return sum(len(name.encode()) + len(value) for name, value in headers)


@dataclass(frozen=True)
class Letter:
    """A dead letter as it is published: key, value and headers within the size limit."""

    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    truncated: bool

    @property
    def size(self) -> int:
        """Bytes of key, value and headers (the part of a record that the limit counts)."""
        return len(self.key or b"") + len(self.value) + _size(self.headers)


@dataclass(frozen=True)
class DeadLetter:
    """One failed input: original key and bytes, the stage that failed, and the reason."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    original_headers: tuple[tuple[str, bytes], ...]
    error: BaseException
    stage: Stage = "decode"

    def headers(self, now: datetime | None = None) -> list[tuple[str, bytes]]:
        """Original headers followed by the origin, stage and error headers."""
        return [*self.original_headers, *self._own_headers(now)]

    def _own_headers(self, now: datetime | None) -> list[tuple[str, bytes]]:
        when = (now or datetime.now(UTC)).isoformat()
        # A driver's or model's message may quote the input: the header holds it redacted.
        message = redact(str(self.error)[:_MAX_MESSAGE]).text
        return [
            (SOURCE_TOPIC, self.topic.encode()),
            (SOURCE_PARTITION, str(self.partition).encode()),
            (SOURCE_OFFSET, str(self.offset).encode()),
            (STAGE, self.stage.encode()),
            (ERROR_CLASS, type(self.error).__name__.encode()),
            (ERROR_MESSAGE, message.encode("utf-8", errors="replace")),
            (FAILED_AT, when.encode()),
        ]

    def letter(self, max_bytes: int, now: datetime | None = None) -> Letter:
        """The letter to publish, with key, value and headers together under ``max_bytes``.

        A letter that fits is the original. Otherwise the value is cut to what is left after
        key and headers (plus the size and sha256 headers); if the original headers or key
        leave no room, they are left out too, which ``HEADERS_DROPPED`` records.
        """
        value = self.value or b""
        full = Letter(self.key, value, self.headers(now), truncated=False)
        if full.size <= max_bytes:
            return full
        digest = [
            (ORIGINAL_SIZE, str(len(value)).encode()),
            (ORIGINAL_SHA256, hashlib.sha256(value).hexdigest().encode()),
        ]
        headers = [*full.headers, *digest]
        room = max_bytes - len(self.key or b"") - _size(headers)
        if room >= 0:
            return Letter(self.key, value[:room], headers, truncated=True)
        return self.minimal(max_bytes, now)

    def minimal(self, max_bytes: int, now: datetime | None = None) -> Letter:
        """The smallest letter: origin, stage, reason, size and sha256; a short key only."""
        value = self.value or b""
        key = self.key if self.key is not None and len(self.key) <= _MAX_SHRUNK_KEY else None
        headers = [
            *self._own_headers(now),
            (ORIGINAL_SIZE, str(len(value)).encode()),
            (ORIGINAL_SHA256, hashlib.sha256(value).hexdigest().encode()),
            (HEADERS_DROPPED, str(len(self.original_headers)).encode()),
        ]
        room = max(max_bytes - len(key or b"") - _size(headers), 0)
        return Letter(key, value[:room], headers, truncated=True)


def parse_headers(
    headers: Mapping[str, str | bytes | None] | Sequence[tuple[str, str | bytes | None]] | None,
) -> dict[str, str]:
    """Dead-letter headers as text, for readers of the dead-letter topic (any Kafka client)."""
    items = headers.items() if isinstance(headers, Mapping) else headers or []
    return {
        key: value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value or ""
        for key, value in items
        if key.startswith(HEADER_PREFIX)
    }
