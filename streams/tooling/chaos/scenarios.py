"""The catalogue of chaos scenarios: what each feeds in, prepares and breaks.

Every scenario is bounded (its own timeout) and seeded: the feed, the kill times and the
kill targets all come from ``ChaosOptions.seed``, so a run can be repeated.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from streams.clickhouse import rows
from streams.errors import Stage
from streams.settings import Settings
from streams.tooling.chaos import faults, fuzz
from streams.tooling.chaos.accounting import query
from streams.tooling.chaos.fleet import KILL_TARGETS, Fleet, KillTarget
from streams.tooling.chaos.progress import Timeline
from streams.tooling.chaos.traffic import (
    Feed,
    add_chats,
    add_negative_bursts,
    add_reviews,
    add_updates,
    interleave,
)
from streams.tooling.sample_data import SampleShop

log = logging.getLogger(__name__)

# The results topic of the publish-error scenario refuses records above this size: larger
# than any ordinary result batch, smaller than the result of a review whose id is 30,000
# characters long.
SMALL_RESULTS_BYTES = 18_000
POISON_ID_CHARS = 30_000


@dataclass(frozen=True)
class ChaosOptions:
    """Sizes, durations and the seed of a chaos run."""

    seed: int = 7
    reviews: int = 3_000
    rate: float = 60.0
    workers: int = 3
    storm_kills: int = 9
    storm_gap_s: tuple[float, float] = (3.0, 8.0)
    broker_outage_s: float = 20.0
    clickhouse_outage_s: float = 60.0
    poison: int = 20
    fuzz_malformed: int = 1_000
    fuzz_valid: int = 1_000
    fuzz_kills: int = 1
    chats: int = 12
    updates: int = 8
    first_port: int = 36066
    timeout_s: float = 600.0


@dataclass
class Context:
    """What a scenario's fault acts on."""

    settings: Settings
    options: ChaosOptions
    fleet: Fleet
    timeline: Timeline
    rng: random.Random
    produced: Callable[[], int]  # messages acknowledged by the broker so far


FeedBuilder = Callable[[Settings, SampleShop, ChaosOptions], Feed]
Fault = Callable[[Context], None]
Prepare = Callable[[Settings], None]


def _nothing(_: object) -> None:
    """No preparation, or no fault beyond what the feed holds."""


@dataclass(frozen=True)
class Scenario:
    """One fault scenario."""

    name: str
    what: str
    tasks: str
    feed: FeedBuilder
    fault: Fault = _nothing
    prepare: Prepare = _nothing
    workers: int | None = None  # None: ChaosOptions.workers
    paths: tuple[str, ...] = ("sentiment", "alerts")
    params: Callable[[ChaosOptions], dict[str, object]] = field(default=lambda _: {})


def _after(ctx: Context, messages: int, timeout_s: float = 120.0) -> None:
    """Wait until ``messages`` have been produced, so the fault lands mid-stream."""
    deadline = time.monotonic() + timeout_s
    while ctx.produced() < messages and time.monotonic() < deadline:
        time.sleep(0.2)


def sentiment_feed(settings: Settings, shop: SampleShop, options: ChaosOptions) -> Feed:
    """Ordinary reviews plus negative bursts for three products of their own (alerts)."""
    feed = Feed()
    add_negative_bursts(feed, settings, shop, products=3, per_product=40)
    add_reviews(feed, settings, shop, options.reviews, exclude=frozenset(feed.alert_products))
    interleave(feed, shop)
    return feed


def kill_storm(ctx: Context) -> None:
    """SIGKILL workers, supervisors or both at seeded random slots and times."""
    for _ in range(ctx.options.storm_kills):
        time.sleep(ctx.rng.uniform(*ctx.options.storm_gap_s))
        index = ctx.rng.randrange(len(ctx.fleet.ports))
        target = ctx.rng.choices(KILL_TARGETS, weights=(2, 1, 1))[0]
        _kill(ctx, index, target)


def _kill(ctx: Context, index: int, target: KillTarget) -> None:
    """Kill a slot's process(es), marking the kill and, when the slot is started again, that.

    A dead supervisor is a fault until the process manager has started the slot again (after
    its orphaned worker finished its batch and exited): that relaunch is when it clears.
    """
    ctx.timeline.mark(f"kill {target} w{index}")
    ctx.fleet.kill(index, target)
    if target != "worker":
        ctx.timeline.mark(f"relaunch w{index}")


