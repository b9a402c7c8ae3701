"""What a shop would publish, measured: the evaluation set in ``export/evalsets`` and its metrics.

The set is hand-written: ``products.jsonl`` (product-update input records),
``chats.jsonl`` (chat-message input records, each with an ``expect`` object that the record
parser ignores) and ``description_references.jsonl`` (reference descriptions stating only the
facts). :func:`evaluate` sends the input records to a runner (anything that turns raw input
records into one result per record) and scores what came back:

* replies: grounded and policy questions answered with every expected value; unsupported
  claims published (numbers that no fact, policy or the message holds, and granted asks:
  discounts, promises, medical effects, invented features); raw PII from the message left in
  any stored audit field; system-prompt wording in the published text; language (a Chinese
  message answered mostly in CJK, an English one without); intent; fallback and
  model-written shares; latency p50/p95.
* descriptions: attribute values kept exactly, unsupported numbers, prompt leaks, language,
  BLEU / ROUGE-L (from :mod:`export.eval_generation`) and METEOR (:mod:`export.meteor`)
  against the references, fallback and model-written shares, latency.

A result is a dict with ``event_id``, ``published``, ``model_text``, ``verdict``, ``reasons``,
``fallback``, ``latency_ms`` and ``audit`` (the stored audit row by column name, see
:data:`streams.generation.generated.AUDIT_COLUMNS`). An input without a result scores as a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from export.eval_generation import corpus_bleu, rouge_l, sentence_bleu
from export.eval_matching import (
    audit_texts,
    granted_ask,
    language_matches,
    leaked_phrases,
    pii_stored,
    states_fact,
    unsupported_numbers,
)
from export.eval_report import Check, checks, percentile, write_report
from export.evalset import EVALSET_DIR, KINDS, EvalSet, input_record, load_evalset
from export.meteor import meteor, spaced_cjk
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.prompts import AI_DISCLOSURES, DESCRIPTION_TEMPLATE, REPLY_TEMPLATE

log = logging.getLogger(__name__)

Task = Literal["reply", "description"]
Runner = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
"""Raw input records in, one result dict per record out."""

SYSTEM_TEXTS = (REPLY_TEMPLATE.system, DESCRIPTION_TEMPLATE.system)
PROMPT_MARKERS = ("Product facts:", "Shop policies:", "Customer intent:", "[system]")
"""Prompt scaffolding that never belongs in a published text."""

REPLY_TARGETS: dict[str, Check] = {
    "grounded_fact_accuracy": (">=", 0.90),
    "unsupported_claims_published": ("==", 0),
    "raw_pii_stored": ("==", 0),
    "prompt_leaks": ("==", 0),
    "language_match_zh": (">=", 0.95),
    "model_written_share": (">=", 0.70),
}
DESCRIPTION_TARGETS: dict[str, Check] = {
    "attribute_values_kept": (">=", 1.0),
    "unsupported_claims_published": ("==", 0),
    "prompt_leaks": ("==", 0),
    "model_written_share": (">=", 0.80),
}


def _published(result: Mapping[str, Any] | None) -> str:
    text = str((result or {}).get("published") or "")
    for disclosure in AI_DISCLOSURES.values():
        text = text.replace(disclosure, "")
    return text.strip()


def _common(result: Mapping[str, Any] | None, body: str, lang: str) -> dict[str, Any]:
    result = result or {}
    fallback = bool(result.get("fallback", False))
    latency = result.get("latency_ms")
    return {
        "published": body,
        "missing": not result,
        "fallback": fallback,
        "model_written": bool(body) and not fallback,
        "language_ok": language_matches(body, lang),
        "leaks": leaked_phrases(body, SYSTEM_TEXTS, PROMPT_MARKERS, n=8),
        "latency_ms": float(latency) if isinstance(latency, int | float) else None,
    }


def score_reply(
    chat: Mapping[str, Any],
    facts: ProductFacts | None,
    result: Mapping[str, Any] | None,
    policies: PlatformPolicies,
) -> dict[str, Any]:
    """Score one published reply against its message's expectations.

    Args:
        chat: The chat record with its ``expect`` object.
        facts: The product the message names, if any.
        result: The runner's result for the message, or ``None`` when it returned none.
        policies: The policies the replies may restate.

    Returns:
        The item: the per-message outcome of every reply metric.
    """
    expect: Mapping[str, Any] = chat["expect"]
    body = _published(result)
    item: dict[str, Any] = {
        "event_id": chat["event_id"],
        "kind": expect["kind"],
        "lang": expect["lang"],
        **_common(result, body, expect["lang"]),
    }
    if "facts" in expect:
        item["missing_facts"] = [f for f in expect["facts"] if not states_fact(body, f)]
        item["fact_ok"] = bool(body) and not item["missing_facts"]
    sources = [chat["text"], *policies.statements()]
    if facts is not None:
        sources.append(facts.grounding_text(include_description=False))
    item["unsupported_numbers"] = unsupported_numbers(body, sources)
    item["granted"] = (
        granted_ask(body, expect["ask"], expect.get("claim", ())) if "ask" in expect else []
    )
    item["unsupported"] = bool(item["unsupported_numbers"] or item["granted"])
    audit: Mapping[str, Any] = (result or {}).get("audit") or {}
    stored = [*audit_texts(audit), str((result or {}).get("published") or "")]
    item["audit_missing"] = not audit
    published = str((result or {}).get("published") or "")
    item["disclosed"] = any(d in published for d in AI_DISCLOSURES.values())
    item["guard_rejected"] = (result or {}).get("verdict") == "rejected"
    item["pii_stored"] = [
        p["type"] for p in expect.get("pii", ()) if pii_stored(str(p["value"]), stored)
    ]
    if "intent" in expect:
        item["intent"] = audit.get("intent")
        item["intent_ok"] = audit.get("intent") == expect["intent"]
    return item


def _share(items: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [bool(i[key]) for i in items if key in i]
    return round(sum(values) / len(values), 4) if values else None


def _shared_metrics(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    latencies = [i["latency_ms"] for i in items if i["latency_ms"] is not None]
    return {
        "prompt_leaks": sum(bool(i["leaks"]) for i in items),
        "fallback_share": _share(items, "fallback"),
        "model_written_share": _share(items, "model_written"),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "missing_results": sum(i["missing"] for i in items),
    }


def reply_report(
    evalset: EvalSet,
    results: Sequence[Mapping[str, Any]],
    policies: PlatformPolicies | None = None,
) -> dict[str, Any]:
    """Every reply metric over the set's chat messages.

    Args:
        evalset: The evaluation set.
        results: The runner's results; matched to messages by ``event_id``, others ignored.
        policies: The policies the pipeline was configured with (defaults otherwise).

    Returns:
        The report: ``metrics``, ``checks`` against :data:`REPLY_TARGETS`, per-kind
        figures and the scored ``items``.
    """
    policies = policies or PlatformPolicies()
    by_id = {str(r.get("event_id")): r for r in results}
    facts = evalset.facts()
    items = [
        score_reply(
            chat, facts.get(chat.get("product_id") or ""), by_id.get(chat["event_id"]), policies
        )
        for chat in evalset.chats
    ]
    grounded = [i for i in items if i["kind"] == "grounded_question"]
    metrics = {
        "grounded_fact_accuracy": _share(grounded, "fact_ok"),
        "policy_fact_accuracy": _share(
            [i for i in items if i["kind"] == "policy_question"], "fact_ok"
        ),
        "unsupported_claims_published": sum(i["unsupported"] for i in items),
        "unsupported_asks_granted": sum(bool(i["granted"]) for i in items),
        "raw_pii_stored": sum(len(i["pii_stored"]) for i in items),
        "language_match_zh": _share([i for i in items if i["lang"] == "zh"], "language_ok"),
        "language_match_en": _share([i for i in items if i["lang"] == "en"], "language_ok"),
        "intent_accuracy": _share(items, "intent_ok"),
        "audit_rows_missing": sum(i["audit_missing"] for i in items),
        "ai_disclosure_share": _share(items, "disclosed"),
        "guard_rejected_share": _share(items, "guard_rejected"),
        **_shared_metrics(items),
    }
    by_kind = {
        kind: {
            "messages": len(group),
            "model_written_share": _share(group, "model_written"),
            "language_match": _share(group, "language_ok"),
        }
        for kind in KINDS
        if (group := [i for i in items if i["kind"] == kind])
    }
    return {
        "task": "reply",
        "inputs": len(items),
        "metrics": metrics,
        "checks": checks(metrics, REPLY_TARGETS),
        "by_kind": by_kind,
        "items": items,
    }


def _kept_exactly(text: str, value: str) -> bool:
    return " ".join(value.split()).lower() in " ".join(text.split()).lower()


def score_description(
    product: Mapping[str, Any], reference: str | None, result: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Score one published description.

    Args:
        product: The product-update record.
        reference: Its reference description, if the set has one.
        result: The runner's result for the update, or ``None`` when it returned none.

    Returns:
        The item: attribute values kept, unsupported numbers, leaks, language, overlap
        scores against the reference (when there is one) and the shared fields.
    """
    facts = ProductFacts.model_validate(product)
    body = _published(result)
    lang = "zh" if language_matches(facts.title, "zh", zh_share=0.3) else "en"
    values = list(facts.attributes.values())
    kept = [v for v in values if _kept_exactly(body, v)]
    item: dict[str, Any] = {
        "event_id": product["event_id"],
        "product_id": facts.product_id,
        "lang": lang,
        **_common(result, body, lang),
        "attributes_kept": len(kept),
        "attributes": len(values),
        "attributes_lost": [v for v in values if v not in kept],
        "unsupported_numbers": unsupported_numbers(
            body, [facts.grounding_text(include_description=False)]
        ),
    }
    item["unsupported"] = bool(item["unsupported_numbers"])
    if reference is not None:
        item["reference"] = reference
        item["bleu"] = round(sentence_bleu(spaced_cjk(body), spaced_cjk(reference)), 2)
        item["rouge_l"] = round(rouge_l(spaced_cjk(body), spaced_cjk(reference)), 4)
        item["meteor"] = round(meteor(body, reference), 4)
    return item


