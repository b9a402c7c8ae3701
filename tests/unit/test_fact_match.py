"""Finding the facts and policies a question asks about, in English and Chinese."""

# Chinese test messages are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

from decimal import Decimal

import pytest

from streams.generation.fact_match import match_facts, match_policies
from streams.generation.facts import ProductFacts
from streams.generation.quantities import labelled, quantities, spans

CHAIR = ProductFacts(
    product_id="chair-1",
    title="Nordic Folding Chair",
    category="Furniture",
    attributes={
        "max load": "150 kg",
        "weight": "1.3 kg",
        "colour": "oak brown",
        "material": "beech wood",
        "seat height": "46 cm",
    },
    price=59.0,
    currency="EUR",
)
JACKET = ProductFacts(
    product_id="j-1",
    title="Storm Rain Jacket",
    category="Outerwear",
    attributes={
        "material": "Gore-Tex shell",
        "waterproof rating": "20000 mm",
        "sizes": "S, M, L, XL",
        "colour": "forest green",
        "care": "machine wash at 30°C",
    },
)
HEADPHONES = ProductFacts(
    product_id="h-1",
    title="Aero Wireless Headphones",
    category="Audio",
    attributes={
        "battery life": "30 hours",
        "connectivity": "Bluetooth 5.3",
        "weight": "250 g",
        "charging port": "USB-C",
    },
)
SOFA = ProductFacts(
    product_id="s-1",
    title="Cloud Sofa",
    category="Living room",
    attributes={
        "seat width": "200 cm",
        "seat depth": "60 cm",
        "max load": "300 kg",
        "upholstery": "linen blend",
    },
)
KETTLE = ProductFacts(
    product_id="k-1",
    title="Steel Kettle",
    category="Kitchen",
    attributes={"capacity": "1.7 l", "power": "2200 W", "承重": "5公斤"},
)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Is the chair OK for 140 kg?", "max load"),
        ("Can I put 300 lb on it?", "max load"),
        ("What is the max load?", "max load"),
        ("How heavy is it?", "weight"),
        ("What does it weigh?", "weight"),
        ("这把椅子承重多少？", "max load"),
        ("能承受160公斤吗", "max load"),
        ("重量是多少", "weight"),
        ("Does it come in brown?", "colour"),
        ("有棕色的吗？", "colour"),
        ("Is it made of wood?", "material"),
        ("How high is the seat?", "seat height"),
        ("How much is it?", "Price"),
        ("How much is the chair?", "Price"),
        ("How much weight can it hold?", "max load"),
        ("多少钱？", "Price"),
    ],
)
def test_the_asked_fact_comes_first(question: str, key: str) -> None:
    matches = match_facts(question, CHAIR)
    assert matches, question
    assert matches[0].fact.key == key


@pytest.mark.parametrize(
    ("question", "ok"),
    [
        ("Is the chair OK for 140 kg?", True),
        ("Can it take 160kg?", False),
        ("Would 300 lb be fine?", True),  # 136 kg
        ("Would 350 lbs be fine?", False),  # 159 kg
        ("能承受160公斤吗", False),
        ("我200斤能坐吗", True),  # 100 kg
    ],
)
def test_a_quantity_is_compared_with_the_limit(question: str, ok: bool) -> None:
    [first, *_] = match_facts(question, CHAIR)
    assert first.fact.key == "max load"
    assert first.comparison is not None
    assert first.comparison.ok is ok
    assert first.comparison.bound == "max"


def test_the_products_own_weight_is_not_a_limit() -> None:
    matches = match_facts("Is the chair OK for 140 kg?", CHAIR)
    assert "weight" not in [m.fact.key for m in matches]
    [weight] = [m for m in match_facts("How heavy is it?", CHAIR)]
    assert weight.comparison is None


@pytest.mark.parametrize(
    ("facts", "question", "key"),
    [
        (JACKET, "Is it really waterproof?", "waterproof rating"),
        (JACKET, "Do you have it in XL?", "sizes"),
        (JACKET, "有XL码吗？", "sizes"),
        (JACKET, "可以机洗吗？", "care"),
        (JACKET, "这件夹克防水吗？", "waterproof rating"),
        (HEADPHONES, "How long does the battery last?", "battery life"),
        (HEADPHONES, "Can I charge it with usb c?", "charging port"),
        (HEADPHONES, "支持蓝牙吗？", "connectivity"),
        (HEADPHONES, "耳机多重？", "weight"),
        (SOFA, "How wide is it?", "seat width"),
        (SOFA, "How deep is the seat?", "seat depth"),
        (SOFA, "沙发有多宽？", "seat width"),
        (SOFA, "What fabric is it?", "upholstery"),
        (SOFA, "Can three adults, 270 kg in total, sit on it?", "max load"),
    ],
)
def test_facts_of_other_products(facts: ProductFacts, question: str, key: str) -> None:
    matches = match_facts(question, facts)
    assert matches and matches[0].fact.key == key, matches


