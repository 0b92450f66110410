"""Enumerate and explain paths between nodes, ranked by evidence.

:func:`find_paths` lists the simple paths (no node twice) from any source to any target of
a :class:`~gutbone.query.projection.Projection`, optionally following a metapath of
categories (``"Taxon>Metabolite>BoneOutcome"``; a category also matches its sub-classes),
restricted to some predicates (a predicate also matches its sub-predicates) and to a
minimum evidence level. Every path is a :class:`PathHit` whose hops carry the assertion's
predicate, sign, evidence, source, locator, quote and effect.

Scores and signs (``docs/evidence.md``)
---------------------------------------
* :func:`path_score`: the product of the hops' evidence weights (``gb:evidenceWeight`` of
  the ontology). Paths are ranked by score (highest first), then by length (shortest
  first), then by node and assertion ids, so the order is deterministic.
* :func:`net_sign`: the product of the hops' signs; 0 as soon as one hop is 0. +1 means the
  first node raises the last one through this route, -1 that it lowers it, 0 unknown.
  Only a *mechanistic* path has one: a path with an association hop (a predicate marked
  ``gb:associative`` in the ontology, such as ``associated_with``) is *associative* and its
  net sign is None ("none"), never +1 or -1: correlations do not chain into an effect.
* Ranking: mechanistic paths first (``mechanisms_first=True``, the default), then by score;
  with ``mechanisms_first=False`` by score alone. Each hit carries its ``kind``.

Without a metapath a path stops at the first target it reaches (its inner nodes are not
targets) and has at most ``max_length`` hops. With a metapath the path has exactly as many
hops as the metapath has steps and each inner node only needs to match its category, so
that the paths counted here are those counted by :func:`gutbone.query.metapaths.metapath_dwpc`.

>>> from gutbone.curation import load_curated
>>> from gutbone.query.projection import build_projection
>>> projection = build_projection(load_curated())
>>> hits = find_paths(projection, ["NCBITaxon:186803"], ["CHEBI:17968"], max_length=1)
>>> [(hop.predicate, hop.evidence_type) for hop in hits[0].hops], hits[0].net_sign
([('produces', 'hypothesis')], 1)
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from gutbone.curation import Effect
from gutbone.errors import QueryError
from gutbone.query.metapaths import check_metapath, parse_metapath
from gutbone.query.projection import Projection, Step, evidence_rank, predicate_closure
from gutbone.query.sparse_graph import SparseGraph

__all__ = [
    "MECHANISTIC",
    "ASSOCIATIVE",
    "Hop",
    "PathHit",
    "NoPathError",
    "net_sign",
    "path_kind",
    "kind_floor",
    "make_hit",
    "path_score",
    "find_paths",
    "find_paths_sparse",
    "effect_dict",
]


#: Kind of a path whose hops are all causal, mechanistic or structural links.
MECHANISTIC = "mechanistic"
#: Kind of a path with at least one association hop (``gb:associative`` predicate).
ASSOCIATIVE = "associative"


class NoPathError(QueryError):
    """No path joins the sources to the targets within the given limits."""


@dataclass(frozen=True)
class Hop:
    """One assertion walked by a path.

    :param edge_id: the assertion id (``rev-4.2.1-012``).
    :param subject: the assertion's subject.
    :param predicate: the assertion's predicate.
    :param object: the assertion's object.
    :param reverse: True when walked from object to subject (symmetric predicates).
    :param sign: the assertion's sign (-1, 0, 1).
    :param evidence_type: the assertion's evidence type.
    :param evidence_weight: the weight of that evidence type.
    :param sources: the source documents.
    :param locator: where in the source.
    :param quote: the sentence the assertion rests on.
    :param context: free-text context (cell type, model organism...).
    :param effect: the numbers, when the source gives them.
    :param record: the curated row (``file:row``).
    :param quote_en: the curator's English rendering of a Chinese quote ("" when English).
    :param locator_en: the English form of a Chinese locator ("" when English).
    :param associative: True when the predicate states an association, not a mechanism.
    """

    edge_id: str
    subject: str
    predicate: str
    object: str
    reverse: bool
    sign: int
    evidence_type: str
    evidence_weight: float
    sources: tuple[str, ...]
    locator: str
    quote: str
    context: str
    effect: Effect | None
    record: str
    quote_en: str = ""
    locator_en: str = ""
    associative: bool = False

    @property
    def tail(self) -> str:
        """The node the hop leaves."""
        return self.object if self.reverse else self.subject

    @property
    def head(self) -> str:
        """The node the hop enters."""
        return self.subject if self.reverse else self.object

    @classmethod
    def from_step(cls, step: Step, associative: bool = False) -> Hop:
        """The hop of a projection step.

        :param step: a step of :class:`~gutbone.query.projection.Projection`.
        :param associative: whether the step's predicate is associative.
        :returns: the hop.
        """
        edge = step.edge
        return cls(
            edge_id=edge.id,
            subject=edge.subject,
            predicate=edge.predicate,
            object=edge.object,
            reverse=step.reverse,
            sign=edge.sign,
            evidence_type=edge.evidence_type,
            evidence_weight=step.weight,
            sources=edge.sources,
            locator=edge.locator,
            quote=edge.quote,
            context=edge.context,
            effect=edge.effect,
            record=edge.record,
            quote_en=edge.quote_en,
            locator_en=edge.locator_en,
            associative=associative,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (field names as keys, effect as a mapping or null)."""
        return {
            "edge_id": self.edge_id,
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "reverse": self.reverse,
            "sign": self.sign,
            "evidence_type": self.evidence_type,
            "evidence_weight": self.evidence_weight,
            "sources": list(self.sources),
            "locator": self.locator,
            "quote": self.quote,
            "quote_en": self.quote_en,
            "locator_en": self.locator_en,
            "context": self.context,
            "effect": effect_dict(self.effect),
            "record": self.record,
            "associative": self.associative,
        }


