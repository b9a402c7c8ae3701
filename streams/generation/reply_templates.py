"""Template replies in English and Chinese, filled only from the grounding.

:func:`compose_answer` answers a question from the facts and policies it asks about;
:func:`intent_candidates` holds the per-intent templates used when nothing was asked that the facts
answer. Every text is built from :class:`streams.generation.facts.Grounding`, so a template can only
repeat what the grounding says. :func:`streams.generation.prompts.fallback_reply` picks the first
candidate the guard accepts.
"""

# Chinese templates are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Iterable

from streams.generation.answers import Asked
from streams.generation.asks import Ask
from streams.generation.fact_match import FactMatch, key_concepts
from streams.generation.facts import FactLine, Grounding, Lang, PolicyTopic
from streams.generation.intents import Intent

_HAN = re.compile(r"[\u4e00-\u9fff]")

GENERIC_REPLY: dict[Lang, str] = {
    "en": (
        "Thank you for your message. A member of our support team will get back to you as "
        "soon as possible."
    ),
    "zh": "感谢您的留言。我们的客服团队会尽快回复您。",
}
"""The last resort: a hand-over that states nothing."""


def zh_label(fact: FactLine) -> str:
    """Return a Chinese name for a fact: its own when Chinese, else its concept's, else its own.

    Args:
        fact: A fact.

    Returns:
        The label for a Chinese sentence.
    """
    if _HAN.search(fact.key):
        return fact.key
    concepts = key_concepts(fact)
    return concepts[0].zh if concepts else fact.key


def _label(match: FactMatch, lang: Lang) -> str:
    key = match.fact.key
    if match.fact.kind == "price":
        return "价格" if lang == "zh" else "price"
    if lang == "zh" and not _HAN.search(key) and match.concept is not None:
        return match.concept.zh
    return key


def _fact_sentence(match: FactMatch, title: str, lang: Lang, first: bool) -> str:
    label, value, comparison = _label(match, lang), match.fact.value, match.comparison
    if lang == "zh":
        subject = title if first else "它"
        base = f"{subject}的{label}是{value}"
        if comparison is None:
            return _yes_no_sentence(label, value, subject, lang) or f"{base}。"
        if comparison.bound in ("max", "range"):
            verdict = "在范围之内" if comparison.ok else "超出了这个范围"
        else:
            verdict = "符合要求" if comparison.ok else "达不到要求"
        return f"{'可以' if comparison.ok else '不可以'}，{base}，{verdict}。"
    subject = f"the {title}" if first else "it"
    if comparison is None:
        plain = f"The {label} of {subject} is {value}."
        return _yes_no_sentence(label, value, subject, lang) or plain
    if comparison.bound == "max":
        relation = "within" if comparison.ok else "more than"
    elif comparison.bound == "range":
        relation = "within" if comparison.ok else "outside"
    else:
        relation = "enough for" if comparison.ok else "below"
    answer = "Yes" if comparison.ok else "No"
    return f"{answer}, that is {relation} the {label} of {subject}, which is {value}."


_YES = frozenset({"yes", "是", "有", "支持"})
_NO = frozenset({"no", "none", "否", "无", "没有", "不支持"})
# A label that describes the product ("foldable", "dishwasher-safe") takes "is"; one that
# names a part or a feature ("wireless charging") takes "has".
_DESCRIBES = re.compile(r"(?:able|ible|proof|safe|ed|ant|ive)$")


def _yes_no_sentence(label: str, value: str, subject: str, lang: Lang) -> str | None:
    # "wireless charging: no" reads "… does not have wireless charging", not "… is no".
    answer = value.strip().lower().rstrip(".。")
    if answer not in _YES and answer not in _NO:
        return None
    yes = answer in _YES
    if lang == "zh":
        return f"{subject}{'有' if yes else '没有'}{label}。"
    if _DESCRIBES.search(label.lower()):
        return f"{'Yes' if yes else 'No'}, {subject} is {'' if yes else 'not '}{label}."
    return f"{'Yes' if yes else 'No'}, {subject} {'has' if yes else 'does not have'} {label}."


def join_sentences(sentences: Iterable[str], lang: Lang) -> str:
    """Join sentences as the language writes them: Chinese without spaces, English with one."""
    return ("" if lang == "zh" else " ").join(sentences)


def _close(lang: Lang) -> str:
    return (
        "如有其他问题，欢迎随时告诉我。"
        if lang == "zh"
        else "Is there anything else I can help with?"
    )


def compose_answer(asked: Asked, grounding: Grounding, lang: Lang) -> str | None:
    """Answer what was asked from the facts and policies alone.

    Args:
        asked: What the message asks (:func:`streams.generation.answers.find_asked`).
        grounding: The reply's grounding (policies in ``lang``).
        lang: The reply's language.

    Returns:
        One sentence per matched fact (a yes/no first when a quantity was compared with a
        limit), the policy statements asked about, and a closing line; ``None`` when
        nothing was asked that the grounding answers.
    """
    if not asked:
        return None
    title_fact = grounding.fact("Product")
    title = title_fact.value if title_fact is not None else ("该商品" if lang == "zh" else "item")
    sentences = [
        _fact_sentence(match, title, lang, first=index == 0)
        for index, match in enumerate(asked.facts)
    ]
    sentences.extend(p.text for p in asked.policies)
    sentences.append(_close(lang))
    return join_sentences(sentences, lang)


