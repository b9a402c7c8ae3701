"""Alerts that say why: window samples, reviews read back and redacted, phrases on the alert."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from streams.alert_phrases import redacted_text, with_phrases
from streams.alerting import WindowState, fold, observe
from streams.clickhouse.rows import ALERT_COLUMNS, alert_row
from streams.delivery.codec import decode, encode
from streams.delivery.intake import Decoded
from streams.records import SentimentAlert, SentimentResult, SourceRef
from streams.settings import AlertSettings
from streams.window_sample import ReviewRef, add

SETTINGS = AlertSettings(window_s=300, min_reviews=8, negative_share=0.5, baseline_margin=0.2)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TOPIC = "shop.reviews"

COMPLAINTS = [
    "Battery died after two days. Email me at jo.doe@example.com",
    "The battery drains overnight",
    "Battery is dead, write to jo.doe@example.com for details",
    "awful battery life, returned it",
    "The battery died on the first trip",
    "battery swollen and dead",
]
PRAISE = ["Lovely screen and a great keyboard", "Great keyboard, fast"]


def _event(n: int, text: str) -> bytes:
    return json.dumps(
        {
            "event_id": f"e{n}",
            "review_id": f"r{n}",
            "product_id": "p1",
            "user_id": "u1",
            "text": text,
            "created_at": (T0 + timedelta(seconds=n)).isoformat(),
        }
    ).encode()


class _Topic:
    """Review events by offset, read back as the Kafka reader does (redacted)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.values = {n: _event(n, text) for n, text in enumerate(texts)}
        self.reads: list[int] = []

    def read(self, refs: Sequence[ReviewRef]) -> dict[ReviewRef, str]:
        out = {}
        for ref in refs:
            self.reads.append(ref.offset)
            text = redacted_text(self.values.get(ref.offset))
            if text is not None:
                out[ref] = text
        return out


def _results(labels: Sequence[str]) -> list[Decoded[SentimentResult]]:
    out = []
    for n, label in enumerate(labels):
        source = SourceRef(topic=TOPIC, partition=1, offset=n, event_id=f"e{n}")
        record = SentimentResult(
            result_id=f"s{n}",
            review_id=f"r{n}",
            product_id="p1",
            label=label,  # type: ignore[arg-type]
            score=0.9,
            probabilities={label: 0.9},
            model="m",
            model_version="1",
            source=source,
            review_created_at=T0 + timedelta(seconds=n),
        )
        out.append(Decoded(record, source, b"p1", 0.0))
    return out


def _window() -> tuple[list[str], list[str]]:
    texts = PRAISE + COMPLAINTS
    labels = ["positive"] * len(PRAISE) + ["negative"] * len(COMPLAINTS)
    return texts, labels


def test_a_window_of_battery_complaints_alerts_with_battery_phrases() -> None:
    texts, labels = _window()
    topic = _Topic(texts)
    _, raised = fold(lambda _: None, _results(labels), SETTINGS)
    [(item, alert)] = asyncio.run(with_phrases(raised, topic))
    assert item is raised[0].item
    assert alert.phrases[0] == "battery"
    assert sorted(topic.reads) == list(range(len(texts)))
    lowered = [t.lower() for t in COMPLAINTS]
    for phrase in alert.phrases:
        assert sum(phrase in t for t in lowered) >= 2
    # The address occurs in two reviews, yet it was redacted before any phrase was counted.
    assert not any("example" in p or "doe" in p or "email" in p for p in alert.phrases)


def test_unreadable_reviews_leave_the_alert_without_phrases() -> None:
    _, labels = _window()
    _, raised = fold(lambda _: None, _results(labels), SETTINGS)
    [(_, alert)] = asyncio.run(with_phrases(raised, _Topic([])))
    assert alert.phrases == ()
    assert alert.alert_id == raised[0].alert.alert_id


def test_the_window_keeps_where_reviews_lie_until_its_alert() -> None:
    state: WindowState | None = None
    _, labels = _window()
    for item in _results(labels + ["negative"] * 4):
        state, _ = observe(state, item.record, SETTINGS)
    assert state is not None and state.alerted
    assert sorted(r.offset for r in state.other_sample) == [0, 1]
    assert list(state.other_sample) == sorted(state.other_sample)
    # Reviews after the alert are counted but not sampled.
    assert len(state.negative_sample) == SETTINGS.min_reviews - len(PRAISE)
    assert WindowState.from_dict(json.loads(json.dumps(state.to_dict()))) == state


def test_a_state_stored_before_samples_existed_still_reads() -> None:
    old = {"window_start": 0, "reviews": 3, "negatives": 1, "baseline": 0.15, "alerted": False}
    state = WindowState.from_dict(old)
    assert state.negative_sample == () and state.other_sample == ()


def test_the_sample_is_bounded_and_independent_of_arrival_order() -> None:
    refs = [
        ReviewRef.of(SourceRef(topic=TOPIC, partition=0, offset=n, event_id=f"e{n}"))
        for n in range(200)
    ]
    shuffled = list(refs)
    random.Random(5).shuffle(shuffled)
    first: tuple[ReviewRef, ...] = ()
    second: tuple[ReviewRef, ...] = ()
    for a, b in zip(refs, shuffled, strict=True):
        first = add(first, a, k=10)
        second = add(add(second, b, k=10), b, k=10)
    assert first == second == tuple(sorted(refs)[:10])


def test_alert_records_and_rows_carry_phrases_and_old_records_read() -> None:
    alert = SentimentAlert(
        alert_id="a1",
        product_id="p1",
        window_start=T0,
        window_end=T0 + timedelta(seconds=300),
        reviews=20,
        negatives=15,
        negative_share=0.75,
        baseline=0.1,
        severity="critical",
        phrases=("battery", "stopped charging"),
    )
    assert decode(SentimentAlert, encode(alert)) == alert
    row = dict(zip(ALERT_COLUMNS, alert_row(alert), strict=True))
    assert row["phrases"] == ["battery", "stopped charging"]
    old = json.loads(encode(alert))
    del old["phrases"]
    assert decode(SentimentAlert, json.dumps(old).encode()).phrases == ()
