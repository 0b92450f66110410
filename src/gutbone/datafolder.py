"""Which data folder a command or :func:`gutbone.load` reads, and ``gutbone init``.

One rule, the same for every command and for the Python API:

1. the folder given (``--data DIR``, ``gutbone.load(data=DIR)``);
2. else the current folder, when it holds gutbone tables (a curator working inside the
   folder ``gutbone init`` made);
3. else ``./data``, when it holds gutbone tables (a source checkout, or a project that
   keeps its tables in ``data/``);
4. else the tables bundled with gutbone.

A folder "holds gutbone tables" when it has a ``sources.csv`` file.

>>> import tempfile, pathlib
>>> empty = pathlib.Path(tempfile.mkdtemp())
>>> choice = resolve_data_folder(None, cwd=empty)
>>> choice.reason, choice.path == bundled_data_dir()
('bundled', True)
>>> made = init_data_folder(empty / "mine")
>>> resolve_data_folder(None, cwd=made).reason
'current folder'
>>> resolve_data_folder(made, cwd=empty).reason
'given'
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gutbone.errors import GutboneError
from gutbone.resources import data_dir

__all__ = [
    "DataFolder",
    "DataFolderError",
    "bundled_data_dir",
    "holds_tables",
    "init_data_folder",
    "resolve_data_folder",
]

Reason = Literal["given", "current folder", "./data", "bundled"]


class DataFolderError(GutboneError):
    """``gutbone init`` cannot make the folder asked for."""


@dataclass(frozen=True)
class DataFolder:
    """The data folder chosen, and which clause of the rule chose it."""

    path: Path
    reason: Reason


def bundled_data_dir() -> Path:
    """The tables bundled with gutbone (in a source checkout: its ``data/``)."""
    return data_dir()


def holds_tables(folder: str | os.PathLike[str]) -> bool:
    """True when ``folder`` is a gutbone data folder (it has a ``sources.csv``)."""
    return (Path(folder) / "sources.csv").is_file()


def resolve_data_folder(
    given: str | os.PathLike[str] | None = None, *, cwd: str | os.PathLike[str] | None = None
) -> DataFolder:
    """Apply the rule of this module.

    :param given: the folder the user named, if any (used as given, even when it does
        not exist: reading it then reports the missing tables).
    :param cwd: the folder to look in (default: the current working folder).
    """
    if given is not None:
        return DataFolder(Path(given), "given")
    here = Path.cwd() if cwd is None else Path(cwd)
    if holds_tables(here):
        return DataFolder(here, "current folder")
    if holds_tables(here / "data"):
        return DataFolder(here / "data", "./data")
    return DataFolder(bundled_data_dir(), "bundled")


def init_data_folder(target: str | os.PathLike[str]) -> Path:
    """Copy the bundled tables into the new folder ``target``, atomically.

    The copy is made in a temporary sibling folder and renamed into place, so ``target``
    either does not exist or holds every table.

    :param target: a folder that does not exist yet, or an empty one.
    :returns: ``target``.
    :raises DataFolderError: ``target`` exists and is not an empty folder, or cannot be
        written.
    """
    folder = Path(target)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DataFolderError(f"{folder}: exists and is not empty; give a new folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes it 0700
            _copy_tables(bundled_data_dir(), staging)
            if folder.exists():
                folder.rmdir()  # empty (checked above); rename cannot replace it otherwise
            os.rename(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    except OSError as exc:
        raise DataFolderError(f"{folder}: cannot create the data folder: {exc.strerror}") from None
    return folder


def _copy_tables(source: Path, target: Path) -> None:
    """Copy the files of ``source`` into ``target``.

    New files and folders get the umask's mode, not the source's (read-only in some
    system installs).
    """
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_dir():
            (target / relative).mkdir(exist_ok=True)
        else:
            shutil.copyfile(path, target / relative)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
