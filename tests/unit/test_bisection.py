"""Bisecting a failing batch finds exactly the items that fail alone, with few extra calls."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from streams.delivery.bisection import bisect


class _Model:
    """A batch call that raises when any of its items is in ``bad``; counts its calls."""

    def __init__(self, bad: set[int]) -> None:
        self.bad = bad
        self.calls = 0

    async def __call__(self, batch: Sequence[int]) -> list[int]:
        self.calls += 1
        poisoned = self.bad.intersection(batch)
        if poisoned:
            raise ValueError(f"cannot process {sorted(poisoned)}")
        return [item * 10 for item in batch]


def test_a_batch_that_succeeds_costs_one_call() -> None:
    model = _Model(bad=set())
    split = asyncio.run(bisect(list(range(64)), model))
    assert model.calls == 1
    assert split.done == [(i, i * 10) for i in range(64)]
    assert split.failed == []


@pytest.mark.parametrize(
    ("size", "bad"), [(1, {0}), (64, {17}), (64, {0, 63}), (7, {1, 2, 3}), (33, set(range(33)))]
)
def test_only_the_bad_items_fail_and_the_rest_keep_their_order(size: int, bad: set[int]) -> None:
    model = _Model(bad)
    split = asyncio.run(bisect(list(range(size)), model))
    assert [f.item for f in split.failed] == sorted(bad)
    assert all(isinstance(f.error, ValueError) for f in split.failed)
    good = [i for i in range(size) if i not in bad]
    assert split.done == [(i, i * 10) for i in good]


def test_one_bad_item_costs_about_two_calls_per_halving() -> None:
    model = _Model(bad={40})
    asyncio.run(bisect(list(range(64)), model))
    assert model.calls <= 1 + 2 * 6


def test_errors_that_are_not_the_items_fault_propagate() -> None:
    async def down(batch: Sequence[int]) -> list[int]:
        raise ConnectionError("server unavailable")

    def item_fault(exc: BaseException) -> bool:
        return not isinstance(exc, ConnectionError)

    with pytest.raises(ConnectionError):
        asyncio.run(bisect([1, 2, 3], down, item_fault))


def test_a_call_returning_the_wrong_number_of_results_is_refused() -> None:
    async def short(batch: Sequence[int]) -> list[int]:
        return list(batch)[:-1]

    with pytest.raises(ValueError, match="2 results for 3 items"):
        asyncio.run(bisect([1, 2, 3], short, lambda exc: False))
