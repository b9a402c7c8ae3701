"""Occlusion attributions: a token's attribution is what the log-odds lose without it."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from streams.explain import MASK, MAX_TOKENS, explain, occluded, tokens_of

WEIGHTS = {"broken": 2.0, "late": 1.0, "great": -1.5}


@dataclass(frozen=True)
class _Prediction:
    label: str
    score: float
    probabilities: dict[str, float]


class _Lexicon:
    """A logistic classifier over a word lexicon; it records every text it scores."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str]) -> list[_Prediction]:
        out = []
        for text in texts:
            self.seen.append(text)
            words = [t for t, _, _ in tokens_of(text.lower())]
            z = sum(WEIGHTS.get(w, 0.0) for w in words)
            negative = 1 / (1 + math.exp(-z))
            probs = {"negative": negative, "positive": 1 - negative}
            label = max(probs, key=probs.__getitem__)
            out.append(_Prediction(label, probs[label], probs))
        return out


def test_the_word_that_drives_the_label_gets_the_largest_attribution() -> None:
    result = explain(_Lexicon(), "Great color, but it arrived broken and late.")
    assert result.label == "negative"
    by_token = {t.token: t.attribution for t in result.tokens}
    assert [t.token for t in result.top(2)] == ["broken", "late"]
    assert by_token["Great"]["negative"] < 0 < by_token["Great"]["positive"]
    assert by_token["color"]["negative"] == pytest.approx(0.0, abs=1e-9)
    for attribution in by_token.values():
        assert attribution["negative"] == pytest.approx(-attribution["positive"], abs=1e-6)


def test_attributions_are_log_odds_so_a_confident_text_still_shows_its_cue() -> None:
    # The lexicon model is logistic, so a word's log-odds attribution is its weight exactly,
    # however confident the text is: here p_negative is 0.9997 and moves by 0.002 without "late".
    result = explain(_Lexicon(), "broken broken broken broken late")
    assert result.probabilities["negative"] > 0.999
    by_token = [(t.token, t.attribution["negative"]) for t in result.tokens]
    assert by_token[-1] == ("late", pytest.approx(WEIGHTS["late"], abs=1e-4))
    assert all(value == pytest.approx(WEIGHTS["broken"], abs=1e-4) for _, value in by_token[:4])


def test_tokens_that_add_almost_nothing_are_not_marked() -> None:
    result = explain(_Lexicon(), "arrived broken, sadly")
    assert [t.token for t in result.top()] == ["broken"]


def test_each_token_is_scored_once_without_it() -> None:
    model = _Lexicon()
    text = "arrived broken"
    result = explain(model, text, batch_size=1)
    assert model.seen == [text, "broken", "arrived"]
    assert [(t.start, t.end) for t in result.tokens] == [(0, 7), (8, 14)]


def test_mask_occlusion_puts_the_mask_token_in_place() -> None:
    assert occluded("it is broken now", 6, 12, "mask") == f"it is {MASK} now"
    assert occluded("it is broken now", 6, 12, "remove") == "it is now"
    model = _Lexicon()
    explain(model, "broken lid", occlusion="mask")
    assert model.seen[1:] == [f"{MASK} lid", f"broken {MASK}"]


def test_tokens_split_punctuation_and_chinese_characters() -> None:
    assert [t for t, _, _ in tokens_of("Doesn't work!")] == ["Doesn't", "work", "!"]
    assert [t for t, _, _ in tokens_of("太差了")] == ["太", "差", "了"]


def test_json_and_table_carry_label_probabilities_and_every_token() -> None:
    result = explain(_Lexicon(), "great but broken")
    data = json.loads(result.to_json())
    assert data["label"] == "negative"
    assert [t["token"] for t in data["tokens"]] == ["great", "but", "broken"]
    assert data["probabilities"]["negative"] == pytest.approx(result.probabilities["negative"])
    table = result.table().splitlines()
    assert table[0].startswith("label: negative")
    assert any(line.startswith("broken") and line.endswith("*") for line in table)


def test_long_texts_are_attributed_up_to_the_cap() -> None:
    result = explain(_Lexicon(), "late " * (MAX_TOKENS + 10))
    assert result.truncated
    assert len(result.tokens) == MAX_TOKENS


def test_a_text_without_tokens_is_refused() -> None:
    with pytest.raises(ValueError, match="no token"):
        explain(_Lexicon(), "   ")
