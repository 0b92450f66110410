r"""Read user-supplied CSV tables and their number cells defensively.

Every table gutbone reads (curated tables, study tables of ``meta``, variant tables of
``mr``) goes through :func:`read_csv`, and every number cell through
:func:`parse_decimal`, :func:`parse_count` or :func:`parse_usable_float`. Whatever is
wrong becomes a :class:`~gutbone.errors.Problem` naming ``file:row:field`` (header =
row 1), never a traceback. The limits are documented in ``data/README.md``:

- only regular files are read (a FIFO or a device is refused, without blocking), of at
  most :data:`MAX_TABLE_BYTES`;
- the text must be UTF-8 (a UTF-8 byte-order mark is allowed); otherwise the problem
  names the row of the first bad byte and the encoding the file most likely has;
- no NUL byte or other control character (tab, line feed and carriage return excepted);
- no field longer than :data:`MAX_FIELD_CHARS` characters;
- no header column twice;
- numbers are written with ASCII digits, have at most :data:`MAX_SIGNIFICANT_DIGITS`
  significant digits and a magnitude within the range of a double
  (:data:`MIN_MAGNITUDE` to :data:`MAX_MAGNITUDE`, or zero).

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes("id,label\nx1,caf\u00e9\n".encode("latin-1"))
>>> try:
...     read_csv(p, "t.csv")
... except InputError as exc:
...     print(exc.problems[0].row, exc.problems[0].message.split(" (")[0])
2 not UTF-8: byte 0xe9 at offset 15 cannot be decoded
>>> parse_decimal("\uff18\uff11\uff16")
Traceback (most recent call last):
...
ValueError: '８１６' contains the non-ASCII digit '８' (U+FF18); write digits as 0-9
>>> parse_decimal("1e999999999")
Traceback (most recent call last):
...
ValueError: '1e999999999' is out of range: magnitude must be 0 or between 1e-307 and 1e+307
>>> parse_decimal("-0.0400")
Decimal('-0.0400')
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import stat
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from gutbone.errors import InputError, Problem

__all__ = [
    "MAX_TABLE_BYTES",
    "MAX_FIELD_CHARS",
    "MAX_NUMBER_CHARS",
    "MAX_SIGNIFICANT_DIGITS",
    "MIN_MAGNITUDE",
    "MAX_MAGNITUDE",
    "USABLE_MIN_MAGNITUDE",
    "USABLE_MAX_MAGNITUDE",
    "MAX_COUNT",
    "CsvTable",
    "read_csv",
    "read_text",
    "encoding_problem",
    "parse_decimal",
    "parse_count",
    "parse_usable_float",
    "within",
]

#: Largest table file read, in bytes (1 GiB).
MAX_TABLE_BYTES = 1 << 30
#: Longest field, in characters (quotes and notes are a few thousand at most).
MAX_FIELD_CHARS = 65_536
#: Longest number cell, in characters.
MAX_NUMBER_CHARS = 64
#: Most significant digits of a number cell (a double holds 15-17).
MAX_SIGNIFICANT_DIGITS = 20
#: Smallest non-zero magnitude of a curated number (about the smallest normal double).
MIN_MAGNITUDE = Decimal("1e-307")
#: Largest magnitude of a curated number (below the largest double, 1.8e308).
MAX_MAGNITUDE = Decimal("1e307")
#: Range of the numbers that statistics compute with (study and variant tables): their
#: squares, products and inverses stay well inside the range of a double.
USABLE_MIN_MAGNITUDE = Decimal("1e-12")
USABLE_MAX_MAGNITUDE = Decimal("1e12")
#: Largest count (number of studies, participants, events).
MAX_COUNT = 1_000_000_000

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


@dataclass(frozen=True)
class CsvTable:
    """The records of one CSV file: its header and its data rows.

    :param name: the file as shown in messages.
    :param header: column names, stripped.
    :param rows: ``(row number, cells)`` of every non-blank data row (header = row 1).
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def cell(self, cells: tuple[str, ...], column: str) -> str:
        """The cell of ``column`` in a row (``""`` when the row is shorter than the header).

        >>> CsvTable("t.csv", ("a", "b"), ()).cell(("1",), "b")
        ''
        """
        position = self.header.index(column)
        return cells[position] if position < len(cells) else ""

    def keyed_rows(
        self, key: str, problems: list[Problem]
    ) -> Iterator[tuple[int, tuple[str, ...], str]]:
        """Every data row with its key cell (a study or variant name), checked.

        A row with more cells than the header, a blank key and a key seen on an earlier row
        are recorded in ``problems``; the row is still yielded, so its other cells are checked.

        :param key: the key column, e.g. ``"study"``.
        :param problems: where problems are added.
        :returns: ``(row number, cells, key)`` of every data row.

        >>> table = CsvTable("t.csv", ("study",), ((2, ("a",)), (3, ("a",))))
        >>> found: list[Problem] = []
        >>> [name for _, _, name in table.keyed_rows("study", found)]
        ['a', 'a']
        >>> str(found[0])
        "t.csv:3:study: duplicate study name 'a' (first on row 2)"
        """
        first_row_of: dict[str, int] = {}
        width = len(self.header)
        for row, cells in self.rows:
            if len(cells) > width:
                message = f"{len(cells)} cells but the header has {width} columns"
                problems.append(Problem(self.name, row, "-", message))
            name = self.cell(cells, key)
            if not name:
                problems.append(Problem(self.name, row, key, f"blank {key} name"))
            elif name in first_row_of:
                message = f"duplicate {key} name {name!r} (first on row {first_row_of[name]})"
                problems.append(Problem(self.name, row, key, message))
            else:
                first_row_of[name] = row
            yield row, cells, name


