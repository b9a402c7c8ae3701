"""The sample catalogue: attributes that fit each category, plausible prices, coherent chats."""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal

import pytest

from streams.delivery.codec import decode
from streams.generation.language import detect_language
from streams.records import ChatMessage, ProductUpdate
from streams.tooling.sample_catalog import CATEGORIES
from streams.tooling.sample_data import Product, SampleShop
from streams.tooling.sample_reviews import ASPECTS, review_sentences

CJK = re.compile(r"[\u4e00-\u9fff]")
ANY = r".+"
ZH_COLOUR = r"[白黑绿蓝灰红]"
# What a product of each category must say about itself, written independently of the
# catalogue code: the title's noun, and attribute name -> pattern its value must match.
# Only these attribute names are allowed in the category; a "?" pattern is optional.
EXPECTED: dict[str, tuple[str, dict[str, str]]] = {
    "Power Banks": ("Power Bank", {
        "capacity": r"\d{4,5} mAh", "output": r"\d+(\.\d)? W", "ports": r"USB-C",
        "weight": r"\d+ g",
    }),
    "Headphones": ("Headphones|Earbuds", {
        "type": r"over-ear|in-ear", "battery life": r"\d+ hours", "connectivity": r"Bluetooth 5",
        "noise cancelling": r"active|passive", "colour": ANY, "weight": r"?\d+ g",
        "water resistance": r"?IPX\d",
    }),
    "Jackets": ("Jacket|Parka", {
        "sizes": r"\bM, L\b", "material": r"nylon|polyester", "waterproof rating": r"\d+,000 mm",
        "fit": ANY, "colour": ANY,
    }),
    "Office Chairs": ("Office Chair", {
        "max load": r"1\d\d kg", "seat height": r"\d\d-\d\d cm", "material": r"mesh|leather",
        "armrests": ANY, "lumbar support": ANY,
    }),
    "Running Shoes": ("Running Shoes", {
        "sizes": r"EU \d\d-\d\d", "drop": r"\d+ mm", "upper": r"mesh|knit", "weight": r"\d+ g",
        "surface": r"road|trail", "colour": ANY,
    }),
    "Coffee": ("Coffee", {
        "origin": r"[A-Z][a-z]+", "roast": r"light|medium|dark", "weight": r"\d+ k?g",
        "form": r"bean|ground", "tasting notes": ANY,
    }),
    "Electric Kettles": ("Kettle", {
        "capacity": r"\d\.\d l", "power": r"2\d00 W", "material": r"steel|glass",
        "temperature control": ANY, "auto shut-off": r"yes",
    }),
    "Yoga Mats": ("Yoga Mat", {
        "material": r"rubber|TPE|cork", "thickness": r"\d mm", "dimensions": r"\d+ x \d+ cm",
        "weight": r"\d(\.\d)? kg", "colour": ANY,
    }),
    "Backpacks": ("Backpack", {
        "volume": r"\d\d l", "material": ANY, "laptop compartment": r"inch",
        "water resistance": ANY, "weight": r"kg",
    }),
    "Smartwatches": ("Smartwatch", {
        "display": r'\d\.\d" (AMOLED|LCD)', "battery life": r"\d+ days",
        "water resistance": r"ATM|IP68", "GPS": ANY, "connectivity": r"Bluetooth",
        "compatibility": r"iOS",
    }),
    "Board Games": ("Board Game", {
        "players": r"\d-\d", "age": r"\d+\+", "playing time": r"min", "language": ANY,
    }),
    "Face Care": ("Cream|Serum|Moisturiser", {
        "volume": r"\d+ ml", "skin type": r"skin", "key ingredients": ANY, "fragrance": ANY,
        "vegan": r"yes|no",
    }),
    "移动电源": ("充电宝", {
        "容量": r"\d+毫安时", "输出功率": r"瓦", "接口": r"USB-C", "重量": r"克",
    }),
    "蓝牙耳机": ("耳机", {
        "续航": r"小时", "连接方式": r"蓝牙5", "降噪": r"降噪", "防水等级": r"IPX",
        "颜色": ZH_COLOUR,
    }),
    "茶叶": ("茶", {"品类": ANY, "产地": ANY, "净含量": r"\d+克", "保质期": r"个月"}),
    "羽绒服": ("羽绒服", {
        "尺码": r"XL", "面料": ANY, "填充物": r"绒", "充绒量": r"克", "防水等级": ANY,
        "颜色": ZH_COLOUR,
    }),
    "办公椅": ("办公椅", {
        "最大承重": r"公斤", "座高": r"厘米", "材质": ANY, "扶手": ANY, "腰托": ANY,
    }),
    "电热水壶": ("电热水壶", {"容量": r"升", "功率": r"瓦", "材质": ANY, "自动断电": ANY}),
}  # fmt: skip


