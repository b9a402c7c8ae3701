"""What the worker's consumer and agent streams are doing: for the stall log and /debug/flow."""

from __future__ import annotations

from typing import Any

import faust


def _tps(tps: Any) -> list[str]:
    return sorted(f"{tp.topic}/{tp.partition}" for tp in tps or ())


def _offsets(offsets: Any) -> dict[str, Any]:
    return {f"{tp.topic}/{tp.partition}": value for tp, value in dict(offsets or {}).items()}


def joined(app: faust.App) -> bool:
    """Whether the worker has joined its group and recovered its tables (not rebalancing)."""
    # The recovery service is on the concrete TableManager, not on its interface.
    tables: Any = app.tables
    recovery = getattr(tables, "recovery", None)
    recovered = recovery is not None and recovery.completed.is_set()
    return bool(recovered and not app.rebalancing and not app.in_recovery)


def snapshot(app: faust.App) -> dict[str, Any]:
    """Partitions (assigned, active, paused, buffered), offsets and each agent stream's queue.

    Reads Faust's consumer internals where it has no public accessor, defensively: a field
    that a Faust version lacks shows as null.
    """
    consumer = app.consumer
    streams = {}
    for name, agent in app.agents.items():
        for n, actor in enumerate(getattr(agent, "_actors", ())):
            stream = actor.stream
            queue = getattr(stream.channel, "queue", None)
            streams[f"{name}#{n}"] = {
                "queued": queue.qsize() if queue is not None else None,
                "draining": getattr(stream, "_passive", None),
                "stopped": stream.should_stop,
                "task_done": actor.actor_task.done() if actor.actor_task else None,
            }
    suspend_flow = getattr(consumer, "suspend_flow", None)
    fetcher = getattr(app, "_fetcher", None)
    fetcher_tasks = getattr(fetcher, "_futures", ())
    return {
        "fetcher": getattr(fetcher, "state", None),
        "fetcher_tasks_running": sum(not task.done() for task in fetcher_tasks),
        "generation": app.consumer_generation_id,
        "rebalancing": app.rebalancing,
        "in_recovery": app.in_recovery,
        "flow_control_suspended": not app.flow_control.is_active(),
        "consumer_flow_active": getattr(consumer, "flow_active", None),
        "consumer_flow_suspended": suspend_flow.is_set() if suspend_flow is not None else None,
        "unacked": len(getattr(consumer, "_unacked_messages", ())),
        "assigned": _tps(consumer.assignment()),
        "paused": _tps(getattr(consumer, "_paused_partitions", ())),
        "buffered": _tps(getattr(consumer, "_buffered_partitions", ())),
        "read_offsets": _offsets(getattr(consumer, "_read_offset", None)),
        "committed_offsets": _offsets(getattr(consumer, "_committed_offset", None)),
        "streams": streams,
    }
