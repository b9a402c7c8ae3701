"""Self-healing workers on the real broker: restarts, orphans, bounded stops, dead agents, stalls.

The workers here run the alerts task only (no model to load); an input event counts as
processed when the worker's consumer group has committed past it, which happens only after its
results are durable.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, TopicPartition

from streams.delivery.codec import encode
from streams.kafka_config import confluent_config
from streams.records import SentimentResult, SourceRef
from streams.runtime.supervisor import EXIT_SHUTDOWN_TIMEOUT, exit_status
from streams.settings import Settings, SupervisionSettings
from streams.tooling.workerproc import WorkerProcess
from tests.integration.faulty_worker import CRASHING_AGENT, create_fault_topic
from tests.integration.helpers import StartWorker, produce_events, wait_for

pytestmark = pytest.mark.integration

FAULTY = [sys.executable, "-m", "tests.integration.faulty_worker"]


def _quick(settings: Settings, **supervision: float) -> Settings:
    """The test's settings with short restart waits (and any other supervision overrides)."""
    values = {"restart_initial_s": 0.5, "restart_max_s": 2.0, **supervision}
    fields = {**settings.supervision.model_dump(), **values}
    return settings.model_copy(update={"supervision": SupervisionSettings(**fields)})


def _results(settings: Settings, start: int, n: int) -> list[tuple[str, bytes | dict[str, Any]]]:
    """``n`` sentiment results (the alerts agent's input), over a handful of products."""
    out: list[tuple[str, bytes | dict[str, Any]]] = []
    for i in range(start, start + n):
        product = f"p-{i % 5}"
        result = SentimentResult(
            result_id=f"r-{i}",
            review_id=f"rv-{i}",
            product_id=product,
            label="positive",
            score=0.9,
            probabilities={"negative": 0.05, "neutral": 0.05, "positive": 0.9},
            model="test",
            model_version="1",
            source=SourceRef(
                topic=settings.topics.reviews, partition=0, offset=i, event_id=f"e{i}"
            ),
            review_created_at=datetime.now(UTC),
        )
        out.append((product, encode(result)))
    return out


