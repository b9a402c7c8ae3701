"""Text classification on ONNX Runtime: tokenise → batch → run → softmax → label.

Runtime dependencies are onnxruntime, tokenizers and numpy only; torch and transformers are
never imported. The sentiment model has a three-class head (negative, neutral, positive)
whose logits are divided by a calibrated temperature before the softmax;
``Prediction.probabilities`` holds those probabilities and ``Prediction.score`` the one of
the chosen (arg-max) label. A manifest may instead describe a binary head with a *neutral
band* (models built before the three-class head): when P(positive) falls inside
``[lo, hi]`` the label is ``neutral`` and its score is ``1 - |P(positive) - P(negative)|``.

Inputs longer than one batch are run in batches of similar length (sorted by characters,
results put back in input order), so a short review is not padded to a long one's length.

A :class:`Classifier` may be shared by the threads of an executor: the ONNX Runtime session
is thread-safe and the tokenizer is guarded by a lock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.errors import ModelError
from models.manifest import Manifest
from models.registry import ModelHandle
from models.runtime import Device, SessionOptions, create_session, resolve_device
from models.tokenize import TextEncoder

log = logging.getLogger(__name__)

CUDA_PROVIDER = "CUDAExecutionProvider"


@dataclass(frozen=True)
class Prediction:
    """The label of one text, its score and the head's probabilities."""

    label: str
    score: float
    probabilities: dict[str, float]