def broker_restart(ctx: Context) -> None:
    """Stop the broker a few seconds into the stream, start it again after the outage."""
    _after(ctx, ctx.options.reviews // 4)
    faults.broker_outage(ctx.settings, ctx.timeline, ctx.options.broker_outage_s)


def clickhouse_outage(ctx: Context) -> None:
    """Stop ClickHouse mid-stream, start it again after the outage."""
    _after(ctx, ctx.options.reviews // 4)
    faults.clickhouse_outage(ctx.settings, ctx.timeline, ctx.options.clickhouse_outage_s)


def _with_poison(settings: Settings, shop: SampleShop, options: ChaosOptions, stage: Stage) -> Feed:
    """Reviews plus ``options.poison`` valid reviews that a sink refuses for good."""
    feed = Feed()
    add_reviews(feed, settings, shop, options.reviews)
    for n in range(options.poison):
        review = shop.review()
        key = f"chaos-poison-{n}"
        if stage == "publish":
            review["review_id"] = f"{key}-" + "r" * POISON_ID_CHARS
        else:
            review["product_id"] = f"{faults.POISON_PRODUCT_PREFIX}{n}"
        item = fuzz.Malformed(key=key, value=json.dumps(review).encode(), kind=f"refused_{stage}")
        feed.add_letter(settings.topics.reviews, item, stage=stage)
        feed.refused.add(review["review_id"])
    interleave(feed, shop)
    return feed


def fuzz_feed(settings: Settings, shop: SampleShop, options: ChaosOptions) -> Feed:
    """Valid reviews with ``options.fuzz_malformed`` malformed ones among them."""
    feed = Feed()
    add_reviews(feed, settings, shop, options.fuzz_valid)
    for item in fuzz.malformed_events(shop, "review", options.fuzz_malformed):
        feed.add_letter(settings.topics.reviews, item)
    interleave(feed, shop)
    return feed


def fuzz_kills(ctx: Context) -> None:
    """SIGKILL a worker (its supervisor restarts it) while the malformed mix flows."""
    total = ctx.options.fuzz_valid + ctx.options.fuzz_malformed
    for n in range(ctx.options.fuzz_kills):
        _after(ctx, total * (n + 1) // (ctx.options.fuzz_kills + 1))
        _kill(ctx, ctx.rng.randrange(len(ctx.fleet.ports)), "worker")


def generation_feed(settings: Settings, shop: SampleShop, options: ChaosOptions) -> Feed:
    """Chats and product updates, with a few malformed ones of each kind among them."""
    feed = Feed()
    add_updates(feed, settings, shop, options.updates)
    add_chats(feed, settings, shop, options.chats)
    bad = max(len(fuzz.KINDS), options.chats)
    for item in fuzz.malformed_events(shop, "chat", bad):
        feed.add_letter(settings.topics.chat_messages, item)
    for item in fuzz.malformed_events(shop, "product", bad, start=bad):
        feed.add_letter(settings.topics.product_updates, item)
    interleave(feed, shop)
    return feed


def generation_kills(ctx: Context) -> None:
    """SIGKILL the generating worker mid-batch, then its supervisor (a machine crash)."""
    targets: tuple[KillTarget, ...] = ("worker", "supervisor")
    for target in targets:
        deadline = time.monotonic() + 300
        before = _audited(ctx.settings)
        while _audited(ctx.settings) <= before and time.monotonic() < deadline:
            time.sleep(1.0)
        time.sleep(ctx.rng.uniform(0.5, 3.0))
        _kill(ctx, 0, target)


def _audited(settings: Settings) -> int:
    return int(query(settings, "SELECT count() FROM generated_content")[0][0])


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "kill-storm",
            "SIGKILL storm over supervised workers (workers, supervisors, both) with rebalances",
            "sentiment,alerts",
            sentiment_feed,
            fault=kill_storm,
            params=lambda o: {"kills": o.storm_kills, "workers": o.workers},
        ),
        Scenario(
            "broker-restart",
            "the Kafka broker stops mid-stream and starts again",
            "sentiment,alerts",
            sentiment_feed,
            fault=broker_restart,
            workers=2,
            params=lambda o: {"outage_s": o.broker_outage_s},
        ),
        Scenario(
            "clickhouse-outage",
            "ClickHouse stops mid-stream and starts again",
            "sentiment,alerts",
            sentiment_feed,
            fault=clickhouse_outage,
            workers=2,
            params=lambda o: {"outage_s": o.clickhouse_outage_s},
        ),
        Scenario(
            "publish-error",
            "the results topic refuses some records for good (MessageSizeTooLarge)",
            "sentiment,alerts",
            lambda s, shop, o: _with_poison(s, shop, o, "publish"),
            prepare=lambda s: faults.shrink_topic(s, s.topics.sentiment, SMALL_RESULTS_BYTES),
            workers=1,
            params=lambda o: {"refused": o.poison, "max_message_bytes": SMALL_RESULTS_BYTES},
        ),
        Scenario(
            "sink-error",
            "ClickHouse refuses some rows for good (a CHECK constraint)",
            "sentiment,alerts",
            lambda s, shop, o: _with_poison(s, shop, o, "sink"),
            prepare=lambda s: faults.refuse_poison_rows(s, rows.SENTIMENT_TABLE),
            workers=1,
            params=lambda o: {"refused": o.poison},
        ),
        Scenario(
            "fuzz",
            "malformed events of every kind among valid ones, and a SIGKILL",
            "sentiment,alerts",
            fuzz_feed,
            fault=fuzz_kills,
            workers=2,
            params=lambda o: {"malformed": o.fuzz_malformed, "kills": o.fuzz_kills},
        ),
        Scenario(
            "generation",
            "replies and descriptions (a real LLM): SIGKILL of the worker, then its supervisor",
            "products,replies",
            generation_feed,
            fault=generation_kills,
            workers=1,
            paths=("replies", "descriptions"),
            params=lambda o: {"chats": o.chats, "updates": o.updates, "kills": 2},
        ),
    )
}
