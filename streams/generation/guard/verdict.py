"""Guard verdicts: one decision per generated text, and the check on incoming messages.

:func:`check_input` runs on every customer message before it reaches a prompt.
:func:`review_reply` and :func:`review_description` revise a generated text: sentences with a
claim the facts, policies or conversation do not support are removed, and the text is
rejected when most of it goes or too little is left. :func:`check_reply` is the strict form
for a text published as it stands (any unsupported claim rejects it); a rejected reply is
replaced by :func:`streams.generation.prompts.fallback_reply`. The verdict and its reasons go to the
output record and to the ``generated_content`` audit table either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.guard.absences import contradicted_absences, denied_properties
from streams.generation.guard.binding import (
    misbound_values,
    misbound_words,
    mislabelled_values,
    mislabelled_words,
)
from streams.generation.guard.checks import common_reasons
from streams.generation.guard.claims import ClaimGrounds, split_sentences
from streams.generation.guard.description import (
    MAX_DESCRIPTION_CHARS,
    fact_numbers,
    invented_numbers,
    layout,
    names_product,
    prose_of,
    restates_facts,
)
from streams.generation.guard.grounding import check_grounding, extract_numbers
from streams.generation.guard.injection import (
    InjectionCheck,
    detect_injection,
    strip_control_tokens,
)
from streams.generation.guard.leak import PromptLike, turns_text
from streams.generation.guard.meta import meta_reasons, strip_lead_ins
from streams.generation.guard.outcome import GuardVerdict, Revision
from streams.generation.guard.pruning import BENIGN_KINDS, Pruning, prune
from streams.generation.guard.reasoning import cut_conclusions, reasoning_reasons
from streams.generation.guard.vocabulary import Vocabulary
from streams.generation.guard.voice import Voice
from streams.generation.language import detect_language, facts_language
from streams.privacy.pii import redact

__all__ = [
    "MAX_REPLY_CHARS",
    "GuardVerdict",
    "InputCheck",
    "Revision",
    "check_input",
    "check_reply",
    "common_reasons",
    "review_description",
    "review_reply",
]

MAX_REPLY_CHARS = 700
"""Longest reply the guard accepts; the prompts ask for two or three sentences."""

MAX_UNSUPPORTED_SHARE = 0.5
"""Share of a text (in characters) that may be removed before the whole text is rejected."""

MIN_REPLY_CHARS = 20
"""Shortest reply worth publishing after removals (a Chinese character counts three times)."""

MIN_DESCRIPTION_CHARS = 20
"""Shortest description prose worth publishing after removals (Chinese counts three times)."""

MAX_NOVEL_WORDS = 1
"""Words outside a description's vocabulary a sentence may hold (a name the model spelled its
own way); with more, the sentence goes (:mod:`streams.generation.guard.vocabulary`). A
sentence that says what the product suits or is for may hold none: "suitable for both indoor
and outdoor use" invents a use with one new word."""

_USE_CLAIM = re.compile(
    r"\b(?:suitable|ideal|perfect|great|designed|made|meant|intended|built)\s+for\b"
    r"|\bsuit(?:s|ed|able)?\b",
    re.IGNORECASE,
)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _size(text: str) -> int:
    # One Chinese character carries about what three Latin letters do: "退货期限是30天。" says
    # what "The return period is 30 days." does in a third of the characters.
    return len(text) + 2 * len(_CJK.findall(text))


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


def _claim_grounds(allowed: str, prompt: PromptLike | None) -> ClaimGrounds:
    # Earlier published replies were guarded, so they ground claims like the facts do; the
    # customer's turns ground only names. A plain-string prompt cannot be told apart.
    if prompt is None or isinstance(prompt, str):
        return ClaimGrounds(allowed, turns_text(prompt))
    return ClaimGrounds(
        f"{allowed}\n{turns_text(prompt, role='assistant')}", turns_text(prompt, role="user")
    )


def _reply_allowed(facts: ProductFacts | None, policies: PlatformPolicies, draft: str = "") -> str:
    facts_text = [facts.grounding_text()] if facts is not None else []
    return "\n".join([*facts_text, *policies.grounding_statements(), draft])


