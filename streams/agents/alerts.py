"""Sentiment alerting agent: ``shop.reviews.sentiment`` → ``shop.alerts.sentiment``.

Per-product window state lives in a Faust table backed by its changelog topic; the results
topic is keyed by product_id, so the table is co-partitioned with it. Results arrive in
micro-batches (with skipped offsets repaired); each is applied in order, and a batch's offsets
are committed after its alerts are durable.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.agents import micro_batches
from streams.alerting import WindowState, observe
from streams.pipeline import Pipeline
from streams.records import SentimentResult
from streams.tables import keyed_table


def register(app: faust.App, pipeline: Pipeline) -> Any:
    """Attach the table and the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.sentiment, key_serializer="raw", value_serializer="raw")
    windows = keyed_table(app, "sentiment-windows", settings.topics.partitions)

    async def alerts(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.batch.max_events, settings.batch.within_s, pipeline
        )
        async for events in batches:
            for item in await pipeline.intake.decode(events, SentimentResult):
                result = item.record
                raw = windows.get(result.product_id)
                state = WindowState.from_dict(raw) if raw else None
                state, alert = observe(state, result, settings.alerts)
                windows.put(result.product_id, state.to_dict(), item.source.partition)
                if alert is not None:
                    await pipeline.deliver_alert(alert)

    return app.agent(topic, name="shopstream.alerts", sink=None)(alerts)
