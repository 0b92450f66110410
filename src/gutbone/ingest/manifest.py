"""The MANIFEST of a bundled raw source: where its files come from, their licence and sha256.

Each folder ``data/external/<source>/`` holds the raw files of one source unchanged, their
licence file and a ``MANIFEST``: ``key: value`` lines, then ``files:`` and one line per raw
file, ``sha256  path  origin-path`` (two spaces between fields; ``path`` relative to the
folder, ``origin-path`` inside the origin repository). Lines starting with ``#`` are comments.

>>> text = '''source: demo
... origin: owner/repo
... commit: 0123456789abcdef0123456789abcdef01234567
... license: CC0-1.0
... license_file: LICENSE
... retrieved: 2026-12-02
... files:
... e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt  data/a.txt
... '''
>>> manifest = parse_manifest(text, "MANIFEST")
>>> manifest.license, manifest.files[0].path, manifest.files[0].line
('CC0-1.0', 'a.txt', 8)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from gutbone.errors import IngestError, Problem

__all__ = ["ManifestFile", "Manifest", "parse_manifest", "read_manifest", "verify_files", "sha256"]

_KEYS = ("source", "origin", "commit", "license", "license_file", "retrieved")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ManifestFile:
    """One raw file listed in a MANIFEST."""

    sha256: str
    path: str
    origin_path: str
    line: int


@dataclass(frozen=True)
class Manifest:
    """What a MANIFEST says about one bundled source."""

    source: str
    origin: str
    commit: str
    license: str
    license_file: str
    retrieved: str
    files: tuple[ManifestFile, ...]
    name: str = "MANIFEST"

    @property
    def version(self) -> str:
        """``owner/repo@commit`` of the origin (the version ingested rows carry)."""
        return f"{self.origin}@{self.commit}"

    def file(self, path: str) -> ManifestFile | None:
        """The entry of a raw file, by its path relative to the source folder."""
        return next((item for item in self.files if item.path == path), None)


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _check_value(key: str, value: str) -> str | None:
    pattern = {"commit": _COMMIT, "retrieved": _DATE}.get(key)
    if pattern is not None and not pattern.match(value):
        expected = "a 40-digit commit" if key == "commit" else "a YYYY-MM-DD date"
        return f"{value!r} is not {expected}"
    return None


def parse_manifest(text: str, name: str) -> Manifest:
    """Parse a MANIFEST's text.

    :param text: the file's content.
    :param name: the file name used in error messages.
    :raises IngestError: naming every malformed line.
    """
    problems: list[Problem] = []
    values: dict[str, str] = {}
    files: list[ManifestFile] = []
    in_files = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if in_files:
            parts = re.split(r"\s{2,}|\t", line)
            if len(parts) != 3 or not _SHA256.match(parts[0]):
                problems.append(
                    Problem(name, number, "files", "expected 'sha256  path  origin-path'")
                )
                continue
            files.append(ManifestFile(parts[0], parts[1], parts[2], number))
        elif line == "files:":
            in_files = True
        elif ":" in line:
            key, value = (part.strip() for part in line.split(":", 1))
            if key not in _KEYS:
                problems.append(
                    Problem(name, number, key, f"unknown key (expected: {', '.join(_KEYS)})")
                )
                continue
            message = _check_value(key, value)
            if message:
                problems.append(Problem(name, number, key, message))
            values[key] = value
        else:
            problems.append(Problem(name, number, "-", "expected 'key: value' or 'files:'"))
    for key in _KEYS:
        if not values.get(key):
            problems.append(Problem(name, 0, key, "missing"))
    if not files:
        problems.append(Problem(name, 0, "files", "no raw file listed"))
    if problems:
        raise IngestError(problems)
    return Manifest(files=tuple(files), name=name, **{key: values[key] for key in _KEYS})


def read_manifest(folder: Path, display: str) -> Manifest:
    """Read ``folder/MANIFEST``; ``display`` is the folder as error messages name it."""
    name = f"{display}/MANIFEST"
    try:
        text = (folder / "MANIFEST").read_text(encoding="utf-8")
    except OSError as exc:
        raise IngestError([Problem(name, 0, "-", f"cannot read: {exc.strerror}")]) from None
    return parse_manifest(text, name)


def verify_files(manifest: Manifest, folder: Path, display: str) -> None:
    """Check that every listed raw file (and the licence file) is there, unchanged.

    :raises IngestError: ``file:0:sha256: ...`` for each changed file, naming the MANIFEST
        line that records the expected checksum.
    """
    problems: list[Problem] = []
    if not (folder / manifest.license_file).is_file():
        problems.append(
            Problem(f"{display}/{manifest.license_file}", 0, "-", "licence file missing")
        )
    for item in manifest.files:
        path = folder / item.path
        shown = f"{display}/{item.path}"
        if not path.is_file():
            problems.append(
                Problem(shown, 0, "-", f"missing (listed at {manifest.name}:{item.line})")
            )
            continue
        actual = sha256(path)
        if actual != item.sha256:
            problems.append(
                Problem(
                    shown,
                    0,
                    "sha256",
                    f"{actual} differs from {item.sha256} recorded at {manifest.name}:{item.line}"
                    " (the raw file was changed or corrupted)",
                )
            )
    if problems:
        raise IngestError(problems)
