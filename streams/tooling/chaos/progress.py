"""What a scenario looks like while it runs: sampled progress, faults and readiness.

A :class:`Sampler` thread reads, about once a second, the consumer group's committed offsets
and the end offsets of the input topics (committed offsets move only once results are
durable, so they are the pipeline's progress) and every worker's ``/ready``. The harness
records faults as spans and kills as marks on the same clock. :func:`longest_stall` reads the
samples afterwards.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from confluent_kafka import Consumer, KafkaException, TopicPartition

from streams.kafka_config import confluent_config
from streams.settings import Settings
from streams.tooling.chaos.fleet import Probe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    """One reading: seconds since the scenario began, offsets (None while unreadable)."""

    t: float
    committed: int | None
    end: int | None
    probes: tuple[Probe, ...]

    @property
    def working(self) -> bool:
        """Whether a worker had a batch in progress (work that no commit shows yet)."""
        return any(p.busy_batches > 0 for p in self.probes)

    @property
    def pending(self) -> int | None:
        """Input not yet committed."""
        if self.committed is None or self.end is None:
            return None
        return max(self.end - self.committed, 0)


@dataclass
class Timeline:
    """A scenario's clock, its samples, fault spans and instant marks."""

    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    spans: list[tuple[float, float, str]] = field(default_factory=list)
    marks: list[tuple[float, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def now(self) -> float:
        """Seconds since the scenario began."""
        return time.monotonic() - self.started

    def mark(self, label: str) -> None:
        """An instant event (a kill)."""
        with self._lock:
            self.marks.append((self.now(), label))

    def span(self, start: float, label: str) -> None:
        """A fault that lasted from ``start`` until now."""
        with self._lock:
            self.spans.append((start, self.now(), label))

    def add(self, sample: Sample) -> None:
        with self._lock:
            self.samples.append(sample)

    def cleared_at(self) -> float:
        """When the last fault ended (its last span or mark); 0 with none."""
        ends = [end for _, end, _ in self.spans] + [t for t, _ in self.marks]
        return max(ends, default=0.0)


class OffsetReader:
    """Committed and end offsets of a consumer group's input topics.

    The consumer never subscribes, so it does not join the group it reads.
    """

    def __init__(self, settings: Settings, topics: Sequence[str], group: str) -> None:
        config = confluent_config(settings.kafka, **{"group.id": group})
        self._consumer = Consumer({**config, "enable.auto.commit": False})
        self._topics = list(topics)
        self._partitions: list[TopicPartition] = []

    def _tps(self) -> list[TopicPartition]:
        if not self._partitions:
            for topic in self._topics:
                metadata = self._consumer.list_topics(topic, timeout=2)
                self._partitions += [
                    TopicPartition(topic, p) for p in metadata.topics[topic].partitions
                ]
        return self._partitions

    def read(self) -> tuple[int, int]:
        """(committed, end) summed over the partitions (a partition never committed: its start).

        Raises:
            KafkaException: the broker did not answer.
        """
        committed = end = 0
        tps = self._tps()
        for tp in self._consumer.committed(tps, timeout=2):
            low, high = self._consumer.get_watermark_offsets(tp, timeout=2)
            committed += tp.offset if tp.offset >= 0 else low
            end += high
        return committed, end

    def close(self) -> None:
        self._consumer.close()


class Sampler:
    """Samples offsets and readiness into a timeline from a background thread."""

    def __init__(
        self,
        timeline: Timeline,
        reader: OffsetReader,
        probes: Callable[[], list[Probe]],
        interval_s: float = 1.0,
    ) -> None:
        self.timeline = timeline
        self.reader = reader
        self.probes = probes
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="chaos-sampler", daemon=True)

    def start(self) -> Sampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            t = self.timeline.now()
            try:
                committed, end = self.reader.read()
                offsets: tuple[int | None, int | None] = (committed, end)
            except (KafkaException, KeyError) as exc:
                log.debug("chaos.sample_offsets_failed error=%s", exc)
                offsets = (None, None)
            self.timeline.add(Sample(t, *offsets, probes=tuple(self.probes())))
            self._stop.wait(max(0.0, self.interval_s - (self.timeline.now() - t)))

    def last(self) -> Sample | None:
        """The latest sample with readable offsets."""
        readable = [s for s in self.timeline.samples if s.pending is not None]
        return readable[-1] if readable else None

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.reader.close()


def longest_stall(samples: Sequence[Sample], since: float, work_counts: bool = True) -> float:
    """Longest time after ``since`` with input pending, the committed offsets unmoved and no work.

    A sample whose offsets could not be read counts as no progress: an unreachable broker
    after the fault has cleared is a stall too. With ``work_counts``, a sample in which a
    worker reports a batch in progress counts as progress, as in the worker's own watchdog:
    one generation batch can take longer than any bound fit for commits.
    """
    longest = 0.0
    progress_at = since
    previous: int | None = None
    for sample in samples:
        if sample.t < since:
            previous = sample.committed if sample.committed is not None else previous
            continue
        moved = (
            sample.committed is not None and previous is not None and sample.committed > previous
        )
        if sample.pending == 0 or moved or (work_counts and sample.working):
            progress_at = sample.t
        elif sample.pending is None or sample.pending > 0:
            longest = max(longest, sample.t - progress_at)
        if sample.committed is not None:
            previous = sample.committed
    return longest
