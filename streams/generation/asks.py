"""Asks an assistant declines, and messages that only greet or thank.

A customer who asks for a lower price, a delivery date, a promise that a product will last,
or whether a product treats a condition asks for something no fact or policy grants. Such a
message gets a fixed, polite decline followed by what the platform does know (the price, the
shipping time, the warranty, the product's details), in the customer's language. The model,
which would be the one to grant the ask, sees only that reply and may only say it again:
a wording that drops the decline or adds an offer is replaced by it
(:mod:`streams.generation.guard.bound`). A message that only says hello or thank you gets a
greeting back instead of a hand-over to the support team.

Each decline is a constant written here, so it states no product claim; the grounded part
that follows it is checked by the guard like every other template.

A customer who writes a card number, a security code, an IBAN or an ID number into the chat
is told, first, not to (:func:`security_notice`): the message is redacted before anything
stores it, but it was sent in the clear.
"""

# Chinese texts are written with Chinese (full-width) punctuation.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from streams.generation.facts import Lang

AskKind = Literal["price", "delivery_promise", "lasting_promise", "medical", "greeting", "thanks"]

# A comparison ("is the Mini cheaper?", "哪个便宜") asks for no price change: only a request counts.
_PRICE = re.compile(
    r"\b(?:discounts?|coupons?|vouchers?|promo(?:tion(?:al)?)?\s+codes?|price[- ]?match\w*|"
    r"match (?:the|their|that|this|its) price|(?:make it|any|go|a bit|a little) cheaper|"
    r"money off|\d+(?:\.\d+)?\s*%\s*off|(?:any|a|some) deals?|special (?:price|offer)|"
    r"knock \w+ off|(?:lower|reduce|drop) (?:the |your )?price|best price)\b"
    r"|(?:能|再|可以|便宜)便宜|便宜(?:点|一点|些)|打折|打[一二三四五六七八九十\d.]+折|"
    r"[一二三四五六七八九]折|折扣|优惠|减价|降价|砍价|少点钱",
    re.IGNORECASE,
)
_PROMISE = re.compile(
    r"\b(?:guarantee[ds]?|promise|assure|swear|for sure|make sure)\b|保证|承诺|确保|一定能|肯定能",
    re.IGNORECASE,
)
_DELIVERY = re.compile(
    r"\b(?:arriv\w*|deliver\w*|ship\w*|get (?:it|here|there)|in time|by (?:then|tomorrow|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|the weekend|next \w+))\b"
    r"|送到|到货|送达|发货|寄到|收到|明天|后天|周末",
    re.IGNORECASE,
)
_CONDITIONS = (
    r"\w+itis|eczema|acne|psoriasis|rosacea|dermatitis|sciatica|(?:\w+ )?pain|arthritis|"
    r"allerg\w+|insomnia|migraines?|headaches?|asthma|infections?|injur(?:y|ies)|"
    r"condition|disease|illness|symptoms?|scars?|wrinkles|hair loss"
)
_MEDICAL = re.compile(
    rf"\b(?:cure|cures|heal|heals|treat|treats|fix|fixes|help with|helps with|get rid of|"
    rf"relieve|relieves|prevent|prevents)\b[^.?!。？！]{{0,40}}?\b(?:{_CONDITIONS})\b"
    r"|\b(?:pregnan\w*|breast-?feeding|nursing mothers?)\b"
    r"|治疗|治好|治愈|根治|疗效|缓解[^。？！]{0,8}(?:痛|症|炎)|孕妇|怀孕|孕期|哺乳",
    re.IGNORECASE,
)
# Whole messages only: "Hi, how heavy is it?" is a question, "Hi there!" a greeting.
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|good (?:morning|afternoon|evening)|greetings)\b[\s,!.]*"
    r"(?:there|all|team|everyone)?[\s,!.]*(?:(?:is )?any ?(?:one|body) (?:there|here)|"
    r"are you there)?[\s!?.]*"
    r"|(?:你好|您好|嗨|哈喽|在吗|有人吗)[\s，,!！?？。]*(?:在吗|有人吗)?[\s!！?？。]*)$",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^\s*(?:(?:(?:many )?thanks|thank you|thx|cheers)\b(?: (?:a lot|so much|very much))?"
    r"[\s,!.]*(?:(?:that's|that is|that was) (?:all|everything|helpful)(?: i needed)?|bye|"
    r"have a (?:nice|good|great) day)?[\s!.]*"
    r"|(?:谢谢|多谢|感谢|谢啦)(?:你|您)?[\s，,!！。]*(?:没有了|没问题了|再见|就这些)?[\s!！。]*)$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Ask:
    """What a message asks that a decline or a greeting answers.

    Attributes:
        kind: The kind of ask.
        phrase: The words that showed it (audited as the reason).
    """

    kind: AskKind
    phrase: str


def find_ask(text: str) -> Ask | None:
    """Return the ask in a (redacted) customer message, or ``None``.

    Args:
        text: The customer's message.

    Returns:
        The first kind that matches, in the order greeting, thanks, medical, price,
        promise (a delivery date where the message speaks of delivery, else how long a
        product lasts); ``None`` for everything else.
    """
    kinds: tuple[tuple[AskKind, re.Pattern[str]], ...] = (
        ("greeting", _GREETING), ("thanks", _THANKS), ("medical", _MEDICAL), ("price", _PRICE),
    )  # fmt: skip
    for kind, pattern in kinds:
        if (match := pattern.search(text)) is not None:
            return Ask(kind, match.group().strip())
    if (match := _PROMISE.search(text)) is not None:
        promise: AskKind = "delivery_promise" if _DELIVERY.search(text) else "lasting_promise"
        return Ask(promise, match.group())
    return None


DECLINES: dict[AskKind, dict[Lang, str]] = {
    "price": {
        "en": "I'm sorry, I can't change prices or offer special terms in this chat.",
        "zh": "抱歉，我在这里无法调整价格。",
    },
    "delivery_promise": {
        "en": "I'm sorry, I can't promise a delivery date.",
        "zh": "抱歉，我无法承诺具体的送达日期。",
    },
    "lasting_promise": {
        "en": "I'm sorry, I can't promise how long a product will last.",
        "zh": "抱歉，我无法承诺商品能使用多久。",
    },
    "medical": {
        "en": (
            "I'm sorry, I can't give medical advice. Please ask your doctor or pharmacist "
            "whether this product is right for you."
        ),
        "zh": "抱歉，我无法提供医疗建议。这款商品是否适合您，请咨询医生或药剂师。",
    },
    "greeting": {
        "en": "Hello! How can I help you today?",
        "zh": "您好！请问有什么可以帮您？",
    },
    "thanks": {
        "en": "You're welcome! If there is anything else I can help with, just let me know.",
        "zh": "不客气！如有其他问题，欢迎随时告诉我。",
    },
}
"""The fixed first sentence of each kind's reply, per language."""


SENSITIVE_PII = frozenset({"card", "cvv", "card_expiry", "iban", "national_id"})
"""PII kinds a customer should never send in a chat (payment and identity numbers)."""

SECURITY_NOTICES: dict[Lang, str] = {
    "en": (
        "For your security, please don't share card numbers, security codes, bank details or "
        "ID numbers in this chat."
    ),
    "zh": "为了您的账户安全，请不要在聊天中发送银行卡号、安全码、银行账户或身份证号。",
}
"""Said first in a reply to a message that holds :data:`SENSITIVE_PII`."""


def security_notice(pii_types: tuple[str, ...], lang: Lang) -> str | None:
    """Return the notice for a message that shared payment or identity numbers, or ``None``.

    Args:
        pii_types: Kinds of PII redacted from the message.
        lang: The reply's language.

    Returns:
        :data:`SECURITY_NOTICES` in ``lang`` when any kind is in :data:`SENSITIVE_PII`.
    """
    return SECURITY_NOTICES[lang] if SENSITIVE_PII.intersection(pii_types) else None
