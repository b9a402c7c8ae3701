"""Settings: environment, nesting, secrets, hand-over to child processes."""

from __future__ import annotations

import os

import pytest

from streams.ids import output_id
from streams.settings import Settings, child_environment, to_env


def test_env_overrides_nested_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOPSTREAM_KAFKA__BOOTSTRAP", "kafka.example:9092")
    monkeypatch.setenv("SHOPSTREAM_CLICKHOUSE__URL", "clickhouse://ch.example:9440/analytics")
    monkeypatch.setenv("SHOPSTREAM_CLICKHOUSE__PASSWORD", "s3cret")
    settings = Settings()
    assert settings.kafka.bootstrap == "kafka.example:9092"
    assert settings.clickhouse.host == "ch.example"
    assert settings.clickhouse.port == 9440
    assert settings.clickhouse.database == "analytics"
    assert "s3cret" not in repr(settings)
    assert settings.clickhouse.password.get_secret_value() == "s3cret"


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.app_id = "other"


def test_to_env_rebuilds_equal_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Settings(app_id="child", clickhouse={"password": "pw"})  # type: ignore[arg-type]
    for key, value in to_env(original).items():
        monkeypatch.setenv(key, value)
    rebuilt = Settings()
    assert rebuilt == original
    assert rebuilt.clickhouse.password.get_secret_value() == "pw"


def test_bad_clickhouse_scheme_is_a_clear_error() -> None:
    settings = Settings(clickhouse={"url": "http://x:8123/db"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clickhouse://"):
        _ = settings.clickhouse.host


def test_output_ids_are_deterministic_and_task_specific() -> None:
    assert output_id("sentiment", "e1") == output_id("sentiment", "e1")
    assert output_id("sentiment", "e1") != output_id("reply", "e1")


def test_only_sandbox_topics_can_be_deleted() -> None:
    from streams.tooling.sandbox import delete_topics

    with pytest.raises(ValueError, match="not sandbox settings"):
        delete_topics(Settings())


def test_a_child_gets_its_settings_whatever_nested_variables_the_parent_has(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = {
        "PATH": "/usr/bin",
        "SHOPSTREAM_CLICKHOUSE__URL": "clickhouse://127.0.0.1:29000/shopstream",
        "SHOPSTREAM_STACK__CLICKHOUSE_TCP_PORT": "29000",
    }
    child = Settings(
        clickhouse={"url": "clickhouse://127.0.0.1:29000/sandbox_t1"},  # type: ignore[arg-type]
        stack={"clickhouse_tcp_port": 29000},  # type: ignore[arg-type]
    )
    for key in [key for key in os.environ if key.startswith("SHOPSTREAM_")]:
        monkeypatch.delenv(key)
    # Merged naively, the parent's nested variable wins over the section passed as a whole.
    for key, value in {**parent, **to_env(child)}.items():
        monkeypatch.setenv(key, value)
    assert Settings().clickhouse.database == "shopstream"

    env = child_environment(child, parent)
    assert env["PATH"] == "/usr/bin"
    assert "SHOPSTREAM_CLICKHOUSE__URL" not in env
    for key in parent:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert Settings() == child
