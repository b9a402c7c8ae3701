"""Prompt leakage: generated text that repeats or talks about its own prompt.

Two signals. Long word n-grams shared with the prompt's *instructions* (the system turns),
minus any n-gram of the facts and policies the model is meant to repeat; and wording that
only appears when a model discusses its prompt ("system prompt", "my instructions", "I was
told to") or chat-template control tokens.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from streams.generation.guard.injection import has_control_tokens

NGRAM = 8
"""Length in words of a shared n-gram that counts as a leak."""

PromptLike = str | Sequence[Mapping[str, object]]
"""A rendered prompt: plain text or chat messages (``{"role", "content"}`` mappings)."""

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_MENTIONS = re.compile(
    r"\bsystem (?:prompt|message|instructions?)\b"
    r"|\b(?:my|the above|the given|previous) "
    r"(?:instructions|prompt|guidelines|rules)\b"
    r"|\b(?:i|i've|i have|i was|i am|i'm)(?: been)? (?:instructed|told|programmed|prompted) to\b"
    r"|\baccording to (?:my|the) (?:instructions|rules|guidelines|prompt)\b"
    r"|\bas an ai (?:language )?model\b"
    r"|\b(?:product facts|shop policies|customer intent)\s*:",
    re.IGNORECASE,
)
_ROLE_LINE = re.compile(r"^\s*(?:system|assistant|user)\s*:", re.IGNORECASE | re.MULTILINE)


def _ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def turns_text(prompt: PromptLike | None, role: str | None = None) -> str:
    """Return the contents of a prompt's turns (only ``role``'s when given), or the string.

    Args:
        prompt: The rendered prompt, or ``None``.
        role: Keep only turns of this role (``"system"``); all turns when ``None``.

    Returns:
        The turns' contents, one per line.
    """
    if prompt is None:
        return ""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(
        str(m.get("content", "")) for m in prompt if role is None or m.get("role") == role
    )


def instruction_text(prompt: PromptLike | None) -> str:
    """Return the instruction part of a prompt: all system turns, or the whole string.

    User turns are left out on purpose: a reply may quote the customer.

    Args:
        prompt: The rendered prompt, or ``None``.

    Returns:
        The text the output must not repeat.
    """
    return turns_text(prompt, role="system")


def check_leak(
    output: str,
    prompt: PromptLike | None,
    *,
    allowed: str = "",
    n: int = NGRAM,
) -> tuple[str, ...]:
    """Find signs that ``output`` leaks or discusses the prompt it was generated from.

    Args:
        output: Generated text.
        prompt: The rendered prompt (its system turns are compared), or ``None`` to run
            only the wording checks.
        allowed: Text the output may repeat verbatim (product facts, policy statements).
        n: Length in words of a shared n-gram that counts as a leak.

    Returns:
        Reasons (``prompt_leak:ngram:...``, ``prompt_leak:mention:...``,
        ``prompt_leak:control_token``, ``prompt_leak:role_label``); empty when clean.
    """
    reasons: list[str] = []
    shared = _ngrams(output, n) & _ngrams(instruction_text(prompt), n)
    shared -= _ngrams(allowed, n)
    if shared:
        reasons.append("prompt_leak:ngram:" + " ".join(min(shared)))
    mention = _MENTIONS.search(output)
    if mention:
        reasons.append(f"prompt_leak:mention:{mention.group().lower()}")
    if has_control_tokens(output):
        reasons.append("prompt_leak:control_token")
    if _ROLE_LINE.search(output):
        reasons.append("prompt_leak:role_label")
    return tuple(reasons)
