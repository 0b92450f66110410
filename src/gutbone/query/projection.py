"""A typed, directed projection of the curated graph for path search.

:func:`build_projection` turns :class:`~gutbone.curation.CuratedData` into a
:class:`Projection`: a :class:`networkx.DiGraph` whose nodes carry their category (with its
super-categories), label and synonyms, and whose arcs carry every assertion that may be
traversed along them, plus flat numpy arrays of the same arcs for the sparse metapath
engine (:mod:`gutbone.query.metapaths`).

Direction of traversal
----------------------
A path follows an assertion from its subject to its object. Three predicates state no
direction and may also be followed backwards (object to subject); the hop is then marked
``reverse`` and keeps the assertion's sign and evidence:

==================  =========  ===============================================================
predicate           traversal  why
==================  =========  ===============================================================
associated_with     both       a statistical association is symmetric; its sign (direction of
                               the correlation) reads the same both ways
expressed_in        both       structural, sign always 0 ("cell expresses receptor" and
                               "receptor is expressed in cell" are the same statement)
part_of             both       structural, sign always 0 (part of / has part)
every other one     forward    affects, increases, decreases, produces, precursor_of,
                               develops_into, treats, mediates, participates_in and binds
                               (its sign is the ligand's effect on the receptor) are directed
==================  =========  ===============================================================

Classification hops
-------------------
Each node with a broader node (``broader`` column of the node tables) gets a forward hop
``subclass_of`` to it, with evidence type ``classification`` (weight 1, sign +1): what holds
for short-chain fatty acids holds for butyrate, what holds for Lachnospiraceae holds for its
MiBioGen genus groups, and heel BMD is a bone density. The hop is built from the node row
(:func:`classification_edge`, id ``is_a:<node>``); it is never walked from the class down to
a member. This is the inheritance the SPARQL catalog applies with ``skos:broader*``, so both
answer "taxon -> metabolite -> BMD" alike.

Self-loops (subject = object) are kept in :attr:`Projection.data` but not projected: a
simple path never uses them.

>>> from gutbone.curation import load_curated
>>> projection = build_projection(load_curated())
>>> projection.nodes["OBA:1000110"].categories
('BoneOutcome', 'Measurement', 'Entity')
>>> sorted(SYMMETRIC_PREDICATES)
['associated_with', 'expressed_in', 'part_of']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from rdflib import RDFS, URIRef

from gutbone.curation import CuratedData, Edge, Node
from gutbone.errors import QueryError
from gutbone.resources import VOCAB
from gutbone.vocabulary import Vocabulary, load_vocabulary, ontology_graph

if TYPE_CHECKING:  # imported when a projection is built; the sparse engine never needs it
    import networkx as nx

__all__ = [
    "SYMMETRIC_PREDICATES",
    "NodeInfo",
    "Step",
    "ArcArrays",
    "Projection",
    "CategoryIndex",
    "build_projection",
    "classification_edge",
    "lookup_edge",
    "CLASSIFICATION_PREDICATE",
    "CLASSIFICATION_EVIDENCE",
    "predicate_closure",
    "evidence_rank",
]

#: Predicate and evidence type of the is-a hops derived from ``broader`` (module docstring).
CLASSIFICATION_PREDICATE = "subclass_of"
CLASSIFICATION_EVIDENCE = "classification"

#: Predicates a path may follow in both directions (see the module docstring).
SYMMETRIC_PREDICATES: frozenset[str] = frozenset({"associated_with", "expressed_in", "part_of"})


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """A node of the projection.

    :param id: the CURIE.
    :param label: the preferred label.
    :param category: the curated category.
    :param categories: the category and its super-categories, nearest first.
    :param synonyms: English and Chinese synonyms, as curated.
    """

    id: str
    label: str
    category: str
    categories: tuple[str, ...]
    synonyms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Step:
    """One way of walking along one assertion.

    :param edge: the curated assertion.
    :param reverse: True when walked from object to subject (symmetric predicates only).
    :param weight: the evidence weight of the assertion's evidence type.
    :param rank: the evidence rank (level) of the assertion's evidence type.
    """

    edge: Edge
    reverse: bool
    weight: float
    rank: int

    @property
    def tail(self) -> str:
        """The node the step leaves."""
        return self.edge.object if self.reverse else self.edge.subject

    @property
    def head(self) -> str:
        """The node the step enters."""
        return self.edge.subject if self.reverse else self.edge.object


@dataclass(frozen=True)
class ArcArrays:
    """The traversable arcs as parallel numpy arrays (one entry per :class:`Step`).

    :param tail: index (in :attr:`Projection.node_ids`) of the node each arc leaves.
    :param head: index of the node each arc enters.
    :param predicate: index in :attr:`Projection.predicate_names`.
    :param rank: evidence rank of the assertion.
    :param weight: evidence weight of the assertion.
    :param sign: sign (-1, 0, 1) of the assertion.
    """

    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    predicate: NDArray[np.int16]
    rank: NDArray[np.int16]
    weight: NDArray[np.float64]
    sign: NDArray[np.int8]


class CategoryIndex:
    """Category look-ups shared by the graph projections.

    Used by :class:`Projection` and the array-only
    :class:`~gutbone.query.sparse_graph.SparseGraph`. A subclass provides
    ``vocabulary``, ``category_table``, ``node_category_codes`` and a ``cache`` dict.
    """

    vocabulary: Vocabulary
    category_table: tuple[str, ...]
    node_category_codes: NDArray[np.int16]
    cache: dict[Any, Any]

    def category_names(self, category: str) -> frozenset[str]:
        """The category and all its sub-categories.

        :param category: a category of the vocabulary.
        :returns: the names of the category and its descendants.
        :raises QueryError: if the category is unknown.

        >>> from gutbone.curation import load_curated
        >>> sorted(build_projection(load_curated()).category_names("CellType"))
        ['CellType', 'ImmuneCell']
        """
        key = ("category_names", category)
        if key not in self.cache:
            if not self.vocabulary.is_category(category):
                known = ", ".join(sorted(self.vocabulary.categories))
                raise QueryError(f"unknown category {category!r} (known: {known})")
            self.cache[key] = frozenset(
                name
                for name in self.vocabulary.categories
                if category in self.vocabulary.category_ancestors(name)
            )
        names: frozenset[str] = self.cache[key]
        return names

    def members(self, category: str) -> NDArray[np.int64]:
        """Sorted indices (in :attr:`node_ids`) of the nodes of a category or a subclass.

        :param category: a category of the vocabulary.
        :returns: an ascending index array.
        :raises QueryError: if the category is unknown.
        """
        key = ("members", category)
        if key not in self.cache:
            names = self.category_names(category)
            wanted = [i for i, name in enumerate(self.category_table) if name in names]
            inside = np.isin(self.node_category_codes, np.array(wanted, dtype=np.int16))
            self.cache[key] = np.flatnonzero(inside).astype(np.int64)
        members: NDArray[np.int64] = self.cache[key]
        return members


@dataclass(frozen=True)
class Projection(CategoryIndex):
    """The curated graph as a typed directed graph plus arc arrays.

    :param data: the curated tables the projection was built from.
    :param vocabulary: categories, predicates and evidence types.
    :param graph: one node per curated node (attribute ``info``: :class:`NodeInfo`), one arc
        ``u -> v`` per pair with at least one step (attribute ``steps``: tuple of
        :class:`Step`, in edge-id order).
    :param nodes: node information by id.
    :param node_ids: every node id, sorted (the row/column order of sparse matrices).
    :param predicate_names: predicate names, sorted (codes of :attr:`ArcArrays.predicate`).
    :param arcs: the steps as arrays, for :mod:`gutbone.query.metapaths`.
    :param node_index: position of each node id in :attr:`node_ids`.
    :param category_table: category names, sorted (codes of :attr:`node_category_codes`).
    :param node_category_codes: the curated category of each node, as a code.
    :param cache: memo of derived data (category members, step matrices of
        :mod:`gutbone.query.metapaths`, name indexes of :mod:`gutbone.query.resolve`),
        filled on first use; not part of equality. The graph itself is never modified.
    """

    data: CuratedData
    vocabulary: Vocabulary
    graph: nx.DiGraph
    nodes: Mapping[str, NodeInfo]
    node_ids: tuple[str, ...]
    predicate_names: tuple[str, ...]
    arcs: ArcArrays
    node_index: Mapping[str, int]
    category_table: tuple[str, ...]
    node_category_codes: NDArray[np.int16]
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def in_category(self, node: str, category: str) -> bool:
        """Whether a node belongs to a category (its own or a super-category).

        :param node: a node id of the projection.
        :param category: a category name.
        :returns: True when ``category`` is among the node's categories.
        """
        return category in self.nodes[node].categories


def evidence_rank(vocabulary: Vocabulary, level: str | None) -> int | None:
    """Rank of an evidence level given by name (``None`` passes through).

    :param vocabulary: the vocabulary holding the evidence types.
    :param level: an evidence type name such as ``"animal"``, or None.
    :returns: its rank (higher is stronger), or None.
    :raises QueryError: naming the level and the known ones if it is unknown.

    >>> evidence_rank(load_vocabulary(), "mendelian_randomization")
    5
    """
    if level is None:
        return None
    evidence = vocabulary.evidence_types.get(level)
    if evidence is None:
        known = ", ".join(vocabulary.evidence_types)
        raise QueryError(f"unknown evidence level {level!r} (known, strongest first: {known})")
    return evidence.rank


@cache
def _predicate_parents() -> Mapping[str, str | None]:
    graph = ontology_graph()
    parents: dict[str, str | None] = {}
    for name in load_vocabulary().predicates:
        parent = graph.value(URIRef(VOCAB + name), RDFS.subPropertyOf)
        text = str(parent) if isinstance(parent, URIRef) else ""
        parents[name] = text[len(VOCAB) :] if text.startswith(VOCAB) else None
    return parents


def predicate_closure(vocabulary: Vocabulary, names: Iterable[str] | None) -> frozenset[str] | None:
    """The named predicates with all their sub-predicates (``None`` means every predicate).

    A predicate matches its sub-properties in the ontology, as a category matches its
    sub-classes: ``affects`` also allows ``increases`` and ``decreases``.

    :param vocabulary: the vocabulary holding the predicates.
    :param names: predicate names, or None.
    :returns: the closed set, or None.
    :raises QueryError: naming every unknown predicate.

    >>> sorted(predicate_closure(load_vocabulary(), ["affects"]))
    ['affects', 'decreases', 'increases']
    """
    if names is None:
        return None
    wanted = [name.strip() for name in names if name.strip()]
    unknown = [name for name in wanted if name not in vocabulary.predicates]
    if unknown:
        known = ", ".join(vocabulary.predicates)
        listed = ", ".join(repr(name) for name in unknown)
        raise QueryError(f"unknown predicate {listed} (known: {known})")
    parents = _predicate_parents()
    closed: set[str] = set()
    for name in vocabulary.predicates:
        current: str | None = name
        while current is not None:
            if current in wanted:
                closed.add(name)
                break
            current = parents.get(current)
    return frozenset(closed)


def classification_edge(node: Node, broader_label: str) -> Edge:
    """The is-a hop from a node to its broader node, as an assertion.

    >>> from gutbone.curation import load_curated
    >>> data = load_curated()
    >>> edge = classification_edge(data.nodes["CHEBI:17968"], "short-chain fatty acid")
    >>> edge.id, edge.predicate, edge.object, edge.sign, edge.evidence_type
    ('is_a:CHEBI:17968', 'subclass_of', 'CHEBI:26666', 1, 'classification')
    """
    return Edge(
        id=f"is_a:{node.id}",
        subject=node.id,
        predicate=CLASSIFICATION_PREDICATE,
        object=node.broader,
        sign=1,
        evidence_type=CLASSIFICATION_EVIDENCE,
        sources=node.sources,
        locator=f"node table ({node.record})",
        quote=f"{node.label} is a kind of {broader_label}",
        record=node.record,
    )


def lookup_edge(data: CuratedData, edge_id: str) -> Edge:
    """The assertion a path hop names: a curated edge, or a derived ``is_a:<node>`` hop.

    :raises KeyError: when ``edge_id`` is neither.
    """
    edge = data.edges.get(edge_id)
    if edge is not None:
        return edge
    node = data.nodes.get(edge_id.removeprefix("is_a:")) if edge_id.startswith("is_a:") else None
    if node is None or not node.broader or node.broader not in data.nodes:
        raise KeyError(edge_id)
    return classification_edge(node, data.nodes[node.broader].label)


def _all_edges(data: CuratedData) -> dict[str, Edge]:
    edges = dict(data.edges)
    for node in data.nodes.values():
        if node.broader and node.broader in data.nodes and node.broader != node.id:
            edge = classification_edge(node, data.nodes[node.broader].label)
            edges[edge.id] = edge
    return edges


def build_projection(data: CuratedData) -> Projection:
    """Project curated tables onto a typed directed graph.

    :param data: checked curated tables (:func:`gutbone.curation.load_curated`).
    :returns: the projection; building it reads no files beyond the bundled vocabulary.

    >>> from gutbone.curation import load_curated
    >>> projection = build_projection(load_curated())
    >>> step = projection.graph["NCBITaxon:186803"]["CHEBI:17968"]["steps"][0]
    >>> step.edge.predicate, step.reverse
    ('produces', False)
    """
    vocabulary = load_vocabulary()
    weights = {name: float(e.weight) for name, e in vocabulary.evidence_types.items()}
    ranks = {name: e.rank for name, e in vocabulary.evidence_types.items()}
    ancestors = {name: vocabulary.category_ancestors(name) for name in vocabulary.categories}

    node_ids = tuple(sorted(data.nodes))
    index = {node_id: i for i, node_id in enumerate(node_ids)}
    category_table = tuple(sorted(vocabulary.categories))
    category_code = {name: i for i, name in enumerate(category_table)}
    nodes: dict[str, NodeInfo] = {}
    codes = np.full(len(node_ids), -1, dtype=np.int16)
    for i, node_id in enumerate(node_ids):
        node = data.nodes[node_id]
        nodes[node_id] = NodeInfo(
            id=node_id,
            label=node.label,
            category=node.category,
            categories=ancestors.get(node.category, (node.category,)),
            synonyms=node.synonyms,
        )
        codes[i] = category_code.get(node.category, -1)

    predicate_names = tuple(sorted(vocabulary.predicates))
    arcs: dict[tuple[str, str], list[Step]] = {}
    edges = _all_edges(data)
    for edge_id in sorted(edges):
        edge = edges[edge_id]
        if edge.subject == edge.object:
            continue
        weight = weights.get(edge.evidence_type, 0.0)
        rank = ranks.get(edge.evidence_type, -1)
        arcs.setdefault((edge.subject, edge.object), []).append(Step(edge, False, weight, rank))
        if edge.predicate in SYMMETRIC_PREDICATES:
            arcs.setdefault((edge.object, edge.subject), []).append(Step(edge, True, weight, rank))

    import networkx as nx

    graph: nx.DiGraph = nx.DiGraph()
    graph.add_nodes_from((node_id, {"info": nodes[node_id]}) for node_id in node_ids)
    graph.add_edges_from((u, v, {"steps": tuple(steps)}) for (u, v), steps in arcs.items())

    projection = Projection(
        data=data,
        vocabulary=vocabulary,
        graph=graph,
        nodes=nodes,
        node_ids=node_ids,
        predicate_names=predicate_names,
        arcs=_arc_arrays(arcs, index, {name: i for i, name in enumerate(predicate_names)}),
        node_index=index,
        category_table=category_table,
        node_category_codes=codes,
    )
    return projection


def _arc_arrays(
    arcs: Mapping[tuple[str, str], list[Step]],
    index: Mapping[str, int],
    predicate_code: Mapping[str, int],
) -> ArcArrays:
    """The projection's steps as arrays, in arc order."""
    count = sum(len(steps) for steps in arcs.values())
    tail = np.empty(count, dtype=np.int64)
    head = np.empty(count, dtype=np.int64)
    predicate = np.empty(count, dtype=np.int16)
    rank_array = np.empty(count, dtype=np.int16)
    weight_array = np.empty(count, dtype=np.float64)
    sign_array = np.empty(count, dtype=np.int8)
    position = 0
    for (u, v), steps in arcs.items():
        for step in steps:
            tail[position] = index[u]
            head[position] = index[v]
            predicate[position] = predicate_code.get(step.edge.predicate, -1)
            rank_array[position] = step.rank
            weight_array[position] = step.weight
            sign_array[position] = step.edge.sign
            position += 1
    return ArcArrays(tail, head, predicate, rank_array, weight_array, sign_array)
