"""The PNG timeline of a chaos run: one panel per scenario.

Each panel draws the input the consumer group has committed (the pipeline's durable progress)
against the input produced, shades the faults, marks the kills, and shows underneath how many
workers answered ``/ready`` with true.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from streams.reports import save_figure


def plot(results: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Draw every scenario's timeline into one PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(1, len(results))
    figure, axes = plt.subplots(
        rows, 1, figsize=(11, 2.6 * rows), squeeze=False, constrained_layout=True
    )
    for axis, result in zip(axes[:, 0], results, strict=False):
        _panel(axis, result)
    axes[-1, 0].set_xlabel("seconds since the feed started")
    return save_figure(figure, path)


def _panel(axis: Any, result: Mapping[str, Any]) -> None:
    timeline = result["timeline"]
    samples = [s for s in timeline["samples"] if s[1] is not None and s[2] is not None]
    t = [s[0] for s in samples]
    start = samples[0][1] if samples else 0
    axis.plot(t, [s[2] - start for s in samples], color="0.6", lw=1.2, label="input in")
    axis.plot(t, [s[1] - start for s in samples], color="tab:blue", lw=1.6, label="committed")
    for begin, end, label in timeline["spans"]:
        axis.axvspan(begin, end, color="tab:red", alpha=0.15, label=label)
    for when, label in timeline["marks"]:
        axis.axvline(when, color="tab:red", lw=0.8, ls="--")
        axis.annotate(label, (when, 0), rotation=90, fontsize=6, va="bottom", ha="right")
    ready = axis.twinx()
    all_t = [s[0] for s in timeline["samples"]]
    ready.step(all_t, [s[3] for s in timeline["samples"]], where="post", color="tab:green",
               lw=0.9, alpha=0.8, label="workers ready")  # fmt: skip
    ready.set_ylim(-0.2, max((s[4] for s in timeline["samples"]), default=1) + 0.5)
    ready.set_ylabel("ready", fontsize=7, color="tab:green")
    ready.tick_params(labelsize=7)
    axis.set_ylabel("messages", fontsize=7)
    axis.tick_params(labelsize=7)
    axis.set_title(
        f"{result['name']}: lost {result['lost']}, doubled {result['doubled']}, "
        f"stalled {result['stalled_s']:.0f}s, restarts {result['restarts']}",
        fontsize=9,
        loc="left",
    )
    axis.legend(loc="upper left", fontsize=6)
