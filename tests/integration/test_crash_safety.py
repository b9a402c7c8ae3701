"""SIGKILL the worker repeatedly during a replay: nothing lost, nothing doubled after FINAL."""

from __future__ import annotations

import threading
import time

from streams.settings import Settings
from streams.tooling.replay import replay
from streams.tooling.sample_data import SampleShop
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import consume_to_end, payload, query, sentiment_count, wait_for

TOTAL = 3000
KILLS = 3


def test_sigkill_during_replay_loses_and_duplicates_nothing(settings: Settings) -> None:
    shop = SampleShop(seed=23)
    producer = threading.Thread(
        target=replay,
        args=(settings, "review", TOTAL),
        kwargs={"rate": 300.0, "progress": False, "shop": shop},
    )
    worker = WorkerProcess(settings, web_port=16072, tasks="sentiment").start()
    worker.wait_ready()
    producer.start()
    kills = 0
    try:
        while kills < KILLS:
            time.sleep(2.5)
            worker.kill()
            kills += 1
            worker = WorkerProcess(settings, web_port=16072, tasks="sentiment").start()
            worker.wait_ready()
        producer.join(timeout=120)
        assert not producer.is_alive()
        wait_for(lambda: sentiment_count(settings) >= TOTAL, 240, "all reviews in ClickHouse")
    finally:
        worker.stop()

    final_rows, distinct = query(
        settings, "SELECT count(), uniqExact(review_id) FROM review_sentiment FINAL"
    )[0]
    raw_rows = query(settings, "SELECT count() FROM review_sentiment")[0][0]
    assert final_rows == TOTAL
    assert distinct == TOTAL
    records = consume_to_end(settings, settings.topics.sentiment)
    assert len({payload(m)["review_id"] for m in records}) == TOTAL
    # The replays that the kills caused are visible before FINAL, and collapse under it.
    assert raw_rows >= TOTAL
    assert len(records) >= TOTAL
    print(f"crash test: kills={kills} rows_before_final={raw_rows} records={len(records)}")
