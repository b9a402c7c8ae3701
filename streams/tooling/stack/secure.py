"""A secured local stack: Kafka with a SASL_SSL (SCRAM) listener, ClickHouse with TLS + password.

The broker keeps its PLAINTEXT and CONTROLLER listeners on 127.0.0.1 for inter-broker
traffic, the controller quorum and its own readiness probe, and gains one SASL_SSL listener
for clients. SCRAM users are created through the Admin API on the PLAINTEXT listener once the
broker runs, so passwords never reach a command line or a file on disk; the broker stores only
salted SCRAM hashes in its metadata log. ClickHouse stores the password as its sha256.

Typical use (tests, demos of a secured deployment)::

    tls = generate(home / "tls")
    broker = secured_broker(server, tls, port=25094)
    broker.up()
    add_scram_user(server, "shopstream", password)
    clickhouse = secured_clickhouse(server, tls, tls_port=25440)
    clickhouse.up()
    client = client_settings(server, tls, kafka_port=25094, kafka_user="shopstream", ...)
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from confluent_kafka.admin import (
    AdminClient,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from streams.errors import StackError
from streams.settings import Settings
from streams.tooling.stack.clickhouse import ClickHouseServer
from streams.tooling.stack.kafka import KafkaBroker, Listener
from streams.tooling.stack.tls import TlsMaterial

log = logging.getLogger(__name__)

Scram = Literal["SCRAM-SHA-256", "SCRAM-SHA-512"]
LISTENER = "SECURE"
# Iterations of the salted hash the broker keeps (4096 is the minimum Kafka accepts).
SCRAM_ITERATIONS = 8192


def secured_broker(
    settings: Settings,
    tls: TlsMaterial,
    *,
    port: int,
    mechanism: Scram = "SCRAM-SHA-512",
    listener: str = LISTENER,
) -> KafkaBroker:
    """A broker with an extra SASL_SSL listener on ``port`` that accepts ``mechanism``.

    The listener's TLS identity is a PEM keystore (``ssl.keystore.type=PEM``, key and chain in
    one file, unencrypted key); clients are not asked for certificates.
    """
    prefix = f"listener.name.{listener.lower()}."
    jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    properties = {
        "sasl.enabled.mechanisms": mechanism,
        f"{prefix}sasl.enabled.mechanisms": mechanism,
        f"{prefix}{mechanism.lower()}.sasl.jaas.config": jaas,
        f"{prefix}ssl.keystore.type": "PEM",
        f"{prefix}ssl.keystore.location": str(tls.keystore_pem),
        f"{prefix}ssl.client.auth": "none",
    }
    return KafkaBroker(
        settings,
        extra_listeners=[Listener(listener, port, "SASL_SSL")],
        extra_properties=properties,
    )


def add_scram_user(
    settings: Settings,
    username: str,
    password: SecretStr,
    *,
    mechanism: Scram = "SCRAM-SHA-512",
    timeout_s: float = 30.0,
) -> None:
    """Create or update a SCRAM user through the broker's PLAINTEXT listener.

    Returns once the broker lists the credential, so a login right after succeeds.

    Raises:
        StackError: the broker rejected the request or did not show the user in time.
    """
    scram = ScramMechanism[mechanism.replace("-", "_")]
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{settings.stack.kafka_port}"})
    upsert = UserScramCredentialUpsertion(
        username,
        ScramCredentialInfo(scram, SCRAM_ITERATIONS),
        password.get_secret_value().encode(),
    )
    try:
        for future in admin.alter_user_scram_credentials([upsert]).values():
            future.result(timeout=timeout_s)
    except Exception as exc:
        msg = f"cannot create SCRAM user {username!r} ({mechanism}): {exc}"
        raise StackError(msg) from exc
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        futures = admin.describe_user_scram_credentials([username])
        future = futures[username] if isinstance(futures, dict) else futures
        try:
            description = future.result(timeout=timeout_s)
        except Exception:  # noqa: BLE001 - not visible yet: the metadata log is catching up
            time.sleep(0.2)
            continue
        if any(info.mechanism == scram for info in description.scram_credential_infos):
            log.info("stack.kafka.scram_user user=%s mechanism=%s", username, mechanism)
            return
        time.sleep(0.2)
    msg = f"SCRAM user {username!r} not visible on the broker after {timeout_s:.0f}s"
    raise StackError(msg)


def secured_clickhouse(settings: Settings, tls: TlsMaterial, *, tls_port: int) -> ClickHouseServer:
    """A ClickHouse server that also speaks TLS (native protocol) on ``tls_port``.

    Its one user is ``settings.clickhouse.user`` with ``settings.clickhouse.password`` (stored
    as sha256); the plain TCP port stays open on 127.0.0.1 for the readiness probe.
    """
    if not settings.clickhouse.password.get_secret_value():
        msg = "a secured ClickHouse needs settings.clickhouse.password"
        raise StackError(msg)
    return ClickHouseServer(
        settings, tls_port=tls_port, certificate=tls.server_chain, private_key=tls.server_key
    )


def client_settings(
    settings: Settings,
    tls: TlsMaterial,
    *,
    kafka_port: int,
    kafka_user: str,
    kafka_password: SecretStr,
    mechanism: Scram = "SCRAM-SHA-512",
    clickhouse_tls_port: int | None = None,
) -> Settings:
    """Settings whose clients use the SASL_SSL listener and, if given, ClickHouse over TLS.

    ``settings`` are the server-side ones (stack ports, ClickHouse user and password); the
    result trusts only the throwaway CA in ``tls``.
    """
    kafka = settings.kafka.model_copy(
        update={
            "bootstrap": f"127.0.0.1:{kafka_port}",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": mechanism,
            "sasl_username": kafka_user,
            "sasl_password": kafka_password,
            "ssl_cafile": tls.ca_cert,
        }
    )
    clickhouse = settings.clickhouse
    if clickhouse_tls_port is not None:
        url = f"clickhouse://127.0.0.1:{clickhouse_tls_port}/{clickhouse.database}"
        clickhouse = clickhouse.model_copy(
            update={"url": url, "secure": True, "ca_certs": tls.ca_cert, "verify": True}
        )
    return settings.model_copy(update={"kafka": kafka, "clickhouse": clickhouse})
