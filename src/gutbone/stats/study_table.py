r"""Read and check study-level CSV tables for ``gutbone meta``.

One of these column sets is required (docs/statistics.md, "Input"), plus an optional ``subgroup``:

========  ======================================
form      columns
========  ======================================
yi_vi     ``study,yi,vi``
yi_sei    ``study,yi,sei``
yi_ci     ``study,yi,ci_lower,ci_upper``
means     ``study,m1,sd1,n1,m2,sd2,n2``
counts    ``study,events1,n1,events2,n2``
========  ======================================

Every problem (missing column, blank, non-numeric or non-finite cell, non-positive
variance, SD or sample size, events above n, CI not containing its estimate, duplicate
study) is collected as a :class:`~gutbone.errors.Problem` naming ``file:row:column``
(the header is row 1) and raised together in one :class:`~gutbone.errors.InputError`.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "s.csv"
>>> _ = p.write_text("study,yi,vi\nA,0.1,0.02\nB,0.3,0.05\n")
>>> t = read_study_table(p)
>>> t.form, t.studies, t.column("vi").tolist()
('yi_vi', ('A', 'B'), [0.02, 0.05])
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from gutbone.errors import InputError, Problem
from gutbone.tables import parse_usable_float, read_csv

__all__ = ["FORMS", "StudyTable", "read_study_table"]

#: The input forms, in the order they are tried, with their numeric columns.
FORMS: Mapping[str, tuple[str, ...]] = {
    "yi_vi": ("yi", "vi"),
    "yi_sei": ("yi", "sei"),
    "yi_ci": ("yi", "ci_lower", "ci_upper"),
    "means": ("m1", "sd1", "n1", "m2", "sd2", "n2"),
    "counts": ("events1", "n1", "events2", "n2"),
}

_INTEGER_COLUMNS = frozenset({"n1", "n2", "events1", "events2"})
_POSITIVE_COLUMNS = frozenset({"vi", "sei", "sd1", "sd2"})


@dataclass(frozen=True)
class StudyTable:
    """A checked study table.

    :param path: the file as the user named it (used in error messages).
    :param form: which input form the columns match (a key of :data:`FORMS`).
    :param studies: study labels, in file order.
    :param rows: the file row of each study (header = row 1).
    :param values: numeric columns of the form, each an array in study order.
    :param subgroups: subgroup labels, or None when there is no ``subgroup`` column.
    :param studies_en: English (pinyin) study labels from an optional ``study_en`` column,
        the ``study`` label where that cell is empty; None without the column.
    :param other: every other column (moderators...), as stripped text in study order.
    """

    path: str
    form: str
    studies: tuple[str, ...]
    rows: tuple[int, ...]
    values: Mapping[str, NDArray[np.float64]]
    subgroups: tuple[str, ...] | None = None
    studies_en: tuple[str, ...] | None = None
    other: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """Number of studies."""
        return len(self.studies)

    def column(self, name: str) -> NDArray[np.float64]:
        """Return a numeric column as a float array.

        :param name: a column of the table's form.
        :raises KeyError: if the form has no such column.
        """
        return self.values[name]


def _match_form(path: str, header: list[str]) -> tuple[str | None, list[Problem]]:
    """Pick the input form from the header, or explain why none fits."""
    present = set(header)
    problems: list[Problem] = []
    if "study" not in present:
        problems.append(Problem(path, 1, "study", "missing required column 'study'"))
    complete = [name for name, cols in FORMS.items() if set(cols) <= present]
    if len(complete) > 1:
        sets = "; ".join("study," + ",".join(FORMS[name]) for name in complete)
        problems.append(
            Problem(
                path,
                1,
                "-",
                f"columns match more than one input form ({sets}); keep only one",
            )
        )
        return None, problems
    if complete:
        return complete[0], problems
    # No complete form: report the missing columns of the closest partial match.
    best, best_hits = None, 0
    for name, cols in FORMS.items():
        hits = len(set(cols) & present)
        if hits > best_hits:
            best, best_hits = name, hits
    expected = " | ".join("study," + ",".join(cols) for cols in FORMS.values())
    if best is None:
        problems.append(
            Problem(
                path,
                1,
                "-",
                f"columns {','.join(header) or '(none)'} match no input form; expected one "
                f"of: {expected}",
            )
        )
    else:
        for col in FORMS[best]:
            if col not in present:
                problems.append(
                    Problem(
                        path,
                        1,
                        col,
                        f"missing required column '{col}' (input form study,"
                        f"{','.join(FORMS[best])}; other forms: {expected})",
                    )
                )
    return None, problems


def _parse_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def read_study_table(path: str | os.PathLike[str]) -> StudyTable:
    """Read a study CSV, detect its input form and check every cell.

    :param path: the CSV file (UTF-8, optional BOM).
    :returns: a :class:`StudyTable`.
    :raises InputError: listing every problem as ``file:row:column: what``.
    """
    name = os.fspath(path)
    table = read_csv(name, name)
    form, problems = _match_form(name, list(table.header))
    if form is None or problems:
        raise InputError(problems)
    numeric = FORMS[form]
    named = [col for col in table.header if col]
    has_subgroup = "subgroup" in named
    has_english = "study_en" in named
    studies: list[str] = []
    rows: list[int] = []
    subgroups: list[str] = []
    studies_en: list[str] = []
    columns: dict[str, list[float]] = {col: [] for col in numeric}
    other: dict[str, list[str]] = {
        col: [] for col in dict.fromkeys(named) if col not in (*numeric, "study", "study_en")
    }
    for offset, record, study in table.keyed_rows("study", problems):
        row_values = {
            col: _cell_number(name, offset, col, table.cell(record, col), problems)
            for col in numeric
        }
        problems.extend(_check_row(name, offset, form, row_values))
        studies.append(study)
        studies_en.append(table.cell(record, "study_en") if has_english else "")
        rows.append(offset)
        if has_subgroup:
            group = table.cell(record, "subgroup")
            if not group:
                problems.append(Problem(name, offset, "subgroup", "blank subgroup label"))
            subgroups.append(group)
        for col in numeric:
            columns[col].append(row_values[col])
        for col, values in other.items():
            values.append(table.cell(record, col))
    if not studies and not problems:
        problems.append(Problem(name, 2, "-", "no study rows after the header"))
    if problems:
        raise InputError(problems)
    return StudyTable(
        path=name,
        form=form,
        studies=tuple(studies),
        rows=tuple(rows),
        values={col: np.asarray(vals, dtype=float) for col, vals in columns.items()},
        subgroups=tuple(subgroups) if has_subgroup else None,
        studies_en=(
            tuple(en or zh for en, zh in zip(studies_en, studies, strict=True))
            if has_english
            else None
        ),
        other={col: tuple(values) for col, values in other.items()},
    )


def _cell_number(name: str, offset: int, col: str, raw: str, problems: list[Problem]) -> float:
    """One numeric cell, checked (NaN, with a problem recorded, when it is not usable)."""
    if raw == "":
        problems.append(Problem(name, offset, col, "blank cell; a number is required"))
        return math.nan
    value = _parse_number(raw)
    if value is None:
        problems.append(Problem(name, offset, col, f"{raw!r} is not a number"))
        return math.nan
    if not math.isfinite(value):
        problems.append(Problem(name, offset, col, f"{raw!r} is not a finite number"))
        return math.nan
    try:
        value = parse_usable_float(raw)
    except ValueError as exc:
        problems.append(Problem(name, offset, col, str(exc)))
        return math.nan
    if col in _POSITIVE_COLUMNS and value <= 0:
        what = {"vi": "variance", "sei": "standard error"}.get(col, "standard deviation")
        problems.append(Problem(name, offset, col, f"{what} must be positive, got {raw}"))
    if col in _INTEGER_COLUMNS:
        if value != math.floor(value):
            problems.append(Problem(name, offset, col, f"{raw} is not a whole number"))
        elif col.startswith("n") and value < 1:
            problems.append(
                Problem(name, offset, col, f"sample size must be at least 1, got {raw}")
            )
        elif col.startswith("events") and value < 0:
            problems.append(Problem(name, offset, col, f"events must not be negative, got {raw}"))
    return value


def _check_row(path: str, row: int, form: str, values: Mapping[str, float]) -> list[Problem]:
    """Cross-cell checks of one row (only on cells that parsed)."""
    problems: list[Problem] = []

    def ok(*cols: str) -> bool:
        return all(math.isfinite(values.get(col, math.nan)) for col in cols)

    if form == "yi_ci" and ok("yi", "ci_lower", "ci_upper"):
        lo, est, hi = values["ci_lower"], values["yi"], values["ci_upper"]
        if not lo < hi:
            problems.append(
                Problem(path, row, "ci_upper", f"upper bound {hi} is not above lower bound {lo}")
            )
        elif not lo <= est <= hi:
            problems.append(
                Problem(
                    path,
                    row,
                    "yi",
                    f"estimate {est} lies outside its confidence interval [{lo}, {hi}]",
                )
            )
    if form == "counts":
        for arm in ("1", "2"):
            if ok(f"events{arm}", f"n{arm}") and values[f"events{arm}"] > values[f"n{arm}"]:
                problems.append(
                    Problem(
                        path,
                        row,
                        f"events{arm}",
                        f"events ({values[f'events{arm}']:g}) exceed n{arm} "
                        f"({values[f'n{arm}']:g})",
                    )
                )
    if form == "means":
        for arm in ("1", "2"):
            if ok(f"n{arm}") and 1 <= values[f"n{arm}"] < 2:
                problems.append(
                    Problem(
                        path,
                        row,
                        f"n{arm}",
                        "a group with a standard deviation needs at least 2 participants",
                    )
                )
    return problems
