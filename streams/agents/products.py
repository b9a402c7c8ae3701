"""Product agent: ``shop.products.updates`` → product facts table, and refreshed descriptions.

The facts table is keyed by product_id and co-partitioned with the update topic. Chat
replies, keyed by conversation, need the facts of any product: they read the table's
changelog through a :class:`~streams.tables.ChangelogView`.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.agents import micro_batches
from streams.descriptions import facts_of, fingerprint, latest_per_product
from streams.facts import ProductFacts
from streams.pipeline import Pipeline
from streams.records import ProductUpdate
from streams.tables import KeyedTable, keyed_table

FACTS_TABLE = "product-facts"


def facts_table(app: faust.App, pipeline: Pipeline) -> KeyedTable:
    """The product-facts table (created once per app)."""
    return keyed_table(app, FACTS_TABLE, pipeline.settings.topics.partitions)


def register(app: faust.App, pipeline: Pipeline, facts: KeyedTable) -> Any:
    """Attach the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.product_updates, key_serializer="raw", value_serializer="raw")
    service = pipeline.descriptions
    if service is None:
        msg = "load the description model before registering the product agent"
        raise RuntimeError(msg)

    async def products(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.generation.batch_max_events, settings.batch.within_s, pipeline
        )
        async for events in batches:
            updates = latest_per_product(await pipeline.intake.decode(events, ProductUpdate))
            changed = []
            for item in updates:
                new = facts_of(item.record)
                raw = facts.get(new.product_id)
                old = ProductFacts.model_validate(raw) if raw else None
                facts.put(new.product_id, new.model_dump(mode="json"), item.source.partition)
                if old is None or fingerprint(old) != fingerprint(new):
                    changed.append(item)
            outcomes = await service.describe(changed)
            await pipeline.deliver_descriptions(outcomes)

    return app.agent(topic, name="shopstream.products", sink=None)(products)
