"""The manifest that describes one exported model: what it is, where it came from, its files."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MANIFEST_NAME = "manifest.json"
Task = Literal["sentiment", "reply", "description"]
Kind = Literal["classifier", "generator"]


class ModelFile(BaseModel):
    """One file of a model directory with its checksum."""

    model_config = ConfigDict(frozen=True)

    path: str
    sha256: str
    bytes: int


class Manifest(BaseModel):
    """Everything needed to load, verify and audit a model.

    ``variants`` maps a precision (``fp32``, ``int8``, ``fp16``) to an ONNX file relative to
    the model directory; ``default_variant`` picks one per execution device.
    """

    model_config = ConfigDict(frozen=True)

    schema_version: int = 1
    name: str
    version: str
    task: Task
    kind: Kind
    labels: list[str] = Field(default_factory=list)
    source: dict[str, str] = Field(default_factory=dict)
    variants: dict[str, str]
    default_variant: dict[str, str] = Field(default_factory=lambda: {"cpu": "fp32", "cuda": "fp32"})
    files: list[ModelFile]
    versions: dict[str, str] = Field(default_factory=dict)
    opset: int
    metrics: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)
    recipe_hash: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def file_sha256(self, relative: str) -> str:
        """The recorded sha256 of a file of this model."""
        for item in self.files:
            if item.path == relative:
                return item.sha256
        msg = f"{relative} is not listed in the manifest of {self.name}"
        raise KeyError(msg)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def describe_files(directory: Path) -> list[ModelFile]:
    """Checksums of every file under a model directory except the manifest itself."""
    return [
        ModelFile(
            path=str(path.relative_to(directory)),
            sha256=sha256_of(path),
            bytes=path.stat().st_size,
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    ]


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    """Write a manifest next to the files it lists."""
    target = directory / MANIFEST_NAME
    target.write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return target


def read_manifest(directory: Path) -> Manifest:
    """Read the manifest of a model directory."""
    return Manifest.model_validate_json((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