def test_a_narrow_measure_answers_without_the_broad_one() -> None:
    desk = ProductFacts(
        product_id="d",
        title="Desk",
        category="Office",
        attributes={"height range": "72-120 cm", "desktop size": "140 x 70 cm"},
    )
    # The desktop size is found only through "size", the broader concept a height implies.
    keys = [m.fact.key for m in match_facts("How high does it go?", desk)]
    assert keys == ["height range"]
    only_dimensions = ProductFacts(
        product_id="b", title="Box", category="Storage", attributes={"dimensions": "50 x 30 cm"}
    )
    assert [m.fact.key for m in match_facts("How tall is it?", only_dimensions)] == ["dimensions"]


def test_a_limit_question_does_not_match_the_own_measure() -> None:
    keys = [m.fact.key for m in match_facts("How much weight can it hold?", CHAIR)]
    assert keys == ["max load"]


def test_volume_and_chinese_attribute_names() -> None:
    [capacity, *_] = match_facts("Will it hold 2 litres?", KETTLE)
    assert capacity.fact.key == "capacity"
    assert capacity.comparison is not None and not capacity.comparison.ok
    assert match_facts("承重是多少？", KETTLE)[0].fact.key == "承重"
    assert match_facts("What is the wattage?", KETTLE)[0].fact.key == "power"


@pytest.mark.parametrize(
    "question",
    ["Hello!", "Where is my order?", "How long does shipping take?", "你好", "谢谢"],
)
def test_questions_about_nothing_in_the_facts_match_nothing(question: str) -> None:
    assert match_facts(question, CHAIR) == ()


def test_no_product_no_match() -> None:
    assert match_facts("How heavy is it?", None) == ()


def test_a_shipping_cost_question_is_not_about_the_price() -> None:
    assert [m.fact.key for m in match_facts("How much is shipping?", CHAIR)] == []
    assert "free_shipping" in match_policies("How much is shipping?")


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("What is your return policy?", "returns"),
        ("退货政策是什么？", "returns"),
        ("When do I get my refund?", "refunds"),
        ("退款多久到账", "refunds"),
        ("How long does delivery take?", "shipping"),
        ("发货要几天？", "shipping"),
        ("Is there free shipping?", "free_shipping"),
        ("包邮吗", "free_shipping"),
        ("Does it have a warranty?", "warranty"),
        ("保修多久？", "warranty"),
    ],
)
def test_policy_topics(question: str, topic: str) -> None:
    assert topic in match_policies(question)


@pytest.mark.parametrize(
    ("text", "family", "base"),
    [
        ("150 kg", "mass", Decimal(150)),
        ("1,3 kg", "mass", Decimal("1.3")),
        ("200斤", "mass", Decimal(100)),
        ("能坐160公斤吗", "mass", Decimal(160)),
        ("45 cm", "length", Decimal("0.45")),
        ('15" laptop', "length", Decimal("0.381")),
        ("1.7 l", "volume", Decimal("1.7")),
        ("500毫升", "volume", Decimal("0.5")),
        ("2200 W", "power", Decimal(2200)),
        ("a 7-year-old", "years", Decimal(7)),
        ("8+ years", "years", Decimal(8)),
        ("18 months", "years", Decimal("1.5")),
        ("3岁以上", "years", Decimal(3)),
    ],
)
def test_quantities(text: str, family: str, base: Decimal) -> None:
    [quantity] = quantities(text)
    assert quantity.family == family
    assert quantity.base == base


def test_numbers_without_units_and_words_are_not_quantities() -> None:
    assert quantities("size M, order 12345, 2 large mugs") == ()


SPEAKER = ProductFacts(
    product_id="sp-1",
    title="Drift Pocket Speaker",
    category="Audio",
    attributes={
        "battery": "2600 mAh",
        "play time": "12 hours",
        "splash rating": "IPX5",
        "pairing": "two speakers at once",
        "dual pairing": "2 phones",
        "grille": "aluminium",
        "operating range": "0-40 °C",
    },
)
PAN = ProductFacts(
    product_id="pan-1",
    title="铸铁平底锅",
    category="厨具",
    attributes={"厚度": "4 毫米", "直径": "28 厘米", "耐温": "260 ℃"},
)


