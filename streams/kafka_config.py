"""Kafka client configuration derived from settings, for librdkafka and for Faust."""

from __future__ import annotations

import logging
import ssl
import time
import uuid
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message
from confluent_kafka.admin import AdminClient, ClusterMetadata

from streams.errors import StackError
from streams.settings import KafkaSettings

log = logging.getLogger(__name__)

# librdkafka retries these forever; they never heal without a configuration change.
_PERMANENT = {KafkaError._AUTHENTICATION: "authentication failed", KafkaError._SSL: "TLS failed"}


def confluent_config(settings: KafkaSettings, **extra: Any) -> dict[str, Any]:
    """librdkafka (confluent-kafka) configuration, including SASL/SSL when set."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap,
        "security.protocol": settings.security_protocol,
        "socket.timeout.ms": settings.request_timeout_ms,
    }
    if settings.sasl_mechanism is not None:
        config["sasl.mechanism"] = settings.sasl_mechanism
        config["sasl.username"] = settings.sasl_username or ""
        config["sasl.password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else ""
        )
    if settings.ssl_cafile is not None:
        config["ssl.ca.location"] = str(settings.ssl_cafile)
    if settings.ssl_certfile is not None:
        config["ssl.certificate.location"] = str(settings.ssl_certfile)
    if settings.ssl_keyfile is not None:
        config["ssl.key.location"] = str(settings.ssl_keyfile)
    config.update(extra)
    return config


def reader_config(settings: KafkaSettings, purpose: str, **extra: Any) -> dict[str, Any]:
    """Configuration of a consumer that only reads: a group of its own, nothing committed.

    For consumers that assign partitions themselves or read a topic from the beginning
    (views, repairs, tests), outside any consumer group's partition assignment.
    """
    reader: dict[str, Any] = {
        "group.id": f"shopstream-{purpose}-{uuid.uuid4()}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    }
    return confluent_config(settings, **reader, **extra)


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    """An SSL context for aiokafka (Faust) when the protocol uses TLS."""
    if settings.security_protocol not in {"SSL", "SASL_SSL"}:
        return None
    context = ssl.create_default_context(
        cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None
    )
    if settings.ssl_certfile is not None:
        context.load_cert_chain(
            str(settings.ssl_certfile),
            str(settings.ssl_keyfile) if settings.ssl_keyfile else None,
        )
    return context


def check_connection(settings: KafkaSettings, timeout_s: float = 30.0) -> ClusterMetadata:
    """Fetch cluster metadata, failing fast when authentication or the TLS handshake fails.

    librdkafka treats a rejected password or an untrusted certificate like a broker that is
    down and retries until the timeout, reporting only "transport failure"; its error
    callback knows better, so it is polled between short metadata requests.

    Raises:
        StackError: authentication or TLS failed (at once), or the broker did not answer
            within ``timeout_s``. The message never contains the password.
    """
    errors: dict[int, KafkaError] = {}

    def remember(error: KafkaError) -> None:
        errors[error.code()] = error

    admin = AdminClient(confluent_config(settings, error_cb=remember))
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return admin.list_topics(timeout=max(min(1.0, deadline - time.monotonic()), 0.1))
        except KafkaException as exc:
            failure: object = exc
        admin.poll(0)
        for code, what in _PERMANENT.items():
            if code in errors:
                msg = (
                    f"Kafka {what} at {settings.bootstrap} (security_protocol="
                    f"{settings.security_protocol}, sasl_mechanism={settings.sasl_mechanism}, "
                    f"user={settings.sasl_username!r}): {errors[code].str()}"
                )
                raise StackError(msg)
        if time.monotonic() >= deadline:
            failure = errors.get(KafkaError._TRANSPORT, failure)
            msg = f"cannot reach Kafka at {settings.bootstrap} within {timeout_s:.0f}s: {failure}"
            raise StackError(msg)


def poll_record(
    consumer: Consumer, topic: str, partition: int, purpose: str, timeout_s: float = 0.5
) -> tuple[Message | None, bool]:
    """Poll one record of a partition a reader (``reader_config`` with partition EOF) reads.

    Args:
        consumer: The reader, assigned to the partition.
        topic: The partition's topic (for the log line).
        partition: The partition (for the log line).
        purpose: What the reader is for, as the log event's prefix (``gap``, ``alert``).
        timeout_s: How long to wait for a record.

    Returns:
        ``(record, at_end)``: the record, or ``None`` when none came in time or an error was
        logged (``<purpose>.read_error``); ``at_end`` is true at the end of the partition.
    """
    message = consumer.poll(timeout_s)
    if message is None:
        return None, False
    error = message.error()
    if error is None:
        return message, False
    if error.code() == KafkaError._PARTITION_EOF:
        return None, True
    log.warning("%s.read_error topic=%s partition=%d error=%s", purpose, topic, partition, error)
    return None, False
