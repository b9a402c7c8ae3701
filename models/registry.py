"""Resolve a task to a verified model directory.

Layout: ``<root>/<task>/manifest.json`` plus the files the manifest lists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from models.errors import ModelCorruptError, ModelNotFoundError
from models.manifest import MANIFEST_NAME, Manifest, read_manifest, sha256_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelHandle:
    """A model directory whose files matched their manifest when it was resolved."""

    directory: Path
    manifest: Manifest

    def path(self, relative: str) -> Path:
        """Absolute path of a file of this model."""
        return self.directory / relative

    def onnx_path(self, variant: str) -> Path:
        """The ONNX file of a precision variant."""
        try:
            return self.directory / self.manifest.variants[variant]
        except KeyError:
            known = ", ".join(sorted(self.manifest.variants))
            msg = f"model {self.manifest.name} has no variant {variant!r} (has: {known})"
            raise ModelNotFoundError(msg) from None


class Registry:
    """Model directories under one root, one per task."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def task_dir(self, task: str) -> Path:
        """Where the model of a task lives (whether or not it exists yet)."""
        return self.root / task

    def has(self, task: str) -> bool:
        """Whether a manifest is present for a task."""
        return (self.task_dir(task) / MANIFEST_NAME).is_file()

    def resolve(self, task: str, *, verify: bool = True) -> ModelHandle:
        """Find a task's model and verify every file's sha256.

        Raises:
            ModelNotFoundError: no manifest, or a listed file is missing.
            ModelCorruptError: a file's checksum differs from the manifest.
        """
        directory = self.task_dir(task)
        if not (directory / MANIFEST_NAME).is_file():
            msg = (
                f"no model for task {task!r} under {self.root} "
                "(build the defaults with `shopstream models build`)"
            )
            raise ModelNotFoundError(msg)
        manifest = read_manifest(directory)
        if verify:
            for item in manifest.files:
                path = directory / item.path
                if not path.is_file():
                    msg = f"model {manifest.name}: file {item.path} is missing from {directory}"
                    raise ModelNotFoundError(msg)
                actual = sha256_of(path)
                if actual != item.sha256:
                    msg = (
                        f"model {manifest.name}: {item.path} has sha256 {actual[:12]}…, "
                        f"manifest says {item.sha256[:12]}…; rebuild or restore the file"
                    )
                    raise ModelCorruptError(msg)
        log.info("model.resolved task=%s name=%s version=%s", task, manifest.name, manifest.version)
        return ModelHandle(directory=directory, manifest=manifest)
