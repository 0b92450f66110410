"""Permutation nulls for DWPC: degree-preserving edge swaps (XSwap) per edge type.

A DWPC means little on its own: a hub metabolite gives many taxa a high score whatever the
biology. Himmelstein et al. (2017, eLife 6:e26726, "Permuted hetnets";
doi:10.7554/eLife.26726) compare each DWPC with its values on *permuted* graphs in which
every node keeps its degree for every edge type but the edges are shuffled (XSwap, Hanhijärvi
et al. 2009, doi:10.1137/1.9781611972795.67, as ``hetnetpy.permute.permute_pair_list``
implements it): two edges (a, b) and (c, d) of the same type become (a, d) and (c, b),
unless that creates a self-loop or an edge the type already has (an undirected pair in
either orientation for the symmetric predicates).

Edge types and swaps
--------------------
An edge's type is (subject category, predicate, object category) with the node's own
curated category; only the types with an arc on some step of the metapath are permuted (the
others cannot change its DWPC, and the types are permuted independently). An edge keeps its
sign and evidence; only its object moves. The swaps run in rounds, vectorised with numpy:
each round shuffles the edges within their type, pairs them two by two, and applies every
valid swap, among a random half of the pairs, whose two new edges are new and distinct from
the other new edges of the round (a parallel form of hetnetpy's sequential loop: each
accepted swap is one hetnetpy would accept at that point; the random half keeps a type of
two edges from flipping back and forth in step). ``multiplier`` x the number of edges swaps
are attempted (hetnetpy's default 10), i.e. ``4 x multiplier`` rounds. Permutation ``k`` draws from
``numpy.random.default_rng([seed, k])``, so a null does not depend on which process
computes which permutation (the Spark engine spreads them over executors).

Statistics per (source, target) pair with a path
------------------------------------------------
With ``n`` permutations and the permuted DWPC values ``x_1..x_n`` of the pair: the
permutation p-value ``(1 + #{x_k >= observed}) / (1 + n)`` (Phipson & Smyth 2010,
doi:10.2202/1544-6115.1585; never 0), the z-score ``(observed - mean(x)) / sd(x)`` (None
when ``sd`` is 0), the number of permutations where the DWPC is computable (the pair's
source and target keep their degrees, so all ``n``) and the number where it is nonzero.
For the metapath as a whole, the enrichment is the sum of the observed DWPC over all pairs
divided by its mean over the permutations, with the p-value of that sum.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Required, TypedDict

import numpy as np
from numpy.typing import NDArray

from gutbone.errors import QueryError
from gutbone.query.metapaths import ArcGraph, DwpcMatrix, lookup, simple_dwpc, step_arcs
from gutbone.query.projection import SYMMETRIC_PREDICATES, ArcArrays, Projection, evidence_rank
from gutbone.query.sparse_graph import SparseGraph, from_curated

__all__ = [
    "DEFAULT_MULTIPLIER",
    "PairNull",
    "DwpcNull",
    "NullTask",
    "NullSums",
    "xswap",
    "null_task",
    "permuted_sums",
    "permuted_graph",
    "dwpc_null",
    "NullOptions",
    "SumPermutations",
    "sum_in_memory",
    "as_sparse_graph",
]

#: Swap attempts per edge (hetnetpy ``permute_graph`` default).
DEFAULT_MULTIPLIER = 10.0

Progress = Callable[[int, int], None]


def xswap(
    types: NDArray[np.int64],
    subjects: NDArray[np.int64],
    objects: NDArray[np.int64],
    symmetric: NDArray[np.bool_],
    rng: np.random.Generator,
    multiplier: float = DEFAULT_MULTIPLIER,
) -> NDArray[np.int64]:
    """Degree-preserving swaps of edge objects within each type (module docstring).

    :param types: a type code per edge (small non-negative integers).
    :param subjects: subject node index per edge.
    :param objects: object node index per edge.
    :param symmetric: per type code, whether its edges are undirected.
    :param rng: the random generator.
    :param multiplier: swap attempts per edge.
    :returns: the new objects (subjects and types are unchanged).

    >>> rng = np.random.default_rng(0)
    >>> new = xswap(np.zeros(4, dtype=np.int64), np.array([0, 1, 2, 3]),
    ...             np.array([4, 5, 6, 7]), np.array([False]), rng)
    >>> sorted(new.tolist())  # every object keeps its degree
    [4, 5, 6, 7]
    """
    objects = np.array(objects, dtype=np.int64, copy=True)
    m = len(objects)
    if m < 2:
        return objects
    n = int(max(subjects.max(), objects.max())) + 1
    by_type = np.argsort(types, kind="stable")
    bounds = np.searchsorted(types[by_type], np.arange(int(types.max()) + 2))
    existing = np.sort(_keys(types, subjects, objects, symmetric, n))
    for _ in range(max(1, math.ceil(4 * multiplier))):
        i, j = _random_pairs(by_type, bounds, rng)
        ok = (subjects[i] != objects[j]) & (subjects[j] != objects[i])
        i, j = i[ok], j[ok]
        key_i = _keys(types[i], subjects[i], objects[j], symmetric, n)
        key_j = _keys(types[j], subjects[j], objects[i], symmetric, n)
        taken = _member(np.concatenate([key_i, key_j]), existing)
        ok = ~taken[: len(key_i)] & ~taken[len(key_i) :] & (key_i != key_j)
        new_keys = np.concatenate([key_i[ok], key_j[ok]])
        unique, counts = np.unique(new_keys, return_counts=True)
        clash = unique[counts > 1]
        if len(clash):
            ok[ok] = ~(_member(key_i[ok], clash) | _member(key_j[ok], clash))
        i, j = i[ok], j[ok]
        if len(i) == 0:
            continue
        old_keys = np.concatenate([
            _keys(types[i], subjects[i], objects[i], symmetric, n),
            _keys(types[j], subjects[j], objects[j], symmetric, n),
        ])  # fmt: skip
        objects[i], objects[j] = objects[j], objects[i].copy()
        existing = _replace_keys(existing, old_keys, np.concatenate([key_i[ok], key_j[ok]]))
    return objects


def _random_pairs(
    by_type: NDArray[np.int64], bounds: NDArray[np.int64], rng: np.random.Generator
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Disjoint random pairs of edges of the same type: a random half of a shuffled pairing."""
    firsts, seconds = [], []
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        if stop - start < 2:
            continue
        shuffled = by_type[start + rng.permutation(stop - start)]
        half = (stop - start) // 2
        chosen = rng.random(half) < 0.5  # a random half: no lock-step flipping of two edges
        firsts.append(shuffled[:half][chosen])
        seconds.append(shuffled[half : 2 * half][chosen])
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def _replace_keys(
    existing: NDArray[np.int64], old: NDArray[np.int64], new: NDArray[np.int64]
) -> NDArray[np.int64]:
    """The sorted keys with ``old`` removed (one copy each) and ``new`` inserted."""
    old = np.sort(old)
    at = np.searchsorted(existing, old)
    # a key present several times (parallel edges): remove successive copies
    first = np.concatenate([[True], old[1:] != old[:-1]])
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(old)), 0))
    at = at + (np.arange(len(old)) - run_start)
    kept = np.delete(existing, at)
    new = np.sort(new)
    return np.insert(kept, np.searchsorted(kept, new), new)


