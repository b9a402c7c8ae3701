"""Give a WordPiece vocabulary the characters a corpus needs, in its reserved slots.

The uncased BERT vocabulary of MiniLM holds only 244 CJK characters: 是, 了, 很 and 好 are
all ``[UNK]``, so 29 % of the tokens of the Chinese reviews are unknown. BERT-style
vocabularies reserve ``[unusedN]`` entries for exactly this: here the most frequent unknown
characters of the training texts (CJK ideographs and punctuation, which the BERT
pre-tokenizer always isolates) take those slots, in ``tokenizer.json`` and ``vocab.txt``
alike. The vocabulary size, and with it the embedding matrix, stays the same; the caller
starts the new rows from the ``[UNK]`` embedding, which is what the model saw for them
before. Vocabularies without such slots (or without unknown characters) are left as they are.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

UNUSED_SLOT = re.compile(r"^\[unused\d+\]$")
_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
)


def is_isolated_char(char: str) -> bool:
    """Whether the BERT pre-tokenizer always makes ``char`` a token of its own."""
    code = ord(char)
    if any(lo <= code <= hi for lo, hi in _CJK_RANGES):
        return True
    return unicodedata.category(char).startswith("P")


def fill_unused_slots(
    directory: Path, texts: Iterable[str], *, min_count: int = 5
) -> dict[int, str]:
    """Replace ``[unusedN]`` entries with the most frequent unknown isolated characters.

    Args:
        directory: a saved fast tokenizer (``tokenizer.json``, optionally ``vocab.txt``),
            rewritten in place.
        texts: the training texts whose characters count.
        min_count: characters seen fewer times are not worth a slot.

    Returns:
        The token id each new character got (empty when nothing changed).
    """
    from tokenizers import Tokenizer

    path = directory / "tokenizer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    model = data.get("model", {})
    if model.get("type") != "WordPiece":
        return {}
    vocab: dict[str, int] = model["vocab"]
    slots = sorted(index for token, index in vocab.items() if UNUSED_SLOT.match(token))
    if not slots:
        return {}
    tokenizer = Tokenizer.from_str(json.dumps(data))
    normalize = tokenizer.normalizer.normalize_str if tokenizer.normalizer else (lambda s: s)
    counts = Counter(char for text in texts for char in normalize(text) if is_isolated_char(char))
    chosen = [
        char
        for char, count in counts.most_common()
        # The BERT normaliser pads CJK characters with spaces; anything else it changes
        # (case, accents) would never reach the vocabulary in this form.
        if count >= min_count and char not in vocab and normalize(char).strip() == char
    ][: len(slots)]
    if not chosen:
        return {}
    by_id = {index: token for token, index in vocab.items()}
    added = dict(zip(slots, chosen, strict=False))
    for index, char in added.items():
        del vocab[by_id[index]]
        vocab[char] = index
        by_id[index] = char
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    vocab_txt = directory / "vocab.txt"
    if vocab_txt.is_file():
        lines = [by_id[i] for i in range(len(by_id))]
        vocab_txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log.info(
        "vocab.filled slots=%d added=%d rarest_count=%d",
        len(slots),
        len(added),
        counts[chosen[-1]],
    )
    return added
