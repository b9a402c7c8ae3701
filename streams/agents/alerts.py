"""Sentiment alerting agent: ``shop.reviews.sentiment`` → ``shop.alerts.sentiment``.

Per-product window state lives in a Faust table backed by its changelog topic; the results
topic is keyed by product_id, so the table is co-partitioned with it. Results arrive in
micro-batches (with skipped offsets repaired); a batch is folded in order, its alerts get their
phrases (the sampled reviews read back, only when an alert is raised), are made durable, and
only then is the window state (``alerted`` included) written to the table, so a crash before
the alert lands replays the batch from the old state and raises it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import faust

from streams.agents import micro_batches
from streams.alert_phrases import KafkaReviewTexts, ReviewTexts, with_phrases
from streams.alerting import fold
from streams.delivery.intake import Decoded
from streams.pipeline import Pipeline
from streams.records import SentimentAlert, SentimentResult
from streams.settings import AlertSettings
from streams.tables import keyed_table


class WindowStore(Protocol):
    """The part of the window table the agent uses."""

    def get(self, key: str) -> Any: ...
    def put(self, key: str, value: Any, partition: int) -> None: ...


async def apply_batch(
    items: Sequence[Decoded[SentimentResult]],
    windows: WindowStore,
    deliver: Callable[[Sequence[tuple[Decoded[SentimentResult], SentimentAlert]]], Awaitable[Any]],
    settings: AlertSettings,
    texts: ReviewTexts,
) -> None:
    """Fold a batch into the windows, deliver its alerts, then write the new window state.

    A delivered alert is durable or dead-lettered (with the result that raised it) when
    ``deliver`` returns; either way its window is marked ``alerted`` only after that.
    """
    states, raised = fold(windows.get, items, settings)
    await deliver(await with_phrases(raised, texts))
    for product_id, (state, partition) in states.items():
        windows.put(product_id, state.to_dict(), partition)


def register(app: faust.App, pipeline: Pipeline) -> Any:
    """Attach the table and the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.sentiment, key_serializer="raw", value_serializer="raw")
    windows = keyed_table(app, "sentiment-windows", settings.topics.partitions)
    texts = KafkaReviewTexts(settings.kafka)

    async def alerts(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.batch.max_events, settings.batch.within_s, pipeline
        )
        async for events in batches:
            items = await pipeline.intake.decode(events, SentimentResult)
            await apply_batch(items, windows, pipeline.deliver_alerts, settings.alerts, texts)

    return app.agent(topic, name="shopstream.alerts", sink=None)(alerts)
