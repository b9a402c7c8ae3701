"""Producing sample traffic into the input topics at a chosen rate, with a progress bar."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from confluent_kafka import Producer
from tqdm import tqdm

from streams.errors import ShopstreamError
from streams.kafka_config import confluent_config
from streams.settings import Settings
from streams.tooling.sample_data import Kind, SampleShop, stream_events

log = logging.getLogger(__name__)


@dataclass
class ReplayReport:
    """What a replay produced."""

    topic: str
    produced: int = 0
    malformed: int = 0
    seconds: float = 0.0


def topic_for(settings: Settings, kind: Kind) -> str:
    """The input topic of an event kind."""
    return {
        "review": settings.topics.reviews,
        "chat": settings.topics.chat_messages,
        "product": settings.topics.product_updates,
    }[kind]


def produce(
    settings: Settings,
    topic: str,
    items: Iterable[tuple[bytes | None, bytes, bool]],
    *,
    total: int | None = None,
    rate: float = 0.0,
    progress: bool = True,
) -> ReplayReport:
    """Produce (key, value, valid) items at ``rate`` per second (0: unthrottled) and flush.

    Raises:
        ShopstreamError: the broker did not acknowledge every message.
    """
    producer = Producer(
        confluent_config(
            settings.kafka, **{"acks": "all", "linger.ms": 5, "enable.idempotence": True}
        )
    )
    report = ReplayReport(topic=topic)
    failures: list[str] = []

    def delivered(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(str(err))

    started = time.perf_counter()
    with tqdm(total=total, desc=f"replay {topic}", unit="ev", disable=not progress) as bar:
        for index, (key, value, valid) in enumerate(items):
            if rate > 0:
                ahead = started + index / rate - time.perf_counter()
                if ahead > 0:
                    time.sleep(ahead)
            while True:
                try:
                    producer.produce(topic, key=key, value=value, on_delivery=delivered)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            report.produced += 1
            report.malformed += 0 if valid else 1
            bar.update(1)
    remaining = producer.flush(60)
    report.seconds = time.perf_counter() - started
    if remaining or failures:
        sample = failures[0] if failures else "flush timed out"
        msg = f"replay to {topic}: {remaining} unsent, {len(failures)} failed ({sample})"
        raise ShopstreamError(msg)
    log.info(
        "replay.done topic=%s produced=%d malformed=%d seconds=%.2f",
        topic, report.produced, report.malformed, report.seconds,
    )  # fmt: skip
    return report


def replay(
    settings: Settings,
    kind: Kind,
    count: int,
    *,
    rate: float = 0.0,
    malformed_share: float = 0.0,
    seed: int = 7,
    progress: bool = True,
    shop: SampleShop | None = None,
) -> ReplayReport:
    """Produce ``count`` sample events of a kind, about ``malformed_share`` of them bad."""
    shop = shop or SampleShop(seed=seed)
    items = stream_events(shop, kind, count, malformed_share)
    return produce(
        settings, topic_for(settings, kind), items, total=count, rate=rate, progress=progress
    )
