"""The hand-written evaluation set of published replies and descriptions (``export/evalsets``).

``products.jsonl`` holds product-update input records, ``description_references.jsonl`` one
hand-written reference description (``product_id``, ``reference``) per listed product, and
``chats.jsonl`` chat-message input records, each with an ``expect`` object that the record
parser ignores:

* ``kind``: one of :data:`KINDS`; ``lang``: ``"en"`` or ``"zh"``; ``intent``: the correct
  :data:`streams.generation.intents.Intent` label.
* ``facts`` (grounded and policy questions): values a right answer must state, each found
  in the product's attributes or price, or in the default
  :class:`streams.generation.facts.PlatformPolicies` statements. A value may be a list of
  wordings, any of which states it; the first is the one the attributes hold
  (``["included", "comes with a rain cover"]`` answers "does it come with a rain cover?").
* ``ask`` and optional ``claim`` (unsupported asks, some injections): the kind of claim a
  reply must not grant (:data:`export.eval_matching.ASK_KINDS`) and phrases that would grant
  it.
* ``pii`` (messages with personal data): ``{"type", "value"}`` pairs, ``value`` exactly as
  written in the message, none of which may be stored raw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.delivery.codec import decode
from streams.generation.facts import ProductFacts
from streams.records import ChatMessage, ProductUpdate

EVALSET_DIR = Path(__file__).with_name("evalsets")
"""Where the evaluation set lives."""

KINDS = (
    "grounded_question", "policy_question", "unsupported_ask", "injection", "pii", "abuse",
    "order_status", "greeting",
)  # fmt: skip
"""The kinds of chat message in the set (``expect.kind``)."""


@dataclass(frozen=True)
class EvalSet:
    """The evaluation records, as read from their files.

    Attributes:
        products: Product-update input records.
        chats: Chat-message input records with their ``expect`` objects.
        references: Reference description by product id.
    """

    products: list[dict[str, Any]]
    chats: list[dict[str, Any]]
    references: dict[str, str]

    def facts(self) -> dict[str, ProductFacts]:
        """Product facts by product id, as the stream would build them from the updates."""
        return {row["product_id"]: ProductFacts.model_validate(row) for row in self.products}


def _jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_evalset(directory: Path = EVALSET_DIR) -> EvalSet:
    """Read the evaluation set and check every input record against its contract.

    Args:
        directory: The folder holding the three files.

    Returns:
        The records.

    Raises:
        streams.errors.DecodeError: A record is not a valid input record.
    """
    products = _jsonl(directory / "products.jsonl")
    chats = _jsonl(directory / "chats.jsonl")
    for row in products:
        decode(ProductUpdate, json.dumps(row).encode())
    for row in chats:
        decode(ChatMessage, json.dumps(row).encode())
    references = {
        row["product_id"]: str(row["reference"])
        for row in _jsonl(directory / "description_references.jsonl")
    }
    return EvalSet(products=products, chats=chats, references=references)


def input_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The record as a platform service would send it: without the ``expect`` labels."""
    return {key: value for key, value in row.items() if key != "expect"}
