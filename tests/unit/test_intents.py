"""Intent detection on labelled customer messages."""

from __future__ import annotations

import pytest

from streams.intents import INTENTS, IntentDetector, KeywordIntentDetector, detect_intent

LABELLED: tuple[tuple[str, str], ...] = (
    # order_status
    ("Where is my order? I placed it last week.", "order_status"),
    ("Hi, can I get an update on order #48213?", "order_status"),
    ("My package still hasn't arrived", "order_status"),
    ("Can you track my parcel please", "order_status"),
    ("When will my order arrive?", "order_status"),
    ("Has my order been shipped yet?", "order_status"),
    ("What's the status of my purchase from Monday?", "order_status"),
    ("I never received my items, it's been ages", "order_status"),
    # return_refund
    ("I want to return these shoes, they are too small", "return_refund"),
    ("How do I return an item?", "return_refund"),
    ("Can I get a refund for the lamp?", "return_refund"),
    ("The jacket doesn't fit, can I exchange it for a large?", "return_refund"),
    ("I'd like my money back please", "return_refund"),
    ("What is your return policy?", "return_refund"),
    ("Please cancel my order, I ordered the wrong one", "return_refund"),
    ("The blender arrived broken and I want a refund", "return_refund"),
    # shipping
    ("Do you ship to Canada?", "shipping"),
    ("How long does shipping take?", "shipping"),
    ("What are the delivery options?", "shipping"),
    ("Is express shipping available?", "shipping"),
    ("How much is postage to the UK?", "shipping"),
    ("Which courier do you use for international orders?", "shipping"),
    # product_question
    ("Does this jacket come in blue?", "product_question"),
    ("What sizes do these sneakers come in?", "product_question"),
    ("Is the backpack waterproof?", "product_question"),
    ("What are the dimensions of the desk?", "product_question"),
    ("Is this phone case compatible with the Pixel 8?", "product_question"),
    ("Are the medium mugs back in stock?", "product_question"),
    ("What's the difference between the two models?", "product_question"),
    ("How heavy is the tent?", "product_question"),
    # complaint
    ("This is the worst customer service I have ever had", "complaint"),
    ("I'm very disappointed with the quality of this sweater", "complaint"),
    ("Your courier was rude to me and I want to make a complaint", "complaint"),
    ("Absolutely unacceptable, I want to speak to a manager", "complaint"),
    ("The product is a waste of money, totally useless", "complaint"),
    # other
    ("Hello!", "other"),
    ("Thanks a lot, have a nice day", "other"),
    ("Do you have a physical store in Berlin?", "other"),
    ("Can I change the email address on my account?", "other"),
    ("Who are you?", "other"),
)


def test_labelled_accuracy() -> None:
    wrong = [
        (t, want, detect_intent(t).intent)
        for t, want in LABELLED
        if detect_intent(t).intent != want
    ]
    accuracy = 1 - len(wrong) / len(LABELLED)
    assert len(LABELLED) >= 30
    assert accuracy >= 0.9, wrong


@pytest.mark.parametrize("intent", [i for i in INTENTS if i != "other"])
def test_every_intent_has_examples(intent: str) -> None:
    assert sum(want == intent for _, want in LABELLED) >= 5


def test_other_has_no_evidence() -> None:
    result = detect_intent("Hello there")
    assert result.intent == "other"
    assert result.confidence == 0.0
    assert result.matched == ()


def test_confidence_in_range_and_matched_rules_reported() -> None:
    for text, _ in LABELLED:
        result = detect_intent(text)
        assert 0.0 <= result.confidence <= 1.0
        if result.intent != "other":
            assert result.matched


def test_strong_evidence_is_more_confident() -> None:
    weak = detect_intent("size?")
    strong = detect_intent("Where is my order #12345? I want to track the package.")
    assert strong.confidence > weak.confidence


def test_precedence_breaks_ties() -> None:
    # A complaint that asks for a refund is handled as a refund request.
    assert detect_intent("Terrible product, I want a refund").intent == "return_refund"


def test_detector_protocol() -> None:
    detector: IntentDetector = KeywordIntentDetector()
    assert detector.detect("Do you ship to Norway?").intent == "shipping"
