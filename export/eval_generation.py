"""Description quality against hand-written references: BLEU, ROUGE-L, fact coverage.

The reference set ``export/references/description_references.jsonl`` holds 20 products (names in
the style of faker-commerce, plausible attributes) with a description written for each by
hand, following the ``description-v2`` instructions (``description-v3`` adds a worked
example): two or three sentences naming the product and every attribute value as given.
Prompts come from :func:`streams.generation.prompts.render_description_prompt`, the stream's own.

Metrics are implemented here in pure Python (no sacrebleu or rouge-score):

* BLEU: corpus BLEU-4 (Papineni et al. 2002) with brevity penalty on lower-cased word and
  punctuation tokens, 0-100; per item, smoothed sentence BLEU (add-one for n > 1, Lin & Och).
* ROUGE-L: F1 of the longest common subsequence of tokens, per item and mean, 0-1.
* fact coverage: share of attribute values found verbatim (case-insensitive) in the output.

Run::

    python -m export.eval_generation MODEL_DIR [--variant int8] [--out reports]
        [--update-manifest]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.manifest import read_manifest, write_manifest
from models.registry import ModelHandle
from streams.generation.facts import ProductFacts
from streams.generation.prompts import DESCRIPTION_TEMPLATE, render_description_prompt
from streams.reports import save_figure, write_json

log = logging.getLogger(__name__)

REFERENCES = Path(__file__).with_name("references") / "description_references.jsonl"
_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-cased word and punctuation tokens."""
    return _TOKEN.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _matches(hypothesis: Sequence[str], reference: Sequence[str], n: int) -> tuple[int, int]:
    hyp = _ngrams(hypothesis, n)
    clipped = sum(min(count, _ngrams(reference, n)[gram]) for gram, count in hyp.items())
    return clipped, max(len(hypothesis) - n + 1, 0)


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4) -> float:
    """Corpus BLEU (0-100) with one reference per hypothesis."""
    matched, total = [0] * max_n, [0] * max_n
    hyp_len = ref_len = 0
    for hypothesis, reference in zip(hypotheses, references, strict=True):
        hyp, ref = tokenize(hypothesis), tokenize(reference)
        hyp_len, ref_len = hyp_len + len(hyp), ref_len + len(ref)
        for n in range(1, max_n + 1):
            hit, count = _matches(hyp, ref, n)
            matched[n - 1] += hit
            total[n - 1] += count
    if hyp_len == 0 or min(matched) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matched, total, strict=True)) / max_n
    brevity = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
    return 100 * brevity * math.exp(log_precision)


def sentence_bleu(hypothesis: str, reference: str, max_n: int = 4) -> float:
    """Smoothed sentence BLEU (0-100): add-one on n-gram counts for n > 1."""
    hyp, ref = tokenize(hypothesis), tokenize(reference)
    if not hyp:
        return 0.0
    log_precision = 0.0
    for n in range(1, max_n + 1):
        hit, count = _matches(hyp, ref, n)
        if n == 1 and hit == 0:
            return 0.0
        smooth = 0 if n == 1 else 1
        log_precision += math.log((hit + smooth) / (count + smooth)) / max_n
    brevity = 1.0 if len(hyp) > len(ref) else math.exp(1 - len(ref) / len(hyp))
    return 100 * brevity * math.exp(log_precision)


def rouge_l(hypothesis: str, reference: str) -> float:
    """ROUGE-L F1 over tokens (0-1)."""
    hyp, ref = tokenize(hypothesis), tokenize(reference)
    if not hyp or not ref:
        return 0.0
    previous = [0] * (len(ref) + 1)
    for token in hyp:
        current = [0]
        for j, other in enumerate(ref):
            current.append(previous[j] + 1 if token == other else max(previous[j + 1], current[j]))
        previous = current
    lcs = previous[-1]
    if lcs == 0:
        return 0.0
    precision, recall = lcs / len(hyp), lcs / len(ref)
    return 2 * precision * recall / (precision + recall)


def fact_coverage(output: str, facts: ProductFacts) -> float:
    """Share of attribute values that appear verbatim (case-insensitive) in the output."""
    values = list(facts.attributes.values())
    if not values:
        return 1.0
    lowered = output.lower()
    return sum(value.lower() in lowered for value in values) / len(values)


