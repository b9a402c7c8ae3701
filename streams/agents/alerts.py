"""Sentiment alerting agent: ``shop.reviews.sentiment`` → ``shop.alerts.sentiment``.

Per-product window state lives in a Faust table backed by its changelog topic; the results
topic is keyed by product_id, so the table is co-partitioned with it.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.alerting import WindowState, observe
from streams.pipeline import JSON_SCHEMA, Pipeline
from streams.records import SentimentResult


def register(app: faust.App, pipeline: Pipeline) -> Any:
    """Attach the table and the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.sentiment, key_serializer="raw", value_serializer="raw")
    windows = app.Table(
        "sentiment-windows",
        default=None,
        partitions=settings.topics.partitions,
        schema=JSON_SCHEMA,
    )

    async def observe_event(event: Any) -> None:
        for item in await pipeline.intake.decode([event], SentimentResult):
            result = item.record
            raw = windows.get(result.product_id)
            state = WindowState.from_dict(raw) if raw else None
            state, alert = observe(state, result, settings.alerts)
            windows[result.product_id] = state.to_dict()
            if alert is not None:
                await pipeline.deliver_alert(alert)

    async def alerts(stream: faust.StreamT[Any]) -> None:
        async for event in stream.events():
            with pipeline.progress.working():
                await observe_event(event)

    return app.agent(topic, name="shopstream.alerts", sink=None)(alerts)
