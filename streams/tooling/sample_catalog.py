"""The sample shop's catalogue: categories whose products carry the attributes they would.

Each category draws its products' attributes together, so they agree with each other and
with the price (a 26800 mAh power bank is heavier, has a stronger output and costs more than
a 5000 mAh one). Some categories are a Chinese storefront's: Chinese titles, attribute names
and values, prices in CNY. The customer questions of a category ask about the attributes its
products really have.
"""

# Chinese text keeps the full-width punctuation that Chinese shops write.
# ruff: noqa: RUF001

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from streams import money

# How many units of a currency one euro buys; only to make prices plausible per storefront.
_PER_EURO = {
    "EUR": Decimal(1), "USD": Decimal("1.08"), "GBP": Decimal("0.85"),
    "JPY": Decimal(165), "KWD": Decimal("0.33"),
}  # fmt: skip
_EN_CURRENCIES = (("EUR", 45), ("USD", 25), ("GBP", 14), ("JPY", 12), ("KWD", 4))


@dataclass(frozen=True)
class Draft:
    """One product as a category draws it, before it gets an id and a currency."""

    title: str
    attributes: dict[str, str]
    base_price: Decimal  # EUR for English categories, CNY for Chinese ones


@dataclass(frozen=True)
class Category:
    """A category of the sample shop.

    Attributes:
        name: The category as the shop writes it.
        lang: ``"en"`` or ``"zh"``; the language of titles, attributes and customer chats.
        draw: Draws one coherent product.
        questions: Customer questions about a product; ``{title}`` and attribute names in
            braces are filled from the product.
    """

    name: str
    lang: str
    draw: Callable[[random.Random], Draft]
    questions: tuple[str, ...] = field(default=())


def _pick(rng: random.Random, *options: str) -> str:
    return rng.choice(options)


def _power_bank(rng: random.Random) -> Draft:
    capacity, output, weight, price = rng.choice(
        ((5000, "20 W", "110 g", 19), (10000, "30 W", "190 g", 29),
         (20000, "45 W", "350 g", 45), (20000, "65 W", "380 g", 59),
         (26800, "100 W", "490 g", 89))
    )  # fmt: skip
    ports = "1x USB-C, 1x USB-A" if capacity <= 10000 else "2x USB-C, 1x USB-A"
    brand = _pick(rng, "Voltra", "Ampere Go", "Nordvolt", "Kestrel")
    return Draft(
        f"{brand} {capacity} mAh Power Bank",
        {"capacity": f"{capacity} mAh", "output": output, "ports": ports, "weight": weight},
        Decimal(price),
    )


def _headphones(rng: random.Random) -> Draft:
    brand = _pick(rng, "Sonora", "Aurelis", "Bassline", "Quietwave")
    if rng.random() < 0.5:
        battery, price = rng.choice((("6 hours (24 hours with the case)", 49),
                                     ("8 hours (32 hours with the case)", 79)))  # fmt: skip
        anc = rng.random() < 0.5
        attributes = {
            "type": "in-ear earbuds",
            "battery life": battery,
            "connectivity": "Bluetooth 5.3",
            "noise cancelling": "active (ANC)" if anc else "passive",
            "water resistance": _pick(rng, "IPX4", "IPX5"),
            "colour": _pick(rng, "black", "white", "sage green"),
        }
        return Draft(f"{brand} {'ANC ' if anc else ''}Wireless Earbuds", attributes,
                     Decimal(price + (40 if anc else 0)))  # fmt: skip
    battery, price = rng.choice((("30 hours", 79), ("40 hours", 119), ("60 hours", 149)))
    anc = rng.random() < 0.6
    attributes = {
        "type": "over-ear",
        "battery life": battery,
        "connectivity": _pick(rng, "Bluetooth 5.3, 3.5 mm jack", "Bluetooth 5.2, 3.5 mm jack"),
        "noise cancelling": "active (ANC)" if anc else "passive",
        "weight": _pick(rng, "250 g", "265 g", "290 g"),
        "colour": _pick(rng, "black", "silver", "midnight blue"),
    }
    title = f"{brand} {'Noise Cancelling ' if anc else ''}Over-Ear Headphones"
    return Draft(title, attributes, Decimal(price + (80 if anc else 0)))


