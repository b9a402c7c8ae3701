"""Dead letters: an input that cannot be processed, with where it came from and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

HEADER_PREFIX = "x-shopstream-"
SOURCE_TOPIC = f"{HEADER_PREFIX}source-topic"
SOURCE_PARTITION = f"{HEADER_PREFIX}source-partition"
SOURCE_OFFSET = f"{HEADER_PREFIX}source-offset"
ERROR_CLASS = f"{HEADER_PREFIX}error-class"
ERROR_MESSAGE = f"{HEADER_PREFIX}error-message"
FAILED_AT = f"{HEADER_PREFIX}failed-at"

_MAX_MESSAGE = 2_000


@dataclass(frozen=True)
class DeadLetter:
    """One failed input: original key and bytes plus the reason."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    original_headers: tuple[tuple[str, bytes], ...]
    error: BaseException

    def headers(self, now: datetime | None = None) -> list[tuple[str, bytes]]:
        """Original headers followed by the origin and error headers."""
        when = (now or datetime.now(UTC)).isoformat()
        message = str(self.error)[:_MAX_MESSAGE]
        return [
            *self.original_headers,
            (SOURCE_TOPIC, self.topic.encode()),
            (SOURCE_PARTITION, str(self.partition).encode()),
            (SOURCE_OFFSET, str(self.offset).encode()),
            (ERROR_CLASS, type(self.error).__name__.encode()),
            (ERROR_MESSAGE, message.encode("utf-8", errors="replace")),
            (FAILED_AT, when.encode()),
        ]


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