@pytest.mark.parametrize(
    ("question", "product", "key"),
    [
        # A unit named without a number asks for the fact measured in it.
        ("How many mAh does the speaker have?", SPEAKER, "battery"),
        # Everyday words for a rating or a runtime name the concept.
        ("Can I take it in the shower, is it sweat proof or splashproof?", SPEAKER,
         "splash rating"),
        ("How long does it play on a single charge?", SPEAKER, "play time"),
        ("Can two phones be connected at the same time?", SPEAKER, "dual pairing"),
        ("这个锅有多厚？", PAN, "厚度"),
        ("能耐多少度？", PAN, "耐温"),
    ],
)  # fmt: skip
def test_everyday_wording_finds_the_fact(question: str, product: ProductFacts, key: str) -> None:
    matched = [m.fact.key for m in match_facts(question, product)]
    assert matched and matched[0] == key, matched


def test_a_unit_word_inside_another_word_names_nothing() -> None:
    assert [m.fact.key for m in match_facts("What's in the box, Tom?", SPEAKER)] == []


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Is delivery free for orders this size?", "free_shipping"),
        ("Is shipping free to Ireland?", "free_shipping"),
        ("If it breaks after a year, is it still covered?", "warranty"),
    ],
)
def test_policy_questions_in_plain_words(question: str, topic: str) -> None:
    assert topic in match_policies(question)


SHOE = ProductFacts(
    product_id="s1",
    title="Trailgrip Hiking Boot",
    category="shoes",
    attributes={"sizes": "EU 38-47", "weight": "540 g per boot", "membrane": "Gore-Tex"},
)
FRYER = ProductFacts(
    product_id="f1",
    title="CrispAir Air Fryer",
    category="kitchen",
    attributes={"temperature range": "80-200 °C", "capacity": "5.5 L"},
)
CREAM = ProductFacts(
    product_id="k1",
    title="玻尿酸保湿面霜",
    category="护肤",
    attributes={"适用肤质": "干性及敏感肌", "容量": "50 毫升"},
)


@pytest.mark.parametrize(
    ("text", "low", "high", "family"),
    [
        ("EU 38-47", "38", "47", "label:EU"),
        ("45-55 cm", "0.45", "0.55", "length"),
        ("80 to 200 °C", "80", "200", "temperature"),
        ("36-45", "36", "45", "label:"),
    ],
)
def test_spans(text: str, low: str, high: str, family: str) -> None:
    (span,) = spans(text)
    assert (span.low.base, span.high.base, span.low.family) == (Decimal(low), Decimal(high), family)


def test_ranges_with_an_unknown_unit_or_reversed_are_no_spans() -> None:
    assert spans("2700-6500 K") == ()
    assert spans("2-4 players") == ()
    assert spans("47-38") == ()


def test_a_labelled_size_is_read_only_with_its_label() -> None:
    assert [q.base for q in labelled("Do you have it in EU 48?", "label:EU")] == [Decimal(48)]
    assert labelled("Do you have it in UK 9?", "label:EU") == ()
    assert [q.base for q in labelled("我穿45码。", "label:")] == [Decimal(45)]


@pytest.mark.parametrize(
    ("facts", "question", "ok"),
    [
        (SHOE, "Do you have the boot in EU 48?", False),
        (SHOE, "Do you have the boot in EU 40?", True),
        (FRYER, "Can it do 220 degrees?", False),
        (FRYER, "Does it reach 180 °C?", True),
    ],
)
def test_a_quantity_is_compared_with_a_range(facts: ProductFacts, question: str, ok: bool) -> None:
    comparison = match_facts(question, facts)[0].comparison
    assert comparison is not None and comparison.bound == "range"
    assert comparison.ok is ok


def test_a_word_of_the_product_name_is_no_evidence_for_a_value() -> None:
    # "the boots" is the product, not the weight's "per boot".
    keys = [m.fact.key for m in match_facts("Are the boots waterproof? What's the membrane?", SHOE)]
    assert keys == ["membrane"]


def test_a_chinese_name_is_found_by_its_head() -> None:
    assert [m.fact.key for m in match_facts("这款面霜适合什么肤质？", CREAM)] == ["适用肤质"]


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("Is delivery free? My basket is about 40 euros.", ("free_shipping",)),
        ("Is shipping free and how long does delivery take?", ("shipping", "free_shipping")),
        ("下单后一般几天能送到？", ("shipping",)),
        ("退货以后退款多久能到账？", ("returns", "refunds")),
    ],
)
def test_delivery_time_and_cost_are_told_apart(question: str, topics: tuple[str, ...]) -> None:
    assert match_policies(question) == topics


