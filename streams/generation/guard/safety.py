"""Unsafe and abusive language in generated text.

A compact list, matched on word boundaries so that "class", "Scunthorpe" or "assess" do
not trip it: profanity, insults aimed at the customer, threats and a few slurs. It guards
model output (a reply must never insult a customer); it is not a content-moderation system.
"""

from __future__ import annotations

import re

_I = re.IGNORECASE

_PROFANITY = re.compile(
    r"\b(?:fuck\w*|motherfuck\w*|shit(?:ty|head|s)?|bullshit|bitch(?:es|y)?|bastards?|"
    r"ass(?:hole)?s?|dick(?:head)?s?|cunts?|pricks?|piss(?:ed)? off|wank(?:er|ers)?|"
    r"twats?|douche(?:bag)?s?|crap(?:py)?|damn(?:ed)?|goddamn\w*|wtf|stfu)\b",
    _I,
)
_SLURS = re.compile(r"\b(?:retard(?:ed|s)?|fag(?:got)?s?|n[i1]gg(?:er|a)s?|spastic|tranny)\b", _I)
_INSULT_WORDS = (
    r"idiot(?:ic|s)?|stupid|dumb|moron(?:ic|s)?|fool(?:ish|s)?|pathetic|useless|ignorant|"
    r"incompetent|clueless|liars?|losers?|imbecile|dimwit|dense|lazy|annoying|ridiculous|"
    r"brainless|worthless|cheap(?:skate)?|crazy"
)
_INSULT = re.compile(
    rf"\byou(?:'re| are|r)?\s+(?:being\s+|just\s+|such\s+|so\s+|really\s+|a\s+|an\s+|"
    rf"the\s+|completely\s+|totally\s+)*(?:{_INSULT_WORDS})\b"
    rf"|\b(?:what an?|such an?|you)\s+(?:{_INSULT_WORDS})\b"
    r"|\b(?:shut up|get lost|go away|nobody cares|learn to read|figure it out yourself|"
    r"stop whining|stop complaining|not my problem)\b"
    r"|\b(?:it's|it is|that's|that is) (?:all |entirely )?your (?:own )?fault\b",
    _I,
)
_THREAT = re.compile(
    r"\b(?:i|we)(?:'ll| will| am going to| are going to| gonna|'m going to|'re going to)\s+"
    r"(?:kill|hurt|find|hunt|destroy|punish|beat|ruin|expose|dox|harm)\s+(?:you|your)\b"
    r"|\byou(?:'ll| will) (?:regret|pay for) (?:this|it)\b"
    r"|\bwatch your back\b|\b(?:i|we) know where you live\b"
    r"|\b(?:kill|hurt) (?:yourself|you)\b|\bkys\b",
    _I,
)

_CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("profanity", _PROFANITY),
    ("slur", _SLURS),
    ("insult", _INSULT),
    ("threat", _THREAT),
)


def check_safety(text: str) -> tuple[str, ...]:
    """Find unsafe or abusive language.

    Args:
        text: Generated text.

    Returns:
        One ``"kind:matched text"`` reason per hit (kinds: ``profanity``, ``slur``,
        ``insult``, ``threat``), without duplicates; empty when the text is clean.
    """
    reasons: dict[str, None] = {}
    for kind, pattern in _CHECKS:
        for match in pattern.finditer(text):
            reasons[f"unsafe_{kind}:{match.group().lower()}"] = None
    return tuple(reasons)
