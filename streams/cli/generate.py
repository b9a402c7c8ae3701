"""``shopstream generate``: replies or descriptions for a JSON-lines file of input records."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from streams.settings import Settings

if TYPE_CHECKING:
    from streams.generation.offline import InvalidLine


@click.command(name="generate")
@click.option(
    "--task", type=click.Choice(["description", "reply"]), required=True, help="What to write."
)
@click.option(
    "--input",
    "input_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSON lines of input-topic records: ProductUpdate (description) or ChatMessage (reply).",
)
@click.option(
    "--facts",
    "facts_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="JSON lines of product updates whose facts replies may use.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write one JSON object per valid input line.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Records per model call [default: the worker's generation batch size].",
)
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.pass_obj
def generate_command(
    settings: Settings,
    task: str,
    input_path: Path,
    facts_path: Path | None,
    output_path: Path,
    batch_size: int | None,
    progress: bool,
) -> None:
    """Generate without Kafka or ClickHouse, through the agents' prompt, model and guard.

    Invalid lines are logged with their line number and reason, and skipped.
    """
    from tqdm import tqdm

    from streams.generation.facts import ProductFacts
    from streams.generation.generated import load_generator
    from streams.generation.offline import (
        OfflineResult,
        Task,
        generate_offline,
        product_facts,
        read_jsonl,
        record_type,
    )
    from streams.records import ProductUpdate

    task_name: Task = "reply" if task == "reply" else "description"
    records, invalid = read_jsonl(input_path, record_type(task_name))
    facts: dict[str, ProductFacts] = {}
    if facts_path is not None:
        updates, bad_facts = read_jsonl(facts_path, ProductUpdate)
        facts = product_facts(item.record for item in updates)
        if bad_facts:
            click.echo(f"{facts_path}: skipped {_lines(bad_facts)}", err=True)
    loaded = load_generator(settings, task_name)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    written = fallbacks = 0
    with (
        output_path.open("w", encoding="utf-8") as out,
        tqdm(total=len(records), desc=f"generate {task}", unit="rec", disable=not progress) as bar,
    ):

        def write(results: list[OfflineResult]) -> None:
            nonlocal written, fallbacks
            for result in results:
                out.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
            out.flush()
            written += len(results)
            fallbacks += sum(result.fallback for result in results)
            bar.update(len(results))

        generate_offline(
            task_name,
            records,
            loaded,
            settings.policies,
            facts=facts,
            batch_size=batch_size or settings.generation.batch_max_events,
            source=f"file:{input_path.name}",
            on_batch=write,
        )
    click.echo(
        f"wrote {written} {task} results to {output_path} ({fallbacks} template fallbacks); "
        f"skipped {_lines(invalid)}",
        err=True,
    )


def _lines(invalid: Sequence[InvalidLine]) -> str:
    """``2 invalid lines (3, 9)``: how many, and the first few line numbers."""
    if not invalid:
        return "no invalid lines"
    numbers = ", ".join(str(line.line) for line in invalid[:20])
    more = ", ..." if len(invalid) > 20 else ""
    return f"{len(invalid)} invalid line{'s' if len(invalid) > 1 else ''} ({numbers}{more})"
