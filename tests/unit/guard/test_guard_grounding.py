"""Grounding: invented prices, discounts, dates and policies are rejected."""

from __future__ import annotations

from decimal import Decimal

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard.grounding import check_grounding, extract_numbers, parse_number
from streams.generation.quantities import labelled

FACTS = ProductFacts(
    product_id="p-1",
    title="Aurora Wool Sweater",
    category="Knitwear",
    attributes={"colour": "navy blue", "material": "100% merino wool", "warranty": "3 years"},
    price=79.9,
    currency="EUR",
)
POLICIES = PlatformPolicies()


@pytest.mark.parametrize(
    "reply",
    [
        "The Aurora Wool Sweater costs 79.90 EUR and is made of 100% merino wool.",
        "It is priced at €79.90.",
        "It costs 79,90 €.",
        "Standard shipping takes 2-5 business days.",
        "Items can be returned within 30 days of delivery.",
        "Refunds are paid to the original payment method within 14 days after the return arrives.",
        "Shipping is free for orders over 50.00 EUR.",
        "Every product has a 2-year warranty.",
        "This sweater comes with a 3 year warranty.",
        "It is navy blue. Is there anything else I can help you with today?",
        "I'm sorry about that. A colleague from our support team will follow up with you.",
    ],
)
def test_grounded_replies_pass(reply: str) -> None:
    assert check_grounding(reply, FACTS, POLICIES) == ()


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("It costs €59.90 today only!", "ungrounded_amount"),
        ("It costs $79.90.", "ungrounded_amount"),
        ("You can have it for 60 euros.", "ungrounded_amount"),
        ("Use code SAVE10 for 10% off.", "ungrounded_percentage"),
        ("I can give you a discount on your next order.", "discount_claim"),
        ("Here is a coupon for you: WELCOME.", "discount_claim"),
        ("Use promo code SPRING at checkout.", "discount_claim"),
        ("It will arrive in 3 days.", "ungrounded_duration"),
        ("It will arrive by Friday.", "ungrounded_date"),
        ("It will be delivered on December 5.", "ungrounded_date"),
        ("Expect it on 12/05/2024.", "ungrounded_date"),
        ("It ships tomorrow.", "ungrounded_date"),
        ("It usually takes a few days.", "ungrounded_duration"),
        ("We deliver within a week.", "ungrounded_duration"),
        ("You can return it within 60 days.", "policy_mismatch"),
        ("It has a 5-year warranty.", "policy_mismatch"),
        ("Enjoy free shipping on all orders!", "policy_mismatch"),
        ("We offer free returns, no questions asked.", "ungrounded_policy"),
        ("Every item has a lifetime warranty.", "ungrounded_policy"),
        ("Your refund has been approved.", "refund_commitment"),
        ("You will receive a full refund.", "refund_commitment"),
        ("We will refund you right away.", "refund_commitment"),
        ("Your order has been shipped and is on its way.", "order_state_claim"),
        ("I have cancelled your order.", "order_state_claim"),
        ("Yes, my order has been shipped.", "order_state_claim"),
        ("根据你提供的信息，你的订单是已签收的。", "order_state_claim"),  # noqa: RUF001
        ("您的包裹已经送达，请查收。", "order_state_claim"),  # noqa: RUF001
        ("悦听 主动降噪真无线蓝牙耳机已寄回给客户，退款将在14天内到账。", "order_state_claim"),  # noqa: RUF001
        ("我们已为您退款。", "order_state_claim"),
        ("您的快递正在派送中。", "order_state_claim"),
        ("物流单号是SF1234567。", "order_state_claim"),
        ("See www.cheap-deals.example.com for details.", "ungrounded_link"),
    ],
)
def test_ungrounded_claims_are_rejected(reply: str, kind: str) -> None:
    reasons = check_grounding(reply, FACTS, POLICIES)
    assert any(r.startswith(kind + ":") for r in reasons), reasons


def test_negated_discount_is_still_rejected() -> None:
    # Documented strictness: negations are not parsed; the template answer is cheap.
    assert check_grounding("I can't offer a discount.", FACTS, POLICIES)


def test_without_facts_no_price_may_be_stated() -> None:
    assert check_grounding("It costs 79.90 EUR.", None, POLICIES)


def test_without_policies_no_policy_may_be_stated() -> None:
    reasons = check_grounding("Items can be returned within 30 days of delivery.", FACTS, None)
    assert reasons


