"""One seam for metapath scoring engines: :func:`dwpc` and :func:`dwpc_null` by name.

An engine is a :class:`DwpcEngine`: a function that follows the :class:`DwpcFunction`
protocol and a :data:`~gutbone.query.permutations.SumPermutations` (how the permutations
of :func:`gutbone.query.permutations.dwpc_null` are summed; the rest of the null is shared):

* ``"sparse"``: scipy.sparse products in this process
  (:func:`gutbone.query.metapaths.metapath_dwpc`), permutations in memory
  (:func:`gutbone.query.permutations.sum_in_memory`);
* ``"spark"``: a chain of Spark DataFrame joins on any Spark master
  (:func:`gutbone.query.spark_engine.spark_dwpc`), permutations spread over the executors
  (:func:`gutbone.query.spark_engine.spark_sums`).

Both take either graph (the networkx :class:`~gutbone.query.projection.Projection` of the
curated tables, or a :class:`~gutbone.query.sparse_graph.SparseGraph` read from KGX) and
return the same :class:`~gutbone.query.metapaths.DwpcMatrix` and
:class:`~gutbone.query.permutations.DwpcNull`. Path *enumeration* has its own engines
(:func:`gutbone.query.paths.find_paths`); :func:`open_graph` gives the graph a command
reads for an engine, and :func:`resolve_nodes`, :func:`node_label`, :func:`node_category`
work on either graph.

>>> from gutbone.curation import load_curated
>>> graph = open_graph("sparse", load_curated())
>>> dwpc(graph, "Taxon>Metabolite", 0.0).count("NCBITaxon:186803", "CHEBI:17968")
1
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Unpack

from gutbone.curation import CuratedData
from gutbone.errors import QueryError
from gutbone.interop.readers.sparse_kgx import read_kgx
from gutbone.query import permutations
from gutbone.query.metapaths import DEFAULT_DAMPING, ArcGraph, DwpcMatrix, metapath_dwpc
from gutbone.query.permutations import DwpcNull, NullOptions, SumPermutations
from gutbone.query.projection import Projection, build_projection
from gutbone.query.sparse_graph import SparseGraph

__all__ = [
    "ENGINES",
    "DWPC_ENGINES",
    "DwpcFunction",
    "DwpcEngine",
    "dwpc_engine",
    "dwpc",
    "dwpc_null",
    "open_graph",
    "resolve_nodes",
    "node_label",
    "node_category",
    "MetapathEnrichment",
    "metapath_enrichment",
]

#: Every engine of ``gutbone paths``: "graph" enumerates paths, the others score metapaths.
ENGINES = ("graph", "sparse", "spark")
#: Engines that score metapaths.
DWPC_ENGINES = ("sparse", "spark")


class DwpcFunction(Protocol):
    """Scores every pair of a metapath (as :func:`~gutbone.query.metapaths.metapath_dwpc`)."""

    def __call__(
        self,
        graph: ArcGraph,
        metapath: str | Sequence[str],
        damping: float = DEFAULT_DAMPING,
        /,
        *,
        predicates: Iterable[str] | None = None,
        min_evidence: str | None = None,
    ) -> DwpcMatrix:
        """DWPC, path counts and signed counts of every pair of a metapath."""


@dataclass(frozen=True)
class DwpcEngine:
    """A metapath scoring engine: its name, its scores and how it sums permutations.

    :param name: ``"sparse"`` or ``"spark"``.
    :param dwpc: scores every pair of a metapath.
    :param sums: sums the permutations of :func:`dwpc_null`.
    """

    name: str
    dwpc: DwpcFunction
    sums: SumPermutations


def dwpc_engine(name: str, *, master: str | None = None) -> DwpcEngine:
    """The engine of a name.

    :param name: ``"sparse"`` or ``"spark"``.
    :param master: the Spark master URL (spark only; default ``local[*]``).
    :returns: the engine (Spark starts on first use).
    :raises QueryError: for an unknown name, or a master given to another engine.

    >>> dwpc_engine("sparse").dwpc.__name__
    'metapath_dwpc'
    """
    if name not in DWPC_ENGINES:
        raise QueryError(f"unknown DWPC engine {name!r} (known: {', '.join(DWPC_ENGINES)})")
    if name == "spark":
        from gutbone.query.spark_engine import spark_dwpc, spark_sums

        return DwpcEngine(
            "spark", functools.partial(spark_dwpc, master=master), spark_sums(master=master)
        )
    if master is not None:
        raise QueryError("a Spark master is only used by the spark engine")
    return DwpcEngine("sparse", metapath_dwpc, permutations.sum_in_memory)


def dwpc(
    graph: ArcGraph,
    metapath: str | Sequence[str],
    damping: float = DEFAULT_DAMPING,
    *,
    engine: str = "sparse",
    predicates: Iterable[str] | None = None,
    min_evidence: str | None = None,
    master: str | None = None,
) -> DwpcMatrix:
    """Degree-weighted path counts of a metapath for every pair, by the named engine.

    :param graph: a projection or a sparse graph.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` or a sequence of categories.
    :param damping: the damping exponent (0 gives path counts).
    :param engine: ``"sparse"`` or ``"spark"``.
    :param predicates: allowed predicates (with sub-predicates); all when None.
    :param min_evidence: minimum evidence level; any when None.
    :param master: Spark master URL (spark only).
    :returns: the scores.
    :raises QueryError: as :func:`~gutbone.query.metapaths.metapath_dwpc`, or for an
        unknown engine; :class:`~gutbone.query.spark_engine.SparkUnavailable` when Spark
        cannot start.
    """
    return dwpc_engine(engine, master=master).dwpc(
        graph, metapath, damping, predicates=predicates, min_evidence=min_evidence
    )


def dwpc_null(
    graph: ArcGraph,
    scores: DwpcMatrix,
    *,
    engine: str = "sparse",
    master: str | None = None,
    **options: Unpack[NullOptions],
) -> DwpcNull:
    """Permutation nulls (XSwap per edge type) of observed scores, by the named engine.

    :param graph: the graph the scores were computed on.
    :param scores: the observed scores.
    :param engine: ``"sparse"`` or ``"spark"``.
    :param master: Spark master URL (spark only).
    :param options: as :func:`gutbone.query.permutations.dwpc_null`: ``permutations``
        (how many permuted graphs), ``seed`` (the base seed: permutation ``k`` uses
        ``[seed, k]``, the same null on every engine), ``multiplier`` (swap attempts per
        edge) and ``progress`` (called with (done, total) as permutations finish).
    :returns: the nulls.
    """
    run = dwpc_engine(engine, master=master).sums
    return permutations.dwpc_null(graph, scores, run=run, **options)


def open_graph(
    engine: str, data: CuratedData | None = None, *, kgx: str | Path | None = None
) -> Projection | SparseGraph:
    """The graph an engine reads: a KGX folder as arrays, else the curated projection.

    :param engine: ``"graph"``, ``"sparse"`` or ``"spark"``.
    :param data: the curated tables (when no ``kgx``).
    :param kgx: a folder with ``nodes.tsv`` and ``edges.tsv``.
    :returns: a sparse graph for KGX, else the projection (every engine reads it).
    :raises QueryError: for an unknown engine or neither input.
    """
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if kgx is not None:
        return read_kgx(kgx)
    if data is None:
        raise QueryError("give the curated tables or a KGX folder")
    return build_projection(data)


def resolve_nodes(graph: Projection | SparseGraph, text: str) -> tuple[str, ...]:
    """Node ids named by an id, label, synonym or category, on either graph."""
    if isinstance(graph, SparseGraph):
        return graph.resolve(text)
    from gutbone.query.resolve import resolve

    return resolve(graph, text)


def node_label(graph: Projection | SparseGraph, node: str) -> str:
    """The label of a node id on either graph."""
    if isinstance(graph, SparseGraph):
        return graph.labels[graph.index(node)]
    return graph.nodes[node].label


def node_category(graph: Projection | SparseGraph, node: str) -> str:
    """The category of a node id on either graph."""
    if isinstance(graph, SparseGraph):
        return graph.category(graph.index(node))
    return graph.nodes[node].category


@dataclass(frozen=True)
class MetapathEnrichment:
    """How much more connected than chance a metapath is (for reports).

    :param metapath: the categories.
    :param observed_sum: the DWPC summed over all pairs.
    :param null_mean: its mean over the permuted graphs.
    :param enrichment: ``observed_sum / null_mean`` (inf when the mean is 0).
    :param p_value: ``(1 + #{permuted sum >= observed}) / (1 + permutations)``.
    :param permutations: the number of permuted graphs.
    :param pairs: the pairs with a path.
    """

    metapath: tuple[str, ...]
    observed_sum: float
    null_mean: float
    enrichment: float
    p_value: float
    permutations: int
    pairs: int


def metapath_enrichment(
    graph: ArcGraph,
    metapath: str | Sequence[str],
    *,
    permutations: int = 100,
    seed: int = 0,
    damping: float = DEFAULT_DAMPING,
    engine: str = "sparse",
) -> MetapathEnrichment:
    """A metapath's DWPC over its permutation null, in one call (for the report).

    :param graph: a projection or a sparse graph.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"`` or a sequence of categories.
    :param permutations: how many permuted graphs.
    :param seed: the base seed.
    :param damping: the damping exponent.
    :param engine: ``"sparse"`` or ``"spark"``.
    :returns: the enrichment.

    >>> from gutbone.curation import load_curated
    >>> found = metapath_enrichment(open_graph("sparse", load_curated()),
    ...                             "Taxon>Metabolite>BoneOutcome", permutations=5)
    >>> found.permutations, found.enrichment > 0, 1 / 6 <= found.p_value <= 1
    (5, True, True)
    """
    scores = dwpc(graph, metapath, damping, engine=engine)
    null = dwpc_null(graph, scores, permutations=permutations, seed=seed, engine=engine)
    return MetapathEnrichment(
        metapath=scores.metapath,
        observed_sum=null.observed_sum,
        null_mean=sum(null.null_sums) / permutations,
        enrichment=null.enrichment,
        p_value=null.metapath_p_value,
        permutations=permutations,
        pairs=scores.count_pairs(),
    )
