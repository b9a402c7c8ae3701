"""Meta talk: openings that cite the prompt are cut, sentences about the prompt are removed."""

# Chinese cases are written with Chinese punctuation on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard import review_reply
from streams.generation.guard.meta import meta_reasons, strip_lead_ins
from streams.generation.prompts import render_reply_prompt

POLICIES = PlatformPolicies()
BAG = ProductFacts(
    product_id="b1",
    title="Little Explorer Backpack",
    category="backpacks",
    attributes={"age": "3-6 years", "volume": "8 L"},
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Based on the information provided in the draft reply, the backpack is for 3-6 years.",
            "The backpack is for 3-6 years.",
        ),
        ("According to the relevant facts provided, it holds 8 L.", "It holds 8 L."),
        ("Yes. According to the given information, it holds 8 L.", "Yes. It holds 8 L."),
        ("It holds 8 L, based on the facts listed.", "It holds 8 L."),
        ("根据您的描述，这个背包适合3-6岁。", "这个背包适合3-6岁。"),
        ("根据提供的产品信息和政策，这个背包适合3-6岁。", "这个背包适合3-6岁。"),
        ("根据产品信息和规格：这个背包适合3-6岁。", "这个背包适合3-6岁。"),
        # A list the model opened after its lead-in loses the lead-in and the dash.
        (
            "Based on the information provided in the facts and policies: - The backpack "
            "holds 8 L.",
            "The backpack holds 8 L.",
        ),
        # Only the sentence that lost its opening is touched, and a name keeps its case.
        ("Based on the facts, iPhone 15 fits. it is slim.", "iPhone 15 fits. it is slim."),
    ],
)
def test_lead_ins_that_cite_the_prompt_are_cut(text: str, expected: str) -> None:
    stripped, removed = strip_lead_ins(text)
    assert stripped == expected
    assert removed


@pytest.mark.parametrize(
    "text",
    [
        "According to our returns policy, items can be sent back within 30 days.",
        "Based on your height, the 45-55 cm seat suits you.",
        "根据您的身高，这个座椅适合您。",
        "It holds 8 L.",
    ],
)
def test_openings_that_carry_content_stay(text: str) -> None:
    assert strip_lead_ins(text) == (text, ())


def test_sentences_about_the_prompt_or_the_customer_are_meta() -> None:
    assert meta_reasons("This matches the customer's request for more pockets.")
    assert meta_reasons("It can charge your laptop without any additional claims.")
    assert meta_reasons("这符合客户的要求。")
    assert meta_reasons('This information is provided in the "play time" field of the product.')
    # A demo reply: "Yes, you can swim with it. The product fact states that …"
    assert meta_reasons("The product fact states that the water resistance is 5 ATM.")
    assert meta_reasons("The listing says it holds 8 L.")
    assert meta_reasons("产品信息显示这个背包适合3-6岁。")
    assert not meta_reasons("The display shows the time and your heart rate.")
    assert not meta_reasons("It has 3 zipped pockets, so there is room for your things.")


def test_a_reply_keeps_its_answer_and_audits_what_went() -> None:
    text = (
        "Based on the information provided in the draft reply, the Little Explorer Backpack "
        "is for children aged 3-6 years. This matches the customer's request."
    )
    prompt = render_reply_prompt(BAG, [], "What age is it for?", "product_question", POLICIES)
    revision = review_reply(text, BAG, POLICIES, prompt)
    assert revision.verdict.accepted
    assert revision.text == "The Little Explorer Backpack is for children aged 3-6 years."
    assert any(r.startswith("removed:lead_in:based on") for r in revision.verdict.reasons)
    assert any(r.startswith("removed:meta:") for r in revision.verdict.reasons)


def test_the_draft_comes_first_and_may_be_repeated_word_for_word() -> None:
    draft = "The age of the Little Explorer Backpack is 3-6 years. Is there anything else?"
    prompt = render_reply_prompt(
        BAG, [], "What age is it for?", "product_question", POLICIES, draft=draft
    )
    system = prompt[0]["content"]
    assert system.index("<draft_reply>") < system.index("<facts>")
    assert review_reply(draft, BAG, POLICIES, prompt, draft=draft).verdict.reasons == ()


def test_a_short_complete_chinese_answer_is_not_too_short() -> None:
    # "退货期限是30天。" says what "The return period is 30 days." does.
    prompt = render_reply_prompt(None, [], "退货期限是多久？", "return_refund", POLICIES, lang="zh")
    assert review_reply("退货期限是30天。", None, POLICIES, prompt).verdict.accepted
    assert not review_reply("可以。", None, POLICIES, prompt).verdict.accepted
