"""Review sentiment agent: ``shop.reviews`` → ``shop.reviews.sentiment`` + ClickHouse."""

from __future__ import annotations

from typing import Any

import faust

from streams.agents import micro_batches
from streams.pipeline import Pipeline
from streams.records import Review


def register(app: faust.App, pipeline: Pipeline) -> Any:
    """Attach the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.reviews, key_serializer="raw", value_serializer="raw")
    if pipeline.scorer is None:
        msg = "the sentiment agent needs a pipeline built with the sentiment task"
        raise RuntimeError(msg)

    async def sentiment(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.batch.max_events, settings.batch.within_s, pipeline
        )
        async for events in batches:
            reviews = await pipeline.intake.decode(events, Review)
            scored = await pipeline.score_sentiment(reviews)
            await pipeline.deliver_sentiment(scored)

    return app.agent(topic, name="shopstream.sentiment", sink=None)(sentiment)
