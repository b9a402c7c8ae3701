"""The evaluation set run through the offline generation path (prompt → model → guard → fallback).

:func:`offline_runner` connects :func:`export.eval_published.evaluate` to
:func:`streams.generation.offline.generate_offline`, the same services the agents run, without Kafka
or ClickHouse: product updates become the facts replies may use, then each chat message (or each
product update, for descriptions) is generated, guarded and audited as a worker would.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from tqdm import tqdm

from export.eval_published import Runner
from streams.delivery.codec import decode
from streams.generation.generated import load_generator
from streams.generation.offline import generate_offline, product_facts
from streams.records import ChatMessage, ProductUpdate
from streams.settings import Settings

Task = Literal["reply", "description"]


def offline_runner(settings: Settings, task: Task, *, batch_size: int = 4) -> Runner:
    """A runner for ``evaluate`` that uses the task's model from the registry.

    Args:
        settings: Model directory, device, generation parameters and policies.
        task: ``reply`` or ``description``.
        batch_size: Records per model call.

    Returns:
        A function from input records (dicts) to one result dict per generated record.
    """
    loaded = load_generator(settings, task)

    def run(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # Records are read from their wire form (JSON), exactly as the topics carry them.
        updates = [
            decode(ProductUpdate, json.dumps(row).encode())
            for row in inputs
            if "conversation_id" not in row
        ]
        chats = [
            decode(ChatMessage, json.dumps(row).encode())
            for row in inputs
            if "conversation_id" in row
        ]
        records: list[Any] = chats if task == "reply" else updates
        with tqdm(total=len(records), desc=f"eval {task}", unit="msg") as bar:

            def advance(done: list[Any]) -> None:
                bar.update(len(done))

            results = generate_offline(
                task,
                records,
                loaded,
                settings.policies,
                facts=product_facts(updates),
                batch_size=batch_size,
                source=f"evalset.{task}",
                on_batch=advance,
            )
        return [result.as_json() for result in results]

    return run
