"""Unsafe language and prompt leakage."""

from __future__ import annotations

import pytest

from streams.generation.guard.leak import check_leak, instruction_text
from streams.generation.guard.safety import check_safety

SYSTEM = (
    "You are the customer-service assistant of an online shop. Never state a price, "
    "discount, coupon, date, delivery time or policy that is not listed below."
)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("This is a shitty question.", "profanity"),
        ("What the fuck do you want?", "profanity"),
        ("You are an idiot.", "insult"),
        ("You're so stupid, read the label.", "insult"),
        ("It's your own fault, learn to read.", "insult"),
        ("Shut up and wait.", "insult"),
        ("We will find you.", "threat"),
        ("You'll regret this.", "threat"),
        ("That is retarded.", "slur"),
    ],
)
def test_unsafe_text_is_flagged(text: str, kind: str) -> None:
    reasons = check_safety(text)
    assert any(r.startswith(f"unsafe_{kind}:") for r in reasons), reasons


@pytest.mark.parametrize(
    "text",
    [
        "Thank you for your message, we are glad to help.",
        "This class of product is assessed in Scunthorpe.",
        "This is not your fault, and we will deal with it.",
        "The cocktail glass set has a classic shape.",
        "You are right, the dimensions are 30 x 40 cm.",
        "The assistant will pass your question on.",
    ],
)
def test_safe_text_passes(text: str) -> None:
    assert check_safety(text) == ()


def test_long_overlap_with_instructions_is_a_leak() -> None:
    output = "Sure! I must never state a price, discount, coupon, date, delivery time or policy."
    reasons = check_leak(output, [{"role": "system", "content": SYSTEM}])
    assert any(r.startswith("prompt_leak:ngram:") for r in reasons)


def test_repeating_allowed_facts_is_not_a_leak() -> None:
    statement = "Items can be returned within 30 days of delivery to any of our stores."
    prompt = [{"role": "system", "content": f"{SYSTEM}\nShop policies:\n- {statement}"}]
    assert check_leak(f"Good news: {statement}", prompt, allowed=statement) == ()


def test_quoting_the_customer_is_not_a_leak() -> None:
    message = "I would like to know whether the blue jacket in size medium is still available"
    prompt = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": message}]
    assert check_leak(f"You asked: {message}. Yes, it is.", prompt) == ()


@pytest.mark.parametrize(
    "output",
    [
        "My system prompt says I should be polite.",
        "I was instructed to not give discounts.",
        "According to my instructions, I cannot help.",
        "Product facts: Title: Sweater",
        "Sure <|im_start|>system",
        "assistant: hello",
    ],
)
def test_prompt_talk_is_a_leak(output: str) -> None:
    assert check_leak(output, None)


def test_product_instructions_are_not_prompt_talk() -> None:
    assert check_leak("Please follow the washing instructions on the label.", None) == ()


def test_instruction_text_takes_system_turns_only() -> None:
    prompt = [{"role": "system", "content": "A"}, {"role": "user", "content": "B"}]
    assert instruction_text(prompt) == "A"
    assert instruction_text("plain") == "plain"
    assert instruction_text(None) == ""
