"""Text generation with an exported decoder (KV cache) on ONNX Runtime.

Needs only onnxruntime, tokenizers and numpy. Prompts run as one batch (left padding,
attention mask, position ids). The tokens all prompts of a batch start with (a task's system
prompt) run once, and their KV cache starts every row; on CPU the last few such prefixes are
kept, so later batches skip them too (measured in :mod:`export.bench_generator`: a batch of
four reply prompts about twice as fast). Finished rows leave the batch on
CPU; on CUDA the cache stays on the device (IO binding) and finished rows ride along. A graph
with a ``logits_to_keep`` input (:mod:`export.generator_graph`) is asked for the last
position's logits only, which spares the prefill the vocabulary projection of every other one.

Timeouts: ``GenerationParams.timeout_s`` is a deadline for the whole call, checked between
decoding steps. By default unfinished rows come back with the text so far and
``finish_reason="timeout"``; with ``raise_on_timeout=True`` the call raises
:class:`~models.errors.GenerationTimeoutError` instead.

Sampling with a ``seed`` gives every prompt its own ``numpy.random.Generator`` seeded with
that seed, so a prompt's output does not depend on its position in the batch.

:class:`Generator` keeps no per-call state but the prefix caches (behind a lock), so one
instance may serve several threads of an executor at once (``InferenceSession.run`` is
thread-safe).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from tokenizers import Tokenizer

from models.chat import SPEC_NAME, TOKENIZER_NAME, GeneratorSpec, MessageLike
from models.errors import GenerationTimeoutError
from models.registry import ModelHandle
from models.runtime import Device, SessionOptions, create_session, resolve_device

log = logging.getLogger(__name__)

LOGITS_TO_KEEP = "logits_to_keep"
"""Optional graph input: how many last positions get logits (0: all)."""
_LAST_ONLY = np.array([1], dtype=np.int64)

PREFIX_CACHE_SIZE = 4
"""Shared prompt prefixes whose KV cache a generator keeps."""
MIN_SHARED_PREFIX = 32
"""Fewest shared tokens worth running apart from the rest of the prompts."""

FinishReason = Literal["stop", "length", "timeout"]
CUDA = "CUDAExecutionProvider"


@dataclass(frozen=True)
class GenerationParams:
    """How to generate. ``temperature == 0`` means greedy decoding.

    Attributes:
        max_new_tokens: Most tokens to generate per prompt.
        min_new_tokens: End-of-sequence tokens are suppressed before this many tokens.
        temperature: Softmax temperature; 0 selects greedy decoding.
        top_k: Keep only the k most likely tokens when sampling (0: all).
        top_p: Nucleus sampling mass (1.0: all).
        repetition_penalty: CTRL-style penalty on tokens already in prompt or output (1.0: off).
        stop: Strings that end a generation; the returned text stops before them.
        seed: Seed of each prompt's random generator when sampling (None: fresh entropy).
        timeout_s: Deadline of the whole call in seconds (None: no deadline).
        raise_on_timeout: Raise GenerationTimeoutError instead of returning partial text.
    """

    max_new_tokens: int = 128
    min_new_tokens: int = 0
    temperature: float = 0.0
    top_k: int = 0
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    timeout_s: float | None = None
    raise_on_timeout: bool = False

    def __post_init__(self) -> None:
        for bad, msg in (
            (self.max_new_tokens < 1, "max_new_tokens must be >= 1"),
            (self.min_new_tokens < 0, "min_new_tokens must be >= 0"),
            (self.temperature < 0, "temperature must be >= 0"),
            (self.top_k < 0, "top_k must be >= 0"),
            (not 0 < self.top_p <= 1, "top_p must be in (0, 1]"),
            (self.repetition_penalty <= 0, "repetition_penalty must be > 0"),
            (self.timeout_s is not None and self.timeout_s <= 0, "timeout_s must be > 0"),
            (any(not s for s in self.stop), "stop strings must not be empty"),
        ):
            if bad:
                raise ValueError(msg)
        object.__setattr__(self, "stop", tuple(self.stop))

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready parameters for the audit trail."""
        data = asdict(self)
        data["stop"] = list(self.stop)
        return data


