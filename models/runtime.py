"""ONNX Runtime sessions: execution-provider choice, threads, warm-up."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from models.errors import RuntimeUnavailableError

if TYPE_CHECKING:
    import onnxruntime as ort

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]


def _ort() -> Any:
    try:
        import onnxruntime
    except ImportError as exc:  # pragma: no cover - depends on the install
        msg = "no ONNX Runtime installed: install shopstream[cpu] or shopstream[gpu]"
        raise RuntimeUnavailableError(msg) from exc
    return onnxruntime


@dataclass(frozen=True)
class SessionOptions:
    """How to build a session."""

    device: Device = "auto"
    intra_op_threads: int = 0
    inter_op_threads: int = 1


def available_providers() -> list[str]:
    """Execution providers this ONNX Runtime build offers."""
    return list(_ort().get_available_providers())


def resolve_device(device: Device) -> Literal["cpu", "cuda"]:
    """Pick the device: CUDA when present and asked for (or ``auto``), else CPU, logged."""
    providers = available_providers()
    has_cuda = "CUDAExecutionProvider" in providers
    if device == "cuda" and not has_cuda:
        log.warning(
            "runtime.fallback wanted=cuda using=cpu reason=CUDAExecutionProvider-unavailable "
            "providers=%s",
            ",".join(providers),
        )
        return "cpu"
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    return device


def create_session(path: Path, options: SessionOptions) -> tuple[ort.InferenceSession, str]:
    """Open an ONNX model on the chosen device; returns the session and its active provider."""
    ort_module = _ort()
    device = resolve_device(options.device)
    so = ort_module.SessionOptions()
    so.graph_optimization_level = ort_module.GraphOptimizationLevel.ORT_ENABLE_ALL
    if options.intra_op_threads:
        so.intra_op_num_threads = options.intra_op_threads
    so.inter_op_num_threads = options.inter_op_threads
    so.log_severity_level = 3
    providers: list[str] = ["CPUExecutionProvider"]
    if device == "cuda":
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    session = ort_module.InferenceSession(str(path), sess_options=so, providers=providers)
    active = session.get_providers()[0]
    log.info("runtime.session path=%s provider=%s", path.name, active)
    return session, active
