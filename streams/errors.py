"""The exception tree of shopstream.

Every error the project raises derives from :class:`ShopstreamError`. Classes carry a
``retriable`` flag so callers decide between retrying and dead-lettering without string
matching.
"""

from __future__ import annotations


class ShopstreamError(Exception):
    """Base of every shopstream error."""

    retriable: bool = False


class ConfigError(ShopstreamError):
    """The configuration is inconsistent or points at something missing."""


class DecodeError(ShopstreamError):
    """An input message could not be decoded or validated against its contract."""


class StackError(ShopstreamError):
    """A local service (Kafka broker, ClickHouse server) could not be started or reached."""


class SinkError(ShopstreamError):
    """Results could not be made durable."""

    retriable = True


class MigrationError(ShopstreamError):
    """A ClickHouse schema migration failed."""
