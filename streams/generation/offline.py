"""Replies and descriptions from files: the agents' service path without Kafka or ClickHouse.

Catalogue refresh jobs and evaluations feed input-topic records (chat messages, product
updates) through the same services the agents use (prompt, model, guard, template
fallback) and get, per record, what would have been published and the audit row that would
have been stored. Conversation history is kept per conversation in memory, in file order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from streams.delivery.codec import decode
from streams.delivery.intake import Decoded
from streams.errors import DecodeError, ShopstreamError
from streams.generation.descriptions import DescriptionOutcome, DescriptionService, facts_of
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.generated import AUDIT_COLUMNS, AuditEntry, LoadedGenerator
from streams.generation.prompts import MAX_HISTORY_TURNS, Turn
from streams.generation.replies import ReplyOutcome, ReplyService, rounds
from streams.records import ChatMessage, ProductUpdate, SourceRef

log = logging.getLogger(__name__)

Task = Literal["reply", "description"]
TASKS: tuple[Task, ...] = ("reply", "description")
R = TypeVar("R", bound=BaseModel)


@dataclass(frozen=True)
class Numbered(Generic[R]):
    """A record and the 1-based line of the file it came from."""

    line: int
    record: R


@dataclass(frozen=True)
class InvalidLine:
    """A line that is not a valid record, and why."""

    line: int
    reason: str


@dataclass(frozen=True)
class OfflineResult:
    """What one input record produced.

    Attributes:
        line: The record's line (or 1-based position when records were passed directly).
        event_id: The input event's id.
        published: The text that would reach the customer or the shop page.
        model_text: What the model wrote, PII-redacted; empty when the model was not asked.
        verdict: The guard's verdict, ``accepted`` or ``rejected``.
        reasons: The guard's reasons.
        fallback: Whether a template replaced the model's text.
        model: ``name@version`` of the model.
        latency_ms: Generation time of the record's batch.
        audit: The ClickHouse audit row, keyed by column (datetimes as ISO text).
    """

    line: int
    event_id: str
    published: str
    model_text: str
    verdict: str
    reasons: tuple[str, ...]
    fallback: bool
    model: str
    latency_ms: float
    audit: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The result as one JSON-ready object."""
        return {
            "line": self.line,
            "event_id": self.event_id,
            "published": self.published,
            "model_text": self.model_text,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "fallback": self.fallback,
            "model": self.model,
            "latency_ms": self.latency_ms,
            "audit": self.audit,
        }


def record_type(task: Task) -> type[ChatMessage] | type[ProductUpdate]:
    """The input record of a task: chat messages for replies, product updates otherwise."""
    return ChatMessage if task == "reply" else ProductUpdate


def read_jsonl(path: Path, model: type[R]) -> tuple[list[Numbered[R]], list[InvalidLine]]:
    """Valid records of a JSON-lines file and the lines that are not (blank lines are skipped).

    Every line is decoded as the worker decodes a message (:func:`streams.delivery.codec.decode`):
    unknown fields are ignored, missing fields and wrong types make the line invalid.
    """
    good: list[Numbered[R]] = []
    bad: list[InvalidLine] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                good.append(Numbered(number, decode(model, raw.rstrip(b"\r\n"))))
            except DecodeError as exc:
                bad.append(InvalidLine(number, str(exc)))
                log.warning(
                    "generate.invalid_line file=%s line=%d reason=%s", path.name, number, exc
                )
    return good, bad


def product_facts(updates: Iterable[ProductUpdate]) -> dict[str, ProductFacts]:
    """Facts per product; a later update of a product replaces an earlier one, as in the table."""
    return {update.product_id: facts_of(update) for update in updates}


def audit_object(entry: AuditEntry) -> dict[str, Any]:
    """An audit row as a JSON object keyed by AUDIT_COLUMNS."""
    return {
        column: value.isoformat() if isinstance(value, datetime | date) else value
        for column, value in zip(AUDIT_COLUMNS, entry.row(), strict=True)
    }


