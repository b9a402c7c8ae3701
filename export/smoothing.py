"""Activation smoothing before dynamic int8: move activation outliers into the weights.

Dynamic int8 quantises each MatMul's activation with one range per batch tensor, so a few
channels with large values (LayerNorm and GELU outputs have them) coarsen the grid for every
other channel and every other row of the batch. Smoothing divides each input channel of the
activation by a factor ``s`` and multiplies the matching weight row by it, which leaves the
fp32 product unchanged and balances the two ranges; weights keep a scale per output channel,
so they absorb the larger rows with little loss. The idea is SmoothQuant's (Xiao et al.,
2022, ``s = max|X|^alpha / max|W|^(1 - alpha)``). BERT's LayerNorm output also feeds the
residual sum, so the division cannot be folded into the LayerNorm and is an explicit ``Mul``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MIN_SCALE = 1e-2
MAX_SCALE = 1e2


@dataclass(frozen=True)
class SmoothingReport:
    """What :func:`smooth_activations` changed.

    Attributes:
        alpha: the migration strength (0: no change, 1: all of the range into the weights).
        activations: activation tensors smoothed.
        matmuls: MatMul nodes whose weights were rescaled.
        largest_scale: the largest factor applied to any channel.
        calibration_rows: texts the activation ranges were measured on.
    """

    alpha: float
    activations: int
    matmuls: int
    largest_scale: float
    calibration_rows: int

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-friendly values."""
        return asdict(self)


def weighted_matmuls(graph: Any) -> dict[str, list[Any]]:
    """MatMul nodes with a 2-D constant weight, grouped by the activation they read.

    A weight shared with another node is left out: rescaling it would change that node too.
    """
    initializers = {init.name: init for init in graph.initializer}
    uses: dict[str, int] = defaultdict(int)
    for node in graph.node:
        for name in node.input:
            uses[name] += 1
    groups: dict[str, list[Any]] = defaultdict(list)
    for node in graph.node:
        if node.op_type != "MatMul" or len(node.input) != 2:
            continue
        weight = initializers.get(node.input[1])
        if weight is None or len(weight.dims) != 2 or uses[node.input[1]] != 1:
            continue
        groups[node.input[0]].append(node)
    return dict(groups)


def channel_ranges(
    source: Any, tensors: Sequence[str], feeds: Sequence[Mapping[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Largest absolute value of each last-axis channel of ``tensors`` over all ``feeds``.

    ``source`` (an ``onnx.ModelProto``) is left as it is: the extra outputs go on a copy.
    Padding positions count: dynamic quantisation sees them too.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.ModelProto()
    model.CopyFrom(source)
    declared = {output.name for output in model.graph.output}
    for name in tensors:
        if name not in declared:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    # Unoptimised, so that every intermediate tensor keeps its name.
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    wanted = {node.name for node in session.get_inputs()}
    names = list(tensors)
    ranges: dict[str, np.ndarray] = {}
    for feed in feeds:
        values = session.run(names, {k: v for k, v in feed.items() if k in wanted})
        for name, value in zip(names, values, strict=True):
            array = np.abs(np.asarray(value, dtype=np.float32))
            peak = array.reshape(-1, array.shape[-1]).max(axis=0)
            ranges[name] = np.maximum(ranges[name], peak) if name in ranges else peak
    return ranges


def smoothing_scales(
    activation_range: np.ndarray, weight_range: np.ndarray, alpha: float
) -> np.ndarray:
    """Per-channel factors ``max|X|^alpha / max|W|^(1 - alpha)``, clipped to a sane band.

    A channel that is never active (range 0) keeps the factor 1.
    """
    if not 0.0 <= alpha <= 1.0:
        msg = f"alpha must be within [0, 1], got {alpha}"
        raise ValueError(msg)
    act = np.asarray(activation_range, dtype=np.float64)
    wgt = np.asarray(weight_range, dtype=np.float64)
    live = (act > 0) & (wgt > 0)
    scales = np.ones_like(act)
    scales[live] = act[live] ** alpha / wgt[live] ** (1.0 - alpha)
    return np.clip(scales, MIN_SCALE, MAX_SCALE).astype(np.float32)


def smooth_activations(
    src: Path, dst: Path, feeds: Sequence[Mapping[str, np.ndarray]], *, alpha: float
) -> SmoothingReport:
    """Write ``dst``: ``src`` with every constant-weight MatMul's input channels smoothed.

    The fp32 function is unchanged up to rounding; only the split of range between
    activations and weights moves, ahead of :func:`export.onnx_export.quantize_int8`.

    Args:
        src: an fp32 ONNX model.
        dst: where the smoothed fp32 model goes.
        feeds: tokenised calibration batches (never the evaluation texts).
        alpha: migration strength in ``[0, 1]``.
    """
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    groups = weighted_matmuls(graph)
    ranges = channel_ranges(model, list(groups), feeds)
    initializers = {init.name: init for init in graph.initializer}
    largest = 1.0
    muls: dict[str, Any] = {}
    for index, (activation, nodes) in enumerate(sorted(groups.items())):
        weights = {node.name: numpy_helper.to_array(initializers[node.input[1]]) for node in nodes}
        weight_range = np.max([np.abs(w).max(axis=1) for w in weights.values()], axis=0)
        scales = smoothing_scales(ranges[activation], weight_range, alpha)
        largest = max(largest, float(scales.max()), float(1.0 / scales.min()))
        inverse = f"smooth/{index}/inverse"
        smoothed = f"smooth/{index}/output"
        inverse_scales = (1.0 / scales).astype(np.float32)
        graph.initializer.append(numpy_helper.from_array(inverse_scales, inverse))
        muls[smoothed] = onnx.helper.make_node(
            "Mul", [activation, inverse], [smoothed], name=f"smooth/{index}"
        )
        for node in nodes:
            init = initializers[node.input[1]]
            scaled = (weights[node.name] * scales[:, None]).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(scaled, init.name))
            node.input[0] = smoothed
    _insert_before_consumers(graph, muls)
    dst.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(model, str(dst))
    rows = sum(int(next(iter(feed.values())).shape[0]) for feed in feeds)
    report = SmoothingReport(
        alpha=alpha,
        activations=len(groups),
        matmuls=sum(len(nodes) for nodes in groups.values()),
        largest_scale=round(largest, 3),
        calibration_rows=rows,
    )
    log.info("export.smooth dst=%s %s", dst.name, report.as_dict())
    return report


def _insert_before_consumers(graph: Any, muls: Mapping[str, Any]) -> None:
    """Place each smoothing ``Mul`` right before the first node that reads its output."""
    ordered: list[Any] = []
    placed: set[str] = set()
    for node in graph.node:
        for name in node.input:
            if name in muls and name not in placed:
                ordered.append(muls[name])
                placed.add(name)
        ordered.append(node)
    del graph.node[:]
    graph.node.extend(ordered)  # extend copies each message back in
