"""Fine-tune the description model on a shop's own product descriptions.

Input: a JSONL or CSV file, one product per record, with the facts the stream sees and the
description the shop wants::

    {"title": "Ceramic mug", "category": "Kitchen", "attributes": {"colour": "navy"},
     "price": 12.5, "currency": "EUR", "description": "A navy ceramic mug ..."}

CSV has the same columns; ``attributes`` is a JSON object or ``key: value; key: value``.
Training prompts are rendered with :func:`streams.generation.prompts.render_description_prompt`, the
exact prompt the stream uses (template ``description-v3``); only the description tokens and
the closing ``<|im_end|>`` carry loss. The result is a Hugging Face directory: export it with
``build_generator("description", <registry>/description, source=OUT)``.

Run::

    python -m export.finetune_description DATA OUT [--source HF_DIR] [--epochs 2]
        [--max-steps N] [--batch-size 4] [--learning-rate 5e-5]
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from streams.generation.facts import ProductFacts
from streams.generation.prompts import DESCRIPTION_TEMPLATE, render_description_prompt

log = logging.getLogger(__name__)

IGNORE = -100


@dataclass(frozen=True)
class DescriptionExample:
    """One product and the description it should get."""

    facts: ProductFacts
    description: str


@dataclass(frozen=True)
class FinetuneConfig:
    """A fine-tuning run.

    Attributes:
        data: JSONL or CSV file of products with descriptions.
        out_dir: Where the fine-tuned Hugging Face directory goes.
        source: Hugging Face causal-LM directory to start from; None: default SmolLM2.
        work_dir: Cache for the converted default model (None: ``out_dir/../.work/generator``;
            the CLI uses the registry's work directory, which the build shares).
        epochs: Passes over the data (ignored when ``max_steps`` is set).
        max_steps: Stop after this many optimiser steps.
        batch_size: Examples per step.
        learning_rate: Peak AdamW learning rate (linear decay to 0).
        max_length: Longest prompt + description in tokens (longer examples are cut).
        seed: Seed for shuffling and initialisation.
        progress: Show a progress bar.
    """

    data: Path
    out_dir: Path
    source: Path | None = None
    work_dir: Path | None = None
    epochs: int = 2
    max_steps: int | None = None
    batch_size: int = 4
    learning_rate: float = 5e-5
    max_length: int = 768
    seed: int = 0
    progress: bool = True


@dataclass(frozen=True)
class FinetuneResult:
    """What a run did: losses on the training data before and after, per-step losses."""

    out_dir: Path
    steps: int
    initial_loss: float
    final_loss: float
    step_losses: list[float]
    seconds: float


def _attributes(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    text = str(value or "").strip()
    if text.startswith("{"):
        return {str(k): str(v) for k, v in json.loads(text).items()}
    pairs = (part.split(":", 1) for part in text.split(";") if ":" in part)
    return {k.strip(): v.strip() for k, v in pairs}


def _example(record: dict[str, Any], index: int) -> DescriptionExample:
    description = str(record.get("description") or "").strip()
    if not description or not record.get("title"):
        msg = f"record {index}: title and description are required"
        raise ValueError(msg)
    price = record.get("price")
    facts = ProductFacts(
        product_id=str(record.get("product_id") or f"row-{index}"),
        title=str(record["title"]),
        category=str(record.get("category") or ""),
        attributes=_attributes(record.get("attributes")),
        price=float(price) if price not in (None, "") else None,
        currency=str(record["currency"]) if record.get("currency") else None,
    )
    return DescriptionExample(facts=facts, description=description)


def load_examples(path: Path) -> list[DescriptionExample]:
    """Read products with descriptions from JSONL (``.jsonl``/``.json``) or CSV.

    Raises:
        ValueError: a record lacks a title or a description.
    """
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        records: list[dict[str, Any]] = list(csv.DictReader(text.splitlines()))
    else:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [_example(record, i) for i, record in enumerate(records)]


def encode_example(
    tokenizer: Any, example: DescriptionExample, max_length: int
) -> tuple[list[int], list[int]]:
    """Token ids and labels: the prompt is masked, the description and eos are learned."""
    messages = render_description_prompt(example.facts)
    prompt = list(tokenizer.apply_chat_template(messages, add_generation_prompt=True))
    target = tokenizer(example.description, add_special_tokens=False)["input_ids"]
    target = [*target, tokenizer.eos_token_id]
    ids = (prompt + target)[:max_length]
    labels = ([IGNORE] * len(prompt) + target)[:max_length]
    return ids, labels


def _batches(
    encoded: Sequence[tuple[list[int], list[int]]], size: int, pad: int
) -> list[dict[str, Any]]:
    import torch

    out = []
    for start in range(0, len(encoded), size):
        chunk = encoded[start : start + size]
        width = max(len(ids) for ids, _ in chunk)
        ids = [i + [pad] * (width - len(i)) for i, _ in chunk]
        labels = [lab + [IGNORE] * (width - len(lab)) for _, lab in chunk]
        mask = [[1] * len(i) + [0] * (width - len(i)) for i, _ in chunk]
        out.append(
            {
                "input_ids": torch.tensor(ids),
                "labels": torch.tensor(labels),
                "attention_mask": torch.tensor(mask),
            }
        )
    return out


def _mean_loss(model: Any, batches: Sequence[dict[str, Any]]) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        losses = [float(model(**batch).loss) for batch in batches]
    model.train()
    return sum(losses) / len(losses)


def finetune_description(config: FinetuneConfig) -> FinetuneResult:
    """Fine-tune a causal LM on product descriptions and save it as a Hugging Face directory."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, get_linear_schedule_with_warmup

    from export.gguf_source import resolve_generator_source

    started = time.monotonic()
    work_dir = config.work_dir or config.out_dir.parent / ".work" / "generator"
    source = resolve_generator_source(config.source, work_dir).directory
    examples = load_examples(config.data)
    if not examples:
        raise ValueError(f"{config.data} holds no examples")
    random.Random(config.seed).shuffle(examples)
    torch.manual_seed(config.seed)
    tokenizer = AutoTokenizer.from_pretrained(source)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    encoded = [encode_example(tokenizer, e, config.max_length) for e in examples]
    batches = _batches(encoded, config.batch_size, pad)
    steps = config.max_steps or config.epochs * len(batches)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=0.0)
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), steps)
    initial = _mean_loss(model, batches)
    log.info("finetune.start examples=%d steps=%d initial_loss=%.4f", len(examples), steps, initial)
    step_losses: list[float] = []
    model.train()
    bar = tqdm(range(steps), desc="fine-tune description", disable=not config.progress)
    for step in bar:
        loss = model(**batches[step % len(batches)]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        step_losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{step_losses[-1]:.3f}")
        if not math.isfinite(step_losses[-1]):
            raise FloatingPointError(f"loss became {step_losses[-1]} at step {step}")
    final = _mean_loss(model, batches)
    config.out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(config.out_dir)
    tokenizer.save_pretrained(config.out_dir)
    result = FinetuneResult(
        config.out_dir, steps, initial, final, step_losses, time.monotonic() - started
    )
    summary = {**asdict(result), "template": DESCRIPTION_TEMPLATE.version, "config": asdict(config)}
    (config.out_dir / "finetune.json").write_text(
        json.dumps(summary, indent=2, default=str), "utf-8"
    )
    log.info(
        "finetune.done steps=%d initial_loss=%.4f final_loss=%.4f seconds=%.1f",
        steps,
        initial,
        final,
        result.seconds,
    )
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Fine-tune the description model.")
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--source", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=384)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    from streams.settings import Settings

    finetune_description(
        FinetuneConfig(
            data=args.data,
            out_dir=args.out,
            source=args.source,
            work_dir=Settings().models_path / ".work" / "generator",
            epochs=args.epochs,
            max_steps=args.max_steps,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            max_length=args.max_length,
        )
    )


if __name__ == "__main__":
    main()
