"""A bounded, deterministic sample of a window's reviews, kept as Kafka coordinates.

The alert state holds where reviews can be read back (topic, partition, offset), never
their text, so no customer text sits in the window table or its changelog. The sample is a
bottom-k sample: the ``k`` reviews whose event-id hash is smallest. It is uniform over the
window whatever its length, and the same reviews give the same sample in any arrival order,
so a replay reads back the same texts.
"""

from __future__ import annotations

import bisect
import hashlib
from typing import NamedTuple

from streams.records import SourceRef

SAMPLE_SIZE = 50
"""Reviews kept per window and group (negative, other): what one alert reads back."""


class ReviewRef(NamedTuple):
    """Where one sampled review lies, ordered by its sampling priority.

    A named tuple rather than a dataclass: the sample is searched and ordered for every
    result the alerts agent folds, and tuples compare several times faster.
    """

    priority: int
    topic: str
    partition: int
    offset: int

    def to_list(self) -> list[int | str]:
        return [self.priority, self.topic, self.partition, self.offset]

    @classmethod
    def from_list(cls, data: list[int | str]) -> ReviewRef:
        priority, topic, partition, offset = data
        return cls(int(priority), str(topic), int(partition), int(offset))

    @classmethod
    def of(cls, source: SourceRef) -> ReviewRef:
        """The reference to a review, its priority hashed from the review's event id."""
        digest = hashlib.sha256(source.event_id.encode()).digest()
        return cls(int.from_bytes(digest[:8], "big"), source.topic, source.partition, source.offset)


def add(
    sample: tuple[ReviewRef, ...], ref: ReviewRef, k: int = SAMPLE_SIZE
) -> tuple[ReviewRef, ...]:
    """The sample with ``ref`` offered to it (sorted by priority, at most ``k`` entries)."""
    if len(sample) >= k and ref >= sample[-1]:
        return sample
    at = bisect.bisect_left(sample, ref)
    if at < len(sample) and sample[at] == ref:
        return sample
    return (*sample[:at], ref, *sample[at:])[:k]
