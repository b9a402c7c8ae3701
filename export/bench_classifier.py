"""Throughput and latency of the sentiment model: ONNX Runtime fp32 and int8 vs PyTorch eager.

Every backend runs the same pre-tokenised batches (held-out English snippets, padded to each
batch's longest), so only the model call is timed. For each batch size the backends take
``rounds`` turns of ``seconds / rounds`` each (after one warm-up call); the report
has items/s, p50/p99 latency per batch, and the ORT/PyTorch throughput ratios, plus the
machine (CPU count, platform) and the execution provider. Results are JSON plus a PNG plot.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from export.onnx_export import package_versions
from models.registry import ModelHandle
from models.runtime import Device, SessionOptions, create_session
from models.tokenize import TextEncoder
from streams.reports import save_figure, write_json

log = logging.getLogger(__name__)

Batch = dict[str, np.ndarray]


@dataclass(frozen=True)
class BenchConfig:
    """How long and on what to measure.

    Attributes:
        batch_sizes: batch sizes to measure, each on every backend.
        seconds: time budget per backend and batch size.
        min_iters: fewest timed calls per backend, batch size and round.
        rounds: turns the backends take at each batch size (fair under fluctuating load).
        threads: intra-op threads for ORT and PyTorch (0: one per CPU).
        device: ORT device; PyTorch follows it when CUDA is used.
        variants: ONNX variants to measure.
    """

    batch_sizes: tuple[int, ...] = (1, 8, 32, 64)
    seconds: float = 2.0
    min_iters: int = 2
    rounds: int = 4
    threads: int = 0
    device: Device = "cpu"
    variants: tuple[str, ...] = ("fp32", "int8")


def make_batches(encoder: TextEncoder, texts: Sequence[str], size: int, count: int) -> list[Batch]:
    """``count`` batches of ``size`` texts taken round-robin from ``texts``, tokenised once."""
    batches: list[Batch] = []
    for index in range(count):
        start = (index * size) % len(texts)
        chosen = [texts[(start + offset) % len(texts)] for offset in range(size)]
        batches.append(encoder.encode(chosen))
    return batches


def time_calls(
    run: Callable[[Batch], object], batches: Sequence[Batch], seconds: float, min_iters: int
) -> list[tuple[float, int]]:
    """(seconds, items) of each call of ``run`` over the batches (cycling) for ``seconds``."""
    calls: list[tuple[float, int]] = []
    deadline = time.perf_counter() + seconds
    index = 0
    while len(calls) < min_iters or time.perf_counter() < deadline:
        batch = batches[index % len(batches)]
        started = time.perf_counter()
        run(batch)
        calls.append((time.perf_counter() - started, len(batch["input_ids"])))
        index += 1
    return calls


def summarise(calls: Sequence[tuple[float, int]]) -> dict[str, float]:
    """Items/s over all calls, p50/p99 latency per call."""
    latencies = [seconds for seconds, _ in calls]
    return {
        "items_per_s": round(sum(items for _, items in calls) / sum(latencies), 2),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)) * 1000, 3),
        "latency_p99_ms": round(float(np.percentile(latencies, 99)) * 1000, 3),
        "iterations": len(calls),
    }


def _ort_runner(handle: ModelHandle, variant: str, config: BenchConfig) -> tuple[Any, str]:
    options = SessionOptions(device=config.device, intra_op_threads=config.threads)
    session, provider = create_session(handle.onnx_path(variant), options)
    wanted = {node.name for node in session.get_inputs()}
    output = session.get_outputs()[0].name

    def run(batch: Batch) -> object:
        return session.run([output], {k: v for k, v in batch.items() if k in wanted})

    return run, provider


def _torch_runner(checkpoint: Path, config: BenchConfig, provider: str) -> Any:
    import warnings

    import torch
    from transformers import AutoModelForSequenceClassification

    from export.onnx_export import forward_inputs

    torch.set_num_threads(config.threads or os.cpu_count() or 1)
    device = "cuda" if provider == "CUDAExecutionProvider" and torch.cuda.is_available() else "cpu"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoModelForSequenceClassification.from_pretrained(
            checkpoint, local_files_only=True
        )
    model = model.eval().to(device)

    def run(batch: Batch) -> object:
        with torch.inference_mode():
            inputs = forward_inputs(model, batch)
            tensors = {k: torch.from_numpy(v).to(device) for k, v in inputs.items()}
            logits = model(**tensors).logits
            return logits.cpu()

    return run


def run_bench(
    handle: ModelHandle, checkpoint: Path | None, texts: Sequence[str], config: BenchConfig
) -> dict[str, Any]:
    """Measure every backend at every batch size on the same inputs.

    Args:
        handle: the registered sentiment model.
        checkpoint: its fine-tuned PyTorch checkpoint; ``None`` skips PyTorch.
        texts: the input texts.
        config: what to measure.

    Returns:
        The report (``results[backend][batch_size]``, ``ratios``, ``machine``, ...).
    """
    encoder = TextEncoder.from_dir(handle.directory, int(handle.manifest.config["max_length"]))
    inputs = {size: make_batches(encoder, texts, size, 8) for size in config.batch_sizes}
    runners: dict[str, Callable[[Batch], object]] = {}
    provider = "CPUExecutionProvider"
    for variant in config.variants:
        runners[f"ort-{variant}"], provider = _ort_runner(handle, variant, config)
    notes: list[str] = []
    if checkpoint is not None:
        runners["pytorch-eager"] = _torch_runner(checkpoint, config, provider)
        recorded = checkpoint / "recipe_hash.txt"
        if not recorded.is_file() or recorded.read_text().strip() != handle.manifest.recipe_hash:
            notes.append("the PyTorch checkpoint was not built by the registered model's recipe")
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in runners}
    for size in config.batch_sizes:
        calls: dict[str, list[tuple[float, int]]] = {name: [] for name in runners}
        for run in runners.values():
            run(inputs[size][0])  # warm-up: lazy initialisation, allocator, caches
        # Backends take turns in short rounds, so a burst of load from elsewhere on the
        # machine hits all of them instead of whichever happened to be running.
        for _ in range(config.rounds):
            for name, run in runners.items():
                calls[name] += time_calls(
                    run, inputs[size], config.seconds / config.rounds, config.min_iters
                )
        for name in runners:
            measured = summarise(calls[name])
            results[name][str(size)] = measured
            log.info(
                "bench.result backend=%s batch=%d items_per_s=%.1f p50_ms=%.2f p99_ms=%.2f",
                name,
                size,
                measured["items_per_s"],
                measured["latency_p50_ms"],
                measured["latency_p99_ms"],
            )
    ratios: dict[str, dict[str, float]] = {}
    if "pytorch-eager" in results:
        base = results["pytorch-eager"]
        for name in runners:
            if name.startswith("ort-"):
                ratios[f"{name}/pytorch-eager"] = {
                    size: round(row["items_per_s"] / base[size]["items_per_s"], 3)
                    for size, row in results[name].items()
                }
    lengths = [int(b["attention_mask"].sum(axis=1).mean()) for b in inputs[config.batch_sizes[0]]]
    return {
        "model": {"name": handle.manifest.name, "version": handle.manifest.version},
        "provider": provider,
        "config": asdict(config),
        "inputs": {"texts": len(texts), "mean_tokens": round(float(np.mean(lengths)), 1)},
        "machine": {
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
        },
        "versions": package_versions(),
        "results": results,
        "ratios": ratios,
        "notes": notes,
    }


def plot_bench(report: Mapping[str, Any], path: Path) -> Path:
    """Items/s per batch size (log scale) for each backend, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [str(size) for size in report["config"]["batch_sizes"]]
    backends = list(report["results"])
    width = 0.8 / max(1, len(backends))
    figure, axis = plt.subplots(figsize=(7.5, 4.2))
    for offset, name in enumerate(backends):
        values = [report["results"][name][size]["items_per_s"] for size in sizes]
        positions = np.arange(len(sizes)) + offset * width
        bars = axis.bar(positions, values, width, label=name)
        axis.bar_label(bars, fmt="%.0f", fontsize=7)
    axis.set_xticks(np.arange(len(sizes)) + width * (len(backends) - 1) / 2, sizes)
    axis.set_xlabel("batch size")
    axis.set_ylabel("items / s")
    axis.set_yscale("log")
    machine = report["machine"]
    axis.set_title(
        f"{report['model']['name']} · {report['provider']} · {machine['cpu_count']} CPUs",
        fontsize=9,
    )
    axis.legend(fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)


def write_bench(report: Mapping[str, Any], out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.json`` and ``<stem>.png``."""
    json_path = write_json(report, out_dir / f"{stem}.json")
    return json_path, plot_bench(report, out_dir / f"{stem}.png")
