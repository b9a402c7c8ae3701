"""`shopstream models explain` on the real default sentiment model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from export.cli import models

pytestmark = pytest.mark.slow


def test_explain_points_at_the_complaint_words() -> None:
    # One complaint word: taking a token out shows what that token alone adds, so a review
    # with two complaints ("Worst ... broke") credits neither while the other remains.
    text = "The kettle broke on the first day."
    result = CliRunner().invoke(models, ["explain", "--json", text])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["label"] == "negative"
    assert [t["token"] for t in data["tokens"]][:3] == ["The", "kettle", "broke"]
    pushes = sorted(data["tokens"], key=lambda t: -t["attribution"]["negative"])
    assert pushes[0]["token"] == "broke", pushes[:3]


def test_explain_prints_a_table_with_label_and_probabilities() -> None:
    result = CliRunner().invoke(models, ["explain", "I love it, the quality is excellent."])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("label: positive") and "p_positive=" in first
