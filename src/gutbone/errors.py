"""Error types shared by every stage.

Every problem found in user input is a :class:`Problem` that names the file, the row
(the header counts as row 1), the field and what is wrong. A stage collects all of its
problems and raises one :class:`InputError` carrying them, so a curator sees every
mistake at once.

>>> str(Problem("data/edges.csv", 17, "predicate", "'increses' is not a known predicate"))
"data/edges.csv:17:predicate: 'increses' is not a known predicate"
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "GutboneError",
    "Problem",
    "InputError",
    "CurationError",
    "IngestError",
    "StatsError",
    "QueryError",
    "OutputError",
]


class GutboneError(Exception):
    """Base class of every error gutbone raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one field of one row of one input file.

    :param file: the file, as the user named it.
    :param row: 1-based row number, counting the header as row 1 (0 when the problem
        concerns the whole file).
    :param field: the column (or ``"-"`` when it concerns the whole row or file).
    :param message: what is wrong and, where possible, what was expected.
    """

    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.field}: {self.message}"


class InputError(GutboneError, ValueError):
    """Bad input: carries every :class:`Problem` found, one per line in the message."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class CurationError(InputError):
    """A curated table is malformed (see :mod:`gutbone.curation`)."""


class IngestError(InputError):
    """A raw file of an ingested source is missing, changed or malformed (:mod:`gutbone.ingest`)."""


class StatsError(InputError):
    """Input of a statistical method is unusable (too few studies, bad variance...)."""


class QueryError(GutboneError, ValueError):
    """A query is malformed or its parameters are invalid."""


class OutputError(GutboneError):
    """An output could not be written: the message names the path and the reason."""
