"""Realistic sample events: reviews, chat messages and product updates of a sample shop.

Review text: composed per category from the project's own fragments
(:mod:`streams.tooling.sample_reviews`), in the product's language.
Products: the category catalogue of :mod:`streams.tooling.sample_catalog` (coherent attributes,
prices in each storefront's currency, some in Chinese). Chat messages: customers asking about
those products' real attributes, the shop's policies and their orders, in the product's
language.
"""

# Chinese text keeps the full-width punctuation that Chinese shops write.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from streams.tooling.sample_catalog import (
    CATEGORIES,
    CATEGORY_BY_NAME,
    Category,
    price_point,
    storefront_price,
)
from streams.tooling.sample_reviews import Polarity, compose_review

Kind = Literal["review", "chat", "product"]

# What customers ask besides product attributes: policies, orders, complaints; per language.
_POLICY_QUESTIONS = {
    "en": (
        "Can I return the {title} if it doesn't suit me?",
        "How long does shipping take for the {title}?",
        "What is the warranty on the {title}?",
        "I sent the {title} back last week. When will I get my refund?",
        "Is shipping free if I order the {title} together with something else?",
    ),
    "zh": (
        "{title}支持七天无理由退货吗？",
        "{title}下单后几天能发货？",
        "{title}的保修期是多久？",
        "我已经把{title}寄回去了，退款多久能到账？",
        "买{title}包邮吗？",
    ),
}
_ORDER_QUESTIONS = {
    "en": (
        "Hi, where is my order {order}? The tracking has not changed for three days.",
        "My order {order} with the {title} still says processing. When will it ship?",
        "Can I change the delivery address of order {order}?",
        "I ordered the {title} (order {order}) by mistake. Can I cancel it?",
    ),
    "zh": (
        "我的订单{order}什么时候发货？",
        "订单{order}显示已签收，但我没有收到{title}。",
        "订单{order}的收货地址可以改吗？",
        "{title}拍错了，订单{order}能取消吗？",
    ),
}
_COMPLAINTS = {
    "en": (
        "The {title} I received stopped working after two days. I want a replacement.",
        "This is the third time I write. The {title} arrived damaged and nobody answers!",
    ),
    "zh": (
        "收到的{title}有划痕，可以换货吗？",
        "{title}用了两天就坏了，我要退货！",
    ),
}
_FOLLOW_UPS = {
    "en": (
        "Thanks! And how long is the warranty?",
        "OK. Can I still return it if I change my mind?",
        "Thank you. How fast can you ship it?",
    ),
    "zh": ("好的，那大概几天能到？", "谢谢！保修期多久？", "如果不合适可以退吗？"),
}


@dataclass(frozen=True)
class Product:
    """A catalogue entry of the sample shop.

    ``material`` is kept as its own field for callers that build a product by hand; when
    given, it is one of the attributes a product update states.
    """

    product_id: str
    title: str
    category: str
    material: str
    price: Decimal | float
    currency: str = "EUR"
    attributes: Mapping[str, str] = field(default_factory=dict)
    lang: str = "en"

    def all_attributes(self) -> dict[str, str]:
        """The attributes a product update states."""
        out = dict(self.attributes)
        if self.material and "material" not in out:
            out["material"] = self.material.lower()
        return out


def _catalogue(rng: random.Random, count: int, id_prefix: str = "p") -> list[Product]:
    """``count`` products, every category present once ``count`` reaches their number."""
    order = list(CATEGORIES)
    rng.shuffle(order)
    products = []
    titles: set[str] = set()
    for index in range(count):
        category: Category = order[index % len(order)]
        draft = category.draw(rng)
        for _ in range(10):  # a few draws find a title not yet in the shop
            if draft.title not in titles:
                break
            draft = category.draw(rng)
        titles.add(draft.title)
        price, currency = storefront_price(rng, category, draft.base_price)
        products.append(
            Product(
                product_id=f"{id_prefix}-{index:05d}",
                title=draft.title,
                category=category.name,
                material=draft.attributes.get("material", ""),
                price=price,
                currency=currency,
                attributes=draft.attributes,
                lang=category.lang,
            )
        )
    return products