def _jacket(rng: random.Random) -> Draft:
    kind, material, rating, price = rng.choice(
        (("Rain Jacket", "2-layer nylon with PU membrane", "10,000 mm", 89),
         ("Hardshell Jacket", "3-layer recycled polyester", "20,000 mm", 229),
         ("Insulated Parka", "polyester shell, synthetic insulation", "5,000 mm", 169))
    )  # fmt: skip
    brand = _pick(rng, "Fjellmark", "Trailhead", "Northcape", "Cairn & Co")
    return Draft(
        f"{brand} {kind}",
        {
            "sizes": _pick(rng, "XS, S, M, L, XL", "S, M, L, XL, XXL"),
            "material": material,
            "waterproof rating": rating,
            "fit": _pick(rng, "regular", "relaxed"),
            "colour": _pick(rng, "forest green", "black", "navy", "ochre"),
        },
        Decimal(price),
    )


def _office_chair(rng: random.Random) -> Draft:
    load, height, price = rng.choice(
        (("120 kg", "42-52 cm", 149), ("136 kg", "45-55 cm", 279), ("150 kg", "46-56 cm", 449))
    )
    return Draft(
        f"{_pick(rng, 'Ergoline', 'Posture Pro', 'Deskmate', 'Halden')} Ergonomic Office Chair",
        {
            "max load": load,
            "seat height": height,
            "material": _pick(rng, "mesh back, fabric seat", "breathable mesh", "PU leather"),
            "armrests": _pick(rng, "fixed", "2D adjustable", "4D adjustable"),
            "lumbar support": _pick(rng, "adjustable", "built-in"),
        },
        Decimal(price),
    )


def _running_shoes(rng: random.Random) -> Draft:
    surface = _pick(rng, "road", "trail")
    return Draft(
        f"{_pick(rng, 'Stride', 'Pacer', 'Ridgeline')} {surface.title()} Running Shoes",
        {
            "sizes": _pick(rng, "EU 36-42", "EU 40-47"),
            "upper": _pick(rng, "engineered mesh", "recycled knit"),
            "drop": _pick(rng, "6 mm", "8 mm", "10 mm"),
            "weight": _pick(rng, "240 g per shoe (EU 42)", "285 g per shoe (EU 42)"),
            "surface": surface,
            "colour": _pick(rng, "black/white", "coral", "grey/lime"),
        },
        Decimal(rng.choice((89, 119, 149))),
    )


def _coffee(rng: random.Random) -> Draft:
    origin, notes = rng.choice(
        (("Ethiopia Yirgacheffe", "jasmine, lemon, honey"),
         ("Colombia Huila", "caramel, red apple"), ("Brazil Cerrado", "chocolate, hazelnut"),
         ("Guatemala Antigua", "cocoa, orange peel"))
    )  # fmt: skip
    weight, price = rng.choice((("250 g", 9), ("500 g", 16), ("1 kg", 29)))
    form = _pick(rng, "whole bean", "ground (filter)", "ground (espresso)")
    return Draft(
        f"{origin} {'Coffee Beans' if form == 'whole bean' else 'Ground Coffee'}",
        {
            "origin": origin.split()[0],
            "roast": _pick(rng, "light", "medium", "dark"),
            "weight": weight,
            "form": form,
            "tasting notes": notes,
        },
        Decimal(price),
    )


def _kettle(rng: random.Random) -> Draft:
    glass = rng.random() < 0.4
    control = rng.random() < 0.5
    return Draft(
        f"{_pick(rng, 'Brewmaster', 'Kettleworks', 'Aqualis')} "
        f"{'Glass ' if glass else ''}{'Temperature Control ' if control else ''}Electric Kettle",
        {
            "capacity": _pick(rng, "1.0 l", "1.5 l", "1.7 l"),
            "power": _pick(rng, "2200 W", "2400 W"),
            "material": "borosilicate glass" if glass else "brushed stainless steel",
            "temperature control": "40-100 °C in 5 steps" if control else "no",
            "auto shut-off": "yes",
        },
        Decimal(59 if control else 34),
    )


