"""The project's own product-review training sentences stay apart from the acceptance set."""

from __future__ import annotations

import re
from collections import Counter

from export.corpora import (
    HARD_CASES_PATH,
    SHOP_REVIEW_FILES,
    SHOP_REVIEWS_PATH,
    ShopReviews,
    read_labelled_tsv,
)
from export.data import NEGATIVE, NEUTRAL, POSITIVE
from export.sentiment_evalset import load_ecommerce_set

_WORD = re.compile(r"[a-z0-9]+")
# Two sentences sharing this share of their words are the same review reworded: a training
# sentence that close to an acceptance sentence would make the acceptance figure a recall test.
NEAR_COPY = 0.45


def _words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def test_no_training_sentence_is_a_near_copy_of_an_acceptance_sentence() -> None:
    accepted = [(s.id, _words(s.text)) for s in load_ecommerce_set()]
    close = []
    for example in [ex for path in SHOP_REVIEW_FILES for ex in read_labelled_tsv(path)]:
        words = _words(example.text)
        if len(words) < 4:
            continue  # "Love it!" may well occur in both: too short to be a copy
        for sentence_id, other in accepted:
            if len(words & other) / len(words | other) >= NEAR_COPY:
                close.append((example.text, sentence_id))
    assert not close, close


def test_three_classes_in_useful_shares() -> None:
    examples = read_labelled_tsv(SHOP_REVIEWS_PATH)
    counts = Counter(example.label for example in examples)
    assert len(examples) >= 900
    assert set(counts) == {NEGATIVE, NEUTRAL, POSITIVE}
    assert min(counts.values()) / len(examples) >= 0.25, counts
    assert len({example.text.lower() for example in examples}) == len(examples)


def test_hard_cases_are_new_sentences() -> None:
    known = {example.text.lower() for example in read_labelled_tsv(SHOP_REVIEWS_PATH)}
    hard = read_labelled_tsv(HARD_CASES_PATH)
    assert len(hard) >= 450
    assert len({example.text.lower() for example in hard}) == len(hard)
    assert not {example.text.lower() for example in hard} & known
    assert {example.label for example in hard} == {NEGATIVE, NEUTRAL, POSITIVE}


def test_the_default_source_trains_on_both_files() -> None:
    source = ShopReviews()
    assert source.paths == (SHOP_REVIEWS_PATH, HARD_CASES_PATH)
    corpus = source.load()
    total = sum(len(read_labelled_tsv(path)) for path in SHOP_REVIEW_FILES)
    assert len(corpus.train) + len(corpus.calibration) + len(corpus.heldout) == total
