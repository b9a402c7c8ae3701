"""The chaos harness's own parts: malformed events, stall reading and the tally."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest
from pydantic import BaseModel

from streams.delivery import deadletter as dl
from streams.delivery.codec import decode
from streams.errors import DecodeError
from streams.records import ChatMessage, ProductUpdate, Review
from streams.settings import Settings
from streams.tooling.chaos.accounting import Record, letter_matches, log_tally, path_tally
from streams.tooling.chaos.fleet import Probe
from streams.tooling.chaos.fuzz import KINDS, MAKERS, big_value, malformed_events
from streams.tooling.chaos.progress import Sample, longest_stall
from streams.tooling.chaos.traffic import ExpectedLetter, Feed, add_negative_bursts, add_reviews
from streams.tooling.sample_data import Kind, SampleShop

MODELS: dict[str, type[BaseModel]] = {
    "review": Review,
    "chat": ChatMessage,
    "product": ProductUpdate,
}


@pytest.mark.parametrize("kind", ["review", "chat", "product"])
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_malformed_kind_is_refused_by_the_decoder(kind: Kind, name: str) -> None:
    shop = SampleShop(seed=3)
    for _ in range(8):  # each maker draws variants from the shop's generator
        _, event = shop.event(kind)
        decode(MODELS[kind], json.dumps(event).encode())  # the event it started from is valid
        with pytest.raises(DecodeError):
            decode(MODELS[kind], MAKERS[name](kind, event, shop.rng))


def test_a_big_value_is_about_a_megabyte_and_refused() -> None:
    shop = SampleShop(seed=3)
    _, event = shop.event("review")
    value = big_value("review", event, shop.rng)
    assert 900_000 < len(value) < 1_000_000
    with pytest.raises(DecodeError, match="max_bytes"):
        decode(Review, value)


def test_a_mix_holds_every_kind_with_unique_keys_and_repeats_with_its_seed() -> None:
    # Both shops first: event times count from a shop's start, to the second.
    one, other = SampleShop(seed=11), SampleShop(seed=11)
    other.start = one.start
    first = malformed_events(one, "review", 300)
    again = malformed_events(other, "review", 300)
    assert [m.value for m in first] == [m.value for m in again]
    assert len({m.key for m in first}) == 300
    kinds = Counter(m.kind for m in first)
    assert set(kinds) == set(KINDS)
    assert kinds["big_value"] == 3  # heavy values stay a small share
    assert max(kinds.values()) - min(n for k, n in kinds.items() if k != "big_value") <= 1


def _sample(t: float, committed: int | None, end: int | None) -> Sample:
    return Sample(t, committed, end, probes=(Probe(1, 200, True, ()),))


def test_longest_stall_counts_only_pending_input_without_progress_after_the_fault() -> None:
    samples = [
        _sample(0, 0, 100),
        _sample(7, 0, 100),  # before the fault cleared: counted only from 0
        _sample(10, 10, 100),
        _sample(11, 10, 100),
        _sample(15, 10, 100),  # 5 s without progress, then 6 s
        _sample(16, None, None),  # unreadable: no progress either
        _sample(18, 50, 100),
        _sample(19, 100, 100),
        _sample(30, 100, 100),  # nothing pending: idle, not stalled
    ]
    assert longest_stall(samples, since=8.0) == 6.0
    assert longest_stall(samples, since=0.0) == 7.0


def test_a_batch_in_progress_is_work_not_a_stall() -> None:
    def sample(t: float, busy: int) -> Sample:
        return Sample(t, 10, 100, probes=(Probe(1, 200, True, (), busy_batches=busy),))

    # A 30 s generation batch, then 20 s with nothing in progress and nothing committed.
    samples = [sample(t, 1) for t in range(0, 31)] + [sample(t, 0) for t in range(31, 51)]
    assert longest_stall(samples, since=0.0) == 20.0
    assert longest_stall(samples, since=0.0, work_counts=False) == 50.0


def test_path_tally_counts_lost_doubled_and_replays() -> None:
    tally = path_tally(
        {"a", "b", "c", "d"},
        rows=[("a", 1), ("b", 2), ("c", 1)],
        topic_ids=["a", "a", "b", "d", "x"],
    )
    assert tally["lost_clickhouse"] == 1  # d
    assert tally["lost_topic"] == 1  # c
    assert tally["lost"] == 2  # c and d are each missing somewhere
    assert tally["doubled"] == 1  # b has two rows after FINAL
    assert tally["topic_records"] == 5
    assert tally["unexpected"] == 1  # x


def test_log_tally_reads_restart_reasons() -> None:
    text = "\n".join(
        [
            "WARNING worker.restart reason=signal_SIGKILL pid=1 delay_s=1.0",
            "WARNING worker.restart reason=stalled pid=2 delay_s=2.0",
            "ERROR worker.stalled idle_s=60",
            "WARNING gap.repaired topic=t partition=0 offsets=3-5 found=3",
            "WARNING consumer.resync topic=t partition=1 committed=4 read=9: reading again",
        ]
    )
    tally = log_tally(text)
    assert tally["restarts"] == 2
    assert tally["restarts_by_reason"] == {"signal_SIGKILL": 1, "stalled": 1}
    assert tally["stall_restarts"] == 1
    assert tally["gap_repairs"] == 1
    assert tally["consumer_resyncs"] == 1


def _letter(value: bytes, **headers: str) -> Record:
    base = {
        dl.SOURCE_TOPIC: "shop.reviews",
        dl.SOURCE_PARTITION: "2",
        dl.SOURCE_OFFSET: "41",
        dl.STAGE: "decode",
        dl.ERROR_CLASS: "DecodeError",
        **headers,
    }
    return Record(b"chaos-fuzz-1", value, tuple((k, v.encode()) for k, v in base.items()))


def test_a_dead_letter_matches_with_its_origin_and_bytes_or_their_fingerprint() -> None:
    original = b"x" * 5_000
    want = ExpectedLetter("shop.reviews", original, "big_value")
    assert letter_matches(_letter(original), want)
    truncated = _letter(
        original[:1_000],
        **{
            dl.ORIGINAL_SIZE: "5000",
            dl.ORIGINAL_SHA256: hashlib.sha256(original).hexdigest(),
        },
    )
    assert letter_matches(truncated, want)
    assert not letter_matches(_letter(original[:1_000]), want)  # truncated, no fingerprint
    assert not letter_matches(_letter(original, **{dl.SOURCE_TOPIC: "other"}), want)
    assert not letter_matches(_letter(original, **{dl.SOURCE_OFFSET: ""}), want)
    refused = ExpectedLetter("shop.reviews", original, "refused_sink", stage="sink")
    assert not letter_matches(_letter(original), refused)  # dead-lettered at the wrong stage
    assert letter_matches(_letter(original, **{dl.STAGE: "sink"}), refused)


def test_burst_products_get_no_ordinary_reviews() -> None:
    settings = Settings()
    shop = SampleShop(seed=4)
    feed = Feed()
    add_negative_bursts(feed, settings, shop, products=3, per_product=5)
    burst_ids = set(feed.reviews)
    add_reviews(feed, settings, shop, 400, exclude=frozenset(feed.alert_products))
    products = {
        json.loads(value)["review_id"]: json.loads(value)["product_id"]
        for _, value in feed.messages[settings.topics.reviews]
    }
    assert len(feed.alert_products) == 3 and len(burst_ids) == 15
    assert {products[r] for r in burst_ids} == feed.alert_products
    assert not {products[r] for r in set(feed.reviews) - burst_ids} & feed.alert_products
