"""Event times must fit the sink's event-time columns; that is decided at validation.

The range is the connected schema's: DateTime (1970-2106) on the portable schema, DateTime64
(1900-2299) on a current server's, the widest when no range is given.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from streams.delivery.codec import decode
from streams.errors import ContractError
from streams.records import (
    DATETIME64_RANGE,
    DATETIME_RANGE,
    EVENT_TIME_MAX,
    EVENT_TIME_MIN,
    ChatMessage,
    ProductUpdate,
    Review,
)
from streams.tooling.sample_data import SampleShop

CASES: list[tuple[str, type[BaseModel], str]] = [
    ("review", Review, "created_at"),
    ("chat", ChatMessage, "sent_at"),
    ("product", ProductUpdate, "updated_at"),
]


def _event(kind: str, field: str, when: str) -> bytes:
    _, event = SampleShop(seed=5).event(kind)  # type: ignore[arg-type]
    event[field] = when
    return json.dumps(event).encode()


@pytest.mark.parametrize(("kind", "model", "field"), CASES)
@pytest.mark.parametrize(
    "when",
    [
        "1969-12-31T23:59:59+00:00",
        "1900-01-01T00:00:00Z",
        "2106-02-07T06:28:16+00:00",
        "9999-12-31T23:59:59Z",
        # Inside the range by its own clock, but before the epoch in UTC.
        "1970-01-01T00:30:00+01:00",
    ],
)
def test_event_times_outside_the_sink_range_fail_validation(
    kind: str, model: type[BaseModel], field: str, when: str
) -> None:
    with pytest.raises(ContractError, match=f"{field}.*outside the event times the sink stores"):
        decode(model, _event(kind, field, when), event_times=DATETIME_RANGE)


@pytest.mark.parametrize(("kind", "model", "field"), CASES)
@pytest.mark.parametrize(
    "when", ["1970-01-01T00:00:00+00:00", "2106-02-07T06:28:15Z", "2030-06-01T12:00:00"]
)
def test_event_times_at_the_range_edges_are_valid(
    kind: str, model: type[BaseModel], field: str, when: str
) -> None:
    record = decode(model, _event(kind, field, when), event_times=DATETIME_RANGE)
    assert getattr(record, field).replace(tzinfo=None) == datetime.fromisoformat(
        when.replace("Z", "+00:00")
    ).astimezone(UTC).replace(tzinfo=None)


def test_the_range_is_what_a_uint32_epoch_second_holds() -> None:
    assert EVENT_TIME_MIN.timestamp() == 0
    assert EVENT_TIME_MAX.timestamp() == 2**32 - 1


@pytest.mark.parametrize(("kind", "model", "field"), CASES)
@pytest.mark.parametrize(
    "when", ["1969-07-20T20:17:40Z", "1900-01-01T00:00:00Z", "2299-12-31T23:59:59.999+00:00"]
)
def test_a_datetime64_schema_stores_times_outside_the_epoch_seconds(
    kind: str, model: type[BaseModel], field: str, when: str
) -> None:
    with pytest.raises(ContractError, match="DateTime: 1970"):
        decode(model, _event(kind, field, when), event_times=DATETIME_RANGE)
    for limits in (DATETIME64_RANGE, None):  # the widest range is the default
        record = decode(model, _event(kind, field, when), event_times=limits)
        assert getattr(record, field) == datetime.fromisoformat(when.replace("Z", "+00:00"))


@pytest.mark.parametrize(("kind", "model", "field"), CASES)
@pytest.mark.parametrize("when", ["1899-12-31T23:59:59Z", "2300-01-01T00:00:00Z"])
def test_times_beyond_datetime64_fail_on_every_schema(
    kind: str, model: type[BaseModel], field: str, when: str
) -> None:
    for limits in (DATETIME64_RANGE, DATETIME_RANGE, None):
        with pytest.raises(ContractError, match=f"{field}.*outside the event times"):
            decode(model, _event(kind, field, when), event_times=limits)
