"""Product agent: ``shop.products.updates`` → product facts table, and refreshed descriptions.

The facts table is keyed by product_id and co-partitioned with the update topic. Chat
replies, keyed by conversation, need the facts of any product: they read the table's
changelog through a :class:`~streams.tables.ChangelogView`.

New facts are stored only once the update's description is durable (or when the facts that
a description is written from did not change): the table entry is what decides that a
product needs no new description, so it must not run ahead of the description. An update
that is dead-lettered leaves the stored facts as they were, and the next update of the
product (or a replay of the letter) describes it again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import faust
from pydantic import ValidationError

from streams.agents import micro_batches
from streams.delivery.intake import Decoded
from streams.generation.descriptions import facts_of, fingerprint, latest_per_product
from streams.generation.facts import ProductFacts
from streams.pipeline import Pipeline
from streams.records import ProductUpdate
from streams.settings import Settings
from streams.tables import KeyedTable, keyed_table

FACTS_TABLE = "product-facts"


class FactsStore(Protocol):
    """The part of the facts table the agent uses."""

    def get(self, key: str) -> Any: ...
    def put(self, key: str, value: Any, partition: int) -> None: ...


def needs_description(item: Decoded[ProductUpdate], facts: FactsStore) -> bool:
    """Whether an update changes the facts its product's description is written from."""
    raw = facts.get(item.record.product_id)
    try:
        old = ProductFacts.model_validate(raw) if raw else None
    except ValidationError:
        # Stored by an older version in another shape: describe again rather than guess.
        return True
    return old is None or fingerprint(old) != fingerprint(facts_of(item.record))


async def apply_batch(
    updates: Sequence[Decoded[ProductUpdate]],
    facts: FactsStore,
    describe: Callable[
        [Sequence[Decoded[ProductUpdate]]], Awaitable[Sequence[Decoded[ProductUpdate]]]
    ],
) -> None:
    """Describe the changed products, then store the facts of every update now settled.

    Args:
        updates: The latest update of each product in the batch.
        facts: The facts table.
        describe: Generates and delivers descriptions; returns the updates whose
            description is durable (the others were dead-lettered).
    """
    changed: list[Decoded[ProductUpdate]] = []
    settled: list[Decoded[ProductUpdate]] = []
    for item in updates:
        (changed if needs_description(item, facts) else settled).append(item)
    settled.extend(await describe(changed))
    for item in settled:
        new = facts_of(item.record)
        facts.put(new.product_id, new.model_dump(mode="json"), item.source.partition)


def facts_table(app: faust.App, settings: Settings) -> KeyedTable:
    """The product-facts table (created once per app)."""
    return keyed_table(app, FACTS_TABLE, settings.topics.partitions)


def register(app: faust.App, pipeline: Pipeline, facts: KeyedTable) -> Any:
    """Attach the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.product_updates, key_serializer="raw", value_serializer="raw")
    if pipeline.descriptions is None:
        msg = "the product agent needs a pipeline built with the products task"
        raise RuntimeError(msg)

    async def describe(
        changed: Sequence[Decoded[ProductUpdate]],
    ) -> Sequence[Decoded[ProductUpdate]]:
        return await pipeline.deliver_descriptions(await pipeline.describe(changed))

    async def products(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.generation.batch_max_events, settings.batch.within_s, pipeline
        )
        async for events in batches:
            updates = latest_per_product(await pipeline.intake.decode(events, ProductUpdate))
            await apply_batch(updates, facts, describe)

    return app.agent(topic, name="shopstream.products", sink=None)(products)
