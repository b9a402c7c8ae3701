"""A scenario's input, and what that input must produce.

A :class:`Feed` holds the messages to produce (in order, per input topic) together with the ids each
output must hold afterwards and the dead letters the harness must find. It is built from a seeded
:class:`~streams.tooling.sample_data.SampleShop`, so the same seed gives the same feed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from streams.errors import Stage
from streams.settings import Settings
from streams.tooling.chaos.fuzz import Malformed
from streams.tooling.sample_data import SampleShop


@dataclass(frozen=True)
class ExpectedLetter:
    """A message that must reach the dead-letter topic, found by its unique key."""

    topic: str
    value: bytes
    kind: str
    stage: Stage | None = None  # None: any stage (decode or validate, as the event dictates)


@dataclass
class Feed:
    """Messages to produce and the outputs they stand for."""

    messages: dict[str, list[tuple[bytes, bytes]]] = field(default_factory=dict)
    reviews: set[str] = field(default_factory=set)  # review_ids with a sentiment result
    alert_products: set[str] = field(default_factory=set)  # products whose burst must alert
    chats: dict[str, str] = field(default_factory=dict)  # event_id -> message_id, replied to
    updates: set[str] = field(default_factory=set)  # update event_ids that get a description
    letters: dict[str, ExpectedLetter] = field(default_factory=dict)
    # review_ids of valid events a sink refuses: their output may land in the other sink.
    refused: set[str] = field(default_factory=set)

    def add(self, topic: str, key: str, value: bytes | dict[str, Any]) -> None:
        """Append one message to a topic's list."""
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.messages.setdefault(topic, []).append((key.encode(), raw))

    def add_letter(self, topic: str, item: Malformed, stage: Stage | None = None) -> None:
        """Append a message that must be dead-lettered."""
        self.add(topic, item.key, item.value)
        self.letters[item.key] = ExpectedLetter(topic, item.value, item.kind, stage)

    @property
    def total(self) -> int:
        """Messages over all topics."""
        return sum(len(items) for items in self.messages.values())


def add_reviews(
    feed: Feed,
    settings: Settings,
    shop: SampleShop,
    count: int,
    exclude: frozenset[str] = frozenset(),
) -> None:
    """``count`` ordinary reviews (about a fifth negative), of products not in ``exclude``."""
    products = [p for p in shop.products if p.product_id not in exclude]
    for _ in range(count):
        review = shop.review(shop.rng.choice(products))
        feed.add(settings.topics.reviews, review["product_id"], review)
        feed.reviews.add(review["review_id"])


def add_negative_bursts(
    feed: Feed, settings: Settings, shop: SampleShop, products: int, per_product: int
) -> None:
    """Bursts of negative reviews for a few products, each of which must raise an alert.

    The burst is twice the alert's ``min_reviews`` and all negative, so the share crosses the
    threshold even when a few reviews land in the neutral band; give these products no other
    reviews (``add_reviews(exclude=feed.alert_products)``) so nothing dilutes the share.
    """
    for product in shop.rng.sample(shop.products, products):
        feed.alert_products.add(product.product_id)
        for _ in range(per_product):
            review = shop.review(product, label="negative")
            feed.add(settings.topics.reviews, review["product_id"], review)
            feed.reviews.add(review["review_id"])


def add_chats(feed: Feed, settings: Settings, shop: SampleShop, count: int) -> None:
    """``count`` customer chat messages, each of which gets a reply."""
    for _ in range(count):
        chat = shop.chat()
        feed.add(settings.topics.chat_messages, chat["conversation_id"], chat)
        feed.chats[chat["event_id"]] = chat["message_id"]


def add_updates(feed: Feed, settings: Settings, shop: SampleShop, count: int) -> None:
    """Updates of ``count`` distinct products (at most the catalogue): one description each."""
    seen: set[str] = set()
    for _ in range(count * 50):
        if len(seen) >= min(count, len(shop.products)):
            break
        update = shop.product_update()
        if update["product_id"] in seen:
            continue
        seen.add(update["product_id"])
        feed.add(settings.topics.product_updates, update["product_id"], update)
        feed.updates.add(update["event_id"])


def interleave(feed: Feed, shop: SampleShop) -> None:
    """Shuffle each topic's messages (seeded), so faults land among every kind of event."""
    for items in feed.messages.values():
        shop.rng.shuffle(items)


def stream(items: Iterable[tuple[bytes, bytes]]) -> Iterator[tuple[bytes | None, bytes, bool]]:
    """A topic's messages in the form :func:`streams.tooling.replay.produce` takes."""
    for key, value in items:
        yield key, value, True
