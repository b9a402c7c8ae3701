"""What the worker runtime relies on in faust-streaming and mode: fails when upstream changes.

streams.runtime.liveness, streams.runtime.lifecycle and streams.runtime.watchdog use Faust's
extension points (the ``agent_supervisor`` setting, ``Service.on_stop``) and one private field with
no public accessor. Each test names the upstream behaviour it pins; a failure here means re-reading
that code in the new version before trusting the runtime on it.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

import faust
import mode
from faust.agents.agent import Agent
from faust.transport.consumer import Consumer
from mode.services import Service


def test_the_pinned_versions() -> None:
    assert faust.__version__ == "0.15.3"
    assert version("mode-streaming").startswith("0.7.")


def test_an_actor_that_raises_is_handed_to_the_agent_supervisor() -> None:
    # streams.runtime.liveness: a crashed actor reaches the strategy's restart_services.
    source = inspect.getsource(Agent._execute_actor)
    assert "await aref.crash(exc)" in source
    assert "self.supervisor.wakeup()" in source
    strategy = inspect.getsource(Agent._get_supervisor_strategy)
    assert "self.app.conf.agent_supervisor" in strategy
    loop = inspect.getsource(mode.SupervisorStrategy._supervisor.fun)
    assert "self.service_operational(service)" in loop
    assert "await self.restart_services(to_restart)" in loop


def test_a_stop_runs_on_stop_before_the_children_stop() -> None:
    # streams.runtime.lifecycle arms its deadline in the worker's on_stop, ahead of the app's stop.
    source = inspect.getsource(Service.stop)
    assert source.index("await self.on_stop()") < source.index("await self._stop_children()")


def test_the_consumer_keeps_its_committed_offsets_in_a_mapping() -> None:
    # streams.runtime.watchdog reads Consumer._committed_offset: offsets Faust has committed, by TP,
    # in Kafka's convention (the next offset to read).
    assert "_committed_offset" in Consumer.__annotations__
    commit = inspect.getsource(Consumer._commit_offsets)
    assert "self._committed_offset.update(committable_offsets)" in commit
    new_offset = inspect.getsource(Consumer._new_offset)
    assert "the return value will be: 10" in new_offset


def test_the_commit_guard_sees_every_delivered_record_until_it_is_acked() -> None:
    # streams.delivery.commit_guard reads Consumer._unacked_messages: the conductor tracks
    # each record before a stream gets it, and an ack takes it out.
    track = inspect.getsource(Consumer.track_message)
    assert "self._unacked_messages.add(message)" in track
    ack = inspect.getsource(Consumer.ack)
    assert "self._unacked_messages.discard(message)" in ack
    assert "message.acked = True" in ack
    # The defect it guards against (faust-streaming #606): a run of acked offsets one above
    # the committed offset is committed past the record between them.
    new_offset = inspect.getsource(Consumer._new_offset)
    assert "if min(acked) - committed_offset > 1:" in new_offset


def test_the_transport_builds_its_consumer_from_its_class_attribute() -> None:
    # streams.delivery.commit_guard.GuardedTransport swaps the consumer class through this
    # attribute.
    from faust.transport.base import Transport

    assert "self.Consumer(" in inspect.getsource(Transport.create_consumer)


def test_the_fetcher_drops_records_below_the_read_offset_that_a_seek_sets() -> None:
    # streams.delivery.resync: the drain loop discards a fetched record below the read offset,
    # moves the read offset even when flow was suspended before the record was delivered
    # (faust-streaming #596), and a seek sets the read offset to the offset sought.
    drain = inspect.getsource(Consumer._drain_messages)
    assert "if r_offset is None or offset >= r_offset:" in drain
    assert "callback(message), self.suspend_flow.wait()" in drain
    assert drain.index("self.suspend_flow.wait()") < drain.index("set_read_offset(tp, offset)")
    seek = inspect.getsource(Consumer.seek)
    assert "self._read_offset[ensure_TP(partition)] = offset if offset else None" in seek
    commit = inspect.getsource(Consumer.commit)
    assert "self._commit_fut = asyncio.Future(" in commit


def test_offsets_in_the_gap_intervals_are_committed_past_once_an_acked_offset_lies_above() -> None:
    # streams.delivery.gaps adds the offsets it read back to Consumer._gap (an IntervalTree per
    # TP); _new_offset merges the intervals below the highest acked offset into the acked run.
    assert "_gap" in Consumer.__annotations__
    new_offset = inspect.getsource(Consumer._new_offset)
    assert "candidates = gap_for_tp.overlap(0, max_offset)" in new_offset
    assert "acked.extend(stuff_to_add)" in new_offset