def _reply_judges(
    allowed: str, facts: ProductFacts | None, policies: PlatformPolicies, prompt: PromptLike | None
) -> tuple[Callable[[str], list[str]], Callable[[str], list[str]]]:
    """The number and policy checks, and the claim checks, each on a piece of text."""
    grounds = f"{allowed}\n{turns_text(prompt)}"
    known = set(extract_numbers(grounds))
    claims = _claim_grounds(allowed, prompt)

    def facts_judge(text: str) -> list[str]:
        reasons = list(check_grounding(text, facts, policies))
        reasons.extend(_check_identifiers(text, grounds))
        reasons.extend(f"invented_number:{n:f}" for n in extract_numbers(text) if n not in known)
        reasons.extend(contradicted_absences(text, facts))
        reasons.extend(denied_properties(text, facts))
        return reasons

    def claims_judge(text: str) -> list[str]:
        return [
            r
            for sentence, _ in split_sentences(text)
            for r in (*claims.unsupported(sentence), *meta_reasons(sentence))
        ]

    return facts_judge, claims_judge


def check_reply(
    output: str,
    facts: ProductFacts | None,
    policies: PlatformPolicies,
    prompt: PromptLike | None = None,
    *,
    max_chars: int = MAX_REPLY_CHARS,
) -> GuardVerdict:
    """Decide whether a generated customer-service reply may be published as it stands.

    Run it on the bare reply, before the AI disclosure is appended. It removes nothing:
    :func:`review_reply` is the form that drops unsupported sentences.

    Args:
        output: The generated reply.
        facts: Facts of the product the conversation is about, or ``None``.
        policies: The platform policies the reply may restate.
        prompt: The rendered prompt the reply was generated from (for the leak check).
        max_chars: Longest accepted reply.

    Returns:
        ``accepted`` when the reply is non-empty, short enough, free of PII, safe, does
        not leak its prompt, states only grounded facts, has no unfilled template slot,
        no order or ticket number the customer did not write, no number that is not in
        the facts, the policies or the prompt, and no claim (material, certification,
        origin, compatibility, health, brand, third party, award, stock or shipping)
        they do not support; ``rejected`` with reasons otherwise.
    """
    allowed = _reply_allowed(facts, policies)
    reasons, pii = common_reasons(output, prompt, allowed, max_chars=max_chars)
    if len(output) > max_chars:
        # Rejected already; the claim checks are not run on text of unbounded size (a
        # template quoting a merchant's megabyte-long value would hold a worker for hours).
        return GuardVerdict.from_reasons(reasons, pii)
    facts_judge, claims_judge = _reply_judges(allowed, facts, policies, prompt)
    reasons.extend(facts_judge(output))
    reasons.extend(f"unsupported:{r}" for r in claims_judge(output))
    return GuardVerdict.from_reasons(reasons, pii)


def _revision(pruning: Pruning, *, too_short: bool, why_short: str) -> Revision:
    lost = [r for r in pruning.reasons if r.split(":", 1)[0] not in BENIGN_KINDS]
    if pruning.unsupported_share > MAX_UNSUPPORTED_SHARE:
        reasons = [*(f"unsupported:{r}" for r in lost), "rejected:mostly_unsupported"]
    elif too_short:
        reasons = [*(f"unsupported:{r}" for r in lost), f"rejected:{why_short}"]
    else:
        removals = tuple(f"removed:{r}" for r in pruning.reasons)
        return Revision(pruning.text, GuardVerdict("accepted", removals), pruning.removed)
    return Revision("", GuardVerdict.from_reasons(reasons), pruning.removed)


def _with_pii_of_cuts(
    reasons: list[str], pii: tuple[str, ...], clauses: Sequence[str]
) -> tuple[list[str], tuple[str, ...]]:
    # A clause cut before the checks is audited word for word, so PII in it rejects the text
    # as PII anywhere else would ("…, so call me on +44 20 7946 0958").
    found = [kind for kind in redact(" ".join(clauses)).found if kind not in pii] if clauses else []
    return [*reasons, *(f"pii_in_output:{kind}" for kind in found)], (*pii, *found)


