"""Windowed negative-share alerting per product (pure logic; the table lives in the agent).

Windows are tumbling, on the review's own time. A window raises at most one alert: when it
has at least ``min_reviews`` reviews, a negative share of at least ``negative_share`` and
at least ``baseline_margin`` above the product's baseline. The baseline is an exponentially
weighted mean of the product's closed windows' negative shares, starting from a prior.

Until its alert, a window also keeps a bounded sample of where its negative and other
reviews lie (:mod:`streams.window_sample`), so the alert can say what the negatives are
about (:mod:`streams.alert_phrases`) without customer text in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from streams.ids import output_id
from streams.records import SentimentAlert, SentimentResult, Severity
from streams.settings import AlertSettings
from streams.window_sample import ReviewRef, add

if TYPE_CHECKING:
    from streams.delivery.intake import Decoded

PRIOR_BASELINE = 0.15

StoredState = dict[str, Any]
"""A window state as the table stores it (plain JSON)."""


@dataclass(frozen=True)
class WindowState:
    """One product's current window and baseline (the Faust table's value, as a dict).

    Attributes:
        window_start: Start of the window, epoch seconds.
        reviews: Results counted in the window.
        negatives: Negative results among them.
        baseline: The product's usual negative share.
        alerted: Whether the window raised its alert.
        negative_sample: Where sampled negative reviews of the window lie.
        other_sample: Where sampled other (positive, neutral) reviews of the window lie.
    """

    window_start: int
    reviews: int = 0
    negatives: int = 0
    baseline: float = PRIOR_BASELINE
    alerted: bool = False
    negative_sample: tuple[ReviewRef, ...] = ()
    other_sample: tuple[ReviewRef, ...] = ()

    def to_dict(self) -> StoredState:
        return {
            "window_start": self.window_start,
            "reviews": self.reviews,
            "negatives": self.negatives,
            "baseline": self.baseline,
            "alerted": self.alerted,
            "negative_sample": [ref.to_list() for ref in self.negative_sample],
            "other_sample": [ref.to_list() for ref in self.other_sample],
        }

    @classmethod
    def from_dict(cls, data: StoredState) -> WindowState:
        # States written before the samples existed have none: their alerts carry no phrases.
        return cls(
            window_start=int(data["window_start"]),
            reviews=int(data["reviews"]),
            negatives=int(data["negatives"]),
            baseline=float(data["baseline"]),
            alerted=bool(data["alerted"]),
            negative_sample=tuple(ReviewRef.from_list(r) for r in data.get("negative_sample", [])),
            other_sample=tuple(ReviewRef.from_list(r) for r in data.get("other_sample", [])),
        )


@dataclass(frozen=True)
class Raised:
    """An alert as the window raised it, with the result that raised it and its evidence.

    Attributes:
        item: The sentiment result that raised the alert.
        alert: The alert, without phrases yet.
        negatives: Where the window's sampled negative reviews lie.
        others: Where its sampled other reviews lie.
    """

    item: Decoded[SentimentResult]
    alert: SentimentAlert
    negatives: tuple[ReviewRef, ...]
    others: tuple[ReviewRef, ...]


def window_of(when: datetime, size_s: int) -> int:
    """Start (epoch seconds) of the tumbling window holding ``when``."""
    epoch = int(when.timestamp())
    return epoch - epoch % size_s


def severity_of(share: float, baseline: float) -> Severity:
    """Critical when most reviews are negative or far above the baseline."""
    return "critical" if share >= 0.8 or share - baseline >= 0.5 else "warning"


def observe(
    state: WindowState | None, result: SentimentResult, settings: AlertSettings
) -> tuple[WindowState, SentimentAlert | None]:
    """Fold one sentiment result into a product's state; maybe raise the window's alert.

    Results older than the current window are counted into nothing (the window closed).
    """
    start = window_of(result.review_created_at, settings.window_s)
    if state is None:
        state = WindowState(window_start=start)
    if start < state.window_start:
        return state, None
    if start > state.window_start:
        baseline = state.baseline
        if state.reviews >= settings.min_reviews:
            share = state.negatives / state.reviews
            w = settings.baseline_weight
            baseline = (1 - w) * baseline + w * share
        state = WindowState(window_start=start, baseline=baseline)
    negative = result.label == "negative"
    negative_sample, other_sample = state.negative_sample, state.other_sample
    if not state.alerted:
        # After the alert the window needs no evidence, so its state stops growing.
        ref = ReviewRef.of(result.source)
        if negative:
            negative_sample = add(negative_sample, ref)
        else:
            other_sample = add(other_sample, ref)
    state = replace(
        state,
        reviews=state.reviews + 1,
        negatives=state.negatives + (1 if negative else 0),
        negative_sample=negative_sample,
        other_sample=other_sample,
    )
    share = state.negatives / state.reviews
    if (
        state.alerted
        or state.reviews < settings.min_reviews
        or share < settings.negative_share
        or share < state.baseline + settings.baseline_margin
    ):
        return state, None
    window_start = datetime.fromtimestamp(start, UTC)
    alert = SentimentAlert(
        alert_id=output_id("alert", result.product_id, str(start)),
        product_id=result.product_id,
        window_start=window_start,
        window_end=window_start + timedelta(seconds=settings.window_s),
        reviews=state.reviews,
        negatives=state.negatives,
        negative_share=round(share, 4),
        baseline=round(state.baseline, 4),
        severity=severity_of(share, state.baseline),
    )
    return replace(state, alerted=True), alert


def fold(
    read: Callable[[str], StoredState | None],
    items: Sequence[Decoded[SentimentResult]],
    settings: AlertSettings,
) -> tuple[dict[str, tuple[WindowState, int]], list[Raised]]:
    """Fold a batch of results, in order, into the windows of their products.

    Args:
        read: The stored state of a product (a dict), or None; read once per product.
        items: The batch's results.
        settings: Alert thresholds.

    Returns:
        Each touched product's new state with the partition of its last result, and the
        alerts raised, each with the result that raised it and the window's samples.
        Nothing is written: the caller stores the states once the alerts are durable.
    """
    states: dict[str, tuple[WindowState, int]] = {}
    alerts: list[Raised] = []
    for item in items:
        product_id = item.record.product_id
        if product_id in states:
            state: WindowState | None = states[product_id][0]
        else:
            raw = read(product_id)
            state = WindowState.from_dict(raw) if raw else None
        state, alert = observe(state, item.record, settings)
        states[product_id] = (state, item.source.partition)
        if alert is not None:
            alerts.append(Raised(item, alert, state.negative_sample, state.other_sample))
    return states, alerts
