"""Meta talk: wording in which a reply talks about its prompt instead of to the customer.

A small model often opens with where its answer came from ("Based on the information provided
in the draft reply, …", "根据您的描述，…") or comments on the exchange in the third person ("This
matches the customer's request."). Neither is a claim about the product, and neither belongs in
a published reply. :func:`strip_lead_ins` takes such an opening clause off a sentence and keeps
the rest (the answer usually follows it); :func:`meta_reasons` finds a sentence that is about
the prompt as a whole, which the guard then removes like an unsupported one.
"""

# The Chinese patterns are written with full-width punctuation.
# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import re

_I = re.IGNORECASE
_SOURCE = (
    r"(?:the |your |my |this )?(?:given |provided |available |relevant |above |listed )?"
    r"(?:information|info|details|data|facts|product facts|draft(?:[ _]reply)?|relevant_facts|"
    r"description|context|policies|shop policies)"
)
# "Based on the information provided in the draft reply, " and the like, up to its comma (or
# colon, and the dash of a list the model opened after it).
_LEAD_IN = re.compile(
    rf"(?:(?<=^)|(?<=[.!?]\s))(?:based on|according to|as (?:stated|mentioned|listed|shown|"
    rf"given) in|from|per|going by)\s+{_SOURCE}\b[^,:.!?]{{0,60}}[,:]\s*(?:[-*\u2022]\s+)?",
    _I,
)
# "… is not insulated according to the given information." keeps its full stop.
_TAIL = re.compile(
    rf",?\s+(?:based on|according to|as (?:stated|mentioned|listed|shown|given) in|going by)"
    rf"\s+{_SOURCE}\b[^,.!?]{{0,60}}(?=[.!?](?:\s|$))",
    _I,
)
_LEAD_IN_ZH = re.compile(
    r"(?:(?<=^)|(?<=[。！？]))根据(?:你|您)?(?:的)?(?:所?提供的)?[^，。！？：]{0,6}?"
    r"(?:描述|信息|相关事实|事实|资料|草稿|政策|规格|数据)[^，。！？：]{0,12}[，：]\s*(?:[-*]\s*)?"
)
_OPENED = "\x00"
_TO_CAPITALISE = re.compile(f"{_OPENED}([a-z])(?![A-Z])")
# A sentence that names the prompt's parts or speaks of the customer in the third person.
_META = re.compile(
    r"\bdraft[ _]reply\b|\brelevant[ _]facts\b|\b(?:the|given|provided|listed) "
    r"(?:facts|information) (?:provided|given|listed|above|below)\b|\bthe customer(?:'s)?\b|"
    r"\b(?:additional|other|no) claims?\b|\bthe (?:facts|information) (?:given|provided)\b|"
    r"\bthis information is (?:provided|given|listed|found|stated|taken)\b|"
    r"\b(?:field|attribute|entry) of the product\b|\bthe \"[^\"]+\" (?:field|attribute)\b|"
    r"\b(?:the |this |our )?(?:product )?(?:facts?|information|details|data|listing|"
    r"specifications?|specs) (?:states?|says?|shows?|indicates?|mentions?|lists?|notes?|"
    r"confirms?|specif(?:y|ies)|tells? us)\b|"
    r"草稿|相关事实|客户的(?:要求|问题|需求)|(?:产品)?(?:信息|资料|事实|参数)(?:显示|表明|指出|提到)",
    _I,
)


def strip_lead_ins(text: str) -> tuple[str, tuple[str, ...]]:
    """Take meta opening and closing clauses off every sentence of ``text``.

    Args:
        text: A generated reply.

    Returns:
        The text without them (each sentence still starting with a capital), and the
        clauses removed, lower-cased and without their comma.
    """
    removed: list[str] = []

    def cut(match: re.Match[str]) -> str:
        removed.append(match.group().strip(" ,，").lower())
        return ""

    def opening(match: re.Match[str]) -> str:
        removed.append(match.group().strip(" ,，").lower())
        return _OPENED

    out = _LEAD_IN_ZH.sub(cut, _TAIL.sub(cut, _LEAD_IN.sub(opening, text)))
    # Only a sentence that lost its opening gets a capital, and not a name ("iPhone").
    out = _TO_CAPITALISE.sub(lambda m: m.group(1).upper(), out).replace(_OPENED, "")
    return (out.strip() if removed else text), tuple(removed)


def meta_reasons(sentence: str) -> list[str]:
    """Return ``meta:<phrase>`` when ``sentence`` talks about the prompt or the customer.

    Args:
        sentence: One sentence of a reply.

    Returns:
        One reason, or none.
    """
    match = _META.search(sentence)
    return [f"meta:{match.group().lower()}"] if match else []
