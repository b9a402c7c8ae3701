# ruff: noqa: RUF002
"""Replies bound to their draft: a hand-over, a decline or a greeting said again, nothing more.

Where no fact or policy answers a message (where is my order, a complaint, a request for a
discount, a greeting), the reply is a template: a hand-over to the support team, a fixed
decline with what is known, a greeting back. The model may word that draft for the customer,
but the claim checks cannot read everything a small model adds to it: in measured drafts it
confirmed an asked-for feature ("是的，这款台灯支持无线充电功能"), offered to "verify" a
card's charges, said it was "working on repairing the broken blender", or asked the
customer for "more information about the order".

So such a reply is held to a closed vocabulary, as descriptions are
(:mod:`streams.generation.guard.vocabulary`): every English content word is a word of the
draft or of the product's name, a function word, or a word of courtesy (:data:`COURTESY_WORDS`:
sorry, thank, understand); in Chinese every character is one of the draft's, the name's or
:data:`ZH_COURTESY`'s. The customer's own words are not among them: a reply that takes a
property from the question ("Yes, they have Bluetooth") decides what no fact says.

And it keeps the draft's points: a draft that hands over to the support team must still hand
over, a draft that declines must still decline.
"""

from __future__ import annotations

import re

from streams.generation.guard.claims import related, stem
from streams.generation.guard.vocabulary import FUNCTION_WORDS

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_HAN = re.compile(r"[\u4e00-\u9fff]")

COURTESY_WORDS = frozenset(
    {
        "i", "i'm", "i'll", "i've", "me", "we're", "we'll", "we've", "don't", "sorry",
        "apologise", "apologize", "apologies", "apology", "thank", "thanks", "welcome",
        "hello", "hi", "hey", "please", "glad", "happy", "help", "assist", "assistance",
        "understand", "understandable", "hear", "hearing", "know", "let", "feel", "free",
        "ask", "question", "questions", "else", "anything", "today", "kindly", "appreciate",
        "patience", "wait", "waiting", "inconvenience", "frustrating", "frustration",
        "disappointing", "disappointed", "upsetting", "concern", "concerns", "message",
        "request", "reaching", "reach", "possible", "sure", "certainly", "really", "truly",
        "hope", "day", "wish", "great", "good", "nice", "dear", "hesitate", "further", "need",
    }
)  # fmt: skip
"""Words of courtesy a reply may add to its draft: they state nothing about a product or order."""

ZH_COURTESY = frozenset(
    "您你我们的了吗呢吧啊呀哦好请问有什么可以帮助谢不客气欢迎随时告诉很非常抱歉歉意理解给带来感"
    "这那是在和与也都就会将已经为对于如果其他需要再次一下还您好亲"
)
"""Characters a Chinese reply may add to its draft (function words and courtesy)."""

_HANDOVER = re.compile(
    r"\b(?:support team|colleagues?|team member|member of our (?:support )?team|passed|"
    r"pass(?:ed)? (?:it|this|your \w+) on|get back to you|follow up)\b|转交|客服团队|同事|回复您",
    re.IGNORECASE,
)
_DECLINE = re.compile(
    r"\b(?:can't|can ?not|cannot|unable|not able|won't be able)\b|无法|不能|没法|没有办法",
    re.IGNORECASE,
)

_COMMON = frozenset(stem(w) for w in FUNCTION_WORDS | COURTESY_WORDS)

# Other words for a draft's own words, allowed where the draft has the word.
_PARAPHRASES = {
    "price": ("cost", "costs", "priced"),
    "can't": ("cannot", "unable", "afraid"),
    "passed": ("forwarded", "shared"),
    "colleague": ("teammate",),
}


_ZH_PARAPHRASES = {"承诺": "保证", "无法": "不能", "转交": "转给", "尽快": "马上"}


def _stems(text: str) -> frozenset[str]:
    words = [w.lower().strip("'-") for w in _WORD.findall(text)]
    words += [p for w in words for p in _PARAPHRASES.get(w, ())]
    return frozenset(stem(p) for w in words for p in (w, *w.split("-")) if p)


def _unbound_words(text: str, allowed: frozenset[str]) -> list[str]:
    out: list[str] = []
    for word in _WORD.findall(text):
        lower = word.lower().strip("'-")
        if len(lower) < 2 or lower in out:
            continue
        s = stem(lower)
        if s in _COMMON or s in allowed or any(related(s, a) for a in allowed):
            continue
        out.append(lower)
    return out


def unbound_reasons(text: str, draft: str, name: str = "") -> tuple[str, ...]:
    """Find what a reply says beyond the draft it was asked to word.

    Args:
        text: The model's reply (after the guard's removals).
        draft: The template reply the model was given.
        name: The product's name, which the reply may use.

    Returns:
        ``unbound:<words>`` for English words (or Chinese characters) neither the draft,
        the name nor courtesy holds, ``dropped:handover`` when the draft hands over to the
        support team and the reply does not, ``dropped:decline`` when the draft declines
        and the reply does not; empty when the reply says only what its draft says.
    """
    reasons: list[str] = []
    source = f"{draft} {name}"
    source += "".join(other for word, other in _ZH_PARAPHRASES.items() if word in draft)
    words = _unbound_words(text, _stems(source))
    chars = sorted(set(_HAN.findall(text)) - set(_HAN.findall(source)) - ZH_COURTESY)
    if words or chars:
        reasons.append(f"unbound:{' '.join(words)}{''.join(chars)}")
    if _HANDOVER.search(draft) and not _HANDOVER.search(text):
        reasons.append("dropped:handover")
    if _DECLINE.search(draft) and not _DECLINE.search(text):
        reasons.append("dropped:decline")
    return tuple(reasons)