def read_text(path: str | os.PathLike[str], name: str) -> str:
    """Read a table file as UTF-8 text, refusing anything but a regular UTF-8 file.

    :param path: the file.
    :param name: the file as shown in messages.
    :returns: the text, without a UTF-8 byte-order mark.
    :raises InputError: not a regular file, too large, unreadable, not UTF-8, or holding
        a NUL byte or another control character.
    """
    data = _read_bytes(path, name)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputError(
                [
                    Problem(
                        name, 1, "-", f"the file is {encoding} (byte-order mark); save it as UTF-8"
                    )
                ]
            )
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError([_decoding_problem(name, data, exc.start)]) from None
    control = _CONTROL.search(text)
    if control is not None:
        char = control.group()
        guess = _guess_encoding(data)
        if guess.startswith("UTF-16"):
            message = f"the file looks like {guess} (NUL bytes); save it as UTF-8"
            raise InputError([Problem(name, 1, "-", message)])
        what = "a NUL byte" if char == "\x00" else "a control character"
        raise InputError(
            [
                Problem(
                    name,
                    _row_at(text, control.start()),
                    "-",
                    f"{what} (U+{ord(char):04X}) in the text; tables hold printable text only",
                )
            ]
        )
    return text


def _read_bytes(path: str | os.PathLike[str], name: str) -> bytes:
    """The bytes of a regular file, opened without blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError([Problem(name, 0, "-", f"cannot read the file: {exc.strerror}")]) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                [Problem(name, 0, "-", f"not a regular file ({_file_kind(info.st_mode)})")]
            )
        if info.st_size > MAX_TABLE_BYTES:
            raise InputError(
                [
                    Problem(
                        name, 0, "-", f"{info.st_size} bytes: larger than {MAX_TABLE_BYTES} bytes"
                    )
                ]
            )
        try:
            return handle.read(MAX_TABLE_BYTES + 1)
        except OSError as exc:
            raise InputError(
                [Problem(name, 0, "-", f"cannot read the file: {exc.strerror}")]
            ) from None


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _row_at(text: str, position: int) -> int:
    """The CSV row (header = 1) in which character ``position`` of ``text`` lies."""
    try:
        # the extra character makes a row start at ``position`` when a line ends there
        return max(1, sum(1 for _ in csv.reader(io.StringIO(text[:position] + "x"))))
    except csv.Error:
        return text.count("\n", 0, position) + 1


def _decoding_problem(name: str, data: bytes, start: int) -> Problem:
    row = _row_at(data[:start].decode("utf-8"), start)
    return Problem(
        name,
        row,
        "-",
        f"not UTF-8: byte 0x{data[start]:02x} at offset {start} cannot be decoded "
        f"(the file looks like {_guess_encoding(data)}); save it as UTF-8",
    )


def _guess_encoding(data: bytes) -> str:
    """Name the encoding a non-UTF-8 text most likely has (a hint for the message)."""
    sample = data[:65_536]
    nuls = sample.count(0)
    if nuls * 4 > len(sample):
        odd = sample[1::2].count(0)
        return "UTF-16-LE without a byte-order mark" if odd * 2 > nuls else "UTF-16-BE"
    mostly = sample.decode("utf-8", errors="replace")
    valid = sum(1 for char in mostly if not char.isascii() and char != "\ufffd")
    if valid >= 4 * mostly.count("\ufffd"):  # GBK bytes rarely form valid UTF-8 by chance
        return "UTF-8 with some invalid bytes (a damaged or mixed file)"
    if _looks_double_byte(sample):
        return "GB18030 / GBK (Chinese)"
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 (ISO-8859-1)"
    return "Windows-1252 / Latin-1"


def _looks_double_byte(sample: bytes) -> bool:
    """Whether ``sample`` decodes as GB18030 with its non-ASCII bytes in pairs (Chinese text).

    Latin-1 text has single high bytes between ASCII letters; common Chinese characters are
    two high bytes each.
    """
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError:
        return False
    high = [i for i, byte in enumerate(sample) if byte >= 0x80]
    paired = sum(
        1
        for i in high
        if (i + 1 < len(sample) and sample[i + 1] >= 0x80) or (i and sample[i - 1] >= 0x80)
    )
    cjk = [char for char in text if not char.isascii()]
    return (
        bool(cjk)
        and paired >= 0.9 * len(high)
        and all(unicodedata.category(char) in ("Lo", "Po", "Ps", "Pe") for char in cjk)
    )


def encoding_problem(path: str | os.PathLike[str], name: str) -> Problem | None:
    """The problem of a file that a reader failed to decode as UTF-8, or None.

    For readers that stream large files themselves (KGX): called after their
    :class:`UnicodeDecodeError`, it finds the row of the first bad byte and guesses the
    encoding, reading the file once more in binary.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    rows = 1
    offset = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                handle.seek(0)
                head = handle.read(min(bad + 1, 65_536))
                rows += block[: max(exc.start, 0)].count(b"\n")
                return Problem(
                    name,
                    rows,
                    "-",
                    f"not UTF-8: byte 0x{block[exc.start]:02x} at offset {bad} cannot be "
                    f"decoded (the file looks like {_guess_encoding(head)}); save it as UTF-8",
                )
            rows += block.count(b"\n")
            offset += len(block)
    return None


