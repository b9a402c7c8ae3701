"""Targets, percentiles and the files of a published-output evaluation report."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from streams.reports import save_figure, write_json

Check = tuple[Literal[">=", "<=", "=="], float]
"""A target: comparison and threshold (``(">=", 0.9)``)."""


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile with linear interpolation between ranks.

    Args:
        values: The sample.
        q: Percentile in ``[0, 100]``.

    Returns:
        The percentile rounded to 0.1, or ``None`` for an empty sample.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    value = ordered[low] + (ordered[high] - ordered[low]) * (rank - low)
    return round(value, 1)


def checks(metrics: Mapping[str, Any], targets: Mapping[str, Check]) -> dict[str, dict[str, Any]]:
    """Compare metrics with their targets; a metric that could not be measured fails.

    Args:
        metrics: Metric values by name.
        targets: Targets by metric name.

    Returns:
        ``{name: {"value", "target", "passed"}}``.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, (op, threshold) in targets.items():
        value = metrics.get(name)
        if not isinstance(value, int | float):
            passed = False
        elif op == ">=":
            passed = value >= threshold
        elif op == "<=":
            passed = value <= threshold
        else:
            passed = value == threshold
        out[name] = {"value": value, "target": f"{op} {threshold}", "passed": passed}
    return out


def write_report(report: Mapping[str, Any], stem: Path) -> tuple[Path, Path]:
    """Write the report as ``<stem>.json`` and its metrics as a bar chart ``<stem>.png``.

    Args:
        report: A report from :func:`export.eval_published.evaluate`.
        stem: Path without suffix.

    Returns:
        The JSON and PNG paths.
    """
    json_path = write_json(report, stem.with_suffix(".json"))
    return json_path, _plot(report, stem.with_suffix(".png"))


def _plot(report: Mapping[str, Any], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics: Mapping[str, Any] = report["metrics"]
    # Only shares fit one axis; counts and milliseconds are in the JSON.
    shares = {
        name: float(value)
        for name, value in metrics.items()
        if isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= 1
        and name not in {"prompt_leaks", "missing_results"}
        and not name.startswith(("unsupported", "raw_", "audit_", "references"))
    }
    targets: Mapping[str, Mapping[str, Any]] = report["checks"]
    figure, axis = plt.subplots(figsize=(8, 0.45 * len(shares) + 1.6))
    names = list(shares)
    colours = [
        "tab:gray" if n not in targets else "tab:green" if targets[n]["passed"] else "tab:red"
        for n in names
    ]
    axis.barh(names, [shares[n] for n in names], color=colours)
    for position, name in enumerate(names):
        if name in targets:
            threshold = float(str(targets[name]["target"]).split()[1])
            axis.plot([threshold, threshold], [position - 0.4, position + 0.4], color="black")
    axis.set_xlim(0, 1)
    axis.invert_yaxis()
    counts = ", ".join(
        f"{n.replace('_', ' ')} {metrics[n]}"
        for n in ("unsupported_claims_published", "raw_pii_stored", "prompt_leaks")
        if n in metrics
    )
    axis.set_title(f"{report['task']}: {report['inputs']} inputs; {counts}", fontsize=9)
    axis.set_xlabel("share (black tick: target; green met, red missed, grey no target)")
    figure.tight_layout()
    return save_figure(figure, path)
