"""What replies and descriptions share: the model handle, generation off the loop, audit rows."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from streams import metrics
from streams.clickhouse.rows import naive_utc
from streams.generation.guard.verdict import GuardVerdict
from streams.privacy.pii import redact
from streams.records import SourceRef

if TYPE_CHECKING:
    from streams.settings import Settings

AUDIT_TABLE = "generated_content"
AUDIT_COLUMNS = (
    "id", "task", "source_topic", "source_partition", "source_offset", "event_id",
    "event_time", "product_id", "conversation_id", "intent", "prompt_template",
    "prompt_template_version", "prompt", "output", "published", "model_name", "model_version",
    "model_sha256", "generation_params", "verdict", "fallback", "reasons", "pii_types",
    "prompt_tokens", "completion_tokens", "latency_ms", "created_at",
)  # fmt: skip


class GenerationLike(Protocol):
    """What the stream reads from one generation."""

    @property
    def text(self) -> str: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def new_tokens(self) -> int: ...
    @property
    def latency_s(self) -> float: ...
    @property
    def finish_reason(self) -> str: ...


class TextGenerator(Protocol):
    """The part of :class:`models.generator.Generator` the stream uses."""

    model_sha256: str
    provider: str

    def generate(self, prompts: Any, params: Any) -> Sequence[GenerationLike]: ...


@dataclass(frozen=True)
class LoadedGenerator:
    """A generator with the identity the audit trail records."""

    generator: TextGenerator
    name: str
    version: str
    params: Any

    @property
    def params_json(self) -> str:
        return json.dumps(self.params.as_dict(), sort_keys=True)


# A Latin full stop ends a sentence before a space (not inside "1.7"); a Chinese one always.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[\u3002\uff01\uff1f]")
MAX_SENTENCES = 3


def whole_sentences(text: str, limit: int = MAX_SENTENCES) -> str:
    """The first ``limit`` complete sentences of a generation (a cut-off tail is dropped)."""
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    if not ends:
        return ""
    return " ".join(text[: ends[min(limit, len(ends)) - 1]].split())


# Half-width punctuation a model writes between Chinese characters ("体验,感谢"), and its
# full-width form.
_HAN_PUNCTUATION = re.compile(r"(?<=[\u4e00-\u9fff])\s*([,;:!?])\s*(?=[\u4e00-\u9fff]|$)")
_FULL_WIDTH = {",": "\uff0c", ";": "\uff1b", ":": "\uff1a", "!": "\uff01", "?": "\uff1f"}


def as_published(text: str, title: str) -> str:
    """``text`` as the shop publishes it.

    The product's name is written as the merchant writes it: a small model lowercases a
    brand it repeats ("The dermataly Balancing Gel Moisturiser", "the armorshell case"), and
    the guard reads names case-insensitively. Chinese sentences get Chinese punctuation: a
    half-width comma after a Chinese character ("体验,感谢") becomes a full-width one.
    """
    text = _HAN_PUNCTUATION.sub(lambda m: _FULL_WIDTH[m.group(1)], text)
    if not title.strip():
        return text
    return re.sub(re.escape(title), lambda _: title, text, flags=re.IGNORECASE)


async def generate(
    loaded: LoadedGenerator, prompts: Sequence[Any], task: str, executor: Executor | None
) -> list[GenerationLike]:
    """Run a batch of prompts on an executor thread; the event loop stays free."""
    if not prompts:
        return []
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    out = await loop.run_in_executor(
        executor, loaded.generator.generate, list(prompts), loaded.params
    )
    metrics.MODEL_LATENCY.labels(task=task).observe(time.perf_counter() - started)
    metrics.BATCH_SIZE.labels(task=task).observe(len(prompts))
    for item in out:
        metrics.GENERATED_TOKENS.labels(task=task).inc(item.new_tokens)
    return list(out)


@dataclass(frozen=True)
class AuditEntry:
    """One row of the compliance audit table."""

    id: str
    task: str
    source: SourceRef
    event_time: datetime
    product_id: str
    conversation_id: str
    intent: str
    template: str
    template_version: str
    prompt: str
    output: str
    published: str
    loaded: LoadedGenerator | None
    verdict: GuardVerdict
    fallback: bool
    pii_types: tuple[str, ...]
    prompt_tokens: int
    completion_tokens: int
    latency_s: float

    def row(self) -> tuple[Any, ...]:
        """The ClickHouse row, in AUDIT_COLUMNS order.

        The prompt, output and published text are redacted here once more, whatever the
        caller did: this row is the last step before customer text is stored, and
        redacting redacted text changes nothing.
        """
        loaded = self.loaded
        return (
            self.id, self.task, self.source.topic, self.source.partition, self.source.offset,
            self.source.event_id, naive_utc(self.event_time), self.product_id, self.conversation_id,
            self.intent, self.template, self.template_version, redact(self.prompt).text,
            redact(self.output).text, redact(self.published).text,
            loaded.name if loaded else "template", loaded.version if loaded else "",
            loaded.generator.model_sha256 if loaded else "",
            loaded.params_json if loaded else "{}", self.verdict.verdict, int(self.fallback),
            list(self.verdict.reasons), list(self.pii_types), self.prompt_tokens,
            self.completion_tokens, self.latency_s * 1000, naive_utc(datetime.now(UTC)),
        )  # fmt: skip


def as_prompt(messages: Sequence[Any]) -> Sequence[Mapping[str, str]]:
    """Chat messages as the guard's prompt type (a TypedDict is a Mapping at run time)."""
    return cast(Sequence[Mapping[str, str]], messages)


def record_verdict(task: str, verdict: GuardVerdict, fallback_reason: str | None) -> None:
    """Count a verdict and, when a template replaced the model's text, the reason."""
    metrics.GENERATIONS.labels(task=task, verdict=verdict.verdict).inc()
    if fallback_reason is not None:
        metrics.FALLBACKS.labels(task=task, reason=fallback_reason).inc()
    if fallback_reason == "timeout":
        metrics.ERRORS.labels(stage=task, error="GenerationTimeout").inc()


def load_generator(
    settings: Settings, task: str, shared: dict[tuple[str, ...], Any] | None = None
) -> LoadedGenerator:
    """Resolve, verify, load and warm up a task's generator (worker and offline runs alike).

    Args:
        settings: Where the models are and which device runs them.
        task: ``reply`` or ``description``.
        shared: Generators loaded already, by their files: a task whose model has the same
            files (both tasks on one model) reuses that session instead of loading it again.
            Calls are safe to share because one generation thread runs them all.

    Raises:
        ModelError: the task has no usable model in the registry.
    """
    from models.generator import GenerationParams, Generator
    from models.registry import Registry

    registry = Registry(settings.models_path)
    handle = registry.resolve(task, verify=False)  # the manifest, to know which model it is
    key = tuple(sorted(f"{item.path}:{item.sha256}" for item in handle.manifest.files))
    generator = None if shared is None else shared.get(key)
    if generator is None:
        handle = registry.resolve(task)  # every file checked against its sha256
        generator = Generator.load(handle, device=settings.device)
        generator.warmup()
        if shared is not None:
            shared[key] = generator
    gen = settings.generation
    tokens = gen.reply_max_new_tokens if task == "reply" else gen.description_max_new_tokens
    params = GenerationParams(
        max_new_tokens=tokens, repetition_penalty=gen.repetition_penalty, timeout_s=gen.timeout_s
    )
    manifest = handle.manifest
    return LoadedGenerator(generator, manifest.name, manifest.version, params)