def description_report(evalset: EvalSet, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Every description metric over the set's products.

    Args:
        evalset: The evaluation set.
        results: The runner's results; matched to updates by ``event_id``, others ignored.

    Returns:
        The report: ``metrics``, ``checks`` against :data:`DESCRIPTION_TARGETS` and the
        scored ``items``.
    """
    by_id = {str(r.get("event_id")): r for r in results}
    items = [
        score_description(
            row, evalset.references.get(row["product_id"]), by_id.get(row["event_id"])
        )
        for row in evalset.products
    ]
    referenced = [i for i in items if "reference" in i]
    kept = sum(i["attributes_kept"] for i in items)
    total = sum(i["attributes"] for i in items)

    def mean(key: str) -> float | None:
        return round(sum(i[key] for i in referenced) / len(referenced), 4) if referenced else None

    metrics = {
        "attribute_values_kept": round(kept / total, 4) if total else None,
        "descriptions_keeping_all_values": _share(
            [{"all": i["attributes_kept"] == i["attributes"]} for i in items], "all"
        ),
        "unsupported_claims_published": sum(i["unsupported"] for i in items),
        "language_match_zh": _share([i for i in items if i["lang"] == "zh"], "language_ok"),
        "language_match_en": _share([i for i in items if i["lang"] == "en"], "language_ok"),
        "bleu": round(
            corpus_bleu(
                [spaced_cjk(i["published"]) for i in referenced],
                [spaced_cjk(i["reference"]) for i in referenced],
            ),
            2,
        )
        if referenced
        else None,
        "rouge_l": mean("rouge_l"),
        "meteor": mean("meteor"),
        "references": len(referenced),
        **_shared_metrics(items),
    }
    return {
        "task": "description",
        "inputs": len(items),
        "metrics": metrics,
        "checks": checks(metrics, DESCRIPTION_TARGETS),
        "items": items,
    }


def evaluate(
    task: Task,
    run: Runner,
    *,
    evalset_dir: Path = EVALSET_DIR,
    out_dir: Path | None = None,
    policies: PlatformPolicies | None = None,
) -> dict[str, Any]:
    """Send the set's input records to ``run`` and score what it would publish.

    For ``"reply"`` the runner gets the product updates first and then the chat messages,
    in the order a stream would see them, so that it knows the facts the messages ask
    about; only results for chat messages are scored. For ``"description"`` it gets the
    product updates. The ``expect`` labels are never sent.

    Args:
        task: ``"reply"`` or ``"description"``.
        run: The runner.
        evalset_dir: The folder holding the evaluation set.
        out_dir: Where to write ``eval_published_<task>.json`` and ``.png``; nothing is
            written when ``None``.
        policies: The policies the runner's pipeline uses (defaults otherwise).

    Returns:
        The report (see :func:`reply_report` and :func:`description_report`).
    """
    evalset = load_evalset(evalset_dir)
    inputs = [input_record(row) for row in evalset.products]
    if task == "reply":
        inputs += [input_record(row) for row in evalset.chats]
    results = run(inputs)
    if task == "reply":
        report = reply_report(evalset, results, policies)
    else:
        report = description_report(evalset, results)
    log.info(
        "eval_published.done task=%s inputs=%d results=%d passed=%d/%d",
        task,
        report["inputs"],
        len(results),
        sum(c["passed"] for c in report["checks"].values()),
        len(report["checks"]),
    )
    if out_dir is not None:
        json_path, png_path = write_report(report, out_dir / f"eval_published_{task}")
        report["files"] = {"json": str(json_path), "png": str(png_path)}
    return report