def _with_cuts(revision: Revision, cuts: Sequence[str]) -> Revision:
    # Clauses cut before judging (lead-ins, conclusions) are audited first on an acceptance.
    if not cuts or not revision.verdict.accepted:
        return revision
    verdict = GuardVerdict("accepted", (*cuts, *revision.verdict.reasons))
    return Revision(revision.text, verdict, revision.removed)


def _rejected(reasons: Sequence[str], pii: Sequence[str]) -> Revision:
    return Revision("", GuardVerdict.from_reasons(reasons, pii))


def review_reply(
    text: str,
    facts: ProductFacts | None,
    policies: PlatformPolicies,
    prompt: PromptLike,
    *,
    draft: str = "",
    complete: Callable[[str], bool] | None = None,
) -> Revision:
    """Revise a generated reply into what may be published.

    The whole-text checks (empty, too long, PII, template slots, unsafe language, prompt
    leakage) reject the reply outright. Otherwise every sentence with an unsupported claim
    (numbers, policies, materials, certifications, origins, compatibility, health, brands,
    third parties, awards, stock, shipping, names) is removed, with repeated sentences and
    sentences that lean on a removed one. A sentence that talks about the prompt or the
    customer in the third person goes too (``meta``), and an opening such as "Based on the
    information provided, …" is cut off the sentence it opens (``removed:lead_in:…``).
    Conclusions drawn from the facts are not published: a trailing ", so …" clause is cut
    (``removed:conclusion:…``), a sentence that is a conclusion ("This means …") or a guess
    ("likely") is removed (``inference``, ``speculation``;
    :mod:`streams.generation.guard.reasoning`).

    Args:
        text: The generated reply, without the AI disclosure.
        facts: Facts of the product the conversation is about, or ``None``.
        policies: The platform policies the reply may restate.
        prompt: The rendered prompt (its customer turns ground names only).
        draft: The template reply the prompt gave as a draft; it was composed from the
            facts and policies and passed :func:`check_reply`, so it grounds what it says
            and may be repeated word for word.
        complete: Whether a text answers everything the message asked; a reply that does
            is not too short.

    Returns:
        The revision: accepted with ``removed:kind:detail`` reasons for each removal, or
        rejected (``text == ""``) when a whole-text check fails, when more than
        :data:`MAX_UNSUPPORTED_SHARE` of the text is unsupported
        (``rejected:mostly_unsupported``) or when less than :data:`MIN_REPLY_CHARS` remains
        (``rejected:too_short``); a rejection lists each unsupported claim as
        ``unsupported:kind:detail``.
    """
    allowed = _reply_allowed(facts, policies, draft)
    text, lead_ins = strip_lead_ins(text)
    text, conclusions = cut_conclusions(text)
    reasons, pii = common_reasons(text, prompt, allowed, max_chars=MAX_REPLY_CHARS)
    reasons, pii = _with_pii_of_cuts(reasons, pii, (*lead_ins, *conclusions))
    if reasons:
        return _rejected(reasons, pii)
    facts_judge, claims_judge = _reply_judges(allowed, facts, policies, prompt)
    voice = Voice(turns_text(prompt, "user"), facts.title if facts is not None else "")
    pruning = prune(
        text,
        lambda sentence: [
            *facts_judge(sentence),
            *claims_judge(sentence),
            *reasoning_reasons(sentence),
            *voice.reasons(sentence),
        ],
    )
    # A short reply that answers all that was asked is whole ("满50.00 EUR包邮。").
    short = _size(pruning.text) < MIN_REPLY_CHARS and not (complete and complete(pruning.text))
    revision = _revision(pruning, too_short=short, why_short="too_short")
    cuts = (
        *(f"removed:lead_in:{clause}" for clause in lead_ins),
        *(f"removed:conclusion:{clause}" for clause in conclusions),
    )
    return _with_cuts(revision, cuts)


