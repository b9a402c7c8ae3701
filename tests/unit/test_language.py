"""Reply language detection by script, with the conversation's language as tie-break."""

# Chinese test messages are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.language import conversation_language, detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Is the chair OK for 140 kg?", "en"),
        ("这把椅子承重多少？", "zh"),
        ("这个椅子能承受140kg吗", "zh"),  # a unit does not make it English
        ("iPhone 15 Pro Max 的手机壳有吗", "zh"),
        ("Does the 椅子 come in blue?", "en"),
        ("Hello", "en"),
    ],
)
def test_detect_by_script(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize("text", ["?", "140", "ok", "OK 140 kg?", "👍"])
def test_undecided_text_keeps_the_conversations_language(text: str) -> None:
    assert detect_language(text, "zh") == "zh"
    assert detect_language(text, "en") == "en"
    assert detect_language(text) == "en"


def test_conversation_language_is_the_latest_deciding_turn() -> None:
    assert conversation_language(["Hello", "你好，请问", "ok"]) == "zh"
    assert conversation_language(["你好", "Thanks a lot"]) == "en"
    assert conversation_language(["?", "140"]) is None
    assert conversation_language([]) is None
