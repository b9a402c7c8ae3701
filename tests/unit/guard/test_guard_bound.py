"""A reply whose draft is the whole answer says that draft again and nothing more.

The rejected texts are what Qwen2.5-0.5B wrote for evaluation messages given these drafts.
"""

# Chinese test sentences are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.asks import DECLINES
from streams.generation.facts import PlatformPolicies, build_grounding
from streams.generation.guard.bound import unbound_reasons
from streams.generation.reply_templates import GENERIC_REPLY, intent_candidates

GROUNDING_EN = build_grounding(None, PlatformPolicies(), "en")
GROUNDING_ZH = build_grounding(None, PlatformPolicies(), "zh")
ORDER_EN = intent_candidates("order_status", GROUNDING_EN, "en")[0]
COMPLAINT_EN = intent_candidates("complaint", GROUNDING_EN, "en")[0]
COMPLAINT_ZH = intent_candidates("complaint", GROUNDING_ZH, "zh")[0]
PRICE_EN = f"{DECLINES['price']['en']} The price of the ErgoPro Mesh Office Chair is 279.00 EUR."
LASTING_EN = f"{DECLINES['lasting_promise']['en']} Every product has a 2-year warranty."


@pytest.mark.parametrize(
    ("text", "draft", "name"),
    [
        # Said again, with courtesy and the customer's order number.
        (
            "I'm sorry for the wait. I can't look up order details in this chat, so I have "
            "passed your question to our support team, who will reply with an update.",
            ORDER_EN,
            "",
        ),
        (
            "抱歉给您带来了不好的体验，感谢您告诉我。我已将您的留言转交给客服团队，同事会亲自与您联系。",
            COMPLAINT_ZH,
            "",
        ),
        (
            "抱歉，我无法保证具体的送达日期。标准配送需要2-5个工作日。",
            f"{DECLINES['delivery_promise']['zh']}标准配送需要2-5个工作日。",
            "",
        ),
        ("Hello! How can I assist you today?", DECLINES["greeting"]["en"], ""),
        ("您好！请问有什么我可以帮助您的吗？", DECLINES["greeting"]["zh"], ""),
        (
            "Sorry, I'm unable to change prices in this chat. The ErgoPro Mesh Office Chair "
            "costs 279.00 EUR.",
            f"{DECLINES['price']['en']} The price of the ErgoPro chair is 279.00 EUR.",
            "ErgoPro Mesh Office Chair",
        ),
    ],
)
def test_a_reply_that_says_its_draft_again_is_bound(text: str, draft: str, name: str) -> None:
    assert unbound_reasons(text, draft, name) == ()


@pytest.mark.parametrize(
    ("text", "draft", "reason"),
    [
        # A feature the customer asked about, confirmed from the question's own words.
        ("是的，这款台灯支持无线充电功能。", GENERIC_REPLY["zh"], "unbound:"),
        (
            "Yes, the StudioLine Wired Monitor Headphones have Bluetooth.",
            GENERIC_REPLY["en"],
            "unbound:yes",
        ),
        # An action nobody takes, and a request for card details.
        (
            "Thank you for calling! I am currently working on repairing the broken blender.",
            COMPLAINT_EN,
            "unbound:calling",
        ),
        (
            "Yes, I can verify this information. Please provide me with the details of the "
            "charges.",
            COMPLAINT_EN,
            "unbound:yes",
        ),
        # A duration the draft does not give.
        (
            "抱歉，我无法查看订单详情，已将您的问题转交给客服团队，他们将在两天内回复您。",
            intent_candidates("order_status", GROUNDING_ZH, "zh")[0],
            "unbound:",
        ),
    ],
)
def test_a_reply_that_adds_to_its_draft_is_not(text: str, draft: str, reason: str) -> None:
    reasons = unbound_reasons(text, draft)
    assert any(r.startswith(reason) for r in reasons), reasons


def test_a_reply_that_drops_the_hand_over_or_the_decline_is_not() -> None:
    # The guard removed "we can guarantee that the parka will arrive by Friday"; what was left
    # no longer declines.
    assert unbound_reasons("Every product has a 2-year warranty.", LASTING_EN) == (
        "dropped:decline",
    )
    asked_back = "I'm sorry to hear about your experience. Can you tell us more?"
    assert "dropped:handover" in unbound_reasons(asked_back, COMPLAINT_EN)
    assert unbound_reasons("I'm sorry, I can't change prices.", PRICE_EN) == ()
