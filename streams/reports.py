"""Writing of report files: a JSON document and a matplotlib figure as a PNG.

Matplotlib is imported only when a figure is saved; callers choose the backend (the
report plots call ``matplotlib.use("Agg")`` before they draw).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_json(report: Mapping[str, Any], path: Path) -> Path:
    """Write ``report`` as indented UTF-8 JSON, creating the folder; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def save_figure(figure: Figure, path: Path, dpi: int = 110) -> Path:
    """Save ``figure`` (as the path's suffix says), creating the folder, then close it."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
    return path
