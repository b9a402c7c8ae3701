"""Description validation: name, attributes, numbers."""

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import validate_description
from streams.generation.guard.binding import misbound_values, misbound_words, mislabelled_words
from streams.generation.guard.description import names_product

FACTS = ProductFacts(
    product_id="p-3",
    title="Sony WH-1000XM4 Wireless Headphones",
    category="Audio",
    attributes={"colour": "black", "battery life": "30 hours", "connectivity": "Bluetooth 5.0"},
    price=279.99,
    currency="EUR",
    description="Old text: 25 hours of battery.",
)
GOOD = (
    "The Sony WH-1000XM4 Wireless Headphones in black deliver up to 30 hours of music over "
    "Bluetooth 5.0, for 279.99 EUR."
)


def test_good_description_is_accepted() -> None:
    verdict = validate_description(GOOD, FACTS)
    assert verdict.accepted, verdict.reasons


def test_distinctive_words_name_the_product() -> None:
    text = "These Sony headphones come in black, with 30 hours battery life and Bluetooth 5.0."
    assert validate_description(text, FACTS).accepted


def test_invented_number_is_rejected() -> None:
    text = GOOD.replace("30 hours", "30 hours (40 with the case)")
    verdict = validate_description(text, FACTS)
    assert "invented_number:40" in verdict.reasons


def test_number_from_stale_description_is_not_a_fact() -> None:
    verdict = validate_description(GOOD + " Charge for 25 hours.", FACTS)
    assert not verdict.accepted
    assert "invented_number:25" in verdict.reasons


def test_dropped_attribute_is_rejected() -> None:
    verdict = validate_description(GOOD.replace(" in black", ""), FACTS)
    assert verdict.reasons == ("dropped_attribute:colour",)


def test_missing_name_is_rejected() -> None:
    text = "Great headphones in black with 30 hours of battery and Bluetooth 5.0."
    assert "missing_product_name" in validate_description(text, FACTS).reasons


@pytest.mark.parametrize(
    ("extra", "prefix"),
    [
        (" Buy now with a 10% discount!", "invented_number"),
        (" Free shipping included.", "policy_mismatch"),
        (" A fucking great deal.", "unsafe_profanity"),
        (" Questions? Mail sales@sony.example.", "pii_in_output"),
        (" As an AI model I wrote this.", "prompt_leak"),
    ],
)
def test_common_checks_apply(extra: str, prefix: str) -> None:
    verdict = validate_description(GOOD + extra, FACTS)
    assert any(r.startswith(prefix) for r in verdict.reasons), verdict.reasons


def test_policies_can_be_allowed() -> None:
    text = GOOD + " Every product has a 2-year warranty."
    assert not validate_description(text, FACTS).accepted
    assert validate_description(text, FACTS, policies=PlatformPolicies()).accepted


def test_case_insensitive_attributes_and_name() -> None:
    text = GOOD.upper()
    assert validate_description(text, FACTS).accepted


def test_a_chinese_value_tied_to_another_attribute_is_misbound() -> None:
    buds = ProductFacts(
        product_id="h",
        title="降噪蓝牙耳机 Pro",
        category="耳机",
        attributes={"蓝牙版本": "5.3", "防水等级": "IPX4", "降噪": "主动降噪"},
    )
    assert misbound_values("采用5.3级防水等级。", buds) == ["misbound:5.3 防水等级"]
    assert misbound_values("蓝牙版本为5.3，防水等级为IPX4。", buds) == []  # noqa: RUF001


