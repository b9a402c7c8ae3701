"""A burst of negative reviews raises one alert for its window; mixed reviews raise none.

The alert says why: its record and row carry phrases read back from the negative reviews.
"""

from __future__ import annotations

import json
import re

import pytest

from models.classifier import Classifier
from models.registry import Registry
from streams.privacy.pii import redact
from streams.records import Review
from streams.sentiment import review_text
from streams.settings import Settings
from streams.tooling.sample_data import Product, SampleShop
from streams.tooling.workerproc import WorkerProcess
from tests.integration.helpers import (
    StartWorker,
    consume,
    payload,
    produce_events,
    query,
    sentiment_count,
    wait_for,
)


@pytest.fixture
def worker(start_worker: StartWorker) -> WorkerProcess:
    return start_worker("sentiment,alerts", 16074)


def _reviews_predicted(
    shop: SampleShop, classifier: Classifier, product: Product, label: str, n: int
) -> list[dict[str, object]]:
    """Reviews the model itself labels ``label``, so the test does not hinge on accuracy."""
    out: list[dict[str, object]] = []
    while len(out) < n:
        candidates = [shop.review(product, label=label) for _ in range(16)]
        texts = [review_text(Review.model_validate_json(json.dumps(c))) for c in candidates]
        out += [
            c
            for c, p in zip(candidates, classifier.predict(texts), strict=True)
            if p.label == label
        ]
    return out[:n]


def test_negative_burst_alerts_once_and_mixed_product_does_not(
    settings: Settings, worker: WorkerProcess
) -> None:
    classifier = Classifier.load(Registry(settings.models_path).resolve("sentiment"), device="cpu")
    shop = SampleShop(seed=41)
    burst = Product("p-burst", "Steel Kettle", "Home", "Steel", 30.0)
    mixed = Product("p-mixed", "Cotton Shirt", "Clothing", "Cotton", 20.0)
    negatives = _reviews_predicted(shop, classifier, burst, "negative", 30)
    mixed_reviews = _reviews_predicted(shop, classifier, mixed, "positive", 28)
    mixed_reviews[::4] = _reviews_predicted(shop, classifier, mixed, "negative", 7)
    events = [(str(e["product_id"]), e) for e in negatives + mixed_reviews]
    produce_events(settings, settings.topics.reviews, events)

    wait_for(lambda: sentiment_count(settings) >= len(events), 120, "sentiment rows")
    wait_for(
        lambda: query(settings, "SELECT count() FROM sentiment_alerts FINAL")[0][0] >= 1,
        60,
        "the alert row",
    )
    alerts = query(
        settings,
        "SELECT product_id, reviews, negatives, toString(severity), phrases "
        "FROM sentiment_alerts FINAL",
    )
    assert [a[0] for a in alerts] == ["p-burst"]
    assert alerts[0][1] == settings.alerts.min_reviews
    records = consume(settings, settings.topics.alerts, until=2, timeout_s=10)
    assert [payload(m)["product_id"] for m in records] == ["p-burst"]

    phrases = alerts[0][4]
    assert phrases == payload(records[0])["phrases"]
    assert 1 <= len(phrases) <= 5
    sent = [
        redact(review_text(Review.model_validate_json(json.dumps(e)))).text.lower()
        for e in negatives
    ]
    for phrase in phrases:
        words = re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, phrase.split())) + r"(?!\w)")
        assert sum(1 for text in sent if words.search(text)) >= 2, phrase

    minute = query(
        settings,
        "SELECT product_id, toString(label), uniqExactMerge(reviews) FROM sentiment_minute "
        "GROUP BY product_id, label ORDER BY product_id, label",
    )
    assert sum(n for _, _, n in minute) == len(events)
    burst_counts = {label: n for pid, label, n in minute if pid == "p-burst"}
    assert sum(burst_counts.values()) == 30
    # int8 activation scales depend on the batch, so a review may drift to neutral.
    assert burst_counts.get("negative", 0) >= 27
