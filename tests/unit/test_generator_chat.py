"""Chat rendering without transformers: native ChatML must equal the Jinja template."""

from __future__ import annotations

import pytest

from models.chat import (
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