def _yoga_mat(rng: random.Random) -> Draft:
    material, weight, price = rng.choice(
        (("natural rubber", "2.5 kg", 59), ("TPE", "1.0 kg", 29), ("cork on natural rubber",
         "2.2 kg", 69))
    )  # fmt: skip
    return Draft(
        f"{_pick(rng, 'Lotus', 'Asana', 'Groundwork')} {material.split()[0].title()} Yoga Mat",
        {
            "material": material,
            "thickness": _pick(rng, "4 mm", "6 mm"),
            "dimensions": _pick(rng, "183 x 61 cm", "185 x 68 cm"),
            "weight": weight,
            "colour": _pick(rng, "sand", "plum", "charcoal", "olive"),
        },
        Decimal(price),
    )


def _backpack(rng: random.Random) -> Draft:
    volume, price = rng.choice((("20 l", 49), ("28 l", 79), ("35 l", 109)))
    return Draft(
        f"{_pick(rng, 'Commuter', 'Daytrip', 'Metro', 'Summit')} {volume.upper()} Backpack",
        {
            "volume": volume,
            "material": _pick(rng, "recycled polyester (600D)", "nylon ripstop", "waxed canvas"),
            "laptop compartment": _pick(rng, "up to 14 inch", "up to 15.6 inch", "up to 16 inch"),
            "water resistance": _pick(rng, "water-repellent coating", "IPX4"),
            "weight": _pick(rng, "0.7 kg", "0.9 kg", "1.1 kg"),
        },
        Decimal(price),
    )


def _smartwatch(rng: random.Random) -> Draft:
    display, battery, gps, price = rng.choice(
        (('1.3" LCD', "14 days", "via phone", 69), ('1.4" AMOLED', "7 days", "built-in", 179),
         ('1.5" AMOLED', "3 days", "built-in (dual band)", 349))
    )  # fmt: skip
    return Draft(
        f"{_pick(rng, 'Pulse', 'Chronos', 'Vita')} {'GPS ' if 'built' in gps else ''}Smartwatch",
        {
            "display": display,
            "battery life": battery,
            "water resistance": _pick(rng, "5 ATM", "IP68"),
            "GPS": gps,
            "connectivity": "Bluetooth 5.2",
            "compatibility": "Android 8+ and iOS 15+",
        },
        Decimal(price),
    )


def _board_game(rng: random.Random) -> Draft:
    name, players, age, minutes, price = rng.choice(
        (("Harbour Lights", "2-4", "8+", "30-45 min", 29), ("Dragon Cartographers", "1-5",
         "10+", "60-90 min", 49), ("Tiny Orchard", "2-6", "6+", "20 min", 19))
    )  # fmt: skip
    return Draft(
        f"{name} Board Game",
        {"players": players, "age": age, "playing time": minutes, "language": "English"},
        Decimal(price),
    )


def _face_care(rng: random.Random) -> Draft:
    product, ingredients, skin, price = rng.choice(
        (("Hydrating Face Cream", "hyaluronic acid, ceramides", "dry skin", 24),
         ("Brightening Serum", "vitamin C 10%, ferulic acid", "all skin types", 32),
         ("Balancing Gel Moisturiser", "niacinamide 5%, zinc", "oily and combination skin", 18))
    )  # fmt: skip
    return Draft(
        f"{_pick(rng, 'Dermaly', 'Botanica Lab', 'Clearform')} {product}",
        {
            "volume": _pick(rng, "30 ml", "50 ml"),
            "skin type": skin,
            "key ingredients": ingredients,
            "fragrance": "fragrance-free",
            "vegan": _pick(rng, "yes", "no"),
        },
        Decimal(price),
    )


def _zh_power_bank(rng: random.Random) -> Draft:
    capacity, output, weight, price = rng.choice(
        (("10000毫安时", "22.5瓦", "约210克", 99), ("20000毫安时", "65瓦", "约380克", 199))
    )
    return Draft(
        f"{_pick(rng, '星电', '元能', '酷充')} {capacity}快充充电宝",
        {"容量": capacity, "输出功率": output, "接口": "USB-C ×2、USB-A ×1", "重量": weight},
        Decimal(price),
    )


