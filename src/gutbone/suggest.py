"""Close matches for mistyped names, so that an error can say what was probably meant.

Every "unknown value" message of gutbone is written by :func:`unknown_value`: it names the
bad value, lists the allowed values (only the closest few when there are many) and adds a
"did you mean" when one allowed value is close (:func:`difflib.get_close_matches`, compared
without regard to case).

>>> print(unknown_value("increses", ("affects", "increases"), "predicate"))
'increses' is not a known predicate; did you mean 'increases'? (allowed: affects, increases)
>>> unknown_value("blog", ("review", "mr_study"))
"'blog' is not one of review, mr_study"
>>> close_matches("Reveiw", ("review", "mr_study"))
('review',)
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence

__all__ = ["close_matches", "did_you_mean", "unknown_value", "normalize_text", "MAX_LISTED"]

#: Longest list of allowed values written out in full; longer lists show the closest few.
MAX_LISTED = 25
_CUTOFF = 0.6
_SPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Normalise a name for comparison: NFKC, case folding, single spaces.

    :param text: a label, synonym or user input.
    :returns: the comparison key.

    >>> normalize_text("  Bone   DENSITY ")
    'bone density'
    >>> normalize_text("ＢＭＤ")
    'bmd'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def close_matches(value: str, choices: Iterable[str], n: int = 3) -> tuple[str, ...]:
    """The choices closest to ``value`` (best first, case ignored), at most ``n``.

    :param value: what the user wrote.
    :param choices: the allowed values.
    :param n: how many at most.
    :returns: the allowed values (as spelled in ``choices``) similar enough to ``value``.
    """
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(choice.casefold(), choice)
    found = difflib.get_close_matches(value.casefold(), list(by_key), n=n, cutoff=_CUTOFF)
    return tuple(by_key[key] for key in found)


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'X'?"`` for the closest choice, or ``""`` when none is close.

    >>> did_you_mean("SELEC", ("SELECT", "WHERE"))
    "; did you mean 'SELECT'?"
    """
    close = close_matches(value, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_value(value: str, allowed: Sequence[str], what: str = "") -> str:
    """The message for a value that is not one of ``allowed``.

    :param value: the value as written.
    :param allowed: the allowed values, in the order to list them.
    :param what: what the values are (``"predicate"``); empty gives ``'x' is not one of ...``.
    :returns: the value, a "did you mean" when one allowed value is close, and the allowed
        values (the closest few, and how many there are, when more than :data:`MAX_LISTED`).
    """
    hint = did_you_mean(value, allowed)
    if len(allowed) > MAX_LISTED:
        closest = close_matches(value, allowed, n=5)
        shown = f"closest: {', '.join(closest)}" if closest else f"e.g. {', '.join(allowed[:5])}"
        listed = f"{len(allowed)} allowed values, {shown}"
        return f"{value!r} is not a known {what or 'value'}{hint} ({listed})"
    if what:
        return f"{value!r} is not a known {what}{hint} (allowed: {', '.join(allowed)})"
    return f"{value!r} is not one of {', '.join(allowed)}{hint}"
