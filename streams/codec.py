"""Decoding and encoding of records as JSON bytes, with contract errors as DecodeError."""

from __future__ import annotations

import json
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from streams.errors import DecodeError
from streams.records import SCHEMA_VERSION

M = TypeVar("M", bound=BaseModel)


def decode(model: type[M], raw: bytes | None) -> M:
    """Parse and validate one message value.

    Raises:
        DecodeError: empty, not UTF-8 JSON, not an object, a newer schema_version than this
            code knows, or a contract violation (missing field, wrong type, out of range).
    """
    if not raw:
        msg = "empty message value"
        raise DecodeError(msg)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        msg = f"value is not UTF-8: {exc.reason} at byte {exc.start}"
        raise DecodeError(msg) from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"value is not JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        raise DecodeError(msg) from exc
    if not isinstance(payload, dict):
        msg = f"value is a JSON {type(payload).__name__}, expected an object"
        raise DecodeError(msg)
    version = payload.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        msg = f"schema_version {version} is newer than supported ({SCHEMA_VERSION})"
        raise DecodeError(msg)
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors(include_url=False)
        )
        msg = f"{model.__name__} contract violated: {problems}"
        raise DecodeError(msg) from exc


def encode(record: BaseModel) -> bytes:
    """Serialise a record as compact JSON bytes."""
    return record.model_dump_json().encode("utf-8")
