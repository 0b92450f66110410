r"""An on-disk cache of what is built from a data folder (the graph as N-Triples).

``gutbone sparql`` used to rebuild the graph from the tables on every call (1-2 s of
CPU for a 1 ms query). The built graph is now kept under :func:`cache_dir`, in a folder
named by a hash of everything it depends on (:func:`cache_key`): every file of the data
folder, every file of the ontology, the gutbone version and the package's own source
files (so a changed table, shape or builder never serves a stale graph).

Concurrent runs are safe without a lock: each run that misses builds into its own
temporary folder and renames it into place; the first rename wins, later runs discard
their copy and read the winner's. Readers see a whole entry or none. The newest
:data:`KEEP` entries are kept. A cache that cannot be written (read-only home, full disk)
is skipped, never an error.

>>> import os, tempfile, pathlib
>>> os.environ[CACHE_ENV] = tempfile.mkdtemp()
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "sources.csv").write_text("id\n")
>>> calls = []
>>> def build() -> bytes:
...     calls.append(1)
...     return b"built"
>>> cached_bytes("demo.txt", folder, build), cached_bytes("demo.txt", folder, build)
(b'built', b'built')
>>> len(calls)
1
>>> _ = (folder / "sources.csv").write_text("id\nx\n")
>>> cached_bytes("demo.txt", folder, build), len(calls)
(b'built', 2)
>>> del os.environ[CACHE_ENV]
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from gutbone.resources import ontology_dir

__all__ = ["CACHE_ENV", "KEEP", "cache_dir", "cache_key", "cached_bytes"]

#: Environment variable naming the cache folder.
CACHE_ENV = "GUTBONE_CACHE_DIR"
#: How many cache entries (data-folder versions) are kept.
KEEP = 8
#: A temporary folder older than this (seconds) was left by a killed run.
_STALE_SECONDS = 3600.0

_PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``$GUTBONE_CACHE_DIR``, else ``$XDG_CACHE_HOME/gutbone``, else ``~/.cache/gutbone``."""
    given = os.environ.get(CACHE_ENV)
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "gutbone"


def _files(root: Path, pattern: str) -> Iterator[Path]:
    """Files under ``root`` matching ``pattern``, sorted.

    Hidden files, ``__pycache__`` and ``_bundled`` (the packaged data: hashed as the data
    folder when it is the one used) are left out.
    """
    for path in sorted(root.rglob(pattern)):
        relative = path.relative_to(root).parts
        if any(part.startswith(".") or part in ("__pycache__", "_bundled") for part in relative):
            continue
        if path.is_file():
            yield path


def _hash_folder(update: Callable[[bytes], None], label: str, root: Path, pattern: str) -> None:
    for path in _files(root, pattern):
        content = path.read_bytes()
        name = path.relative_to(root).as_posix()
        update(f"{label}/{name}\0{len(content)}\0".encode())
        update(content)


def cache_key(data_root: str | os.PathLike[str]) -> str:
    """The hash naming the cache entry of ``data_root`` (hex, 32 characters).

    :raises OSError: a file of the data folder cannot be read.
    """
    from gutbone import __version__

    digest = hashlib.sha256(f"gutbone {__version__}\0".encode())
    _hash_folder(digest.update, "data", Path(data_root), "*")
    _hash_folder(digest.update, "ontology", ontology_dir(), "*")
    _hash_folder(digest.update, "code", _PACKAGE, "*.py")
    return digest.hexdigest()[:32]


def _prune(root: Path, keep: Path) -> None:
    """Remove all but the newest :data:`KEEP` entries and stale temporary folders."""
    now = time.time()
    entries: list[tuple[float, Path]] = []
    for path in root.iterdir():
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # removed by a concurrent run
            continue
        if path.name.startswith(".tmp-") and now - mtime > _STALE_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith("graph-") and path != keep:
            entries.append((mtime, path))
    for _, path in sorted(entries, reverse=True)[KEEP - 1 :]:
        shutil.rmtree(path, ignore_errors=True)


def _store(root: Path, entry: Path, name: str, content: bytes) -> None:
    """Write ``entry/name`` through a temporary folder and one rename (first one wins)."""
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()
    try:
        (staging / name).write_bytes(content)
        try:
            os.rename(staging, entry)
        except OSError:
            if not (entry / name).is_file():  # not "another run won": a real failure
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(root, entry)


def cached_bytes(
    name: str, data_root: str | os.PathLike[str], build: Callable[[], bytes]
) -> bytes:
    """The bytes ``build()`` returns for ``data_root``, from the cache when it has them.

    :param name: the file name of this product inside a cache entry (e.g. ``graph.nt``).
    :param data_root: the data folder the product is built from.
    :param build: makes the product (called only on a miss; its errors propagate).
    """
    root = cache_dir()
    try:
        entry = root / f"graph-{cache_key(data_root)}"
    except OSError:
        return build()  # unreadable data folder: let the build report it
    try:
        content = (entry / name).read_bytes()
        os.utime(entry)  # most recently used: kept longest
        return content
    except OSError:
        pass
    content = build()
    try:
        _store(root, entry, name, content)
    except OSError:
        pass  # the cache is an optimisation: an unwritable cache only costs time
    return content
