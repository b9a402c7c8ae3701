"""Product-description refresh: regenerate only when the facts that matter change.

The model writes the prose; the guard (:func:`streams.generation.guard.verdict.review_description`)
removes every sentence with a claim the facts do not support (an invented material,
certificate, origin, health effect, retailer, award, number or policy) and every sentence
that merely lists attributes, then lays the text out as a shop publishes it: the prose,
then a "Key facts" list (``- Name: value``) built from the facts themselves, so a small model
can neither drop nor alter an attribute and nothing is said twice. A rejected text falls back
to a one-sentence opening from the facts, with the same list.

The fingerprint covers title, category, attributes, price and currency; an update that
changes none of them (a stock count, a new description from the merchant) does not cost a
generation. Updates of one product inside a micro-batch are coalesced to the latest.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

from streams.delivery.intake import Decoded
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.generated import (
    AuditEntry,
    LoadedGenerator,
    as_prompt,
    as_published,
    generate,
    record_verdict,
    whole_sentences,
)
from streams.generation.guard.description import layout, opening
from streams.generation.guard.leak import PromptLike
from streams.generation.guard.outcome import Revision
from streams.generation.guard.verdict import GuardVerdict, review_description
from streams.generation.prompts import (
    DESCRIPTION_TEMPLATE,
    prompt_text,
    render_description_prompt,
)
from streams.ids import output_id
from streams.privacy.pii import redact
from streams.records import ProductDescription, ProductUpdate


def facts_of(update: ProductUpdate) -> ProductFacts:
    """The product facts an update states."""
    return ProductFacts(
        product_id=update.product_id,
        title=update.title,
        category=update.category,
        attributes=dict(update.attributes),
        price=update.price,
        currency=update.currency,
        description=update.description,
        updated_at=update.updated_at,
    )


def fingerprint(facts: ProductFacts) -> str:
    """Hash of the fields a description is written from."""
    material = {
        "title": facts.title,
        "category": facts.category,
        "attributes": sorted(facts.attributes.items()),
        "price": facts.price,
        "currency": facts.currency,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:16]


def facts_only(facts: ProductFacts) -> str:
    """The description published when no generated prose may be: an opening and the key facts."""
    return layout(opening(facts), facts)


def compose(
    generated: str,
    facts: ProductFacts,
    policies: PlatformPolicies,
    prompt: PromptLike | None = None,
) -> Revision:
    """Guard the model's complete sentences and lay them out with the key facts."""
    text = with_subject(whole_sentences(generated), facts)
    revision = review_description(text, facts, policies, prompt=prompt)
    return dataclasses.replace(revision, text=as_published(revision.text, facts.title))


_HAN = re.compile(r"[\u4e00-\u9fff]")


def with_subject(text: str, facts: ProductFacts) -> str:
    """A Chinese description that opens with an attribute, given the product as its subject.

    A small model writes "厚度为8毫米……" and leaves out whose thickness it is; the product's
    name before it ("加厚防滑瑜伽垫的厚度为8毫米") makes the sentence whole, and states nothing
    the facts do not.
    """
    opening = text.lstrip()
    keys = (k for k in facts.attributes if _HAN.match(k))
    if any(opening.startswith((f"{k}为", f"{k}是")) for k in keys):
        return f"{facts.title}的{opening}"
    return text


def latest_per_product(items: Sequence[Decoded[ProductUpdate]]) -> list[Decoded[ProductUpdate]]:
    """The last update of each product in a batch, in first-seen order."""
    latest: dict[str, Decoded[ProductUpdate]] = {}
    for item in items:
        latest[item.record.product_id] = item
    return list(latest.values())


@dataclass(frozen=True)
class DescriptionOutcome:
    """A description to publish and its audit entry."""

    description: ProductDescription
    audit: AuditEntry


class DescriptionService:
    """Writes descriptions for changed products."""

    def __init__(
        self, loaded: LoadedGenerator, policies: PlatformPolicies, executor: Executor | None = None
    ) -> None:
        self._loaded = loaded
        self._policies = policies
        self._executor = executor

    async def describe(self, items: Sequence[Decoded[ProductUpdate]]) -> list[DescriptionOutcome]:
        """One outcome per update, in order."""
        facts = [facts_of(item.record) for item in items]
        prompts = [render_description_prompt(f) for f in facts]
        generations = await generate(self._loaded, prompts, "description", self._executor)
        outcomes = []
        for item, fact, prompt, generation in zip(items, facts, prompts, generations, strict=True):
            if generation.finish_reason == "timeout":
                verdict = GuardVerdict.from_reasons(("timeout",))
                reason: str | None = "timeout"
                published = facts_only(fact)
            else:
                revision = compose(generation.text, fact, self._policies, as_prompt(prompt))
                verdict = revision.verdict
                reason = None if verdict.accepted else "guard"
                published = revision.text if verdict.accepted else facts_only(fact)
            record_verdict("description", verdict, reason)
            update = item.record
            description_id = output_id("description", update.event_id)
            outcomes.append(
                DescriptionOutcome(
                    description=ProductDescription(
                        description_id=description_id,
                        product_id=update.product_id,
                        source_event_id=update.event_id,
                        description=published,
                        model=self._loaded.name,
                        model_version=self._loaded.version,
                        verdict=verdict.verdict,
                        reasons=list(verdict.reasons),
                        fallback=reason is not None,
                        source=item.source,
                    ),
                    audit=AuditEntry(
                        id=description_id,
                        task="description",
                        source=item.source,
                        event_time=update.updated_at,
                        product_id=update.product_id,
                        conversation_id="",
                        intent="",
                        template=DESCRIPTION_TEMPLATE.name,
                        template_version=DESCRIPTION_TEMPLATE.version,
                        prompt=prompt_text(prompt),
                        output=redact(generation.text).text,
                        published=published,
                        loaded=self._loaded,
                        verdict=verdict,
                        fallback=reason is not None,
                        pii_types=verdict.pii_types,
                        prompt_tokens=generation.prompt_tokens,
                        completion_tokens=generation.new_tokens,
                        latency_s=generation.latency_s,
                    ),
                )
            )
        return outcomes