def test_policies_are_configurable() -> None:
    strict = PlatformPolicies(return_window_days=14, free_shipping_threshold=None)
    assert check_grounding("Items can be returned within 30 days.", FACTS, strict)
    assert check_grounding("Items can be returned within 14 days.", FACTS, strict) == ()
    assert check_grounding("Shipping is free for orders over 50.00 EUR.", FACTS, strict)


def test_facts_ground_their_own_claims() -> None:
    facts = FACTS.model_copy(
        update={
            "attributes": {"battery life": "20 hours", "launch": "March 2025", "weight": "5 pounds"}
        }
    )
    text = "The battery lasts 20 hours, it launched in March 2025 and weighs 5 pounds."
    assert check_grounding(text, facts, POLICIES) == ()


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1,299.99", "1299.99"),
        ("1.299,99", "1299.99"),
        ("19,99", "19.99"),
        ("1,000", "1000"),
        ("1.000.000", "1000000"),
        ("42", "42"),
    ],
)
def test_parse_number(raw: str, value: str) -> None:
    assert parse_number(raw) == Decimal(value)


def test_extract_numbers_reads_model_numbers() -> None:
    assert extract_numbers("WH-1000XM4 at 79.90") == (Decimal(1000), Decimal(4), Decimal("79.9"))


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("You can also find it cheaper on Amazon.", "ungrounded_third_party:Amazon"),
        ("Our prices beat eBay and Walmart every day.", "ungrounded_third_party:eBay"),
        ("Wait for Amazon Prime Day to buy it.", "ungrounded_sales_event:Prime Day"),
        ("It will be part of our Black Friday deals.", "ungrounded_sales_event:Black Friday"),
        ("Grab it in the clearance sale before it ends.", "ungrounded_sales_event:clearance sale"),
        ("Good news: it is in stock in every size.", "stock_claim:is in stock"),
        ("Sorry, that colour is sold out.", "stock_claim:is sold out"),
        ("The sweater ships today if you order now.", "stock_claim:ships today"),
    ],
)
def test_third_parties_sales_events_and_stock_claims_are_ungrounded(
    reply: str, reason: str
) -> None:
    assert reason in check_grounding(reply, FACTS, POLICIES)


def test_names_in_the_facts_may_be_repeated() -> None:
    facts = FACTS.model_copy(update={"attributes": {"edition": "Black Friday special edition"}})
    assert check_grounding("It is the Black Friday special edition.", facts, POLICIES) == ()
    assert check_grounding("I cannot see stock levels from here.", FACTS, POLICIES) == ()


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("The ball started running again at 8pm yesterday.", "ungrounded_date:8pm"),
        ("It was dispatched yesterday.", "ungrounded_date:yesterday"),
        ("Our courier comes at 14:30.", "ungrounded_date:14:30"),
    ],
)
def test_times_of_day_and_past_days_are_ungrounded(reply: str, reason: str) -> None:
    assert reason in check_grounding(reply, FACTS, POLICIES)


@pytest.mark.parametrize(
    ("text", "grounded"),
    [
        ("Delivery is free for orders over 50.00 EUR.", True),
        ("Shipping is free for orders over 50.00 EUR. It takes 2-5 business days.", True),
        ("订单满50.00 EUR免运费。", True),
        ("满50.00 EUR包邮。", True),
        ("Delivery is free.", False),
        ("全场包邮。", False),
        ("所有订单免运费。", False),
    ],
)
def test_free_shipping_is_only_the_policys_conditional_promise(text: str, grounded: bool) -> None:
    reasons = check_grounding(text, None, PlatformPolicies())
    assert (not any(r.startswith("policy_mismatch:") for r in reasons)) is grounded, reasons


def test_a_number_made_into_a_rate_is_a_new_quantity() -> None:
    car = ProductFacts(
        product_id="rc", title="RC Car", category="toys", attributes={"play time": "20 minutes"}
    )
    assert "invented_rate:20 minutes per hour" in check_grounding(
        "It runs for 20 minutes per hour.", car, PlatformPolicies()
    )
    assert check_grounding("It runs for 20 minutes.", car, PlatformPolicies()) == ()


@pytest.mark.timeout(20)
def test_long_runs_of_digits_are_read_in_linear_time() -> None:
    # A rate or a size is read where a number starts, so a run of digits is scanned once.
    assert check_grounding("1" * 200_000, None, PlatformPolicies()) == ()
    assert labelled("1" * 200_000 + "码", "label:")[0].base == Decimal("1" * 200_000)
