"""The dead-letter sink: failed inputs published with their origin, stage and reason.

Letters are sized to the producer's max request size minus headroom (key and headers
included), so a huge input is stored truncated with its original size and sha256 instead
of failing to publish. If the dead-letter topic itself accepts less than the producer
(``max.message.bytes`` set lower on the topic), a rejected letter is sent again in its
minimal form: origin, stage, reason, size and sha256, without the value.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from streams import metrics
from streams.delivery.deadletter import DeadLetter, Letter
from streams.delivery.sinks.kafka import OutMessage, Publisher
from streams.errors import DecodeError

log = logging.getLogger(__name__)


def _loggable(error: BaseException) -> str:
    """The reason as logged: decode reasons are ours and name no values; a driver's or a
    model's message may quote the input (customer text), so only its class is logged (the
    letter's header carries the full message, next to the original bytes)."""
    if isinstance(error, DecodeError):
        return str(error)[:300]
    return "(see header)"


class DeadLetterSink:
    """Publishes dead letters and waits for the broker's acknowledgement."""

    def __init__(self, publisher: Publisher, topic: str, headroom_bytes: int) -> None:
        self._publisher = publisher
        self._topic = topic
        self._headroom = headroom_bytes

    @property
    def max_letter_bytes(self) -> int:
        """What key, value and headers of one letter may hold together."""
        return max(self._publisher.max_request_bytes - self._headroom, 0)

    def _message(self, letter: Letter) -> OutMessage:
        return OutMessage(self._topic, letter.key, letter.value, letter.headers)

    async def send(self, letters: Sequence[DeadLetter]) -> None:
        """Publish every letter (truncated where needed); returns when all are settled."""
        if not letters:
            return
        limit = self.max_letter_bytes
        shaped = [letter.letter(limit) for letter in letters]
        rejected = await self._publisher.publish([self._message(s) for s in shaped])
        lost: set[int] = set()
        shrunk = {r.index for r in rejected}
        if rejected:
            retry = [r.index for r in rejected]
            again = await self._publisher.publish(
                [self._message(letters[i].minimal(0)) for i in retry]
            )
            lost = {retry[r.index] for r in again}
        for index, (letter, sent) in enumerate(zip(letters, shaped, strict=True)):
            error = type(letter.error).__name__
            if index in lost:
                metrics.ERRORS.labels(stage="deadletter", error=error).inc()
                log.error(
                    "deadletter.lost topic=%s partition=%d offset=%d stage=%s error=%s",
                    letter.topic, letter.partition, letter.offset, letter.stage, error,
                )  # fmt: skip
                continue
            metrics.DEAD_LETTERS.labels(topic=letter.topic, error=error).inc()
            log.warning(
                "deadletter topic=%s partition=%d offset=%d stage=%s error=%s truncated=%s "
                "reason=%s",
                letter.topic, letter.partition, letter.offset, letter.stage, error,
                sent.truncated or index in shrunk, _loggable(letter.error),
            )  # fmt: skip
