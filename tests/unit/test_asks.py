"""Asks the assistant declines, greetings, and the templates that answer them."""

# Chinese test messages are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.asks import DECLINES, find_ask
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard.verdict import check_reply
from streams.generation.prompts import fallback_reply
from streams.generation.reply_templates import GENERIC_REPLY

POLICIES = PlatformPolicies()
CREAM = ProductFacts(
    product_id="sk-1", title="HydraCalm Daily Moisturiser", category="skincare",
    attributes={"skin type": "dry and sensitive", "volume": "50 ml"}, price=24.0, currency="EUR",
)  # fmt: skip
BANK = ProductFacts(
    product_id="pb-1", title="VoltPack Mini", category="power banks",
    attributes={"wireless charging": "no", "foldable": "yes", "capacity": "10000 mAh"},
    price=29.99, currency="EUR",
)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Can you give me 20% off if I order two?", "price"),
        ("Is there a coupon code for first-time customers?", "price"),
        ("It's 29.99 elsewhere. Will you price match?", "price"),
        ("Any deals on the rain jacket?", "price"),
        ("能便宜点吗？给我打个八折吧。", "price"),
        ("有优惠吗？", "price"),
        ("Can you guarantee it arrives by Friday?", "delivery_promise"),
        ("你能保证明天送到吗？", "delivery_promise"),
        ("Can you promise the blender will last at least 10 years?", "lasting_promise"),
        ("Will the moisturiser cure my eczema?", "medical"),
        ("Does this chair help with back pain?", "medical"),
        ("I'm pregnant. Is the retinol serum safe for me?", "medical"),
        ("这款面霜能治疗湿疹吗？", "medical"),
        ("Hi there!", "greeting"),
        ("Hello, is anyone there?", "greeting"),
        ("你好", "greeting"),
        ("Thanks a lot, that's all I needed.", "thanks"),
        ("谢谢！", "thanks"),
    ],
)
def test_asks_are_found_by_kind(text: str, kind: str) -> None:
    ask = find_ask(text)
    assert ask is not None and ask.kind == kind
    assert ask.phrase and ask.phrase in text


@pytest.mark.parametrize(
    "text",
    [
        "I have a latex allergy. What is the GripFlow mat made of?",
        "Hi, how heavy is the Mini?",
        "Is the Mini cheaper than the 20K?",
        "哪个更便宜？",
        "How much is the kettle?",
        "Is the bottle safe for my baby?",
        "Is delivery free over 50 EUR?",
        "Thanks! And what colour is it?",
    ],
)
def test_questions_the_facts_answer_are_no_asks(text: str) -> None:
    assert find_ask(text) is None


def _reply(text: str, facts: ProductFacts | None, lang: str = "en") -> str:
    return fallback_reply("other", facts, POLICIES, lang=lang, ask=find_ask(text))  # type: ignore[arg-type]


def test_a_price_ask_is_declined_with_the_price() -> None:
    reply = _reply("Can you do 20% off?", BANK)
    assert reply.startswith(DECLINES["price"]["en"])
    assert "29.99 EUR" in reply and "20%" not in reply


def test_a_chinese_price_ask_is_declined_in_chinese() -> None:
    reply = _reply("能便宜点吗？", BANK, "zh")
    assert reply.startswith(DECLINES["price"]["zh"]) and "29.99 EUR" in reply


def test_a_delivery_date_is_not_promised_and_the_shipping_time_is_given() -> None:
    reply = _reply("Can you guarantee it arrives by Friday?", BANK)
    assert reply.startswith(DECLINES["delivery_promise"]["en"])
    assert "2-5 business days" in reply and "Friday" not in reply


def test_a_promise_that_a_product_lasts_gets_the_warranty() -> None:
    reply = _reply("Can you promise it will last 10 years?", BANK)
    assert "2-year warranty" in reply and "10 years" not in reply


def test_a_medical_question_is_referred_to_a_doctor_with_the_product_details() -> None:
    reply = _reply("Will it cure my eczema?", CREAM)
    assert reply.startswith(DECLINES["medical"]["en"])
    assert "dry and sensitive" in reply and "eczema" not in reply


def test_a_greeting_gets_a_greeting_not_a_hand_over() -> None:
    assert _reply("Hi there!", None) == DECLINES["greeting"]["en"]
    assert _reply("你好", None, "zh") == DECLINES["greeting"]["zh"]
    assert _reply("Hi there!", None) != GENERIC_REPLY["en"]


def test_facts_asked_alongside_a_price_ask_are_answered() -> None:
    from streams.generation.answers import find_asked
    from streams.generation.facts import build_grounding

    text = "What capacity does it have? Any discount?"
    grounding = build_grounding(BANK, POLICIES, "en")
    asked = find_asked(text, BANK, grounding, "product_question")
    reply = fallback_reply(
        "product_question", BANK, POLICIES, asked=asked, grounding=grounding, ask=find_ask(text)
    )
    assert reply.startswith(DECLINES["price"]["en"]) and "10000 mAh" in reply


@pytest.mark.parametrize("kind", list(DECLINES))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_declines_state_nothing_about_a_product(kind: str, lang: str) -> None:
    # Constants: no numbers, no names, and, apart from the referral to a doctor, nothing the
    # claim checks read as a product claim.
    text = DECLINES[kind][lang]  # type: ignore[index]
    assert not any(ch.isdigit() for ch in text)
    reasons = check_reply(text, None, POLICIES).reasons
    assert all(r.startswith("unsupported:health:") for r in reasons), reasons
    assert bool(reasons) == (kind == "medical")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("wireless charging", "No, the VoltPack Mini does not have wireless charging."),
        ("foldable", "Yes, the VoltPack Mini is foldable."),
    ],
)
def test_yes_no_values_read_as_answers(key: str, expected: str) -> None:
    from streams.generation.answers import find_asked
    from streams.generation.facts import build_grounding

    grounding = build_grounding(BANK, POLICIES, "en")
    asked = find_asked(f"Is it {key}? Does it have {key}?", BANK, grounding, "product_question")
    reply = fallback_reply("product_question", BANK, POLICIES, asked=asked, grounding=grounding)
    assert reply.startswith(expected), reply
