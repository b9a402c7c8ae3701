"""Vocabulary: a description uses the facts' words, copy words and its kind's plain words."""

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import review_description
from streams.generation.guard.vocabulary import Vocabulary

POLICIES = PlatformPolicies()
SOLAR = ProductFacts(
    product_id="pb",
    title="TrailCell Solar Power Bank",
    category="power banks",
    attributes={"capacity": "26800 mAh", "solar panel": "built-in", "waterproof": "IPX5"},
)
KETTLE = ProductFacts(
    product_id="k1",
    title="BrewMate Electric Kettle",
    category="kettles",
    attributes={"capacity": "1.7 L", "material": "stainless steel"},
)


def _vocabulary(facts: ProductFacts) -> Vocabulary:
    return Vocabulary(facts.grounding_text(), f"{facts.title} {facts.category}")


@pytest.mark.parametrize(
    "sentence",
    [
        "The TrailCell Solar Power Bank is a durable power bank with a solar panel.",
        "It is waterproof and charges your phone on the go.",
        "Its built-in solar panel keeps your devices charged.",
    ],
)
def test_facts_copy_and_kind_words_are_known(sentence: str) -> None:
    assert _vocabulary(SOLAR).novel(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "novel"),
    [
        (
            "It provides reliable energy for home heating, cooking, and entertainment.",
            ["energy", "home", "heating", "cooking", "entertainment"],
        ),
        (
            "It is perfect for formal occasions and business trips.",
            ["formal", "occasions", "business", "trips"],
        ),
    ],
)
def test_invented_uses_are_novel(sentence: str, novel: list[str]) -> None:
    assert _vocabulary(SOLAR).novel(sentence) == novel


def test_size_and_weight_words_are_claims_the_facts_must_make() -> None:
    # "compact" and "lightweight" say how big and how heavy: a 560 g power bank is neither
    # by any fact.
    assert _vocabulary(SOLAR).novel("A compact, lightweight power bank.") == [
        "compact",
        "lightweight",
    ]


def test_a_kind_s_words_belong_to_that_kind_only() -> None:
    assert _vocabulary(KETTLE).novel("It brings water to the boil.") == []
    assert _vocabulary(SOLAR).novel("It brings water to the boil.") == ["boil"]


def test_a_sentence_with_invented_content_is_removed_and_audited() -> None:
    text = (
        "The BrewMate Electric Kettle is a stainless steel kettle that boils water. "
        "Its handle stays cool and the lid opens with one hand."
    )
    revision = review_description(text, KETTLE, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert "handle" not in revision.text
    assert any(r.startswith("removed:novel:handle") for r in revision.verdict.reasons)


CHAIR_ZH = ProductFacts(
    product_id="oc", title="人体工学电脑椅", category="办公椅",
    attributes={"座高": "44-54 厘米", "扶手": "3D 可调", "最大承重": "150 公斤", "颜色": "黑色"},
    price=899.0, currency="CNY",
)  # fmt: skip


def test_a_chinese_sentence_is_held_to_the_facts_characters() -> None:
    vocabulary = Vocabulary(CHAIR_ZH.grounding_text(), f"{CHAIR_ZH.title} {CHAIR_ZH.category}")
    # Labels, units, function words and the facts' own characters are known.
    stated = "人体工学电脑椅的座高为44-54厘米\uff0c最大承重为150公斤\uff0c价格为899.00元\u3002"
    assert vocabulary.novel_han(stated) == []
    # "Adjustable arms" for the armrests, written by the 0.5B model.
    assert vocabulary.novel_han("可以调节的手臂。") == ["节", "臂"]
    sentence = "人体工学电脑椅有可以调节的手臂\uff0c背部使用网布\u3002"
    revision = review_description(sentence, CHAIR_ZH, POLICIES)
    assert not revision.verdict.accepted
    assert any(r.startswith("unsupported:novel:") for r in revision.verdict.reasons)
