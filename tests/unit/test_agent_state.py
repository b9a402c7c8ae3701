"""State after durability: table entries are written only once their outputs are durable."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from streams.agents import alerts as alerts_agent
from streams.agents import products as products_agent
from streams.alerting import WindowState, fold
from streams.delivery.codec import decode
from streams.delivery.intake import Decoded
from streams.generation.descriptions import facts_of
from streams.records import ProductUpdate, SentimentAlert, SentimentResult, SourceRef
from streams.settings import AlertSettings
from streams.tooling.sample_data import SampleShop
from streams.window_sample import ReviewRef

SETTINGS = AlertSettings(window_s=300, min_reviews=3, negative_share=0.5, baseline_margin=0.2)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class _NoTexts:
    """A review store that holds nothing: alerts go out without phrases."""

    def read(self, refs: Sequence[ReviewRef]) -> dict[ReviewRef, str]:
        return {}


class _Table:
    """A dict with the table's put signature; records every write with its partition."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = dict(data or {})
        self.writes: list[tuple[str, int]] = []

    def get(self, key: str) -> Any:
        return self.data.get(key)

    def put(self, key: str, value: Any, partition: int) -> None:
        self.data[key] = value
        self.writes.append((key, partition))


def _results(labels: list[str], product: str = "p1", partition: int = 2) -> list[Any]:
    out = []
    for n, label in enumerate(labels):
        record = SentimentResult(
            result_id=f"r{n}",
            review_id=f"r{n}",
            product_id=product,
            label=label,  # type: ignore[arg-type]
            score=0.9,
            probabilities={label: 0.9},
            model="m",
            model_version="1",
            source=SourceRef(topic="s", partition=partition, offset=n, event_id=f"e{n}"),
            review_created_at=T0 + timedelta(seconds=n),
        )
        out.append(Decoded(record, record.source, product.encode(), 0.0))
    return out


def test_fold_reads_each_product_once_and_writes_nothing() -> None:
    reads: list[str] = []

    def read(product_id: str) -> dict[str, Any] | None:
        reads.append(product_id)
        return None

    items = _results(["negative"] * 4) + _results(["positive"], product="p2")
    states, raised = fold(read, items, SETTINGS)
    assert reads == ["p1", "p2"]
    assert states["p1"][0].reviews == 4
    assert states["p1"][0].alerted
    assert states["p1"][1] == 2
    assert [r.alert.product_id for r in raised] == ["p1"]
    assert raised[0].item is items[2]
    assert len(raised[0].negatives) == 3


def test_window_state_is_written_only_after_the_alert_is_delivered() -> None:
    table = _Table()
    seen_at_delivery: list[dict[str, Any]] = []

    async def deliver(alerts: Sequence[tuple[Any, SentimentAlert]]) -> None:
        seen_at_delivery.append(dict(table.data))
        await asyncio.sleep(0)

    asyncio.run(
        alerts_agent.apply_batch(_results(["negative"] * 3), table, deliver, SETTINGS, _NoTexts())
    )
    assert seen_at_delivery == [{}]
    state = WindowState.from_dict(table.data["p1"])
    assert state.alerted
    assert state.reviews == 3
    assert table.writes == [("p1", 2)]


def test_a_delivery_that_does_not_return_leaves_the_window_state_unwritten() -> None:
    table = _Table()

    async def broken(alerts: Sequence[tuple[Any, SentimentAlert]]) -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(
            alerts_agent.apply_batch(
                _results(["negative"] * 3), table, broken, SETTINGS, _NoTexts()
            )
        )
    assert table.data == {}


def _updates(n: int) -> list[Decoded[ProductUpdate]]:
    shop = SampleShop(seed=9)
    out = []
    for i in range(n):
        _, raw = shop.event("product")
        raw["product_id"] = f"p{i}"
        record = decode(ProductUpdate, json.dumps(raw).encode())
        source = SourceRef(topic="u", partition=i % 2, offset=i, event_id=record.event_id)
        out.append(Decoded(record, source, record.product_id.encode(), 0.0))
    return out


def test_facts_are_stored_only_after_their_description_is_durable() -> None:
    updates = _updates(3)
    # p0's facts are unchanged: no description, stored at once.
    table = _Table({"p0": facts_of(updates[0].record).model_dump(mode="json")})
    table.writes.clear()
    asked: list[list[str]] = []

    async def describe(changed: Sequence[Decoded[ProductUpdate]]) -> list[Decoded[ProductUpdate]]:
        asked.append([item.record.product_id for item in changed])
        assert "p1" not in table.data and "p2" not in table.data
        # p2's description was dead-lettered: it is not returned as durable.
        return [item for item in changed if item.record.product_id == "p1"]

    asyncio.run(products_agent.apply_batch(updates, table, describe))
    assert asked == [["p1", "p2"]]
    assert sorted(table.data) == ["p0", "p1"]
    assert sorted(table.writes) == [("p0", 0), ("p1", 1)]


def test_unreadable_stored_facts_mean_the_product_is_described_again() -> None:
    [update] = _updates(1)
    table = _Table({"p0": {"shape": "from an older version"}})
    assert products_agent.needs_description(update, table)