@dataclass(frozen=True)
class Generation:
    """The result for one prompt.

    Attributes:
        text: Generated text without special tokens, cut before a stop string, stripped.
        token_ids: Generated token ids (end-of-sequence token excluded).
        prompt_tokens: Tokens of the prompt as run (after any left truncation).
        new_tokens: Number of generated tokens.
        latency_s: Seconds from the start of the call until this prompt finished.
        tokens_per_s: ``new_tokens / latency_s``.
        finish_reason: ``stop`` (eos or stop string), ``length`` or ``timeout``.
    """

    text: str
    token_ids: tuple[int, ...]
    prompt_tokens: int
    new_tokens: int
    latency_s: float
    tokens_per_s: float
    finish_reason: FinishReason


@dataclass
class _Row:
    prompt_tokens: int
    ids: list[int] = field(default_factory=list)
    text: str | None = None
    finish: FinishReason | None = None
    end: float = 0.0


class Generator:
    """An exported causal LM with its tokenizer, ready to generate.

    Attributes:
        provider: The execution provider that runs the session.
        variant: The precision variant in use (``fp32``, ``int8``, ``fp16``).
        model_sha256: sha256 of the ONNX file in use, from the manifest.
        spec: Tokenizer-level facts (eos ids, pad id, context size, chat template).
    """

    def __init__(
        self,
        session: Any,
        tokenizer: Tokenizer,
        spec: GeneratorSpec,
        *,
        provider: str,
        variant: str = "",
        model_sha256: str = "",
        io_binding: bool | None = None,
        prefix_cache: bool = True,
    ) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.spec = spec
        self.provider = provider
        self.variant = variant
        self.model_sha256 = model_sha256
        inputs = {i.name: i for i in session.get_inputs()}
        self._past = [n for n in inputs if n.startswith("past_key_values.")]
        self._present = [o.name for o in session.get_outputs() if o.name.startswith("present")]
        if not self._past or len(self._past) != len(self._present):
            raise ValueError("the ONNX model has no KV-cache inputs/outputs (export with-past)")
        first = inputs[self._past[0]]
        self._kv_shape = (int(first.shape[1]), int(first.shape[3]))
        self._dtype = np.float16 if first.type == "tensor(float16)" else np.float32
        self._position_ids = "position_ids" in inputs
        self._logits_to_keep = LOGITS_TO_KEEP in inputs
        self._bound = provider == CUDA if io_binding is None else io_binding
        self._device = "cuda" if provider == CUDA else "cpu"
        self._eos = np.array(spec.eos_token_ids, dtype=np.int64)
        self._prefix_cache = prefix_cache
        self._prefixes: dict[tuple[int, ...], dict[str, Any]] = {}
        self._prefix_lock = threading.Lock()

    @classmethod
    def load(
        cls, handle: ModelHandle, device: Device = "auto", variant: str | None = None
    ) -> Generator:
        """Open a registered generator on the chosen device.

        Args:
            handle: A resolved model (see :class:`models.registry.Registry`).
            device: ``auto`` (CUDA when available), ``cuda`` or ``cpu``.
            variant: Precision variant; None picks the manifest's default for the device.
        """
        manifest = handle.manifest
        target = resolve_device(device)
        chosen = variant or manifest.default_variant.get(target, "fp32")
        session, provider = create_session(handle.onnx_path(chosen), SessionOptions(device=target))
        if variant is None and provider != CUDA and target == "cuda":
            # CUDA was listed but the session fell back: use the variant made for CPU.
            chosen = manifest.default_variant.get("cpu", "fp32")
            session, provider = create_session(handle.onnx_path(chosen), SessionOptions("cpu"))
        log.info("generator.loaded name=%s variant=%s provider=%s", manifest.name, chosen, provider)
        return cls(
            session,
            Tokenizer.from_file(str(handle.path(TOKENIZER_NAME))),
            GeneratorSpec.read(handle.path(SPEC_NAME)),
            provider=provider,
            variant=chosen,
            model_sha256=manifest.file_sha256(manifest.variants[chosen]),
        )

    @classmethod
    def from_files(
        cls,
        onnx_path: Path,
        model_dir: Path,
        *,
        device: Device = "cpu",
        io_binding: bool | None = None,
        prefix_cache: bool = True,
    ) -> Generator:
        """Open an ONNX file with the tokenizer and spec of ``model_dir`` (no manifest)."""
        session, provider = create_session(onnx_path, SessionOptions(device=device))
        tokenizer = Tokenizer.from_file(str(model_dir / TOKENIZER_NAME))
        spec = GeneratorSpec.read(model_dir / SPEC_NAME)
        return cls(
            session, tokenizer, spec,
            provider=provider, io_binding=io_binding, prefix_cache=prefix_cache,
        )  # fmt: skip

    @property
    def session(self) -> Any:
        """The ONNX Runtime session (for diagnostics and export validation)."""
        return self._session

    def render(self, messages: Sequence[MessageLike]) -> str:
        """Render a conversation with the model's chat template (generation prompt added)."""
        return self.spec.chat.render(messages)

    def encode(self, prompts: Sequence[Sequence[MessageLike]] | Sequence[str]) -> list[list[int]]:
        """Token ids of prompts: conversations are rendered (their special tokens are in the
        text), plain strings are encoded as is with the tokenizer's own special tokens.
        """
        encode = self._tokenizer.encode
        return [
            encode(p, add_special_tokens=True).ids
            if isinstance(p, str)
            else encode(self.render(p), add_special_tokens=False).ids
            for p in prompts
        ]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of token ids, special tokens skipped."""
        return str(self._tokenizer.decode(list(ids), skip_special_tokens=True))

    def warmup(self) -> None:
        """Run one short generation so the first real call does not pay for session set-up."""
        self.generate(["Hello"], GenerationParams(max_new_tokens=2))

    def generate(
        self, prompts: Sequence[Sequence[MessageLike]] | Sequence[str], params: GenerationParams
    ) -> list[Generation]:
        """Generate a continuation for each prompt, all prompts in one batch.

        Raises:
            GenerationTimeoutError: the deadline passed and ``params.raise_on_timeout`` is set.
        """
        return self.generate_ids(self.encode(prompts), params)

    def generate_ids(
        self, prompts: Sequence[Sequence[int]], params: GenerationParams
    ) -> list[Generation]:
        """Like :meth:`generate` for prompts that are already token ids."""
        if not prompts:
            return []
        start = time.perf_counter()
        limit = max(1, self.spec.max_context - params.max_new_tokens)
        if any(len(p) > limit for p in prompts):
            log.warning("generator.truncated max_prompt_tokens=%d", limit)
        prompts = [list(p)[-limit:] for p in prompts]
        if not all(prompts):
            raise ValueError("a prompt has no tokens")
        rows = [_Row(prompt_tokens=len(p)) for p in prompts]
        self._decode([list(p) for p in prompts], rows, params, start)
        late = sum(r.finish == "timeout" for r in rows)
        if late and params.raise_on_timeout:
            msg = f"generation passed its {params.timeout_s}s deadline ({late} unfinished)"
            raise GenerationTimeoutError(msg)
        return [self._result(row, start) for row in rows]

    def _result(self, row: _Row, start: float) -> Generation:
        latency = max(row.end - start, 1e-9)
        return Generation(
            text=(row.text if row.text is not None else self.decode(row.ids)).strip(),
            token_ids=tuple(row.ids),
            prompt_tokens=row.prompt_tokens,
            new_tokens=len(row.ids),
            latency_s=latency,
            tokens_per_s=len(row.ids) / latency,
            finish_reason=row.finish or "length",
        )

    def _prefix_past(self, prompts: list[list[int]]) -> tuple[int, dict[str, Any] | None]:
        """The KV cache of a prefix all prompts share, computed once, and its length.

        A batch's longest common prefix (the system prompt, mostly) is run once and its
        cache repeated for every row; the rows' own suffixes follow it after their left
        padding, which the attention mask hides. The last :data:`PREFIX_CACHE_SIZE`
        prefixes are kept, so a later call that starts with one reuses it, even a call of
        a single prompt.
        """
        if self._bound or not self._prefix_cache:
            return 0, None
        first, shortest = prompts[0], min(len(p) for p in prompts) - 1
        with self._prefix_lock:
            known = [k for k in self._prefixes if len(k) <= shortest]
            for key in sorted(known, key=len, reverse=True):
                if all(tuple(p[: len(key)]) == key for p in prompts):
                    return len(key), self._prefixes[key]
        if len(prompts) < 2:
            return 0, None
        shared = next(
            (i for i in range(shortest) if any(p[i] != first[i] for p in prompts)), shortest
        )
        if shared < MIN_SHARED_PREFIX:
            return 0, None
        ids = np.array([first[:shared]], dtype=np.int64)
        mask = np.ones_like(ids)
        empty = (1, self._kv_shape[0], 0, self._kv_shape[1])
        past = {name: np.zeros(empty, dtype=self._dtype) for name in self._past}
        _, past = self._run(ids, mask, np.arange(shared, dtype=np.int64)[None, :], past)
        with self._prefix_lock:
            self._prefixes[tuple(first[:shared])] = past
            while len(self._prefixes) > PREFIX_CACHE_SIZE:
                self._prefixes.pop(next(iter(self._prefixes)))
        return shared, past

    def _decode(
        self, prompts: list[list[int]], rows: list[_Row], params: GenerationParams, start: float
    ) -> None:
        shared, prefix = self._prefix_past(prompts)
        suffixes = [p[shared:] for p in prompts]
        n, width = len(prompts), max(len(p) for p in suffixes)
        ids = np.full((n, width), self.spec.pad_token_id, dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        for i, suffix in enumerate(suffixes):
            ids[i, width - len(suffix) :] = suffix
            mask[i, width - len(suffix) :] = 1
        positions = shared + np.maximum(mask.cumsum(axis=1) - 1, 0)
        past: dict[str, Any]
        if prefix is None:
            empty = (n, self._kv_shape[0], 0, self._kv_shape[1])
            past = {name: np.zeros(empty, dtype=self._dtype) for name in self._past}
        else:
            past = {name: np.repeat(value, n, axis=0) for name, value in prefix.items()}
            mask = np.concatenate([np.ones((n, shared), dtype=np.int64), mask], axis=1)
        active = np.arange(n)
        rngs = [np.random.default_rng(params.seed) for _ in range(n)]
        seen: np.ndarray | None = None
        deadline = None if params.timeout_s is None else start + params.timeout_s
        for step in range(params.max_new_tokens):
            logits, past = self._run(ids, mask, positions, past)
            if seen is None and params.repetition_penalty != 1.0:
                seen = np.zeros((n, logits.shape[-1]), dtype=bool)
                for i, prompt in enumerate(prompts):
                    seen[i, prompt] = True
            suppress = self._eos if step < params.min_new_tokens else None
            hit = None if seen is None else seen[active]
            chosen = _next_tokens(logits[:, -1], hit, [rngs[i] for i in active], params, suppress)
            now = time.perf_counter()
            for b, row in enumerate(active.tolist()):
                if rows[row].finish is None:
                    self._accept(rows[row], int(chosen[b]), params, now)
                    if seen is not None:
                        seen[row, chosen[b]] = True
            live = np.array([rows[i].finish is None for i in active])
            if not live.any():
                return
            if deadline is not None and now >= deadline:
                for i in active[live]:
                    rows[i].finish, rows[i].end = "timeout", now
                return
            if not self._bound and not live.all():
                active, ids, mask, positions = (a[live] for a in (active, chosen, mask, positions))
                past = {name: value[live] for name, value in past.items()}
            else:
                ids = np.where(live, chosen, self.spec.pad_token_id)
            ids = ids.reshape(-1, 1).astype(np.int64)
            positions = positions[:, -1:] + 1
            mask = np.concatenate([mask, np.ones((len(active), 1), dtype=np.int64)], axis=1)

    def _accept(self, row: _Row, token: int, params: GenerationParams, now: float) -> None:
        if token in self.spec.eos_token_ids:
            row.finish, row.end = "stop", now
            return
        row.ids.append(token)
        if params.stop:
            text = self.decode(row.ids)
            cuts = [text.find(s) for s in params.stop if s in text]
            if cuts:
                row.text, row.finish, row.end = text[: min(cuts)], "stop", now
                return
        if len(row.ids) >= params.max_new_tokens:
            row.finish, row.end = "length", now

    def _run(
        self, ids: np.ndarray, mask: np.ndarray, positions: np.ndarray, past: dict[str, Any]
    ) -> tuple[np.ndarray, dict[str, Any]]:
        feeds: dict[str, Any] = {"input_ids": ids, "attention_mask": mask}
        if self._position_ids:
            feeds["position_ids"] = positions
        if self._logits_to_keep:
            feeds[LOGITS_TO_KEEP] = _LAST_ONLY
        if not self._bound:
            outputs = self._session.run(["logits", *self._present], {**feeds, **past})
            return outputs[0], dict(zip(self._past, outputs[1:], strict=True))
        binding = self._session.io_binding()
        for name, value in {**feeds, **past}.items():
            if isinstance(value, np.ndarray):
                binding.bind_cpu_input(name, value)
            else:
                binding.bind_ortvalue_input(name, value)
        binding.bind_output("logits", "cpu")
        for name in self._present:
            binding.bind_output(name, self._device)
        self._session.run_with_iobinding(binding)
        outputs = binding.get_outputs()
        return outputs[0].numpy(), dict(zip(self._past, outputs[1:], strict=True))


def _next_tokens(
    logits: np.ndarray,
    seen: np.ndarray | None,
    rngs: list[np.random.Generator],
    params: GenerationParams,
    suppress: np.ndarray | None,
) -> np.ndarray:
    """One token per row: repetition penalty, eos suppression, then greedy or top-k/top-p."""
    scores = logits.astype(np.float32, copy=True)
    if seen is not None:
        penalty = params.repetition_penalty
        scores = np.where(seen, np.where(scores > 0, scores / penalty, scores * penalty), scores)
    if suppress is not None:
        scores[:, suppress] = -np.inf
    if params.temperature == 0.0:
        return scores.argmax(axis=-1)
    scores /= params.temperature
    vocab = scores.shape[-1]
    if 0 < params.top_k < vocab:
        kth = np.partition(scores, vocab - params.top_k, axis=-1)[:, vocab - params.top_k]
        scores = np.where(scores < kth[:, None], -np.inf, scores)
    probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    if params.top_p < 1.0:
        order = np.argsort(-probs, axis=-1, kind="stable")
        ranked = np.take_along_axis(probs, order, axis=-1)
        drop = np.cumsum(ranked, axis=-1) - ranked > params.top_p
        ranked[drop] = 0.0
        probs = np.zeros_like(probs)
        np.put_along_axis(probs, order, ranked, axis=-1)
        probs /= probs.sum(axis=-1, keepdims=True)
    cumulative = np.cumsum(probs, axis=-1)
    draws = np.array([rng.random() for rng in rngs]) * cumulative[:, -1]
    picks = [int(np.searchsorted(cumulative[b], draws[b], side="right")) for b in range(len(rngs))]
    return np.minimum(np.array(picks, dtype=np.int64), vocab - 1)
