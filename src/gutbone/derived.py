r"""Facts derived from a store's data once, when it is loaded, for the catalog's slow queries.

Two catalog questions need, every time they are asked, a computation whose answer only
changes when the store does: the pairs of assertions with opposite signs on the same
subject and object (``conflicting_assertions``: a self-join of every signed association
node, 10.7 s at 1e7 edges) and the nodes with a local ``gutbone:`` CURIE
(``local_identifiers``: a string test on every CURIE). Like the VoID counts
(:mod:`gutbone.void`), these are computed once when a store is loaded (the curated graph
in memory, ``gutbone build --store``, :func:`gutbone.store.load_files`; a store is always
loaded as a whole, ``--add`` files included, so the facts cover every file) and added to
it, as parts of the dataset :data:`~gutbone.void.DATASET` in the namespace
:data:`~gutbone.void.GBV`:

- ``gbv:ConflictingPair`` nodes (``<DATASET/conflict/N>``): ``gbv:lowering`` an association
  with ``gb:sign -1`` and ``gbv:raising`` one with ``gb:sign 1`` on the same
  ``rdf:subject`` and ``rdf:object``;
- the ``gbv:LocalIdentifierPartition`` ``<DATASET/local-identifiers>``: ``gbv:node`` every
  node with a ``gb:curie`` starting with ``gutbone:``;
- ``<DATASET> gbv:derivedFacts VERSION`` (:data:`VERSION`), which
  :func:`require_derived_facts` looks for.

Each fact is computed from the very patterns of the catalog query that reads it; the
rewritten queries keep those patterns and only start from the facts, so their rows are
those of the earlier text (``tests/test_catalog_derived.py`` checks each fact against its
live computation, ``tests/test_catalog_rewrites.py`` the rows).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> add_derived_facts(store)
2
>>> require_derived_facts(store)
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from gutbone.errors import QueryError
from gutbone.resources import VOCAB
from gutbone.void import DATASET, GBV

__all__ = [
    "VERSION",
    "derived_quads",
    "derived_ntriples",
    "add_derived_facts",
    "has_derived_facts",
    "require_derived_facts",
]

#: Version of the derived facts; a store with another version (or none) is rebuilt.
VERSION = 1

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_PREFIXES = {
    "gb": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
}

#: The signed pairs of ``conflicting_assertions`` (its first two patterns), joined to the
#: subject-object pairs that carry both signs (a self-join of all signed association
#: nodes made the planner take 47 s at 1e7 edges; this form takes 6.5 s).
CONFLICTS_QUERY = (
    "SELECT DISTINCT ?down ?up WHERE { "
    "{ SELECT ?subject ?object WHERE { VALUES ?sign { -1 1 } "
    "?a gb:sign ?sign ; rdf:subject ?subject ; rdf:object ?object } "
    "GROUP BY ?subject ?object HAVING (COUNT(DISTINCT ?sign) = 2) } "
    "?down gb:sign -1 ; rdf:subject ?subject ; rdf:object ?object . "
    "?up rdf:subject ?subject ; rdf:object ?object ; gb:sign 1 }"
)
#: The nodes of ``local_identifiers`` (its CURIE test).
LOCAL_QUERY = (
    'SELECT DISTINCT ?node WHERE { ?node gb:curie ?curie . FILTER(STRSTARTS(?curie, "gutbone:")) }'
)


def _gbv(name: str) -> ox.NamedNode:
    return ox.NamedNode(GBV + name)


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


def _solutions(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    answer = store.query(query, prefixes=_PREFIXES)
    assert isinstance(answer, ox.QuerySolutions)
    return iter(answer)


def _sort_key(term: object) -> str:
    return str(term)


def _conflict_quads(store: ox.Store) -> Iterator[ox.Quad]:
    pairs = sorted(
        ((s["down"], s["up"]) for s in _solutions(store, CONFLICTS_QUERY)),
        key=lambda pair: (str(pair[0]), str(pair[1])),
    )
    kind = _gbv("ConflictingPair")
    for number, (down, up) in enumerate(pairs, start=1):
        pair = ox.NamedNode(f"{DATASET}/conflict/{number}")
        yield ox.Quad(pair, _RDF_TYPE, kind)
        yield ox.Quad(pair, _gbv("lowering"), down)
        yield ox.Quad(pair, _gbv("raising"), up)


def _local_quads(store: ox.Store) -> Iterator[ox.Quad]:
    partition = ox.NamedNode(f"{DATASET}/local-identifiers")
    yield ox.Quad(partition, _RDF_TYPE, _gbv("LocalIdentifierPartition"))
    for node in sorted((s["node"] for s in _solutions(store, LOCAL_QUERY)), key=_sort_key):
        yield ox.Quad(partition, _gbv("node"), node)


def derived_quads(store: ox.Store) -> list[ox.Quad]:
    """The derived facts of ``store``'s default graph (deterministic order).

    :param store: the store (read only), holding the data without derived facts.
    :returns: the quads to add (the version marker first).
    """
    marker = ox.Quad(ox.NamedNode(DATASET), _gbv("derivedFacts"), _integer(VERSION))
    return [marker, *_conflict_quads(store), *_local_quads(store)]


def derived_ntriples(store: ox.Store) -> str:
    """The derived facts of ``store`` as N-Triples, for a graph kept as text.

    A blank node loses its identity in text (each parse renames it), so a fact naming
    one cannot be written: use :func:`add_derived_facts` on such a store.

    :param store: the store (read only).
    :returns: the facts, one triple a line.
    :raises ValueError: when a fact names a blank node.
    """
    lines = []
    for quad in derived_quads(store):
        if isinstance(quad.object, ox.BlankNode):
            raise ValueError(f"a derived fact names the blank node {quad.object}: not writable")
        lines.append(f"{quad.subject} {quad.predicate} {quad.object} .")
    return "\n".join(lines) + "\n"


def add_derived_facts(store: ox.Store) -> int:
    """Compute the derived facts of ``store`` and add them to its default graph.

    Blank nodes keep their identity (the facts are added as terms, not as text).

    :param store: a writable store, holding the data without derived facts.
    :returns: the number of triples added.
    """
    quads = derived_quads(store)
    store.bulk_extend(quads)
    return len(quads)


def has_derived_facts(store: ox.Store) -> bool:
    """Whether ``store`` holds derived facts of this :data:`VERSION`."""
    marker = ox.Quad(ox.NamedNode(DATASET), _gbv("derivedFacts"), _integer(VERSION))
    return marker in store


def require_derived_facts(store: ox.Store, where: str = "the store") -> None:
    """Raise unless ``store`` holds derived facts of this :data:`VERSION`.

    Queries reading them would otherwise give no rows, silently, on a store loaded by an
    earlier gutbone.

    :param store: the store.
    :param where: the store's name for the message (its folder).
    :raises QueryError: naming the fix (rebuild the store).
    """
    if not has_derived_facts(store):
        raise QueryError(
            f"{where} has no derived facts of version {VERSION} (it was loaded by an "
            "earlier gutbone): rebuild it with `gutbone build --store DIR`"
        )
