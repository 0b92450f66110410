r"""Metapath scores for many sources at once: degree-weighted path counts with scipy.sparse.

A *metapath* is a sequence of categories, written ``"Taxon>Metabolite>BoneOutcome"``; a
category also matches its sub-classes (``GeneProduct`` matches ``Cytokine`` nodes,
``Entity`` matches every node). A path follows the metapath when its *i*-th node belongs to
the *i*-th category; the arcs it may use are those of :mod:`gutbone.query.projection`
(symmetric predicates both ways), optionally restricted to some predicates and to a minimum
evidence level.

Degree-weighted path count (DWPC)
---------------------------------
Following Himmelstein & Baranzini (2015, PLoS Comput Biol 11:e1004259, section "Features",
Fig. 2D; doi:10.1371/journal.pcbi.1004259) and Himmelstein et al. (2017, eLife 6:e26726,
"Metapaths and DWPC"; doi:10.7554/eLife.26726), each step *i* of a metapath has an
adjacency matrix :math:`A_i` (rows: nodes of the step's source category, columns: nodes of
its target category, in sorted id order; an entry counts the assertions that may be walked
from row to column). Every path gets the *path-degree product*

.. math:: \mathrm{PDP}(p) = \prod_{(u \to v) \in p} (D_i^{out}(u) \, D_i^{in}(v))^{-w}

where :math:`D_i^{out}(u)` is the row sum of :math:`A_i` at *u* and :math:`D_i^{in}(v)` its
column sum at *v* (degrees are specific to the step, as Hetionet's are to the metaedge) and
*w* is the damping exponent (``DEFAULT_DAMPING = 0.4`` as in Hetionet v1.0; the 2015 figure
uses 0.5). DWPC is the sum of PDPs over the *simple* paths (no node twice) between a source
and a target; with ``damping=0`` it is the path count. Parallel assertions between the same
two nodes are distinct paths (multigraph counting), so counts here agree with the paths that
:func:`gutbone.query.paths.find_paths` enumerates.

Repeated categories
-------------------
When no two non-adjacent positions of the metapath can hold the same node (their node sets
are disjoint), the DWPC matrix is the product of the degree-weighted adjacency matrices
(``method="product"``). Otherwise walks that revisit a node must be removed, as hetmatpy
does for repeated metanodes. For metapaths of length 2 and 3 this is done exactly with
sparse algebra by inclusion-exclusion over the coincidences (v0 = v2), (v1 = v3), (v0 = v3)
(``method="inclusion-exclusion"``; hetmatpy's ``short_repeat`` case); for longer metapaths
with overlapping positions the simple paths are enumerated over the same sparse matrices
(``method="enumeration"``, exact but slower, like hetmatpy's general case). Self-loops are
never projected, so adjacent positions cannot repeat a node.

Mechanistic paths and signs
---------------------------
The same rule as :func:`gutbone.query.paths.net_sign`: a path with an association hop (a
``gb:associative`` predicate such as ``associated_with``) is *associative* and has no net
sign. Besides the DWPC and the path count, each pair gets the number of *mechanistic*
paths (no association hop) and, among them, the number of net sign +1 and -1. They come
from the same sums over step matrices restricted to non-associative arcs: with :math:`P_i`
(:math:`N_i`) counting the arcs of sign +1 (-1), the sums of :math:`\prod (P_i + N_i)` and
:math:`\prod (P_i - N_i)` give :math:`n_+ + n_-` and :math:`n_+ - n_-` (the simple-path
corrections are linear in each factor, so they apply unchanged). A pair's
:attr:`DwpcPair.kind` is ``"mechanistic"`` when it has a mechanistic path, else
``"associative"``; its :attr:`DwpcPair.net_sign` is +1 (-1) when every mechanistic path has
net sign +1 (-1), 0 when they differ or some have none, and None for an associative pair.

Graphs
------
Every function takes an :class:`ArcGraph`: the networkx-backed
:class:`~gutbone.query.projection.Projection` of the curated tables, or the array-only
:class:`~gutbone.query.sparse_graph.SparseGraph` read from a large KGX file (millions of
edges). Both expose the same sorted node ids, category codes and arc arrays, so the same
code scores both.

>>> from gutbone.curation import load_curated
>>> from gutbone.query.projection import build_projection
>>> projection = build_projection(load_curated())
>>> scores = metapath_dwpc(projection, "Taxon>Metabolite", damping=0.0)
>>> scores.count("NCBITaxon:186803", "CHEBI:17968")
1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, Protocol, TypeAlias

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from gutbone.errors import QueryError
from gutbone.query.projection import ArcArrays, evidence_rank, predicate_closure
from gutbone.vocabulary import Vocabulary

__all__ = [
    "DEFAULT_DAMPING",
    "ArcGraph",
    "parse_metapath",
    "MetaedgeMatrix",
    "DwpcPair",
    "DwpcMatrix",
    "metaedge_adjacency",
    "check_metapath",
    "metapath_dwpc",
    "simple_path_sums",
    "simple_dwpc",
    "PathCounts",
    "CountRows",
    "step_arcs",
    "lookup",
]

#: Damping exponent *w* of the path-degree product (Himmelstein et al. 2017, eLife).
DEFAULT_DAMPING = 0.4

_Csr: TypeAlias = sparse.csr_array
_METHODS = ("product", "inclusion-exclusion", "enumeration")


class ArcGraph(Protocol):
    """What the metapath code reads from a graph (a projection or a sparse graph)."""

    @property
    def vocabulary(self) -> Vocabulary:
        """Categories, predicates and evidence types."""

    @property
    def node_ids(self) -> tuple[str, ...]:
        """Every node id, sorted (row and column order of the matrices)."""

    @property
    def predicate_names(self) -> tuple[str, ...]:
        """Codes of :attr:`ArcArrays.predicate`."""

    @property
    def arcs(self) -> ArcArrays:
        """The traversable arcs (symmetric predicates both ways), as arrays."""

    @property
    def category_table(self) -> tuple[str, ...]:
        """Codes of :attr:`node_category_codes`."""

    @property
    def node_category_codes(self) -> NDArray[np.int16]:
        """The category of each node, as a code (-1: none)."""

    @property
    def cache(self) -> dict[Any, Any]:
        """Memo of derived matrices, filled on first use."""

    def category_names(self, category: str) -> frozenset[str]:
        """The category and its sub-categories (raises QueryError when unknown)."""

    def members(self, category: str) -> NDArray[np.int64]:
        """Sorted indices of the nodes of a category or of a sub-category."""


def parse_metapath(vocabulary: Vocabulary, metapath: str | Sequence[str]) -> tuple[str, ...]:
    """Split and check a metapath.

    :param vocabulary: the vocabulary holding the categories.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` (``>`` or ``->`` between
        categories, case-insensitive) or a sequence of category names.
    :returns: the canonical category names.
    :raises QueryError: naming an unknown category, or when fewer than two are given.

    >>> from gutbone.vocabulary import load_vocabulary
    >>> parse_metapath(load_vocabulary(), "taxon -> Metabolite>boneoutcome")
    ('Taxon', 'Metabolite', 'BoneOutcome')
    """
    if isinstance(metapath, str):
        parts = [part.strip() for part in metapath.replace("->", ">").split(">")]
    else:
        parts = [str(part).strip() for part in metapath]
    canonical = {name.casefold(): name for name in vocabulary.categories}
    names: list[str] = []
    for part in parts:
        name = canonical.get(part.casefold())
        if name is None:
            known = ", ".join(sorted(vocabulary.categories))
            text = metapath if isinstance(metapath, str) else ">".join(parts)
            raise QueryError(f"metapath {text!r}: unknown category {part!r} (known: {known})")
        names.append(name)
    if len(names) < 2:
        raise QueryError(f"metapath {metapath!r}: needs at least two categories")
    return tuple(names)


@dataclass(frozen=True)
class MetaedgeMatrix:
    """Adjacency of one metapath step, with its labels.

    :param source_category: category of the rows.
    :param target_category: category of the columns.
    :param predicates: the predicates allowed (sorted; every predicate when none was given).
    :param min_rank: minimum evidence rank, or None.
    :param rows: row node ids, sorted.
    :param columns: column node ids, sorted.
    :param matrix: CSC matrix; an entry counts the assertions walkable from row to column.
    """

    source_category: str
    target_category: str
    predicates: tuple[str, ...]
    min_rank: int | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    matrix: sparse.csc_array


class PathCounts(NamedTuple):
    """Path counts and sign counts of a metapath's pairs (one matrix or array each)."""

    path_counts: Any
    mechanistic: Any
    positive: Any
    negative: Any


#: The counts of some rows of a DWPC matrix (None: every row), each matrix with one row per
#: requested row.
CountRows = Callable[[NDArray[np.int64] | None], PathCounts]


@dataclass(frozen=True)
class DwpcPair:
    """One source-target pair of a :class:`DwpcMatrix` with at least one path.

    :param mechanistic_path_count: paths without an association hop.
    :param positive_path_count: mechanistic paths of net sign +1.
    :param negative_path_count: mechanistic paths of net sign -1.
    """

    source: str
    target: str
    dwpc: float
    path_count: int
    mechanistic_path_count: int
    positive_path_count: int
    negative_path_count: int

    @property
    def kind(self) -> str:
        """``"mechanistic"`` when some path has no association hop, else ``"associative"``."""
        return "mechanistic" if self.mechanistic_path_count > 0 else "associative"

    @property
    def net_sign(self) -> int | None:
        """The net sign shared by every mechanistic path (0 if they differ; None if none).

        >>> DwpcPair("a", "b", 1.0, 3, 2, 2, 0, ).net_sign
        1
        >>> DwpcPair("a", "b", 1.0, 3, 2, 1, 0).net_sign, DwpcPair("a", "b", 1.0, 3, 0, 0, 0).kind
        (0, 'associative')
        """
        if self.mechanistic_path_count == 0:
            return None
        if self.positive_path_count == self.mechanistic_path_count:
            return 1
        if self.negative_path_count == self.mechanistic_path_count:
            return -1
        return 0


@dataclass(frozen=True)
class DwpcMatrix:
    """DWPC and path counts for every source x target pair of a metapath.

    :param metapath: the categories.
    :param damping: the damping exponent *w*.
    :param predicates: predicates allowed (sorted).
    :param min_evidence: minimum evidence level, or None.
    :param rows: source node ids (nodes of the first category), sorted.
    :param columns: target node ids (nodes of the last category), sorted.
    :param dwpc: CSC matrix of degree-weighted path counts.
    :param method: ``"product"``, ``"inclusion-exclusion"``, ``"enumeration"`` or ``"spark"``.
    :param count_rows: the path and sign counts of some rows (None: all rows), computed on
        demand: :attr:`path_counts`, :attr:`mechanistic_counts`, :attr:`positive_counts` and
        :attr:`negative_counts` (a top-k list needs them for its rows only).
    """

    metapath: tuple[str, ...]
    damping: float
    predicates: tuple[str, ...]
    min_evidence: str | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    dwpc: sparse.csc_array
    method: str
    count_rows: CountRows = field(repr=False, compare=False)

    @cached_property
    def _counts(self) -> PathCounts:
        return PathCounts(*(sparse.csc_array(m) for m in self.count_rows(None)))

    @property
    def path_counts(self) -> sparse.csc_array:
        """CSC matrix of simple path counts (integers stored as floats)."""
        return self._counts.path_counts

    @property
    def mechanistic_counts(self) -> sparse.csc_array:
        """CSC matrix of the counts of paths without association hop."""
        return self._counts.mechanistic

    @property
    def positive_counts(self) -> sparse.csc_array:
        """CSC matrix of the counts of mechanistic paths of net sign +1."""
        return self._counts.positive

    @property
    def negative_counts(self) -> sparse.csc_array:
        """CSC matrix of the counts of mechanistic paths of net sign -1."""
        return self._counts.negative

    @cached_property
    def _row_index(self) -> dict[str, int]:
        return {node: i for i, node in enumerate(self.rows)}

    @cached_property
    def _column_index(self) -> dict[str, int]:
        return {node: j for j, node in enumerate(self.columns)}

    def _position(self, row: str, column: str) -> tuple[int, int]:
        try:
            return self._row_index[row], self._column_index[column]
        except KeyError:
            raise QueryError(
                f"{row!r} -> {column!r} is not a pair of metapath {'>'.join(self.metapath)}"
            ) from None

    def value(self, row: str, column: str) -> float:
        """DWPC of one pair (0.0 when no path).

        :param row: a source node id.
        :param column: a target node id.
        :returns: the DWPC.
        :raises QueryError: when the ids are not rows/columns of the matrix.
        """
        i, j = self._position(row, column)
        return float(self.dwpc[i, j])

    def count(self, row: str, column: str) -> int:
        """Number of simple paths of one pair.

        :param row: a source node id.
        :param column: a target node id.
        :returns: the path count.
        :raises QueryError: when the ids are not rows/columns of the matrix.
        """
        i, j = self._position(row, column)
        return round(float(self.path_counts[i, j]))

    def pairs(
        self,
        rows: Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
        *,
        mechanisms_first: bool = False,
        top: int | None = None,
        min_dwpc: float | None = None,
    ) -> list[DwpcPair]:
        """Pairs with at least one path, highest DWPC first (ties by ids).

        Selected on the sparse matrices: the rows, columns and threshold as masks over the
        stored entries, the best ``top`` by a partial sort (``argpartition``); only the pairs
        returned become objects.

        :param rows: restrict to these sources (default: all rows).
        :param columns: restrict to these targets (default: all columns).
        :param mechanisms_first: list the pairs with a mechanistic path first.
        :param top: keep the best ``top`` pairs (None: all).
        :param min_dwpc: keep the pairs whose DWPC is at least this.
        :returns: the pairs.
        """
        rows_at, cols_at = self.select(rows, columns, mechanisms_first=mechanisms_first,
                                       top=top, min_dwpc=min_dwpc)  # fmt: skip
        return self._pair_objects(rows_at, cols_at)

    def count_pairs(
        self, rows: Iterable[str] | None = None, columns: Iterable[str] | None = None
    ) -> int:
        """Number of pairs with at least one path (restricted to rows and columns)."""
        return len(self._entries(rows, columns)[0])

    def select(
        self,
        rows: Iterable[str] | None = None,
        columns: Iterable[str] | None = None,
        *,
        mechanisms_first: bool = False,
        top: int | None = None,
        min_dwpc: float | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Row and column positions of the pairs :meth:`pairs` returns, in its order."""
        r, c = self._entries(rows, columns)
        values = lookup(self.dwpc, r, c)
        if min_dwpc is not None:
            keep = values >= min_dwpc
            r, c, values = r[keep], c[keep], values[keep]
        associative = np.zeros(len(r), dtype=bool)
        if mechanisms_first:
            associative = self._row_counts(r, c).mechanistic < 0.5
        # rank score: mechanistic pairs above every associative one, then by DWPC
        score = values - np.where(associative, np.inf, 0.0)
        if top is not None and top < len(r):
            cut = np.partition(score, len(r) - top)[len(r) - top]
            keep = score >= cut  # every tie of the k-th score, for ties broken by ids
            r, c, values, associative = r[keep], c[keep], values[keep], associative[keep]
        order = np.lexsort((c, r, -values, associative))[:top]
        return r[order], c[order]

    def _entries(
        self, rows: Iterable[str] | None, columns: Iterable[str] | None
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        counts = sparse.coo_array(self.dwpc)  # the pairs with a path (weights are positive)
        keep = counts.data > 0
        for wanted, index, axis in ((rows, self._row_index, counts.row),
                                    (columns, self._column_index, counts.col)):  # fmt: skip
            if wanted is not None:
                positions = [index[node] for node in wanted if node in index]
                mask = np.zeros(len(index), dtype=bool)
                mask[positions] = True
                keep &= mask[axis]
        return counts.row[keep].astype(np.int64), counts.col[keep].astype(np.int64)

    def _row_counts(self, r: NDArray[np.int64], c: NDArray[np.int64]) -> PathCounts:
        """Path and sign counts at (r[k], c[k]), computed for those rows only."""
        wanted = np.unique(r)
        counts = self.count_rows(wanted)
        local = np.searchsorted(wanted, r)
        return PathCounts(*(lookup(matrix, local, c) for matrix in counts))

    def _pair_objects(self, r: NDArray[np.int64], c: NDArray[np.int64]) -> list[DwpcPair]:
        columns = [lookup(self.dwpc, r, c).tolist()]
        columns += [np.rint(values).astype(np.int64).tolist() for values in self._row_counts(r, c)]
        return [
            DwpcPair(self.rows[i], self.columns[j], *values)
            for i, j, *values in zip(r.tolist(), c.tolist(), *columns, strict=True)
        ]


def lookup(matrix: Any, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """Entries of a sparse matrix at (rows[k], cols[k]), 0.0 where none is stored.

    :param matrix: any scipy sparse matrix.
    :param rows: row positions.
    :param cols: column positions.
    :returns: the values.

    >>> lookup(sparse.csr_array([[0.0, 2.0], [3.0, 0.0]]), np.array([0, 1, 1]), np.array([1, 0, 1]))
    array([2., 3., 0.])
    """
    csc = sparse.csc_array(matrix)
    csc.sum_duplicates()  # canonical: sorted row indices within each column
    found = np.zeros(len(rows))
    if len(rows) == 0 or csc.nnz == 0:
        return found
    n_rows = csc.shape[0]
    stored_cols = np.repeat(np.arange(csc.shape[1], dtype=np.int64), np.diff(csc.indptr))
    keys = stored_cols * n_rows + csc.indices.astype(np.int64)  # sorted (column-major)
    wanted = cols * n_rows + rows
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[at] == wanted
    found[hit] = csc.data[at[hit]]
    return found


def _members(projection: ArcGraph, category: str) -> NDArray[np.int64]:
    return projection.members(category)


def _local(projection: ArcGraph, category: str) -> NDArray[np.int64]:
    key = ("local_index", category)
    if key not in projection.cache:
        local = np.full(len(projection.node_ids), -1, dtype=np.int64)
        members = _members(projection, category)
        local[members] = np.arange(len(members), dtype=np.int64)
        projection.cache[key] = local
    result: NDArray[np.int64] = projection.cache[key]
    return result


def arc_blocks(projection: ArcGraph) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Arc positions grouped by (tail category, head category), computed once per graph.

    :param projection: the graph.
    :returns: ``order`` (arc positions sorted by the category pair of their ends) and
        ``bounds`` (``order[bounds[k]:bounds[k + 1]]`` are the arcs of pair code
        ``k = tail_code * n + head_code``, ``n`` categories, code ``n - 1`` standing for
        nodes of no known category).
    """
    key = "arc_blocks"
    if key not in projection.cache:
        n = len(projection.category_table) + 1
        codes = projection.node_category_codes.astype(np.int64)
        codes = np.where(codes < 0, n - 1, codes)
        arcs = projection.arcs
        pair = codes[arcs.tail] * n + codes[arcs.head]
        order = np.argsort(pair, kind="stable")
        bounds = np.searchsorted(pair[order], np.arange(n * n + 1))
        projection.cache[key] = (order.astype(np.int64), bounds.astype(np.int64))
    blocks: tuple[NDArray[np.int64], NDArray[np.int64]] = projection.cache[key]
    return blocks


def step_arcs(projection: ArcGraph, source: str, target: str) -> NDArray[np.int64]:
    """Positions of the arcs from a node of ``source`` to a node of ``target``.

    :param projection: the graph.
    :param source: the tail category (sub-classes included).
    :param target: the head category (sub-classes included).
    :returns: the arc positions.
    """
    order, bounds = arc_blocks(projection)
    n = len(projection.category_table) + 1
    names = projection.category_table
    sources = projection.category_names(source)
    targets = projection.category_names(target)
    tails = [i for i, name in enumerate(names) if name in sources]
    heads = [j for j, name in enumerate(names) if name in targets]
    pieces = [order[bounds[i * n + j] : bounds[i * n + j + 1]] for i in tails for j in heads]
    if not pieces:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(pieces)


#: Arc selections of :func:`_step_counts`: every arc, or only the non-associative ones
#: counted once, by sign (+1 and -1 arcs, -1 arcs negative), or by |sign|.
_SELECTIONS = ("all", "mechanistic", "signed", "directed")


def _step_counts(
    projection: ArcGraph,
    source: str,
    target: str,
    allowed: frozenset[str] | None,
    min_rank: int | None,
    selection: str = "all",
) -> _Csr:
    key = ("step_counts", source, target, allowed, min_rank, selection)
    if key in projection.cache:
        cached: _Csr = projection.cache[key]
        return cached
    arcs = projection.arcs
    selected = step_arcs(projection, source, target)
    keep = np.ones(len(selected), dtype=bool)
    if allowed is not None:
        ok = np.array([name in allowed for name in projection.predicate_names], dtype=bool)
        keep &= ok[arcs.predicate[selected]]
    if min_rank is not None:
        keep &= arcs.rank[selected] >= min_rank
    if selection != "all":
        associative = projection.vocabulary.associative_predicates
        flags = np.array([name in associative for name in projection.predicate_names])
        keep &= ~flags[arcs.predicate[selected]]
    selected = selected[keep]
    values = np.ones(len(selected))
    if selection == "signed":
        values = arcs.sign[selected].astype(np.float64)
    elif selection == "directed":
        values = np.abs(arcs.sign[selected]).astype(np.float64)
    rows = _local(projection, source)[arcs.tail[selected]]
    cols = _local(projection, target)[arcs.head[selected]]
    shape = (len(_members(projection, source)), len(_members(projection, target)))
    matrix = sparse.coo_array((values, (rows, cols)), shape=shape).tocsr()
    matrix.sum_duplicates()
    projection.cache[key] = matrix
    return matrix


def _filters(
    projection: ArcGraph, predicates: Iterable[str] | None, min_evidence: str | None
) -> tuple[frozenset[str] | None, int | None]:
    allowed = predicate_closure(projection.vocabulary, predicates)
    return allowed, evidence_rank(projection.vocabulary, min_evidence)


def metaedge_adjacency(
    projection: ArcGraph,
    source_category: str,
    target_category: str,
    *,
    predicates: Iterable[str] | None = None,
    min_evidence: str | None = None,
) -> MetaedgeMatrix:
    """Adjacency matrix of one step (source category, predicate set, target category).

    :param projection: the graph.
    :param source_category: category of the rows (sub-classes included).
    :param target_category: category of the columns (sub-classes included).
    :param predicates: allowed predicates (with their sub-predicates); all when None.
    :param min_evidence: minimum evidence level name; any when None.
    :returns: the labelled matrix.
    :raises QueryError: for an unknown category, predicate or evidence level.

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> step = metaedge_adjacency(build_projection(load_curated()), "Metabolite", "Receptor")
    >>> i, j = step.rows.index("CHEBI:26666"), step.columns.index("NCBIGene:2867")
    >>> int(step.matrix[i, j])
    1
    """
    projection.category_names(source_category)
    projection.category_names(target_category)
    allowed, min_rank = _filters(projection, predicates, min_evidence)
    matrix = _step_counts(projection, source_category, target_category, allowed, min_rank)
    return MetaedgeMatrix(
        source_category=source_category,
        target_category=target_category,
        predicates=tuple(sorted(allowed if allowed is not None else projection.predicate_names)),
        min_rank=min_rank,
        rows=_ids(projection, source_category),
        columns=_ids(projection, target_category),
        matrix=matrix.tocsc(),
    )


def _ids(projection: ArcGraph, category: str) -> tuple[str, ...]:
    key = ("member_ids", category)
    if key not in projection.cache:
        node_ids = projection.node_ids
        projection.cache[key] = tuple(node_ids[i] for i in _members(projection, category).tolist())
    ids: tuple[str, ...] = projection.cache[key]
    return ids


def check_metapath(
    projection: ArcGraph,
    categories: Sequence[str],
    allowed: frozenset[str] | None,
    min_rank: int | None,
) -> list[_Csr]:
    """Step count matrices of a metapath; fail when a step has no arc at all.

    :param projection: the graph.
    :param categories: checked category names (:func:`parse_metapath`).
    :param allowed: allowed predicates (closed under sub-predicates) or None.
    :param min_rank: minimum evidence rank or None.
    :returns: one CSR count matrix per step.
    :raises QueryError: naming the first step with no arc (an impossible metapath).
    """
    matrices = []
    for source, target in zip(categories[:-1], categories[1:], strict=True):
        matrix = _step_counts(projection, source, target, allowed, min_rank)
        if matrix.nnz == 0:
            limits = []
            if allowed is not None:
                limits.append(f"predicates {', '.join(sorted(allowed))}")
            if min_rank is not None:
                limits.append(f"evidence rank >= {min_rank}")
            suffix = f" with {'; '.join(limits)}" if limits else ""
            raise QueryError(
                f"impossible metapath {'>'.join(categories)!r}: no {source} -> {target} "
                f"edge in the graph{suffix}"
            )
        matrices.append(matrix)
    return matrices


def _degree_weight(matrix: _Csr, damping: float) -> _Csr:
    if damping == 0:
        return matrix
    out_degree = np.asarray(matrix.sum(axis=1)).ravel()
    in_degree = np.asarray(matrix.sum(axis=0)).ravel()
    with np.errstate(divide="ignore"):
        row_factor = np.where(out_degree > 0, out_degree ** (-damping), 0.0)
        col_factor = np.where(in_degree > 0, in_degree ** (-damping), 0.0)
    # scale the stored entries in place of two diagonal products (same numbers, O(nnz))
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    data = matrix.data * row_factor[rows] * col_factor[matrix.indices]
    return sparse.csr_array((data, matrix.indices, matrix.indptr), shape=matrix.shape)


def _chain(matrices: Sequence[_Csr]) -> _Csr:
    """Product of a chain of matrices in the cheapest order (matrix-chain DP on shapes)."""
    count = len(matrices)
    dims = [matrices[0].shape[0], *(m.shape[1] for m in matrices)]
    cost = [[0.0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for span in range(1, count):
        for i in range(count - span):
            j = i + span
            cost[i][j] = float("inf")
            for k in range(i, j):
                value = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if value < cost[i][j]:
                    cost[i][j], split[i][j] = value, k

    def multiply(i: int, j: int) -> _Csr:
        if i == j:
            return matrices[i]
        k = split[i][j]
        return sparse.csr_array(multiply(i, k) @ multiply(k + 1, j))

    return multiply(0, count - 1)


def _coincidence(
    left: NDArray[np.int64], right: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local positions (in two member arrays) of the nodes both contain."""
    _, i, j = np.intersect1d(left, right, assume_unique=True, return_indices=True)
    return i.astype(np.int64), j.astype(np.int64)


def _selector(shape: tuple[int, int], rows: NDArray[np.int64], cols: NDArray[np.int64]) -> _Csr:
    return sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)


def _simple_sum(matrices: Sequence[_Csr], members: Sequence[NDArray[np.int64]]) -> _Csr:
    """Sum over simple paths for metapaths of length 2 or 3 (inclusion-exclusion)."""
    if len(matrices) == 2:
        a, b = matrices
        walks = sparse.csr_array(a @ b)
        i0, i2 = _coincidence(members[0], members[2])
        return sparse.csr_array(walks - walks * _selector(walks.shape, i0, i2))
    a, b, c = matrices
    ab, bc = sparse.csr_array(a @ b), sparse.csr_array(b @ c)
    walks = sparse.csr_array(ab @ c)
    i0, i2 = _coincidence(members[0], members[2])
    j1, j3 = _coincidence(members[1], members[3])
    # v0 = v2: sum_x AB[x, x] C[x, v3]
    e02 = ab * _selector(ab.shape, i0, i2) @ c
    # v1 = v3: sum_y A[v0, y] BC[y, y]
    e13 = a @ (bc * _selector(bc.shape, j1, j3))
    # v0 = v2 and v1 = v3: A[x, y] B[y, x] C[x, y]
    a_xy = a[i0][:, j1]
    b_yx = b[j1][:, i2]
    c_xy = c[i2][:, j3]
    both = sparse.csr_array(a_xy * b_yx.T * c_xy)
    lift_rows = _selector((a.shape[0], len(i0)), i0, np.arange(len(i0)))
    lift_cols = _selector((len(j3), c.shape[1]), np.arange(len(j3)), j3)
    e0213 = lift_rows @ both @ lift_cols
    simple = sparse.csr_array(walks - e02 - e13 + e0213)
    k0, k3 = _coincidence(members[0], members[3])
    return sparse.csr_array(simple - simple * _selector(simple.shape, k0, k3))


def _enumerate_sum(
    chains: Sequence[Sequence[_Csr]], members: Sequence[NDArray[np.int64]]
) -> list[_Csr]:
    """Exact simple-path sums by depth-first enumeration over the step matrices.

    Every chain must have the sparsity structure of the first (the same arcs, other values).
    """
    structure = chains[0]
    shape = (structure[0].shape[0], structure[-1].shape[1])
    totals: dict[tuple[int, int], NDArray[np.float64]] = {}
    last = len(structure) - 1

    def walk(step: int, local: int, start: int, seen: list[int], values: NDArray[Any]) -> None:
        matrix = structure[step]
        begin, end = matrix.indptr[local], matrix.indptr[local + 1]
        for position in range(begin, end):
            nxt = int(matrix.indices[position])
            node = int(members[step + 1][nxt])
            if node in seen:
                continue
            extended = values * np.array([chain[step].data[position] for chain in chains])
            if step == last:
                totals[(start, nxt)] = totals.get((start, nxt), 0.0) + extended
            else:
                seen.append(node)
                walk(step + 1, nxt, start, seen, extended)
                seen.pop()

    for start in range(shape[0]):
        walk(0, start, start, [int(members[0][start])], np.ones(len(chains)))
    keys = sorted(totals)
    rows = np.array([k[0] for k in keys], dtype=np.int64)
    cols = np.array([k[1] for k in keys], dtype=np.int64)
    return [
        sparse.csr_array((np.array([totals[k][i] for k in keys]), (rows, cols)), shape=shape)
        for i in range(len(chains))
    ]


def _simple_sums(
    chains: Sequence[Sequence[_Csr]], members: Sequence[NDArray[np.int64]], method: str
) -> list[_Csr]:
    """Sums over simple paths of each chain of step matrices (same structure), by method."""
    if method == "enumeration":
        return _enumerate_sum(chains, members)
    if method == "product":
        return [_chain(chain) for chain in chains]
    if len(chains[0]) == 1:
        return [chain[0] for chain in chains]
    return [_simple_sum(chain, members) for chain in chains]


def _count_rows(
    projection: ArcGraph,
    categories: Sequence[str],
    allowed: frozenset[str] | None,
    min_rank: int | None,
    method: str,
) -> CountRows:
    """Path counts, mechanistic counts and those of net sign +1 and -1, on demand by rows.

    With the ``product`` method only the requested rows of the first step enter the
    products (a top-k list costs a few rows); other methods compute every row and slice.
    """
    members = [_members(projection, category) for category in categories]

    def compute(rows: NDArray[np.int64] | None) -> PathCounts:
        chains = [
            [
                _step_counts(projection, source, target, allowed, min_rank, selection)
                for source, target in zip(categories[:-1], categories[1:], strict=True)
            ]
            for selection in ("all", "mechanistic", "directed", "signed")
        ]
        if rows is not None and method == "product":
            chains = [[sparse.csr_array(chain[0][rows]), *chain[1:]] for chain in chains]
        # enumeration needs one sparsity structure per call: every arc, then the mechanistic
        sums = _simple_sums(chains[:1], members, method) + _simple_sums(chains[1:], members, method)
        if rows is not None and method != "product":
            sums = [sparse.csr_array(matrix[rows]) for matrix in sums]
        counts, mechanistic, directed, signed = sums
        return PathCounts(
            _integral(counts),
            _integral(mechanistic),
            _integral(sparse.csr_array((directed + signed) / 2)),
            _integral(sparse.csr_array((directed - signed) / 2)),
        )

    return compute


def _integral(matrix: _Csr) -> _Csr:
    """Round sums of integer counts (inclusion-exclusion leaves rounding residue)."""
    result = sparse.csr_array(matrix, copy=True)
    result.data = np.rint(result.data)
    result.eliminate_zeros()
    return result


def _overlapping(members: Sequence[NDArray[np.int64]]) -> bool:
    for i in range(len(members)):
        for j in range(i + 2, len(members)):
            if len(np.intersect1d(members[i], members[j], assume_unique=True)):
                return True
    return False


def _choose_method(
    categories: Sequence[str], members: Sequence[NDArray[np.int64]], method: str
) -> str:
    """The simple-path method to use (``auto``: the fastest exact one); checks a given one."""
    overlapping = _overlapping(members)
    if method == "auto":
        if not overlapping:
            return "product"
        return "inclusion-exclusion" if len(categories) <= 4 else "enumeration"
    if method not in _METHODS:
        raise QueryError(f"unknown DWPC method {method!r} (known: auto, {', '.join(_METHODS)})")
    if method == "product" and overlapping:
        raise QueryError(
            f"method 'product' would count walks that repeat a node on {'>'.join(categories)!r}"
        )
    if method == "inclusion-exclusion" and len(categories) > 4:
        raise QueryError("method 'inclusion-exclusion' is implemented for lengths 2 and 3")
    return method


def simple_path_sums(
    graph: ArcGraph,
    categories: Sequence[str],
    allowed: frozenset[str] | None,
    min_rank: int | None,
    damping: float,
    method: str,
) -> tuple[_Csr, _Csr]:
    """Path counts and DWPC over the simple paths of a checked metapath.

    :param graph: the graph.
    :param categories: checked categories (:func:`parse_metapath`).
    :param allowed: allowed predicates (closed) or None.
    :param min_rank: minimum evidence rank or None.
    :param damping: the damping exponent.
    :param method: ``"product"``, ``"inclusion-exclusion"`` or ``"enumeration"``.
    :returns: ``(path counts, DWPC)`` as CSR matrices (no explicit zeros).
    """
    counts = check_metapath(graph, categories, allowed, min_rank)
    members = [_members(graph, category) for category in categories]
    if damping == 0:
        path_counts = _simple_sums([counts], members, method)[0]
        dwpc = path_counts
    else:
        weighted = [_degree_weight(matrix, damping) for matrix in counts]
        path_counts, dwpc = _simple_sums([counts, weighted], members, method)
    if method == "inclusion-exclusion" and len(counts) > 1:
        # Cancellation leaves rounding residue where no simple path exists: use the exact
        # (integer) path counts as the support of the DWPC matrix.
        support = path_counts > 0.5
        dwpc = sparse.csr_array(dwpc * support)
        path_counts = sparse.csr_array(path_counts * support)
    path_counts.eliminate_zeros()
    dwpc.eliminate_zeros()
    return path_counts, dwpc


def simple_dwpc(
    graph: ArcGraph,
    categories: Sequence[str],
    allowed: frozenset[str] | None,
    min_rank: int | None,
    damping: float,
    method: str,
) -> _Csr:
    """DWPC over the simple paths of a checked metapath (arguments of :func:`simple_path_sums`).

    With the ``product`` method and a damping it is one chain of degree-weighted step
    matrices (the path counts are not needed for its support).
    """
    if method == "product" and damping > 0:
        counts = check_metapath(graph, categories, allowed, min_rank)
        dwpc = _chain([_degree_weight(matrix, damping) for matrix in counts])
        dwpc.eliminate_zeros()
        return dwpc
    return simple_path_sums(graph, categories, allowed, min_rank, damping, method)[1]


def metapath_dwpc(
    projection: ArcGraph,
    metapath: str | Sequence[str],
    damping: float = DEFAULT_DAMPING,
    *,
    predicates: Iterable[str] | None = None,
    min_evidence: str | None = None,
    method: str = "auto",
) -> DwpcMatrix:
    """Degree-weighted path counts of a metapath for every source x target pair.

    :param projection: the graph.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` or a sequence of categories.
    :param damping: the damping exponent *w* (0 gives plain path counts).
    :param predicates: allowed predicates (with their sub-predicates); all when None.
    :param min_evidence: minimum evidence level name; any when None.
    :param method: ``"auto"`` (the fastest exact method, see the module docstring),
        ``"product"`` (only when no node can repeat), ``"inclusion-exclusion"`` (length 2
        or 3) or ``"enumeration"`` (always exact, slow on large graphs).
    :returns: DWPC and path-count matrices with their row and column labels.
    :raises QueryError: for an unknown category, predicate, evidence level or method, a
        negative damping, a method that cannot give simple paths for this metapath, or an
        impossible metapath (a step with no edge).

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> scores = metapath_dwpc(build_projection(load_curated()), "Taxon>Metabolite")
    >>> scores.method, scores.rows == tuple(sorted(scores.rows))
    ('product', True)
    """
    if not damping >= 0:
        raise QueryError(f"damping {damping!r} must be a number >= 0")
    categories = parse_metapath(projection.vocabulary, metapath)
    allowed, min_rank = _filters(projection, predicates, min_evidence)
    check_metapath(projection, categories, allowed, min_rank)
    members = [_members(projection, category) for category in categories]
    method = _choose_method(categories, members, method)
    dwpc = simple_dwpc(projection, categories, allowed, min_rank, damping, method)
    return DwpcMatrix(
        metapath=categories,
        damping=float(damping),
        predicates=tuple(sorted(allowed if allowed is not None else projection.predicate_names)),
        min_evidence=min_evidence,
        rows=_ids(projection, categories[0]),
        columns=_ids(projection, categories[-1]),
        dwpc=dwpc.tocsc(),
        method=method,
        count_rows=_count_rows(projection, categories, allowed, min_rank, method),
    )
