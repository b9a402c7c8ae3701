"""Graph edits to an exported causal LM before it is quantised.

optimum's decoder graph projects every position onto the vocabulary, but generation reads
only the last position's logits. On a prompt of a few hundred tokens the vocabulary
projection is a large share of the prefill (Qwen2.5-0.5B: 136 M of its 494 M weights, a
151,936-wide output per position), so :func:`keep_last_logits` adds an input that slices
the hidden states before the projection, as ``logits_to_keep`` does in transformers: ``k``
keeps the last ``k`` positions and 0 keeps them all (validation compares every position).
"""

from __future__ import annotations

import logging
from pathlib import Path

from models.generator import LOGITS_TO_KEEP

log = logging.getLogger(__name__)

LOGITS = "logits"


def keep_last_logits(path: Path) -> bool:
    """Give the graph at ``path`` a ``logits_to_keep`` input (shape ``[1]``, int64), in place.

    The weights stay where they are (an external data file is not rewritten).

    Returns:
        Whether the graph changed (``False``: it had the input already).

    Raises:
        ValueError: no node produces ``logits`` from the hidden states.
    """
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(str(path), load_external_data=False)
    graph = model.graph
    if any(value.name == LOGITS_TO_KEEP for value in graph.input):
        return False
    heads = [node for node in graph.node if LOGITS in node.output]
    if len(heads) != 1 or heads[0].op_type != "MatMul":
        msg = f"{path.name}: expected one MatMul producing {LOGITS!r}, found {heads}"
        raise ValueError(msg)
    head = heads[0]
    graph.input.append(helper.make_tensor_value_info(LOGITS_TO_KEEP, TensorProto.INT64, [1]))
    graph.initializer.extend(
        [
            helper.make_tensor("logits_to_keep/end", TensorProto.INT64, [1], [2**62]),
            helper.make_tensor("logits_to_keep/axis", TensorProto.INT64, [1], [1]),
        ]
    )
    # Slice from -k to the end of the sequence axis; -0 is 0, so k = 0 keeps every position.
    start = helper.make_node(
        "Neg", [LOGITS_TO_KEEP], ["logits_to_keep/start"], name="logits_to_keep/neg"
    )
    kept = helper.make_node(
        "Slice",
        [head.input[0], "logits_to_keep/start", "logits_to_keep/end", "logits_to_keep/axis"],
        ["logits_to_keep/hidden"],
        name="logits_to_keep/slice",
    )
    head.input[0] = "logits_to_keep/hidden"
    at = list(graph.node).index(head)
    graph.node.insert(at, kept)
    graph.node.insert(at, start)
    onnx.save_model(model, str(path))
    log.info("export.logits_to_keep file=%s head=%s", path.name, head.name)
    return True
