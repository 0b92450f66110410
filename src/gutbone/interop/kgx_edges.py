r"""One KGX edge per (subject, predicate, object): parallel assertions aggregated, and split back.

kgx (2.6.0, and 2.7.0 alike) keys every edge of its in-memory graph on
``subject-predicate-object`` (``generate_edge_key``; its graph sink ignores ``id`` and
the qualifiers, and a ``key`` property makes it fail), so ``kgx transform`` in default mode
and ``kgx merge`` keep one edge per triple: the attributes of a later edge overwrite those
of an earlier one. gutbone holds parallel assertions of one triple (the same claim from
several sources, or an ``increases`` and a ``decreases`` from different studies, which
both export as ``biolink:affects``).

So the KGX export writes one edge per (subject, Biolink predicate, object), Biolink-style:

* an edge with one assertion is that assertion's record, unchanged (id
  ``gutbone.assertion:ID``);
* an edge with several has the stable id ``gutbone.edge:<hash of the triple>`` and says
  only what all its assertions say: a qualifier, ``gutbone_predicate``, ``gutbone_sign``,
  evidence type and weight are written when every assertion has the same value (never an
  increased and a decreased direction on one edge); ``knowledge_level`` and ``agent_type``
  are ``not_provided`` when they differ; ``publications`` and ``gutbone_sources`` are the
  union; the knowledge sources are the assertions' own when they agree, else
  ``infores:gutbone`` (which made the aggregated edge) with the others as
  ``supporting_data_source``;
* every assertion is kept whole in ``gutbone_assertions``: its own KGX record (without
  subject and object), a JSON object in JSON Lines, a JSON text in TSV (``|``-joined, one
  per assertion; ``"``, ``\`` and ``|`` inside strings written as ``\u`` escapes, which
  kgx's TSV writer leaves alone).

:func:`split_edge` gives the assertions back, so gutbone's readers see the same
assertions as in the curated tables.

>>> a = {"id": "gutbone.assertion:a", "subject": "X:1", "predicate": "biolink:affects",
...      "object": "Y:1", "object_direction_qualifier": "increased", "gutbone_sign": 1,
...      "knowledge_level": "knowledge_assertion", "publications": ["PMID:1"]}
>>> b = {**a, "id": "gutbone.assertion:b", "object_direction_qualifier": "decreased",
...      "gutbone_sign": -1, "publications": ["PMID:2"]}
>>> (edge,) = aggregate_edges([a, b])
>>> edge["id"], "object_direction_qualifier" in edge, "gutbone_sign" in edge
('gutbone.edge:65168109910fca88', False, False)
>>> edge["knowledge_level"], edge["publications"]
('knowledge_assertion', ['PMID:1', 'PMID:2'])
>>> [r["gutbone_sign"] for r in split_edge(edge)] == [1, -1]
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from gutbone.interop.kgx import GUTBONE_INFORES, Record, json_dumps_exact, loads_bounded

__all__ = [
    "ASSERTIONS",
    "EDGE_PREFIX",
    "EDGE_BASE",
    "AGGREGATE_ONLY",
    "edge_curie",
    "aggregate_edges",
    "split_edge",
]

#: The column holding the assertions of an aggregated edge.
ASSERTIONS = "gutbone_assertions"
#: Prefix of the ids of aggregated edges, declared in the export's curie map.
EDGE_PREFIX = "gutbone.edge"
#: The IRI the prefix stands for (no RDF resource has it: the triple itself is in the graph).
EDGE_BASE = "https://w3id.org/gutbone/edge/"
#: Biolink slots written on aggregated edges only.
AGGREGATE_ONLY = ("supporting_data_source",)

#: Fields written on an aggregated edge when all its assertions agree.
_SHARED = (
    "qualified_predicate", "object_aspect_qualifier", "object_direction_qualifier",
    "species_context_qualifier", "knowledge_level", "agent_type", "gutbone_predicate",
    "gutbone_sign", "gutbone_evidence_type", "gutbone_evidence_weight",
)  # fmt: skip
#: Enumerated Biolink slots every edge has: ``not_provided`` when the assertions differ.
_NOT_PROVIDED = ("knowledge_level", "agent_type")
_UNION = ("publications", "gutbone_sources")
_ENDPOINTS = ("subject", "object")


def edge_curie(subject: str, predicate: str, obj: str) -> str:
    r"""The stable id of the aggregated edge of a triple.

    The first 16 hex digits of the SHA-256 of ``subject TAB predicate TAB object``
    (``printf 'X:1\tbiolink:affects\tY:1' | sha256sum``).

    >>> edge_curie("X:1", "biolink:affects", "Y:1")
    'gutbone.edge:65168109910fca88'
    """
    digest = hashlib.sha256(f"{subject}\t{predicate}\t{obj}".encode()).hexdigest()
    return f"{EDGE_PREFIX}:{digest[:16]}"


def _text(value: Any) -> str:
    return json_dumps_exact(value, sort_keys=True)


def _items(record: Record, name: str) -> list[Any]:
    value = record.get(name)
    return value if isinstance(value, list) else []


def _knowledge_sources(group: list[Record]) -> Record:
    names = ("primary_knowledge_source", "aggregator_knowledge_source")
    if len({_text([r.get(n) for n in names]) for r in group}) == 1:
        return {n: group[0][n] for n in names if n in group[0]}
    found: list[str] = []
    for record in group:
        for item in [record.get("primary_knowledge_source"), *_items(record, names[1])]:
            if isinstance(item, str) and item != GUTBONE_INFORES and item not in found:
                found.append(item)
    out: Record = {"primary_knowledge_source": GUTBONE_INFORES}
    if found:
        out["supporting_data_source"] = found
    return out


def _aggregate(group: list[Record]) -> Record:
    first = group[0]
    triple = (str(first["subject"]), str(first["predicate"]), str(first["object"]))
    record: Record = {"id": edge_curie(*triple), "subject": triple[0],
                      "predicate": triple[1], "object": triple[2]}  # fmt: skip
    for name in _SHARED:
        if len({_text(r.get(name)) for r in group}) == 1 and name in first:
            record[name] = first[name]
        elif name in _NOT_PROVIDED:
            record[name] = "not_provided"
    record.update(_knowledge_sources(group))
    for name in _UNION:
        union = list(dict.fromkeys(str(i) for r in group for i in _items(r, name)))
        if union:
            record[name] = union
    record[ASSERTIONS] = [
        {key: value for key, value in r.items() if key not in _ENDPOINTS} for r in group
    ]
    return record


def aggregate_edges(records: Iterable[Record]) -> list[Record]:
    """KGX edges of assertion records: one per (subject, predicate, object), sorted by id.

    :param records: assertion records (:func:`gutbone.interop.kgx.edge_record`).
    :returns: the records of triples with one assertion unchanged, the others aggregated.
    """
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        key = (str(record["subject"]), str(record["predicate"]), str(record["object"]))
        groups.setdefault(key, []).append(record)
    edges = [group[0] if len(group) == 1 else _aggregate(group) for group in groups.values()]
    return sorted(edges, key=lambda record: str(record["id"]))


def split_edge(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The assertion records of a KGX edge (itself when it aggregates none).

    Each assertion gets the edge's subject and object. An item that is not a JSON object
    (a JSON text in TSV, or an object in JSON Lines) raises :class:`ValueError`.

    :raises ValueError: naming the bad item.
    """
    items = record.get(ASSERTIONS)
    if items is None or items == "" or items == []:
        return [record]
    found = []
    for item in items if isinstance(items, list) else [items]:
        value = loads_bounded(item) if isinstance(item, str) else item
        if not isinstance(value, dict):
            raise ValueError(f"{ASSERTIONS} item is not a JSON object: {str(item)[:60]!r}")
        found.append({**value, **{key: record[key] for key in _ENDPOINTS if key in record}})
    return found
