"""ClickHouse stops mid-stream and comes back: the worker waits, then nothing is lost."""

from __future__ import annotations

import threading
import time

import pytest

from streams.settings import Settings
from streams.tooling.replay import replay
from streams.tooling.sample_data import SampleShop
from streams.tooling.stack.local import LocalStack
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import query, sentiment_count, wait_for

TOTAL = 1500


@pytest.mark.clickhouse
def test_clickhouse_outage_pauses_then_resumes_without_loss(
    settings: Settings, base_settings: Settings
) -> None:
    # The stack's configured server (chdb or Debian's), stopped through its own PID file.
    server = LocalStack(base_settings).clickhouse
    worker = WorkerProcess(settings, web_port=16073, tasks="sentiment").start()
    worker.wait_ready()
    producer = threading.Thread(
        target=replay,
        args=(settings, "review", TOTAL),
        kwargs={"rate": 200.0, "progress": False, "shop": SampleShop(seed=31)},
    )
    try:
        producer.start()
        wait_for(lambda: sentiment_count(settings) > 100, 60, "first rows")
        assert server.down()
        time.sleep(6)
        assert not worker.ready()  # readiness reports the sink as unhealthy meanwhile
        server.up()
        producer.join(timeout=60)
        wait_for(lambda: sentiment_count(settings) >= TOTAL, 180, "all rows after the outage")
        assert worker.proc is not None and worker.proc.poll() is None
        wait_for(worker.ready, 30, "worker ready again")
    finally:
        server.up()
        worker.stop()
    rows, distinct = query(
        settings, "SELECT count(), uniqExact(review_id) FROM review_sentiment FINAL"
    )[0]
    assert rows == distinct == TOTAL
