"""A chaos run: the local stack up, the chosen scenarios one after another, JSON and PNG.

The report is rewritten after every scenario, so a run cut short still leaves the figures
of the scenarios it finished.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from streams.reports import write_json
from streams.settings import Settings
from streams.tooling.chaos.report import document
from streams.tooling.chaos.runner import run_scenario
from streams.tooling.chaos.scenarios import SCENARIOS, ChaosOptions
from streams.tooling.chaos.timeline import plot
from streams.tooling.stack.local import LocalStack

log = logging.getLogger(__name__)


def run(
    settings: Settings, names: Sequence[str], options: ChaosOptions, out: Path
) -> dict[str, Any]:
    """Run the named scenarios in order; returns the document written to ``out/chaos.json``."""
    stack = {status.name: status.version for status in LocalStack(settings).up()}
    results: list[dict[str, Any]] = []
    doc: dict[str, Any] = document(results, options, stack)
    for name in names:
        results.append(run_scenario(settings, SCENARIOS[name], options, out))
        doc = document(results, options, stack)
        write_json(doc, out / "chaos.json")
        plot(results, out / "chaos.png")
    return doc