def effect_dict(effect: Effect | None) -> dict[str, Any] | None:
    """An effect as a JSON-ready mapping (decimals as floats), or None.

    :param effect: the effect of an assertion.
    :returns: the mapping.

    >>> effect_dict(Effect(measure="MD", estimate=Decimal("0.05")))["estimate"]
    0.05
    """
    if effect is None:
        return None
    result: dict[str, Any] = {}
    for name in ("measure", "estimate", "ci_lower", "ci_upper", "p", "i2", "tau2", "k", "n"):
        value = getattr(effect, name)
        result[name] = float(value) if isinstance(value, Decimal) else value
    result["model"] = effect.model
    return result


@dataclass(frozen=True)
class PathHit:
    """A path from a source to a target, with its explanation.

    :param nodes: node ids, first to last.
    :param labels: their labels.
    :param categories: their curated categories.
    :param hops: the assertions walked, in order.
    :param net_sign: :func:`net_sign` of the hops: -1, 0, 1, or None for an associative path.
    :param score: :func:`path_score` of the hops.
    :param kind: :data:`MECHANISTIC` or :data:`ASSOCIATIVE` (:func:`path_kind`).
    """

    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    categories: tuple[str, ...]
    hops: tuple[Hop, ...]
    net_sign: int | None
    score: float
    kind: str = MECHANISTIC

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.hops)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "nodes": list(self.nodes),
            "labels": list(self.labels),
            "categories": list(self.categories),
            "length": self.length,
            "net_sign": self.net_sign,
            "kind": self.kind,
            "score": self.score,
            "hops": [hop.to_dict() for hop in self.hops],
        }


def net_sign(signs: Iterable[int], *, associative: bool = False) -> int | None:
    """Sign of a route: product of the hop signs, 0 if any hop is 0, None if associative.

    :param signs: the hop signs (-1, 0, 1).
    :param associative: True when a hop is an association (:func:`path_kind`): the route
        then has no net sign, whatever the signs of its hops.
    :returns: -1, 0 or 1 (1 for an empty route), or None for an associative route.

    >>> net_sign([1, -1, -1]), net_sign([1, -1]), net_sign([-1, 0, 1])
    (1, -1, 0)
    >>> net_sign([1, -1], associative=True) is None
    True
    """
    if associative:
        return None
    result = 1
    for sign in signs:
        if sign == 0:
            return 0
        result *= 1 if sign > 0 else -1
    return result


def path_kind(associative: Iterable[bool]) -> str:
    """Kind of a route from the associative flags of its hops.

    :param associative: for each hop, whether its predicate is associative.
    :returns: :data:`ASSOCIATIVE` if any hop is, else :data:`MECHANISTIC`.

    >>> path_kind([False, True]), path_kind([False, False])
    ('associative', 'mechanistic')
    """
    return ASSOCIATIVE if any(associative) else MECHANISTIC


