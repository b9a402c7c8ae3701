"""The ONNX Runtime classifier: outputs, neutral band, threads, no torch at run time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from export.build import SENTIMENT, TaskResult
from models.classifier import Classifier, ClassifierConfig, Prediction, decide, softmax
from models.errors import ModelError, ModelNotFoundError
from models.registry import Registry

TinyBuild = tuple[Registry, TaskResult]
TEXTS = ["The kettle is great.", "这个手机很差", "", "broken " * 200, "lamp"]
BAND = ClassifierConfig(
    max_length=32, head_labels=("negative", "positive"), neutral_band=(0.4, 0.6)
)


@pytest.fixture(scope="module")
def tiny_sentiment_classifier(tiny_sentiment_build: TinyBuild) -> Classifier:
    registry, _ = tiny_sentiment_build
    return Classifier.load(registry.resolve(SENTIMENT), device="cpu")


def test_predictions_have_one_row_per_text(tiny_sentiment_classifier: Classifier) -> None:
    predictions = tiny_sentiment_classifier.predict(TEXTS)
    assert len(predictions) == len(TEXTS)
    for prediction in predictions:
        assert isinstance(prediction, Prediction)
        assert prediction.label in {"negative", "neutral", "positive"}
        assert set(prediction.probabilities) == {"negative", "neutral", "positive"}
        assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
        assert 0.0 <= prediction.score <= 1.0
    assert tiny_sentiment_classifier.predict([]) == []
    assert tiny_sentiment_classifier.logits(TEXTS).shape == (len(TEXTS), 3)


def test_defaults_follow_the_manifest(tiny_sentiment_classifier: Classifier) -> None:
    assert tiny_sentiment_classifier.variant == "int8"
    assert tiny_sentiment_classifier.provider == "CPUExecutionProvider"
    assert tiny_sentiment_classifier.labels == ("negative", "neutral", "positive")
    tiny_sentiment_classifier.warmup()


def test_length_sorted_batches_keep_the_input_order(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    handle = registry.resolve(SENTIMENT)
    texts = [f"{'very ' * (i % 7)}broken lamp number {i}" for i in range(23)]
    one_by_one = Classifier.load(handle, device="cpu", variant="fp32")
    expected = np.concatenate([one_by_one.logits([text]) for text in texts])
    batched = Classifier.load(handle, device="cpu", variant="fp32")
    object.__setattr__(batched, "config", replace(batched.config, batch_size=4))
    np.testing.assert_allclose(batched.logits(texts), expected, atol=1e-4)


def test_variants_agree_on_fp32_within_tolerance(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    handle = registry.resolve(SENTIMENT)
    fp32 = Classifier.load(handle, device="cpu", variant="fp32").probabilities(TEXTS)
    for variant in ("int8", "fp16"):
        other = Classifier.load(handle, device="cpu", variant=variant).probabilities(TEXTS)
        np.testing.assert_allclose(other, fp32, atol=0.05)
    with pytest.raises(ModelNotFoundError, match="bf16"):
        Classifier.load(handle, device="cpu", variant="bf16")


def test_batching_does_not_change_results(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    classifier = Classifier.load(registry.resolve(SENTIMENT), device="cpu", variant="fp32")
    together = classifier.probabilities(TEXTS)
    one_by_one = np.concatenate([classifier.probabilities([text]) for text in TEXTS])
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_thread_pool_calls_are_consistent(tiny_sentiment_classifier: Classifier) -> None:
    expected = tiny_sentiment_classifier.predict(TEXTS)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: tiny_sentiment_classifier.predict(TEXTS), range(16)))
    for result in results:
        assert [p.label for p in result] == [p.label for p in expected]
        for got, want in zip(result, expected, strict=True):
            assert got.probabilities == pytest.approx(want.probabilities)


@pytest.mark.parametrize(
    ("p_positive", "label"),
    [(0.05, "negative"), (0.39, "negative"), (0.4, "neutral"), (0.5, "neutral"),
     (0.6, "neutral"), (0.61, "positive"), (0.99, "positive")],
)  # fmt: skip
def test_neutral_band(p_positive: float, label: str) -> None:
    [prediction] = decide(np.array([[1.0 - p_positive, p_positive]]), BAND)
    assert prediction.label == label
    assert prediction.probabilities == pytest.approx(
        {"negative": 1.0 - p_positive, "positive": p_positive}
    )
    if label == "neutral":
        assert prediction.score == pytest.approx(1.0 - abs(2 * p_positive - 1.0))
    else:
        assert prediction.score == pytest.approx(max(p_positive, 1.0 - p_positive))


def test_without_band_it_is_plain_argmax() -> None:
    config = ClassifierConfig(max_length=8, head_labels=("a", "b", "c"))
    predictions = decide(softmax(np.array([[0.0, 3.0, 1.0], [5.0, 0.0, 0.0]])), config)
    assert [p.label for p in predictions] == ["b", "a"]


def test_temperature_softens_probabilities() -> None:
    logits = np.array([[0.0, 2.0]])
    assert softmax(logits, 2.0)[0, 1] < softmax(logits, 1.0)[0, 1]
    assert softmax(logits, 2.0).sum() == pytest.approx(1.0)


def test_generator_manifest_is_rejected(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    manifest = registry.resolve(SENTIMENT).manifest.model_copy(update={"kind": "generator"})
    with pytest.raises(ModelError, match="not a classifier"):
        ClassifierConfig.from_manifest(manifest)


def test_runtime_does_not_import_torch(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    script = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from models.classifier import Classifier
        from models.registry import Registry
        handle = Registry(Path({str(registry.root)!r})).resolve("sentiment")
        predictions = Classifier.load(handle, device="cpu").predict(["great lamp"])
        heavy = sorted(m for m in ("torch", "transformers", "optimum") if m in sys.modules)
        print(json.dumps({{"heavy": heavy, "label": predictions[0].label}}))
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=root, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["label"] in {"negative", "neutral", "positive"}
