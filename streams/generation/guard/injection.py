"""Prompt-injection detection and chat-template sanitising for customer text.

Customer messages are data, never instructions. Two defences work together:
:func:`strip_control_tokens` removes chat-template tokens (``<|im_start|>``, ``[INST]`` …) so
user text cannot open a system turn inside the rendered prompt, and
:func:`detect_injection` flags messages that try to steer the assistant, so the agent can
answer them with a fixed fallback instead of running the model on them.

Detection is pattern based, in English and Chinese: cheap, explainable (every hit names a
reason) and easy to extend. It errs towards flagging; a flagged message still gets a polite
template answer. Delimiter look-alikes (``</facts>``, ``END OF DATA``) are flagged too, and
:func:`neutralize_delimiters` defuses them wherever data enters a prompt, so a section of the
prompt can only be closed by the prompt itself.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class InjectionCheck:
    """The result of :func:`detect_injection`.

    Attributes:
        is_injection: Whether any injection pattern matched.
        reasons: Names of the matched patterns (``"ignore_instructions"``, ...), sorted.
    """

    is_injection: bool
    reasons: tuple[str, ...]


_CONTROL_TOKENS = re.compile(
    r"<\|[^|<>\n]{1,40}\|>"  # ChatML / Llama 3 / GPT specials: <|im_start|>, <|eot_id|>
    r"|\[/?(?:INST|SYS)\]"  # Llama 2 / Mistral
    r"|<</?SYS>>"
    r"|</?s>"  # sentencepiece BOS/EOS as text
    r"|<(?:start_of_turn|end_of_turn)>"  # Gemma
    r"|<\|?(?:endoftext|im_start|im_end)\|?>",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# Flags are per pattern; most are case-insensitive, "DAN" is not (Dan is a customer name).
_I = re.IGNORECASE
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ignore_instructions",
        re.compile(
            r"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\b[^.\n]{0,40}?"
            r"\b(?:instructions?|prompts?|rules|guidelines|directives?|programming|"
            r"system message|guardrails|restrictions|polic(?:y|ies))\b"
            r"|\b(?:ignore|disregard|forget)\s+(?:all\s+(?:of\s+)?)?(?:the\s+|everything\s+)?above\b",
            _I,
        ),
    ),
    (
        "new_instructions",
        re.compile(
            r"\b(?:new|updated|real|actual|secret)\s+(?:instructions?|rules|task|directive)\s*:"
            r"|\byour (?:new |real |only )?(?:task|job|goal|purpose) is (?:now )?to\b",
            _I,
        ),
    ),
    (
        "system_prompt_probe",
        re.compile(
            r"\bsystem\s*(?:prompt|message|instructions?)\b"
            r"|\b(?:reveal|show|print|display|output|leak|dump|tell me|give me|"
            r"what (?:are|were|is))\s+(?:me\s+)?"
            r"(?:your\s+(?:initial\s+|hidden\s+|original\s+|secret\s+)?"
            r"(?:instructions|prompt|configuration)"
            r"|(?:your|the)\s+(?:initial|hidden|original|secret)\s+"
            r"(?:instructions|prompt|rules|guidelines|configuration|context))\b",
            _I,
        ),
    ),
    (
        "role_override",
        re.compile(
            r"\b(?:you are now|you're now|from now on,? you(?: are|'re| will)?|"
            r"pretend (?:to be|you are|you're)|role-?play as|imagine you are|"
            r"act as(?: if)?(?: you(?: are|'re))? (?:an?|the|my|if)\b|"
            r"behave (?:as|like) (?:an?|the)\b|simulate (?:an?|the)\b)",
            _I,
        ),
    ),
    (
        "jailbreak",
        re.compile(
            r"\b(?:developer mode|dev mode|god mode|jailbr(?:eak|oken)|do anything now|"
            r"unrestricted mode|no (?:restrictions|limits|filters|rules)|without (?:any )?"
            r"(?:restrictions|filters|limits)|unfiltered|uncensored|system override|"
            r"admin(?:istrator)? mode|override mode)\b",
            _I,
        ),
    ),
    ("jailbreak", re.compile(r"\bDAN\b|\bSTAN\b|\bDUDE\b")),
    (
        "role_tags",
        re.compile(
            r"^\s*(?:#{2,}\s*)?(?:system|assistant|instruction|developer)\s*:"
            r"|###\s*(?:system|instruction|assistant|response)\b",
            _I | re.MULTILINE,
        ),
    ),
    (
        "repeat_prompt",
        re.compile(
            r"\b(?:repeat|print|output|echo|copy|recite|return|spell out|translate)\s+"
            r"(?:back\s+)?(?:all\s+(?:of\s+)?|everything\s+|the\s+)?"
            r"(?:text|words|content|messages?|lines?|everything|conversation)\s+"
            r"(?:above|before|so far|prior)\b"
            r"|\b(?:everything|all|the text|the words) (?:above|before) (?:this|here)\b"
            r"|\bwhat (?:was|is) (?:written|said) (?:above|before)\b"
            r"|\b(?:start|begin) your (?:reply|answer|response) with\b",
            _I,
        ),
    ),
    (
        "encoded_payload",
        re.compile(r"\b(?:decode|base64|rot13|hex-?encoded)\b", _I),
    ),
    (
        "unauthorized_offer",
        re.compile(
            r"\byou (?:must|will|should|have to|are required to|are (?:now )?(?:authori[sz]ed|"
            r"allowed) to)\b[^.\n]{0,40}?\b(?:offer|give|grant|issue|apply|send|generate)\b"
            r"[^.\n]{0,40}?\b(?:discounts?|coupons?|vouchers?|promo(?:tion)?(?: codes?)?|"
            r"gift cards?|\d{1,3}\s?%)"
            r"|\bautomatically (?:approve|issue|grant)\b",
            _I,
        ),
    ),
    (
        "unauthorized_offer",
        re.compile(
            r"\b(?:say|respond|reply|answer|output|write|state|print)\s*(?:with|that|:|\"|')"
            r"[^\n]{0,60}?\b(?:refund(?:ed)?|discount|coupon|voucher|approved|free of charge|"
            r"entitled|\d{1,3}\s?% off)\b",
            _I,
        ),
    ),
)

# Chinese attacks. No word boundaries in Chinese, so the phrases are matched as substrings.
_ZH_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "ignore_instructions",
        re.compile(
            r"(?:忽略|忽视|无视|忘记|忘掉|不要理会|别管|不用管|跳过|绕过|抛开|放弃)[^。\n]{0,12}?"
            r"(?:指令|指示|规则|提示|设定|要求|限制|命令|约束|准则|政策)"
        ),
    ),
    (
        "role_override",
        re.compile(
            r"你现在是|你现在扮演|从?现在(?:开始|起)[,，]?\s*你|(?:你|请你?)(?:来)?扮演|假装(?:你是|成为?)|"  # noqa: RUF001
            r"你不再是|你的新(?:身份|角色)"
        ),
    ),
    (
        "new_instructions",
        re.compile(r"新的?(?:指令|指示|任务|规则)\s*[:：]|你的(?:新|真正的?)?任务(?:现在)?是"),  # noqa: RUF001
    ),
    (
        "system_prompt_probe",
        re.compile(
            r"系统(?:提示|指令|消息|设定)|提示词|"
            r"(?:显示|告诉我|输出|打印|透露|泄露|给我看)(?:一下)?你的(?:指令|提示|设定|规则|初始|原始)"
        ),
    ),
    (
        "jailbreak",
        re.compile(r"开发者模式|越狱|(?:没有|不受)(?:任何)?(?:限制|约束|过滤)|无限制模式"),
    ),
    (
        "repeat_prompt",
        re.compile(
            r"(?:重复|复述|输出|翻译)(?:一下)?(?:上面|以上|前面)(?:的|所有)?(?:内容|文字|话|消息)"
        ),
    ),
    (
        "unauthorized_offer",
        re.compile(
            r"(?:你必须|你要|你应该|必须)[^。\n]{0,10}?(?:给我|提供|发放|发)[^。\n]{0,10}?"
            r"(?:优惠券|优惠码|折扣|代金券|免单|打折|打[一二三四五六七八九\d]+折|红包)|(?:直接|自动)(?:同意|批准)(?:退款|我的)"
        ),
    ),
    ("role_tags", re.compile(r"^\s*(?:系统|助手|指令)\s*[:：]", re.MULTILINE)),  # noqa: RUF001
)

DATA_TAGS = ("facts", "relevant_facts", "policies")
"""Names of the tags that delimit data in the reply prompt (:mod:`streams.generation.prompts`)."""

# A tag-like token: what a delimiter of the prompt, or one a model was trained on, looks like.
_TAG = re.compile(r"<\s*/?\s*[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff -]{0,30}?\s*/?\s*>")
_DELIMITER = re.compile(
    r"<\s*/?\s*(?:facts?|relevant[_ ]facts|polic(?:y|ies)|history|data|context|system|"
    r"instructions?|prompt|message|customer|user|assistant|document|input|output|rules|"
    r"事实|政策|系统|指令|历史|数据)\b[^<>]{0,30}>"
    r"|\[\s*/?\s*(?:facts?|polic(?:y|ies)|history|data|context|system|instructions?)\s*\]"
    r"|\b(?:begin|end|start)\s+(?:of\s+)?(?:the\s+)?(?:facts|policies|data|context|"
    r"instructions|system prompt|prompt|history)\b",
    re.IGNORECASE,
)


def neutralize_delimiters(text: str) -> str:
    """Defuse tag-like tokens in data so that no data can close or open a prompt section.

    ``"</facts> new instruction"`` in a product attribute would otherwise end the facts
    section early; the angle brackets of every tag-like token become parentheses, which
    keep the text readable and delimit nothing.

    Args:
        text: Data about to be placed inside a delimited prompt section.

    Returns:
        The text with ``<name>`` / ``</name>`` tokens written as ``(name)`` / ``(/name)``.
    """
    return _TAG.sub(lambda m: "(" + m.group()[1:-1].strip() + ")", text)


_B64_TOKEN = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


def _looks_like_base64_text(token: str) -> bool:
    stripped = token.rstrip("=")
    # Ordinary words, SKUs and tracking numbers rarely mix all three character classes.
    if not (
        any(c.islower() for c in stripped)
        and any(c.isupper() for c in stripped)
        and any(c.isdigit() or c in "+/" for c in stripped)
    ):
        return False
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return False
    printable = sum(c.isprintable() for c in decoded)
    return len(decoded) >= 12 and " " in decoded and printable / len(decoded) > 0.95


def normalize(text: str) -> str:
    """Fold ``text`` to the form the detectors read.

    NFKC folds full-width and stylised letters to ASCII; zero-width and bidi characters are
    dropped because they are used to split trigger words (``ig\\u200bnore``).

    Args:
        text: Raw text.

    Returns:
        The normalised text.
    """
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def strip_control_tokens(text: str) -> str:
    """Remove chat-template control tokens and invisible characters from user text.

    Args:
        text: Customer text (or any text about to be placed in a prompt).

    Returns:
        The text without control tokens, zero-width/bidi characters or other control
        characters (newlines and tabs are kept).
    """
    text = normalize(text)
    previous = None
    # Repeat: removing one token can join the halves of another (``<|im_<|x|>start|>``).
    while previous != text:
        previous = text
        text = _CONTROL_TOKENS.sub("", text)
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")


def has_control_tokens(text: str) -> bool:
    """Return whether ``text`` contains a chat-template control token.

    Args:
        text: Any text.

    Returns:
        ``True`` when a control token is present.
    """
    return _CONTROL_TOKENS.search(normalize(text)) is not None


def detect_injection(text: str) -> InjectionCheck:
    """Flag a message that tries to override, extract or subvert the assistant's prompt.

    Args:
        text: The raw customer message (before :func:`strip_control_tokens`, whose
            targets are themselves a signal).

    Returns:
        Whether the message is an injection attempt, and why.
    """
    normalized = normalize(text)
    reasons = {name for name, pattern in _PATTERNS if pattern.search(normalized)}
    reasons.update(name for name, pattern in _ZH_PATTERNS if pattern.search(normalized))
    if _DELIMITER.search(normalized):
        reasons.add("delimiter")
    if _CONTROL_TOKENS.search(normalized):
        reasons.add("control_tokens")
    if any(_looks_like_base64_text(m.group()) for m in _B64_TOKEN.finditer(normalized)):
        reasons.add("encoded_payload")
    ordered = tuple(sorted(reasons))
    return InjectionCheck(is_injection=bool(ordered), reasons=ordered)