@pytest.fixture(scope="module")
def shop() -> SampleShop:
    return SampleShop(seed=7, products=120)


def test_the_catalogue_spans_at_least_ten_categories_with_some_in_chinese() -> None:
    products = SampleShop(seed=7).products  # the default size the demo and replay use
    assert len({p.category for p in products}) >= 10
    chinese = [p for p in products if CJK.search(p.title)]
    assert chinese, "no Chinese product"
    assert all(CJK.search(name) for p in chinese for name in p.all_attributes())
    assert all(p.currency == "CNY" for p in chinese)


def test_every_product_has_the_attributes_of_its_category(shop: SampleShop) -> None:
    for product in shop.products:
        assert product.category in EXPECTED, f"no expectations for {product.category!r}"
        noun, patterns = EXPECTED[product.category]
        attributes = product.all_attributes()
        assert re.search(noun, product.title), product
        assert set(attributes) <= set(patterns), (product.category, attributes)
        for name, pattern in patterns.items():
            if pattern == ANY or (pattern.startswith("?") and name not in attributes):
                continue
            pattern = pattern.removeprefix("?")
            assert name in attributes, (product.title, name)
            assert re.search(pattern, attributes[name]), (product.title, name, attributes[name])


def test_titles_are_unique_enough_to_tell_products_apart(shop: SampleShop) -> None:
    titles = [p.title for p in shop.products[:50]]
    assert len(set(titles)) >= 45


def test_prices_fit_their_currency_and_scale_with_the_product(shop: SampleShop) -> None:
    for product in shop.products:
        raw = _update_of(shop, product)
        assert decode(ProductUpdate, json.dumps(raw).encode()).price == Decimal(str(raw["price"]))
        assert Decimal(str(product.price)) > 0
    banks = sorted(
        (int(p.attributes["capacity"].split()[0]), Decimal(str(p.price)))
        for p in shop.products
        if p.category == "Power Banks" and p.currency == "EUR"
    )
    assert len(banks) >= 2
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(banks) if a[0] < b[0]), banks
    yen = [p.price for p in shop.products if p.currency == "JPY"]
    assert yen and all(Decimal(str(price)) == int(price) for price in yen)


def _update_of(shop: SampleShop, product: Product) -> dict[str, object]:
    return {
        "event_id": "e", "product_id": product.product_id, "title": product.title,
        "attributes": product.all_attributes(), "price": str(product.price),
        "currency": product.currency, "updated_at": "2026-11-01T00:00:00Z",
    }  # fmt: skip


def test_product_updates_decode_and_send_money_both_ways(shop: SampleShop) -> None:
    by_id = {p.product_id: p for p in shop.products}
    forms = set()
    for _ in range(80):
        raw = shop.product_update()
        update = decode(ProductUpdate, json.dumps(raw).encode())
        product = by_id[update.product_id]
        assert update.attributes == product.all_attributes()
        assert update.price is not None and update.price <= Decimal(str(product.price))
        forms.add(type(raw["price"]).__name__)
    assert "str" in forms and forms & {"int", "float"}


