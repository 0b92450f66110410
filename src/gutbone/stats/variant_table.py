r"""Read and check a table of genetic-variant associations for Mendelian randomization.

The table is a CSV file with one row per genetic variant and the columns
``variant,beta_exposure,se_exposure,beta_outcome,se_outcome`` (other columns are
ignored). Every problem found is reported at once, as ``file:row:column: message``
with the header counted as row 1.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "v.csv").write_text(
...     "variant,beta_exposure,se_exposure,beta_outcome,se_outcome\n"
...     "rs1,0.1,0.01,0.05,0.02\n"
...     "rs2,-0.2,0.02,-0.08,0.03\n"
... )
>>> table = read_variant_table(d / "v.csv")
>>> table.variants, table.n_variants
(('rs1', 'rs2'), 2)
>>> table.beta_outcome
(0.05, -0.08)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from gutbone.errors import InputError, Problem
from gutbone.tables import parse_usable_float, read_csv

__all__ = ["REQUIRED_COLUMNS", "VariantTable", "read_variant_table"]

#: Columns every variant table must have, in the order the documentation lists them.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "variant",
    "beta_exposure",
    "se_exposure",
    "beta_outcome",
    "se_outcome",
)

_NUMERIC_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS[1:]
_SE_COLUMNS: frozenset[str] = frozenset({"se_exposure", "se_outcome"})


@dataclass(frozen=True)
class VariantTable:
    """Variant-level summary statistics, checked and in file order.

    :param source: the file the table was read from, as the user named it.
    :param variants: variant names (unique).
    :param beta_exposure: associations of the variants with the exposure.
    :param se_exposure: their standard errors, or ``None`` when the whole
        ``se_exposure`` column is blank (then the F statistic and I²_GX are not computed).
    :param beta_outcome: associations of the variants with the outcome.
    :param se_outcome: their standard errors.
    :param rows: the file row of each variant (header = row 1), for messages.
    """

    source: str
    variants: tuple[str, ...]
    beta_exposure: tuple[float, ...]
    se_exposure: tuple[float, ...] | None
    beta_outcome: tuple[float, ...]
    se_outcome: tuple[float, ...]
    rows: tuple[int, ...]

    @property
    def n_variants(self) -> int:
        """Number of variants in the table."""
        return len(self.variants)


def _parse_number(text: str) -> float | None:
    """Return the finite float written in ``text``, or ``None`` if there is none."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_variant_table(path: str | os.PathLike[str]) -> VariantTable:
    """Read a variants CSV file and check every cell.

    Checks: the file is readable and has a header; the required columns are present
    and not duplicated; variant names are non-empty and unique; numbers are finite
    (blank, ``NA``, ``NaN``, ``inf`` and text are refused); standard errors are > 0;
    ``beta_exposure`` is not 0 (the ratio estimate would be undefined). The only
    relaxation: ``se_exposure`` may be blank in *every* row, in which case it is
    returned as ``None``.

    :param path: the CSV file.
    :returns: the checked table.
    :raises InputError: listing every problem as ``file:row:column: message``.
    """
    source = os.fspath(path)
    table = read_csv(path, source)
    missing = [name for name in REQUIRED_COLUMNS if name not in table.header]
    if missing:
        expected = f"missing column (required columns: {', '.join(REQUIRED_COLUMNS)})"
        raise InputError([Problem(source, 1, name, expected) for name in missing])
    if not table.rows:
        raise InputError([Problem(source, 2, "-", "no variant rows after the header")])
    se_exposure_absent = all(table.cell(cells, "se_exposure") == "" for _, cells in table.rows)
    numeric = [c for c in _NUMERIC_COLUMNS if not (c == "se_exposure" and se_exposure_absent)]
    columns: dict[str, list[float]] = {name: [] for name in _NUMERIC_COLUMNS}
    variants: list[str] = []
    rows: list[int] = []
    problems: list[Problem] = []
    for row_number, cells, name in table.keyed_rows("variant", problems):
        variants.append(name)
        rows.append(row_number)
        for column in numeric:
            text = table.cell(cells, column)
            value = _cell_number(source, row_number, column, text, problems)
            if value is not None:
                columns[column].append(value)
    if problems:
        raise InputError(problems)
    return VariantTable(
        source=source,
        variants=tuple(variants),
        beta_exposure=tuple(columns["beta_exposure"]),
        se_exposure=None if se_exposure_absent else tuple(columns["se_exposure"]),
        beta_outcome=tuple(columns["beta_outcome"]),
        se_outcome=tuple(columns["se_outcome"]),
        rows=tuple(rows),
    )


def _cell_number(
    source: str, row: int, column: str, text: str, problems: list[Problem]
) -> float | None:
    """One numeric cell, checked; None (with a problem recorded) when not usable."""
    value = _parse_number(text)
    if value is None:
        shown = "blank" if text == "" else repr(text)
        problems.append(Problem(source, row, column, f"{shown} is not a finite number"))
        return None
    try:
        value = parse_usable_float(text)
    except ValueError as exc:
        problems.append(Problem(source, row, column, str(exc)))
        return None
    if column in _SE_COLUMNS and value <= 0:
        problems.append(Problem(source, row, column, f"standard error must be > 0, got {text}"))
    if column == "beta_exposure" and value == 0:
        problems.append(
            Problem(
                source, row, column, "beta_exposure is 0: the variant's ratio estimate is undefined"
            )
        )
    return value
