r"""VoID counts of a store, computed once when it is loaded, for the catalog's count queries.

Counting every assertion by predicate and sign takes seconds on a graph of 1e7 edges
(15.7 s for ``counts_by_predicate``), yet the answer only changes when the store does.
When a store is loaded (the curated graph in memory, ``gutbone build --store``) these
counts are computed once and added to it as a `VoID <https://www.w3.org/TR/void/>`_
description of the dataset :data:`DATASET`:

- ``void:triples`` (the triples before the description was added), one
  ``void:propertyPartition`` per predicate (``void:property``, ``void:triples``) and one
  ``void:classPartition`` per class (``void:class``, ``void:entities``: its instances);
- gutbone partitions (namespace :data:`GBV`) holding exactly what the count queries of the
  catalog aggregate: ``gbv:NodeClassPartition`` (nodes with a CURIE per class),
  ``gbv:PredicatePartition`` (association rows per predicate and sign) and
  ``gbv:EvidencePartition`` (association rows per evidence type, and those with an effect).

Partition nodes are IRIs under :data:`DATASET` numbered in sorted order, so the description
is deterministic; ``counts_by_predicate``, ``counts_by_category`` and ``counts_by_evidence``
read it instead of counting (tests check it equals the live counts).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
>>> text = void_ntriples(store)
>>> f'<{DATASET}> <{VOID}triples> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .' in text
True
"""

from __future__ import annotations

from collections.abc import Iterator

import pyoxigraph as ox

from gutbone.resources import VOCAB

__all__ = ["VOID", "GBV", "DATASET", "void_ntriples", "add_void"]

VOID = "http://rdfs.org/ns/void#"
#: gutbone's own partition classes and properties.
GBV = "https://w3id.org/gutbone/void#"
#: The dataset the description is about (and the prefix of its partition nodes).
DATASET = "https://w3id.org/gutbone/void"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
_PREFIXES = {
    "gb": VOCAB,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "void": VOID,
    "gbv": GBV,
}

# (partition class, the count query, the variables that key a partition, the count variables)
_PARTITIONS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        VOID + "propertyPartition",
        "SELECT ?property (COUNT(*) AS ?triples) WHERE { ?s ?property ?o } GROUP BY ?property",
        ("property",),
        ("triples",),
    ),
    (
        VOID + "classPartition",
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?entities) WHERE { ?s a ?class } GROUP BY ?class",
        ("class",),
        ("entities",),
    ),
    (
        GBV + "NodeClassPartition",
        "SELECT ?class (COUNT(DISTINCT ?node) AS ?nodes) "
        "WHERE { ?node gb:curie ?curie ; a ?class } GROUP BY ?class",
        ("class",),
        ("nodes",),
    ),
    (
        GBV + "PredicatePartition",
        "SELECT ?predicate ?sign (COUNT(?a) AS ?assertions) "
        "WHERE { ?a a gb:Association ; rdf:predicate ?predicate ; gb:sign ?sign } "
        "GROUP BY ?predicate ?sign",
        ("predicate", "sign"),
        ("assertions",),
    ),
    (
        GBV + "EvidencePartition",
        "SELECT ?evidence (COUNT(?a) AS ?assertions) (COUNT(?effect) AS ?withEffect) "
        "WHERE { ?a a gb:Association ; gb:evidenceType ?evidence . "
        "OPTIONAL { ?a gb:effect ?effect } } GROUP BY ?evidence",
        ("evidence",),
        ("assertions", "withEffect"),
    ),
)


def _n3(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> str:
    return str(term)


def _count(value: int) -> str:
    return f'"{value}"^^<{_INTEGER}>'


def _partition_lines(store: ox.Store) -> Iterator[str]:
    number = 0
    for kind, query, keys, counts in _PARTITIONS:
        solutions = store.query(query, prefixes=_PREFIXES)
        rows = sorted(
            (tuple(_n3(s[k]) for k in keys), tuple(int(s[c].value) for c in counts))
            for s in solutions  # type: ignore[union-attr]
        )
        for key, values in rows:
            number += 1
            node = f"<{DATASET}/partition/{number}>"
            if kind.startswith(VOID):
                yield f"<{DATASET}> <{kind}> {node} ."
                property_name = "property" if kind.endswith("propertyPartition") else "class"
                yield f"{node} <{VOID}{property_name}> {key[0]} ."
                yield f"{node} <{VOID}{counts[0]}> {_count(values[0])} ."
                continue
            yield f"<{DATASET}> <{VOID}subset> {node} ."
            yield f"{node} <{_RDF_TYPE}> <{kind}> ."
            for name, term in zip(keys, key, strict=True):
                yield f"{node} <{GBV}{name}> {term} ."
            for name, value in zip(counts, values, strict=True):
                yield f"{node} <{GBV}{name}> {_count(value)} ."


def void_ntriples(store: ox.Store) -> str:
    """The VoID description of ``store``'s default graph, as N-Triples.

    :param store: the store (read only).
    :returns: the description (one triple a line, deterministic order).
    """
    triples = len(store)
    lines = [
        f"<{DATASET}> <{_RDF_TYPE}> <{VOID}Dataset> .",
        f"<{DATASET}> <{VOID}triples> {_count(triples)} .",
        *_partition_lines(store),
    ]
    return "\n".join(lines) + "\n"


def add_void(store: ox.Store) -> str:
    """Compute the VoID description of ``store`` and add it to the store's default graph.

    :param store: a writable store.
    :returns: the triples added (N-Triples), for copies of the graph held elsewhere.
    """
    text = void_ntriples(store)
    store.bulk_load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return text
