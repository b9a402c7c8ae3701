"""Key phrases of negative reviews against a background (log-odds, informative prior)."""

from __future__ import annotations

import random
from collections import Counter

from streams.phrases import STOPWORDS, log_odds_z, phrases_of, segments, top_phrases

BATTERY = [
    "The battery died after two days.",
    "Battery drains overnight, terrible.",
    "Battery life is awful and the battery gets hot",
    "Stopped charging, the battery was dead in a week",
    "Screen is fine but the battery dies fast",
    "Awful battery. Sent it back.",
    "The battery died again, useless",
    "Cheap battery, it dies in hours",
]
PRAISE = [
    "Great screen, love it",
    "Fast shipping and works great",
    "The battery is okay and the screen is great",
    "Love the camera, great colours",
    "Great value, the screen is sharp",
]


def test_battery_complaints_yield_battery_phrases() -> None:
    phrases = top_phrases(BATTERY, PRAISE)
    assert phrases[0] == "battery"
    assert 1 < len(phrases) <= 5
    for phrase in phrases:
        assert sum(phrase in text.lower() for text in BATTERY) >= 2


def test_without_a_background_the_shared_complaint_still_leads() -> None:
    assert top_phrases(BATTERY, [])[0] == "battery"


def test_words_as_common_in_the_background_are_not_reasons() -> None:
    negatives = [f"The screen is great but the {part} broke" for part in ("hinge", "lid", "hinge")]
    background = ["The screen is great"] * 6
    phrases = top_phrases(negatives, background)
    assert "screen" not in phrases and "great" not in phrases
    assert "broke" in phrases or "hinge broke" in phrases


def test_phrases_are_the_same_in_any_order() -> None:
    shuffled = list(BATTERY)
    random.Random(3).shuffle(shuffled)
    assert top_phrases(shuffled, list(reversed(PRAISE))) == top_phrases(BATTERY, PRAISE)


def test_a_phrase_needs_two_reviews_and_no_stopword_at_its_edges() -> None:
    phrases = top_phrases(["the zipper snapped on day one", "the strap snapped"], [])
    assert phrases == ("snapped",)
    candidates = phrases_of("It is not charging at all and the case is loose")
    assert "not charging" in candidates
    assert "not" not in candidates
    assert all(p.split()[0] not in STOPWORDS and p.split()[-1] not in STOPWORDS for p in candidates)


def test_placeholders_numbers_and_punctuation_break_phrases() -> None:
    assert segments("Mail me at [EMAIL] now, order 1234567 arrived broken") == [
        ["mail", "me", "at"],
        ["now"],
        ["order"],
        ["arrived", "broken"],
    ]
    redacted = ["Refund to [EMAIL] please, it leaks", "write to [EMAIL] it leaks"] * 2
    phrases = top_phrases(redacted, [])
    assert "leaks" in phrases
    assert not any("email" in p for p in phrases)


def test_longer_phrases_that_repeat_a_chosen_one_are_skipped() -> None:
    phrases = top_phrases(BATTERY, PRAISE)
    assert not any("battery" in p for p in phrases[1:])


def test_log_odds_favours_what_the_target_has_more_of() -> None:
    scores = log_odds_z(Counter(late=8, box=4), Counter(box=8, late=1), prior_strength=10.0)
    assert scores["late"] > 0 > scores["box"]


def test_no_negative_text_no_phrases() -> None:
    assert top_phrases([], PRAISE) == ()


def test_a_longer_phrase_stands_in_for_the_words_it_joins_when_it_covers_them() -> None:
    negatives = [
        "The lid broke.",
        "Lid broke again",
        "the lid broke today",
        "lid is loose",
        "broke",
    ]
    phrases = top_phrases(negatives, ["Boils fast", "Looks great"])
    assert phrases[0] == "lid broke"
    assert "lid" not in phrases and "broke" not in phrases
    # Words in between do not make a new reason: "lid hinge broke" repeats "lid broke".
    broken = [f"the lid broke {when}" for when in ("today", "again", "twice", "at once")]
    hinges = ["lid hinge broke", "the lid hinge broke off"]
    phrases = top_phrases([*broken, "lid broke", "Lid broke.", *hinges], ["Boils fast"] * 4)
    assert phrases[0] == "lid broke"
    assert not any({"lid", "broke"} & set(p.split()) for p in phrases[1:])
