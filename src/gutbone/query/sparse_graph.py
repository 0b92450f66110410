"""A graph held only in numpy arrays, for millions of edges (no networkx).

:class:`SparseGraph` carries the same sorted node ids, category codes and arc arrays as
:class:`~gutbone.query.projection.Projection`, so :func:`gutbone.query.metapaths.metapath_dwpc`
scores it with the same code, and :func:`gutbone.query.paths.find_paths_sparse` enumerates
its paths on CSR arrays. It is built directly from arrays:

* :func:`gutbone.interop.readers.sparse_kgx.read_kgx`: a KGX TSV pair, read with
  pandas' C parser (categories and predicates through the one Biolink mapping of
  :mod:`gutbone.interop.biolink`);
* :func:`from_curated`: the curated tables (for tests, and for the Spark engine on the
  curated graph).

Arcs follow :mod:`gutbone.query.projection`: subject to object, and also object to subject
for the symmetric predicates; self-loops are dropped.

>>> from gutbone.curation import load_curated
>>> graph = from_curated(load_curated())
>>> graph.node_ids == tuple(sorted(graph.node_ids))
True
>>> graph.resolve("Lachnospiraceae")
('NCBITaxon:186803',)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gutbone.curation import CuratedData
from gutbone.errors import QueryError
from gutbone.query.projection import (
    SYMMETRIC_PREDICATES,
    ArcArrays,
    CategoryIndex,
    classification_edge,
)
from gutbone.vocabulary import Vocabulary, load_vocabulary

__all__ = [
    "SparseGraph",
    "build_sparse_graph",
    "from_curated",
]



@dataclass(frozen=True)
class SparseGraph(CategoryIndex):
    """A typed directed multigraph as arrays (see the module docstring).

    :param vocabulary: categories, predicates and evidence types.
    :param node_ids: every node id, sorted (row/column order of sparse matrices).
    :param labels: the label of each node (the id when the file gives none).
    :param category_table: category names, sorted (codes of :attr:`node_category_codes`).
    :param node_category_codes: the category of each node (-1: none of the vocabulary).
    :param predicate_names: predicate names, sorted (codes of :attr:`ArcArrays.predicate`).
    :param arcs: the traversable arcs (forward arcs in edge order, then the reversed arcs of
        symmetric predicates).
    :param arc_edge: the edge (row of the edge table, 0-based) each arc walks.
    :param arc_reverse: True for an arc walked from object to subject.
    :param arc_sign: the sign (-1, 0, 1) of each arc's edge.
    :param n_edges: number of edges read (self-loops included).
    :param edge_ids: the edge ids, when kept (else an edge is named ``FILE:ROW``).
    :param edge_file: the edge file name, for ``FILE:ROW`` names (the header is row 1).
    :param derived_names: names of the edges after the file's rows (the ``subclass_of``
        hops :func:`read_kgx` derives from a ``broader`` node column), in edge order.
    :param cache: memo of derived arrays (CSR order, category members, step matrices of
        :mod:`gutbone.query.metapaths`); not part of equality.
    """

    vocabulary: Vocabulary
    node_ids: tuple[str, ...]
    labels: tuple[str, ...]
    category_table: tuple[str, ...]
    node_category_codes: NDArray[np.int16]
    predicate_names: tuple[str, ...]
    arcs: ArcArrays
    arc_edge: NDArray[np.int64]
    arc_reverse: NDArray[np.bool_]
    arc_sign: NDArray[np.int8]
    n_edges: int
    edge_ids: tuple[str, ...] | None = None
    edge_file: str = "edges"
    derived_names: tuple[str, ...] = ()
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def category(self, index: int) -> str:
        """The category name of a node (``""`` when it has none of the vocabulary).

        :param index: position in :attr:`node_ids`.
        :returns: the category.
        """
        code = int(self.node_category_codes[index])
        return self.category_table[code] if code >= 0 else ""

    def index(self, node: str) -> int:
        """Position of a node id in :attr:`node_ids`.

        :param node: a node id.
        :returns: its index.
        :raises QueryError: when the graph has no such node.
        """
        position = int(np.searchsorted(self._id_array, node))
        if position < len(self.node_ids) and self.node_ids[position] == node:
            return position
        raise QueryError(f"unknown node {node!r}: not a node id of the graph")

    @property
    def _id_array(self) -> NDArray[Any]:
        if "id_array" not in self.cache:
            self.cache["id_array"] = np.array(self.node_ids, dtype=object)
        ids: NDArray[Any] = self.cache["id_array"]
        return ids

    def edge_name(self, edge: int) -> str:
        """The id of an edge, or ``FILE:ROW`` when ids were not kept (header = row 1).

        :param edge: the 0-based edge row.
        :returns: its name.
        """
        if self.edge_ids is not None:
            return self.edge_ids[edge]
        file_rows = self.n_edges - len(self.derived_names)
        if edge >= file_rows:
            return self.derived_names[edge - file_rows]
        return f"{self.edge_file}:{edge + 2}"

    def out_csr(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Arcs grouped by tail: ``order[indptr[u]:indptr[u + 1]]`` are the arcs leaving u.

        :returns: ``(indptr, order)``, computed once.
        """
        if "out_csr" not in self.cache:
            tail = self.arcs.tail
            order = np.argsort(tail, kind="stable").astype(np.int64)
            counts = np.bincount(tail, minlength=len(self.node_ids))
            indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self.cache["out_csr"] = (indptr, order)
        csr: tuple[NDArray[np.int64], NDArray[np.int64]] = self.cache["out_csr"]
        return csr

    def resolve(self, text: str) -> tuple[str, ...]:
        """Node ids named by a node id, a category name or a label (case-insensitive).

        :param text: what the user typed.
        :returns: one id, or every node of a category (sorted).
        :raises QueryError: when nothing matches or a label names several nodes.

        >>> from_curated(_tiny()).resolve("bone density")
        ('OBA:1000110',)
        """
        from gutbone.query.resolve import AmbiguousNodeError, UnknownNodeError, normalize_text

        stripped = text.strip()
        try:
            return (self.node_ids[self.index(stripped)],)
        except QueryError:
            pass
        key = normalize_text(stripped)
        categories = {name.casefold(): name for name in self.vocabulary.categories}
        if key in categories:
            members = self.members(categories[key])
            if len(members) == 0:
                raise QueryError(f"category {categories[key]!r} has no node in the graph")
            return tuple(self.node_ids[i] for i in members.tolist())
        if "labels_index" not in self.cache:
            index: dict[str, list[int]] = {}
            for i, label in enumerate(self.labels):
                index.setdefault(normalize_text(label), []).append(i)
            self.cache["labels_index"] = index
        found = self.cache["labels_index"].get(key, [])
        if len(found) == 1:
            return (self.node_ids[found[0]],)
        if found:
            candidates = tuple((self.node_ids[i], self.labels[i]) for i in found)
            raise AmbiguousNodeError(text, candidates)
        raise UnknownNodeError(text)


