"""The records every reader yields, and how their values are read.

A record is a mapping in KGX's field names (``id``, ``category``, ``subject``,
``predicate``...); values are texts, lists or numbers as the file gives them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gutbone.curation import SOURCE_COLUMNS

__all__ = ["Item", "Input", "text_value", "list_value", "first_value", "declared"]

#: ``(file, line, record)``; line 0 for inputs without lines (RDF, GraphML, Cytoscape).
Item = tuple[str, int, dict[str, Any]]


@dataclass
class Input:
    """One input: its node and edge records and the sources it declares.

    :param name: the file name used in problems.
    :param nodes: ``(file, line, record)`` of each node.
    :param edges: ``(file, line, record)`` of each edge.
    :param sources: source rows (``sources.csv`` columns) the input declares, by id.
    """

    name: str
    nodes: Iterable[Item] = ()
    edges: Iterable[Item] = ()
    sources: dict[str, dict[str, str]] = field(default_factory=dict)


def text_value(value: Any) -> str:
    """A record value as text (lists ``|``-joined, floats by ``repr``, stripped)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "|".join(text_value(item) for item in value)
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def list_value(value: Any) -> list[str]:
    """A record value as a list of non-empty texts (a string is split on ``|``)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [text_value(item) for item in value if text_value(item)]
    return [part.strip() for part in str(value).split("|") if part.strip()]


def first_value(value: Any) -> str:
    """The first item of :func:`list_value` (empty when none)."""
    items = list_value(value)
    return items[0] if items else ""


def declared(sources: Any) -> dict[str, dict[str, str]]:
    """Source rows of a ``gutbone_sources`` list written by gutbone, by id."""
    found: dict[str, dict[str, str]] = {}
    for item in sources if isinstance(sources, list) else ():
        if isinstance(item, dict) and item.get("id"):
            found[str(item["id"])] = {c: text_value(item.get(c, "")) for c in SOURCE_COLUMNS}
    return found
