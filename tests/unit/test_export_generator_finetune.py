"""The description fine-tuning recipe on a tiny sample with the tiny Llama."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from export.finetune_description import (
    IGNORE,
    FinetuneConfig,
    encode_example,
    finetune_description,
    load_examples,
)
from tests.unit.test_generator_support import tiny_source

PRODUCTS: list[dict[str, Any]] = [
    {
        "title": "Ceramic mug",
        "category": "Kitchen",
        "attributes": {"colour": "navy", "capacity": "350 ml"},
        "price": 12.5,
        "currency": "EUR",
        "description": "A navy ceramic mug that holds 350 ml.",
    },
    {
        "title": "Wool scarf",
        "category": "Accessories",
        "attributes": {"material": "wool", "length": "180 cm"},
        "description": "A warm wool scarf, 180 cm long.",
    },
    {
        "title": "Desk lamp",
        "category": "Home",
        "attributes": {"colour": "black"},
        "price": 30,
        "currency": "EUR",
        "description": "A black desk lamp for your home office.",
    },
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_source(tmp_path_factory.getbasetemp() / "tiny-generator")


def test_jsonl_and_csv_load_the_same_facts(tmp_path: Path) -> None:
    jsonl = tmp_path / "products.jsonl"
    jsonl.write_text("\n".join(json.dumps(p) for p in PRODUCTS) + "\n")
    table = tmp_path / "products.csv"
    with table.open("w", newline="") as handle:
        writer = csv.DictWriter(
            handle, ["title", "category", "attributes", "price", "currency", "description"]
        )
        writer.writeheader()
        for product in PRODUCTS:
            attributes = "; ".join(f"{k}: {v}" for k, v in product["attributes"].items())
            writer.writerow({**product, "attributes": attributes})
    from_jsonl, from_csv = load_examples(jsonl), load_examples(table)
    assert [e.facts.attributes for e in from_jsonl] == [e.facts.attributes for e in from_csv]
    assert [e.facts.price for e in from_csv] == [12.5, None, 30.0]
    assert from_jsonl[0].description == PRODUCTS[0]["description"]
    (tmp_path / "bad.jsonl").write_text(json.dumps({"title": "x"}) + "\n")
    with pytest.raises(ValueError, match="description"):
        load_examples(tmp_path / "bad.jsonl")


def test_only_description_tokens_carry_loss(source: Path, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(source)
    (tmp_path / "p.jsonl").write_text(json.dumps(PRODUCTS[0]) + "\n")
    example = load_examples(tmp_path / "p.jsonl")[0]
    ids, labels = encode_example(tokenizer, example, max_length=2048)
    learned = [token for token in labels if token != IGNORE]
    assert learned[-1] == tokenizer.eos_token_id
    assert tokenizer.decode(learned[:-1]) == example.description
    assert labels[: len(ids) - len(learned)] == [IGNORE] * (len(ids) - len(learned))


def test_a_few_steps_lower_the_loss(source: Path, tmp_path: Path) -> None:
    data = tmp_path / "products.jsonl"
    data.write_text("\n".join(json.dumps(p) for p in PRODUCTS) + "\n")
    out = tmp_path / "tuned"
    result = finetune_description(
        FinetuneConfig(
            data=data,
            out_dir=out,
            source=source,
            max_steps=8,
            batch_size=3,
            learning_rate=1e-2,
            progress=False,
        )
    )
    assert result.steps == 8 and len(result.step_losses) == 8
    assert result.final_loss < result.initial_loss * 0.9
    assert (out / "config.json").is_file() and (out / "tokenizer.json").is_file()
    assert json.loads((out / "finetune.json").read_text())["template"] == "description-v3"
