"""Windowed negative-share alerting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.alerting import PRIOR_BASELINE, WindowState, observe
from streams.records import SentimentAlert, SentimentResult, SourceRef
from streams.settings import AlertSettings

SETTINGS = AlertSettings(window_s=300, min_reviews=5, negative_share=0.5, baseline_margin=0.2)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _result(label: str, at: datetime, product: str = "p1", n: int = 0) -> SentimentResult:
    return SentimentResult(
        result_id=f"r{n}",
        review_id=f"r{n}",
        product_id=product,
        label=label,  # type: ignore[arg-type]
        score=0.9,
        probabilities={label: 0.9},
        model="m",
        model_version="1",
        source=SourceRef(topic="t", partition=0, offset=n, event_id=f"e{n}"),
        review_created_at=at,
    )


def _run(
    labels: list[str], start: datetime = T0
) -> tuple[WindowState | None, list[SentimentAlert]]:
    state: WindowState | None = None
    alerts = []
    for n, label in enumerate(labels):
        state, alert = observe(state, _result(label, start + timedelta(seconds=n)), SETTINGS)
        if alert is not None:
            alerts.append(alert)
    return state, alerts


def test_negative_burst_raises_exactly_one_alert() -> None:
    _, alerts = _run(["negative"] * 20)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.reviews == SETTINGS.min_reviews
    assert alert.severity == "critical"


def test_mixed_reviews_raise_none() -> None:
    _, alerts = _run(["positive", "negative", "positive", "neutral", "positive"] * 4)
    assert alerts == []


def test_too_few_reviews_raise_none() -> None:
    _, alerts = _run(["negative"] * (SETTINGS.min_reviews - 1))
    assert alerts == []


def test_alert_id_is_deterministic_per_product_and_window() -> None:
    _, first = _run(["negative"] * 6)
    _, second = _run(["negative"] * 6)
    assert first[0].alert_id == second[0].alert_id


def test_next_window_can_alert_again_and_baseline_moves() -> None:
    state, alerts = _run(["negative"] * 6)
    assert state is not None
    later = T0 + timedelta(seconds=SETTINGS.window_s)
    for n in range(6):
        state, alert = observe(state, _result("negative", later + timedelta(seconds=n)), SETTINGS)
        if alert is not None:
            alerts.append(alert)
    assert len(alerts) == 2
    assert state.baseline > PRIOR_BASELINE


def test_results_from_a_closed_window_are_ignored() -> None:
    state, _ = _run(["positive"] * 3, start=T0 + timedelta(seconds=600))
    assert state is not None
    after, alert = observe(state, _result("negative", T0), SETTINGS)
    assert after == state
    assert alert is None


def test_state_round_trips_through_the_table_format() -> None:
    state, _ = _run(["negative", "positive"])
    assert state is not None
    assert WindowState.from_dict(state.to_dict()) == state
