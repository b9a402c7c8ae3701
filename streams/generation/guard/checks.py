"""The whole-text checks every generated text gets: length, PII, template slots, safety, leaks.

A text that fails one of these is never published in part: an insult or a leaked prompt in
one sentence discredits the rest.
"""

from __future__ import annotations

import re

from streams.generation.guard.leak import PromptLike, check_leak
from streams.generation.guard.safety import check_safety
from streams.privacy.pii import PLACEHOLDERS, redact

_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
# Unfilled template slots the model copies from letters it has seen: "[User Name]", "{order_id}".
_TEMPLATE_SLOT = re.compile(r"\[[A-Za-z][\w .'-]{1,40}\]|\{\{?[A-Za-z][\w .-]{1,40}\}?\}")


def common_reasons(
    output: str, prompt: PromptLike | None, allowed: str, *, max_chars: int
) -> tuple[list[str], tuple[str, ...]]:
    """Run the checks every generated text gets: length, PII, template slots, safety, leakage.

    Args:
        output: Generated text.
        prompt: The rendered prompt, for the leak check.
        allowed: Text the output may repeat verbatim (facts, policies).
        max_chars: Longest accepted text.

    Returns:
        The reasons found and the kinds of PII in ``output``.
    """
    reasons: list[str] = []
    if not output.strip():
        reasons.append("empty_output")
    if len(output) > max_chars:
        reasons.append(f"too_long:{len(output)}>{max_chars}")
    pii = redact(output).found
    reasons.extend(f"pii_in_output:{kind}" for kind in pii)
    placeholder = _PLACEHOLDER.search(output)
    if placeholder:
        reasons.append(f"placeholder_in_output:{placeholder.group()}")
    reasons.extend(
        f"template_placeholder:{slot.group()}"
        for slot in _TEMPLATE_SLOT.finditer(output)
        if slot.group() not in PLACEHOLDERS.values()
    )
    reasons.extend(check_safety(output))
    reasons.extend(check_leak(output, prompt, allowed=allowed))
    return reasons, pii
