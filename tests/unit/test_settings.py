"""Settings: environment, nesting, secrets, hand-over to child processes."""

from __future__ import annotations

import os

import pytest

from streams.ids import output_id
from streams.settings import Settings, child_environ, to_env


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


def test_child_environ_rebuilds_the_given_settings_over_inherited_nested_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parent = {
        "SHOPSTREAM_CLICKHOUSE__URL": "clickhouse://127.0.0.1:39000/shopstream",
        "SHOPSTREAM_KAFKA__BOOTSTRAP": "127.0.0.1:39092",
        "SHOPSTREAM_STACK__KAFKA_PORT": "39092",
        "PATH": "/usr/bin",
    }
    given = Settings(
        clickhouse={"url": "clickhouse://127.0.0.1:39000/sandbox_x"},  # type: ignore[arg-type]
        kafka={"bootstrap": "127.0.0.1:39092"},  # type: ignore[arg-type]
    )
    env = child_environ(given, parent)
    assert env["PATH"] == "/usr/bin"
    assert not any(key.startswith("SHOPSTREAM_CLICKHOUSE__") for key in env)
    for key in [k for k in os.environ if k.startswith("SHOPSTREAM_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("SHOPSTREAM_"):
            monkeypatch.setenv(key, value)
    assert Settings().clickhouse.database == "sandbox_x"
    assert Settings() == given


def test_bad_clickhouse_scheme_is_a_clear_error() -> None:
    settings = Settings(clickhouse={"url": "http://x:8123/db"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="clickhouse://"):
        _ = settings.clickhouse.host


def test_output_ids_are_deterministic_and_task_specific() -> None:
    assert output_id("sentiment", "e1") == output_id("sentiment", "e1")
    assert output_id("sentiment", "e1") != output_id("reply", "e1")


def test_only_sandbox_topics_can_be_deleted() -> None:
    from streams.sandbox import delete_topics

    with pytest.raises(ValueError, match="not sandbox settings"):
        delete_topics(Settings())
