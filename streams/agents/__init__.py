"""One agent per file: decode, call the model service, hand results to the sinks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import faust

from streams.pipeline import Pipeline


async def micro_batches(
    stream: faust.StreamT[Any], max_events: int, within_s: float, pipeline: Pipeline
) -> AsyncIterator[Sequence[Any]]:
    """Events in batches of up to ``max_events`` or ``within_s`` seconds.

    Faust acknowledges a batch's events only when the agent asks for the next batch, so
    offsets are committed after the agent made the batch's results durable. Records the
    consumer skipped inside a partition are read back into the batch (streams.delivery.gaps). The
    watchdog sees each batch as work in progress until the agent asks for the next one.
    """
    # take_events is on the concrete Stream, not on the StreamT interface.
    batches = cast(faust.Stream[Any], stream).take_events(max_events, within=within_s)
    async for batch in batches:
        with pipeline.progress.working():
            yield await pipeline.gaps.complete(batch)
