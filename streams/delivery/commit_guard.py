"""A Kafka consumer that never commits past a record it delivered and has not seen acked.

faust-streaming 0.15.3 (faust-streaming #606) commits the longest run of consecutive acked
offsets and refuses only when the run starts more than one offset above the committed one:
a record delivered to a stream but not yet acked, sitting just below an acked one at a batch
boundary, is committed past, and lost if the worker dies before it is processed. Upstream
cannot tell such a record from an offset with no record (a transaction marker), so it allows
a one-offset hole. The consumer knows better: every record it hands to a stream stays in its
set of unacked messages until acked. :class:`GuardedConsumer` refuses a commit while any
such record of the partition lies below the acked run, and otherwise commits as upstream
does. It also reads again the records of a partition it dropped (faust-streaming #596,
streams.delivery.resync): every ``resync_interval_s`` it looks for a partition whose record at
the committed offset was delivered but is neither in flight nor acked, or lies on the broker
while nothing is delivered, and on the second sighting in a row with no batch in progress
seeks it back to the committed offset.
:class:`GuardedTransport` is the aiokafka transport with that consumer; the app installs it
through ``App.transport`` (streams.app). ``tests/unit/test_faust_contract.py`` pins the
upstream code this relies on; the gap repair (streams.delivery.gaps) and the watchdog stay as
defences.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import ClassVar

from faust.transport.drivers import aiokafka
from faust.types import TP, ConsumerT
from mode import Service

from streams import metrics
from streams.delivery.resync import Sightings, dropped_from

log = logging.getLogger(__name__)

# The app attribute through which the worker tells its consumer whether a batch is in
# progress: records a batch holds outside Faust's bookkeeping (those the gap repair read
# back) must not be taken for dropped ones.
_WORK_PROBE = "shopstream_batches_in_progress"


def install_work_probe(app: object, batches_in_progress: Callable[[], int]) -> None:
    """Let the app's consumer ask how many batches are in progress before it seeks back."""
    setattr(app, _WORK_PROBE, batches_in_progress)


def lowest_pending(offsets: list[int], acked: list[int], committed: int | None) -> int | None:
    """Return the lowest delivered-but-unacked offset below every acked one, if any.

    Args:
        offsets: Offsets of the partition's records delivered and not yet acked.
        acked: The partition's acked offsets waiting to be committed.
        committed: The partition's committed offset (the next to read), if any: records
            below it were committed already and hold nothing back.

    Returns:
        That offset; ``None`` when no pending record lies below the acked ones (or nothing
        is acked), so a commit of the acked run loses nothing.
    """
    live = [o for o in offsets if committed is None or o >= committed]
    if not live or not acked:
        return None
    lowest = min(live)
    return lowest if lowest < min(acked) else None


class GuardedConsumer(aiokafka.Consumer):
    """The aiokafka consumer whose commits never pass a delivered, unacked record.

    It also seeks back a partition whose records it dropped (see the module docstring), only
    while no batch is in progress (:func:`install_work_probe`).
    """

    resync_interval_s: ClassVar[float] = 2.0

    def _new_offset(self, tp: TP) -> int | None:
        pending = [m.offset for m in list(self._unacked_messages) if m.tp == tp and not m.acked]
        if lowest_pending(pending, self._acked[tp], self._committed_offset[tp]) is not None:
            # The acked run starts above a record still being processed: commit nothing
            # until it is acked (upstream's state is left untouched for that later call).
            return None
        result: int | None = super()._new_offset(tp)
        return result

    @Service.task
    async def _resync_dropped(self) -> None:
        sightings = Sightings()
        await self.sleep(self.resync_interval_s)
        async for _ in self.itertimer(self.resync_interval_s, name="resync"):
            if not self.may_resync():
                sightings.clear()
                continue
            for tp, read, committed in sightings.confirmed(await self.dropped()):
                log.warning(
                    "consumer.resync topic=%s partition=%d committed=%d read=%s: reading again "
                    "records the consumer dropped", tp.topic, tp.partition, committed, read,
                )  # fmt: skip
                metrics.CONSUMER_RESYNCS.labels(topic=tp.topic).inc()
                await self.seek(tp, committed)

    def may_resync(self) -> bool:
        """Whether offsets stand still now: no rebalance, flow on, no commit or batch under way."""
        busy: Callable[[], int] | None = getattr(self.app, _WORK_PROBE, None)
        return not (
            self.app.rebalancing
            or not self.flow_active
            or self._commit_fut is not None
            or (busy is not None and busy() > 0)
        )

    async def dropped(self) -> dict[TP, tuple[int | None, int]]:
        """``{tp: (read, committed)}`` of each flowing input partition with records dropped."""
        held: dict[TP, set[int]] = {}
        for message in list(self._unacked_messages):
            if not message.acked:
                held.setdefault(message.tp, set()).add(message.offset)
        found: dict[TP, tuple[int | None, int]] = {}
        for tp in self.assignment():
            read = self._read_offset.get(tp)
            if tp in self._paused_partitions or not self.app.topics.acks_enabled_for(tp.topic):
                continue
            committed = self._committed_offset.get(tp)
            if committed is None:
                committed = (await self.earliest_offsets(tp)).get(tp)
            acked = self._acked.get(tp) or ()
            start = dropped_from(read, committed, self.highwater(tp), held.get(tp, set()), acked)
            if start is not None:
                found[tp] = (read, start)
        return found


class GuardedTransport(aiokafka.Transport):
    """The aiokafka transport, with :class:`GuardedConsumer`."""

    Consumer: ClassVar[type[ConsumerT]] = GuardedConsumer
