"""What agents share: intake, model services and the sinks, with durable delivery."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import faust

from streams import metrics
from streams.clickhouse import rows
from streams.delivery.codec import encode
from streams.delivery.commit_guard import install_work_probe
from streams.delivery.gaps import GapRepair
from streams.delivery.intake import Decoded, Intake
from streams.delivery.sinks.clickhouse import ClickHouseSink
from streams.delivery.sinks.deadletters import DeadLetterSink
from streams.delivery.sinks.kafka import KafkaPublisher, OutMessage
from streams.delivery.stages import Delivery, Output
from streams.errors import ModelError, Stage
from streams.generation.descriptions import DescriptionOutcome, DescriptionService
from streams.generation.facts import ProductFacts
from streams.generation.generated import (
    AUDIT_COLUMNS,
    AUDIT_TABLE,
    GenerationLike,
    LoadedGenerator,
    TextGenerator,
    load_generator,
)
from streams.generation.prompts import Turn
from streams.generation.replies import ReplyOutcome, ReplyService
from streams.records import (
    DATETIME_RANGE,
    ChatMessage,
    EventTimeRange,
    ProductUpdate,
    Review,
    SentimentAlert,
    SentimentResult,
)
from streams.runtime.watchdog import Progress
from streams.sentiment import SentimentScorer
from streams.settings import Settings
from streams.tables import ChangelogView

log = logging.getLogger(__name__)


class Pipeline:
    """Services built once per worker, complete, and handed to the agents.

    Every model the worker's tasks need is loaded here (failing loudly when one is missing),
    so an agent never finds a service missing or filled in later.

    Args:
        settings: The worker's settings.
        app: The Faust app (its producer publishes outputs and dead letters).
        executor: Runs sentiment scoring off the event loop.
        tasks: The tasks this worker runs (``sentiment``, ``alerts``, ``products``,
            ``replies``): their models are loaded.
        views: Whole-table views the agents read (product facts for chat replies), by name;
            ``/ready`` waits for them.
        event_times: What the connected ClickHouse schema stores
            (streams.clickhouse.event_times); input events outside it are dead-lettered at
            ``validate``.
    """

    def __init__(
        self,
        settings: Settings,
        app: faust.App,
        executor: Executor,
        tasks: Sequence[str] = (),
        views: Mapping[str, ChangelogView] | None = None,
        event_times: EventTimeRange = DATETIME_RANGE,
    ) -> None:
        self.settings = settings
        self.executor = executor
        self.publisher = KafkaPublisher(app, settings.batch)
        self.deadletters = DeadLetterSink(
            self.publisher, settings.topics.deadletter, settings.batch.deadletter_headroom_bytes
        )
        self.intake = Intake(self.deadletters, settings.decode, event_times)
        self.progress = Progress()
        install_work_probe(app, lambda: self.progress.busy)
        self.gaps = GapRepair(app, settings.kafka)
        self.clickhouse = ClickHouseSink(settings.clickhouse, settings.batch)
        self.delivery = Delivery(self.publisher, self.clickhouse, self.intake)
        self.views: Mapping[str, ChangelogView] = dict(views or {})
        self._providers: dict[str, str] = {}
        self._generators: dict[tuple[str, ...], Any] = {}  # one session per model's files
        # Generation gets its own thread so a long generation never delays sentiment batches.
        self.generation_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")
        self.scorer = self._load_sentiment() if "sentiment" in tasks else None
        self.descriptions = (
            DescriptionService(
                self._load_generator("description"), settings.policies, self.generation_executor
            )
            if "products" in tasks
            else None
        )
        self.replies = (
            ReplyService(self._load_generator("reply"), settings.policies, self.generation_executor)
            if "replies" in tasks
            else None
        )

    @property
    def providers(self) -> Mapping[str, str]:
        """The execution provider of each loaded model, by task."""
        return dict(self._providers)

    def _load_sentiment(self) -> SentimentScorer:
        from models.classifier import Classifier
        from models.registry import Registry

        handle = Registry(self.settings.models_path).resolve("sentiment")
        classifier = Classifier.load(handle, device=self.settings.device)
        classifier.warmup()
        manifest = handle.manifest
        self._providers["sentiment"] = classifier.provider
        metrics.MODEL_LOADED.labels(task="sentiment", provider=classifier.provider).set(1)
        return SentimentScorer(classifier, manifest.name, manifest.version, self.executor)

    def _load_generator(self, task: str) -> LoadedGenerator:
        loaded = load_generator(self.settings, task, self._generators)
        provider = loaded.generator.provider
        self._providers[task] = provider
        metrics.MODEL_LOADED.labels(task=task, provider=provider).set(1)
        return dataclasses.replace(loaded, generator=ModelCalls(loaded.generator))

    async def score_sentiment(
        self, reviews: Sequence[Decoded[Review]]
    ) -> list[tuple[Decoded[Review], SentimentResult]]:
        """Score reviews; a review the model fails on alone is dead-lettered (stage model)."""
        scorer = self.scorer
        if scorer is None:
            msg = "this worker was built without the sentiment task"
            raise RuntimeError(msg)
        return await self.delivery.run(reviews, scorer.score)

    async def describe(
        self, updates: Sequence[Decoded[ProductUpdate]]
    ) -> list[tuple[Decoded[ProductUpdate], DescriptionOutcome]]:
        """Descriptions for updates; one whose generation or guard raises is dead-lettered."""
        service = self.descriptions
        if service is None:
            msg = "this worker was built without the products task"
            raise RuntimeError(msg)
        return await self.delivery.run(updates, service.describe, generation_stage)

    async def reply(
        self,
        messages: Sequence[Decoded[ChatMessage]],
        facts_of: Callable[[str | None], ProductFacts | None],
        turns_of: Callable[[str], list[Turn]],
    ) -> list[tuple[Decoded[ChatMessage], ReplyOutcome]]:
        """Replies to messages; one whose generation or guard raises is dead-lettered."""
        service = self.replies
        if service is None:
            msg = "this worker was built without the replies task"
            raise RuntimeError(msg)

        async def call(batch: Sequence[Decoded[ChatMessage]]) -> list[ReplyOutcome]:
            return await service.reply(batch, facts_of, turns_of)

        return await self.delivery.run(messages, call, generation_stage)

    async def deliver_replies(
        self, outcomes: Sequence[tuple[Decoded[ChatMessage], ReplyOutcome]]
    ) -> list[tuple[Decoded[ChatMessage], ReplyOutcome]]:
        """Publish replies and insert their audit rows; returns those durable in both."""
        topic = self.settings.topics.replies
        outputs = await self.delivery.build(
            outcomes,
            lambda item, o: Output(
                item,
                o,
                OutMessage(topic, o.reply.conversation_id.encode(), encode(o.reply)),
                o.audit.row(),
            ),
        )
        delivered = await self.delivery.deliver(outputs, AUDIT_TABLE, AUDIT_COLUMNS)
        return [(o.origin, o.payload) for o in delivered]

    async def deliver_descriptions(
        self, outcomes: Sequence[tuple[Decoded[ProductUpdate], DescriptionOutcome]]
    ) -> list[Decoded[ProductUpdate]]:
        """Publish descriptions and insert their audit rows; returns the updates now durable."""
        topic = self.settings.topics.descriptions
        outputs = await self.delivery.build(
            outcomes,
            lambda item, o: Output(
                item,
                o,
                OutMessage(topic, o.description.product_id.encode(), encode(o.description)),
                o.audit.row(),
            ),
        )
        delivered = await self.delivery.deliver(outputs, AUDIT_TABLE, AUDIT_COLUMNS)
        return [o.origin for o in delivered]

    async def deliver_sentiment(
        self, scored: Sequence[tuple[Decoded[Review], SentimentResult]]
    ) -> None:
        """Publish results and insert their rows; returns when each is durable or rejected."""
        topic = self.settings.topics.sentiment
        outputs = await self.delivery.build(
            scored,
            lambda item, result: Output(
                item,
                result,
                OutMessage(topic, result.product_id.encode(), encode(result)),
                rows.sentiment_row(result),
            ),
        )
        delivered = await self.delivery.deliver(
            outputs, rows.SENTIMENT_TABLE, rows.SENTIMENT_COLUMNS
        )
        now = time.time()
        for output in delivered:
            lag = now - output.payload.review_created_at.timestamp()
            if lag >= 0:
                metrics.END_TO_END_LATENCY.labels(task="sentiment").observe(lag)

    async def deliver_alerts(
        self, alerts: Sequence[tuple[Decoded[SentimentResult], SentimentAlert]]
    ) -> None:
        """Publish alerts and insert their rows; returns when each is durable or rejected.

        An alert a sink rejects dead-letters the sentiment result that raised it.
        """
        topic = self.settings.topics.alerts
        outputs = await self.delivery.build(
            alerts,
            lambda item, alert: Output(
                item,
                alert,
                OutMessage(topic, alert.product_id.encode(), encode(alert)),
                rows.alert_row(alert),
            ),
        )
        delivered = await self.delivery.deliver(outputs, rows.ALERTS_TABLE, rows.ALERT_COLUMNS)
        for output in delivered:
            alert = output.payload
            metrics.ALERTS.labels(severity=alert.severity).inc()
            log.info(
                "alert.raised product_id=%s window_start=%s share=%.2f reviews=%d severity=%s",
                alert.product_id, alert.window_start.isoformat(), alert.negative_share,
                alert.reviews, alert.severity,
            )  # fmt: skip


def generation_stage(error: BaseException) -> Stage:
    """A generation service's failure: the model's when the model call raised, else the guard's.

    Everything around the model call in a reply or description service is input and output
    checking (prompt building, PII redaction, grounding), so it counts as the guard stage.
    """
    return "model" if isinstance(error, ModelError) else "guard"


class ModelCalls:
    """A text generator whose failures are marked as the model's (:class:`ModelError`)."""

    def __init__(self, generator: TextGenerator) -> None:
        self._generator = generator
        self.model_sha256 = generator.model_sha256
        self.provider = generator.provider

    def generate(self, prompts: Any, params: Any) -> Sequence[GenerationLike]:
        """Generate for a batch of prompts; any failure is raised as a ModelError."""
        try:
            return self._generator.generate(prompts, params)
        except Exception as exc:
            msg = f"generation failed: {type(exc).__name__}: {str(exc)[:300]}"
            raise ModelError(msg) from exc