def test_chats_ask_about_the_product_in_its_language(shop: SampleShop) -> None:
    by_id = {p.product_id: p for p in shop.products}
    seen: set[str] = set()
    texts = []
    for _ in range(300):
        message = decode(ChatMessage, json.dumps(shop.chat()).encode())
        product = by_id[message.product_id or ""]
        texts.append((message.text, product))
        is_zh = bool(CJK.search(message.text))
        assert is_zh == (product.lang == "zh"), (message.text, product.title)
        if message.conversation_id in seen:
            continue  # a follow-up refers back to the conversation's product
        seen.add(message.conversation_id)
        assert product.title in message.text or "#" in message.text, message.text
    about_attribute = [
        text for text, product in texts if any(v in text for v in product.attributes.values())
    ]
    assert len(about_attribute) >= 10
    assert any(re.search(r"order #\d{6}", text) for text, _ in texts)
    assert any(re.search(r"订单#\d{6}", text) for text, _ in texts)
    assert any("return" in text for text, _ in texts)
    assert len(seen) < 300, "no follow-up message in any conversation"


def test_the_same_seed_gives_the_same_catalogue_and_events() -> None:
    a, b = SampleShop(seed=3), SampleShop(seed=3)
    assert a.products == b.products
    timeless = ("sent_at", "updated_at")
    for kind in ("chat", "product", "review"):
        for _ in range(20):
            ea, eb = a.event(kind)[1], b.event(kind)[1]
            assert {k: v for k, v in ea.items() if k not in timeless and k != "created_at"} == {
                k: v for k, v in eb.items() if k not in timeless and k != "created_at"
            }
    assert SampleShop(seed=4).products != a.products


def test_every_category_has_its_own_review_points() -> None:
    for category in CATEGORIES:
        for polarity in ("positive", "negative"):
            pool = review_sentences(category.name, category.lang, polarity)
            generic = review_sentences("", category.lang, polarity)
            assert len(pool) > len(generic), (category.name, polarity)


def test_reviews_are_in_the_product_language_and_speak_of_its_parts() -> None:
    shop = SampleShop(seed=5)
    kettle = next(p for p in shop.products if p.category == "Electric Kettles")
    zh = next(p for p in shop.products if p.lang == "zh")
    complaints = [shop.review(kettle, label="negative") for _ in range(40)]
    assert all(r["rating"] <= 2 and r["lang"] == "en" for r in complaints)
    parts = ASPECTS["Electric Kettles"]
    assert sum(any(part in r["text"] for part in parts) for r in complaints) >= 20
    chinese = shop.review(zh)
    assert chinese["lang"] == "zh"
    assert detect_language(chinese["text"]) == "zh"
    first, second = SampleShop(seed=9), SampleShop(seed=9)
    assert [first.review()["text"] for _ in range(5)] == [second.review()["text"] for _ in range(5)]


def test_every_product_question_of_the_catalogue_is_answered_by_a_fact(shop: SampleShop) -> None:
    # The demo's product questions are ones the facts answer: each must find its fact, or
    # the reply becomes a hand-over ("Is the … Ground Coffee whole bean or ground?" did).
    from streams.generation.fact_match import match_facts
    from streams.generation.facts import ProductFacts
    from streams.tooling.sample_catalog import CATEGORY_BY_NAME

    unanswered = []
    for product in shop.products:
        attributes = product.all_attributes()
        facts = ProductFacts(
            product_id=product.product_id, title=product.title, category=product.category,
            attributes=attributes, price=product.price, currency=product.currency,
        )  # fmt: skip
        for template in CATEGORY_BY_NAME[product.category].questions:
            question = template.format_map({**attributes, "title": product.title})
            if not match_facts(question, facts):
                unanswered.append(question)
    assert not unanswered, unanswered[:5]
