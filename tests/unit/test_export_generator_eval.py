"""BLEU, ROUGE-L and fact coverage, and the evaluation run on the tiny generator."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from export.eval_generation import (
    corpus_bleu,
    evaluate_descriptions,
    fact_coverage,
    load_references,
    record_in_manifest,
    rouge_l,
    score,
    sentence_bleu,
)
from export.generator import build_generator
from models.manifest import read_manifest
from tests.unit.test_generator_support import registry_root, tiny_export, tiny_source

HYP = "the quick brown fox jumps over the dog"
REF = "the quick brown fox jumped over the lazy dog"


def test_bleu_matches_a_hand_computed_value() -> None:
    # precisions 7/8, 4/7, 2/6, 1/5; brevity penalty exp(1 - 9/8)
    expected = 100 * math.exp(1 - 9 / 8) * (7 / 8 * 4 / 7 * 2 / 6 * 1 / 5) ** 0.25
    assert corpus_bleu([HYP], [REF]) == pytest.approx(expected)
    assert corpus_bleu([REF], [REF]) == pytest.approx(100.0)
    assert corpus_bleu(["completely different words"], [REF]) == 0.0
    assert 0 < sentence_bleu("the cat sat on the mat", "the cat is on the mat") < 100


def test_rouge_l_is_lcs_f1() -> None:
    assert rouge_l("the cat sat on the mat", "the cat is on the mat") == pytest.approx(5 / 6)
    assert rouge_l(REF, REF) == 1.0
    assert rouge_l("", REF) == 0.0


def test_reference_set_is_consistent() -> None:
    references = load_references()
    assert len(references) == 20
    assert len({facts.product_id for facts, _ in references}) == 20
    assert all(fact_coverage(text, facts) == 1.0 for facts, text in references)
    perfect = score([text for _, text in references], references)
    assert (perfect["bleu"], perfect["rouge_l"], perfect["fact_coverage"]) == (100.0, 1.0, 1.0)


def test_evaluation_writes_json_png_and_manifest_metrics(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    base = tmp_path_factory.getbasetemp() / "tiny-generator"
    tiny_export(base)
    model_dir = registry_root(base) / "description"
    build_generator("description", model_dir, source=tiny_source(base), progress=False)
    report = evaluate_descriptions(model_dir, tmp_path)
    assert len(report["items"]) == 20
    assert 0.0 <= report["rouge_l"] <= 1.0 and 0.0 <= report["bleu"] <= 100.0
    assert json.loads((tmp_path / "eval_generation.json").read_text("utf-8"))["template"]
    assert (tmp_path / "eval_generation.png").stat().st_size > 0
    record_in_manifest(model_dir, report)
    assert read_manifest(model_dir).metrics["eval"]["rouge_l"] == report["rouge_l"]