def path_score(weights: Iterable[float]) -> float:
    """Score of a path: the product of its hops' evidence weights.

    :param weights: the evidence weights (``gb:evidenceWeight``, between 0 and 1).
    :returns: the product (1.0 for an empty path).

    >>> round(path_score([0.8, 0.5]), 10)
    0.4
    """
    return math.prod(weights)


def _as_ids(projection: Projection, nodes: str | Iterable[str]) -> tuple[str, ...]:
    from gutbone.query.resolve import resolve

    items = [nodes] if isinstance(nodes, str) else list(nodes)
    found: list[str] = []
    for item in items:
        found.extend(resolve(projection, item))
    return tuple(dict.fromkeys(found))


def _describe(projection: Projection, ids: Sequence[str]) -> str:
    if len(ids) <= 3:
        return ", ".join(f"{projection.nodes[i].label!r} ({i})" for i in ids)
    return f"{len(ids)} nodes"


@dataclass(frozen=True)
class _Query:
    allowed: frozenset[str] | None
    min_rank: int | None
    associative: frozenset[str] = frozenset()

    def ok(self, step: Step) -> bool:
        if self.allowed is not None and step.edge.predicate not in self.allowed:
            return False
        return self.min_rank is None or step.rank >= self.min_rank


class _CategorySet:
    """Membership in a category, with the interface of a set for ``in``."""

    def __init__(self, projection: Projection, category: str) -> None:
        self.nodes = projection.nodes
        self.category = category

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and self.category in self.nodes[node].categories


def _backward_levels(
    projection: Projection, categories: Sequence[str], targets: Iterable[str], query: _Query
) -> list[set[str]]:
    """For a metapath: the nodes at each position from which the rest can be completed."""
    graph = projection.graph
    levels: list[set[str]] = [set() for _ in categories]
    levels[-1] = set(targets)
    for position in range(len(categories) - 2, -1, -1):
        category = categories[position]
        level: set[str] = set()
        for head in levels[position + 1]:
            for tail, data in graph.pred[head].items():
                if tail in level or not projection.in_category(tail, category):
                    continue
                if any(query.ok(step) for step in data["steps"]):
                    level.add(tail)
        levels[position] = level
    return levels


def _backward_distances(
    projection: Projection, targets: Iterable[str], max_length: int, query: _Query
) -> dict[str, int]:
    """Without a metapath: fewest hops from each node to a target (up to ``max_length``)."""
    graph = projection.graph
    distance = dict.fromkeys(targets, 0)
    queue = deque(distance)
    while queue:
        head = queue.popleft()
        if distance[head] >= max_length:
            continue
        for tail, data in graph.pred[head].items():
            if tail in distance:
                continue
            if any(query.ok(step) for step in data["steps"]):
                distance[tail] = distance[head] + 1
                queue.append(tail)
    return distance


def kind_floor(worst_key: tuple[Any, ...] | None, worst_score: float, associative: bool) -> float:
    """Lowest score worth extending a partial path to, given the worst kept path.

    Ranking keys start with the kind rank (0 mechanistic, 1 associative; always 0 when the
    ranking ignores kinds) and continue with the negated score. A partial path never gets a
    higher score, and once associative it stays associative; a mechanistic one may become
    either.

    :param worst_key: rank key of the worst kept path, or None while fewer than top are kept.
    :param worst_score: its score.
    :param associative: whether the partial path already has an association hop.
    :returns: the floor (-inf: no pruning; +inf: prune the whole branch).
    """
    if worst_key is None:
        return -math.inf
    worst_is_associative = worst_key[0] == 1
    if associative and not worst_is_associative:
        return math.inf  # every completion is associative: ranked below every kept path
    if not associative and worst_is_associative:
        return -math.inf  # a mechanistic completion beats the worst kept path at any score
    return worst_score


