"""Consumer lag per input partition, sampled on a timer into a Prometheus gauge."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import faust

from streams import metrics

log = logging.getLogger(__name__)


async def sample_lag(app: faust.App, topics: Iterable[str]) -> None:
    """Set ``shopstream_consumer_lag`` for the input partitions this worker owns."""
    wanted = set(topics)
    consumer = app.consumer
    for tp in consumer.assignment():
        if tp.topic not in wanted:
            continue
        try:
            position = await consumer.position(tp)
            highwater = consumer.highwater(tp)
        except Exception as exc:  # noqa: BLE001 - lag is best effort; a rebalance may be running
            log.debug("lag.skip topic=%s partition=%d error=%s", tp.topic, tp.partition, exc)
            continue
        if position is None or highwater is None:
            continue
        lag = max(int(highwater) - int(position), 0)
        metrics.CONSUMER_LAG.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)


def register(app: faust.App, topics: Iterable[str], interval_s: float = 10.0) -> None:
    """Sample lag every ``interval_s`` seconds while the worker runs."""
    names = tuple(topics)

    @app.timer(interval=interval_s)
    async def consumer_lag() -> None:
        await sample_lag(app, names)
