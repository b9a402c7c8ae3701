"""Offline generation: file records through the agents' services, history, audit objects.

The model is a scripted generator (fixed texts, prompts recorded): these tests are about
what the offline runner does around the services, not about the model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from streams.errors import ShopstreamError
from streams.generation.facts import PlatformPolicies
from streams.generation.generated import AUDIT_COLUMNS, LoadedGenerator
from streams.generation.offline import Numbered, generate_offline, product_facts, read_jsonl
from streams.records import ChatMessage, ProductUpdate

NOW = "2026-11-01T12:00:00Z"


@dataclass(frozen=True)
class _Generation:
    text: str
    prompt_tokens: int = 40
    new_tokens: int = 12
    latency_s: float = 0.25
    finish_reason: str = "stop"


@dataclass
class _Scripted:
    """Answers every prompt with ``text`` and keeps the prompts it was given."""

    text: str
    model_sha256: str = "cd" * 32
    provider: str = "CPUExecutionProvider"
    prompts: list[Any] = field(default_factory=list)

    def generate(self, prompts: Sequence[Any], params: Any) -> list[_Generation]:
        self.prompts.extend(prompts)
        return [_Generation(self.text) for _ in prompts]


@dataclass(frozen=True)
class _Params:
    def as_dict(self) -> dict[str, Any]:
        return {"max_new_tokens": 16}


def _loaded(gen: _Scripted) -> LoadedGenerator:
    return LoadedGenerator(gen, "scripted", "3", _Params())


def _chat(n: int, conversation: str, text: str, product: str | None = "p-1") -> ChatMessage:
    return ChatMessage.model_validate_json(
        json.dumps({
            "event_id": f"e-{n}", "conversation_id": conversation, "message_id": f"m-{n}",
            "customer_id": "u-1", "text": text, "product_id": product, "sent_at": NOW,
        })
    )  # fmt: skip


def _update(n: int, product: str = "p-1", price: str = "39.90") -> ProductUpdate:
    return ProductUpdate.model_validate_json(
        json.dumps({
            "event_id": f"u-{n}", "product_id": product, "title": "Nordvolt 10000 mAh Power Bank",
            "category": "Power Banks", "attributes": {"capacity": "10000 mAh", "output": "30 W"},
            "price": price, "currency": "EUR", "updated_at": NOW,
        })
    )  # fmt: skip


def test_read_jsonl_numbers_lines_and_reports_invalid_ones(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    good = _update(1).model_dump_json()
    unknown = json.dumps({**json.loads(good), "event_id": "u-2", "stock": 4})
    negative = json.dumps({**json.loads(good), "price": "-3"})
    path.write_text(f'{good}\n\n{{"event_id": "x"\n{unknown}\n{negative}\n')
    records, invalid = read_jsonl(path, ProductUpdate)
    assert [(r.line, r.record.event_id) for r in records] == [(1, "u-1"), (4, "u-2")]
    assert [line.line for line in invalid] == [3, 5]
    assert "not JSON" in invalid[0].reason and "negative" in invalid[1].reason


def test_replies_keep_history_per_conversation_and_use_the_facts() -> None:
    gen = _Scripted("The Nordvolt 10000 mAh Power Bank has an output of 30 W.")
    messages = [
        _chat(1, "c-a", "What output does the power bank have?"),
        _chat(2, "c-b", "What capacity has the power bank?"),
        _chat(3, "c-a", "And its capacity?"),
    ]
    results = generate_offline(
        "reply", messages, _loaded(gen), PlatformPolicies(),
        facts=product_facts([_update(1)]), batch_size=8,
    )  # fmt: skip
    assert [r.event_id for r in results] == ["e-1", "e-2", "e-3"]
    assert [r.line for r in results] == [1, 2, 3]
    # The follow-up of conversation c-a was generated after its first exchange, with it.
    follow_up = json.dumps(gen.prompts[-1], ensure_ascii=False)
    assert "What output does the power bank have?" in follow_up
    assert "What capacity has the power bank?" not in follow_up
    assert "10000 mAh" in json.dumps(gen.prompts[0])
    for result in results:
        assert set(result.audit) == set(AUDIT_COLUMNS)
        assert result.model == "scripted@3"
        assert result.audit["task"] == "reply"
        assert result.audit["source_offset"] == result.line
        assert result.audit["published"] == result.published
        assert result.latency_ms == pytest.approx(250.0)
        json.dumps(result.as_json())  # every value is JSON


def test_history_carries_across_batches() -> None:
    gen = _Scripted("Sure.")
    messages = [_chat(1, "c-a", "What output does it have?"), _chat(2, "c-a", "And capacity?")]
    generate_offline(
        "reply", messages, _loaded(gen), PlatformPolicies(),
        facts=product_facts([_update(1)]), batch_size=1,
    )  # fmt: skip
    assert "What output does it have?" in json.dumps(gen.prompts[1])


def test_every_update_gets_its_description_even_when_one_product_repeats() -> None:
    gen = _Scripted("A compact power bank for phones and tablets.")
    updates = [Numbered(7, _update(1)), Numbered(9, _update(2, price="35.00"))]
    results = generate_offline("description", updates, _loaded(gen), PlatformPolicies())
    assert [(r.line, r.event_id) for r in results] == [(7, "u-1"), (9, "u-2")]
    assert "39.90 EUR" in results[0].published and "35.00 EUR" in results[1].published
    assert all(r.audit["task"] == "description" for r in results)
    assert all(set(r.as_json()) >= {"event_id", "published", "model_text", "verdict",
                                    "reasons", "fallback", "model", "latency_ms", "audit"}
               for r in results)  # fmt: skip


def test_records_of_the_wrong_task_are_refused() -> None:
    with pytest.raises(ShopstreamError, match="ChatMessage"):
        generate_offline("reply", [_update(1)], _loaded(_Scripted("x")), PlatformPolicies())
