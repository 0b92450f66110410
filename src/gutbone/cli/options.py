"""Argument types with documented bounds for numeric command-line options.

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
from collections.abc import Callable

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
