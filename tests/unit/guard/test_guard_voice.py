"""A reply speaks as the shop's assistant, never as the customer."""

# Chinese test sentences are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard.verdict import review_reply
from streams.generation.guard.voice import voice_reasons

MAT = ProductFacts(
    product_id="ym", title="Groundwork Cork Yoga Mat", category="Yoga Mats",
    attributes={"thickness": "6 mm", "material": "cork on natural rubber"},
)  # fmt: skip
COMPLAINT = (
    "This is the third time I write. The Groundwork Cork Yoga Mat arrived damaged and nobody "
    "answers!"
)


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        ("It took me approximately 2-5 business days to receive it.", "customer_voice"),
        ("Yes, my order has arrived.", "customer_voice"),
        ("我已经收到了这个瑜伽垫。", "customer_voice"),
        ("The Groundwork Cork Yoga Mat arrived damaged and nobody answered!", "echo"),
    ],
)
def test_the_customer_s_voice_and_words_are_not_the_assistant_s(sentence: str, kind: str) -> None:
    reasons = voice_reasons(sentence, COMPLAINT, MAT.title)
    assert any(r.startswith(f"{kind}:") for r in reasons), reasons


@pytest.mark.parametrize(
    ("sentence", "customer"),
    [
        # An answer restates its question.
        ("No, you cannot put it in the washing machine.", "Can I put it in the washing machine?"),
        ("Shipping takes 2-5 business days for the Groundwork Cork Yoga Mat.", COMPLAINT),
        ("I have passed your message to our support team.", COMPLAINT),
        ("I'm sorry to hear that it arrived damaged.", COMPLAINT),
    ],
)
def test_the_assistant_s_own_sentences_stand(sentence: str, customer: str) -> None:
    assert voice_reasons(sentence, customer, MAT.title) == []


def test_a_reply_that_continues_the_customer_s_complaint_is_not_published() -> None:
    prompt = [
        {"role": "system", "content": "rules"},
        {"role": "user", "content": COMPLAINT},
        {"role": "assistant", "content": "I'm sorry to hear that."},
        {"role": "user", "content": "Thank you. How fast can you ship it?"},
    ]
    text = (
        "The Groundwork Cork Yoga Mat arrived damaged and nobody answered! It took me "
        "approximately 2-5 business days to receive it."
    )
    revision = review_reply(text, MAT, PlatformPolicies(), prompt)
    assert not revision.verdict.accepted
    assert "arrived damaged" not in revision.text


def test_the_customer_s_own_question_asked_back_is_an_echo() -> None:
    customer = "北极岸 连帽鸭绒羽绒服的充绒量是多少?零下十度够穿吗?"
    assert voice_reasons("零下十度够穿吗？", customer)[0].startswith("echo:")
    assert voice_reasons("北极岸 连帽鸭绒羽绒服的充绒量是180克。", customer) == []
    assert voice_reasons("Is it waterproof?", "Is it waterproof?")[0].startswith("echo:")
