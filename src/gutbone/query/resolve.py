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
from collections.abc import Callable, Iterable, Mapping

from gutbone.errors import QueryError
from gutbone.identifiers import check_curie
from gutbone.query.projection import Projection
from gutbone.suggest import normalize_text

__all__ = [
    "UnknownNodeError",
    "AmbiguousNodeError",
    "resolve",
    "resolve_parameters",
    "normalize_text",
]

_CURIE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:\S+$")


class UnknownNodeError(QueryError):
    """The text names no node, label, synonym or category of the graph.

    ``suggestions`` are close names, each written ``'label' (CURIE)`` (or a category name).
    """

    def __init__(self, text: str, suggestions: tuple[str, ...] = ()) -> None:
        self.text = text
        self.suggestions = suggestions
        message = f"unknown node {text!r}: no node id, label, synonym or category of the graph"
        if suggestions:
            listed = ", ".join(suggestions[:-1])
            listed = f"{listed} or {suggestions[-1]}" if listed else suggestions[-1]
            message += f"; did you mean {listed}?"
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
    raise UnknownNodeError(text, _suggestions(projection, stripped, categories))


def _suggestions(
    projection: Projection, text: str, categories: Mapping[str, str]
) -> tuple[str, ...]:
    """At most three close names for ``text``, each as ``'label' (CURIE)`` or a category.

    Names holding the text as whole words come first (``Akkermansia`` ->
    ``Akkermansia muciniphila``), shortest first, then names with a word that begins with
    it (four characters or more); then close spellings (difflib); a CURIE in the wrong
    case finds the node id.
    """
    key = normalize_text(text)
    labels, synonyms = _indexes(projection)
    names = [*labels, *synonyms]
    padded = f" {key} "
    words = sorted((name for name in names if padded in f" {name} "), key=lambda n: (len(n), n))
    if len(key) >= 4:  # a word's beginning: 'lachno' -> 'Lachnospiraceae'
        starts = (name for name in names if f" {name}".find(f" {key}") >= 0)
        words += sorted(set(starts) - set(words), key=lambda n: (len(n), n))
    close = difflib.get_close_matches(key, [*names, *categories], n=3, cutoff=0.75)
    if _CURIE_LIKE.match(text):
        close += [node for node in projection.nodes if node.casefold() == key]
    shown: dict[str, str] = {}
    for name in [*words, *close]:
        ids = labels.get(name) or synonyms.get(name)
        if name in projection.nodes:
            shown.setdefault(name, f"{projection.nodes[name].label!r} ({name})")
        elif ids:
            node = sorted(ids)[0]
            shown.setdefault(node, f"{projection.nodes[node].label!r} ({node})")
        elif name in categories:
            shown.setdefault(name, f"the category {categories[name]}")
    return tuple(shown.values())[:3]


def resolve_parameters(
    given: Mapping[str, str], names: Iterable[str], projection: Callable[[], Projection]
) -> dict[str, str]:
    """The parameter values with node names replaced by the CURIE of the node they name.

    Used by ``gutbone sparql --param``: a ``curie`` parameter accepts a label or synonym
    as ``paths`` does; a value that already is a CURIE is kept as given.

    :param given: parameter name -> value as typed.
    :param names: the parameters whose values are node CURIEs.
    :param projection: builds the graph to resolve in (called only when a name is given).
    :raises QueryError: naming the parameter, for an unknown name (with close names), an
        ambiguous one (with its candidates) or a category (several nodes).
    """
    curie_parameters = set(names)
    pending = {
        name: value
        for name, value in given.items()
        if name in curie_parameters and check_curie(value.strip()) is not None
    }
    resolved = dict(given)
    graph = projection() if pending else None
    for name, value in pending.items():
        assert graph is not None
        try:
            ids = resolve(graph, value)
        except UnknownNodeError as exc:
            hint = f"; did you mean {' or '.join(exc.suggestions)}?" if exc.suggestions else ""
            raise QueryError(
                f"parameter {name}: {check_curie(value.strip())}, nor a node label or synonym{hint}"
            ) from None
        except QueryError as exc:
            raise QueryError(f"parameter {name}: {exc}") from None
        if len(ids) != 1:
            raise QueryError(
                f"parameter {name}: {value!r} is a category of {len(ids)} nodes; "
                "give one node (CURIE, label or synonym)"
            )
        resolved[name] = ids[0]
    return resolved
