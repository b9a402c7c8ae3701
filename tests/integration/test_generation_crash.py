"""SIGKILL the generating worker mid-stream: no reply or audit row lost or doubled."""

from __future__ import annotations

import time

from streams.settings import Settings
from streams.tooling.sample_data import SampleShop
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import consume_to_end, payload, produce_events, query, wait_for

MESSAGES = 24


def _audited(settings: Settings) -> int:
    return int(query(settings, "SELECT count() FROM generated_content FINAL")[0][0])


def test_sigkill_mid_generation_loses_and_doubles_nothing(settings: Settings) -> None:
    shop = SampleShop(seed=9)
    messages = [shop.chat() for _ in range(MESSAGES)]
    produce_events(
        settings, settings.topics.chat_messages, [(m["conversation_id"], m) for m in messages]
    )
    worker = WorkerProcess(settings, web_port=16076, tasks="replies").start()
    try:
        for _ in range(2):
            worker.wait_ready(timeout_s=240)
            wait_for(lambda: _audited(settings) > 0, 300, "some replies")
            time.sleep(1.0)
            worker.kill()
            # Restart at once, while the dead member is still in the group: the new worker
            # joins, then rebalances again when the dead member's session expires.
            worker = WorkerProcess(settings, web_port=16076, tasks="replies").start()
        worker.wait_ready(timeout_s=240)
        wait_for(lambda: _audited(settings) >= MESSAGES, 600, "every reply audited")
    finally:
        worker.stop()
    total, distinct = query(settings, "SELECT count(), uniqExact(id) FROM generated_content FINAL")[
        0
    ]
    assert total == distinct == MESSAGES
    raw = query(settings, "SELECT count() FROM generated_content")[0][0]
    replies = consume_to_end(settings, settings.topics.replies)
    assert raw >= MESSAGES
    print(f"generation crash test: rows_before_final={raw} records={len(replies)}")
    assert {payload(r)["in_reply_to"] for r in replies} == {m["message_id"] for m in messages}