def review_description(
    text: str,
    facts: ProductFacts,
    policies: PlatformPolicies,
    *,
    prompt: PromptLike | None = None,
) -> Revision:
    """Revise a generated description into the text a shop publishes.

    The prose is taken from ``text`` (anything from a key-facts list on is dropped and
    rebuilt from the facts), without trailing conclusion clauses (", which allows you to
    …", ``removed:conclusion:…``). Sentences in another language than the product's facts
    (``language:en``), with an unsupported claim, with an invented number or with more
    than :data:`MAX_NOVEL_WORDS` words outside the product's vocabulary (``novel:…``) go;
    so do sentences that only list attributes (the key-facts list states them once) and
    repeated sentences. The published text is the remaining prose followed by the key-facts
    list (:func:`streams.generation.guard.description.layout`), so every attribute value appears
    exactly as the merchant gave it.

    Args:
        text: The generated description (prose, or a laid-out description).
        facts: The product; its current description is not a source of facts.
        policies: The policies the description may mention.
        prompt: The rendered prompt, for the leak check.

    Returns:
        The revision: accepted with ``removed:kind:detail`` reasons, or rejected
        (``text == ""``) when a whole-text check fails, when most of the prose is
        unsupported, when less than :data:`MIN_DESCRIPTION_CHARS` of prose remains
        (``rejected:too_short``) or when what remains no longer names the product
        (``rejected:missing_product_name``).
    """
    grounded = facts.model_copy(update={"description": None})
    allowed = "\n".join([grounded.grounding_text(), *policies.grounding_statements()])
    prose, conclusions = cut_conclusions(prose_of(text))
    reasons, pii = common_reasons(prose, prompt, allowed, max_chars=MAX_DESCRIPTION_CHARS)
    reasons, pii = _with_pii_of_cuts(reasons, pii, conclusions)
    if reasons:
        return _rejected(reasons, pii)
    known = fact_numbers(facts, policies)
    claims = ClaimGrounds(allowed)
    lang = facts_language(facts)
    vocabulary = Vocabulary(allowed, f"{facts.title} {facts.category}")

    def judge(sentence: str) -> list[str]:
        if restates_facts(sentence, facts):
            return [f"duplicate:{' '.join(sentence.split()[:3])}"]
        found = list(check_grounding(sentence, grounded, policies))
        found.extend(invented_numbers(sentence, known))
        found.extend(claims.unsupported(sentence))
        found.extend(misbound_values(sentence, facts))
        found.extend(misbound_words(sentence, facts))
        found.extend(mislabelled_values(sentence, facts))
        found.extend(mislabelled_words(sentence, facts))
        found.extend(contradicted_absences(sentence, facts))
        found.extend(denied_properties(sentence, facts))
        novel = vocabulary.novel(sentence)
        # Two Chinese characters make about one word.
        han = vocabulary.novel_han(sentence)
        count = len(novel) + (len(han) + 1) // 2
        if count > (0 if _USE_CLAIM.search(sentence) else MAX_NOVEL_WORDS):
            found.append(f"novel:{' '.join(novel[:4])}{''.join(han[:8])}")
        # Prose in another language than the product's facts reads as a mixed listing. The
        # title is left out of the count: a name is written the same in any sentence.
        written_in = detect_language(sentence.replace(facts.title, " "), lang)
        if written_in != lang:
            found.append(f"language:{written_in}")
        return list(dict.fromkeys(found))

    pruning = prune(prose, judge)
    if _size(pruning.text) < MIN_DESCRIPTION_CHARS:
        return _revision(pruning, too_short=True, why_short="too_short")
    unnamed = not names_product(pruning.text, facts.title)
    revision = _revision(pruning, too_short=unnamed, why_short="missing_product_name")
    if not revision.verdict.accepted:
        return revision
    laid_out = Revision(layout(revision.text, facts), revision.verdict, revision.removed)
    return _with_cuts(laid_out, [f"removed:conclusion:{clause}" for clause in conclusions])


def _check_identifiers(output: str, grounds: str) -> list[str]:
    return [
        f"ungrounded_identifier:{match.group().strip()}"
        for match in _IDENTIFIER.finditer(output)
        if match.group("id").lower() not in grounds.lower()
    ]