class _Collector:
    """Keeps all paths, or the best ``top`` with branch-and-bound pruning.

    With ``top``, a partial path that cannot beat the worst kept path is not extended
    (:func:`kind_floor`): evidence weights are at most 1, so extending a path never raises
    its score.
    """

    def __init__(
        self, top: int | None, bounded: bool, associative: frozenset[str], by_kind: bool
    ) -> None:
        self.top = top
        self.bounded = bounded
        self.associative = associative
        self.by_kind = by_kind
        # max-heap on the rank key (through _Worst): the root is the worst kept path
        self.heap: list[tuple[_Worst, tuple[str, ...], tuple[Step, ...], float]] = []
        self.all: list[tuple[tuple[str, ...], tuple[Step, ...], float]] = []

    def is_associative(self, steps: Iterable[Step]) -> bool:
        return any(step.edge.predicate in self.associative for step in steps)

    def floor(self, associative: bool) -> float:
        if self.bounded and self.top is not None and len(self.heap) >= self.top:
            return kind_floor(self.heap[0][0].key, self.heap[0][3], associative and self.by_kind)
        return -math.inf

    def key(self, nodes: tuple[str, ...], steps: tuple[Step, ...], score: float) -> tuple[Any, ...]:
        kind = int(self.by_kind and self.is_associative(steps))
        return (kind, *_rank_key(nodes, steps, score))

    def add(self, nodes: tuple[str, ...], steps: tuple[Step, ...], score: float) -> None:
        if self.top is None:
            self.all.append((nodes, steps, score))
            return
        entry = (_Worst(self.key(nodes, steps, score)), nodes, steps, score)
        if len(self.heap) < self.top:
            heapq.heappush(self.heap, entry)
        elif entry[0].key < self.heap[0][0].key:
            heapq.heapreplace(self.heap, entry)

    def results(self) -> list[tuple[tuple[str, ...], tuple[Step, ...], float]]:
        found = self.all if self.top is None else [entry[1:] for entry in self.heap]
        return sorted(found, key=lambda item: self.key(*item))


