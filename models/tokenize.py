"""Text → ONNX model inputs with the ``tokenizers`` library (Rust; no torch, no transformers)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelNotFoundError

log = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
_DTYPES: dict[str, type[np.signedinteger[Any]]] = {
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}


def _pad_token(directory: Path) -> str | None:
    for name in ("special_tokens_map.json", "tokenizer_config.json"):
        path = directory / name
        if not path.is_file():
            continue
        value = json.loads(path.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str):
            return value
    return None


class TextEncoder:
    """Tokenises a batch, pads it to its longest text and truncates to ``max_length``.

    The Rust tokenizer is shared by threads; a lock keeps concurrent calls from tripping over
    its interior state, and costs little next to the model run it precedes.
    """

    def __init__(self, tokenizer: Any, max_length: int) -> None:
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        self.max_length = max_length

    @classmethod
    def from_dir(cls, directory: Path, max_length: int) -> TextEncoder:
        """Load ``tokenizer.json`` of a model directory and set padding and truncation.

        Raises:
            ModelNotFoundError: the directory has no ``tokenizer.json``.
        """
        from tokenizers import Tokenizer

        path = directory / TOKENIZER_FILE
        if not path.is_file():
            msg = f"{directory} has no {TOKENIZER_FILE}"
            raise ModelNotFoundError(msg)
        tokenizer = Tokenizer.from_file(str(path))
        pad_token = _pad_token(directory) or "[PAD]"
        pad_id = tokenizer.token_to_id(pad_token)
        tokenizer.enable_padding(pad_id=pad_id if pad_id is not None else 0, pad_token=pad_token)
        tokenizer.enable_truncation(max_length=max_length)
        return cls(tokenizer, max_length)

    @property
    def mask_token(self) -> str | None:
        """The tokenizer's mask token (``[MASK]`` for BERT, ``<mask>`` for MPNet), if any."""
        for candidate in ("[MASK]", "<mask>"):
            if self._tokenizer.token_to_id(candidate) is not None:
                return candidate
        return None

    def encode(
        self, texts: Sequence[str], dtypes: dict[str, str] | None = None
    ) -> dict[str, np.ndarray]:
        """Model inputs for a batch: ``input_ids``, ``attention_mask``, ``token_type_ids``.

        Args:
            texts: the batch.
            dtypes: ONNX input types by name (``tensor(int64)``/``tensor(int32)``); int64 when
                a name is not listed.
        """
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        wanted = dtypes or {}
        columns = {
            "input_ids": [e.ids for e in encodings],
            "attention_mask": [e.attention_mask for e in encodings],
            "token_type_ids": [e.type_ids for e in encodings],
        }
        return {
            name: np.asarray(rows, dtype=_DTYPES.get(wanted.get(name, ""), np.int64))
            for name, rows in columns.items()
        }
