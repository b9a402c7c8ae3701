"""Chat agent: ``shop.chat.messages`` → ``shop.chat.replies`` + the audit table.

Recent turns of each conversation live in a table co-partitioned with the chat topic (both
keyed by conversation_id), so the worker that takes over a conversation's partition after a
rebalance recovers its turns. Product facts come from a view of the whole facts table.
"""

from __future__ import annotations

from typing import Any

import faust

from streams.agents import micro_batches
from streams.generation.facts import ProductFacts
from streams.generation.prompts import MAX_HISTORY_TURNS, Turn
from streams.generation.replies import ReplyOutcome, rounds
from streams.pipeline import Pipeline
from streams.records import ChatMessage
from streams.tables import ChangelogView, KeyedTable, keyed_table

HISTORY_TABLE = "conversation-turns"
FACTS_VIEW = "product-facts"
"""Name of the product-facts view in :attr:`streams.pipeline.Pipeline.views` (and ``/ready``)."""


def register(app: faust.App, pipeline: Pipeline, facts: KeyedTable, view: ChangelogView) -> Any:
    """Attach the conversation table and the agent to the app.

    ``view`` is the whole-table view of ``facts`` the pipeline was built with.
    """
    settings = pipeline.settings
    topic = app.topic(settings.topics.chat_messages, key_serializer="raw", value_serializer="raw")
    history = keyed_table(app, HISTORY_TABLE, settings.topics.partitions)
    if pipeline.replies is None:
        msg = "the chat agent needs a pipeline built with the replies task"
        raise RuntimeError(msg)

    def facts_of(product_id: str | None) -> ProductFacts | None:
        raw = view.get(product_id) if product_id else None
        return ProductFacts.model_validate(raw) if raw else None

    def turns_of(conversation_id: str) -> list[Turn]:
        return [Turn(role=r, text=t) for r, t in history.get(conversation_id) or []]

    def remember(outcome: ReplyOutcome, partition: int) -> None:
        key = outcome.reply.conversation_id
        new = ((t.role, t.text) for t in (outcome.customer_turn, outcome.assistant_turn))
        turns = [*(history.get(key) or []), *new]
        history.put(key, turns[-2 * MAX_HISTORY_TURNS :], partition)

    async def replies(stream: faust.StreamT[Any]) -> None:
        view.start()
        try:
            await view.wait_caught_up()
            batches = micro_batches(
                stream,
                settings.generation.batch_max_events,
                settings.batch.within_s,
                pipeline,
            )
            async for events in batches:
                messages = await pipeline.intake.decode(events, ChatMessage)
                for batch in rounds(messages):
                    outcomes = await pipeline.reply(batch, facts_of, turns_of)
                    # Turns are remembered only for replies that are durable.
                    for message, outcome in await pipeline.deliver_replies(outcomes):
                        remember(outcome, message.source.partition)
        finally:
            view.stop()

    return app.agent(topic, name="shopstream.replies", sink=None)(replies)
