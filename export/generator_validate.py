"""Parity of an exported generator with PyTorch: probe prompts, references, typed failures.

PyTorch runs once per export on a few probe conversations (:func:`reference`); each ONNX
variant is then compared with those references by :func:`validate_variant` under its own
:class:`~export.validate.Tolerance`: fp32 next-token logits within ``atol`` (after a prefill
and after one cached step) and an identical greedy continuation for a batch of prompts of
different lengths; quantised variants by top-1 agreement under teacher forcing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from export.validate import ExportValidationError, Tolerance, compare_outputs
from models.chat import SPEC_NAME, TOKENIZER_NAME, ChatMessage, GeneratorSpec
from models.generator import LOGITS_TO_KEEP, GenerationParams, Generator

VARIANTS = {"fp32": "model.onnx", "int8": "model.int8.onnx", "fp16": "model.fp16.onnx"}
OPTIONAL_VARIANTS = {"int4": "model.int4.onnx"}
# 4-bit weights are measured, not relied on: they pass when most greedy steps agree.
OPTIONAL_TOLERANCES = {"int4": Tolerance(atol=100.0, min_agreement=0.6)}


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
    if LOGITS_TO_KEEP in inputs:
        feeds[LOGITS_TO_KEEP] = np.array([0], dtype=np.int64)  # every position's logits
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
    filename = {**VARIANTS, **OPTIONAL_VARIANTS}[variant]
    generator = Generator.from_files(out / filename, out)
    session = generator.session
    prompt = ref.prompts[0]
    prefill, past = _forward(session, prompt[:-1])
    step, _ = _forward(session, prompt[-1:], past)
    candidates = [np.concatenate([prefill[0], step[0]]).astype(np.float32)]
    for ids, continuation in zip(ref.prompts, ref.continuations, strict=True):
        forced, _ = _forward(session, ids + continuation[:-1])
        candidates.append(forced[0, len(ids) - 1 :].astype(np.float32))
    tolerance = spec.tolerances.get(variant) or OPTIONAL_TOLERANCES[variant]
    parity = compare_outputs(
        f"generator-{variant}", [ref.logits, *ref.forced], candidates, tolerance
    )
    params = GenerationParams(max_new_tokens=spec.greedy_tokens, min_new_tokens=spec.greedy_tokens)
    batched = [list(g.token_ids) for g in generator.generate_ids(ref.prompts, params)]
    identical = batched == ref.continuations
    if variant == "fp32" and not identical:
        msg = f"{filename}: batched greedy tokens {batched} differ from PyTorch {ref.continuations}"
        raise GreedyMismatchError(msg)
    return {**parity.as_dict(), "greedy_identical": identical}
