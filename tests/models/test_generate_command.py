"""``shopstream generate`` with the real default generators, on small files.

Fails, never skips, when the models are missing: build them first with
``shopstream models build``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from streams.generation.generated import AUDIT_COLUMNS
from streams.tooling.sample_data import SampleShop

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RESULT_KEYS = {
    "event_id", "published", "model_text", "verdict", "reasons", "fallback", "model",
    "latency_ms", "audit",
}  # fmt: skip
INVALID_LINE = 3


def _write(path: Path, events: list[dict[str, Any]], invalid: dict[str, Any]) -> list[str]:
    """Write the events with ``invalid`` inserted as line 3; the valid event ids, in order."""
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    lines.insert(INVALID_LINE - 1, json.dumps(invalid, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [e["event_id"] for e in events]


def _generate(tmp_path: Path, *args: str) -> tuple[list[dict[str, Any]], str]:
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SHOPSTREAM_DEVICE": "cpu"}
    done = subprocess.run(
        [sys.executable, "-m", "streams", "generate", *args, "--output", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=800, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return results, done.stderr


def _check_schema(results: list[dict[str, Any]], task: str, event_ids: list[str]) -> None:
    assert [r["event_id"] for r in results] == event_ids
    for result in results:
        assert set(result) >= RESULT_KEYS
        assert isinstance(result["published"], str) and result["published"].strip()
        assert isinstance(result["model_text"], str)
        assert result["verdict"] in {"accepted", "rejected"}
        assert all(isinstance(reason, str) for reason in result["reasons"])
        assert isinstance(result["fallback"], bool)
        assert result["fallback"] or result["verdict"] == "accepted"
        name, _, version = result["model"].partition("@")
        assert name and version
        assert isinstance(result["latency_ms"], int | float) and result["latency_ms"] >= 0
        audit = result["audit"]
        assert list(audit) == list(AUDIT_COLUMNS)
        assert audit["task"] == task and audit["event_id"] == result["event_id"]
        assert audit["published"] == result["published"]
        assert audit["verdict"] == result["verdict"] and audit["fallback"] == result["fallback"]


def test_generate_descriptions_for_a_file(tmp_path: Path) -> None:
    shop = SampleShop(seed=12)
    updates = [shop.product_update() for _ in range(4)]
    ids = _write(tmp_path / "updates.jsonl", updates, {**updates[0], "price": "1,99"})
    results, stderr = _generate(
        tmp_path, "--task", "description", "--input", "updates.jsonl", "--no-progress"
    )
    _check_schema(results, "description", ids)
    assert f"line={INVALID_LINE}" in stderr and "price is not a decimal number" in stderr
    for result, update in zip(results, updates, strict=True):
        # The facts paragraph (title and price) is in every published description.
        assert update["title"] in result["published"]
        assert str(update["price"]).split(".")[0] in result["published"]


def test_generate_replies_with_facts_and_history(tmp_path: Path) -> None:
    shop = SampleShop(seed=12)
    product = next(p for p in shop.products if p.lang == "en")
    updates = [shop.product_update() for _ in range(3)]
    updates.append({**updates[0], "event_id": "facts-1", "product_id": product.product_id,
                    "title": product.title, "attributes": product.all_attributes(),
                    "price": str(product.price), "currency": product.currency})  # fmt: skip
    (tmp_path / "facts.jsonl").write_text("\n".join(json.dumps(u) for u in updates) + "\n")
    chats = [shop.chat() for _ in range(3)]
    chats[0].update(
        product_id=product.product_id,
        conversation_id="c-1",
        text=f"Which sizes or versions does the {product.title} come in?",
    )
    chats.append({**chats[0], "event_id": "follow-up", "message_id": "m-follow-up",
                  "text": "Thanks. How long does shipping take?"})  # fmt: skip
    no_text = {k: v for k, v in chats[1].items() if k != "text"}
    ids = _write(tmp_path / "chats.jsonl", chats, no_text)
    results, stderr = _generate(
        tmp_path, "--task", "reply", "--input", "chats.jsonl", "--facts", "facts.jsonl"
    )
    _check_schema(results, "reply", ids)
    assert f"line={INVALID_LINE}" in stderr and "text: Field required" in stderr
    assert all(r["audit"]["conversation_id"] for r in results)
    first, follow_up = results[0], results[-1]
    assert product.title in first["audit"]["prompt"]  # the facts file reached the prompt
    # The follow-up's prompt holds the conversation's first exchange.
    assert "Which sizes or versions" in follow_up["audit"]["prompt"]
