"""Finding the items that make a batch call fail, by splitting the batch in halves.

Batched calls (a model over a micro-batch, an INSERT of many rows, a publish of many records)
fail as a whole when one item is bad. :func:`bisect` makes the one call on the whole batch
and, only when that raises an error the caller attributes to items, calls each half again,
down to single items. Items that fail alone are returned as :class:`Failed`, the others with
their results. With ``k`` bad items in ``n`` the extra calls are about ``2 k log2 n``; a
batch that succeeds costs exactly one call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Failed(Generic[T]):
    """An item that fails on its own, with the error of its single-item call."""

    item: T
    error: BaseException


@dataclass(frozen=True)
class Split(Generic[T, R]):
    """The items that succeeded with their results (in input order), and those that failed."""

    done: list[tuple[T, R]]
    failed: list[Failed[T]]


def _is_any(exc: BaseException) -> bool:
    return isinstance(exc, Exception)


async def bisect(
    items: Sequence[T],
    call: Callable[[Sequence[T]], Awaitable[Sequence[R]]],
    item_fault: Callable[[BaseException], bool] = _is_any,
) -> Split[T, R]:
    """Run ``call`` on ``items``; on an item fault, find the items that fail alone.

    Args:
        items: The batch.
        call: Processes a sub-batch and returns one result per item, in order. Retriable
            failures should be retried inside it; whatever it raises is either an item fault
            or propagates.
        item_fault: Whether an error may be caused by the items (then the batch is split);
            other errors propagate to the caller unchanged.

    Returns:
        The items that succeeded with their results, and the items that fail on their own.
    """
    done: list[tuple[T, R]] = []
    failed: list[Failed[T]] = []
    # An explicit stack of sub-batches instead of recursion; popped in input order.
    pending: list[Sequence[T]] = [items] if items else []
    while pending:
        batch = pending.pop()
        try:
            results = await call(batch)
        except Exception as exc:
            if not item_fault(exc):
                raise
            if len(batch) == 1:
                failed.append(Failed(batch[0], exc))
                continue
            middle = len(batch) // 2
            pending.extend((batch[middle:], batch[:middle]))
            continue
        if len(results) != len(batch):
            msg = f"batch call returned {len(results)} results for {len(batch)} items"
            raise ValueError(msg)
        done.extend(zip(batch, results, strict=True))
    return Split(done, failed)
