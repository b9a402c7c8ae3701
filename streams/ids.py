"""Deterministic ids: the same input event and task always give the same output id."""

from __future__ import annotations

import uuid

_NAMESPACE = uuid.UUID("6f1c4b1e-5d0a-4c2e-9b7a-3f2d8e6a1c90")


def output_id(task: str, *parts: str) -> str:
    """A UUIDv5 over the task and the input's identifying parts."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join((task, *parts))))