@dataclass(frozen=True)
class ClassifierConfig:
    """The inference settings a classifier manifest records in ``config``.

    Attributes:
        max_length: longest token sequence; longer texts are truncated.
        head_labels: the label of each logit, in order.
        neutral_band: closed interval of P(``positive_label``) that maps to ``neutral_label``;
            ``None`` for a plain arg-max classifier.
        temperature: logits are divided by it before the softmax (calibration).
        batch_size: most texts per session run.
    """

    max_length: int
    head_labels: tuple[str, ...]
    neutral_band: tuple[float, float] | None = None
    neutral_label: str = "neutral"
    positive_label: str = "positive"
    temperature: float = 1.0
    batch_size: int = 64

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> ClassifierConfig:
        """Read the config of a classifier manifest.

        Raises:
            ModelError: the manifest is not a classifier or its config is inconsistent.
        """
        if manifest.kind != "classifier":
            msg = f"model {manifest.name} is a {manifest.kind}, not a classifier"
            raise ModelError(msg)
        config = manifest.config
        head = tuple(config.get("head_labels") or manifest.labels)
        band = config.get("neutral_band")
        result = cls(
            max_length=int(config.get("max_length", 128)),
            head_labels=head,
            neutral_band=(float(band[0]), float(band[1])) if band else None,
            neutral_label=str(config.get("neutral_label", "neutral")),
            positive_label=str(config.get("positive_label", "positive")),
            temperature=float(config.get("temperature", 1.0)),
            batch_size=int(config.get("batch_size", 64)),
        )
        if result.neutral_band and result.positive_label not in head:
            msg = f"model {manifest.name}: neutral band needs {result.positive_label!r} in {head}"
            raise ModelError(msg)
        return result


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / temperature`` in float64 (stable)."""
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=-1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True))


def decide(probabilities: np.ndarray, config: ClassifierConfig) -> list[Prediction]:
    """Labels for rows of head probabilities, applying the neutral band if there is one."""
    predictions: list[Prediction] = []
    head = config.head_labels
    positive = head.index(config.positive_label) if config.neutral_band else -1
    for row in probabilities:
        probs = {label: float(value) for label, value in zip(head, row, strict=True)}
        best = int(row.argmax())
        label, score = head[best], float(row[best])
        if config.neutral_band is not None:
            lo, hi = config.neutral_band
            p_pos = float(row[positive])
            if lo <= p_pos <= hi:
                label, score = config.neutral_label, 1.0 - abs(2.0 * p_pos - 1.0)
        predictions.append(Prediction(label=label, score=score, probabilities=probs))
    return predictions


class Classifier:
    """A classifier model on an ONNX Runtime session."""

    def __init__(
        self,
        session: Any,
        encoder: TextEncoder,
        config: ClassifierConfig,
        *,
        provider: str,
        variant: str,
        name: str = "",
        version: str = "",
    ) -> None:
        self._session = session
        self._encoder = encoder
        self.config = config
        self.provider = provider
        self.variant = variant
        self.name = name
        self.version = version
        self._inputs = {node.name: node.type for node in session.get_inputs()}
        self._output = session.get_outputs()[0].name

    @classmethod
    def load(
        cls,
        handle: ModelHandle,
        device: Device = "auto",
        variant: str | None = None,
        *,
        intra_op_threads: int = 0,
    ) -> Classifier:
        """Open a classifier from a resolved model directory.

        Args:
            handle: the verified model directory.
            device: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
            variant: ``fp32``/``int8``/``fp16``; ``None`` takes the manifest's default for
                the device that is actually used.
            intra_op_threads: ONNX Runtime intra-op threads (0: its default).

        Raises:
            ModelNotFoundError: the variant or the tokenizer is missing.
            ModelError: the manifest is not a usable classifier.
        """
        manifest = handle.manifest
        config = ClassifierConfig.from_manifest(manifest)
        resolved = resolve_device(device)
        chosen = variant or manifest.default_variant.get(resolved, "fp32")
        options = SessionOptions(device=resolved, intra_op_threads=intra_op_threads)
        session, provider = create_session(handle.onnx_path(chosen), options)
        if resolved == "cuda" and provider != CUDA_PROVIDER and variant is None:
            # The CUDA provider was listed but did not start: use the CPU default instead of
            # running the GPU variant (fp16) slowly on the CPU.
            fallback = manifest.default_variant.get("cpu", "fp32")
            if fallback != chosen:
                log.warning(
                    "classifier.fallback wanted=%s using=%s provider=%s", chosen, fallback, provider
                )
                chosen = fallback
                session, provider = create_session(
                    handle.onnx_path(chosen), SessionOptions("cpu", intra_op_threads)
                )
        encoder = TextEncoder.from_dir(handle.directory, config.max_length)
        log.info(
            "classifier.loaded name=%s version=%s variant=%s provider=%s",
            manifest.name,
            manifest.version,
            chosen,
            provider,
        )
        return cls(
            session,
            encoder,
            config,
            provider=provider,
            variant=chosen,
            name=manifest.name,
            version=manifest.version,
        )

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label :meth:`predict` may return."""
        if self.config.neutral_band is None:
            return self.config.head_labels
        return (*self.config.head_labels, self.config.neutral_label)

    @property
    def mask_token(self) -> str | None:
        """The mask token of the model's tokenizer, if it has one."""
        return self._encoder.mask_token

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw head logits, shape ``(len(texts), len(head_labels))``."""
        width = len(self.config.head_labels)
        if not texts:
            return np.zeros((0, width), dtype=np.float32)
        step = max(1, self.config.batch_size)
        order = (
            np.argsort([len(text) for text in texts], kind="stable")
            if len(texts) > step
            else np.arange(len(texts))
        )
        result = np.zeros((len(texts), width), dtype=np.float32)
        for start in range(0, len(texts), step):
            rows = order[start : start + step]
            encoded = self._encoder.encode([texts[int(i)] for i in rows], self._inputs)
            feed = {name: encoded[name] for name in self._inputs if name in encoded}
            out = self._session.run([self._output], feed)[0]
            result[rows] = np.asarray(out, dtype=np.float32)
        return result

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated head probabilities, rows summing to 1."""
        return softmax(self.logits(texts), self.config.temperature)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One :class:`Prediction` per text, in order."""
        return decide(self.probabilities(texts), self.config)

    def warmup(self, batch_sizes: Sequence[int] = (1, 8)) -> None:
        """Run a few batches so the first real request does not pay for lazy initialisation."""
        for size in batch_sizes:
            self.predict(["warm-up review of a product, nothing more"] * size)
        log.info("classifier.warmup name=%s batch_sizes=%s", self.name, list(batch_sizes))