def _keys(
    types: NDArray[np.int64],
    subjects: NDArray[np.int64],
    objects: NDArray[np.int64],
    symmetric: NDArray[np.bool_],
    n: int,
) -> NDArray[np.int64]:
    """One integer per (type, subject, object); an undirected pair in one orientation."""
    low = np.where(symmetric[types], np.minimum(subjects, objects), subjects)
    high = np.where(symmetric[types], np.maximum(subjects, objects), objects)
    return (types * n + low) * n + high


def _member(values: NDArray[np.int64], sorted_keys: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Whether each value is one of the sorted keys (needles sorted first: cache-friendly)."""
    found = np.zeros(len(values), dtype=bool)
    if len(sorted_keys) == 0 or len(values) == 0:
        return found
    order = np.argsort(values)
    needles = values[order]
    at = np.minimum(np.searchsorted(sorted_keys, needles), len(sorted_keys) - 1)
    found[order] = sorted_keys[at] == needles
    return found


@dataclass(frozen=True)
class NullTask:
    """Everything one permutation needs (small enough to ship to a Spark executor).

    :param graph: the graph restricted to the arcs of the permuted edge types.
    :param forward: positions (in ``graph.arcs``) of the forward arc of each permuted edge.
    :param reverse: positions of the reversed arcs (symmetric predicates) ...
    :param reverse_of: ... and the index (in ``forward``) of the edge each reverses.
    :param types: the edge type code of each permuted edge.
    :param symmetric: per type code, whether it is undirected.
    :param categories: the metapath.
    :param allowed: allowed predicates or None.
    :param min_rank: minimum evidence rank or None.
    :param damping: the damping exponent.
    :param method: the simple-path method of the observed scores.
    :param rows: row positions of the observed pairs (support of the observed DWPC).
    :param cols: their column positions.
    :param observed: their observed DWPC.
    :param multiplier: swap attempts per edge.
    :param seed: the base seed.
    """

    graph: SparseGraph
    forward: NDArray[np.int64]
    reverse: NDArray[np.int64]
    reverse_of: NDArray[np.int64]
    types: NDArray[np.int64]
    symmetric: NDArray[np.bool_]
    categories: tuple[str, ...]
    allowed: frozenset[str] | None
    min_rank: int | None
    damping: float
    method: str
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    observed: NDArray[np.float64]
    multiplier: float
    seed: int


@dataclass
class NullSums:
    """Running sums over permutations (added together, in any order).

    :param exceed: per observed pair, permutations whose DWPC is >= the observed one.
    :param nonzero: per observed pair, permutations where it has a path.
    :param total: per observed pair, the sum of the permuted DWPC.
    :param total_sq: per observed pair, the sum of their squares.
    :param sums: per permutation index, the sum of the DWPC over all pairs.
    """

    exceed: NDArray[np.int64]
    nonzero: NDArray[np.int64]
    total: NDArray[np.float64]
    total_sq: NDArray[np.float64]
    sums: dict[int, float]

    def __add__(self, other: NullSums) -> NullSums:
        return NullSums(
            self.exceed + other.exceed,
            self.nonzero + other.nonzero,
            self.total + other.total,
            self.total_sq + other.total_sq,
            {**self.sums, **other.sums},
        )


def as_sparse_graph(graph: ArcGraph) -> SparseGraph:
    """The graph as a :class:`SparseGraph` (a projection is rebuilt from its tables)."""
    if isinstance(graph, SparseGraph):
        return graph
    if isinstance(graph, Projection):
        return from_curated(graph.data)
    raise QueryError(f"permutations need a projection or a sparse graph, not {type(graph)}")


def null_task(
    graph: ArcGraph, scores: DwpcMatrix, *, seed: int = 0, multiplier: float = DEFAULT_MULTIPLIER
) -> NullTask:
    """Prepare the permutations of the edge types a metapath's DWPC depends on.

    :param graph: the graph the scores were computed on.
    :param scores: the observed scores (:func:`~gutbone.query.metapaths.metapath_dwpc`).
    :param seed: the base seed.
    :param multiplier: swap attempts per edge.
    :returns: the task.
    """
    sparse_graph = as_sparse_graph(graph)
    categories = scores.metapath
    used = np.unique(np.concatenate([
        step_arcs(sparse_graph, source, target)
        for source, target in zip(categories[:-1], categories[1:], strict=True)
    ]))  # fmt: skip
    edges = np.unique(sparse_graph.arc_edge[used])
    keep = np.flatnonzero(np.isin(sparse_graph.arc_edge, edges))
    sub = _restricted(sparse_graph, keep)
    reverse_flags = sub.arc_reverse
    forward = np.flatnonzero(~reverse_flags)
    reverse = np.flatnonzero(reverse_flags)
    reverse_of = np.searchsorted(sub.arc_edge[forward], sub.arc_edge[reverse])
    codes = sub.node_category_codes.astype(np.int64) + 1
    arcs = sub.arcs
    n_categories = len(sub.category_table) + 1
    raw = (codes[arcs.tail[forward]] * len(sub.predicate_names) + arcs.predicate[forward]) * (
        n_categories
    ) + codes[arcs.head[forward]]
    type_values, types = np.unique(raw, return_inverse=True)
    predicate_of_type = (type_values // n_categories) % len(sub.predicate_names)
    symmetric_names = np.array([p in SYMMETRIC_PREDICATES for p in sub.predicate_names])
    allowed = (
        None if len(scores.predicates) == len(sub.predicate_names) else frozenset(scores.predicates)
    )
    r, c = scores.select()
    return NullTask(
        graph=sub,
        forward=forward,
        reverse=reverse,
        reverse_of=reverse_of.astype(np.int64),
        types=types.astype(np.int64),
        symmetric=symmetric_names[predicate_of_type],
        categories=categories,
        allowed=allowed,
        min_rank=evidence_rank(sub.vocabulary, scores.min_evidence),
        damping=scores.damping,
        method=scores.method,
        rows=r,
        cols=c,
        observed=lookup(scores.dwpc, r, c),
        multiplier=multiplier,
        seed=seed,
    )


def _restricted(graph: SparseGraph, keep: NDArray[np.int64]) -> SparseGraph:
    arcs = graph.arcs
    fields = dataclasses.fields(arcs)
    return dataclasses.replace(
        graph,
        arcs=ArcArrays(*(np.asarray(getattr(arcs, f.name))[keep] for f in fields)),
        arc_edge=graph.arc_edge[keep],
        arc_reverse=graph.arc_reverse[keep],
        arc_sign=graph.arc_sign[keep],
        cache={},
    )


def permuted_sums(task: NullTask, permutations: Iterable[int]) -> NullSums:
    """Permute, score and accumulate the given permutation indices of a task.

    :param task: from :func:`null_task`.
    :param permutations: permutation indices (each seeds ``default_rng([seed, index])``).
    :returns: the sums over these permutations.
    """
    size = len(task.observed)
    sums = NullSums(np.zeros(size, np.int64), np.zeros(size, np.int64), np.zeros(size),
                    np.zeros(size), {})  # fmt: skip
    for index in permutations:
        values, total = _permuted_dwpc(task, index)
        sums.exceed += values >= task.observed * (1 - 1e-12)
        sums.nonzero += values > 0
        sums.total += values
        sums.total_sq += values * values
        sums.sums[index] = total
    return sums


def permuted_graph(task: NullTask, index: int) -> SparseGraph:
    """Permuted graph ``index`` of a task (its permuted edge types only).

    :param task: from :func:`null_task`.
    :param index: the permutation index (seeds ``default_rng([task.seed, index])``).
    :returns: the graph with the objects of its edges swapped (reversed arcs follow).
    """
    rng = np.random.default_rng([task.seed, index])
    graph, arcs = task.graph, task.graph.arcs
    tail_f, head_f = arcs.tail[task.forward], arcs.head[task.forward]
    new_head = xswap(task.types, tail_f, head_f, task.symmetric, rng, task.multiplier)
    tail, head = arcs.tail.copy(), arcs.head.copy()
    head[task.forward] = new_head
    tail[task.reverse] = new_head[task.reverse_of]
    head[task.reverse] = tail_f[task.reverse_of]
    return dataclasses.replace(
        graph, arcs=dataclasses.replace(arcs, tail=tail, head=head), cache={}
    )


def _permuted_dwpc(task: NullTask, index: int) -> tuple[NDArray[np.float64], float]:
    permuted = permuted_graph(task, index)
    dwpc = simple_dwpc(
        permuted, task.categories, task.allowed, task.min_rank, task.damping, task.method
    )
    return lookup(dwpc, task.rows, task.cols), float(dwpc.sum())


@dataclass(frozen=True)
class PairNull:
    """The permutation null of one pair (module docstring).

    :param p_value: ``(1 + #{null >= observed}) / (1 + permutations)``.
    :param z: ``(observed - null mean) / null sd``, None when the sd is 0.
    :param null_mean: mean of the permuted DWPC.
    :param null_sd: their standard deviation (population).
    :param permutations: permutations where the DWPC is computable.
    :param nonzero: permutations where the pair has a path.
    """

    p_value: float
    z: float | None
    null_mean: float
    null_sd: float
    permutations: int
    nonzero: int


@dataclass(frozen=True)
class DwpcNull:
    """Permutation nulls of every observed pair of a metapath, and of the metapath.

    :param scores: the observed scores.
    :param permutations: the number of permuted graphs.
    :param seed: the base seed.
    :param multiplier: swap attempts per edge.
    :param rows: row positions of the observed pairs.
    :param cols: their column positions.
    :param sums: the sums over the permutations.
    """

    scores: DwpcMatrix
    permutations: int
    seed: int
    multiplier: float
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    sums: NullSums

    def pair(self, source: str, target: str) -> PairNull:
        """The null of one pair.

        :raises QueryError: when the pair has no path (no observed DWPC to test).
        """
        i, j = self.scores.rows.index(source), self.scores.columns.index(target)
        found = np.flatnonzero((self.rows == i) & (self.cols == j))
        if len(found) == 0:
            raise QueryError(f"{source!r} -> {target!r} has no path: no null to compare")
        k = int(found[0])
        s, n = self.sums, self.permutations
        mean = float(s.total[k]) / n
        sd = math.sqrt(max(float(s.total_sq[k]) / n - mean * mean, 0.0))
        observed = self.scores.value(source, target)
        z = (observed - mean) / sd if sd > 1e-12 * max(abs(mean), 1e-300) else None
        p_value = (1 + int(s.exceed[k])) / (1 + n)
        return PairNull(p_value, z, mean, sd, n, int(s.nonzero[k]))

    @property
    def observed_sum(self) -> float:
        """Sum of the observed DWPC over all pairs."""
        return float(self.scores.dwpc.sum())

    @property
    def null_sums(self) -> list[float]:
        """Sum of the DWPC over all pairs, per permutation (in permutation order)."""
        return [self.sums.sums[k] for k in sorted(self.sums.sums)]

    @property
    def enrichment(self) -> float:
        """Observed DWPC sum over its mean on the permuted graphs (inf when that is 0)."""
        mean = sum(self.null_sums) / self.permutations
        return self.observed_sum / mean if mean > 0 else math.inf

    @property
    def metapath_p_value(self) -> float:
        """``(1 + #{permuted sum >= observed sum}) / (1 + permutations)``."""
        observed = self.observed_sum * (1 - 1e-12)
        return (1 + sum(value >= observed for value in self.null_sums)) / (1 + self.permutations)


#: How an engine sums a task's permutations ``0 .. permutations - 1``, calling
#: ``progress(done, total)`` as they finish: ``(task, permutations, progress) -> sums``.
SumPermutations = Callable[[NullTask, int, Progress | None], NullSums]


class NullOptions(TypedDict, total=False):
    """The keyword options of :func:`dwpc_null` that every engine takes (same meanings)."""

    permutations: Required[int]
    seed: int
    multiplier: float
    progress: Progress | None


def sum_in_memory(task: NullTask, permutations: int, progress: Progress | None) -> NullSums:
    """The permutations of a task one after the other, in this process (the "sparse" engine)."""
    sums = permuted_sums(task, [])
    for index in range(permutations):
        sums = sums + permuted_sums(task, [index])
        if progress is not None:
            progress(index + 1, permutations)
    return sums


def dwpc_null(
    graph: ArcGraph,
    scores: DwpcMatrix,
    *,
    permutations: int,
    seed: int = 0,
    multiplier: float = DEFAULT_MULTIPLIER,
    progress: Progress | None = None,
    run: SumPermutations = sum_in_memory,
) -> DwpcNull:
    """Permutation nulls of a metapath's DWPC, in memory unless ``run`` says otherwise.

    :param graph: the graph the scores were computed on.
    :param scores: the observed scores.
    :param permutations: how many permuted graphs (>= 1).
    :param seed: the base seed.
    :param multiplier: swap attempts per edge.
    :param progress: called with (done, total) as permutations finish.
    :param run: how the permutations are summed: :func:`sum_in_memory` (the "sparse"
        engine) or :func:`gutbone.query.spark_engine.spark_sums` (on Spark executors).
    :returns: the nulls.
    :raises QueryError: for fewer than one permutation.
    """
    if permutations < 1:
        raise QueryError(f"permutations must be at least 1, not {permutations}")
    task = null_task(graph, scores, seed=seed, multiplier=multiplier)
    sums = run(task, permutations, progress)
    return DwpcNull(scores, permutations, task.seed, task.multiplier, task.rows, task.cols, sums)
