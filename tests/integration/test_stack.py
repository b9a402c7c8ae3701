"""The local stack: up, idempotent up, down, up again — on its own ports and state dir."""

from __future__ import annotations

from pathlib import Path

from streams.settings import Settings
from streams.tooling.stack.local import LocalStack


def test_up_is_idempotent_and_down_then_up_works(tmp_path: Path) -> None:
    shared_home = Settings().home
    settings = Settings(
        home=tmp_path,
        stack={  # type: ignore[arg-type]
            "kafka_port": 29092,
            "kafka_controller_port": 29093,
            "clickhouse_tcp_port": 29000,
            "clickhouse_http_port": 28123,
            "clickhouse_interserver_port": 29009,
        },
        kafka={"bootstrap": "127.0.0.1:29092"},  # type: ignore[arg-type]
        clickhouse={"url": "clickhouse://127.0.0.1:29000/shopstream"},  # type: ignore[arg-type]
    )
    # Reuse the jars already resolved for the shared stack instead of downloading again.
    libs = shared_home / "kafka" / settings.stack.kafka_version
    (tmp_path / "kafka").mkdir()
    (tmp_path / "kafka" / settings.stack.kafka_version).symlink_to(libs)
    stack = LocalStack(settings)
    try:
        first = {s.name: s for s in stack.up()}
        assert all(s.running for s in first.values())
        assert all((s.start_s or 0) > 0 for s in first.values())
        # Both servers report a version, and the broker writes its own start-up lines to the
        # log file that status names (it logs through the SLF4J binding the pom adds).
        assert first["kafka"].version == settings.stack.kafka_version
        clickhouse = first[stack.clickhouse.process.name]
        assert (clickhouse.version or "").split(".")[0].isdigit()
        assert clickhouse.log is not None
        broker_log = first["kafka"].log
        assert broker_log is not None
        assert "Kafka Server started" in broker_log.read_text(errors="replace")
        again = {s.name: s for s in stack.up()}
        assert {n: s.pid for n, s in again.items()} == {n: s.pid for n, s in first.items()}
        assert all((s.start_s or 0) == 0 for s in again.values())
        assert sorted(stack.down()) == ["clickhouse", "kafka"]
        assert not any(s.running for s in stack.status())
        assert stack.down() == []
        third = stack.up()
        assert all(s.running for s in third)
        assert stack.kafka.ready()
        assert stack.clickhouse.ready()
    finally:
        stack.down()
