"""A feature the facts say is missing may only be stated as missing."""

# Chinese test sentences are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import review_description
from streams.generation.guard.absences import contradicted_absences
from streams.generation.guard.verdict import check_reply

BANK = ProductFacts(
    product_id="pb",
    title="VoltPack Mini",
    category="power banks",
    attributes={"wireless charging": "no", "noise cancelling": "none", "capacity": "10000 mAh"},
)
ZH_BANK = ProductFacts(
    product_id="pbz", title="迷你充电宝", category="充电宝",
    attributes={"无线充电": "无", "容量": "10000 毫安"},
)  # fmt: skip


@pytest.mark.parametrize(
    "sentence",
    [
        "The battery can be charged using a wireless charger without any extra parts.",
        "It supports wireless charging.",
        "It has active noise cancelling.",
    ],
)
def test_an_absent_feature_affirmed_is_a_contradiction(sentence: str) -> None:
    assert contradicted_absences(sentence, BANK)


@pytest.mark.parametrize(
    "sentence",
    [
        "It does not have wireless charging.",
        "No, the VoltPack Mini does not have wireless charging.",
        "It comes without wireless charging.",
        "wireless charging: no; capacity: 10000 mAh",
        "It has a capacity of 10000 mAh.",
    ],
)
def test_an_absent_feature_denied_or_not_named_is_fine(sentence: str) -> None:
    assert contradicted_absences(sentence, BANK) == []


def test_chinese_absences() -> None:
    assert contradicted_absences("这款充电宝支持无线充电。", ZH_BANK) == ["contradicts:无线充电"]
    assert contradicted_absences("这款充电宝不支持无线充电。", ZH_BANK) == []
    assert contradicted_absences("无线充电：无", ZH_BANK) == []


def test_both_guards_read_absences() -> None:
    policies = PlatformPolicies()
    reply = check_reply("Yes, the VoltPack Mini supports wireless charging.", BANK, policies)
    assert "contradicts:wireless charging" in reply.reasons
    text = (
        "The VoltPack Mini has a capacity of 10000 mAh. It supports wireless charging for your "
        "phone."
    )
    revision = review_description(text, BANK, policies)
    assert any(r.endswith("contradicts:wireless charging") for r in revision.verdict.reasons)
    assert "wireless charging for" not in revision.text


JACKET = ProductFacts(
    product_id="jk", title="Trailhead Rain Jacket", category="jackets",
    attributes={"waterproof rating": "10,000 mm", "coating": "water-repellent"},
)  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "denied"),
    [
        ("No, the Trailhead Rain Jacket is not truly waterproof.", ["contradicts:waterproof"]),
        ("It isn't water-repellent.", ["contradicts:water-repellent"]),
        ("Yes, it is waterproof to 10,000 mm.", []),
        ("It is waterproof, not just water-repellent.", []),
    ],
)
def test_a_property_the_facts_give_may_not_be_denied(sentence: str, denied: list[str]) -> None:
    from streams.generation.guard.absences import denied_properties

    assert denied_properties(sentence, JACKET) == denied
