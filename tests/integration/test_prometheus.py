"""Prometheus scrapes a real worker and a project alert rule fires from its real metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.settings import Settings
from streams.tooling.replay import replay
from streams.tooling.stack.prometheus import WORKER_JOB, PrometheusServer
from tests.integration.helpers import StartWorker, wait_for

pytestmark = pytest.mark.integration

WEB_PORT = 16078
PROMETHEUS_PORT = 19490


@pytest.fixture
def prometheus(settings: Settings, tmp_path: Path) -> Iterator[PrometheusServer]:
    server = PrometheusServer(
        home=settings.home,
        state=tmp_path / "prometheus",
        port=PROMETHEUS_PORT,
        targets=[f"127.0.0.1:{WEB_PORT}"],
        hold_alerts=False,
    )
    server.up()
    yield server
    server.down()


def _worker_up(server: PrometheusServer) -> bool:
    result = server.api(f"/api/v1/query?query=up%7Bjob%3D%22{WORKER_JOB}%22%7D")["result"]
    return bool(result) and result[0]["value"][1] == "1"


def _firing(server: PrometheusServer, name: str) -> list[dict[str, object]]:
    return [
        alert
        for alert in server.alerts()
        if alert["labels"].get("alertname") == name and alert["state"] == "firing"
    ]


def test_dead_letter_rate_rule_fires_from_a_scraped_worker(
    settings: Settings, start_worker: StartWorker, prometheus: PrometheusServer
) -> None:
    start_worker("sentiment", WEB_PORT)
    wait_for(lambda: _worker_up(prometheus), 60, "Prometheus to scrape the worker")
    assert not _firing(prometheus, "ShopstreamDeadLetterRate")

    # Rates need an increase between scrapes, so traffic arrives in bursts over several
    # scrape intervals: about a quarter of each burst is malformed, far above the rule's 1%.
    malformed = 0
    for burst in range(6):
        report = replay(
            settings, "review", 20, malformed_share=0.25, seed=100 + burst, progress=False
        )
        malformed += report.malformed
        time.sleep(1.5)
    assert malformed > 0

    wait_for(
        lambda: bool(_firing(prometheus, "ShopstreamDeadLetterRate")),
        90,
        "ShopstreamDeadLetterRate to fire",
    )
    alert = _firing(prometheus, "ShopstreamDeadLetterRate")[0]
    assert alert["labels"]["topic"] == settings.topics.reviews  # type: ignore[index]
    # Healthy workers raise no availability alert in the same evaluation.
    assert not _firing(prometheus, "ShopstreamWorkerDown")
