"""Event contracts: the records on every topic (DESIGN.md, "Topics").

Records are versioned JSON. Unknown fields are tolerated (ignored), missing required fields
and wrong types are not: JSON is validated in strict mode, so ``"rating": "5"`` is an error
rather than a silent coercion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from streams import money

SCHEMA_VERSION = 1
SentimentLabel = Literal["negative", "neutral", "positive"]
Severity = Literal["warning", "critical"]
Verdict = Literal["accepted", "rejected"]


@dataclass(frozen=True)
class EventTimeRange:
    """The event times one ClickHouse column type stores, both ends inclusive."""

    column_type: str
    earliest: datetime
    latest: datetime

    def check(self, when: datetime) -> datetime:
        """``when`` unchanged when it is in range (a time without offset is read as UTC).

        Raises:
            ValueError: ``when`` lies outside the range.
        """
        aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
        if not self.earliest <= aware <= self.latest:
            msg = (
                f"{when.isoformat()} is outside the event times the sink stores "
                f"({self.column_type}: {self.earliest.isoformat()} .. {self.latest.isoformat()})"
            )
            raise ValueError(msg)
        return when


# DateTime (the portable schema, and 18.16's): seconds since the epoch as UInt32.
EVENT_TIME_MIN = datetime(1970, 1, 1, tzinfo=UTC)
EVENT_TIME_MAX = datetime(2106, 2, 7, 6, 28, 15, tzinfo=UTC)
DATETIME_RANGE = EventTimeRange("DateTime", EVENT_TIME_MIN, EVENT_TIME_MAX)
# DateTime64(3) (current servers' schema): 1900-01-01 .. 2299-12-31 23:59:59.999.
DATETIME64_RANGE = EventTimeRange(
    "DateTime64",
    datetime(1900, 1, 1, tzinfo=UTC),
    datetime(2299, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),
)
EVENT_TIMES_CONTEXT = "event_times"
"""Validation-context key of the :class:`EventTimeRange` that the connected schema stores.

Intake passes the range it learnt from the server (``streams.clickhouse.event_times``);
without one, event times are checked against the widest range a supported schema stores.
"""


def _in_event_time_range(when: datetime, info: ValidationInfo) -> datetime:
    context = info.context if isinstance(info.context, dict) else {}
    limits = context.get(EVENT_TIMES_CONTEXT)
    return (limits if isinstance(limits, EventTimeRange) else DATETIME64_RANGE).check(when)


EventTime = Annotated[datetime, AfterValidator(_in_event_time_range)]
"""A datetime the sink's event-time columns can hold; others fail validation."""


def utcnow() -> datetime:
    """Timezone-aware now in UTC."""
    return datetime.now(UTC)


class InputEvent(BaseModel):
    """Base of events that platform services emit."""

    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    schema_version: int = SCHEMA_VERSION
    event_id: str = Field(min_length=1, max_length=200)


class Review(InputEvent):
    """A product review (``shop.reviews``, keyed by product_id)."""

    review_id: str = Field(min_length=1)
    product_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    rating: int | None = Field(default=None, ge=1, le=5)
    title: str = ""
    text: str = Field(min_length=1, max_length=20_000)
    lang: str = "en"
    created_at: EventTime


class ChatMessage(InputEvent):
    """A customer's chat message (``shop.chat.messages``, keyed by conversation_id)."""

    conversation_id: str = Field(min_length=1)
    message_id: str = Field(min_length=1)
    customer_id: str = Field(min_length=1)
    text: str = Field(min_length=1, max_length=8_000)
    product_id: str | None = None
    sent_at: EventTime


class ProductUpdate(InputEvent):
    """A product's new state (``shop.products.updates``, keyed by product_id)."""

    product_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    category: str = ""
    attributes: dict[str, str] = Field(default_factory=dict)
    price: Decimal | None = Field(
        default=None,
        description="Exact amount; sent as a decimal string ('49.99') or a JSON number.",
    )
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    description: str | None = None
    updated_at: EventTime

    @field_validator("price", mode="before")
    @classmethod
    def _price_amount(cls, value: object) -> Decimal | None:
        # A JSON number arrives as a float: the Decimal is built from its shortest text.
        return None if value is None else money.parse_amount(value)

    @model_validator(mode="after")
    def _price_fits_currency(self) -> Self:
        if self.price is not None and self.currency is not None:
            money.check_minor_units(self.price, self.currency)
        return self


class SourceRef(BaseModel):
    """Where an output came from: the input event and its Kafka coordinates."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int
    event_id: str


class OutputRecord(BaseModel):
    """Base of records shopstream publishes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    schema_version: int = SCHEMA_VERSION


class SentimentResult(OutputRecord):
    """Sentiment of one review (``shop.reviews.sentiment``)."""

    result_id: str
    review_id: str
    product_id: str
    label: SentimentLabel
    score: float
    probabilities: dict[str, float]
    rating: int | None = None
    model: str
    model_version: str
    source: SourceRef
    review_created_at: EventTime
    processed_at: datetime = Field(default_factory=utcnow)


class SentimentAlert(OutputRecord):
    """A product's reviews turned negative in a window (``shop.alerts.sentiment``).

    ``phrases`` are the key phrases of the window's negative reviews, best first (taken
    from redacted text); a record written before they existed reads as having none.
    """

    alert_id: str
    product_id: str
    window_start: datetime
    window_end: datetime
    reviews: int
    negatives: int
    negative_share: float
    baseline: float
    severity: Severity
    phrases: tuple[str, ...] = ()
    raised_at: datetime = Field(default_factory=utcnow)


class ChatReply(OutputRecord):
    """A drafted customer-service reply (``shop.chat.replies``)."""

    reply_id: str
    conversation_id: str
    in_reply_to: str
    text: str
    intent: str
    model: str
    model_version: str
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    fallback: bool = False
    ai_generated: bool = True
    source: SourceRef
    created_at: datetime = Field(default_factory=utcnow)


class ProductDescription(OutputRecord):
    """A refreshed product description (``shop.products.descriptions``)."""

    description_id: str
    product_id: str
    source_event_id: str
    description: str
    model: str
    model_version: str
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    fallback: bool = False
    source: SourceRef
    created_at: datetime = Field(default_factory=utcnow)
