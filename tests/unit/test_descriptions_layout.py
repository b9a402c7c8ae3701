"""Published descriptions: prose, then one key-facts list; nothing said twice, nothing dropped."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from streams.delivery.intake import Decoded
from streams.generation.descriptions import DescriptionService, compose, facts_only, with_subject
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.generated import LoadedGenerator
from streams.generation.guard import review_description
from streams.generation.guard.claims import split_sentences
from streams.generation.guard.description import KEY_FACTS_HEADINGS, key_facts, layout
from streams.privacy.pii import find_pii
from streams.records import ProductUpdate, SourceRef

POLICIES = PlatformPolicies()
KETTLE = ProductFacts(
    product_id="k1",
    title="Ergonomic Steel Kettle",
    category="Home",
    attributes={"color": "black", "capacity": "1.7 l", "material": "stainless steel"},
    price=39.0,
    currency="USD",
)
MAT = ProductFacts(
    product_id="m1",
    title="FlowFit Yoga Mat",
    category="Sports",
    attributes={"material": "TPE", "thickness": "6 mm", "Surface": "Non-Slip", "size": "M"},
    price=29.99,
    currency="EUR",
)
PROSE = {
    "k1": "The Ergonomic Steel Kettle brings water to the boil with a sleek black finish.",
    "m1": "The FlowFit Yoga Mat gives you a non-slip surface for every pose.",
}


def _published_values_ok(text: str, facts: ProductFacts) -> None:
    for key, value in facts.attributes.items():
        assert f"- {key[:1].upper()}{key[1:]}: {value}" in text.splitlines(), (key, text)


@pytest.mark.parametrize("facts", [KETTLE, MAT])
def test_layout_is_prose_then_key_facts_with_every_value(facts: ProductFacts) -> None:
    revision = review_description(PROSE[facts.product_id], facts, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    prose, _, block = revision.text.partition(f"\n\n{KEY_FACTS_HEADINGS['en']}\n")
    assert prose == PROSE[facts.product_id]
    lines = block.splitlines()
    assert len(lines) == len(facts.attributes) + 1
    assert all(line.startswith("- ") for line in lines)
    assert lines[-1] == f"- Price: {facts.price_text()}"
    _published_values_ok(revision.text, facts)


def test_details_paragraph_is_not_published_twice() -> None:
    generated = (
        f"{PROSE['k1']} Details: color: black; capacity: 1.7 l; material: stainless steel. "
        "Price: 39.00 USD."
    )
    revision = review_description(generated, KETTLE, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert "Details:" not in revision.text
    assert revision.text.count("1.7 l") == 1
    assert revision.text.count("39.00 USD") == 1
    assert any(r.startswith("removed:duplicate:") for r in revision.verdict.reasons)


def test_no_line_or_sentence_is_repeated() -> None:
    generated = f"{PROSE['m1']} It is light enough for every practice. {PROSE['m1']}"
    revision = review_description(generated, MAT, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    prose = revision.text.split(f"\n\n{KEY_FACTS_HEADINGS['en']}")[0]
    sentences = [s for s, _ in split_sentences(prose)]
    assert len(sentences) == len(set(sentences)) == 2
    block = key_facts(MAT)
    assert not any(sentence in block for sentence in sentences)
    lines = [line for line in revision.text.splitlines() if line]
    assert len(lines) == len(set(lines))


def test_review_of_a_published_description_changes_nothing() -> None:
    first = review_description(PROSE["k1"], KETTLE, POLICIES)
    again = review_description(first.text, KETTLE, POLICIES)
    assert again.text == first.text
    assert again.removed == ()


@pytest.mark.parametrize("facts", [KETTLE, MAT])
def test_facts_only_description_passes_and_keeps_every_value(facts: ProductFacts) -> None:
    text = facts_only(facts)
    assert "Details:" not in text
    revision = review_description(text, facts, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.text == text
    _published_values_ok(text, facts)


_VALUE = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x7F),
    min_size=1,
    max_size=12,
)


@given(
    title=st.lists(_VALUE, min_size=1, max_size=4).map(" ".join),
    attributes=st.dictionaries(_VALUE, _VALUE, max_size=5),
    price=st.none() | st.decimals(min_value=0, max_value=99_999, places=2).map(float),
)
def test_facts_only_description_passes_for_any_clean_facts(
    title: str, attributes: dict[str, str], price: float | None
) -> None:
    # Clean: nothing in the facts reads as PII (a nine-digit title passes for a phone number).
    assume(not find_pii(" ".join([title, *attributes, *attributes.values()])))
    facts = ProductFacts(
        product_id="h",
        title=title,
        category="General",
        attributes=attributes,
        price=price,
        currency="EUR" if price is not None else None,
    )
    text = facts_only(facts)
    revision = review_description(text, facts, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.text == text
    _published_values_ok(text, facts)


@dataclass(frozen=True)
class _Gen:
    text: str
    prompt_tokens: int = 40
    new_tokens: int = 30
    latency_s: float = 0.2
    finish_reason: str = "stop"


@dataclass
class _Scripted:
    texts: list[str]
    model_sha256: str = "cd" * 32
    provider: str = "CPUExecutionProvider"
    prompts: list[Any] = field(default_factory=list)

    def generate(self, prompts: Sequence[Any], params: Any) -> list[_Gen]:
        return [_Gen(self.texts.pop(0)) for _ in prompts]


@dataclass(frozen=True)
class _Params:
    def as_dict(self) -> dict[str, Any]:
        return {"max_new_tokens": 64}


def _describe(text: str) -> tuple[str, bool, list[str]]:
    loaded = LoadedGenerator(_Scripted([text]), "gen", "1", _Params())
    update = ProductUpdate.model_validate(
        {
            "event_id": "u1",
            "product_id": KETTLE.product_id,
            "title": KETTLE.title,
            "category": KETTLE.category,
            "attributes": KETTLE.attributes,
            "price": 39.0,
            "currency": "USD",
            "updated_at": datetime(2026, 11, 1, tzinfo=UTC),
        }
    )
    item = Decoded(update, SourceRef(topic="t", partition=0, offset=1, event_id="u1"), None, 0)
    [out] = asyncio.run(DescriptionService(loaded, POLICIES).describe([item]))
    return out.description.description, out.description.fallback, out.description.reasons


def test_service_publishes_revised_prose_with_key_facts() -> None:
    generated = f"{PROSE['k1']} It is sold in the finest supermarkets worldwide."
    published, fallback, reasons = _describe(generated)
    assert not fallback
    assert "supermarkets" not in published
    assert published.startswith(PROSE["k1"])
    assert any(r.startswith("removed:third_party:") for r in reasons)
    _published_values_ok(published, KETTLE)


def test_service_falls_back_to_facts_only_when_mostly_invented() -> None:
    generated = (
        "The Ergonomic Steel Kettle is made in Italy, FDA approved and a best-seller at Walmart."
    )
    published, fallback, reasons = _describe(generated)
    assert fallback
    assert published == facts_only(KETTLE)
    assert any(r.startswith("unsupported:") for r in reasons)


def test_prose_that_names_the_product_in_part_is_headed_by_its_title() -> None:
    facts = ProductFacts(
        product_id="c1",
        title="Halden Ergonomic Office Chair",
        category="Office",
        attributes={"max load": "150 kg"},
    )
    partly = layout("This ergonomic chair adjusts to you.", facts)
    assert partly.splitlines()[0] == "Halden Ergonomic Office Chair"
    named = layout("The Halden Ergonomic Office Chair adjusts to you.", facts)
    assert named.splitlines()[0].startswith("The Halden")


KETTLE_ZH = ProductFacts(
    product_id="z1",
    title="沸点 不锈钢电热水壶",
    category="电热水壶",
    attributes={"功率": "1800瓦", "容量": "1.5升", "材质": "304不锈钢"},
    price=88.99,
    currency="CNY",
)


def test_a_chinese_product_is_described_in_chinese_only() -> None:
    text = facts_only(KETTLE_ZH)
    assert KEY_FACTS_HEADINGS["zh"] in text
    assert "Key facts" not in text
    assert "from our" not in text
    assert "Price" not in text
    # The only Latin left is the merchant's own: the currency code.
    assert re.findall(r"[A-Za-z]+", text) == ["CNY"]
    assert review_description(text, KETTLE_ZH, POLICIES).verdict.accepted


def test_english_prose_for_a_chinese_product_is_removed() -> None:
    prose = "沸点 不锈钢电热水壶采用304不锈钢\uff0c功率1800瓦\uff0c容量1.5升。It boils water fast."
    revision = review_description(prose, KETTLE_ZH, POLICIES)
    assert "removed:language:en" in revision.verdict.reasons
    assert "boils" not in revision.text
    assert revision.text.startswith("沸点 不锈钢电热水壶采用304不锈钢")
    english = review_description(PROSE["k1"], KETTLE, POLICIES)
    assert not any("language" in r for r in english.verdict.reasons)


def test_a_chinese_description_that_opens_with_an_attribute_gets_the_product_as_subject() -> None:
    mat = ProductFacts(
        product_id="ym", title="加厚防滑瑜伽垫", category="瑜伽垫",
        attributes={"厚度": "8 毫米", "材质": "TPE", "颜色": "樱花粉"},
    )  # fmt: skip
    # A description the 0.5B model wrote: every value right, the product never named.
    text = "厚度为8毫米\uff0c材质为TPE\uff0c颜色为樱花粉\u3002"
    assert not review_description(text, mat, POLICIES).verdict.accepted
    revision = compose(text, mat, POLICIES)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.text.startswith("加厚防滑瑜伽垫的厚度为8毫米")
    # A sentence with its own subject is left as it is.
    assert with_subject("这款瑜伽垫厚度为8毫米\u3002", mat) == "这款瑜伽垫厚度为8毫米\u3002"
