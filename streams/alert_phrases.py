"""Phrases for raised alerts: read the sampled reviews back, redact them, rank their n-grams.

This runs in the alerts agent only when a window raises its alert, never on the sentiment
path. The sampled reviews are read back from the input topic by their coordinates
(:class:`KafkaReviewTexts`), redacted, and compared with the window's other reviews
(:func:`streams.phrases.top_phrases`). Texts live only in memory while the phrases are
computed. When the reviews cannot be read back (retention, an outage) the alert still goes
out, without phrases, and a log line says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from confluent_kafka import Consumer, KafkaException, TopicPartition

from streams.alerting import Raised
from streams.delivery.codec import decode
from streams.delivery.intake import Decoded
from streams.errors import DecodeError
from streams.kafka_config import poll_record, reader_config
from streams.phrases import top_phrases
from streams.privacy.pii import redact
from streams.records import Review, SentimentAlert, SentimentResult
from streams.sentiment import review_text
from streams.settings import KafkaSettings
from streams.window_sample import ReviewRef

log = logging.getLogger(__name__)

# Past this distance between two wanted offsets the reader seeks instead of reading through.
_SEEK_AFTER = 256


class ReviewTexts(Protocol):
    """Reads the redacted texts of reviews from where they lie."""

    def read(self, refs: Sequence[ReviewRef]) -> Mapping[ReviewRef, str]:
        """The redacted text of each review found (those not found are left out)."""
        ...


def redacted_text(raw: bytes | None) -> str | None:
    """The redacted model text (title and body) of a review event, or None if it is invalid."""
    try:
        review = decode(Review, raw)
    except DecodeError:
        return None
    return redact(review_text(review)).text


class KafkaReviewTexts:
    """Reads reviews back from Kafka by coordinates, with a consumer opened per call."""

    def __init__(self, kafka: KafkaSettings, timeout_s: float = 15.0) -> None:
        self._kafka = kafka
        self._timeout_s = timeout_s

    def read(self, refs: Sequence[ReviewRef]) -> dict[ReviewRef, str]:
        """The redacted text of each review found within the time limit."""
        wanted: dict[tuple[str, int], dict[int, ReviewRef]] = defaultdict(dict)
        for ref in refs:
            wanted[(ref.topic, ref.partition)][ref.offset] = ref
        if not wanted:
            return {}
        found: dict[ReviewRef, str] = {}
        eof = {"enable.partition.eof": True}
        consumer = Consumer(reader_config(self._kafka, "alert-texts", **eof))
        deadline = time.monotonic() + self._timeout_s
        try:
            for (topic, partition), by_offset in sorted(wanted.items()):
                self._read_partition(consumer, topic, partition, by_offset, found, deadline)
        finally:
            consumer.close()
        return found

    def _read_partition(
        self,
        consumer: Consumer,
        topic: str,
        partition: int,
        by_offset: dict[int, ReviewRef],
        found: dict[ReviewRef, str],
        deadline: float,
    ) -> None:
        pending = sorted(by_offset)
        position: int | None = None
        floor = 0
        while pending and time.monotonic() < deadline:
            target = pending[0]
            if position is None or target - position > _SEEK_AFTER:
                consumer.assign([TopicPartition(topic, partition, target)])
                position = floor = target
            message, at_end = poll_record(consumer, topic, partition, "alert")
            if at_end:
                break
            if message is None:
                continue
            offset = message.offset() or 0
            if offset < floor:
                continue  # fetched before the last seek
            position = offset + 1
            if offset in by_offset:
                text = redacted_text(message.value())
                if text is not None:
                    found[by_offset[offset]] = text
            # Offsets in between hold other products' reviews; a wanted offset passed over
            # without a record was compacted away.
            pending = [o for o in pending if o > offset]
        consumer.unassign()


def _texts(refs: Iterable[ReviewRef], texts: Mapping[ReviewRef, str]) -> list[str]:
    # In priority order, so the phrases do not depend on how the reader returned them.
    return [texts[ref] for ref in sorted(refs) if ref in texts]


def phrases_for(raised: Raised, texts: Mapping[ReviewRef, str]) -> tuple[str, ...]:
    """The key phrases of one raised alert's negative reviews against its other reviews."""
    return top_phrases(_texts(raised.negatives, texts), _texts(raised.others, texts))


def _read_all(reader: ReviewTexts, refs: list[ReviewRef]) -> Mapping[ReviewRef, str]:
    try:
        return reader.read(refs)
    except KafkaException as exc:
        log.warning("alert.phrases_unavailable reviews=%d error=%s", len(refs), exc)
        return {}


async def with_phrases(
    raised: Sequence[Raised], reader: ReviewTexts
) -> list[tuple[Decoded[SentimentResult], SentimentAlert]]:
    """Each raised alert with its phrases, the reviews read off the event loop.

    Args:
        raised: The alerts a batch raised, with their windows' samples.
        reader: Where the sampled reviews are read back from.

    Returns:
        ``(result that raised it, alert with phrases)`` for each alert, in order.
    """
    if not raised:
        return []
    refs = sorted({ref for r in raised for ref in (*r.negatives, *r.others)})
    texts = await asyncio.to_thread(_read_all, reader, refs)
    out = []
    for r in raised:
        phrases = phrases_for(r, texts)
        missing = sum(1 for ref in r.negatives if ref not in texts)
        if missing:
            log.warning(
                "alert.reviews_missing alert_id=%s missing=%d sampled=%d",
                r.alert.alert_id, missing, len(r.negatives),
            )  # fmt: skip
        out.append((r.item, r.alert.model_copy(update={"phrases": phrases})))
    return out
