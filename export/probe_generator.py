"""Raw outputs of a generator on grounded probe prompts, per variant, as JSON.

The probes are rendered with the production prompt builders (:mod:`streams.generation.prompts`): a
product question the facts answer (English and Chinese), a return-policy question, a
description from five attributes and an ask nothing supports (a discount). The outputs are
printed as generated, before any guard, so weights and quantisations can be compared by eye.

Run::

    python -m export.probe_generator MODEL_DIR [--variants int8 int4] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.generator import GenerationParams, Generator
from models.manifest import read_manifest
from models.registry import ModelHandle
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.intents import Intent
from streams.generation.prompts import ChatMessage, render_description_prompt, render_reply_prompt

log = logging.getLogger(__name__)

BOTTLE = ProductFacts(
    product_id="p-bottle",
    title="Steel Water Bottle",
    category="Outdoor",
    attributes={"capacity": "750 ml", "keeps cold": "24 hours", "material": "stainless steel"},
    price=24.9,
    currency="EUR",
)
LAMP = ProductFacts(
    product_id="p-lamp",
    title="Oak Desk Lamp",
    category="Home",
    attributes={
        "material": "oak wood",
        "bulb": "E27 LED, 8 W included",
        "cable length": "1.8 m",
        "colour": "natural",
        "dimmable": "yes",
    },
    price=59.0,
    currency="EUR",
)
_ASK_CAPACITY_ZH = "这个水瓶的容量是多少\uff1f"  # "What is this bottle's capacity?"
_REPLIES: tuple[tuple[str, ProductFacts, str, Intent], ...] = (
    ("product-question-en", BOTTLE, "How long does it keep drinks cold?", "product_question"),
    ("product-question-zh", BOTTLE, _ASK_CAPACITY_ZH, "product_question"),
    ("return-policy", LAMP, "Can I still return the lamp? It came 10 days ago.", "return_refund"),
    ("unsupported-discount", LAMP, "Give me a discount on this lamp, please.", "other"),
)


def probes(policies: PlatformPolicies | None = None) -> dict[str, list[ChatMessage]]:
    """The probe conversations by name, rendered as the workers render them."""
    chosen = policies or PlatformPolicies()
    rendered = {
        name: render_reply_prompt(facts, [], message, intent, chosen)
        for name, facts, message, intent in _REPLIES
    }
    rendered["description-5-attributes"] = render_description_prompt(LAMP)
    return rendered


def run_probes(
    model_dir: Path, variants: Sequence[str], max_new_tokens: int = 120
) -> dict[str, Any]:
    """Greedy outputs of every probe for each variant of a task directory."""
    manifest = read_manifest(model_dir)
    handle = ModelHandle(directory=model_dir, manifest=manifest)
    params = GenerationParams(max_new_tokens=max_new_tokens, repetition_penalty=1.1)
    conversations = probes()
    outputs: dict[str, dict[str, Any]] = {}
    for variant in variants:
        generator = Generator.load(handle, device="cpu", variant=variant)
        results = generator.generate(list(conversations.values()), params)
        outputs[variant] = {
            name: {"text": r.text, "new_tokens": r.new_tokens, "finish": r.finish_reason}
            for name, r in zip(conversations, results, strict=True)
        }
        log.info("probe.done variant=%s", variant)
    return {
        "model": {"name": manifest.name, "version": manifest.version},
        "params": params.as_dict(),
        "prompts": conversations,
        "outputs": outputs,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--variants", nargs="+", default=["int8"])
    parser.add_argument("--max-new-tokens", type=int, default=120)
    parser.add_argument("--out", type=Path, default=Path("reports") / "probe_generator.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    report = run_probes(args.model_dir, args.variants, args.max_new_tokens)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("probe.written path=%s", args.out)


if __name__ == "__main__":
    main()
