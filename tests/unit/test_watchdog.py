"""The stall watchdog's decision: waiting input, live and abandoned batches, backlogs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from streams.runtime.watchdog import Progress, Watchdog, backlog

PENDING = {"shop.chat.messages/0": 5}


def _watchdog(last: float = 0.0) -> Watchdog:
    return Watchdog(Progress(last=last), stall_after_s=60.0)


def test_waiting_input_without_progress_is_a_stall_only_after_the_limit() -> None:
    dog = _watchdog()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    assert not dog.stalled(PENDING, settling=False, now=160.0)
    assert dog.stalled(PENDING, settling=False, now=161.0)


def test_no_waiting_input_is_never_a_stall() -> None:
    dog = _watchdog()
    assert not dog.stalled({}, settling=False, now=10_000.0)
    # Input that arrives after a long quiet spell gets the full limit.
    assert not dog.stalled(PENDING, settling=False, now=10_001.0)
    assert not dog.stalled(PENDING, settling=False, now=10_060.0)


def test_a_long_batch_is_work_not_a_stall() -> None:
    dog = _watchdog()
    token = dog.progress.begin()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    assert not dog.stalled(PENDING, settling=False, now=1_000.0)
    dog.progress.end(token)
    assert dog.progress.busy == 0


def test_progress_and_rebalances_restart_the_clock() -> None:
    dog = _watchdog()
    assert not dog.stalled(PENDING, settling=False, now=100.0)
    dog.progress.last = 150.0
    assert not dog.stalled(PENDING, settling=False, now=200.0)
    assert dog.stalled(PENDING, settling=False, now=211.0)
    assert not dog.stalled(PENDING, settling=True, now=212.0)
    assert not dog.stalled(PENDING, settling=False, now=213.0)
    assert not dog.stalled(PENDING, settling=False, now=270.0)
    assert dog.stalled(PENDING, settling=False, now=274.0)


def test_a_batch_whose_task_died_is_abandoned_not_busy() -> None:
    progress = Progress(last=0.0)

    async def crashing_agent() -> None:
        with progress.working():
            raise RuntimeError("agent body failed mid-batch")

    async def main() -> int:
        task = asyncio.create_task(crashing_agent())
        with pytest.raises(RuntimeError):
            await task
        return progress.busy

    assert asyncio.run(main()) == 0


def test_a_batch_held_by_a_dead_generator_does_not_block_the_stall() -> None:
    # An agent's batch iterator stays suspended inside its batch when the agent body raises:
    # the batch never ends, but the task that ran it is gone.
    progress = Progress(last=0.0)

    async def batches() -> AsyncIterator[object]:
        while True:
            with progress.working():
                yield [1, 2, 3]

    async def agent(stream: AsyncIterator[object], failing: asyncio.Event) -> None:
        async for _ in stream:
            await failing.wait()
            raise RuntimeError("bad batch")

    async def main() -> tuple[int, int]:
        failing = asyncio.Event()
        # Held here, as Faust's actor holds its stream: the iterator is never finalised.
        stream = batches()
        task = asyncio.create_task(agent(stream, failing))
        await asyncio.sleep(0.01)
        during = progress.busy
        failing.set()
        with pytest.raises(RuntimeError):
            await task
        return during, progress.busy

    during, after = asyncio.run(main())
    assert (during, after) == (1, 0)
    dog = Watchdog(progress, stall_after_s=60.0)
    assert not dog.stalled(PENDING, settling=False, now=progress.last + 1.0)
    assert dog.stalled(PENDING, settling=False, now=progress.last + 62.0)


def test_a_live_task_keeps_its_batch_busy() -> None:
    progress = Progress(last=0.0)

    async def slow_agent() -> None:
        with progress.working():
            await asyncio.Event().wait()

    async def main() -> int:
        task = asyncio.create_task(slow_agent())
        await asyncio.sleep(0.01)
        busy = progress.busy
        task.cancel()
        return busy

    assert asyncio.run(main()) == 1


@pytest.mark.parametrize(
    ("end", "committed", "earliest", "waiting"),
    [
        (100, 60, None, 40),  # committed: count from it
        (100, None, 0, 100),  # nothing committed yet: count from the log start
        (100, None, 70, 30),  # ... which retention may have moved
        (100, 10, 70, 30),  # committed below the log start: from the log start
        (100, 100, None, 0),  # caught up
        (None, 10, 0, 0),  # end unknown: no claim
        (100, None, None, 0),  # no start known: no claim
        (0, None, 0, 0),  # empty partition
    ],
)
def test_backlog_counts_from_the_committed_offset_or_the_log_start(
    end: int | None, committed: int | None, earliest: int | None, waiting: int
) -> None:
    assert backlog(end, committed, earliest) == waiting
