"""Errors as data after intake: a failing event is dead-lettered with its stage, the rest go on."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from streams.delivery.intake import Decoded, Intake
from streams.delivery.sinks.deadletters import DeadLetterSink
from streams.delivery.sinks.kafka import OutMessage
from streams.delivery.stages import Delivery, Output
from streams.errors import ModelError
from streams.pipeline import ModelCalls, generation_stage
from streams.records import Review
from streams.tooling.sample_data import SampleShop
from tests.unit.fakes import MemoryTables, MemoryTopics, event


def _setup(topics: MemoryTopics, tables: MemoryTables) -> tuple[Intake, Delivery]:
    intake = Intake(DeadLetterSink(topics, "dlq", headroom_bytes=1_024))
    return intake, Delivery(topics, tables, intake)


def _reviews(intake: Intake, texts: list[str]) -> list[Decoded[Review]]:
    shop = SampleShop(seed=2)
    events = []
    for offset, text in enumerate(texts):
        review = shop.review()
        review["text"] = text
        events.append(event("shop.reviews", offset, review))
    return asyncio.run(intake.decode(events, Review))


def test_intake_dead_letters_decode_and_validate_failures_with_their_stage() -> None:
    topics, tables = MemoryTopics(), MemoryTables()
    intake, _ = _setup(topics, tables)
    review = SampleShop(seed=3).review()
    events = [
        event("shop.reviews", 0, b"[" * 50_000),
        event("shop.reviews", 1, {**review, "created_at": "1969-07-20T20:17:40Z"}),
        event("shop.reviews", 2, review),
        event("shop.reviews", 3, b'{"rating": ' + b"9" * 5_000 + b"}"),
    ]
    good = asyncio.run(intake.decode(events, Review))
    assert [item.source.offset for item in good] == [2]
    assert good[0].value == events[2].value
    letters = topics.letters()
    assert [(h["x-shopstream-source-offset"], h["x-shopstream-stage"]) for h in letters] == [
        ("0", "decode"),
        ("1", "validate"),
        ("3", "decode"),
    ]
    assert "max_depth" in letters[0]["x-shopstream-error-message"]
    assert "max_int_digits" in letters[2]["x-shopstream-error-message"]
    stored = topics.topics["dlq"]
    assert stored[1].value == events[1].value
    assert ("trace", b"t") in stored[1].headers


def test_a_model_failing_on_one_input_dead_letters_only_that_input() -> None:
    topics, tables = MemoryTopics(), MemoryTables()
    intake, delivery = _setup(topics, tables)
    items = _reviews(intake, ["fine", "poison", "also fine", "good"])

    async def model(batch: Sequence[Decoded[Review]]) -> list[str]:
        if any(item.record.text == "poison" for item in batch):
            raise RuntimeError("ORT kernel failed")
        return [item.record.text.upper() for item in batch]

    done = asyncio.run(delivery.run(items, model))
    assert [result for _, result in done] == ["FINE", "ALSO FINE", "GOOD"]
    [letter] = topics.letters()
    assert letter["x-shopstream-stage"] == "model"
    assert letter["x-shopstream-source-offset"] == "1"
    assert letter["x-shopstream-error-class"] == "RuntimeError"


def _outputs(items: list[Decoded[Review]]) -> list[Output[str]]:
    return [
        Output(
            item,
            item.record.text,
            OutMessage("out", None, item.record.text.encode()),
            (item.record.review_id, item.record.text),
        )
        for item in items
    ]


def test_records_and_rows_a_sink_refuses_dead_letter_their_events() -> None:
    topics, tables = MemoryTopics(refuse=b"huge"), MemoryTables(refuse_marker="odd")
    intake, delivery = _setup(topics, tables)
    items = _reviews(intake, ["a", "huge", "b", "odd", "huge and odd", "c"])
    delivered = asyncio.run(delivery.deliver(_outputs(items), "t", ("id", "text")))
    assert [o.payload for o in delivered] == ["a", "b", "c"]
    stages = {h["x-shopstream-source-offset"]: h["x-shopstream-stage"] for h in topics.letters()}
    # One letter per event; the publish stage wins when both sinks refuse it.
    assert stages == {"1": "publish", "3": "sink", "4": "publish"}
    assert len(topics.letters()) == 3


def test_an_output_that_cannot_be_built_is_dead_lettered() -> None:
    topics, tables = MemoryTopics(), MemoryTables()
    intake, delivery = _setup(topics, tables)
    items = _reviews(intake, ["a", "b"])

    def make(item: Decoded[Review], text: str) -> Output[str]:
        if text == "b":
            raise ValueError("cannot encode")
        return _outputs([item])[0]

    outputs = asyncio.run(delivery.build([(i, i.record.text) for i in items], make))
    assert [o.payload for o in outputs] == ["a"]
    assert [h["x-shopstream-stage"] for h in topics.letters()] == ["publish"]


class _Generator:
    model_sha256 = "abc"
    provider = "CPUExecutionProvider"

    def generate(self, prompts: Any, params: Any) -> list[Any]:
        raise IndexError("position ids past the context")


def test_generation_failures_are_the_models_and_the_rest_the_guards() -> None:
    wrapped = ModelCalls(_Generator())
    assert wrapped.model_sha256 == "abc"
    with pytest.raises(ModelError, match="IndexError") as caught:
        wrapped.generate(["p"], None)
    assert generation_stage(caught.value) == "model"
    assert generation_stage(KeyError("pii pattern")) == "guard"
