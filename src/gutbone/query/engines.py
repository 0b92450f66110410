"""One seam for metapath scoring engines: :func:`dwpc` and :func:`dwpc_null` by name.

Every engine is a small module behind the :class:`DwpcEngine` protocol:

* ``"sparse"`` (:mod:`gutbone.query.sparse_engine`): scipy.sparse products in this
  process, permutations in memory;
* ``"spark"`` (:mod:`gutbone.query.spark_engine`): a chain of Spark DataFrame joins on any
  Spark master, permutations spread over the executors.

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

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Protocol

from gutbone.curation import CuratedData
from gutbone.errors import QueryError
from gutbone.interop.readers.sparse_kgx import read_kgx
from gutbone.query.metapaths import DEFAULT_DAMPING, ArcGraph, DwpcMatrix
from gutbone.query.permutations import DEFAULT_MULTIPLIER, DwpcNull, Progress
from gutbone.query.projection import Projection, build_projection
from gutbone.query.sparse_graph import SparseGraph

__all__ = [
    "ENGINES",
    "DWPC_ENGINES",
    "DwpcEngine",
    "dwpc_engine",
    "dwpc",
    "dwpc_null",
    "open_graph",
    "resolve_nodes",
    "node_label",
    "node_category",
]

#: Every engine of ``gutbone paths``: "graph" enumerates paths, the others score metapaths.
ENGINES = ("graph", "sparse", "spark")
#: Engines that score metapaths.
DWPC_ENGINES = ("sparse", "spark")


class DwpcEngine(Protocol):
    """What a metapath scoring engine provides."""

    name: str

    def dwpc(
        self,
        graph: ArcGraph,
        metapath: str | Sequence[str],
        damping: float,
        *,
        predicates: Iterable[str] | None = None,
        min_evidence: str | None = None,
    ) -> DwpcMatrix:
        """DWPC, path counts and signed counts of every pair of a metapath."""

    def null(
        self,
        graph: ArcGraph,
        scores: DwpcMatrix,
        *,
        permutations: int,
        seed: int,
        multiplier: float,
        progress: Progress | None = None,
    ) -> DwpcNull:
        """Permutation nulls of the observed scores."""


def dwpc_engine(name: str, *, master: str | None = None) -> DwpcEngine:
    """The engine of a name.

    :param name: ``"sparse"`` or ``"spark"``.
    :param master: the Spark master URL (spark only; default ``local[*]``).
    :returns: the engine (Spark starts on first use).
    :raises QueryError: for an unknown name, or a master given to another engine.
    """
    if name not in DWPC_ENGINES:
        raise QueryError(f"unknown DWPC engine {name!r} (known: {', '.join(DWPC_ENGINES)})")
    if name == "spark":
        from gutbone.query.spark_engine import SparkEngine

        return SparkEngine(master)
    if master is not None:
        raise QueryError("a Spark master is only used by the spark engine")
    from gutbone.query.sparse_engine import SparseEngine

    return SparseEngine()


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
    permutations: int,
    seed: int = 0,
    multiplier: float = DEFAULT_MULTIPLIER,
    engine: str = "sparse",
    master: str | None = None,
    progress: Progress | None = None,
) -> DwpcNull:
    """Permutation nulls (XSwap per edge type) of observed scores, by the named engine.

    :param graph: the graph the scores were computed on.
    :param scores: the observed scores.
    :param permutations: how many permuted graphs.
    :param seed: the base seed (permutation ``k`` uses ``[seed, k]``: same null on every
        engine).
    :param multiplier: swap attempts per edge.
    :param engine: ``"sparse"`` or ``"spark"``.
    :param master: Spark master URL (spark only).
    :param progress: called with (done, total) as permutations finish (sparse engine).
    :returns: the nulls.
    """
    return dwpc_engine(engine, master=master).null(
        graph, scores, permutations=permutations, seed=seed, multiplier=multiplier,
        progress=progress,
    )  # fmt: skip


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
