"""Chat rendering without transformers: native ChatML must equal the Jinja template."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.chat import (
    SPEC_NAME,
    ChatMessage,
    ChatTemplate,
    GeneratorSpec,
    detect_chatml,
    render_chatml,
    render_jinja,
)
from tests.unit.test_generator_support import SMOLLM2_TEMPLATE

SMOLLM_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
ZEPHYR_TEMPLATE = (
    "{% for message in messages %}{{ '<|' + message['role'] + '|>\\n' + message['content'] + "
    "'</s>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)
CONVERSATIONS = [
    [ChatMessage("user", "Hi")],
    [ChatMessage("system", "Be brief."), ChatMessage("user", "Price of the mug?")],
    [
        ChatMessage("user", "Where is my order?"),
        ChatMessage("assistant", "It ships today."),
        ChatMessage("user", "Thanks! 🙂 naïve café"),
    ],
    [],
]


@pytest.mark.parametrize("conversation", CONVERSATIONS)
@pytest.mark.parametrize("generation_prompt", [True, False])
def test_native_chatml_equals_smollm2_jinja(
    conversation: list[ChatMessage], generation_prompt: bool
) -> None:
    native = render_chatml(
        conversation, default_system=SMOLLM_SYSTEM, add_generation_prompt=generation_prompt
    )
    jinja = render_jinja(SMOLLM2_TEMPLATE, conversation, add_generation_prompt=generation_prompt)
    assert native == jinja


def test_detect_picks_chatml_with_default_system() -> None:
    template = detect_chatml(lambda m: render_jinja(SMOLLM2_TEMPLATE, m), SMOLLM2_TEMPLATE)
    assert template.style == "chatml"
    assert template.default_system == SMOLLM_SYSTEM


def test_other_templates_fall_back_to_jinja() -> None:
    template = detect_chatml(lambda m: render_jinja(ZEPHYR_TEMPLATE, m), ZEPHYR_TEMPLATE)
    assert template.style == "jinja"
    text = template.render([ChatMessage("user", "Hi")])
    assert text == "<|user|>\nHi</s>\n<|assistant|>\n"


def test_mappings_are_accepted_and_checked() -> None:
    template = ChatTemplate(style="chatml", default_system=None)
    as_dicts = template.render([{"role": "user", "content": "Hi"}])
    assert as_dicts == template.render([ChatMessage("user", "Hi")])
    with pytest.raises(ValueError, match="not a chat message"):
        template.render([{"role": "tool", "content": "x"}])


def test_spec_round_trips_through_json() -> None:
    spec = GeneratorSpec(
        eos_token_ids=(2, 0),
        pad_token_id=2,
        max_context=8192,
        chat=ChatTemplate("chatml", SMOLLM_SYSTEM, SMOLLM2_TEMPLATE),
    )
    assert GeneratorSpec.from_dict(spec.as_dict()) == spec
    with pytest.raises(ValueError, match="unknown chat template style"):
        ChatTemplate.from_config({"style": "xml"})


# Written for these tests in the shape of Qwen2.5's template without tools: the system turn
# (given or a default) comes first and is not repeated by the loop.
QWEN_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
QWEN_STYLE_TEMPLATE = (
    "{% if messages[0]['role'] == 'system' %}"
    "{{ '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{% else %}{{ '<|im_start|>system\\n" + QWEN_SYSTEM + "<|im_end|>\\n' }}{% endif %}"
    "{% for message in messages %}{% if not (loop.first and message['role'] == 'system') %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}"
)


@pytest.mark.parametrize("conversation", [c for c in CONVERSATIONS if c])
def test_qwen_style_template_renders_natively(conversation: list[ChatMessage]) -> None:
    template = detect_chatml(lambda m: render_jinja(QWEN_STYLE_TEMPLATE, m), QWEN_STYLE_TEMPLATE)
    assert (template.style, template.default_system) == ("chatml", QWEN_SYSTEM)
    assert template.render(conversation) == render_jinja(QWEN_STYLE_TEMPLATE, conversation)
    rendered = template.render(conversation)
    assert rendered.count("<|im_start|>system\n") == 1
    assert rendered.endswith("<|im_start|>assistant\n")


def test_qwen_spec_records_both_stop_tokens_and_its_template(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from export.gguf_source import write_runtime_tokenizer
    from tests.unit.test_generator_support import tiny_source

    tokenizer = AutoTokenizer.from_pretrained(tiny_source(tmp_path))
    tokenizer.chat_template = QWEN_STYLE_TEMPLATE
    tokenizer.eos_token, tokenizer.pad_token = "<|endoftext|>", "<|endoftext|>"
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=512,
    )
    model = Qwen2ForCausalLM(config)
    im_end, endoftext = tokenizer.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    generation = model.generation_config
    assert generation is not None
    generation.eos_token_id = [im_end, endoftext]
    generation.pad_token_id = endoftext
    out = tmp_path / "runtime"
    out.mkdir()
    write_runtime_tokenizer(tokenizer, model, out)
    spec = GeneratorSpec.read(out / SPEC_NAME)
    assert spec.eos_token_ids == (im_end, endoftext)
    assert (spec.pad_token_id, spec.max_context) == (endoftext, 512)
    assert (spec.chat.style, spec.chat.default_system) == ("chatml", QWEN_SYSTEM)
    prompt = spec.chat.render([ChatMessage("user", "Hi")])
    assert prompt == tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hi"}], tokenize=False, add_generation_prompt=True
    )
