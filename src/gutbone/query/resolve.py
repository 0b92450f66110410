"""Turn what a user types (CURIE, label, synonym or category) into node ids.

Resolution order, first match wins:

1. a node id of the graph, exactly as curated (``NCBITaxon:186803``);
2. a category name, case-insensitive (``Taxon``, ``boneoutcome``): every node of the
   category or of a sub-category, in sorted id order;
3. a label, compared after Unicode NFKC normalisation, case folding and collapsing of
   white space (``lachnospiraceae``, ``Bone Density``);
4. a synonym, compared the same way (``BMD``, ``骨密度``, ``丁酸盐``).

A label that names one node wins over synonyms of other nodes. Text that matches several
nodes at the same step raises :class:`AmbiguousNodeError` listing the candidates; text that
matches nothing raises :class:`UnknownNodeError` (with close spellings when there are any).

>>> from gutbone.curation import load_curated
>>> from gutbone.query.projection import build_projection
>>> projection = build_projection(load_curated())
>>> resolve(projection, "骨密度")
('OBA:1000110',)
>>> resolve(projection, "bmd")
('OBA:1000110',)
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from gutbone.errors import QueryError
from gutbone.query.projection import Projection
from gutbone.suggest import normalize_text

__all__ = ["UnknownNodeError", "AmbiguousNodeError", "resolve", "normalize_text"]

_CURIE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$")


class UnknownNodeError(QueryError):
    """The text names no node, label, synonym or category of the graph."""

    def __init__(self, text: str, suggestions: tuple[str, ...] = ()) -> None:
        self.text = text
        self.suggestions = suggestions
        message = f"unknown node {text!r}: not a node id, label, synonym or category of the graph"
        if suggestions:
            message += f" (did you mean: {', '.join(suggestions)}?)"
        super().__init__(message)


class AmbiguousNodeError(QueryError):
    """The text is the label or synonym of several nodes."""

    def __init__(self, text: str, candidates: tuple[tuple[str, str], ...]) -> None:
        self.text = text
        self.candidates = candidates
        listed = "; ".join(f"{node_id} ({label})" for node_id, label in candidates)
        super().__init__(f"ambiguous node {text!r}: it names {listed}; give one of these ids")


def _indexes(projection: Projection) -> tuple[Mapping[str, set[str]], Mapping[str, set[str]]]:
    key = "resolve_indexes"
    if key not in projection.cache:
        labels: dict[str, set[str]] = {}
        synonyms: dict[str, set[str]] = {}
        for node in projection.nodes.values():
            labels.setdefault(normalize_text(node.label), set()).add(node.id)
            for synonym in node.synonyms:
                synonyms.setdefault(normalize_text(synonym), set()).add(node.id)
        projection.cache[key] = (labels, synonyms)
    indexes: tuple[Mapping[str, set[str]], Mapping[str, set[str]]] = projection.cache[key]
    return indexes


def resolve(projection: Projection, text: str) -> tuple[str, ...]:
    """Node ids that a CURIE, label, synonym or category name stands for.

    :param projection: the graph to look in.
    :param text: what the user typed.
    :returns: one node id, or every node of a category (sorted).
    :raises UnknownNodeError: when nothing matches (the message names the text).
    :raises AmbiguousNodeError: when a label or synonym names several nodes.
    :raises QueryError: when a category has no node in the graph.

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> projection = build_projection(load_curated())
    >>> resolve(projection, "Lachnospiraceae")
    ('NCBITaxon:186803',)
    >>> "NCBITaxon:186803" in resolve(projection, "taxon")
    True
    """
    stripped = text.strip()
    if stripped in projection.nodes:
        return (stripped,)
    key = normalize_text(stripped)
    if not key:
        raise UnknownNodeError(text)
    categories = {name.casefold(): name for name in projection.vocabulary.categories}
    if key in categories:
        category = categories[key]
        members = projection.members(category)
        if len(members) == 0:
            raise QueryError(f"category {category!r} has no node in the graph")
        return tuple(projection.node_ids[i] for i in members)
    labels, synonyms = _indexes(projection)
    for index in (labels, synonyms):
        found = index.get(key)
        if not found:
            continue
        if len(found) == 1:
            return (next(iter(found)),)
        candidates = tuple(sorted((node, projection.nodes[node].label) for node in found))
        raise AmbiguousNodeError(text, candidates)
    close = difflib.get_close_matches(key, [*labels, *synonyms, *categories], n=3, cutoff=0.8)
    if _CURIE_LIKE.match(stripped) and not close:
        close = [node for node in projection.nodes if node.casefold() == key][:3]
    shown: list[str] = []
    for name in close:
        ids = labels.get(name) or synonyms.get(name)
        if ids:
            node = sorted(ids)[0]
            shown.append(f"{projection.nodes[node].label!r} ({node})")
        else:
            shown.append(categories.get(name, name))
    raise UnknownNodeError(text, tuple(dict.fromkeys(shown)))
