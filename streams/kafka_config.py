"""Kafka client configuration derived from settings, for librdkafka and for Faust."""

from __future__ import annotations

import ssl
from typing import Any

from streams.settings import KafkaSettings


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
