"""Customer-service replies: guard the input, ground the prompt, generate, guard the output.

Per message: the language (by script, the conversation's as tie-break), the product's
grounding (:func:`streams.generation.facts.build_grounding`, built once and used by the prompt, the
answer check and the templates), the intent (rules plus fact matching) and what the message
asks that the grounding answers (:func:`streams.generation.answers.find_asked`).

The template reply (:func:`streams.generation.prompts.fallback_reply`: the answer composed from
the facts, a decline of an ask no fact grants (:mod:`streams.generation.asks`), else the
intent's template) is built first. The model gets it as a draft to put in its own words; it is
published instead when the model's text fails. Where the facts or policies answer the message,
the model sees them and the draft; where the draft is the whole answer (a hand-over, a
decline, a greeting) it sees the draft alone and may only say it again
(:mod:`streams.generation.guard.bound`). A message that looks like prompt injection never
reaches the model, and is withheld from later prompts of its conversation. A generation that
times out, that the guard rejects, that does not carry the asked facts' values in the
customer's language (:func:`streams.generation.answers.answer_problems`) or that says more
than its draft is replaced by the template. Either way
the reply is published with the AI-disclosure flag and one audit entry records it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

from streams.delivery.intake import Decoded
from streams.generation.answers import Asked, answer_problems, find_asked
from streams.generation.asks import Ask, find_ask, security_notice
from streams.generation.facts import (
    Grounding,
    Lang,
    PlatformPolicies,
    ProductFacts,
    build_grounding,
)
from streams.generation.generated import (
    AuditEntry,
    GenerationLike,
    LoadedGenerator,
    as_prompt,
    as_published,
    generate,
    record_verdict,
    whole_sentences,
)
from streams.generation.guard.bound import unbound_reasons
from streams.generation.guard.verdict import GuardVerdict, InputCheck, check_input, review_reply
from streams.generation.intents import Intent, detect_intent
from streams.generation.language import conversation_language, detect_language
from streams.generation.prompts import (
    REPLY_TEMPLATE,
    WITHHELD_TURN,
    ChatMessage,
    Turn,
    fallback_reply,
    prompt_text,
    render_reply_prompt,
    with_ai_disclosure,
)
from streams.generation.reply_templates import join_sentences
from streams.ids import output_id
from streams.privacy.pii import redact
from streams.records import ChatMessage as ChatEvent
from streams.records import ChatReply


def rounds(items: Sequence[Decoded[ChatEvent]]) -> list[list[Decoded[ChatEvent]]]:
    """Split a batch so that no round holds two messages of one conversation.

    A conversation's second message in a batch must see the reply to its first in the
    prompt, so it goes to the next round, generated after the first round's turns are
    stored. Order within a conversation is kept; a batch without repeats is one round.
    """
    out: list[list[Decoded[ChatEvent]]] = []
    seen: dict[str, int] = {}
    for item in items:
        index = seen.get(item.record.conversation_id, -1) + 1
        seen[item.record.conversation_id] = index
        if index == len(out):
            out.append([])
        out[index].append(item)
    return out


@dataclass(frozen=True)
class _Plan:
    item: Decoded[ChatEvent]
    check: InputCheck
    intent: Intent
    facts: ProductFacts | None
    prompt: list[ChatMessage]
    lang: Lang
    grounding: Grounding
    asked: Asked
    draft: str
    ask: Ask | None = None
    bound: bool = False


@dataclass(frozen=True)
class ReplyOutcome:
    """A reply to publish, its audit entry, and the turns to remember.

    Attributes:
        reply: The reply record.
        audit: Its audit entry.
        customer_turn: The customer's message as later prompts may see it (withheld when
            it was an injection attempt).
        assistant_turn: The published reply, without the AI disclosure.
        lang: The language the reply is written in.
    """

    reply: ChatReply
    audit: AuditEntry
    customer_turn: Turn
    assistant_turn: Turn
    lang: Lang = "en"


def _answers(asked: Asked) -> bool:
    # Facts or policies that are only context (an order-status question names the shipping
    # time, but asks where the order is) leave the draft, a hand-over, as the whole answer.
    return bool(
        (asked.facts and asked.facts_required) or (asked.policies and asked.policies_required)
    )


def _with_ask(verdict: GuardVerdict, ask: Ask | None) -> GuardVerdict:
    # A declined ask whose draft is published says so first in the audit.
    if ask is None:
        return verdict
    return GuardVerdict.from_reasons((f"ask:{ask.kind}:{ask.phrase}", *verdict.reasons))


def _complete(plan: _Plan, text: str) -> bool:
    return not answer_problems(text, plan.asked, plan.grounding, plan.lang)


def _model_writes(plan: _Plan) -> bool:
    # A message that tried to steer the assistant never reaches the model.
    return not plan.check.injection.is_injection


class ReplyService:
    """Drafts replies for a micro-batch of chat messages."""

    def __init__(
        self,
        loaded: LoadedGenerator,
        policies: PlatformPolicies,
        executor: Executor | None = None,
    ) -> None:
        self._loaded = loaded
        self._policies = policies
        self._executor = executor

    def _plan(
        self,
        item: Decoded[ChatEvent],
        facts_of: Callable[[str | None], ProductFacts | None],
        history_of: Callable[[str], list[Turn]],
    ) -> _Plan:
        message = item.record
        check = check_input(message.text)
        text = check.redacted_text
        facts = facts_of(message.product_id)
        history = history_of(message.conversation_id)
        earlier = (t.text for t in history if t.role == "customer" and t.text != WITHHELD_TURN)
        lang = detect_language(text, conversation_language(earlier))
        intent = detect_intent(text, facts).intent
        grounding = build_grounding(facts, self._policies, lang)
        asked = find_asked(text, facts, grounding, intent)
        ask = find_ask(text)
        # The template reply is both the model's draft and the fallback: the model words it
        # for this customer, the guard checks the wording, the draft stands in when it fails.
        draft = fallback_reply(
            intent, facts, self._policies, lang=lang, asked=asked, grounding=grounding, ask=ask
        )
        bound = ask is not None or not _answers(asked)
        prompt = render_reply_prompt(
            facts, history, text, intent, self._policies,
            lang=lang, asked=asked, grounding=grounding, draft=draft, bound=bound,
        )  # fmt: skip
        return _Plan(item, check, intent, facts, prompt, lang, grounding, asked, draft, ask, bound)

    async def reply(
        self,
        items: Sequence[Decoded[ChatEvent]],
        facts_of: Callable[[str | None], ProductFacts | None],
        history_of: Callable[[str], list[Turn]],
    ) -> list[ReplyOutcome]:
        """One outcome per message, in order."""
        plans = [self._plan(item, facts_of, history_of) for item in items]
        to_model = [plan for plan in plans if _model_writes(plan)]
        generations = await generate(
            self._loaded, [plan.prompt for plan in to_model], "reply", self._executor
        )
        remaining = iter(generations)
        outcomes = []
        for plan in plans:
            generation = next(remaining) if _model_writes(plan) else None
            text, revised, verdict, fallback_reason = self._judge(plan, generation)
            outcomes.append(
                self._outcome(plan, text, revised, verdict, fallback_reason, generation)
            )
            record_verdict("reply", verdict, fallback_reason)
        return outcomes

    def _judge(
        self, plan: _Plan, generation: GenerationLike | None
    ) -> tuple[str, str, GuardVerdict, str | None]:
        """The model's text, the revision to publish, the verdict and the fallback reason."""
        if generation is None:
            # Only a message that tried to steer the assistant is kept from the model.
            reasons = tuple(f"injection:{r}" for r in plan.check.injection.reasons)
            return "", "", GuardVerdict.from_reasons(reasons or ("injection",)), "injection"
        if generation.finish_reason == "timeout":
            return generation.text, "", GuardVerdict.from_reasons(("timeout",)), "timeout"
        # A reply cut off by the token limit ends at its last whole sentence.
        text = whole_sentences(generation.text, limit=4) or generation.text
        # Unsupported sentences are removed where the rest stands on its own; the removals
        # are audited reasons of an accepted verdict.
        revision = review_reply(
            text, plan.facts, self._policies, as_prompt(plan.prompt), draft=plan.draft,
            complete=None if plan.bound else partial(_complete, plan),
        )  # fmt: skip
        name = plan.facts.title if plan.facts else ""
        revised = as_published(revision.text, name)
        verdict = revision.verdict
        if not verdict.accepted:
            return text, revised, _with_ask(verdict, plan.ask), "guard"
        problems = answer_problems(revised, plan.asked, plan.grounding, plan.lang)
        if plan.bound:
            problems = (*problems, *unbound_reasons(revised, plan.draft, name))
        if problems:
            # Grounded but not an answer, or more than its draft: the template is published.
            verdict = GuardVerdict.from_reasons((*verdict.reasons, *problems))
            return text, revised, _with_ask(verdict, plan.ask), "unanswered"
        return text, revised, verdict, None

    def _outcome(
        self,
        plan: _Plan,
        text: str,
        revised: str,
        verdict: GuardVerdict,
        fallback_reason: str | None,
        generation: object | None,
    ) -> ReplyOutcome:
        message = plan.item.record
        fallback = fallback_reason is not None
        body = plan.draft if fallback else revised
        if (notice := security_notice(plan.check.pii_types, plan.lang)) is not None:
            body = join_sentences((notice, body), plan.lang)
        published = with_ai_disclosure(body, plan.lang)
        reply_id = output_id("reply", message.event_id)
        injection = plan.check.injection.is_injection
        customer_text = WITHHELD_TURN if injection else plan.check.redacted_text
        reply = ChatReply(
            reply_id=reply_id,
            conversation_id=message.conversation_id,
            in_reply_to=message.message_id,
            text=published,
            intent=plan.intent,
            model=self._loaded.name,
            model_version=self._loaded.version,
            verdict=verdict.verdict,
            reasons=list(verdict.reasons),
            fallback=fallback,
            ai_generated=True,
            source=plan.item.source,
        )
        audit = AuditEntry(
            id=reply_id,
            task="reply",
            source=plan.item.source,
            event_time=message.sent_at,
            product_id=message.product_id or "",
            conversation_id=message.conversation_id,
            intent=plan.intent,
            template=REPLY_TEMPLATE.name,
            template_version=REPLY_TEMPLATE.version,
            prompt=prompt_text(plan.prompt),
            output=redact(text).text,
            published=published,
            loaded=self._loaded if generation is not None else None,
            verdict=verdict,
            fallback=fallback,
            pii_types=tuple(dict.fromkeys((*plan.check.pii_types, *verdict.pii_types))),
            prompt_tokens=getattr(generation, "prompt_tokens", 0),
            completion_tokens=getattr(generation, "new_tokens", 0),
            latency_s=getattr(generation, "latency_s", 0.0),
        )
        return ReplyOutcome(
            reply=reply,
            audit=audit,
            customer_turn=Turn(role="customer", text=customer_text),
            # Guarded text holds no PII; redacting again keeps the stored turn safe by
            # construction should a guard rule ever change.
            assistant_turn=Turn(role="assistant", text=redact(body).text),
            lang=plan.lang,
        )