def _tiny() -> CuratedData:
    """The curated tables (doctest helper)."""
    from gutbone.curation import load_curated

    return load_curated()


def build_sparse_graph(
    node_ids: Sequence[str] | NDArray[Any],
    node_categories: Sequence[str] | NDArray[Any],
    subjects: NDArray[np.int64],
    predicates: Sequence[str] | NDArray[Any],
    objects: NDArray[np.int64],
    *,
    signs: NDArray[np.int64] | None = None,
    evidence_types: Sequence[str] | NDArray[Any] | None = None,
    labels: Sequence[str] | NDArray[Any] | None = None,
    edge_ids: Sequence[str] | None = None,
    edge_file: str = "edges",
    derived_names: Sequence[str] = (),
) -> SparseGraph:
    """Assemble a :class:`SparseGraph` from node and edge arrays.

    :param node_ids: node ids (any order, unique).
    :param node_categories: the gutbone category name of each node.
    :param subjects: index (in ``node_ids``) of each edge's subject.
    :param predicates: gutbone predicate name of each edge.
    :param objects: index of each edge's object.
    :param signs: sign of each edge (0 when not given).
    :param evidence_types: evidence type name of each edge (unknown names rank -1, weight 0).
    :param labels: node labels (default: the ids).
    :param edge_ids: edge ids to keep, in edge order (default: ``FILE:ROW`` names).
    :param edge_file: file name used in ``FILE:ROW`` names.
    :param derived_names: names of the last edges, when they come from no file row.
    :returns: the graph, nodes sorted by id.
    :raises QueryError: for duplicate node ids or unknown predicates.

    >>> g = build_sparse_graph(["b", "a"], ["Taxon", "Metabolite"], np.array([0]),
    ...                        ["produces"], np.array([1]))
    >>> g.node_ids, g.arcs.tail.tolist(), g.arcs.head.tolist()
    (('a', 'b'), [1], [0])
    """
    vocabulary = load_vocabulary()
    sorted_ids, order, position = _sorted_nodes(node_ids)
    category_table = tuple(sorted(vocabulary.categories))
    category_code = {name: i for i, name in enumerate(category_table)}
    inverse, uniques = _factorize(node_categories)
    codes = np.array([category_code.get(str(u), -1) for u in uniques], dtype=np.int16)
    codes = codes[inverse][order] if len(uniques) else np.zeros(0, dtype=np.int16)
    predicate_names = tuple(sorted(vocabulary.predicates))
    predicate_code, evidence_code = _edge_codes(vocabulary, predicates, evidence_types)
    n = len(predicate_code)
    sign = np.zeros(n, dtype=np.int8) if signs is None else np.asarray(signs, dtype=np.int8)
    return _assemble(
        vocabulary,
        node_ids=tuple(str(x) for x in sorted_ids),
        labels=tuple(str(x) for x in np.asarray(labels, dtype=object)[order])
        if labels is not None
        else tuple(str(x) for x in sorted_ids),
        category_table=category_table,
        codes=codes,
        predicate_names=predicate_names,
        subject=position[np.asarray(subjects, dtype=np.int64)],
        obj=position[np.asarray(objects, dtype=np.int64)],
        predicate=predicate_code,
        sign=sign,
        evidence=evidence_code,
        edge_ids=tuple(edge_ids) if edge_ids is not None else None,
        edge_file=edge_file,
        derived_names=tuple(derived_names),
    )