class OfflineGenerator:
    """Runs one task's service over records in batches, keeping conversation history.

    Args:
        task: ``reply`` or ``description``.
        loaded: The task's generator.
        policies: The platform policies replies and the guard use.
        facts: Product facts by product id, for replies.
        source: What the audit rows name as their source topic (e.g. ``file:chats.jsonl``);
            the partition is 0 and the offset the record's line.
    """

    def __init__(
        self,
        task: Task,
        loaded: LoadedGenerator,
        policies: PlatformPolicies,
        facts: Mapping[str, ProductFacts] | None = None,
        source: str = "offline",
    ) -> None:
        if task not in TASKS:
            msg = f"unknown task {task!r} (expected one of {', '.join(TASKS)})"
            raise ShopstreamError(msg)
        self.task = task
        self._facts = dict(facts or {})
        self._source = source
        self._history: dict[str, list[Turn]] = {}
        self._replies = ReplyService(loaded, policies) if task == "reply" else None
        self._descriptions = DescriptionService(loaded, policies) if task == "description" else None

    async def batch(self, records: Sequence[Numbered[Any]]) -> list[OfflineResult]:
        """Results of one batch, in input order."""
        expected = record_type(self.task)
        for item in records:
            if not isinstance(item.record, expected):
                msg = f"{self.task} takes {expected.__name__} records, got {type(item.record)}"
                raise ShopstreamError(msg)
        items = [self._decoded(item) for item in records]
        if self._replies is not None:
            return await self._reply(self._replies, items)
        if self._descriptions is None:  # pragma: no cover - __init__ sets one of the two
            msg = f"no service for task {self.task!r}"
            raise ShopstreamError(msg)
        outcomes = await self._descriptions.describe(items)
        return [_from_description(o, n.line) for o, n in zip(outcomes, records, strict=True)]

    async def _reply(self, service: ReplyService, items: list[Decoded[Any]]) -> list[OfflineResult]:
        by_line: dict[int, OfflineResult] = {}
        # A conversation's second message in a batch is answered after its first, with the
        # first exchange in its prompt, as the chat agent does.
        for group in rounds(items):
            outcomes = await service.reply(group, self._facts_of, self._turns)
            for item, outcome in zip(group, outcomes, strict=True):
                self._remember(outcome)
                by_line[item.source.offset] = _from_reply(outcome, item.source.offset)
        return [by_line[item.source.offset] for item in items]

    def _decoded(self, item: Numbered[Any]) -> Decoded[Any]:
        event_id = str(item.record.event_id)
        source = SourceRef(topic=self._source, partition=0, offset=item.line, event_id=event_id)
        return Decoded(item.record, source, None, 0.0)

    def _facts_of(self, product_id: str | None) -> ProductFacts | None:
        return self._facts.get(product_id) if product_id else None

    def _turns(self, conversation_id: str) -> list[Turn]:
        return list(self._history.get(conversation_id, ()))

    def _remember(self, outcome: ReplyOutcome) -> None:
        key = outcome.reply.conversation_id
        turns = [*self._history.get(key, ()), outcome.customer_turn, outcome.assistant_turn]
        self._history[key] = turns[-2 * MAX_HISTORY_TURNS :]


def generate_offline(
    task: Task,
    records: Iterable[BaseModel | Numbered[Any]],
    loaded: LoadedGenerator,
    policies: PlatformPolicies,
    *,
    facts: Mapping[str, ProductFacts] | None = None,
    batch_size: int = 8,
    source: str = "offline",
    on_batch: Callable[[list[OfflineResult]], None] | None = None,
) -> list[OfflineResult]:
    """Run a task over records and return one result per record, in order.

    Args:
        task: ``reply`` (records are ChatMessage) or ``description`` (ProductUpdate).
        records: Records, or :class:`Numbered` records from :func:`read_jsonl`; a bare
            record is numbered by its 1-based position.
        loaded: The task's generator (see :func:`load_generator`).
        policies: The platform policies.
        facts: Product facts by product id that replies may use (see :func:`product_facts`).
        batch_size: Records per model call.
        source: The source topic the audit rows name.
        on_batch: Called with each batch's results as soon as they exist (progress, output).

    Returns:
        The results.

    Raises:
        ShopstreamError: a record of the wrong type for the task, or a model failure.
    """
    if batch_size < 1:
        msg = f"batch_size must be at least 1, got {batch_size}"
        raise ShopstreamError(msg)
    numbered = [
        item if isinstance(item, Numbered) else Numbered(index, item)
        for index, item in enumerate(records, start=1)
    ]
    runner = OfflineGenerator(task, loaded, policies, facts, source)

    async def run() -> list[OfflineResult]:
        out: list[OfflineResult] = []
        for start in range(0, len(numbered), batch_size):
            results = await runner.batch(numbered[start : start + batch_size])
            out.extend(results)
            if on_batch is not None:
                on_batch(results)
        return out

    return asyncio.run(run())


def _from_reply(outcome: ReplyOutcome, line: int) -> OfflineResult:
    reply = outcome.reply
    return _result(line, reply.text, reply.verdict, reply.reasons, reply.fallback,
                   f"{reply.model}@{reply.model_version}", outcome.audit)  # fmt: skip


def _from_description(outcome: DescriptionOutcome, line: int) -> OfflineResult:
    out = outcome.description
    return _result(line, out.description, out.verdict, out.reasons, out.fallback,
                   f"{out.model}@{out.model_version}", outcome.audit)  # fmt: skip


def _result(
    line: int,
    published: str,
    verdict: str,
    reasons: Sequence[str],
    fallback: bool,
    model: str,
    audit: AuditEntry,
) -> OfflineResult:
    return OfflineResult(
        line=line,
        event_id=audit.source.event_id,
        published=published,
        model_text=audit.output,
        verdict=verdict,
        reasons=tuple(reasons),
        fallback=fallback,
        model=model,
        latency_ms=round(audit.latency_s * 1000, 3),
        audit=audit_object(audit),
    )
