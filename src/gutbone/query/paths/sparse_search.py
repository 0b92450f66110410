"""Path search on a :class:`~gutbone.query.sparse_graph.SparseGraph` (engine "sparse").

The same paths, scores and order as the "graph" engine with a metapath, found without
networkx: the metapath's step matrices (shared with
:func:`~gutbone.query.metapaths.metapath_dwpc`) give, by a bidirectional frontier search,
the nodes at each position that lie on some source-target walk; a depth-first search then
walks only those, over the arcs grouped by tail (CSR), keeping the best ``top`` paths with
the shared :class:`~gutbone.query.paths.topk.TopK` collector. Hops carry predicate, sign and
evidence; provenance columns (quote, locator...) are empty and ``record`` names the edge row
(``edges.tsv:ROW``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from gutbone.errors import QueryError
from gutbone.query.metapaths import check_metapath
from gutbone.query.paths.hits import Hop, NoPathError, PathHit, make_hit
from gutbone.query.paths.limits import NodeNames, PathLimits
from gutbone.query.paths.topk import TopK, rank_key
from gutbone.query.sparse_graph import SparseGraph

__all__ = ["search_sparse"]

_Path = tuple[tuple[int, ...], tuple[int, ...]]


def search_sparse(
    graph: SparseGraph, sources: NodeNames, targets: NodeNames, limits: PathLimits
) -> list[PathHit]:
    """The paths of :func:`gutbone.query.paths.find_paths` on a sparse graph (metapath only).

    :param graph: the graph (:func:`~gutbone.interop.readers.sparse_kgx.read_kgx`).
    :param sources: node ids, labels or category names (one string or several).
    :param targets: the same, for the ends.
    :param limits: the checked limits (with a metapath).
    :returns: the ranked hits.
    :raises QueryError: without a metapath, for unknown nodes, or ends outside the
        metapath's end categories.
    :raises NoPathError: when no path follows the metapath.
    """
    categories = limits.categories
    if categories is None:
        raise QueryError("the sparse path search needs a metapath")
    counts = check_metapath(graph, categories, limits.allowed, limits.min_rank)
    ends = [
        _end_positions(graph, categories, nodes, position)
        for nodes, position in ((sources, 0), (targets, -1))
    ]
    no_path = NoPathError(
        f"no path from {sources!r} to {targets!r} following metapath {'>'.join(categories)!r}"
    )
    levels = _viable_levels(counts, ends[0], ends[1])
    if levels is None:
        raise no_path
    viable = []
    for position, local in enumerate(levels):
        mask = np.zeros(len(graph.node_ids), dtype=bool)
        mask[graph.members(categories[position])[local]] = True
        viable.append(mask)
    walk = _Walk(graph, limits, viable)
    for start in graph.members(categories[0])[levels[0]].tolist():
        walk.extend([start], [], 1.0, False)
    results = walk.collector.results()
    if not results:
        raise no_path
    return [_sparse_hit(graph, nodes, used, walk.associative_code) for nodes, used in results]


def _end_positions(
    graph: SparseGraph, categories: Sequence[str], nodes: NodeNames, position: int
) -> NDArray[np.int64]:
    """Local indices (in the members of the end category) of the resolved end nodes."""
    texts = [nodes] if isinstance(nodes, str) else list(nodes)
    ids = sorted({node for text in texts for node in graph.resolve(text)})
    members = graph.members(categories[position])
    wanted = np.array([graph.index(node) for node in ids], dtype=np.int64)
    local = np.searchsorted(members, wanted)
    inside = (local < len(members)) & (members[np.minimum(local, len(members) - 1)] == wanted)
    if not inside.any():
        shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        end = "starts" if position == 0 else "ends"
        raise QueryError(
            f"metapath {'>'.join(categories)!r} {end} at {categories[position]}, but none "
            f"of {shown} is a {categories[position]}"
        )
    return local[inside].astype(np.int64)


class _Walk:
    """Depth-first search over the viable nodes, arcs grouped by tail, strongest first."""

    def __init__(self, graph: SparseGraph, limits: PathLimits, viable: list[NDArray[np.bool_]]):
        self.graph = graph
        self.limits = limits
        self.viable = viable
        self.last = len(viable) - 1
        self.predicate_ok = np.ones(len(graph.predicate_names), dtype=bool)
        if limits.allowed is not None:
            allowed = limits.allowed
            self.predicate_ok = np.array([name in allowed for name in graph.predicate_names])
        self.indptr, self.order = graph.out_csr()
        self.associative_code = np.array(
            [name in limits.associative for name in graph.predicate_names], dtype=bool
        )
        self.collector: TopK[_Path] = TopK(
            limits.top, bounded=limits.bounded, by_kind=limits.mechanisms_first
        )

    def _candidates(self, node: int, position: int) -> NDArray[np.int64]:
        arcs = self.graph.arcs
        leaving = self.order[self.indptr[node] : self.indptr[node + 1]]
        ok = (
            self.viable[position + 1][arcs.head[leaving]]
            & self.predicate_ok[arcs.predicate[leaving]]
        )
        if self.limits.min_rank is not None:
            ok &= arcs.rank[leaving] >= self.limits.min_rank
        chosen = leaving[ok]
        return chosen[np.argsort(-arcs.weight[chosen], kind="stable")]

    def extend(self, nodes: list[int], used: list[int], score: float, associative: bool) -> None:
        """Grow a partial path by every viable arc, keeping complete paths."""
        arcs, collector = self.graph.arcs, self.collector
        position = len(nodes) - 1
        chosen = self._candidates(nodes[-1], position)
        for arc, head, weight in zip(
            chosen.tolist(), arcs.head[chosen].tolist(), arcs.weight[chosen].tolist(), strict=True
        ):
            if head in nodes:
                continue
            new_score = score * weight
            if new_score < collector.floor(False):
                break  # candidates come strongest first: the rest score no higher
            now_associative = associative or bool(self.associative_code[arcs.predicate[arc]])
            if new_score < collector.floor(now_associative):
                continue
            nodes.append(head)
            used.append(arc)
            if position + 1 == self.last:
                self._keep(nodes, used, new_score, now_associative)
            else:
                self.extend(nodes, used, new_score, now_associative)
            nodes.pop()
            used.pop()

    def _keep(self, nodes: list[int], used: list[int], score: float, associative: bool) -> None:
        path = (tuple(nodes), tuple(used))
        edges = tuple(int(self.graph.arc_edge[arc]) for arc in used)
        key = rank_key(
            score, associative, by_kind=self.limits.mechanisms_first, nodes=path[0], edges=edges
        )
        self.collector.add(path, key)


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