def _sorted_nodes(
    node_ids: Sequence[str] | NDArray[Any],
) -> tuple[NDArray[Any], NDArray[np.int64], NDArray[np.int64]]:
    """Sorted ids, the sorting order and each input node's sorted position (unique ids)."""
    ids = np.asarray(node_ids, dtype=object)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    if len(sorted_ids) > 1 and bool(np.any(sorted_ids[1:] == sorted_ids[:-1])):
        duplicated = sorted({str(x) for x in sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]]})
        raise QueryError(f"duplicate node ids: {', '.join(duplicated[:5])}")
    position = np.empty(len(ids), dtype=np.int64)
    position[order] = np.arange(len(ids), dtype=np.int64)
    return sorted_ids, order.astype(np.int64), position


def _edge_codes(
    vocabulary: Vocabulary,
    predicates: Sequence[str] | NDArray[Any],
    evidence_types: Sequence[str] | NDArray[Any] | None,
) -> tuple[NDArray[np.int16], NDArray[np.int16]]:
    """Predicate codes (in sorted predicate names) and evidence codes (-1: unknown)."""
    predicate_names = tuple(sorted(vocabulary.predicates))
    predicate_inverse, predicate_uniques = _factorize(predicates)
    unknown = [str(p) for p in predicate_uniques if str(p) not in vocabulary.predicates]
    if unknown:
        raise QueryError(f"unknown predicate {', '.join(map(repr, unknown))}")
    predicate_code = np.array(
        [predicate_names.index(str(p)) for p in predicate_uniques], dtype=np.int16
    )[predicate_inverse]
    evidence_code = np.full(len(predicate_code), -1, dtype=np.int16)
    names = tuple(vocabulary.evidence_types)
    if evidence_types is not None:
        ev_inverse, ev_uniques = _factorize(evidence_types)
        lookup = np.array(
            [names.index(str(e)) if str(e) in names else -1 for e in ev_uniques] + [-1]
        )
        evidence_code = lookup[ev_inverse].astype(np.int16)
    return predicate_code, evidence_code


