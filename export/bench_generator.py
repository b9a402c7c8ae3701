"""Generation throughput: ONNX Runtime variants against PyTorch eager, JSON + PNG.

Every engine generates exactly ``new_tokens`` tokens per prompt (end-of-sequence suppressed)
for the same chat prompts, batch by batch, after one warm-up call; tokens/s counts generated
tokens only. PyTorch runs ``model.generate`` (greedy, left padding, KV cache) on the same
source weights the ONNX files were exported from. Alongside, for each variant, a batch of
four reply prompts (one system prompt, different messages) runs with and without the
runtime's shared-prefix cache (``prefix_cache`` in the JSON).

Run::

    python -m export.bench_generator MODEL_DIR [--batch-sizes 1 8 32] [--new-tokens 32]
        [--variants fp32 int8] [--torch-source HF_DIR | --no-torch] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.chat import ChatMessage
from models.generator import GenerationParams, Generator
from models.manifest import read_manifest
from streams.generation.prompts import LANGUAGE_LINES, REPLY_TEMPLATE
from streams.reports import save_figure, write_json

log = logging.getLogger(__name__)

PROMPTS = (
    "Where is my order?",
    "Write a two-sentence description of a ceramic coffee mug, 350 ml, dishwasher safe.",
    "Can I return shoes that I already wore once outside?",
    "Describe a wool scarf in one sentence.",
    "My package arrived damaged: the box was crushed and the lamp inside is broken. What now?",
    "Do you ship to Canada?",
    "Write a product description for noise-cancelling headphones with 30 hours of battery.",
    "How do I change the delivery address of an order I placed yesterday evening?",
)


@dataclass(frozen=True)
class BenchConfig:
    """What to measure.

    Attributes:
        model_dir: A generator directory (task directory or export work directory).
        out_dir: Where ``bench_generator.json`` and ``bench_generator.png`` go.
        batch_sizes: Prompts per call.
        new_tokens: Tokens generated per prompt.
        variants: ONNX variants to run (``fp32``, ``int8``, ``fp16``).
        torch_source: Hugging Face directory for the PyTorch baseline (None: skip it).
        device: Device for ONNX Runtime (``cpu``, ``cuda``, ``auto``).
    """

    model_dir: Path
    out_dir: Path
    batch_sizes: tuple[int, ...] = (1, 8, 32)
    new_tokens: int = 32
    variants: tuple[str, ...] = ("fp32", "int8")
    torch_source: Path | None = None
    device: str = "cpu"


def _prompts(batch: int) -> list[list[ChatMessage]]:
    return [[ChatMessage("user", PROMPTS[i % len(PROMPTS)])] for i in range(batch)]


def _variant_file(model_dir: Path, variant: str) -> str:
    if (model_dir / "manifest.json").is_file():
        return read_manifest(model_dir).variants[variant]
    return {"fp32": "model.onnx"}.get(variant, f"model.{variant}.onnx")


def _row(
    engine: str,
    file: str,
    provider: str,
    batch: int,
    timing: tuple[int, float, int, float],
) -> dict[str, Any]:
    """One result: end-to-end tokens/s plus the prefill and decode split.

    ``timing`` is (prompt tokens, seconds to the first new token, new tokens, seconds for
    all of them). Prefill rate counts prompt tokens over the first call; decode rate counts
    the tokens after the first over the extra time the longer call took.
    """
    prompt_tokens, first_s, tokens, seconds = timing
    rows = max(batch, 1)
    decode_s = max(seconds - first_s, 1e-9)
    return {
        "engine": engine,
        "file": file,
        "provider": provider,
        "batch": batch,
        "prompt_tokens": prompt_tokens,
        "prefill_s": round(first_s, 4),
        "prefill_tokens_per_s": prompt_tokens / max(first_s, 1e-9),
        "new_tokens": tokens,
        "seconds": seconds,
        "tokens_per_s": tokens / seconds,
        "decode_tokens_per_s": (tokens - rows) / decode_s,
    }


def measure_ort(
    model_dir: Path, filename: str, batch_sizes: Sequence[int], new_tokens: int, device: Any = "cpu"
) -> list[dict[str, Any]]:
    """Tokens/s of one ONNX file through the runtime loop, per batch size.

    Each batch runs twice: for one new token (prefill) and for ``new_tokens`` (the whole call).
    The shared-prefix cache is off, so prefill counts every prompt token, as PyTorch's does.
    """
    generator = Generator.from_files(
        model_dir / filename, model_dir, device=device, prefix_cache=False
    )
    generator.warmup()
    first = GenerationParams(max_new_tokens=1, min_new_tokens=1)
    params = GenerationParams(max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    rows = []
    for batch in batch_sizes:
        start = time.perf_counter()
        prefill = generator.generate(_prompts(batch), first)
        first_s = time.perf_counter() - start
        start = time.perf_counter()
        results = generator.generate(_prompts(batch), params)
        seconds = time.perf_counter() - start
        prompt_tokens = sum(r.prompt_tokens for r in prefill)
        tokens = sum(r.new_tokens for r in results)
        row = _row(
            "onnxruntime",
            filename,
            generator.provider,
            batch,
            (prompt_tokens, first_s, tokens, seconds),
        )
        rows.append(row)
        log.info(
            "bench.ort file=%s batch=%d tokens_per_s=%.1f prefill_tokens_per_s=%.1f "
            "decode_tokens_per_s=%.1f",
            filename,
            batch,
            row["tokens_per_s"],
            row["prefill_tokens_per_s"],
            row["decode_tokens_per_s"],
        )
    return rows


def measure_tokens_per_s(model_dir: Path, filename: str, new_tokens: int = 24) -> dict[str, Any]:
    """A cheap build-time figure: one prompt and a batch of eight on CPU."""
    rows = measure_ort(model_dir, filename, (1, 8), new_tokens)
    return {
        "file": filename,
        "provider": rows[0]["provider"],
        "new_tokens": new_tokens,
        **{f"batch_{row['batch']}": round(row["tokens_per_s"], 1) for row in rows},
    }


def measure_torch(
    source: Path, batch_sizes: Sequence[int], new_tokens: int
) -> list[dict[str, Any]]:
    """Tokens/s of PyTorch eager ``generate`` (greedy, KV cache) per batch size."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source, padding_side="left")
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).eval()
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id

    def run(batch: int, count: int) -> tuple[int, int, float]:
        texts = [
            tokenizer.apply_chat_template(
                [m.as_dict() for m in conversation], tokenize=False, add_generation_prompt=True
            )
            for conversation in _prompts(batch)
        ]
        inputs = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        start = time.perf_counter()
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=count,
                min_new_tokens=count,
                do_sample=False,
                pad_token_id=pad,
            )
        seconds = time.perf_counter() - start
        generated = int((output.shape[1] - inputs["input_ids"].shape[1]) * batch)
        return int(inputs["attention_mask"].sum()), generated, seconds

    run(1, 2)
    rows = []
    provider = f"torch-{torch.__version__}-cpu-threads{torch.get_num_threads()}"
    for batch in batch_sizes:
        prompt_tokens, _, first_s = run(batch, 1)
        _, tokens, seconds = run(batch, new_tokens)
        row = _row("pytorch", "eager", provider, batch, (prompt_tokens, first_s, tokens, seconds))
        rows.append(row)
        log.info(
            "bench.torch batch=%d tokens_per_s=%.1f prefill_tokens_per_s=%.1f "
            "decode_tokens_per_s=%.1f",
            batch,
            row["tokens_per_s"],
            row["prefill_tokens_per_s"],
            row["decode_tokens_per_s"],
        )
    return rows


