"""The exception tree of shopstream.

Every error the project raises derives from :class:`ShopstreamError`. Classes carry a
``retriable`` flag so callers decide between retrying and dead-lettering without string
matching.
"""

from __future__ import annotations

from typing import Literal

# Where in the pipeline an event failed; the dead-letter topic's stage header.
Stage = Literal["decode", "validate", "model", "guard", "publish", "sink"]


class ShopstreamError(Exception):
    """Base of every shopstream error."""

    retriable: bool = False


class ConfigError(ShopstreamError):
    """The configuration is inconsistent or points at something missing."""


class DecodeError(ShopstreamError):
    """An input message could not be decoded: empty, not UTF-8 JSON, or past a decode limit."""


class ContractError(DecodeError):
    """An input message is JSON but violates its record's contract (fields, types, ranges)."""


class StackError(ShopstreamError):
    """A local service (Kafka broker, ClickHouse server) could not be started or reached."""


class SinkError(ShopstreamError):
    """Results could not be made durable."""

    retriable = True


class ModelError(ShopstreamError):
    """A model call raised on its inputs (the cause is chained)."""


class RejectedError(ShopstreamError):
    """A sink refused one record for what it holds (too large, a value it cannot store).

    The cause (a Kafka or ClickHouse error) is chained; the record is dead-lettered.
    """


class MigrationError(ShopstreamError):
    """A ClickHouse schema migration failed."""