def load_references(path: Path = REFERENCES) -> list[tuple[ProductFacts, str]]:
    """Products and their reference descriptions."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(ProductFacts.model_validate(row), str(row["reference"])) for row in rows]


def score(outputs: Sequence[str], references: Sequence[tuple[ProductFacts, str]]) -> dict[str, Any]:
    """Every metric for outputs aligned with references."""
    texts = [reference for _, reference in references]
    items: list[dict[str, Any]] = [
        {
            "product_id": facts.product_id,
            "output": output,
            "reference": reference,
            "bleu": round(sentence_bleu(output, reference), 2),
            "rouge_l": round(rouge_l(output, reference), 4),
            "fact_coverage": round(fact_coverage(output, facts), 4),
        }
        for output, (facts, reference) in zip(outputs, references, strict=True)
    ]
    mean = {k: sum(i[k] for i in items) / len(items) for k in ("rouge_l", "fact_coverage")}
    return {
        "bleu": round(corpus_bleu(outputs, texts), 2),
        "rouge_l": round(mean["rouge_l"], 4),
        "fact_coverage": round(mean["fact_coverage"], 4),
        "items": items,
    }


def evaluate_descriptions(
    model_dir: Path, out_dir: Path, *, variant: str | None = None, batch_size: int = 10
) -> dict[str, Any]:
    """Generate a description for every reference product, score, write JSON and PNG."""
    from models.generator import GenerationParams, Generator

    manifest = read_manifest(model_dir)
    generator = Generator.load(ModelHandle(model_dir, manifest), device="cpu", variant=variant)
    defaults = manifest.config.get("generation_defaults", {"max_new_tokens": 120})
    params = GenerationParams(**defaults)
    references = load_references()
    prompts = [render_description_prompt(facts) for facts, _ in references]
    started = time.perf_counter()
    outputs: list[str] = []
    for start in range(0, len(prompts), batch_size):
        results = generator.generate(prompts[start : start + batch_size], params)
        outputs.extend(r.text for r in results)
    report = {
        "model": {"name": manifest.name, "version": manifest.version, "variant": generator.variant},
        "provider": generator.provider,
        "template": DESCRIPTION_TEMPLATE.version,
        "params": params.as_dict(),
        "seconds": round(time.perf_counter() - started, 2),
        **score(outputs, references),
    }
    write_json(report, out_dir / "eval_generation.json")
    _plot(report, out_dir / "eval_generation.png")
    log.info(
        "eval.done bleu=%.2f rouge_l=%.4f fact_coverage=%.4f variant=%s",
        report["bleu"],
        report["rouge_l"],
        report["fact_coverage"],
        generator.variant,
    )
    return report


def record_in_manifest(model_dir: Path, report: dict[str, Any]) -> None:
    """Store the summary under ``metrics["eval"]`` (the manifest is not in its own file list)."""
    manifest = read_manifest(model_dir)
    summary = {k: report[k] for k in ("bleu", "rouge_l", "fact_coverage", "template")}
    metrics = {**manifest.metrics, "eval": {**summary, "variant": report["model"]["variant"]}}
    write_manifest(model_dir, manifest.model_copy(update={"metrics": metrics}))


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = report["items"]
    labels = [i["product_id"] for i in items]
    figure, axis = plt.subplots(figsize=(10, 4))
    positions = range(len(items))
    axis.bar([p - 0.2 for p in positions], [i["bleu"] / 100 for i in items], 0.4, label="BLEU/100")
    axis.bar([p + 0.2 for p in positions], [i["rouge_l"] for i in items], 0.4, label="ROUGE-L")
    axis.set_xticks(list(positions), labels, rotation=60, fontsize=7)
    axis.set_ylim(0, 1)
    axis.set_title(
        f"{report['model']['name']} {report['model']['variant']}: corpus BLEU "
        f"{report['bleu']:.1f}, ROUGE-L {report['rouge_l']:.3f}"
    )
    axis.legend()
    figure.tight_layout()
    save_figure(figure, path, dpi=120)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description="Score descriptions against references.")
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--variant", default=None)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--update-manifest", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    report = evaluate_descriptions(args.model_dir, args.out, variant=args.variant)
    if args.update_manifest:
        record_in_manifest(args.model_dir, report)


if __name__ == "__main__":
    main()
