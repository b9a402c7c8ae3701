"""Chat agent: ``shop.chat.messages`` → ``shop.chat.replies`` + the audit table.

Recent turns of each conversation live in a global table, so any worker can continue a
conversation after a rebalance.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.agents import micro_batches
from streams.facts import ProductFacts
from streams.pipeline import JSON_SCHEMA, Pipeline
from streams.prompts import MAX_HISTORY_TURNS, Turn
from streams.records import ChatMessage

HISTORY_TABLE = "conversation-turns"


def register(app: faust.App, pipeline: Pipeline, facts: Any) -> Any:
    """Attach the conversation table and the agent to the app."""
    settings = pipeline.settings
    topic = app.topic(settings.topics.chat_messages, key_serializer="raw", value_serializer="raw")
    history = app.GlobalTable(
        HISTORY_TABLE,
        default=None,
        partitions=settings.topics.partitions,
        schema=JSON_SCHEMA,
        use_partitioner=True,
    )
    service = pipeline.replies
    if service is None:
        msg = "load the reply model before registering the chat agent"
        raise RuntimeError(msg)

    def facts_of(product_id: str | None) -> ProductFacts | None:
        raw = facts.get(product_id) if product_id else None
        return ProductFacts.model_validate(raw) if raw else None

    def turns_of(conversation_id: str) -> list[Turn]:
        return [Turn(role=r, text=t) for r, t in history.get(conversation_id) or []]

    async def replies(stream: faust.StreamT[Any]) -> None:
        batches = micro_batches(
            stream, settings.generation.batch_max_events, settings.batch.within_s
        )
        async for events in batches:
            messages = await pipeline.intake.decode(events, ChatMessage)
            outcomes = await service.reply(messages, facts_of, turns_of)
            await pipeline.deliver_replies(outcomes)
            for outcome in outcomes:
                key = outcome.reply.conversation_id
                turns = [
                    *(history.get(key) or []),
                    *((t.role, t.text) for t in (outcome.customer_turn, outcome.assistant_turn)),
                ]
                history[key] = turns[-2 * MAX_HISTORY_TURNS :]

    return app.agent(topic, name="shopstream.replies", sink=None)(replies)