def _reply_prompts(batch: int) -> list[list[ChatMessage]]:
    # What the reply agent sends: one system prompt, different customer messages.
    system = f"{REPLY_TEMPLATE.system}\n\n{LANGUAGE_LINES['en']}"
    return [
        [ChatMessage("system", system), ChatMessage("user", PROMPTS[i % len(PROMPTS)])]
        for i in range(batch)
    ]


def measure_prefix_cache(
    model_dir: Path, filename: str, batch: int, new_tokens: int, device: Any = "cpu"
) -> dict[str, Any]:
    """Seconds for a batch of reply prompts with and without the shared-prefix cache.

    Both generators get one untimed call first, so the cached one holds the system prompt's
    KV cache when timed (as a worker does after its first batch).
    """
    params = GenerationParams(max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    prompts = _reply_prompts(batch)
    seconds: dict[str, float] = {}
    for name, cache in (("without", False), ("with", True)):
        generator = Generator.from_files(
            model_dir / filename, model_dir, device=device, prefix_cache=cache
        )
        generator.generate(prompts, params)
        start = time.perf_counter()
        generator.generate(prompts, params)
        seconds[name] = time.perf_counter() - start
    tokens = [len(t) for t in generator.encode(prompts)]
    return {
        "file": filename,
        "batch": batch,
        "new_tokens": new_tokens,
        "prompt_tokens": sum(tokens),
        "seconds_without_cache": round(seconds["without"], 4),
        "seconds_with_cache": round(seconds["with"], 4),
        "speedup": round(seconds["without"] / max(seconds["with"], 1e-9), 2),
    }


def run_bench(config: BenchConfig) -> dict[str, Any]:
    """Measure every engine, write JSON and PNG into ``config.out_dir``; returns the JSON."""
    rows: list[dict[str, Any]] = []
    for variant in config.variants:
        filename = _variant_file(config.model_dir, variant)
        for row in measure_ort(
            config.model_dir, filename, config.batch_sizes, config.new_tokens, config.device
        ):
            rows.append({**row, "variant": variant})
    if config.torch_source is not None:
        for row in measure_torch(config.torch_source, config.batch_sizes, config.new_tokens):
            rows.append({**row, "variant": "pytorch-fp32"})
    torch_rate = {r["batch"]: r["tokens_per_s"] for r in rows if r["engine"] == "pytorch"}
    ratios = {
        f"{r['variant']}/pytorch@{r['batch']}": round(r["tokens_per_s"] / torch_rate[r["batch"]], 2)
        for r in rows
        if r["engine"] == "onnxruntime" and r["batch"] in torch_rate
    }
    sizes = {
        variant: (config.model_dir / _variant_file(config.model_dir, variant)).stat().st_size
        for variant in config.variants
    }
    prefix_cache = [
        measure_prefix_cache(
            config.model_dir, _variant_file(config.model_dir, variant), 4, config.new_tokens,
            config.device,
        )
        for variant in config.variants
    ]  # fmt: skip
    report = {
        "created_at": datetime.now(UTC).isoformat(),
        "config": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "results": rows,
        "ratios_vs_pytorch": ratios,
        "prefix_cache": prefix_cache,
        "model_bytes": sizes,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    write_json(report, config.out_dir / "bench_generator.json")
    _plot(rows, config.out_dir / "bench_generator.png")
    return report


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    for variant in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == variant]
        axis.plot(
            [r["batch"] for r in mine], [r["tokens_per_s"] for r in mine], marker="o", label=variant
        )
    axis.set_xscale("log", base=2)
    axis.set_xlabel("prompts per batch")
    axis.set_ylabel("generated tokens / s")
    axis.set_title("Generator throughput")
    axis.grid(alpha=0.3)
    axis.legend()
    figure.tight_layout()
    save_figure(figure, path, dpi=120)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--variants", nargs="+", default=["fp32", "int8"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--torch-source", type=Path, default=None)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    torch_source = None if args.no_torch else args.torch_source or _default_torch_source(args)
    report = run_bench(
        BenchConfig(
            model_dir=args.model_dir,
            out_dir=args.out,
            batch_sizes=tuple(args.batch_sizes),
            new_tokens=args.new_tokens,
            variants=tuple(args.variants),
            torch_source=torch_source,
            device=args.device,
        )
    )
    log.info("bench.done ratios=%s", json.dumps(report["ratios_vs_pytorch"]))


def _default_torch_source(args: argparse.Namespace) -> Path:
    """The Hugging Face directory a task directory's export came from.

    For a GGUF source that is the converted directory under ``.work/generator`` whose
    completion stamp holds the GGUF's sha256 (see :func:`export.gguf_source.gguf_to_hf`).
    """
    manifest = read_manifest(args.model_dir)
    if manifest.source.get("kind") == "hf-directory":
        return Path(manifest.source["path"])
    work_dir = args.model_dir.parent / ".work" / "generator"
    sha256 = manifest.source.get("gguf_sha256", "")
    for candidate in sorted(work_dir.glob("hf-*")):
        stamp = candidate / ".complete"
        if sha256 and stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == sha256:
            return candidate
    msg = f"no converted source for {manifest.name} under {work_dir}; pass --torch-source"
    raise FileNotFoundError(msg)


if __name__ == "__main__":
    main()
