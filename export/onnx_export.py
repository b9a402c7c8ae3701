"""Hugging Face → ONNX through optimum, plus dynamic int8 and fp16 variants.

The helpers are model-agnostic: the generator export reuses :func:`quantize_int8` and
:func:`convert_fp16` on its own graphs. Every produced file is meant to be checked with
:mod:`export.validate` before a manifest lists it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import inspect
import json
import logging
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from export.smoothing import SmoothingReport, smooth_activations
from export.validate import ParityReport, Tolerance, validate_onnx

log = logging.getLogger(__name__)

DEFAULT_OPSET = 18
VERSIONED_PACKAGES = ("torch", "transformers", "optimum", "optimum-onnx", "onnx", "onnxruntime")


def package_versions(names: tuple[str, ...] = VERSIONED_PACKAGES) -> dict[str, str]:
    """Installed versions of the export toolchain (``missing`` when absent)."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "missing"
    if versions.get("onnxruntime") == "missing":
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions["onnxruntime"] = importlib.metadata.version("onnxruntime-gpu")
    return versions


def export_with_optimum(
    model_dir: Path,
    out_dir: Path,
    *,
    task: str = "text-classification",
    opset: int = DEFAULT_OPSET,
) -> Path:
    """Export a local Hugging Face checkpoint to ``out_dir/model.onnx`` (fp32).

    optimum also writes the model config and the tokenizer files next to the graph. Its own
    validation is skipped: :mod:`export.validate` checks every variant against PyTorch.

    Args:
        model_dir: a directory with ``config.json``, weights and tokenizer files.
        out_dir: where ``model.onnx`` and its companions go (created if needed).
        task: the optimum task name.
        opset: the ONNX opset to export with.

    Returns:
        The path of ``model.onnx``.
    """
    from optimum.exporters.onnx import main_export

    out_dir.mkdir(parents=True, exist_ok=True)
    log.info("export.onnx source=%s task=%s opset=%d", model_dir, task, opset)
    # The tracer and transformers warn about traced control flow and deprecated kwargs; none
    # of it is actionable here, and parity validation is what decides whether the graph is
    # right.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main_export(
            str(model_dir),
            output=out_dir,
            task=task,
            opset=opset,
            device="cpu",
            do_validation=False,
            local_files_only=True,
        )
    target = out_dir / "model.onnx"
    if not target.is_file():
        msg = f"optimum export wrote no model.onnx into {out_dir}"
        raise FileNotFoundError(msg)
    return target


def onnx_opset(path: Path) -> int:
    """The default-domain opset an ONNX file declares."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    msg = f"{path} declares no default-domain opset"
    raise ValueError(msg)


def quantize_int8(
    src: Path,
    dst: Path,
    *,
    per_channel: bool = True,
    op_types: Sequence[str] | None = None,
    keep_fp32: Sequence[str] = (),
) -> None:
    """Dynamic int8 quantisation: int8 weights, activations quantised at run time.

    Per-channel scales are the default: on the fine-tuned MiniLM they cut the mean logit error
    from 0.09 to 0.036 and the arg-max flips on 400 held-out texts from 15 to 7, at the same
    size and speed as one scale per tensor.

    Args:
        src: an fp32 ONNX model.
        dst: where the quantised model goes.
        per_channel: one scale per output channel instead of per tensor.
        op_types: operator types to quantise (``None``: the quantizer's default set).
        keep_fp32: names of nodes left in fp32.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dst.parent.mkdir(parents=True, exist_ok=True)
    large = src.stat().st_size > (1 << 31) - (1 << 26)  # protobuf's 2 GiB limit, with headroom
    previous = logging.root.manager.disable
    # The quantizer logs one INFO line per tensor on the root logger; mute INFO while it runs.
    logging.disable(max(previous, logging.INFO))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                src,
                dst,
                weight_type=QuantType.QInt8,
                per_channel=per_channel,
                op_types_to_quantize=list(op_types) if op_types is not None else None,
                nodes_to_exclude=list(keep_fp32),
                use_external_data_format=large,
            )
    finally:
        logging.disable(previous)
    log.info(
        "export.quantize src=%s dst=%s bytes=%d per_channel=%s kept_fp32=%d",
        src.name,
        dst.name,
        dst.stat().st_size,
        per_channel,
        len(keep_fp32),
    )


@dataclass(frozen=True)
class Int8Scheme:
    """How one architecture is quantised to int8 (see :data:`INT8_SCHEMES`).

    Attributes:
        per_channel: one scale per output channel instead of per tensor.
        matmul_only: quantise only MatMul nodes (leave Gather, i.e. embeddings, in fp32).
        ffn_output_fp32: keep the second matrix of every feed-forward block in fp32.
        smooth_alpha: smooth the activations with this strength first
            (:mod:`export.smoothing`); ``None``: no smoothing.
    """

    per_channel: bool = True
    matmul_only: bool = False
    ffn_output_fp32: bool = False
    smooth_alpha: float | None = None