def _committed(settings: Settings, topic: str) -> int:
    """Events of ``topic`` the worker's consumer group has committed (all partitions)."""
    config = confluent_config(settings.kafka, **{"group.id": settings.app_id})
    consumer = Consumer({**config, "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = [TopicPartition(topic, p) for p in metadata.topics[topic].partitions]
        return sum(max(tp.offset, 0) for tp in consumer.committed(partitions, timeout=10))
    finally:
        consumer.close()


def _gone(pid: int) -> bool:
    """Whether a process has exited (an unreaped zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in {"Z", "X"}


def _ready(port: int) -> tuple[int | None, dict[str, Any]]:
    """/ready's status code and body; (None, {}) while nothing answers on the port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None, {}


def test_sigkilled_worker_is_restarted_and_processes_again(
    settings: Settings, start_worker: StartWorker
) -> None:
    topic = settings.topics.sentiment
    worker = start_worker("alerts", 16081)
    produce_events(settings, topic, _results(settings, 0, 40))
    wait_for(lambda: _committed(settings, topic) >= 40, 60, "the first events committed")
    first = worker.worker_pid()
    assert first is not None
    killed = time.monotonic()
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: worker.worker_pid() not in {None, first}, 30, "a new worker process")
    worker.wait_ready()
    ready_in = time.monotonic() - killed
    produce_events(settings, topic, _results(settings, 40, 40))
    wait_for(lambda: _committed(settings, topic) >= 80, 90, "events after the restart committed")
    assert worker.proc is not None and worker.proc.poll() is None
    assert "worker.restart reason=signal_SIGKILL" in worker.tail(400)
    print(f"restart after SIGKILL: ready again in {ready_in:.1f}s")


def test_sigkilled_supervisor_takes_its_worker_along(
    settings: Settings, start_worker: StartWorker
) -> None:
    old = start_worker("alerts", 16082)
    child = old.worker_pid()
    assert child is not None
    killed = time.monotonic()
    old.signal_supervisor(signal.SIGKILL)
    wait_for(lambda: _gone(child), 10, "the orphaned worker to exit")
    orphan_lived = time.monotonic() - killed
    # A new supervisor on the same web port: its worker binds it and becomes ready.
    start_worker("alerts", 16082)
    produce_events(settings, settings.topics.sentiment, _results(settings, 0, 20))
    wait_for(lambda: _committed(settings, settings.topics.sentiment) >= 20, 90, "commits")
    print(f"orphaned worker exited {orphan_lived:.1f}s after its supervisor was killed")


def test_sigterm_abandons_a_stuck_batch_within_the_bound(
    settings: Settings, tmp_path: Path
) -> None:
    bound = 6.0
    quick = _quick(settings, shutdown_timeout_s=bound)
    hold_topic = f"{quick.topics.reviews}.hold"
    create_fault_topic(quick, hold_topic)
    command = [*FAULTY, "--hold-topic", hold_topic, "--hold-once", str(tmp_path / "held")]
    worker = WorkerProcess(
        quick, tasks="alerts", web_port=16083, log_file=tmp_path / "w.log", command=command
    )
    try:
        worker.start().wait_ready()
        produce_events(quick, hold_topic, [("k", b"never finished")])
        wait_for((tmp_path / "held").exists, 30, "the batch to get stuck")
        assert worker.proc is not None
        started = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        code = worker.proc.wait(timeout=bound + 20)
        took = time.monotonic() - started
    finally:
        worker.kill()
    log = worker.tail(400)
    assert "worker.shutdown_abandoned reason=stop" in log
    assert code == exit_status(EXIT_SHUTDOWN_TIMEOUT)
    assert took < bound + 3.0, f"stop took {took:.1f}s with a {bound:.0f}s bound"
    print(f"SIGTERM with a stuck batch: exited in {took:.1f}s (bound {bound:.0f}s)")


def test_ready_is_503_while_an_agent_is_dead_then_the_worker_is_restarted(
    settings: Settings, tmp_path: Path
) -> None:
    quick = _quick(settings, crash_exit_timeout_s=5.0)
    crash_topic = f"{quick.topics.reviews}.crash"
    hold_topic = f"{quick.topics.reviews}.hold"
    create_fault_topic(quick, crash_topic)
    create_fault_topic(quick, hold_topic)
    command = [
        *FAULTY,
        *("--crash-topic", crash_topic, "--crash-once", str(tmp_path / "crashed")),
        *("--hold-topic", hold_topic, "--hold-once", str(tmp_path / "held")),
    ]
    worker = WorkerProcess(
        quick, tasks="alerts", web_port=16084, log_file=tmp_path / "w.log", command=command
    )
    try:
        worker.start().wait_ready()
        first = worker.worker_pid()
        # Another agent's batch in flight keeps the stop busy for the whole crash grace, as a
        # slow batch would: /ready must say false meanwhile, not only once the port is closed.
        produce_events(quick, hold_topic, [("k", b"slow")])
        wait_for((tmp_path / "held").exists, 30, "a batch in flight")
        produce_events(quick, crash_topic, [("k", b"poison")])
        seen: list[dict[str, Any]] = []

        def dead_agent_reported() -> bool:
            code, body = _ready(16084)
            if code == 503 and body["checks"]["agents"].get(CRASHING_AGENT) is False:
                seen.append(body)
            return bool(seen)

        wait_for(dead_agent_reported, 30, "/ready to report the dead agent")
        assert seen[0]["ready"] is False
        wait_for(lambda: worker.worker_pid() not in {None, first}, 30, "a restarted worker")
        worker.wait_ready()
        code, body = _ready(16084)
        assert code == 200 and all(body["checks"]["agents"].values())
        # The event that killed the agent is processed by the restarted one, and committed.
        wait_for(lambda: _committed(quick, crash_topic) >= 1, 60, "the crash event committed")
    finally:
        worker.stop()
    assert "worker.restart reason=agent_crashed" in worker.tail(400)


def test_a_stall_before_the_first_commit_is_caught_and_restarted(
    settings: Settings, tmp_path: Path
) -> None:
    # A second agent on the alerts input never finishes its first event: nothing on that
    # partition can be committed, ever. The group has no committed offset to compare with,
    # so the watchdog must count from the partition's earliest offset.
    quick = _quick(settings).model_copy(update={"stall_after_s": 8.0})
    topic = quick.topics.sentiment
    held = tmp_path / "held"
    command = [*FAULTY, "--hold-topic", topic, "--hold-once", str(held)]
    worker = WorkerProcess(
        quick, tasks="alerts", web_port=16085, log_file=tmp_path / "w.log", command=command
    )
    try:
        worker.start().wait_ready()
        first = worker.worker_pid()
        produce_events(quick, topic, _results(quick, 0, 1))
        wait_for(held.exists, 30, "the event to be held")
        assert _committed(quick, topic) == 0
        wait_for(lambda: worker.worker_pid() not in {None, first}, 60, "a stall restart")
        worker.wait_ready()
        # The restarted worker holds nothing (once only): the event is processed and committed.
        wait_for(lambda: _committed(quick, topic) >= 1, 60, "the event committed")
    finally:
        worker.stop()
    log = worker.tail(400)
    assert "worker.stalled" in log
    assert "worker.restart reason=stalled" in log