def read_csv(path: str | os.PathLike[str], name: str) -> CsvTable:
    """Read a CSV table: checked text (see :func:`read_text`), header and rows.

    Blank rows are skipped; cells are stripped of surrounding white space.

    :param path: the file.
    :param name: the file as shown in messages.
    :raises InputError: for a file-level problem, an empty file, a header column given
        twice, or a field longer than :data:`MAX_FIELD_CHARS` characters.
    """
    text = read_text(path, name)
    records: list[tuple[int, tuple[str, ...]]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 0
    try:
        for row, record in enumerate(reader, start=1):  # noqa: B007 - row is used below
            records.append((row, tuple(cell.strip() for cell in record)))
    except csv.Error as exc:
        message = str(exc)
        if "field larger than field limit" in message:
            message = f"a field is longer than {MAX_FIELD_CHARS} characters"
        raise InputError([Problem(name, row + 1, "-", f"not valid CSV: {message}")]) from None
    if not records or not any(records[0][1]):
        raise InputError([Problem(name, 1, "-", "empty file (expected a header row)")])
    header = records[0][1]
    problems = _header_problems(name, header)
    for number, cells in records[1:]:
        for position, cell in enumerate(cells):
            if len(cell) > MAX_FIELD_CHARS:
                column = header[position] if position < len(header) else "-"
                problems.append(
                    Problem(
                        name,
                        number,
                        column,
                        f"field of {len(cell)} characters: longer than {MAX_FIELD_CHARS}",
                    )
                )
    if problems:
        raise InputError(problems)
    rows = tuple((number, cells) for number, cells in records[1:] if any(cells))
    return CsvTable(name=name, header=header, rows=rows)


def _header_problems(name: str, header: Sequence[str]) -> list[Problem]:
    problems = []
    first: dict[str, int] = {}
    for position, column in enumerate(header, start=1):
        if len(column) > MAX_FIELD_CHARS:
            problems.append(
                Problem(name, 1, "-", f"a column name is longer than {MAX_FIELD_CHARS}")
            )
        elif column in first:
            problems.append(
                Problem(
                    name,
                    1,
                    column,
                    f"column appears twice (columns {first[column]} and {position}); keep one",
                )
            )
        else:
            first[column] = position
    return problems


def _non_ascii_digit(text: str) -> str | None:
    for char in text:
        if not char.isascii() and (char.isdigit() or char.isnumeric()):
            return (
                f"{text!r} contains the non-ASCII digit {char!r} (U+{ord(char):04X}); "
                "write digits as 0-9"
            )
    return None


def parse_decimal(text: str) -> Decimal:
    """Parse a number cell exactly, within the documented limits.

    :param text: the stripped cell.
    :returns: the number, as written (``Decimal("0.0400")`` keeps its zeros).
    :raises ValueError: with the message for the user: not a number, non-ASCII digits,
        not finite, too many significant digits, or out of range.
    """
    problem = _non_ascii_digit(text)
    if problem:
        raise ValueError(problem)
    if len(text) > MAX_NUMBER_CHARS:
        raise ValueError(f"{text[:20]!r}... ({len(text)} characters) is too long for a number")
    if not _NUMBER.fullmatch(text):
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity", "snan"):
            raise ValueError(f"{text!r} is not a finite number")
        raise ValueError(f"{text!r} is not a number")
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise ValueError(f"{text!r} is not a number") from None
    digits = number.as_tuple().digits
    significant = len(digits) - next((i for i, d in enumerate(digits) if d), len(digits))
    if significant > MAX_SIGNIFICANT_DIGITS:
        raise ValueError(
            f"{text!r} has {significant} significant digits (at most {MAX_SIGNIFICANT_DIGITS})"
        )
    # copy_abs, not abs(): no context, so no Overflow on 1e999999999
    if number and not MIN_MAGNITUDE <= number.copy_abs() <= MAX_MAGNITUDE:
        raise ValueError(
            f"{text!r} is out of range: magnitude must be 0 or between "
            f"{MIN_MAGNITUDE:.0e} and {MAX_MAGNITUDE:.0e}"
        )
    return number


def parse_usable_float(text: str) -> float:
    """Parse a number cell a statistic computes with (study and variant tables).

    Like :func:`parse_decimal`, and the magnitude must be 0 or between
    :data:`USABLE_MIN_MAGNITUDE` and :data:`USABLE_MAX_MAGNITUDE`, so that squares,
    weights and sums stay finite.

    >>> parse_usable_float("1e300")
    Traceback (most recent call last):
    ...
    ValueError: '1e300' is out of range: magnitude must be 0 or between 1e-12 and 1e+12 here
    """
    number = parse_decimal(text)
    if number and not USABLE_MIN_MAGNITUDE <= number.copy_abs() <= USABLE_MAX_MAGNITUDE:
        raise ValueError(
            f"{text!r} is out of range: magnitude must be 0 or between "
            f"{USABLE_MIN_MAGNITUDE:.0e} and {USABLE_MAX_MAGNITUDE:.0e} here"
        )
    return float(number)


def parse_count(text: str) -> int:
    """Parse a count cell: an integer from 1 to :data:`MAX_COUNT`, ASCII digits only.

    >>> parse_count("12")
    12
    >>> parse_count("\u00b2")
    Traceback (most recent call last):
    ...
    ValueError: '²' contains the non-ASCII digit '²' (U+00B2); write digits as 0-9
    """
    problem = _non_ascii_digit(text)
    if problem:
        raise ValueError(problem)
    if not re.fullmatch(r"[0-9]{1,10}", text) or not 1 <= int(text) <= MAX_COUNT:
        raise ValueError(f"{text!r} is not a positive integer (1 to {MAX_COUNT})")
    return int(text)


def within(path: Path, folder: Path) -> bool:
    """Whether ``path``, symbolic links resolved, lies inside ``folder`` (also resolved)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):
        return False
    return True