BUDS = ProductFacts(
    product_id="hp",
    title="PulseBuds True Wireless Earbuds",
    category="headphones",
    attributes={
        "water resistance": "IPX4", "bluetooth": "5.2", "colours": "white, black",
        "range": "up to 10 m", "charging": "USB-C case", "volume": "40 ml",
    },
)  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("They are rated IPX4 for Bluetooth.", ["misbound:IPX4 bluetooth"]),
        ("They can charge up to 10 meters.", ["misbound:up to 10 m charging"]),
        ("They are rated IPX4 for water resistance and use Bluetooth 5.2.", []),
        ("The range is up to 10 m, and they come in white, black colours.", []),
        ("They have a range of 10 metres.", []),
        # A bare 40 that is part of nothing else's value is not the 40 ml volume.
        ("They last 40 minutes on Bluetooth.", []),
    ],
)
def test_an_english_value_tied_to_another_attribute_is_misbound(
    sentence: str, expected: list[str]
) -> None:
    assert misbound_words(sentence, BUDS) == expected


WATCH = ProductFacts(
    product_id="w", title="Chronos GPS Smartwatch", category="smartwatches",
    attributes={"display": '1.4" AMOLED', "battery life": "7 days", "weight": "45 g"},
)  # fmt: skip


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A demo description: 1.4" is the display's size.
        (
            "It features an AMOLED display with a resolution of 1.4 inches.",
            ['misbound:1.4" AMOLED resolution'],
        ),
        ("It has a battery life of 45 g.", ["misbound:45 g battery life"]),
        ("It has a battery life of 7 days and a weight of 45 g.", []),
        # The measure's own kind ("weight" of a mass) and frames of any measure stand.
        ("It has a display size of 1.4 inches and a total of 45 g.", []),
    ],
)
def test_a_value_named_as_another_measure_is_misbound(sentence: str, expected: list[str]) -> None:
    assert mislabelled_words(sentence, WATCH) == expected


def test_a_measure_named_with_its_attribute_s_word_is_bound() -> None:
    chair = ProductFacts(
        product_id="c", title="ErgoPro", category="chairs", attributes={"max load": "150 kg"}
    )
    assert mislabelled_words("It has a maximum load capacity of 150 kg.", chair) == []
    assert mislabelled_words("It has a seat volume of 150 kg.", chair) == [
        "misbound:150 kg seat volume"
    ]


def test_a_length_is_named_by_its_own_attribute_only() -> None:
    jacket = ProductFacts(
        product_id="j", title="Breeze Rain Jacket", category="jackets",
        attributes={"waterproof rating": "5,000 mm", "sleeve length": "62 cm"},
    )  # fmt: skip
    # An accepted description of the 0.5B model: 5,000 mm is the waterproof rating.
    assert mislabelled_words("It is waterproof with a maximum thickness of 5,000 mm.", jacket) == [
        "misbound:5,000 mm maximum thickness"
    ]
    assert mislabelled_words("It has a sleeve length of 62 cm.", jacket) == []


def test_a_value_shared_by_two_attributes_binds_to_either() -> None:
    chair = ProductFacts(
        product_id="c", title="ErgoPro", category="chairs",
        attributes={"armrests": "4D adjustable", "lumbar support": "adjustable"},
    )  # fmt: skip
    sentence = "It has 4D adjustable armrests and adjustable lumbar support."
    assert misbound_words(sentence, chair) == []


@pytest.mark.parametrize(
    ("text", "title", "named"),
    [
        ("轻薄羽绒服是女性款式。", "轻薄羽绒服 女款", True),
        ("智能电饭煲的容量为4升。", "智能电饭煲 4升", True),
        ("工学派人体工学办公椅的座高为45厘米。", "工学派 人体工学办公椅", True),
        # The brand before the longest run must be there, whole.
        ("这款人体工学办公椅的座高为45厘米。", "工学派 人体工学办公椅", False),
        ("学派人体工学办公椅的座高为45厘米。", "工学派 人体工学办公椅", False),
        ("美的不锈钢电热水壶的功率为1800瓦。", "美滋 不锈钢电热水壶", False),
    ],
)
def test_a_chinese_title_is_named_by_its_longest_run(text: str, title: str, named: bool) -> None:
    assert names_product(text, title) is named
