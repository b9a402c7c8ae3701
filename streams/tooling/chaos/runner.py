"""One chaos scenario end to end: sandbox, workers, feed, fault, wait, tally, clean up."""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path
from typing import Any

from streams.settings import Settings
from streams.tooling.chaos import accounting
from streams.tooling.chaos.fleet import Fleet
from streams.tooling.chaos.progress import OffsetReader, Sampler, Timeline, longest_stall
from streams.tooling.chaos.scenarios import ChaosOptions, Context, Scenario
from streams.tooling.chaos.traffic import Feed, stream
from streams.tooling.replay import produce
from streams.tooling.sample_data import SampleShop
from streams.tooling.sandbox import drop, sandboxed

log = logging.getLogger(__name__)

_INPUTS = {
    "sentiment": ("reviews", "sentiment"),
    "alerts": ("sentiment",),
    "replies": ("chat_messages",),
    "products": ("product_updates",),
}


def input_topics(settings: Settings, tasks: str) -> list[str]:
    """The topics a worker running ``tasks`` consumes."""
    fields = dict.fromkeys(f for task in tasks.split(",") for f in _INPUTS[task.strip()])
    return [getattr(settings.topics, f) for f in fields]


class _Producer(threading.Thread):
    """Produces a feed at a rate, one thread per run; ``produced`` counts as it goes."""

    def __init__(self, settings: Settings, feed: Feed, rate: float) -> None:
        super().__init__(name="chaos-producer", daemon=True)
        self.settings = settings
        self.feed = feed
        self.rate = rate
        self.produced = 0
        self.error: BaseException | None = None

    def _counted(self, items: list[tuple[bytes, bytes]]) -> Any:
        for item in stream(items):
            self.produced += 1
            yield item

    def run(self) -> None:
        try:
            for topic, items in self.feed.messages.items():
                produce(self.settings, topic, self._counted(items), rate=self.rate, progress=False)
        except Exception as exc:  # noqa: BLE001 - reported in the scenario's result
            self.error = exc


def _ready_tally(timeline: Timeline) -> dict[str, int]:
    answered = [p for s in timeline.samples for p in s.probes if p.status is not None]
    dead = [p for p in answered if p.dead_agents]
    return {
        "probes": len(answered),
        "not_ready": sum(1 for p in answered if not p.ready),
        "agent_dead": len(dead),
        "ready_while_agent_dead": sum(1 for p in dead if p.ready),
    }


def _wait_done(sampler: Sampler, producer: _Producer, deadline: float) -> bool:
    """Until every input is committed (results durable) after the feed is in; False at the bound."""
    quiet = 0
    while time.monotonic() < deadline:
        last = sampler.last()
        done = not producer.is_alive() and last is not None and last.pending == 0
        quiet = quiet + 1 if done else 0
        if quiet >= 3:  # three readings in a row: no commit still to come from a replay
            return True
        time.sleep(1.0)
    return False


def run_scenario(
    base: Settings, scenario: Scenario, options: ChaosOptions, out: Path
) -> dict[str, Any]:
    """Run one scenario in a sandbox of its own and return its figures."""
    rng = random.Random(f"{options.seed}:{scenario.name}")
    settings = sandboxed(base, label="chaos")
    shop = SampleShop(seed=rng.randrange(2**31))
    feed = scenario.feed(settings, shop, options)
    count = scenario.workers or options.workers
    fleet = Fleet(settings, scenario.tasks, count, options.first_port, out / "logs" / scenario.name)
    for path in fleet.log_files:
        path.unlink(missing_ok=True)
    log.info(
        "chaos.scenario.start name=%s seed=%d events=%d", scenario.name, options.seed, feed.total
    )
    try:
        result = _run(settings, scenario, feed, options, fleet, rng)
    finally:
        drop(settings)
    log.info(
        "chaos.scenario.done name=%s lost=%d doubled=%d stalled_s=%.1f completed=%s",
        scenario.name, result["lost"], result["doubled"], result["stalled_s"],
        result["completed"],
    )  # fmt: skip
    return result


def _run(
    settings: Settings,
    scenario: Scenario,
    feed: Feed,
    options: ChaosOptions,
    fleet: Fleet,
    rng: random.Random,
) -> dict[str, Any]:
    sampler: Sampler | None = None
    try:
        scenario.prepare(settings)
        fleet.start()
        timeline = Timeline()  # the clock starts with the feed
        reader = OffsetReader(settings, input_topics(settings, scenario.tasks), settings.app_id)
        sampler = Sampler(timeline, reader, fleet.probes).start()
        producer = _Producer(settings, feed, options.rate)
        producer.start()
        scenario.fault(
            Context(settings, options, fleet, timeline, rng, produced=lambda: producer.produced)
        )
        cleared = timeline.cleared_at()
        producer.join(timeout=options.timeout_s)
        completed = _wait_done(sampler, producer, time.monotonic() + options.timeout_s)
        finished = timeline.now()
        alive = fleet.alive()
    finally:
        if sampler is not None:
            sampler.stop()
        fleet.stop()
    result = _tally(settings, scenario, feed, options, timeline, fleet, cleared, finished)
    error = producer.error
    result.update(
        completed=completed,
        workers_alive_at_end=alive,
        producer_error=None if error is None else f"{type(error).__name__}: {error}",
    )
    return result


def _tally(
    settings: Settings,
    scenario: Scenario,
    feed: Feed,
    options: ChaosOptions,
    timeline: Timeline,
    fleet: Fleet,
    cleared: float,
    finished: float,
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    if "sentiment" in scenario.paths:
        paths["sentiment"] = accounting.sentiment_tally(settings, feed, feed.refused)
    if "alerts" in scenario.paths and feed.alert_products:
        paths["alerts"] = accounting.alert_tally(settings, feed)
    if {"replies", "descriptions"} & set(scenario.paths):
        paths.update(accounting.generation_tally(settings, feed))
    letters = accounting.letter_tally(settings, feed)
    return {
        "name": scenario.name,
        "what": scenario.what,
        "tasks": scenario.tasks,
        "workers": len(fleet.ports),
        "seed": options.seed,
        "params": scenario.params(options),
        "events_in": feed.total,
        "valid_in": feed.total - len(feed.letters),
        "malformed_in": len(feed.letters),
        "paths": paths,
        "lost": sum(p["lost"] for p in paths.values()) + letters["missing"],
        "doubled": sum(p["doubled"] for p in paths.values()),
        "dead_letters": letters,
        "seconds": round(finished, 1),
        "fault_cleared_at_s": round(cleared, 1),
        "stall_bound_s": 2 * settings.kafka.session_timeout_ms / 1000,
        "stalled_s": round(longest_stall(timeline.samples, cleared), 1),
        "longest_no_progress_s": round(longest_stall(timeline.samples, 0.0), 1),
        "longest_without_commit_s": round(
            longest_stall(timeline.samples, cleared, work_counts=False), 1
        ),
        **accounting.log_tally(fleet.logs()),
        "relaunched_by_process_manager": fleet.relaunches,
        "ready": _ready_tally(timeline),
        "timeline": _timeline_json(timeline),
    }


def _timeline_json(timeline: Timeline) -> dict[str, Any]:
    return {
        "samples": [
            [round(s.t, 2), s.committed, s.end, sum(p.ready for p in s.probes), len(s.probes)]
            for s in timeline.samples
        ],
        "spans": [[round(a, 2), round(b, 2), label] for a, b, label in timeline.spans],
        "marks": [[round(t, 2), label] for t, label in timeline.marks],
    }
