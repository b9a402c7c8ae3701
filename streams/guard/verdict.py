"""Guard verdicts: one decision per generated text, and the check on incoming messages.

:func:`check_input` runs on every customer message before it reaches a prompt;
:func:`check_reply` runs on every generated reply before it is published. A rejected reply
is replaced by :func:`streams.prompts.fallback_reply`; the verdict and its reasons go to the
output record and to the ``generated_content`` audit table either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from streams.facts import PlatformPolicies, ProductFacts
from streams.guard.grounding import check_grounding, extract_numbers
from streams.guard.injection import InjectionCheck, detect_injection, strip_control_tokens
from streams.guard.leak import PromptLike, check_leak, turns_text
from streams.guard.pii import PLACEHOLDERS, redact
from streams.guard.safety import check_safety

MAX_REPLY_CHARS = 700
"""Longest reply the guard accepts; the prompts ask for two or three sentences."""

Verdict = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """The guard's decision on one generated text.

    Attributes:
        verdict: ``"accepted"`` or ``"rejected"``.
        reasons: Why it was rejected (``"kind:detail"`` strings); empty when accepted.
        pii_types: Kinds of PII found in the text (any makes the verdict ``rejected``).
    """

    verdict: Verdict
    reasons: tuple[str, ...] = ()
    pii_types: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        """Whether the text may be published."""
        return self.verdict == "accepted"

    @classmethod
    def from_reasons(cls, reasons: Iterable[str], pii_types: Iterable[str] = ()) -> GuardVerdict:
        """Build a verdict: rejected when there is any reason, accepted otherwise.

        Args:
            reasons: Reasons collected from the individual checks (deduplicated here).
            pii_types: Kinds of PII found.

        Returns:
            The verdict.
        """
        unique = tuple(dict.fromkeys(reasons))
        return cls(
            verdict="rejected" if unique else "accepted",
            reasons=unique,
            pii_types=tuple(dict.fromkeys(pii_types)),
        )


@dataclass(frozen=True, slots=True)
class InputCheck:
    """The result of :func:`check_input` on one customer message.

    Attributes:
        redacted_text: The message without control tokens and with PII replaced; the only
            form of the message that may enter a prompt, a log line or the audit table.
        pii_types: Kinds of PII that were redacted.
        injection: The prompt-injection check on the raw message.
    """

    redacted_text: str
    pii_types: tuple[str, ...]
    injection: InjectionCheck


_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
# Unfilled template slots the model copies from letters it has seen: "[User Name]", "{order_id}".
_TEMPLATE_SLOT = re.compile(r"\[[A-Za-z][\w .'-]{1,40}\]|\{\{?[A-Za-z][\w .-]{1,40}\}?\}")
# Order, tracking, ticket and similar numbers: the assistant sees none, so it may only repeat
# one the customer wrote.
_IDENTIFIER = re.compile(
    r"(?:\b(?:order|tracking|reference|ref|ticket|case|invoice|confirmation|rma|item|article)\b"
    r"(?:\s+(?:number|no\.?|id|code))?\s*[:#(]?\s*|#)(?P<id>[A-Z0-9-]*\d[A-Z0-9-]{2,})\b",
    re.IGNORECASE,
)


def check_input(message: str) -> InputCheck:
    """Sanitise a customer message and check it for prompt injection.

    Args:
        message: The raw message text.

    Returns:
        The redacted text, the PII kinds found and the injection check.
    """
    injection = detect_injection(message)
    redaction = redact(strip_control_tokens(message))
    return InputCheck(redacted_text=redaction.text, pii_types=redaction.found, injection=injection)


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


def check_reply(
    output: str,
    facts: ProductFacts | None,
    policies: PlatformPolicies,
    prompt: PromptLike | None = None,
    *,
    max_chars: int = MAX_REPLY_CHARS,
) -> GuardVerdict:
    """Decide whether a generated customer-service reply may be published.

    Run it on the bare reply, before the AI disclosure is appended.

    Args:
        output: The generated reply.
        facts: Facts of the product the conversation is about, or ``None``.
        policies: The platform policies the reply may restate.
        prompt: The rendered prompt the reply was generated from (for the leak check).
        max_chars: Longest accepted reply.

    Returns:
        ``accepted`` when the reply is non-empty, short enough, free of PII, safe, does
        not leak its prompt, states only grounded facts, has no unfilled template slot,
        no order or ticket number the customer did not write and no number that is not in
        the facts, the policies or the prompt; ``rejected`` with reasons otherwise.
    """
    allowed = "\n".join(
        ([facts.grounding_text()] if facts is not None else []) + list(policies.statements())
    )
    reasons, pii = common_reasons(output, prompt, allowed, max_chars=max_chars)
    reasons.extend(check_grounding(output, facts, policies))
    grounds = f"{allowed}\n{turns_text(prompt)}"
    reasons.extend(_check_identifiers(output, grounds))
    known = set(extract_numbers(grounds))
    reasons.extend(f"invented_number:{n:f}" for n in extract_numbers(output) if n not in known)
    return GuardVerdict.from_reasons(reasons, pii)


def _check_identifiers(output: str, grounds: str) -> list[str]:
    return [
        f"ungrounded_identifier:{match.group().strip()}"
        for match in _IDENTIFIER.finditer(output)
        if match.group("id").lower() not in grounds.lower()
    ]
