"""Errors of the model registry and runtime."""

from __future__ import annotations

from streams.errors import ShopstreamError


class ModelError(ShopstreamError):
    """Base of model registry and inference errors."""


class ModelNotFoundError(ModelError):
    """No model is registered for a task, or its files are missing."""


class ModelCorruptError(ModelError):
    """A model file does not match the sha256 its manifest records."""


class RuntimeUnavailableError(ModelError):
    """No ONNX Runtime build (onnxruntime or onnxruntime-gpu) is installed."""


class GenerationTimeoutError(ModelError):
    """Generation ran past its deadline."""

    retriable = True