def _policy(grounding: Grounding, *topics: PolicyTopic) -> str:
    sep = "" if any(_HAN.search(p.text) for p in grounding.policies) else " "
    return sep.join(p.text for topic in topics if (p := grounding.policy(topic)) is not None)


def _product_candidates(grounding: Grounding, lang: Lang) -> list[str]:
    facts = {f.kind: f for f in grounding.facts if f.kind != "attribute"}
    attributes = [f for f in grounding.facts if f.kind == "attribute"][:6]
    title, category, price = facts.get("title"), facts.get("category"), facts.get("price")
    if title is None:
        if lang == "zh":
            return ["感谢您的提问。请问您指的是哪件商品？告诉我之后，我可以为您介绍它的详细信息。"]
        return [
            "Thank you for your question. Could you tell me which product you mean? Then I can "
            "share its details."
        ]
    range_ = category.value if category is not None else ""
    if lang == "zh":
        intro = f"关于{title.value}：它属于{range_}系列"
        details = "；".join(f"{zh_label(f)}：{f.value}" for f in attributes)
        priced = f"，价格为{price.value}" if price is not None else ""
        close = "如有其他问题，客服团队可以为您解答。"
        candidates = [f"{intro}{priced}。{close}", f"{intro}。{close}"]
        if details:
            candidates.insert(0, f"{intro}；{details}{priced}。{close}")
        return candidates
    intro = f"Here is what I can tell you about {title.value}: it is in our {range_} range"
    details = "; ".join(f.text() for f in attributes)
    priced = f", and its price is {price.value}" if price is not None else ""
    close = " Our support team can help with anything else."
    candidates = [f"{intro}{priced}.{close}", f"{intro}.{close}"]
    if details:
        candidates.insert(0, f"{intro}; {details}{priced}.{close}")
    return candidates


def intent_candidates(intent: Intent, grounding: Grounding, lang: Lang) -> list[str]:
    """Return the template replies for ``intent``, best first.

    Args:
        intent: The detected intent.
        grounding: The reply's grounding (policies in ``lang``).
        lang: The reply's language.

    Returns:
        Candidates in ``lang``; empty for ``other`` (the generic hand-over follows).
    """
    zh = lang == "zh"
    if intent == "order_status":
        if zh:
            return [
                "感谢您咨询订单情况。我在这里无法查询订单详情，已将您的问题转交给客服团队，"
                "他们会尽快回复您最新进展。"
            ]
        return [
            "Thank you for getting in touch about your order. I can't look up order details in "
            "this chat, so I have passed your question to our support team, who will reply "
            "with an update."
        ]
    if intent == "return_refund":
        policy = _policy(grounding, "returns", "refunds")
        if zh:
            return [f"感谢您的留言。{policy}客服团队会协助您完成后续步骤。"]
        return [
            f"Thank you for your message. {policy} Our support team will help you with the "
            "next steps."
        ]
    if intent == "shipping":
        policy = _policy(grounding, "shipping", "free_shipping")
        return [f"感谢您的提问。{policy}" if zh else f"Thank you for your question. {policy}"]
    if intent == "product_question":
        return _product_candidates(grounding, lang)
    if intent == "complaint":
        if zh:
            return [
                "很抱歉给您带来不好的体验，感谢您告诉我们。我已将您的留言转交给客服团队，"
                "同事会亲自与您联系。"
            ]
        return [
            "I'm sorry to hear about your experience, and thank you for telling us. I have "
            "passed your message to our support team, and a colleague will get back to you "
            "personally."
        ]
    return []


def _price_sentence(grounding: Grounding, lang: Lang) -> list[str]:
    title, price = grounding.fact("Product"), grounding.fact("Price")
    if title is None or price is None:
        return []
    if lang == "zh":
        return [f"{title.value}的价格是{price.value}。"]
    return [f"The price of the {title.value} is {price.value}."]


def ask_candidates(ask: Ask, grounding: Grounding, lang: Lang) -> list[str]:
    """Return what may follow an ask's decline, best first: what the platform does know.

    Args:
        ask: The ask (:func:`streams.generation.asks.find_ask`).
        grounding: The reply's grounding (policies in ``lang``).
        lang: The reply's language.

    Returns:
        The price for a price ask, the shipping time for a delivery date, the warranty for
        a promise that a product lasts, the product's details for a medical question;
        empty for a greeting or thanks (and where the grounding holds none of these).
    """
    if ask.kind == "price":
        return _price_sentence(grounding, lang)
    if ask.kind == "delivery_promise":
        return [policy] if (policy := _policy(grounding, "shipping")) else []
    if ask.kind == "lasting_promise":
        return [policy] if (policy := _policy(grounding, "warranty")) else []
    if ask.kind == "medical" and grounding.fact("Product") is not None:
        return _product_candidates(grounding, lang)
    return []
