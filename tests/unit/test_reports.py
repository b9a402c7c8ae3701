"""Report files: JSON documents and PNG figures land in folders that do not exist yet."""

from __future__ import annotations

import json
from pathlib import Path

from streams.reports import save_figure, write_json

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_write_json_creates_the_folder_and_round_trips(tmp_path: Path) -> None:
    report = {"name": "Crème brûlée · 抹茶", "values": [1, 2.5, None], "nested": {"ok": True}}
    path = tmp_path / "out" / "deeper" / "report.json"

    written = write_json(report, path)

    assert written == path
    assert path.is_file()
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == report
    assert "Crème brûlée · 抹茶" in text
    assert text.startswith('{\n  "name"')


def test_save_figure_creates_the_folder_writes_a_png_and_closes(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(2, 1.5))
    axis.plot([0, 1, 2], [1, 0, 1])
    path = tmp_path / "plots" / "nested" / "tiny.png"

    written = save_figure(figure, path, dpi=50)

    assert written == path
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert not plt.fignum_exists(figure.number)
