"""Review sentiment: micro-batches of reviews through the classifier, off the event loop."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Protocol

from streams import metrics
from streams.delivery.intake import Decoded
from streams.ids import output_id
from streams.records import Review, SentimentLabel, SentimentResult


class Prediction(Protocol):
    """What a classifier returns per text."""

    @property
    def label(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def probabilities(self) -> Mapping[str, float]: ...


class TextClassifier(Protocol):
    """The part of :class:`models.classifier.Classifier` the stream uses."""

    def predict(self, texts: Sequence[str]) -> Sequence[Prediction]: ...


def review_text(review: Review) -> str:
    """The text the model reads: title and body."""
    title = review.title.strip()
    return f"{title}. {review.text}" if title else review.text


class SentimentScorer:
    """Scores decoded reviews; the model runs on an executor thread."""

    def __init__(
        self,
        classifier: TextClassifier,
        model_name: str,
        model_version: str,
        executor: Executor | None = None,
    ) -> None:
        self._classifier = classifier
        self._model_name = model_name
        self._model_version = model_version
        self._executor = executor

    async def score(self, items: Sequence[Decoded[Review]]) -> list[SentimentResult]:
        """One result per review, in order."""
        if not items:
            return []
        texts = [review_text(item.record) for item in items]
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        predictions = await loop.run_in_executor(self._executor, self._classifier.predict, texts)
        metrics.MODEL_LATENCY.labels(task="sentiment").observe(time.perf_counter() - started)
        metrics.BATCH_SIZE.labels(task="sentiment").observe(len(items))
        results = []
        for item, prediction in zip(items, predictions, strict=True):
            review = item.record
            label: SentimentLabel = prediction.label  # type: ignore[assignment]
            results.append(
                SentimentResult(
                    result_id=output_id("sentiment", review.event_id),
                    review_id=review.review_id,
                    product_id=review.product_id,
                    label=label,
                    score=float(prediction.score),
                    probabilities={k: float(v) for k, v in prediction.probabilities.items()},
                    rating=review.rating,
                    model=self._model_name,
                    model_version=self._model_version,
                    source=item.source,
                    review_created_at=review.created_at,
                )
            )
        return results
