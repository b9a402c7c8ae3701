"""The worker's way out: the stop deadline, dead agents, the parent check.

What ends a process runs in a child interpreter, so the test can watch it end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import faust

from streams.runtime.lifecycle import Lifecycle
from streams.runtime.liveness import agents_alive
from streams.runtime.supervisor import EXIT_AGENT_CRASHED, EXIT_SHUTDOWN_TIMEOUT
from streams.settings import SupervisionSettings


def _run(code: str, timeout_s: float = 60.0) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s
    )
    return done, time.monotonic() - started


def test_a_stop_that_hangs_is_abandoned_at_its_deadline() -> None:
    done, took = _run(
        "import time\n"
        "from streams.runtime.lifecycle import Lifecycle\n"
        "from streams.settings import SupervisionSettings\n"
        "life = Lifecycle(SupervisionSettings())\n"
        "life.arm(0.5, 'stop')\n"
        "life.arm(30.0, 'later arms do not move the deadline')\n"
        "time.sleep(30)  # the main thread (the event loop) is stuck\n"
    )
    assert done.returncode == EXIT_SHUTDOWN_TIMEOUT
    assert "worker.shutdown_abandoned reason=stop" in done.stderr
    assert took < 15


_CRASHING_AGENT = """
import asyncio, json, signal, sys
import faust
from streams.runtime.lifecycle import Lifecycle
from streams.runtime.liveness import agent_supervisor
from streams.settings import SupervisionSettings

life = Lifecycle(SupervisionSettings(crash_exit_timeout_s=1.0))
stops = []
# Stands in for the worker's graceful stop, which here never finishes: the deadline must end it.
signal.signal(signal.SIGTERM, lambda *_: stops.append("SIGTERM"))
app = faust.App("lifecycle-test", autodiscover=False, agent_supervisor=agent_supervisor(life))

@app.agent(name="orders")
async def orders(stream):
    async for value in stream:
        if value == "bad":
            raise ValueError("cannot handle " + value)

async def main():
    async with orders.test_context(supervisor_strategy=agent_supervisor(life)) as agent:
        await agent.put("good")
        try:
            await agent.put("bad")
        except ValueError:
            pass
        for _ in range(100):
            if life.dead_agents:
                break
            await asyncio.sleep(0.02)
        print(json.dumps({"dead": life.dead_agents, "stops": stops,
                          "stopping": life.stopping, "code": life.exit_code}), flush=True)
        await asyncio.sleep(30)

asyncio.run(main())
"""


def test_a_crashed_agent_is_recorded_and_stops_the_worker_with_its_code() -> None:
    done, took = _run(_CRASHING_AGENT)
    assert done.returncode == EXIT_AGENT_CRASHED, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[0])
    assert report == {
        "dead": {"orders": "ValueError"},
        "stops": ["SIGTERM"],
        "stopping": True,
        "code": EXIT_AGENT_CRASHED,
    }
    assert "agent.crashed agent=orders error=ValueError" in done.stderr
    assert "worker.shutdown_abandoned reason=agent_crashed" in done.stderr
    assert took < 30


def test_an_orphaned_worker_knows_it() -> None:
    settings = SupervisionSettings()
    assert not Lifecycle(settings).orphaned()  # not supervised: no parent to lose
    assert not Lifecycle(settings, supervisor_pid=os.getppid()).orphaned()
    assert Lifecycle(settings, supervisor_pid=os.getpid()).orphaned()


def test_ready_lists_every_agent_and_which_are_dead() -> None:
    app = faust.App("liveness-test", autodiscover=False)

    async def body(stream: faust.StreamT[str]) -> None:
        async for _ in stream:
            pass

    app.agent(name="a")(body)
    app.agent(name="b")(body)
    life = Lifecycle(SupervisionSettings())
    assert agents_alive(app, life) == {"a": True, "b": True}
    life.dead_agents["b"] = "ValueError"
    assert agents_alive(app, life) == {"a": True, "b": False}
