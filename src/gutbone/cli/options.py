"""Shared option handling: numeric bounds, negative values, the data folder.

Argument types with documented bounds for numeric command-line options.

An out-of-range value is a usage error (exit 2, argparse's message), never a
``MemoryError`` or an hour-long run. The limits (also in each option's ``--help``):

=====================================  ==============  =========================
option                                 range           why
=====================================  ==============  =========================
``mediate --draws``                    1 - 1,000,000   ~50 MB of draws at most
``mr --bootstrap``                     1 - 100,000     memory grows with variants
``mr/mediate --seed``                  0 - 2**32-1     numpy seed range
``paths/view --top``                   0 - 100,000     0 = all (paths)
``paths/view --max-length``            1 - 10          paths grow exponentially
``view --depth``                       0 - 10
``view/report --max-nodes``            1 - 100,000     browsers stall beyond
``meta --level``                       0.5 - 0.9999
=====================================  ==============  =========================

>>> draws = bounded_int(1, MAX_DRAWS)
>>> draws("5000")
5000
>>> draws("10000000000")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected an integer from 1 to 1000000, got '10000000000'
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gutbone.datafolder import resolve_data_folder

__all__ = [
    "MAX_DRAWS",
    "MAX_BOOTSTRAP",
    "MAX_SEED",
    "MAX_TOP",
    "MAX_PATH_LENGTH",
    "MAX_DEPTH",
    "MAX_NODES",
    "bounded_int",
    "bounded_float",
    "GutboneParser",
    "DATA_HELP",
    "data_folder",
]

MAX_DRAWS = 1_000_000
MAX_BOOTSTRAP = 100_000
MAX_SEED = 2**32 - 1
MAX_TOP = 100_000
MAX_PATH_LENGTH = 10
MAX_DEPTH = 10
MAX_NODES = 100_000

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer written in ASCII digits, from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = int(text) if _INTEGER.fullmatch(text.strip()) else None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected an integer from {low} to {high}, got {text!r}"
            )
        return value

    return parse


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An argparse ``type``: a finite number from ``low`` to ``high``.

    >>> bounded_float(0.5, 0.9999)("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number from 0.5 to 0.9999, got 'nan'
    """

    def parse(text: str) -> float:
        try:
            value = float(text) if text.strip().isascii() else math.nan
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # False for nan
            raise argparse.ArgumentTypeError(
                f"expected a number from {low} to {high}, got {text!r}"
            )
        return value

    return parse


# ----------------------------------------------------------------------------- parser

#: Words argparse should read as values, not options: negative numbers and lists of them
#: (``--a -0.25,0.04``, ``--seed -1`` then fails its range check, not as "expected one
#: argument").
_NEGATIVE_VALUE = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:,.*)?$")


class GutboneParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that takes ``-0.25,0.04`` as an option's value.

    argparse reads a word starting with '-' as an option unless it is a plain negative
    number, so comma-separated estimates like ``B,SE`` with a negative ``B`` were refused.
    Sub-command parsers inherit the class (``add_subparsers`` uses the parent's type).

    >>> parser = GutboneParser(prog="demo")
    >>> _ = parser.add_argument("--a")
    >>> parser.parse_args(["--a", "-0.25,0.04"]).a
    '-0.25,0.04'
    >>> parser.parse_args(["--a", "-1e-3"]).a
    '-1e-3'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE


# ----------------------------------------------------------------------------- data folder

#: ``--help`` text of every ``--data`` option.
DATA_HELP = (
    "data folder (default: the current folder if it holds gutbone tables, else ./data if it "
    "does, else the bundled tables)"
)


def data_folder(args: argparse.Namespace) -> Path:
    """The data folder a command reads (``--data`` or the rule of :mod:`gutbone.datafolder`).

    Prints ``gutbone: data folder PATH (why)`` on stderr, once per run.
    """
    chosen = getattr(args, "_data_folder", None)
    if chosen is None:
        chosen = resolve_data_folder(getattr(args, "data", None))
        args._data_folder = chosen
        print(f"gutbone: data folder {chosen.path} ({chosen.reason})", file=sys.stderr)
    path: Path = chosen.path
    return path