BLENDER = ProductFacts(
    product_id="b-1", title="PureBlend Blender", category="Kitchen",
    attributes={"speeds": "10 plus pulse", "power": "1200 W"}, price=89.0, currency="EUR",
)  # fmt: skip


def test_a_number_counting_something_else_is_no_evidence_for_a_value() -> None:
    assert not match_facts("Will it last at least 10 years?", BLENDER)
    assert [m.fact.key for m in match_facts("Does it have 10 speeds?", BLENDER)] == ["speeds"]


DOWN_JACKET = ProductFacts(
    product_id="jk-1", title="轻薄羽绒服", category="外套",
    attributes={"填充物": "90% 白鸭绒", "充绒量": "120 克"}, price=399.0, currency="CNY",
)  # fmt: skip


@pytest.mark.parametrize(
    ("question", "key"),
    [("这件羽绒服的含绒量是多少？", "填充物"), ("充绒量多少克？", "充绒量")],
)
def test_a_chinese_head_modified_otherwise_names_another_measure(question: str, key: str) -> None:
    assert [m.fact.key for m in match_facts(question, DOWN_JACKET)] == [key]


COFFEE = ProductFacts(
    product_id="cf-1", title="Guatemala Antigua Ground Coffee", category="Coffee",
    attributes={"origin": "Guatemala", "roast": "dark", "form": "ground (filter)"},
    price=9.0, currency="EUR",
)  # fmt: skip


def test_the_named_product_is_no_evidence_but_a_value_that_is_a_name_word_is() -> None:
    # "Ground" is in the title and is the form; "Guatemala" is in the name as said.
    question = "Is the Guatemala Antigua Ground Coffee whole bean or ground?"
    assert [m.fact.key for m in match_facts(question, COFFEE)] == ["form"]
    assert [m.fact.key for m in match_facts("Is it from Guatemala?", COFFEE)] == ["origin"]


FLASK = ProductFacts(
    product_id="wb-1", title="TrailFlask Bottle", category="Bottles",
    attributes={"keeps cold": "24 hours", "keeps hot": "12 hours", "laptop sleeve": "none"},
)  # fmt: skip


def test_a_word_of_one_name_only_says_what_is_asked() -> None:
    assert [m.fact.key for m in match_facts("Will my laptop fit?", FLASK)] == ["laptop sleeve"]
    keys = [m.fact.key for m in match_facts("How long does it keep drinks cold?", FLASK)]
    assert keys == ["keeps cold"]


CAR = ProductFacts(
    product_id="ty-9", title="Zoomer RC Car", category="toys",
    attributes={"recommended age": "8+ years", "play time": "20 minutes"},
)  # fmt: skip
STACKER = ProductFacts(
    product_id="ty-8", title="Wooden Rainbow Stacker", category="toys",
    attributes={"recommended age": "12 months+", "pieces": "7"},
)  # fmt: skip
BAG = ProductFacts(
    product_id="bp-9", title="Little Explorer Kids Backpack", category="backpacks",
    attributes={"recommended age": "3-6 years", "capacity": "8 L"},
)  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "question", "bound", "ok"),
    [
        (CAR, "Is it suitable for a 7-year-old?", "min", False),
        (CAR, "Can my 10 year old play with it?", "min", True),
        (STACKER, "适合10个月的宝宝吗？", "min", False),
        (STACKER, "Is it OK for a 2 year old?", "min", True),
        (BAG, "Is it suitable for a 7-year-old?", "range", False),
        (BAG, "Is the backpack OK for my 4 year old?", "range", True),
    ],
)
def test_an_age_is_compared_with_the_recommended_age(
    facts: ProductFacts, question: str, bound: str, ok: bool
) -> None:
    [match, *_] = match_facts(question, facts)
    assert match.fact.key == "recommended age"
    assert match.comparison is not None
    assert (match.comparison.bound, match.comparison.ok) == (bound, ok)


def test_a_phone_prefix_is_no_lower_limit() -> None:
    # "+44" is a number's sign, not "and over".
    phone = ProductFacts(
        product_id="x", title="Desk Phone", category="phones",
        attributes={"hotline": "+44 20 7946 0000", "weight": "800 g"},
    )  # fmt: skip
    assert all(m.comparison is None for m in match_facts("Can it take 2 kg?", phone))
