"""Reasoning: conclusions drawn from the facts and guesses are not published."""

# Chinese cases are written with Chinese punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import check_reply, review_reply
from streams.generation.guard.reasoning import cut_conclusions, reasoning_reasons
from streams.generation.prompts import fallback_reply, render_reply_prompt

POLICIES = PlatformPolicies()
CHAIR = ProductFacts(
    product_id="c1",
    title="ErgoPro Mesh Office Chair",
    category="office chairs",
    attributes={"max load": "150 kg", "seat height": "45-55 cm"},
)
HEADPHONES = ProductFacts(
    product_id="h1",
    title="StudioLine Wired Monitor Headphones",
    category="headphones",
    attributes={"impedance": "32 ohm", "cable": "3 m"},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The maximum load is 150 kg, so you may need to adjust your weight accordingly.",
            "The maximum load is 150 kg.",
        ),
        ("It is 45-55 cm high, which means you can sit comfortably.", "It is 45-55 cm high."),
        ("耳机防水级别为IPX4，因此不会因为跑步出汗而防水。", "耳机防水级别为IPX4。"),
        ("座高是45-55厘米，所以适合你。", "座高是45-55厘米。"),
    ],
)
def test_a_trailing_conclusion_is_cut_and_the_fact_stays(text: str, expected: str) -> None:
    cut, removed = cut_conclusions(text)
    assert cut == expected
    assert removed


@pytest.mark.parametrize(
    "text",
    [
        "Yes, that is within the max load of the chair, which is 150 kg.",
        "It has 3 zipped pockets and a hood.",
        "Items can be returned within 30 days of delivery.",
    ],
)
def test_statements_without_a_conclusion_are_left_alone(text: str) -> None:
    assert cut_conclusions(text) == (text, ())
    assert reasoning_reasons(text) == []


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("This means you can sit up to 45 cm high.", "inference:this means"),
        ("This meets your requirement of at least 3 mm.", "inference:this meets"),
        ("Therefore, you cannot put it in the washing machine.", "inference:therefore"),
        ("这意味着你可以放心使用。", "inference:这意味着"),
        ("A basic audio interface will likely not drive them.", "speculation:likely"),
        ("它可能适合你的笔记本。", "speculation:可能"),
    ],
)
def test_conclusions_and_guesses_are_found(sentence: str, reason: str) -> None:
    assert reasoning_reasons(sentence) == [reason]


def test_a_reply_publishes_the_facts_without_what_the_model_made_of_them() -> None:
    question = "What is the seat height range? I'm quite short."
    prompt = render_reply_prompt(CHAIR, [], question, "product_question", POLICIES)
    text = (
        "The seat height of the ErgoPro Mesh Office Chair is 45-55 cm. This means you can sit "
        "up to 45 cm high without needing to adjust your seat height."
    )
    revision = review_reply(text, CHAIR, POLICIES, prompt)
    assert revision.verdict.accepted, revision.verdict.reasons
    assert revision.text == "The seat height of the ErgoPro Mesh Office Chair is 45-55 cm."
    # A conclusion takes nothing that was asked, so it does not make the text "mostly
    # unsupported"; a guess counts as unsupported.
    assert "removed:inference:this means" in revision.verdict.reasons


def test_a_guess_about_compatibility_is_removed() -> None:
    question = "What impedance are they? Will a basic audio interface drive them?"
    prompt = render_reply_prompt(HEADPHONES, [], question, "product_question", POLICIES)
    text = (
        "The impedance of the StudioLine Wired Monitor Headphones is 32 ohm, and the cable is "
        "3 m long. A basic audio interface will likely not drive them."
    )
    revision = review_reply(text, HEADPHONES, POLICIES, prompt)
    assert "likely" not in revision.text
    assert "removed:speculation:likely" in revision.verdict.reasons


def test_templates_still_pass_the_strict_check() -> None:
    # The order-status hand-over says "…, so I have passed your question…": the strict check
    # of templates does not cut conclusions.
    reply = fallback_reply("order_status", None, POLICIES)
    assert "passed your question" in reply
    assert check_reply(reply, None, POLICIES).accepted


@pytest.mark.parametrize(
    "text",
    [
        "The max load is 150 kg, so call me on +44 20 7946 0958 today.",
        "Based on the details from 07700 900123, the max load is 150 kg.",
    ],
)
def test_pii_in_a_cut_clause_rejects_the_reply(text: str) -> None:
    # A cut clause is audited word for word; raw PII may not reach the reasons column.
    prompt = render_reply_prompt(CHAIR, [], "What is the max load?", "product_question", POLICIES)
    revision = review_reply(text, CHAIR, POLICIES, prompt)
    assert not revision.verdict.accepted
    assert revision.verdict.pii_types == ("phone",)
    assert not any("7946" in r or "900123" in r for r in revision.verdict.reasons)