class SampleShop:
    """A deterministic sample catalogue and event factory."""

    def __init__(
        self, seed: int = 7, products: int = 50, negative_share: float = 0.2, id_prefix: str = "p"
    ) -> None:
        self.negative_share = negative_share
        self.rng = random.Random(seed)
        # Another prefix per run keeps a product id one product: a stack that outlives a run
        # keeps the facts it was sent, and another seed draws another catalogue.
        self.products = _catalogue(self.rng, products, id_prefix)
        self.start = datetime.now(UTC).replace(microsecond=0)
        self._tick = 0
        # Recent conversations (id, customer, product), some of which get a follow-up.
        self._open: list[tuple[str, str, Product]] = []
        # Products whose updates were sent: customers ask about what the shop has listed.
        self._listed: list[Product] = []

    @property
    def listed(self) -> tuple[Product, ...]:
        """The products product updates were made for, in first-update order."""
        return tuple(self._listed)

    def _now(self) -> str:
        self._tick += 1
        return (self.start + timedelta(milliseconds=self._tick)).isoformat()

    def review(self, product: Product | None = None, label: str | None = None) -> dict[str, Any]:
        """A review event about what the product is judged on; ``label`` forces its polarity.

        Without ``label`` about ``negative_share`` of reviews are negative, as in a healthy shop.
        The text is in the product's language (:mod:`streams.tooling.sample_reviews`).
        """
        product = product or self.rng.choice(self.products)
        if label is None:
            label = "negative" if self.rng.random() < self.negative_share else "positive"
        polarity: Polarity = "negative" if label == "negative" else "positive"
        text = compose_review(self.rng, product.category, product.lang, polarity)
        rating = self.rng.choice((4, 5) if polarity == "positive" else (1, 2))
        return {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "review_id": f"r-{self.rng.getrandbits(40):010x}",
            "product_id": product.product_id,
            "user_id": f"u-{self.rng.randrange(10_000):05d}",
            "rating": rating,
            "title": "",
            "text": text,
            "lang": product.lang,
            "created_at": self._now(),
        }

    def chat(self) -> dict[str, Any]:
        """A customer chat message: about a product's attributes, a policy or an order.

        About one message in five follows up an earlier conversation of the same customer.
        Once product updates were made, new conversations are about those products, whose
        facts the replies can use.
        """
        if self._open and self.rng.random() < 0.2:
            conversation_id, customer_id, product = self.rng.choice(self._open)
            text = self.rng.choice(_FOLLOW_UPS[product.lang])
        else:
            product = self.rng.choice(self._listed or self.products)
            conversation_id = f"c-{self.rng.randrange(100_000):05d}"
            customer_id = f"u-{self.rng.randrange(10_000):05d}"
            text = self._question(product)
            self._open = [*self._open[-19:], (conversation_id, customer_id, product)]
        return {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "conversation_id": conversation_id,
            "message_id": f"m-{self.rng.getrandbits(40):010x}",
            "customer_id": customer_id,
            "text": text,
            "product_id": product.product_id,
            "sent_at": self._now(),
        }

    def _question(self, product: Product) -> str:
        category = _category_of(product)
        roll = self.rng.random()
        if category is not None and category.questions and roll < 0.5:
            template = self.rng.choice(category.questions)
        elif roll < 0.7:
            template = self.rng.choice(_POLICY_QUESTIONS[product.lang])
        elif roll < 0.9:
            template = self.rng.choice(_ORDER_QUESTIONS[product.lang])
        else:
            template = self.rng.choice(_COMPLAINTS[product.lang])
        order = f"#{self.rng.randrange(100_000, 999_999)}"
        return template.format_map({**product.all_attributes(), "title": product.title,
                                    "order": order})  # fmt: skip

    def product_update(self) -> dict[str, Any]:
        """A product update: the product's attributes and its price, sometimes discounted.

        Most prices are decimal strings (``"49.99"``) as platforms send money; some are JSON
        numbers, which the records accept too.
        """
        product = self.rng.choice(self.products)
        if product not in self._listed:
            self._listed.append(product)
        price = Decimal(str(product.price))
        if self.rng.random() < 0.2:
            # A sale: about 10 % off, at one of the storefront's price points.
            price = min(price, price_point(price * Decimal("0.9"), product.currency))
        as_number = self.rng.random() < 0.25
        return {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "product_id": product.product_id,
            "title": product.title,
            "category": product.category,
            "attributes": product.all_attributes(),
            "price": (int(price) if price == price.to_integral_value() else float(price))
            if as_number
            else str(price),
            "currency": product.currency,
            "description": None,
            "updated_at": self._now(),
        }

    def event(self, kind: Kind) -> tuple[str, dict[str, Any]]:
        """(key, event) of a kind."""
        if kind == "review":
            event = self.review()
            return event["product_id"], event
        if kind == "chat":
            event = self.chat()
            return event["conversation_id"], event
        event = self.product_update()
        return event["product_id"], event

    def malformed(self, kind: Kind) -> bytes:
        """A bad message of one of several kinds: broken JSON, bad type, missing field, binary."""
        _, event = self.event(kind)
        choice = self.rng.randrange(5)
        if choice == 0:
            return b'{"event_id": "broken", "text": '
        if choice == 1:
            return b"\xff\xfe\x00binary"
        if choice == 2:
            event.pop("event_id")
        elif choice == 3:
            name = {"review": "rating", "chat": "text", "product": "price"}[kind]
            event[name] = ["not", "valid"]
        else:
            return b'["an", "array"]'
        return json.dumps(event).encode()


def stream_events(
    shop: SampleShop, kind: Kind, count: int, malformed_share: float
) -> Iterator[tuple[bytes, bytes, bool]]:
    """(key, value, valid) triples: ``count`` events, about ``malformed_share`` of them bad."""
    for _ in range(count):
        key, event = shop.event(kind)
        if shop.rng.random() < malformed_share:
            yield key.encode(), shop.malformed(kind), False
        else:
            yield key.encode(), json.dumps(event).encode(), True


def _category_of(product: Product) -> Category | None:
    return CATEGORY_BY_NAME.get(product.category)
