"""One agent per file: decode, call the model service, hand results to the sinks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any, cast

import faust


def micro_batches(
    stream: faust.StreamT[Any], max_events: int, within_s: float
) -> AsyncIterator[Sequence[Any]]:
    """Events in batches of up to ``max_events`` or ``within_s`` seconds.

    Faust acknowledges a batch's events only when the agent asks for the next batch, so
    offsets are committed after the agent made the batch's results durable.
    """
    # take_events is on the concrete Stream, not on the StreamT interface.
    return cast(faust.Stream[Any], stream).take_events(max_events, within=within_s)