def _zh_earbuds(rng: random.Random) -> Draft:
    anc = rng.random() < 0.5
    return Draft(
        f"{_pick(rng, '声海', '悦听', '静界')} {'主动降噪' if anc else ''}真无线蓝牙耳机",
        {
            "续航": "单次8小时，配合充电盒30小时",
            "连接方式": "蓝牙5.3",
            "降噪": "主动降噪" if anc else "通话降噪",
            "防水等级": _pick(rng, "IPX4", "IPX5"),
            "颜色": _pick(rng, "白色", "黑色", "薄荷绿"),
        },
        Decimal(399 if anc else 169),
    )


def _zh_tea(rng: random.Random) -> Draft:
    tea, origin, weight, price = rng.choice(
        (("西湖龙井", "浙江杭州", "250克", 268), ("安溪铁观音", "福建安溪", "250克", 158),
         ("云南普洱饼茶", "云南西双版纳", "357克", 198))
    )  # fmt: skip
    return Draft(
        f"{tea} {_pick(rng, '特级', '一级')}茶叶",
        {"品类": tea, "产地": origin, "净含量": weight, "保质期": _pick(rng, "18个月", "24个月")},
        Decimal(price),
    )


def _zh_down_jacket(rng: random.Random) -> Draft:
    fill, price = rng.choice((("90%白鸭绒", 599), ("90%白鹅绒", 1099)))
    return Draft(
        f"{_pick(rng, '北极岸', '雪线')} 连帽{'鹅绒' if '鹅' in fill else '鸭绒'}羽绒服",
        {
            "尺码": "S、M、L、XL、XXL",
            "面料": _pick(rng, "聚酯纤维", "锦纶"),
            "填充物": fill,
            "充绒量": _pick(rng, "180克", "220克"),
            "防水等级": _pick(rng, "防泼水", "10000毫米"),
            "颜色": _pick(rng, "黑色", "米白色", "雾霾蓝"),
        },
        Decimal(price),
    )


def _zh_office_chair(rng: random.Random) -> Draft:
    load, price = rng.choice((("136公斤", 699), ("150公斤", 1299)))
    return Draft(
        f"{_pick(rng, '工学派', '坐享')} 人体工学办公椅",
        {
            "最大承重": load,
            "座高": "45–55厘米",
            "材质": _pick(rng, "网布", "PU皮"),
            "扶手": _pick(rng, "3D可调", "固定"),
            "腰托": "可调节",
        },
        Decimal(price),
    )


def _zh_kettle(rng: random.Random) -> Draft:
    glass = rng.random() < 0.4
    return Draft(
        f"{_pick(rng, '美滋', '沸点')} {'玻璃' if glass else '不锈钢'}电热水壶",
        {
            "容量": _pick(rng, "1.5升", "1.7升"),
            "功率": "1800瓦",
            "材质": "高硼硅玻璃" if glass else "304不锈钢",
            "自动断电": "支持",
        },
        Decimal(129 if glass else 99),
    )


