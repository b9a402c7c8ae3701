"""Customer-service replies: guard the input, ground the prompt, generate, guard the output.

Per message: the language (by script, the conversation's as tie-break), the product's
grounding (:func:`streams.generation.facts.build_grounding`, built once and used by the prompt, the
answer check and the templates), the intent (rules plus fact matching) and what the message
asks that the grounding answers (:func:`streams.generation.answers.find_asked`).

The template reply (:func:`streams.generation.prompts.fallback_reply`: the answer composed from
the facts, else the intent's template) is built first. The model gets it as a draft to put in its
own words; it is published instead when the model's text fails. Only a message that the grounding
answers is sent to the model; a message that looks like prompt injection never is, and is
withheld from later prompts of its conversation. A generation that times out, that the guard
rejects, or that does not carry the asked facts' values in the customer's language
(:func:`streams.generation.answers.answer_problems`) is replaced by the template. Either way
the reply is published with the AI-disclosure flag and one audit entry records it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

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
    LoadedGenerator,
    as_prompt,
    generate,
    record_verdict,
    whole_sentences,
    with_title,
)
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


def _model_writes(plan: _Plan) -> bool:
    # The model words only what the platform's facts or policies answer, and a message that
    # tried to steer the assistant never reaches it. An order status, a complaint, a greeting
    # or a question nothing known answers gets its intent's template: drafting those too
    # (measured) left half the accepted replies unpublishable: invented repairs, account
    # checks and features that no claim check reads.
    # Facts or policies that are only context (an order-status question names the shipping
    # time, but asks where the order is) leave the reply to the template's hand-over.
    # An ask to decline (a discount, a delivery date, medical advice) or a greeting has its
    # fixed reply: the model would be the one to grant it.
    asked = plan.asked
    answers = (asked.facts and asked.facts_required) or (asked.policies and asked.policies_required)
    return bool(answers) and plan.ask is None and not plan.check.injection.is_injection


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
        prompt = render_reply_prompt(
            facts, history, text, intent, self._policies,
            lang=lang, asked=asked, grounding=grounding, draft=draft,
        )  # fmt: skip
        return _Plan(item, check, intent, facts, prompt, lang, grounding, asked, draft, ask)

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
            fallback_reason: str | None
            revised = ""
            if generation is None and plan.check.injection.is_injection:
                reasons = tuple(f"injection:{r}" for r in plan.check.injection.reasons)
                verdict = GuardVerdict.from_reasons(reasons or ("injection",))
                text, fallback_reason = "", "injection"
            elif generation is None and plan.ask is not None:
                verdict = GuardVerdict.from_reasons((f"ask:{plan.ask.kind}:{plan.ask.phrase}",))
                text, fallback_reason = "", "ask"
            elif generation is None:
                verdict = GuardVerdict.from_reasons(("ungrounded",))
                text, fallback_reason = "", "ungrounded"
            elif generation.finish_reason == "timeout":
                verdict = GuardVerdict.from_reasons(("timeout",))
                text, fallback_reason = generation.text, "timeout"
            else:
                # A reply cut off by the token limit ends at its last whole sentence.
                text = whole_sentences(generation.text, limit=4) or generation.text
                # Unsupported sentences are removed where the rest stands on its own; the
                # removals are audited reasons of an accepted verdict.
                revision = review_reply(
                    text, plan.facts, self._policies, as_prompt(plan.prompt), draft=plan.draft
                )
                verdict = revision.verdict
                revised = with_title(revision.text, plan.facts.title if plan.facts else "")
                fallback_reason = None if verdict.accepted else "guard"
                problems = answer_problems(revised, plan.asked, plan.grounding, plan.lang)
                if verdict.accepted and problems:
                    # Grounded but not an answer: the template states the asked facts.
                    verdict = GuardVerdict.from_reasons((*verdict.reasons, *problems))
                    fallback_reason = "unanswered"
            outcomes.append(
                self._outcome(plan, text, revised, verdict, fallback_reason, generation)
            )
            record_verdict("reply", verdict, fallback_reason)
        return outcomes

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
