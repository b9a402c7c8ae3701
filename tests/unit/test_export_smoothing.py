"""Activation smoothing: the fp32 function is kept and dynamic int8 loses less on outliers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from export.onnx_export import quantize_int8
from export.smoothing import smooth_activations, smoothing_scales, weighted_matmuls

HIDDEN = 32


def _two_layer_model(path: Path, rng: np.random.Generator) -> None:
    """x → (q, k: two MatMuls reading x) → sum → relu → MatMul → y; weights are constants."""
    weights = {
        name: rng.normal(0, 0.2, (HIDDEN, HIDDEN)).astype(np.float32) for name in ("wq", "wk", "wo")
    }
    nodes = [
        helper.make_node("MatMul", ["x", "wq"], ["q"], name="q"),
        helper.make_node("MatMul", ["x", "wk"], ["k"], name="k"),
        helper.make_node("Add", ["q", "k"], ["s"], name="sum"),
        helper.make_node("Relu", ["s"], ["h"], name="relu"),
        helper.make_node("MatMul", ["h", "wo"], ["y"], name="out"),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", HIDDEN])],
        [numpy_helper.from_array(w, name) for name, w in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    onnx.checker.check_model(model)
    onnx.save_model(model, str(path))


def _inputs(rng: np.random.Generator, rows: int) -> np.ndarray:
    x = rng.normal(0, 1, (rows, 6, HIDDEN)).astype(np.float32)
    x[:, :, 3] *= 60.0  # one outlier channel, as LayerNorm outputs have
    return x


def _run(path: Path, x: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"x": x})[0])


def test_scales_follow_the_rule_and_leave_dead_channels_alone() -> None:
    scales = smoothing_scales(np.array([4.0, 0.0, 1.0]), np.array([1.0, 2.0, 0.25]), alpha=0.5)
    np.testing.assert_allclose(scales, [2.0, 1.0, 2.0], rtol=1e-6)
    assert smoothing_scales(np.array([9.0]), np.array([3.0]), alpha=0.0)[0] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="alpha"):
        smoothing_scales(np.array([1.0]), np.array([1.0]), alpha=1.5)


def test_smoothing_keeps_the_fp32_function_and_shares_one_factor_per_activation(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    src, dst = tmp_path / "model.onnx", tmp_path / "smoothed.onnx"
    _two_layer_model(src, rng)
    calibration = [{"x": _inputs(rng, 8)} for _ in range(3)]
    report = smooth_activations(src, dst, calibration, alpha=0.5)
    assert (report.activations, report.matmuls, report.calibration_rows) == (2, 3, 24)
    assert report.largest_scale > 2.0  # the outlier channel was moved into the weights
    smoothed = onnx.load(str(dst))
    onnx.checker.check_model(smoothed)
    muls = [node for node in smoothed.graph.node if node.op_type == "Mul"]
    assert len(muls) == 2  # q and k read x through one shared Mul
    assert weighted_matmuls(smoothed.graph).keys() == {mul.output[0] for mul in muls}
    x = _inputs(rng, 4)
    np.testing.assert_allclose(_run(dst, x), _run(src, x), rtol=1e-4, atol=1e-4)


def test_smoothing_cuts_the_int8_error_of_an_outlier_channel(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    src = tmp_path / "model.onnx"
    _two_layer_model(src, rng)
    smooth_activations(src, tmp_path / "smoothed.onnx", [{"x": _inputs(rng, 16)}], alpha=0.5)
    quantize_int8(src, tmp_path / "plain.int8.onnx")
    quantize_int8(tmp_path / "smoothed.onnx", tmp_path / "smoothed.int8.onnx")
    x = _inputs(rng, 8)
    reference = _run(src, x)
    plain = np.abs(_run(tmp_path / "plain.int8.onnx", x) - reference).mean()
    smoothed = np.abs(_run(tmp_path / "smoothed.int8.onnx", x) - reference).mean()
    assert smoothed < 0.6 * plain
