"""Decoding and encoding of records as JSON bytes, with contract errors as DecodeError.

Before anything is parsed, a message must keep the decode limits (size, nesting depth,
integer digits; :class:`~streams.settings.DecodeSettings`). The checks are cheap on valid
records: size is a length, depth is bounded by a byte count unless the message holds more
brackets than the limit, and digits are checked only where the parser builds an integer.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from streams.errors import ContractError, DecodeError
from streams.records import EVENT_TIMES_CONTEXT, SCHEMA_VERSION, EventTimeRange
from streams.settings import DecodeSettings

M = TypeVar("M", bound=BaseModel)

DEFAULT_LIMITS = DecodeSettings()

# A JSON string (which always matches up to its closing quote or the end, so the scan stays
# linear on unterminated strings) or one bracket outside strings.
_TOKEN = re.compile(rb'"[^"\\]*+(?:\\(?s:.)?[^"\\]*+)*+(?:"|\Z)|[\[\]{}]')
_OPENERS = frozenset(b"[{")


def nesting_depth_exceeds(raw: bytes, max_depth: int) -> bool:
    """Whether arrays and objects in ``raw`` nest deeper than ``max_depth`` (no recursion).

    Brackets inside strings do not count. A message with fewer brackets than the limit
    cannot exceed it, which is the common case and costs two byte counts.
    """
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _TOKEN.finditer(raw):
        token = match.group()
        if len(token) != 1 or token == b'"':
            continue
        if token[0] in _OPENERS:
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


@functools.lru_cache(maxsize=8)
def _json_decoder(max_int_digits: int) -> json.JSONDecoder:
    # Built once per limit: json.loads with a hook would build a decoder for every message.
    return json.JSONDecoder(parse_int=_bounded_int(max_int_digits))


def _bounded_int(max_digits: int) -> Callable[[str], int]:
    def parse(digits: str) -> int:
        if len(digits.lstrip("-")) > max_digits:
            msg = (
                f"integer of {len(digits.lstrip('-'))} digits exceeds "
                f"decode.max_int_digits={max_digits}"
            )
            raise DecodeError(msg)
        return int(digits)

    return parse


def _check_limits(raw: bytes, limits: DecodeSettings) -> None:
    if len(raw) > limits.max_bytes:
        msg = f"value of {len(raw)} bytes exceeds decode.max_bytes={limits.max_bytes}"
        raise DecodeError(msg)
    if nesting_depth_exceeds(raw, limits.max_depth):
        msg = f"value nests deeper than decode.max_depth={limits.max_depth}"
        raise DecodeError(msg)


def decode(
    model: type[M],
    raw: bytes | None,
    limits: DecodeSettings = DEFAULT_LIMITS,
    event_times: EventTimeRange | None = None,
) -> M:
    """Parse and validate one message value.

    ``event_times`` is the range the connected schema stores (see
    :data:`streams.records.EVENT_TIMES_CONTEXT`); without it the widest supported one applies.

    Raises:
        DecodeError: empty, past a decode limit (the message names it), not UTF-8 JSON, or
            not an object.
        ContractError: a newer schema_version than this code knows, or a contract violation
            (missing field, wrong type, out of range).
    """
    if not raw:
        msg = "empty message value"
        raise DecodeError(msg)
    _check_limits(raw, limits)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"value is not UTF-8: {exc.reason} at byte {exc.start}"
        raise DecodeError(msg) from exc
    try:
        payload = _json_decoder(limits.max_int_digits).decode(text)
    except json.JSONDecodeError as exc:
        msg = f"value is not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        raise DecodeError(msg) from exc
    except (ValueError, RecursionError) as exc:
        # Defences: the limits above keep the parser from these; a parser change must not
        # turn them into a halted worker.
        msg = f"value cannot be parsed: {type(exc).__name__}: {str(exc)[:200]}"
        raise DecodeError(msg) from exc
    if not isinstance(payload, dict):
        msg = f"value is a JSON {type(payload).__name__}, expected an object"
        raise DecodeError(msg)
    version = payload.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        msg = f"schema_version {version} is newer than supported ({SCHEMA_VERSION})"
        raise ContractError(msg)
    try:
        context = {EVENT_TIMES_CONTEXT: event_times} if event_times is not None else None
        return model.model_validate_json(text, context=context)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in errors
        )
        if all(err["type"] == "json_invalid" for err in errors):
            # Text json.loads accepts but the validator's parser does not (a lone surrogate).
            msg = f"value is not valid JSON text: {problems}"
            raise DecodeError(msg) from exc
        msg = f"{model.__name__} contract violated: {problems}"
        raise ContractError(msg) from exc


def encode(record: BaseModel) -> bytes:
    """Serialise a record as compact JSON bytes."""
    return record.model_dump_json().encode("utf-8")
