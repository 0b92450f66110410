"""Safe file output: atomic files and folders, names that stay inside the output folder.

Every command that writes files goes through this module:

- :func:`atomic_write` writes one file through a temporary file and a rename;
- :func:`replace_directory` stages a whole output folder beside the target and swaps it
  in with one atomic exchange at the end, so a run killed at any moment leaves the old
  output or the new one, whole; leftovers of a killed run are removed by the next run;
- :func:`write_tree` writes a mapping of relative paths to contents into a folder and
  refuses any path that would resolve outside it (``..``, absolute paths, symlinks);
- :class:`SafeNames` turns identifiers into file names from a safe character set, with
  deterministic handling of collisions;
- :func:`spreadsheet_cell` neutralises text that a spreadsheet would run as a formula.

Files are created with the permissions the umask gives (0644 under the usual 022) and
folders likewise (0755). An operating-system failure while writing (read-only folder,
full disk...) is an :class:`~gutbone.errors.OutputError` naming the path and the error.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write(d / "a.txt", "hello")
>>> (d / "a.txt").read_text()
'hello'
>>> names = SafeNames()
>>> names.claim("forest-SMD_hip"), names.claim('xo" onerror="alert(1)')[:18]
('forest-SMD_hip', 'xo_onerror_alert_1')
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from gutbone.errors import OutputError

__all__ = [
    "OutputError",
    "SafeNames",
    "atomic_directory",
    "atomic_write",
    "inside",
    "replace_directory",
    "remove_stale",
    "spreadsheet_cell",
    "spreadsheet_row",
    "unspreadsheet_cell",
    "write_tree",
]

#: Longest file-name stem :class:`SafeNames` produces (before the suffix).
MAX_NAME = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STAGING = re.compile(r"^\.(?P<name>.+)\.gutbone-(?P<kind>new|old)-(?P<pid>\d+)-[0-9a-f]+$")
_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
#: Leading characters that make a spreadsheet read a cell as a formula (OWASP CSV injection),
#: plus the quote used to neutralise them, so that the change can be undone exactly.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def _output_error(target: Path, exc: OSError) -> OutputError:
    where = f" ({exc.filename})" if exc.filename else ""
    reason = exc.strerror or type(exc).__name__
    return OutputError(f"{target}: output not written: {reason}{where}")


# ----------------------------------------------------------------------------- names


class SafeNames:
    """File names for identifiers: a safe character set, unique, deterministic.

    A name keeps the letters, digits, ``.``, ``_`` and ``-`` of the identifier (any other run
    of characters becomes ``_``; no leading dot; at most :data:`MAX_NAME` characters). When
    anything was changed, the first 8 hex digits of the identifier's SHA-256 are appended,
    so two identifiers that differ only in unsafe characters get different names whatever
    order they come in. A name already given (compared case-insensitively, for
    case-insensitive file systems) to another identifier gets ``-2``, ``-3``... in the
    order of the calls; the same identifier always gets the same name.

    >>> names = SafeNames()
    >>> names.claim("a/b") == names.claim("a/b") != names.claim("a_b")
    True
    >>> names.claim("../../x")
    'x-9cdf6a50'
    >>> names.claim("A_B")
    'A_B-2'
    """

    def __init__(self) -> None:
        self._given: dict[str, str] = {}
        self._taken: set[str] = set()

    def claim(self, identifier: str) -> str:
        """The file-name stem of ``identifier`` (the same on every call)."""
        if identifier in self._given:
            return self._given[identifier]
        cleaned = _UNSAFE.sub("_", identifier.replace("..", "_")).strip("._-")
        cleaned = re.sub(r"_{2,}", "_", cleaned)[:MAX_NAME] or "_"
        if cleaned != identifier:
            digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()
            cleaned = f"{cleaned}-{digest[:8]}"
        name, number = cleaned, 1
        while name.casefold() in self._taken:
            number += 1
            name = f"{cleaned}-{number}"
        self._taken.add(name.casefold())
        self._given[identifier] = name
        return name


def spreadsheet_cell(text: str) -> str:
    """``text`` made safe for a spreadsheet: a leading ``'`` before a formula start.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or ``'`` gets
    one ``'`` in front (spreadsheets show it as text and hide the quote); numbers
    (``-0.5``, ``+1e-3``) are left as they are. :func:`unspreadsheet_cell` undoes it.

    >>> spreadsheet_cell("=cmd|' /C calc'!A0"), spreadsheet_cell("-0.25"), spreadsheet_cell("IL-6")
    ("'=cmd|' /C calc'!A0", '-0.25', 'IL-6')
    """
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def spreadsheet_row(values: Iterable[object]) -> list[object]:
    """A CSV/TSV row with every text value passed through :func:`spreadsheet_cell`.

    >>> spreadsheet_row(["@SUM(A1)", -1, "-1", None])
    ["'@SUM(A1)", -1, '-1', None]
    """
    return [spreadsheet_cell(value) if isinstance(value, str) else value for value in values]


def unspreadsheet_cell(text: str) -> str:
    """Undo :func:`spreadsheet_cell` (for readers of gutbone's own CSV/TSV exports).

    >>> unspreadsheet_cell(spreadsheet_cell("=1+1")), unspreadsheet_cell("'quoted")
    ('=1+1', "'quoted")
    """
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


# ----------------------------------------------------------------------------- paths


def inside(root: str | os.PathLike[str], relative: str) -> Path:
    """``root / relative``, refused unless it resolves inside ``root``.

    :raises OutputError: for an absolute path, a ``..`` part, or a path that leaves
        ``root`` through a symbolic link.

    >>> inside("/tmp/out", "plots/a.svg").as_posix()
    '/tmp/out/plots/a.svg'
    >>> inside("/tmp/out", "../x.svg")
    Traceback (most recent call last):
    gutbone.errors.OutputError: /tmp/out: refusing to write '../x.svg' outside the output folder
    """
    base = Path(root)
    parts = Path(relative).parts
    candidate = base / relative
    resolved_root = base.resolve()
    if (
        not relative
        or Path(relative).is_absolute()
        or ".." in parts
        or not candidate.resolve().is_relative_to(resolved_root)
    ):
        raise OutputError(f"{root}: refusing to write {relative!r} outside the output folder")
    return candidate


def write_tree(root: str | os.PathLike[str], files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` (relative path -> text or bytes) into the folder ``root``.

    Text is written as UTF-8. Every path is checked with :func:`inside` before anything
    is written. Meant for the staging folder of :func:`replace_directory`, which turns an
    operating-system failure into an :class:`OutputError` naming the output folder.

    :raises OutputError: a path leaves ``root``.
    :raises OSError: the operating system refused a write.
    """
    targets = {name: inside(root, name) for name in files}
    for name, content in files.items():
        target = targets[name]
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")


# ----------------------------------------------------------------------------- files


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The file gets the permissions of a newly created file under the current umask.

    :param path: destination file; its parent folder is created if missing.
    :param data: text (written as UTF-8) or bytes.
    :raises OutputError: ``path`` is a folder, or the operating system refused the write.
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name to write")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_files(target)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _output_error(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder whose files are moved into ``path`` if the block succeeds.

    Files already in ``path`` that the block does not write are kept: the new files are
    moved in one by one with :func:`os.replace`, after everything was written. (Use
    :func:`replace_directory` when the folder must change as a whole.)

    :param path: the output folder.
    :raises OutputError: the operating system refused a write.
    """
    target = Path(path)
    staging = target / f".{target.name or 'out'}.gutbone-new-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        target.mkdir(parents=True, exist_ok=True)
        remove_stale(target / target.name)  # staging folders of killed runs, inside target
        staging.mkdir()
        yield staging
        for item in sorted(staging.rglob("*")):
            if item.is_file():
                destination = target / item.relative_to(staging)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(item, destination)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ----------------------------------------------------------------------------- folders


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(
        at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _remove_stale_files(target: Path) -> None:
    """Remove the temporary files that killed runs of :func:`atomic_write` left beside it."""
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(\d+)-[0-9a-f]+\.tmp$")
    for entry in target.parent.iterdir():
        match = pattern.match(entry.name)
        if match and not _alive(int(match[1])):
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(target: Path) -> tuple[Path, ...]:
    """Remove the staging folders that killed runs left beside ``target``.

    A folder ``.<name>.gutbone-new-<pid>-<hex>`` or ``...-old-...`` whose process is gone
    is removed. When ``target`` itself is missing (a run killed between the two renames
    of a system without atomic exchange), the old output is first renamed back.

    :returns: the folders removed.
    """
    parent = target.parent
    if not parent.is_dir():
        return ()
    stale = []
    for entry in sorted(parent.iterdir()):
        match = _STAGING.match(entry.name)
        if match and match["name"] == target.name and not _alive(int(match["pid"])):
            stale.append((match["kind"], entry))
    for kind, entry in stale:
        if kind == "old" and not target.exists():
            os.replace(entry, target)
    removed = tuple(entry for _, entry in stale if entry.exists())
    for entry in removed:
        shutil.rmtree(entry, ignore_errors=True)
    return removed


def _check_owned(target: Path, owned: Callable[[str], bool] | None) -> None:
    if owned is None or not target.is_dir():
        return
    foreign = sorted(entry.name for entry in target.iterdir() if not owned(entry.name))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise OutputError(
            f"{target}: refusing to replace a folder that holds files gutbone did not write "
            f"({shown}); choose another output folder or remove them"
        )


def _swap_in(staging: Path, target: Path, old: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
    elif _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old output
    else:
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def replace_directory(
    path: str | os.PathLike[str], *, owned: Callable[[str], bool] | None = None
) -> Iterator[Path]:
    """Yield an empty sibling folder that replaces the folder ``path`` as a whole on success.

    The new output is written into ``.<name>.gutbone-new-<pid>-<hex>`` beside the target and
    exchanged with it in one atomic step (``renameat2`` with ``RENAME_EXCHANGE`` on
    Linux; elsewhere two renames, which the next run repairs if it was killed between
    them). A run killed at any moment leaves the target old or new, whole; the next run
    removes what it left behind (:func:`remove_stale`). If the block fails, the target is
    untouched and the staging folder removed.

    :param path: the folder to create or replace.
    :param owned: a test on the names inside an existing target; a target holding a name it
        rejects (files gutbone did not write) is refused rather than deleted.
    :raises OutputError: the target holds foreign files, or the operating system refused a
        write (read-only folder, full disk...): the message names the path and the error.
    """
    target = Path(os.path.abspath(path))
    if target.parent == target or Path.cwd().is_relative_to(target):
        raise OutputError(f"{path}: cannot replace the current folder or its parents")
    if target.exists() and not target.is_dir():
        raise OutputError(f"{path}: exists and is not a folder")
    _check_owned(target, owned)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = target.with_name(f".{target.name}.gutbone-new-{token}")
    old = target.with_name(f".{target.name}.gutbone-old-{token}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale(target)
        staging.mkdir(0o777)
        yield staging
        _swap_in(staging, target, old)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
