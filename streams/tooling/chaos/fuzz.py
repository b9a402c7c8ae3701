"""Malformed input events: every way a platform service can send bytes we cannot use.

Each malformed event is built from a valid event of its kind, so it differs from a good one
in exactly the way its kind names. Every event carries a unique key (``chaos-fuzz-N``): the
dead-letter topic keeps the original key, which is how the harness finds each letter again,
even for values that are identical (an empty value) or stored truncated (a ~1 MB value).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from streams.tooling.sample_data import Kind, SampleShop

# Bytes below the producer's default message.max.bytes (1,000,000) once key and framing are
# added, and far above the decode limit (256 KiB): a value the broker holds but a worker must
# refuse before parsing.
BIG_VALUE_BYTES = 990_000
# Deeper than the C JSON parser's recursion limit (about 1,000) by an order of magnitude.
DEEP_NESTING = 10_000
# More digits than Python converts (4,300) by default.
HUGE_INT_DIGITS = 5_000

_TEXT_FIELD = {"review": "text", "chat": "text", "product": "title"}
_TIME_FIELD = {"review": "created_at", "chat": "sent_at", "product": "updated_at"}
_ID_FIELD = {"review": "review_id", "chat": "message_id", "product": "product_id"}
_NUMBER_FIELD = {"review": "rating", "chat": "text", "product": "price"}


@dataclass(frozen=True)
class Malformed:
    """One malformed event: its unique key, raw value and what is wrong with it."""

    key: str
    value: bytes
    kind: str


def _json(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def _raw_field(event: dict[str, Any], field: str, json_text: bytes) -> bytes:
    """The event as JSON with ``field``'s value replaced by raw JSON text."""
    marker = "@@chaos@@"
    return _json({**event, field: marker}).replace(f'"{marker}"'.encode(), json_text)


def _in_string(event: dict[str, Any], field: str, raw: bytes) -> bytes:
    """The event as JSON with ``raw`` bytes put at the start of string ``field``'s value."""
    marker = "@@chaos@@"
    value = str(event.get(field, ""))
    return _json({**event, field: marker + value}).replace(marker.encode(), raw)


def invalid_utf8(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A lone continuation byte or a truncated sequence inside a string."""
    return _in_string(event, _TEXT_FIELD[kind], rng.choice((b"\xff\xfe", b"\xc3", b"\x80abc")))


def not_json(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """Cut-off JSON, or text that never was JSON."""
    whole = _json(event)
    if rng.random() < 0.5:
        return whole[: rng.randrange(1, len(whole) - 1)]
    return b"event_id=" + str(event["event_id"]).encode() + b"; not json"


def array(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """The event wrapped in a list, or a bare list."""
    return json.dumps(
        [event] if rng.random() < 0.5 else ["an", "array", event["event_id"]]
    ).encode()


def scalar(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A JSON value that is not an object."""
    return json.dumps(rng.choice((None, 42, "event", True, event["event_id"]))).encode()


def wrong_type(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A field of the wrong JSON type (records are strict: no coercion)."""
    field = rng.choice((_ID_FIELD[kind], _TEXT_FIELD[kind], _NUMBER_FIELD[kind], "event_id"))
    values: list[object] = [["not", "valid"], {"nested": 1}, 12345, True]
    if field == _NUMBER_FIELD[kind] and kind != "chat":
        values = [["5"], {"value": 5}, "five"]
    value = rng.choice(values)
    return _json({**event, field: value})


def huge_int(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """An integer of thousands of digits."""
    return _raw_field(event, _NUMBER_FIELD[kind] if kind != "chat" else "extra",
                      b"9" * rng.randrange(HUGE_INT_DIGITS, HUGE_INT_DIGITS * 2))  # fmt: skip


def deep_nesting(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """Arrays nested far deeper than any record."""
    depth = rng.randrange(DEEP_NESTING, DEEP_NESTING * 2)
    return _raw_field(event, "extra", b"[" * depth + b"]" * depth)


def big_value(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A value of about 1 MB (a text field padded)."""
    pad = BIG_VALUE_BYTES - len(_json(event))
    return _json({**event, _TEXT_FIELD[kind]: "x" * pad})


def out_of_range_date(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """An event time outside what the columns of any server hold (before 1900, after 2299).

    A 1969 or 2107 time is valid on a current server (DateTime64) and refused on 18.16
    (DateTime); those are tested per server (tests/integration/test_schema_profiles.py).
    """
    when = rng.choice(("1899-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00",
                       "2300-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"))  # fmt: skip
    return _json({**event, _TIME_FIELD[kind]: when})


def nul_bytes(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """Raw NUL bytes inside a string, or between tokens."""
    if rng.random() < 0.5:
        return _in_string(event, _TEXT_FIELD[kind], b"\x00\x00")
    return b"\x00" + _json(event)


def unknown_schema_version(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A schema_version newer than this code knows."""
    return _json({**event, "schema_version": rng.randrange(2, 1_000)})


def missing_field(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """A required field left out."""
    field = rng.choice(("event_id", _ID_FIELD[kind], _TEXT_FIELD[kind]))
    return _json({k: v for k, v in event.items() if k != field})


def empty(kind: Kind, event: dict[str, Any], rng: random.Random) -> bytes:
    """An empty value, or only whitespace."""
    return rng.choice((b"", b" ", b"\n\t"))


Maker = Callable[[Kind, dict[str, Any], random.Random], bytes]
# Every kind of malformed event, by name; ``big_value`` is drawn separately (it is heavy).
MAKERS: dict[str, Maker] = {
    "invalid_utf8": invalid_utf8,
    "not_json": not_json,
    "array": array,
    "scalar": scalar,
    "wrong_type": wrong_type,
    "huge_int": huge_int,
    "deep_nesting": deep_nesting,
    "out_of_range_date": out_of_range_date,
    "nul_bytes": nul_bytes,
    "unknown_schema_version": unknown_schema_version,
    "missing_field": missing_field,
    "empty": empty,
}
KINDS = (*MAKERS, "big_value")


def malformed_events(
    shop: SampleShop, kind: Kind, count: int, *, big_share: float = 0.01, start: int = 0
) -> list[Malformed]:
    """``count`` malformed events of an input kind, every named kind among them.

    About ``big_share`` of them (at least one) are ~1 MB values; the others cycle through
    :data:`MAKERS` in a seeded shuffled order, so each kind appears about equally often.
    """
    rng = shop.rng
    bigs = max(1, round(count * big_share)) if count >= len(KINDS) else 0
    names = [name for _ in range(count // len(MAKERS) + 1) for name in MAKERS]
    names = names[: count - bigs] + ["big_value"] * bigs
    rng.shuffle(names)
    out = []
    for index, name in enumerate(names, start=start):
        _, event = shop.event(kind)
        maker = big_value if name == "big_value" else MAKERS[name]
        out.append(Malformed(key=f"chaos-fuzz-{index}", value=maker(kind, event, rng), kind=name))
    return out