# Measured on the fine-tuned classifiers, arg-max agreement with PyTorch on 128 review
# sentences: MiniLM per-channel 0.99. MPNet per-channel 0.39 (a mean logit error of 1.3),
# per-tensor MatMul-only 0.91, and 0.98 with the feed-forward output matrices in fp32: their
# inputs come out of GELU with a long tail, which one dynamic activation scale cuts badly.
# MiniLM smoothed first, by the mean logit error against fp32 on 1,705 held-out and 1,000
# calibration texts (plain 0.064 / 0.058): alpha 0.3 0.64 / 0.60, 0.5 0.135 / 0.106,
# 0.65 0.055 / 0.046, 0.8 0.042 / 0.034, 0.9 0.037 / 0.033, 1.0 0.043 / 0.038; at 0.9 the
# largest held-out error falls from 2.5 to 1.7 and rows off by more than a logit from 0.25%
# to 0.04%, at 5% of the speed (the extra Mul per smoothed activation).
INT8_SCHEMES: dict[str, Int8Scheme] = {
    "bert": Int8Scheme(smooth_alpha=0.9),
    "mpnet": Int8Scheme(per_channel=False, matmul_only=True, ffn_output_fp32=True),
}


def ffn_output_matmuls(path: Path) -> list[str]:
    """Names of the feed-forward output MatMuls (``…/output/dense/MatMul``, not attention's)."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    return [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and "/output/dense/" in node.name
        and "attention" not in node.name
    ]


def model_type(checkpoint: Path) -> str:
    """``model_type`` of a Hugging Face checkpoint's ``config.json``."""
    config = json.loads((checkpoint / "config.json").read_text(encoding="utf-8"))
    return str(config.get("model_type", ""))


def quantize_for(
    checkpoint: Path,
    fp32: Path,
    dst: Path,
    calibration: Sequence[Mapping[str, np.ndarray]] = (),
) -> SmoothingReport | None:
    """Quantise ``fp32`` with the scheme of the checkpoint's architecture.

    Args:
        checkpoint: the Hugging Face checkpoint (its ``model_type`` picks the scheme).
        fp32: the exported fp32 graph.
        dst: where the int8 graph goes.
        calibration: tokenised calibration batches, needed by a scheme that smooths.

    Returns:
        What smoothing changed, or ``None`` when the scheme does not smooth.

    Raises:
        ValueError: the scheme smooths and no calibration batch was given.
    """
    scheme = INT8_SCHEMES.get(model_type(checkpoint), Int8Scheme())
    if scheme.smooth_alpha is not None and not calibration:
        msg = f"the int8 scheme of {checkpoint.name} smooths activations: give calibration batches"
        raise ValueError(msg)
    with tempfile.TemporaryDirectory(prefix="smooth-") as scratch:
        source, report = fp32, None
        if scheme.smooth_alpha is not None:
            source = Path(scratch) / fp32.name
            report = smooth_activations(fp32, source, calibration, alpha=scheme.smooth_alpha)
        quantize_int8(
            source,
            dst,
            per_channel=scheme.per_channel,
            op_types=("MatMul",) if scheme.matmul_only else None,
            keep_fp32=ffn_output_matmuls(source) if scheme.ffn_output_fp32 else (),
        )
    return report


def convert_fp16(src: Path, dst: Path) -> None:
    """fp16 weights and activations, fp32 inputs and outputs (``keep_io_types``).

    Args:
        src: an fp32 ONNX model.
        dst: where the fp16 model goes.
    """
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    dst.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # It warns about constants clamped to the fp16 range; parity validation judges that.
        warnings.simplefilter("ignore")
        # Given a path, the converter infers shapes file to file: in-memory inference
        # serialises the model, which fails past protobuf's 2 GiB (a 0.5B LM in fp32).
        converted = convert_float_to_float16(str(src), keep_io_types=True)
    large = converted.ByteSize() > (1 << 31) - (1 << 26)
    onnx.save_model(converted, str(dst), save_as_external_data=large)
    log.info("export.fp16 src=%s dst=%s bytes=%d", src.name, dst.name, dst.stat().st_size)


def quantize_blockwise(src: Path, dst: Path, *, bits: int = 8, block_size: int = 32) -> None:
    """Block-wise weight-only quantisation of every constant-weight MatMul (``MatMulNBits``).

    ``bits`` (4 or 8) per weight, one scale and zero point per ``block_size`` inputs;
    activations are quantised to int8 per block at run time (``accuracy_level=4``). The
    result is written to ``dst`` in one file (it is well under protobuf's 2 GiB).

    Args:
        src: an fp32 ONNX model (external weight data next to it is read too).
        dst: where the quantised model goes.
        bits: weight bits, 4 or 8.
        block_size: inputs per quantisation block.
    """
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(src)),
        bits=bits,
        block_size=block_size,
        is_symmetric=False,
        accuracy_level=4,
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
        "export.quantize dst=%s bytes=%d bits=%d block_size=%d",
        dst.name,
        dst.stat().st_size,
        bits,
        block_size,
    )


VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx", "fp16": "model.fp16.onnx"}


def forward_inputs(model: Any, batch: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs of ``batch`` that the model's ``forward`` takes.

    The runtime tokenizer always emits ``token_type_ids``; MPNet's forward rejects them and
    its ONNX graph has no such input, so PyTorch is fed what the graph is fed.
    """
    accepted = set(inspect.signature(model.forward).parameters)
    return {name: value for name, value in batch.items() if name in accepted}


def torch_logits(model: Any, batches: Sequence[Mapping[str, np.ndarray]]) -> list[np.ndarray]:
    """PyTorch logits of a sequence classifier for already-tokenised batches."""
    import torch

    outputs: list[np.ndarray] = []
    with torch.inference_mode():
        for batch in batches:
            tensors = {name: torch.from_numpy(np.asarray(value)) for name, value in batch.items()}
            outputs.append(model(**tensors).logits.float().numpy())
    return outputs


@dataclass(frozen=True)
class ClassifierExport:
    """What :func:`export_classifier` checked and changed.

    Attributes:
        parity: the parity report of each variant against PyTorch.
        smoothing: what activation smoothing changed before int8 (``None``: not smoothed).
    """

    parity: dict[str, ParityReport]
    smoothing: SmoothingReport | None


def calibration_batches(
    encoder: Any, texts: Sequence[str], size: int = 64
) -> list[dict[str, np.ndarray]]:
    """``texts`` tokenised in batches of similar length, as the runtime classifier batches."""
    ordered = sorted(texts, key=len)
    return [encoder.encode(ordered[i : i + size]) for i in range(0, len(ordered), size)]


def export_classifier(
    checkpoint: Path,
    out_dir: Path,
    parity_texts: Sequence[Sequence[str]],
    *,
    max_length: int,
    calibration_texts: Sequence[str] = (),
    opset: int = DEFAULT_OPSET,
    tolerances: Mapping[str, Tolerance] | None = None,
    progress: bool = True,
) -> ClassifierExport:
    """Export a sequence classifier in fp32, int8 and fp16 and validate each against PyTorch.

    The parity inputs are tokenised by the runtime tokenizer (:class:`models.tokenize.
    TextEncoder`) from the exported ``tokenizer.json``, so the check covers what production
    feeds the graph, not only the graph.

    Args:
        checkpoint: a Hugging Face sequence-classification checkpoint with tokenizer files.
        out_dir: receives ``model.onnx``, ``model.int8.onnx``, ``model.fp16.onnx`` and the
            tokenizer and config files.
        parity_texts: batches of texts to compare on (different sizes exercise dynamic axes).
        max_length: token cap used by the runtime.
        calibration_texts: texts whose activation ranges int8 smoothing measures (calibration
            splits, never the evaluation texts).
        opset: ONNX opset.
        tolerances: per-variant overrides of :data:`export.validate.DEFAULT_TOLERANCES`.
        progress: show a progress bar over the stages.

    Returns:
        The parity report of each variant and what smoothing changed.

    Raises:
        ExportValidationError: a variant does not reproduce PyTorch.
    """
    from transformers import AutoModelForSequenceClassification

    from models.tokenize import TextEncoder

    stages = tqdm(total=6, desc="export classifier", unit="stage", disable=not progress)
    stages.set_postfix_str("onnx fp32")
    fp32 = export_with_optimum(checkpoint, out_dir, task="text-classification", opset=opset)
    stages.update()
    stages.set_postfix_str("int8")
    encoder = TextEncoder.from_dir(out_dir, max_length)
    calibration = calibration_batches(encoder, calibration_texts)
    smoothing = quantize_for(checkpoint, fp32, out_dir / VARIANT_FILES["int8"], calibration)
    stages.update()
    stages.set_postfix_str("fp16")
    convert_fp16(fp32, out_dir / VARIANT_FILES["fp16"])
    stages.update()
    batches = [encoder.encode(texts) for texts in parity_texts if texts]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForSequenceClassification.from_pretrained(
            checkpoint, local_files_only=True
        ).eval()
    batches = [forward_inputs(model, batch) for batch in batches]
    references = torch_logits(model, batches)
    reports: dict[str, ParityReport] = {}
    for variant, name in VARIANT_FILES.items():
        stages.set_postfix_str(f"validate {variant}")
        chosen = (tolerances or {}).get(variant)
        reports[variant] = validate_onnx(
            out_dir / name, batches, references, variant=variant, tolerance=chosen
        )
        stages.update()
    stages.close()
    return ClassifierExport(parity=reports, smoothing=smoothing)
