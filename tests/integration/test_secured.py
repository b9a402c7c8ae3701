"""Secured connections for real: Kafka over SASL_SSL (SCRAM-SHA-512), ClickHouse over TLS.

The module starts its own broker and ClickHouse server on their own ports under a temporary
home (the shared stack is not touched): the broker keeps PLAINTEXT + CONTROLLER listeners for
itself and offers clients only a SASL_SSL listener; ClickHouse has one password-protected
user and a TLS native port. Every client in these tests — admin, producer, the Faust worker,
the ClickHouse sink — goes through the secured endpoints and trusts only a throwaway CA.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from models.registry import Registry
from streams.clickhouse.client import connect
from streams.clickhouse.migrations import migrate
from streams.errors import StackError
from streams.kafka_config import check_connection
from streams.settings import Settings
from streams.tooling.replay import replay
from streams.tooling.stack.clickhouse import ClickHouseServer
from streams.tooling.stack.kafka import KafkaBroker
from streams.tooling.stack.secure import (
    add_scram_user,
    client_settings,
    secured_broker,
    secured_clickhouse,
)
from streams.tooling.stack.tls import generate
from streams.tooling.workerproc import WorkerProcess
from streams.topics import ensure_topics
from tests.integration.helpers import consume, query, sentiment_count, wait_for

# Below the ephemeral port range (32768+), so no outgoing connection can hold one of them.
KAFKA_PORT, CONTROLLER_PORT, SASL_SSL_PORT = 25092, 25093, 25094
CLICKHOUSE_TCP_PORT, CLICKHOUSE_TLS_PORT = 25000, 25440
CLICKHOUSE_HTTP_PORT, CLICKHOUSE_INTERSERVER_PORT = 24123, 25009
WEB_PORT = 16090
USER = "shopstream"
N_REVIEWS = 50


@dataclass(frozen=True)
class SecuredStack:
    """The running secured services and the settings that reach them."""

    home: Path
    server: Settings
    client: Settings
    kafka_password: SecretStr
    clickhouse_password: SecretStr
    broker: KafkaBroker
    clickhouse: ClickHouseServer

    @property
    def passwords(self) -> list[str]:
        return [self.kafka_password.get_secret_value(), self.clickhouse_password.get_secret_value()]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredStack]:
    """Broker + ClickHouse with secured endpoints, stopped when the module ends."""
    home = tmp_path_factory.mktemp("secured")
    shared = Settings()
    # Reuse the jars already resolved for the shared stack instead of downloading again.
    (home / "kafka").mkdir()
    version = shared.stack.kafka_version
    (home / "kafka" / version).symlink_to(shared.home / "kafka" / version)
    kafka_password = SecretStr(f"kafka-{secrets.token_hex(12)}")
    clickhouse_password = SecretStr(f"clickhouse-{secrets.token_hex(12)}")
    server = Settings(
        home=home,
        model_dir=shared.models_path,
        stack={  # type: ignore[arg-type]
            "kafka_port": KAFKA_PORT,
            "kafka_controller_port": CONTROLLER_PORT,
            "clickhouse_tcp_port": CLICKHOUSE_TCP_PORT,
            "clickhouse_http_port": CLICKHOUSE_HTTP_PORT,
            "clickhouse_interserver_port": CLICKHOUSE_INTERSERVER_PORT,
        },
        kafka={"bootstrap": f"127.0.0.1:{KAFKA_PORT}", "session_timeout_ms": 6000},  # type: ignore[arg-type]
        clickhouse={  # type: ignore[arg-type]
            "url": f"clickhouse://127.0.0.1:{CLICKHOUSE_TCP_PORT}/shopstream",
            "user": USER,
            "password": clickhouse_password,
        },
    )
    tls = generate(home / "tls")
    broker = secured_broker(server, tls, port=SASL_SSL_PORT)
    clickhouse = secured_clickhouse(server, tls, tls_port=CLICKHOUSE_TLS_PORT)
    try:
        broker.up()
        clickhouse.up()
        add_scram_user(server, USER, kafka_password)
        client = client_settings(
            server,
            tls,
            kafka_port=SASL_SSL_PORT,
            kafka_user=USER,
            kafka_password=kafka_password,
            clickhouse_tls_port=CLICKHOUSE_TLS_PORT,
        )
        yield SecuredStack(
            home, server, client, kafka_password, clickhouse_password, broker, clickhouse
        )
    finally:
        try:
            broker.down()
        finally:
            clickhouse.down()


def test_settings_never_show_secrets(secured: SecuredStack) -> None:
    client = secured.client
    shown = [repr(client), str(client), repr(client.kafka), repr(client.clickhouse)]
    shown.append(client.model_dump_json())
    for text in shown:
        for password in secured.passwords:
            assert password not in text
    assert "**********" in repr(client.kafka)


def test_wrong_kafka_password_fails_fast_naming_authentication(secured: SecuredStack) -> None:
    wrong = secured.client.kafka.model_copy(update={"sasl_password": SecretStr("not-the-password")})
    started = time.monotonic()
    with pytest.raises(StackError, match="Kafka authentication failed") as raised:
        check_connection(wrong, timeout_s=30)
    assert time.monotonic() - started < 15
    assert "not-the-password" not in str(raised.value)
    assert USER in str(raised.value)
    # Topic creation with the wrong password is bounded by its timeout too, not a hang.
    wrong_settings = secured.client.model_copy(update={"kafka": wrong})
    started = time.monotonic()
    with pytest.raises(StackError):
        ensure_topics(wrong_settings, timeout_s=5)
    assert time.monotonic() - started < 15
    # The right password works on the same listener, so the failure was the password.
    assert check_connection(secured.client.kafka, timeout_s=30).brokers


def test_untrusted_kafka_certificate_fails_fast_naming_tls(secured: SecuredStack) -> None:
    # No CA file: the system trust store, which does not know the throwaway CA.
    untrusted = secured.client.kafka.model_copy(update={"ssl_cafile": None})
    started = time.monotonic()
    with pytest.raises(StackError, match=r"Kafka TLS failed.*certificate verify failed"):
        check_connection(untrusted, timeout_s=30)
    assert time.monotonic() - started < 15


def test_wrong_clickhouse_password_names_authentication(secured: SecuredStack) -> None:
    wrong = secured.client.clickhouse.model_copy(update={"password": SecretStr("not-the-password")})
    with pytest.raises(StackError, match="ClickHouse authentication failed") as raised:
        connect(wrong, database="default")
    assert "not-the-password" not in str(raised.value)
    untrusted = secured.client.clickhouse.model_copy(update={"ca_certs": None})
    with pytest.raises(StackError, match=r"ClickHouse TLS connection .* failed"):
        connect(untrusted, database="default")
    client = connect(secured.client.clickhouse, database="default")
    try:
        assert client.execute("SELECT 1") == [(1,)]
    finally:
        client.disconnect()


def test_reviews_flow_over_sasl_ssl_and_tls_without_leaking_secrets(
    secured: SecuredStack, caplog: pytest.LogCaptureFixture
) -> None:
    client = secured.client
    if not Registry(client.models_path).has("sentiment"):
        pytest.fail(f"no sentiment model under {client.models_path}: build the default models")
    caplog.set_level(logging.DEBUG)
    assert ensure_topics(client)
    migrate(client.clickhouse, client.migrations_dir)
    log_file = secured.home / "worker.log"
    debug = client.model_copy(update={"worker_log_level": "debug"})
    worker = WorkerProcess(debug, tasks="sentiment", web_port=WEB_PORT, log_file=log_file)
    try:
        worker.start().wait_ready(timeout_s=180)
        report = replay(client, "review", N_REVIEWS, progress=False, seed=23)
        assert report.produced == N_REVIEWS
        wait_for(lambda: sentiment_count(client) >= N_REVIEWS, 180, "sentiment rows over TLS")
    finally:
        worker.stop()

    inputs = consume(client, client.topics.reviews, until=N_REVIEWS, timeout_s=60)
    review_ids = {json.loads(m.value() or b"{}")["review_id"] for m in inputs}
    assert len(review_ids) == N_REVIEWS
    rows = query(client, "SELECT result_id, review_id FROM review_sentiment FINAL")
    assert len(rows) == N_REVIEWS
    assert {r[1] for r in rows} == review_ids
    records = consume(client, client.topics.sentiment, until=N_REVIEWS, timeout_s=60)
    assert len(records) == N_REVIEWS
    assert {json.loads(m.value() or b"{}")["review_id"] for m in records} == review_ids

    worker_log = log_file.read_text(errors="replace")
    # The worker's own Kafka clients (aiokafka) logged in over the SASL_SSL listener.
    assert f"Authenticated as {USER} via SCRAM-SHA-512" in worker_log
    state = secured.server.state_dir
    written = {
        "worker log": worker_log,
        "test process log": caplog.text,
        "broker log": (state / "log" / "kafka.out").read_text(errors="replace"),
        "server.properties": (state / "kafka" / "server.properties").read_text(),
        "clickhouse users.xml": (state / "clickhouse" / "users.xml").read_text(),
    }
    for name in ("clickhouse-server.log", "clickhouse-server.err.log"):
        path = state / "clickhouse" / "log" / name
        written[name] = path.read_text(errors="replace") if path.exists() else ""
    for name, text in written.items():
        for password in secured.passwords:
            assert password not in text, f"a password leaked into the {name}"