def _factorize(values: Sequence[str] | NDArray[Any]) -> tuple[NDArray[np.int64], list[str]]:
    """Codes and distinct values of a column of names (hash-based, fast on millions)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _assemble(
    vocabulary: Vocabulary,
    *,
    node_ids: tuple[str, ...],
    labels: tuple[str, ...],
    category_table: tuple[str, ...],
    codes: NDArray[np.int16],
    predicate_names: tuple[str, ...],
    subject: NDArray[np.int64],
    obj: NDArray[np.int64],
    predicate: NDArray[np.int16],
    sign: NDArray[np.int8],
    evidence: NDArray[np.int16],
    edge_ids: tuple[str, ...] | None,
    edge_file: str,
    derived_names: tuple[str, ...] = (),
) -> SparseGraph:
    evidence_names = tuple(vocabulary.evidence_types)
    weight_of = np.array(
        [float(vocabulary.evidence_types[e].weight) for e in evidence_names] + [0.0]
    )
    rank_of = np.array([vocabulary.evidence_types[e].rank for e in evidence_names] + [-1])
    symmetric = np.array([name in SYMMETRIC_PREDICATES for name in predicate_names])
    edges = np.arange(len(subject), dtype=np.int64)
    forward = subject != obj
    backward = forward & symmetric[predicate]
    arc_edge = np.concatenate([edges[forward], edges[backward]])
    arc_reverse = np.concatenate(
        [np.zeros(int(forward.sum()), dtype=bool), np.ones(int(backward.sum()), dtype=bool)]
    )
    tail = np.where(arc_reverse, obj[arc_edge], subject[arc_edge])
    head = np.where(arc_reverse, subject[arc_edge], obj[arc_edge])
    arc_evidence = evidence[arc_edge].astype(np.int64)  # -1 picks the trailing "unknown"
    arcs = ArcArrays(
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        predicate=predicate[arc_edge].astype(np.int16),
        rank=rank_of[arc_evidence].astype(np.int16),
        weight=weight_of[arc_evidence].astype(np.float64),
        sign=sign[arc_edge].astype(np.int8),
    )
    return SparseGraph(
        vocabulary=vocabulary,
        node_ids=node_ids,
        labels=labels,
        category_table=category_table,
        node_category_codes=codes.astype(np.int16),
        predicate_names=predicate_names,
        arcs=arcs,
        arc_edge=arc_edge,
        arc_reverse=arc_reverse,
        arc_sign=arcs.sign,
        n_edges=len(subject),
        edge_ids=edge_ids,
        edge_file=edge_file,
        derived_names=derived_names,
    )


def from_curated(data: CuratedData) -> SparseGraph:
    """The curated tables as a :class:`SparseGraph` (edges in edge-id order, ids kept).

    :param data: checked curated tables (:func:`gutbone.curation.load_curated`).
    :returns: the graph; its arcs are those of :func:`~gutbone.query.projection.build_projection`
        (curated edges plus the ``subclass_of`` hops derived from ``broader``).

    >>> graph = from_curated(_tiny())
    >>> graph.n_edges >= len(_tiny().edges)
    True
    """
    node_ids = sorted(data.nodes)
    index = {node: i for i, node in enumerate(node_ids)}
    everything = dict(data.edges)
    for node in data.nodes.values():  # the is-a hops the projection derives from broader
        if node.broader and node.broader in data.nodes and node.broader != node.id:
            edge = classification_edge(node, data.nodes[node.broader].label)
            everything[edge.id] = edge
    edge_ids = sorted(everything)
    edges = [everything[e] for e in edge_ids]
    return build_sparse_graph(
        node_ids,
        [data.nodes[n].category for n in node_ids],
        np.array([index[e.subject] for e in edges], dtype=np.int64),
        [e.predicate for e in edges],
        np.array([index[e.object] for e in edges], dtype=np.int64),
        signs=np.array([e.sign for e in edges], dtype=np.int64),
        evidence_types=[e.evidence_type for e in edges],
        labels=[data.nodes[n].label for n in node_ids],
        edge_ids=edge_ids,
        edge_file="edges",
    )

