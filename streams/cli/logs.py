"""Structured logging for the command line: one key=value event per line."""

from __future__ import annotations

import logging
import sys


def configure(level: str = "info") -> None:
    """Log to stderr as ``time level logger message`` lines."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="ts=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        force=True,
    )
