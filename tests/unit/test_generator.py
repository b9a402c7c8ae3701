"""The generation runtime on a tiny random Llama exported through the real export path."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from export.generator_validate import _forward
from models.chat import ChatMessage
from models.errors import GenerationTimeoutError
from models.generator import MIN_SHARED_PREFIX, Generation, GenerationParams, Generator
from tests.unit.test_generator_support import tiny_export, tiny_source

PROMPTS: list[list[ChatMessage]] = [
    [ChatMessage("user", "Hi")],
    [ChatMessage("user", "Where is my order? It shipped on Monday.")],
    [
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Describe a ceramic mug, 350 ml, dishwasher safe, in navy blue."),
    ],
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "tiny-generator"


@pytest.fixture(scope="module")
def model_dir(base: Path) -> Path:
    return tiny_export(base).directory


@pytest.fixture(scope="module")
def generator(model_dir: Path) -> Generator:
    return Generator.from_files(model_dir / "model.onnx", model_dir)


def _ids(results: list[Generation]) -> list[list[int]]:
    return [list(r.token_ids) for r in results]


def test_kv_cache_greedy_equals_pytorch_and_no_cache(generator: Generator, base: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_source(base)).eval()
    params = GenerationParams(max_new_tokens=10, min_new_tokens=10)
    for prompt in generator.encode(PROMPTS):
        got = list(generator.generate_ids([prompt], params)[0].token_ids)
        with torch.no_grad():
            out = model.generate(
                torch.tensor([prompt]),
                attention_mask=torch.ones(1, len(prompt), dtype=torch.long),
                max_new_tokens=10,
                min_new_tokens=10,
                do_sample=False,
                pad_token_id=2,
            )
        assert got == out[0, len(prompt) :].tolist()
        no_cache = list(prompt)
        for _ in range(10):
            logits, _ = _forward(generator.session, no_cache)
            scores = logits[0, -1].copy()
            scores[list(generator.spec.eos_token_ids)] = -np.inf
            no_cache.append(int(scores.argmax()))
        assert got == no_cache[len(prompt) :]


def test_batch_of_different_lengths_equals_one_by_one(generator: Generator) -> None:
    params = GenerationParams(max_new_tokens=12)
    batched = generator.generate(PROMPTS, params)
    single = [generator.generate([p], params)[0] for p in PROMPTS]
    assert _ids(batched) == _ids(single)
    assert [r.text for r in batched] == [r.text for r in single]
    assert [r.prompt_tokens for r in batched] == [len(p) for p in generator.encode(PROMPTS)]


SYSTEM = (
    "You are the assistant of an online shop. Answer in two short sentences, use only the "
    "facts below, and never promise a delivery date or a discount."
)


def test_a_shared_prefix_runs_once_and_changes_nothing(model_dir: Path) -> None:
    cached = Generator.from_files(model_dir / "model.onnx", model_dir)
    plain = Generator.from_files(model_dir / "model.onnx", model_dir, prefix_cache=False)
    prompts = [
        [ChatMessage("system", SYSTEM), ChatMessage("user", text)]
        for text in ("Is the mug blue?", "Where is my order?", "Does it fit a 15 inch laptop?")
    ]
    params = GenerationParams(max_new_tokens=10, min_new_tokens=10)
    assert _ids(cached.generate(prompts, params)) == _ids(plain.generate(prompts, params))
    [prefix] = cached._prefixes
    assert len(prefix) >= MIN_SHARED_PREFIX
    assert all(tuple(p[: len(prefix)]) == prefix for p in cached.encode(prompts))
    # A later call that starts with it reuses it, a single prompt too.
    later = [[ChatMessage("system", SYSTEM), ChatMessage("user", "Can I return it?")]]
    assert _ids(cached.generate(later, params)) == _ids(plain.generate(later, params))
    assert list(cached._prefixes) == [prefix]
    # Prompts that share less than MIN_SHARED_PREFIX tokens run as they are.
    assert _ids(cached.generate(PROMPTS, params)) == _ids(plain.generate(PROMPTS, params))
    assert list(cached._prefixes) == [prefix]


def test_io_binding_path_matches_plain_run(model_dir: Path, generator: Generator) -> None:
    bound = Generator.from_files(model_dir / "model.onnx", model_dir, io_binding=True)
    free = generator.generate(PROMPTS, GenerationParams(max_new_tokens=8))
    stop = free[1].text[2:4]  # makes row 1 finish early, so rows end at different steps
    params = GenerationParams(max_new_tokens=8, stop=(stop,))
    assert _ids(bound.generate(PROMPTS, params)) == _ids(generator.generate(PROMPTS, params))


def test_sampling_is_reproducible_with_a_seed(generator: Generator) -> None:
    params = GenerationParams(max_new_tokens=12, temperature=1.0, top_k=50, top_p=0.95, seed=7)
    first = generator.generate(PROMPTS, params)
    assert _ids(first) == _ids(generator.generate(PROMPTS, params))
    other = generator.generate(PROMPTS, dataclasses.replace(params, seed=8))
    assert _ids(first) != _ids(other)
    same_prompt = generator.generate([PROMPTS[1], PROMPTS[1]], params)
    assert same_prompt[0].token_ids == same_prompt[1].token_ids


def test_stop_sequence_cuts_text_and_ends_row(generator: Generator) -> None:
    full = generator.generate([PROMPTS[2]], GenerationParams(max_new_tokens=16))[0]
    text = generator.decode(full.token_ids)
    stop = text[6:9]
    result = generator.generate([PROMPTS[2]], GenerationParams(max_new_tokens=16, stop=(stop,)))[0]
    assert result.finish_reason == "stop"
    assert result.text == text[: text.find(stop)].strip()
    assert result.new_tokens < full.new_tokens
    assert stop not in result.text


def test_max_new_tokens_and_length_finish(generator: Generator) -> None:
    results = generator.generate(PROMPTS, GenerationParams(max_new_tokens=5, min_new_tokens=5))
    assert [r.new_tokens for r in results] == [5, 5, 5]
    assert {r.finish_reason for r in results} == {"length"}
    assert all(r.tokens_per_s > 0 and r.latency_s > 0 for r in results)


def test_eos_stops_and_min_new_tokens_suppresses_it(generator: Generator) -> None:
    first = generator.generate([PROMPTS[0]], GenerationParams(max_new_tokens=1))[0].token_ids[0]
    spec = dataclasses.replace(generator.spec, eos_token_ids=(first,))
    eos_gen = Generator(generator.session, generator._tokenizer, spec, provider=generator.provider)
    stopped = eos_gen.generate([PROMPTS[0]], GenerationParams(max_new_tokens=5))[0]
    assert (stopped.finish_reason, stopped.new_tokens, stopped.text) == ("stop", 0, "")
    forced = eos_gen.generate([PROMPTS[0]], GenerationParams(max_new_tokens=3, min_new_tokens=3))
    assert forced[0].new_tokens == 3


def test_timeout_returns_partial_or_raises(generator: Generator) -> None:
    params = GenerationParams(max_new_tokens=200, min_new_tokens=200, timeout_s=1e-6)
    results = generator.generate(PROMPTS, params)
    assert {r.finish_reason for r in results} == {"timeout"}
    assert all(r.new_tokens == 1 for r in results)
    with pytest.raises(GenerationTimeoutError):
        generator.generate(PROMPTS, dataclasses.replace(params, raise_on_timeout=True))


def test_repetition_penalty_reduces_repeats(generator: Generator) -> None:
    plain = generator.generate(PROMPTS, GenerationParams(max_new_tokens=24, min_new_tokens=24))
    penalised = generator.generate(
        PROMPTS, GenerationParams(max_new_tokens=24, min_new_tokens=24, repetition_penalty=3.0)
    )
    assert sum(len(set(r.token_ids)) for r in penalised) > sum(len(set(r.token_ids)) for r in plain)


def test_thread_pool_calls_match_sequential(generator: Generator) -> None:
    params = GenerationParams(max_new_tokens=6)
    expected = [_ids(generator.generate([p], params)) for p in PROMPTS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        got = list(pool.map(lambda p: _ids(generator.generate([p], params)), PROMPTS))
    assert got == expected


def test_plain_string_prompts_and_warmup(generator: Generator) -> None:
    generator.warmup()
    result = generator.generate(["A ceramic mug"], GenerationParams(max_new_tokens=3))[0]
    assert result.prompt_tokens == len(generator.encode(["A ceramic mug"])[0])
    assert generator.generate([], GenerationParams()) == []


def test_params_validate_and_serialise() -> None:
    params = GenerationParams(temperature=0.7, top_p=0.9, stop=("\n\n",), seed=3)
    assert json.loads(json.dumps(params.as_dict()))["stop"] == ["\n\n"]
    for bad in ({"top_p": 0.0}, {"max_new_tokens": 0}, {"temperature": -1.0}, {"stop": ("",)}):
        with pytest.raises(ValueError):
            GenerationParams(**bad)


def test_runtime_does_not_import_torch_or_transformers() -> None:
    code = (
        "import sys, models.generator, models.chat; "
        "assert 'torch' not in sys.modules and 'transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
