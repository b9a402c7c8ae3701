"""What agents share: intake, model services and the sinks, with durable delivery."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import faust

from streams import metrics
from streams.clickhouse import rows
from streams.codec import encode
from streams.descriptions import DescriptionOutcome, DescriptionService
from streams.gaps import GapRepair
from streams.generated import AUDIT_COLUMNS, AUDIT_TABLE, LoadedGenerator
from streams.intake import Intake
from streams.records import SentimentAlert, SentimentResult
from streams.replies import ReplyOutcome, ReplyService
from streams.sentiment import SentimentScorer
from streams.settings import Settings
from streams.sinks.clickhouse import ClickHouseSink
from streams.sinks.kafka import KafkaPublisher, OutMessage
from streams.watchdog import Progress

if TYPE_CHECKING:
    from streams.tables import ChangelogView

log = logging.getLogger(__name__)

# Table keys are strings and values plain JSON (the app's default serializer is raw bytes).
JSON_SCHEMA: faust.types.SchemaT[str, Any] = faust.Schema(
    key_serializer="json", value_serializer="json"
)


class Pipeline:
    """Services built once per worker and handed to the agents."""

    def __init__(self, settings: Settings, app: faust.App, executor: Executor) -> None:
        self.settings = settings
        self.executor = executor
        self.publisher = KafkaPublisher(app)
        self.intake = Intake(self.publisher, settings.topics.deadletter)
        self.progress = Progress()
        self.gaps = GapRepair(app, settings.kafka)
        self.clickhouse = ClickHouseSink(settings.clickhouse, settings.batch)
        self.scorer: SentimentScorer | None = None
        self.replies: ReplyService | None = None
        self.descriptions: DescriptionService | None = None
        # Generation gets its own thread so a long generation never delays sentiment batches.
        self.generation_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="generate")
        self.providers: dict[str, str] = {}
        # Whole-table views the agents read (e.g. product facts for chat replies), by name.
        self.views: dict[str, ChangelogView] = {}

    def load_sentiment(self) -> None:
        """Resolve, verify and load the sentiment model (fails loudly when missing)."""
        from models.classifier import Classifier
        from models.registry import Registry

        handle = Registry(self.settings.models_path).resolve("sentiment")
        classifier = Classifier.load(handle, device=self.settings.device)
        classifier.warmup()
        manifest = handle.manifest
        self.scorer = SentimentScorer(classifier, manifest.name, manifest.version, self.executor)
        self.providers["sentiment"] = classifier.provider
        metrics.MODEL_LOADED.labels(task="sentiment", provider=classifier.provider).set(1)

    def _load_generator(self, task: str, max_new_tokens: int) -> LoadedGenerator:
        from models.generator import GenerationParams, Generator
        from models.registry import Registry

        handle = Registry(self.settings.models_path).resolve(task)
        generator = Generator.load(handle, device=self.settings.device)
        generator.warmup()
        gen = self.settings.generation
        params = GenerationParams(
            max_new_tokens=max_new_tokens,
            repetition_penalty=gen.repetition_penalty,
            timeout_s=gen.timeout_s,
        )
        self.providers[task] = generator.provider
        metrics.MODEL_LOADED.labels(task=task, provider=generator.provider).set(1)
        manifest = handle.manifest
        return LoadedGenerator(generator, manifest.name, manifest.version, params)

    def load_replies(self) -> None:
        """Load the reply model (fails loudly when missing)."""
        loaded = self._load_generator("reply", self.settings.generation.reply_max_new_tokens)
        self.replies = ReplyService(loaded, self.settings.policies, self.generation_executor)

    def load_descriptions(self) -> None:
        """Load the description model (fails loudly when missing)."""
        tokens = self.settings.generation.description_max_new_tokens
        loaded = self._load_generator("description", tokens)
        self.descriptions = DescriptionService(
            loaded, self.settings.policies, self.generation_executor
        )

    async def deliver_replies(self, outcomes: Sequence[ReplyOutcome]) -> None:
        """Publish replies and insert their audit rows; returns when both are durable."""
        topic = self.settings.topics.replies
        await self._deliver_generated(
            [
                OutMessage(topic, o.reply.conversation_id.encode(), encode(o.reply))
                for o in outcomes
            ],
            [o.audit.row() for o in outcomes],
        )

    async def deliver_descriptions(self, outcomes: Sequence[DescriptionOutcome]) -> None:
        """Publish descriptions and insert their audit rows; returns when both are durable."""
        topic = self.settings.topics.descriptions
        await self._deliver_generated(
            [
                OutMessage(topic, o.description.product_id.encode(), encode(o.description))
                for o in outcomes
            ],
            [o.audit.row() for o in outcomes],
        )

    async def _deliver_generated(
        self, messages: list[OutMessage], audit_rows: list[tuple[object, ...]]
    ) -> None:
        if not messages:
            return
        await asyncio.gather(
            self.publisher.publish(messages),
            self.clickhouse.write(AUDIT_TABLE, AUDIT_COLUMNS, audit_rows),
        )

    async def deliver_sentiment(self, results: Sequence[SentimentResult]) -> None:
        """Publish results and insert their rows; returns when both are durable."""
        if not results:
            return
        topic = self.settings.topics.sentiment
        messages = [
            OutMessage(topic=topic, key=result.product_id.encode(), value=encode(result))
            for result in results
        ]
        await asyncio.gather(
            self.publisher.publish(messages),
            self.clickhouse.write(
                rows.SENTIMENT_TABLE,
                rows.SENTIMENT_COLUMNS,
                [rows.sentiment_row(result) for result in results],
            ),
        )
        now = time.time()
        for result in results:
            lag = now - result.review_created_at.timestamp()
            if lag >= 0:
                metrics.END_TO_END_LATENCY.labels(task="sentiment").observe(lag)

    async def deliver_alert(self, alert: SentimentAlert) -> None:
        """Publish an alert and insert its row; returns when both are durable."""
        message = OutMessage(
            topic=self.settings.topics.alerts,
            key=alert.product_id.encode(),
            value=encode(alert),
        )
        await asyncio.gather(
            self.publisher.publish([message]),
            self.clickhouse.write(rows.ALERTS_TABLE, rows.ALERT_COLUMNS, [rows.alert_row(alert)]),
        )
        metrics.ALERTS.labels(severity=alert.severity).inc()
        log.info(
            "alert.raised product_id=%s window_start=%s share=%.2f reviews=%d severity=%s",
            alert.product_id, alert.window_start.isoformat(), alert.negative_share,
            alert.reviews, alert.severity,
        )  # fmt: skip
