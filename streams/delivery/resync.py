"""Reading again the records a consumer dropped, which every later commit waits for.

faust-streaming 0.15.3 (faust-streaming #596) can drop records it fetched around a
rebalance: the table recovery resumes the input partitions before it seeks them to the
committed offsets, a fetch that began before the seek goes on delivering after it, streams
skip records stamped with an older generation, and the stream queues are cleared at the next
rebalance. Each drop still moves the consumer's read offset (the last offset it delivered), so
the copies fetched again after the seek are taken for duplicates and discarded. When the
record at the committed offset is one of them, the partition keeps that committed offset for
good: every later commit waits for a record that no stream holds and nothing will ack. Records
fetched and then dropped before the drain loop saw them (a fetch cut short by a generation
change) leave the fetch position past them instead, with the same end.

That state cannot arise while nothing was lost, since a record a stream takes stays in flight
until it is acked and acked offsets stay until they are committed (a commit that raised leaves
the same state, and reading those records again is right then too). :func:`dropped_from`
recognises it; :class:`streams.delivery.commit_guard.GuardedConsumer` looks for it every few
seconds while no batch is in progress and, on its second sighting, seeks the partition back
to its committed offset, so the dropped records are fetched and delivered again within
seconds, not after a stall restart. Records read again that were already acked are processed
twice; output ids are deterministic, so they overwrite.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from faust.types import TP


def dropped_from(
    read: int | None,
    committed: int | None,
    end: int | None,
    held: Collection[int],
    acked: Collection[int],
) -> int | None:
    """Return the offset to read again from when a partition's next record will never come.

    The record at the committed offset is the one every later commit waits for. It will
    never be acked when the consumer delivered it (its read offset is past it) but neither
    holds it in flight nor has it acked; nor when it lies on the broker (the end offset is
    past it) while the consumer delivers nothing from there, its fetch position having moved
    past records it dropped before delivering them. The caller looks twice, some seconds
    apart and with no batch in progress, before it trusts the second case.

    Args:
        read: The consumer's read offset: the last offset it delivered, or after a seek the
            offset it sought to. ``None`` before either.
        committed: The partition's committed offset (the next to read), or its earliest
            offset when nothing was committed yet.
        end: The partition's end offset as last fetched (its high watermark), if known.
        held: Offsets of the partition's records delivered and not yet acked.
        acked: Offsets of the partition acked and waiting to be committed.

    Returns:
        ``committed`` when the record there will not come by itself; ``None`` otherwise.
    """
    if committed is None or committed in held or committed in acked:
        return None
    if read is not None and read > committed:
        return committed
    waiting = end is not None and end > committed
    return committed if waiting else None


@dataclass
class Sightings:
    """Drops seen at consecutive checks: a partition is sought back only on its second sighting.

    A record being handed over between two checks can make one check see a drop that is not
    one; the same committed offset found dropped at two checks in a row cannot.
    """

    _last: dict[TP, int] = field(default_factory=dict)

    def confirmed(
        self, seen: Mapping[TP, tuple[int | None, int]]
    ) -> list[tuple[TP, int | None, int]]:
        """Record this check's drops ``{tp: (read, committed)}``; return those seen last time too.

        Returns:
            ``(tp, read, committed)`` for each partition to seek back to ``committed``.
        """
        repeat = [(tp, read, committed) for tp, (read, committed) in seen.items()
                  if self._last.get(tp) == committed]  # fmt: skip
        self._last = {tp: committed for tp, (_, committed) in seen.items()}
        return repeat

    def clear(self) -> None:
        """Forget earlier sightings (a rebalance moves every offset)."""
        self._last.clear()