class _Worst:
    """Heap key that puts the worst-ranked path (largest rank key) at the root."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Worst) -> bool:
        return other.key < self.key


def _rank_key(nodes: tuple[str, ...], steps: tuple[Step, ...], score: float) -> tuple[Any, ...]:
    return (-score, len(steps), nodes, tuple(step.edge.id for step in steps))


def find_paths(
    projection: Projection,
    sources: str | Iterable[str],
    targets: str | Iterable[str],
    *,
    metapath: str | Sequence[str] | None = None,
    max_length: int = 4,
    min_evidence: str | None = None,
    predicates: Iterable[str] | None = None,
    top: int | None = None,
    mechanisms_first: bool = True,
) -> list[PathHit]:
    """Simple paths from sources to targets, mechanistic first, then best evidence first.

    :param projection: the graph (:func:`~gutbone.query.projection.build_projection`).
    :param sources: node ids, labels, synonyms or category names (one string or several).
    :param targets: the same, for the ends of the paths.
    :param metapath: categories the path must follow, e.g. ``"Taxon>Metabolite>BoneOutcome"``;
        it fixes the length (``max_length`` is then not used).
    :param max_length: most hops of a path without a metapath (>= 1).
    :param min_evidence: weakest evidence level a hop may have (e.g. ``"animal"``).
    :param predicates: predicates a hop may use (with their sub-predicates).
    :param top: keep only the best ``top`` paths (None keeps all).
    :param mechanisms_first: rank every mechanistic path before every associative one (a
        mechanism question); False ranks by score alone.
    :returns: the paths, ranked by kind (when ``mechanisms_first``), score, length, ids.
    :raises QueryError: for unknown nodes, categories, predicates or evidence levels, an
        impossible metapath, sources or targets outside the metapath's end categories, or
        bad limits.
    :raises NoPathError: when no path satisfies the limits (the message says whether the
        target is reachable at all).

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> projection = build_projection(load_curated())
    >>> hits = find_paths(projection, "short-chain fatty acid", "bone density", max_length=2)
    >>> all(hit.nodes[0] == "CHEBI:26666" and hit.length <= 2 for hit in hits)
    True
    >>> [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    True
    """
    if top is not None and top < 1:
        raise QueryError(f"top must be at least 1, not {top}")
    if metapath is None and max_length < 1:
        raise QueryError(f"max_length must be at least 1, not {max_length}")
    vocabulary = projection.vocabulary
    query = _Query(
        predicate_closure(vocabulary, predicates),
        evidence_rank(vocabulary, min_evidence),
        vocabulary.associative_predicates,
    )
    source_ids = _as_ids(projection, sources)
    target_ids = _as_ids(projection, targets)
    categories: tuple[str, ...] | None = None
    if metapath is not None:
        categories = parse_metapath(vocabulary, metapath)
        check_metapath(projection, categories, query.allowed, query.min_rank)
        source_ids = _restrict(projection, source_ids, categories[0], "first", categories)
        target_ids = _restrict(projection, target_ids, categories[-1], "last", categories)
    bounded = all(e.weight <= 1 for e in vocabulary.evidence_types.values())
    collector = _Collector(top, bounded, query.associative, mechanisms_first)
    if categories is not None:
        _search_metapath(projection, source_ids, target_ids, categories, query, collector)
    else:
        _search_free(projection, source_ids, target_ids, max_length, query, collector)
    found = collector.results()
    if not found:
        raise NoPathError(
            _no_path_message(projection, source_ids, target_ids, categories, max_length, query)
        )
    return [_hit(projection, nodes, steps, query.associative) for nodes, steps, _ in found]


def _restrict(
    projection: Projection,
    ids: tuple[str, ...],
    category: str,
    end: str,
    categories: tuple[str, ...],
) -> tuple[str, ...]:
    kept = tuple(node for node in ids if projection.in_category(node, category))
    if not kept:
        where = "starts" if end == "first" else "ends"
        raise QueryError(
            f"metapath {'>'.join(categories)!r} {where} at {category}, but none of "
            f"{_describe(projection, ids)} is a {category}"
        )
    return kept


def _search_metapath(
    projection: Projection,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    categories: tuple[str, ...],
    query: _Query,
    collector: _Collector,
) -> None:
    graph = projection.graph
    last = len(categories) - 1
    forward_work = sum(graph.out_degree(node) for node in sources)
    backward_work = sum(graph.in_degree(node) for node in targets)
    if last <= 2 and forward_work <= backward_work:
        # few, sparse sources: expanding forward is cheaper than pruning from the targets
        levels: list[Container[str]] = [_CategorySet(projection, c) for c in categories]
        levels[-1] = set(targets)
    else:
        levels = list(_backward_levels(projection, categories, targets, query))

    def extend(nodes: list[str], steps: list[Step], score: float, associative: bool) -> None:
        position = len(nodes) - 1
        ahead = levels[position + 1]
        for head, data in graph.succ[nodes[-1]].items():
            if head not in ahead or head in nodes:
                continue
            for step in data["steps"]:
                if not query.ok(step):
                    continue
                new_score = score * step.weight
                now_associative = associative or step.edge.predicate in query.associative
                if new_score < collector.floor(now_associative):
                    continue
                steps.append(step)
                nodes.append(head)
                if position + 1 == last:
                    collector.add(tuple(nodes), tuple(steps), new_score)
                else:
                    extend(nodes, steps, new_score, now_associative)
                nodes.pop()
                steps.pop()

    for source in sources:
        if source in levels[0]:
            extend([source], [], 1.0, False)


def _search_free(
    projection: Projection,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    max_length: int,
    query: _Query,
    collector: _Collector,
) -> None:
    graph = projection.graph
    target_set = set(targets)
    distance = _backward_distances(projection, targets, max_length, query)

    def extend(nodes: list[str], steps: list[Step], score: float, associative: bool) -> None:
        remaining = max_length - len(steps) - 1
        for head, data in graph.succ[nodes[-1]].items():
            if head in nodes or distance.get(head, max_length + 1) > remaining:
                continue
            for step in data["steps"]:
                if not query.ok(step):
                    continue
                new_score = score * step.weight
                now_associative = associative or step.edge.predicate in query.associative
                if new_score < collector.floor(now_associative):
                    continue
                steps.append(step)
                nodes.append(head)
                if head in target_set:
                    collector.add(tuple(nodes), tuple(steps), new_score)
                else:
                    extend(nodes, steps, new_score, now_associative)
                nodes.pop()
                steps.pop()

    for source in sources:
        if distance.get(source, max_length + 1) <= max_length:
            extend([source], [], 1.0, False)


def _hit(
    projection: Projection,
    nodes: tuple[str, ...],
    steps: tuple[Step, ...],
    associative: frozenset[str],
) -> PathHit:
    hops = tuple(Hop.from_step(step, step.edge.predicate in associative) for step in steps)
    return make_hit(
        nodes,
        tuple(projection.nodes[node].label for node in nodes),
        tuple(projection.nodes[node].category for node in nodes),
        hops,
    )


def make_hit(
    nodes: tuple[str, ...],
    labels: tuple[str, ...],
    categories: tuple[str, ...],
    hops: tuple[Hop, ...],
) -> PathHit:
    """A :class:`PathHit` with its kind, net sign and score computed from its hops.

    :param nodes: node ids, first to last.
    :param labels: their labels.
    :param categories: their categories.
    :param hops: the hops (with their ``associative`` flags).
    :returns: the hit.
    """
    kind = path_kind(hop.associative for hop in hops)
    return PathHit(
        nodes=nodes,
        labels=labels,
        categories=categories,
        hops=hops,
        net_sign=net_sign((hop.sign for hop in hops), associative=kind == ASSOCIATIVE),
        score=path_score(hop.evidence_weight for hop in hops),
        kind=kind,
    )


def _no_path_message(
    projection: Projection,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    categories: tuple[str, ...] | None,
    max_length: int,
    query: _Query,
) -> str:
    limits = (
        [f"following metapath {'>'.join(categories)!r}"]
        if categories is not None
        else [f"within {max_length} hops"]
    )
    if query.allowed is not None:
        limits.append(f"using only {', '.join(sorted(query.allowed))}")
    if query.min_rank is not None:
        limits.append(f"with evidence rank >= {query.min_rank}")
    message = (
        f"no path from {_describe(projection, sources)} to {_describe(projection, targets)} "
        + ", ".join(limits)
    )
    reachable = _reachable(projection, sources)
    if not reachable.intersection(targets):
        message += " (unreachable: no directed path at any length, whatever the limits)"
    return message


def _reachable(projection: Projection, sources: Iterable[str]) -> set[str]:
    seen = set(sources)
    queue = deque(seen)
    while queue:
        node = queue.popleft()
        for head in projection.graph.succ[node]:
            if head not in seen:
                seen.add(head)
                queue.append(head)
    return seen


# --- the same search on a SparseGraph (millions of edges, no networkx) -----------------------


def _frontier_forward(matrix: sparse.csr_array, rows: NDArray[np.int64]) -> NDArray[np.int64]:
    """Columns reached from ``rows`` of a step matrix (local indices, sorted)."""
    return np.unique(matrix[rows].indices).astype(np.int64)


def _frontier_backward(matrix: sparse.csc_array, cols: NDArray[np.int64]) -> NDArray[np.int64]:
    """Rows reaching ``cols`` of a step matrix (local indices, sorted)."""
    return np.unique(matrix[:, cols].indices).astype(np.int64)


def _viable_levels(
    counts: Sequence[sparse.csr_array],
    sources: NDArray[np.int64],
    targets: NDArray[np.int64],
) -> list[NDArray[np.int64]] | None:
    """Local node sets, one per metapath position, that lie on a source-target walk.

    Bidirectional: the smaller of the forward (from the sources) and backward (from the
    targets) frontiers is expanded until they meet; the meeting level is intersected and the
    other levels are then pruned towards it. Returns None when no walk exists.
    """
    length = len(counts)
    columns = [sparse.csc_array(matrix) for matrix in counts]
    forward: dict[int, NDArray[np.int64]] = {0: sources}
    backward: dict[int, NDArray[np.int64]] = {length: targets}
    i, j = 0, length
    while i < j:
        if len(forward[i]) <= len(backward[j]):
            forward[i + 1] = _frontier_forward(counts[i], forward[i])
            i += 1
            frontier = forward[i]
        else:
            backward[j - 1] = _frontier_backward(columns[j - 1], backward[j])
            j -= 1
            frontier = backward[j]
        if len(frontier) == 0:
            return None
    levels: list[NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)] * (length + 1)
    levels[i] = np.intersect1d(forward[i], backward[i], assume_unique=True)
    if len(levels[i]) == 0:
        return None
    for k in range(i - 1, -1, -1):  # keep forward nodes with an arc into the next level
        block = counts[k][forward[k]][:, levels[k + 1]]
        levels[k] = forward[k][np.flatnonzero(np.diff(sparse.csr_array(block).indptr))]
    for k in range(i + 1, length + 1):  # keep backward nodes reached from the previous level
        block = columns[k - 1][levels[k - 1]][:, backward[k]]
        levels[k] = backward[k][np.flatnonzero(np.diff(sparse.csc_array(block).indptr))]
    return levels


def find_paths_sparse(
    graph: SparseGraph,
    sources: str | Iterable[str],
    targets: str | Iterable[str],
    *,
    metapath: str | Sequence[str],
    min_evidence: str | None = None,
    predicates: Iterable[str] | None = None,
    top: int | None = None,
    mechanisms_first: bool = True,
) -> list[PathHit]:
    """Simple paths following a metapath on a :class:`SparseGraph`, best evidence first.

    The same paths, scores and order as :func:`find_paths` with a metapath, found without
    networkx: the metapath's step matrices (shared with
    :func:`~gutbone.query.metapaths.metapath_dwpc`) give, by a bidirectional frontier search,
    the nodes at each position that lie on some source-target walk; a depth-first search
    then walks only those, over the arcs grouped by tail (CSR), keeping the best ``top``
    paths with branch-and-bound (a path's score never rises as it grows, evidence weights
    being at most 1). Hops carry predicate, sign and evidence; provenance columns (quote,
    locator...) are empty and ``record`` names the edge row (``edges.tsv:ROW``).

    :param graph: the graph (:func:`~gutbone.interop.readers.sparse_kgx.read_kgx`).
    :param sources: node ids, labels or category names (one string or several).
    :param targets: the same, for the ends.
    :param metapath: categories the path must follow.
    :param min_evidence: weakest evidence level a hop may have.
    :param predicates: predicates a hop may use (with their sub-predicates).
    :param top: keep only the best ``top`` paths (None keeps all).
    :param mechanisms_first: rank mechanistic paths before associative ones (as
        :func:`find_paths`).
    :returns: the paths, ranked by kind (when ``mechanisms_first``), score, node and edge
        order.
    :raises QueryError: for unknown nodes, categories, predicates or levels, an impossible
        metapath, or ends outside the metapath's end categories.
    :raises NoPathError: when no path follows the metapath.

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.sparse_graph import from_curated
    >>> hits = find_paths_sparse(from_curated(load_curated()), "NCBITaxon:186803",
    ...                          "CHEBI:17968", metapath="Taxon>Metabolite")
    >>> [(hop.predicate, hop.evidence_type) for hop in hits[0].hops]
    [('produces', 'hypothesis')]
    """
    if top is not None and top < 1:
        raise QueryError(f"top must be at least 1, not {top}")
    vocabulary = graph.vocabulary
    allowed = predicate_closure(vocabulary, predicates)
    min_rank = evidence_rank(vocabulary, min_evidence)
    categories = parse_metapath(vocabulary, metapath)
    counts = check_metapath(graph, categories, allowed, min_rank)
    ends = []
    for nodes, position, end in ((sources, 0, "starts"), (targets, -1, "ends")):
        texts = [nodes] if isinstance(nodes, str) else list(nodes)
        ids = sorted({node for text in texts for node in graph.resolve(text)})
        members = graph.members(categories[position])
        wanted = np.array([graph.index(node) for node in ids], dtype=np.int64)
        local = np.searchsorted(members, wanted)
        inside = (local < len(members)) & (members[np.minimum(local, len(members) - 1)] == wanted)
        if not inside.any():
            shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
            raise QueryError(
                f"metapath {'>'.join(categories)!r} {end} at {categories[position]}, but none "
                f"of {shown} is a {categories[position]}"
            )
        ends.append(local[inside].astype(np.int64))
    levels = _viable_levels(counts, ends[0], ends[1])
    if levels is None:
        raise NoPathError(
            f"no path from {sources!r} to {targets!r} following metapath {'>'.join(categories)!r}"
        )
    viable = []
    for position, local in enumerate(levels):
        mask = np.zeros(len(graph.node_ids), dtype=bool)
        mask[graph.members(categories[position])[local]] = True
        viable.append(mask)
    arcs = graph.arcs
    predicate_ok = np.ones(len(graph.predicate_names), dtype=bool)
    if allowed is not None:
        predicate_ok = np.array([name in allowed for name in graph.predicate_names])
    indptr, order = graph.out_csr()
    bounded = all(e.weight <= 1 for e in vocabulary.evidence_types.values())
    associative_code = _associative_codes(graph)
    heap: list[tuple[_Worst, tuple[int, ...], tuple[int, ...], float]] = []
    found: list[tuple[tuple[int, ...], tuple[int, ...], float]] = []
    last = len(categories) - 1

    def floor(associative: bool) -> float:
        if bounded and top is not None and len(heap) >= top:
            return kind_floor(heap[0][0].key, heap[0][3], associative and mechanisms_first)
        return -math.inf

    def key(nodes: tuple[int, ...], used: tuple[int, ...], score: float) -> tuple[Any, ...]:
        kind = int(mechanisms_first and bool(associative_code[arcs.predicate[list(used)]].any()))
        return (kind, -score, len(used), nodes, tuple(int(graph.arc_edge[a]) for a in used))

    def keep(nodes: tuple[int, ...], used: tuple[int, ...], score: float) -> None:
        if top is None:
            found.append((nodes, used, score))
            return
        entry = (_Worst(key(nodes, used, score)), nodes, used, score)
        if len(heap) < top:
            heapq.heappush(heap, entry)
        elif entry[0].key < heap[0][0].key:
            heapq.heapreplace(heap, entry)

    def extend(nodes: list[int], used: list[int], score: float, associative: bool) -> None:
        position = len(nodes) - 1
        leaving = order[indptr[nodes[-1]] : indptr[nodes[-1] + 1]]
        ok = viable[position + 1][arcs.head[leaving]] & predicate_ok[arcs.predicate[leaving]]
        if min_rank is not None:
            ok &= arcs.rank[leaving] >= min_rank
        chosen = leaving[ok]
        chosen = chosen[np.argsort(-arcs.weight[chosen], kind="stable")]
        for arc, head, weight in zip(
            chosen.tolist(), arcs.head[chosen].tolist(), arcs.weight[chosen].tolist(), strict=True
        ):
            if head in nodes:
                continue
            new_score = score * weight
            if new_score < floor(False):
                break  # candidates come strongest first: the rest score no higher
            now_associative = associative or bool(associative_code[arcs.predicate[arc]])
            if new_score < floor(now_associative):
                continue
            nodes.append(head)
            used.append(arc)
            if position + 1 == last:
                keep(tuple(nodes), tuple(used), new_score)
            else:
                extend(nodes, used, new_score, now_associative)
            nodes.pop()
            used.pop()

    for start in graph.members(categories[0])[levels[0]].tolist():
        extend([start], [], 1.0, False)
    results = found if top is None else [entry[1:] for entry in heap]
    if not results:
        raise NoPathError(
            f"no path from {sources!r} to {targets!r} following metapath {'>'.join(categories)!r}"
        )
    results.sort(key=lambda item: key(*item))
    return [_sparse_hit(graph, nodes, used, associative_code) for nodes, used, _ in results]


def _associative_codes(graph: SparseGraph) -> NDArray[np.bool_]:
    """For each predicate code of ``graph``, whether the predicate is associative."""
    associative = graph.vocabulary.associative_predicates
    return np.array([name in associative for name in graph.predicate_names], dtype=bool)


def _sparse_hit(
    graph: SparseGraph,
    nodes: tuple[int, ...],
    used: tuple[int, ...],
    associative_code: NDArray[np.bool_],
) -> PathHit:
    arcs = graph.arcs
    rank_names = {e.rank: e.name for e in graph.vocabulary.evidence_types.values()}
    hops = []
    for arc in used:
        edge = int(graph.arc_edge[arc])
        reverse = bool(graph.arc_reverse[arc])
        tail, head = int(arcs.tail[arc]), int(arcs.head[arc])
        subject, obj = (head, tail) if reverse else (tail, head)
        hops.append(
            Hop(
                edge_id=graph.edge_name(edge),
                subject=graph.node_ids[subject],
                predicate=graph.predicate_names[int(arcs.predicate[arc])],
                object=graph.node_ids[obj],
                reverse=reverse,
                sign=int(graph.arc_sign[arc]),
                evidence_type=rank_names.get(int(arcs.rank[arc]), ""),
                evidence_weight=float(arcs.weight[arc]),
                sources=(),
                locator="",
                quote="",
                context="",
                effect=None,
                record=(
                    f"{graph.edge_file}:{edge + 2}"
                    if edge < graph.n_edges - len(graph.derived_names)
                    else graph.edge_name(edge)
                ),
                associative=bool(associative_code[int(arcs.predicate[arc])]),
            )
        )
    return make_hit(
        tuple(graph.node_ids[n] for n in nodes),
        tuple(graph.labels[n] for n in nodes),
        tuple(graph.category(n) for n in nodes),
        tuple(hops),
    )