_ASK_BATTERY = "How long does the battery of the {title} last? The page says {battery life}."
_ZH_ASK_PRICE = "{title}现在多少钱？有优惠吗？"
CATEGORIES: tuple[Category, ...] = (
    Category("Power Banks", "en", _power_bank, (
        "Can the {title} charge a laptop? Its output is {output}.",
        "How many times can the {title} charge my phone? It says {capacity}.",
        "Which ports does the {title} have? I need USB-C.",
        "Can I take the {title} on a plane in my hand luggage?",
    )),
    Category("Headphones", "en", _headphones, (
        _ASK_BATTERY,
        "Does the {title} have noise cancelling? Do they work with a 3.5 mm cable?",
        "Which Bluetooth version does the {title} use? Will it pair with my laptop?",
    )),
    Category("Jackets", "en", _jacket, (
        "Is the {title} really waterproof? What does {waterproof rating} mean?",
        "Which sizes does the {title} come in? I usually wear XL.",
        "What is the {title} made of?",
    )),
    Category("Office Chairs", "en", _office_chair, (
        "What is the max load of the {title}? I weigh about 130 kg.",
        "What seat height range does the {title} have? I am 1.90 m tall.",
        "Are the armrests of the {title} adjustable?",
    )),
    Category("Running Shoes", "en", _running_shoes, (
        "Do the {title} come in EU 44? What sizes do you have?",
        "What is the drop of the {title}?",
        "Are the {title} good for {surface} running?",
    )),
    Category("Coffee", "en", _coffee, (
        "Is the {title} whole bean or ground? I have an espresso machine.",
        "How dark is the roast of the {title}?",
        "Where does the {title} come from?",
    )),
    Category("Electric Kettles", "en", _kettle, (
        "What capacity does the {title} have?",
        "Does the {title} switch off automatically when the water boils?",
        "Can I set the temperature on the {title} for green tea?",
    )),
    Category("Yoga Mats", "en", _yoga_mat, (
        "How thick is the {title}? I have sensitive knees.",
        "What material is the {title}? I am allergic to latex.",
        "What are the dimensions of the {title}?",
    )),
    Category("Backpacks", "en", _backpack, (
        "Does a 15.6 inch laptop fit in the {title}?",
        "Is the {title} waterproof? I cycle to work in the rain.",
        "What is the volume of the {title}?",
    )),
    Category("Smartwatches", "en", _smartwatch, (
        _ASK_BATTERY,
        "Does the {title} work with an iPhone?",
        "Can I swim with the {title}? It says {water resistance}.",
        "Does the {title} have its own GPS?",
    )),
    Category("Board Games", "en", _board_game, (
        "How many players is {title} for? We are a group of five.",
        "Is {title} suitable for a 7-year-old?",
        "How long does a round of {title} take?",
    )),
    Category("Face Care", "en", _face_care, (
        "Is the {title} suitable for sensitive skin? Does it contain fragrance?",
        "What are the key ingredients of the {title}?",
        "How many ml is the {title}?",
    )),
    Category("移动电源", "zh", _zh_power_bank, (
        "这款{title}的容量是多少？能给笔记本充电吗？",
        "{title}的输出功率是多少？支持快充吗？",
        "{title}可以带上飞机吗？",
    )),
    Category("蓝牙耳机", "zh", _zh_earbuds, (
        "{title}的续航怎么样？",
        "{title}支持主动降噪吗？",
        "{title}防水吗？跑步出汗会不会坏？",
    )),
    Category("茶叶", "zh", _zh_tea, (
        "{title}的产地是哪里？",
        "{title}的保质期是多久？",
        _ZH_ASK_PRICE,
    )),
    Category("羽绒服", "zh", _zh_down_jacket, (
        "{title}有XL码吗？我身高180。",
        "{title}的充绒量是多少？零下十度够穿吗？",
        "{title}防水吗？",
    )),
    Category("办公椅", "zh", _zh_office_chair, (
        "{title}的最大承重是多少？",
        "{title}的座高可以调节吗？",
        "{title}的扶手能调吗？",
    )),
    Category("电热水壶", "zh", _zh_kettle, (
        "{title}的容量是多大？",
        "{title}烧开后会自动断电吗？",
        "{title}是什么材质的？",
    )),
)  # fmt: skip
CATEGORY_BY_NAME = {category.name: category for category in CATEGORIES}


def storefront_price(rng: random.Random, category: Category, base: Decimal) -> tuple[Decimal, str]:
    """(price, currency) of a product: a plausible price point in a storefront's currency.

    Chinese categories sell in CNY; English ones in EUR, USD, GBP, JPY or KWD, each rounded
    to its own minor unit as shops do (``49.99``, ``7980``, ``14.950``).
    """
    if category.lang == "zh":
        return base.quantize(Decimal("0.01")), "CNY"
    currency = rng.choices([c for c, _ in _EN_CURRENCIES], [w for _, w in _EN_CURRENCIES])[0]
    return price_point(base * _PER_EURO[currency], currency), currency


def price_point(amount: Decimal, currency: str) -> Decimal:
    """A shop's price just under ``amount``: 49.99 EUR, 7980 JPY, 14.950 KWD."""
    places = money.minor_units(currency)
    if places == 0:
        hundreds = max(Decimal(1), (amount / 100).to_integral_value(ROUND_FLOOR))
        return hundreds * 100 - 20
    whole = max(Decimal(1), amount.to_integral_value(ROUND_FLOOR))
    step = Decimal(1).scaleb(-places)
    ending = Decimal("0.05") if places == 3 else step
    return (whole - ending).quantize(step)
