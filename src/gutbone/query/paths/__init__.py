"""Enumerate and explain paths between nodes, ranked by evidence: one :func:`find_paths`.

:func:`find_paths` lists the simple paths (no node twice) from any source to any target,
optionally following a metapath of categories (``"Taxon>Metabolite>BoneOutcome"``; a
category also matches its sub-classes), restricted to some predicates (a predicate also
matches its sub-predicates) and to a minimum evidence level. Every path is a
:class:`PathHit` whose hops carry the assertion's predicate, sign, evidence, source,
locator, quote and effect (:mod:`gutbone.query.paths.hits` defines scores and signs).

Engines (``engine=``)
---------------------
* ``"graph"``: depth-first search on the networkx
  :class:`~gutbone.query.projection.Projection` of the curated tables, with or without a
  metapath (:mod:`gutbone.query.paths.graph_search`);
* ``"sparse"``: the same paths on the CSR arrays of a
  :class:`~gutbone.query.sparse_graph.SparseGraph` (millions of edges), metapath only
  (:mod:`gutbone.query.paths.sparse_search`); a projection is converted.

By default the engine follows the graph: "graph" for a projection, "sparse" for a sparse
graph. Spark scores metapaths (:func:`gutbone.query.engines.dwpc`); it enumerates no path.
Both engines rank with the one collector of :mod:`gutbone.query.paths.topk`: mechanistic
paths first (``mechanisms_first=True``, the default), then by score (the product of the
hops' evidence weights, highest first), then by length, then by node and assertion ids, so
the order is deterministic.

>>> from gutbone.curation import load_curated
>>> from gutbone.query.projection import build_projection
>>> projection = build_projection(load_curated())
>>> hits = find_paths(projection, ["NCBITaxon:186803"], ["CHEBI:17968"], max_length=1)
>>> [(hop.predicate, hop.evidence_type) for hop in hits[0].hops], hits[0].net_sign
([('produces', 'hypothesis')], 1)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gutbone.errors import QueryError
from gutbone.query.paths import hits
from gutbone.query.paths.graph_search import search_projection
from gutbone.query.paths.hits import *  # noqa: F403 (re-exported: __all__ below)
from gutbone.query.paths.hits import PathHit
from gutbone.query.paths.limits import NodeNames, PathLimits, path_limits
from gutbone.query.paths.sparse_search import search_sparse
from gutbone.query.paths.topk import TopK, kind_floor
from gutbone.query.projection import Projection
from gutbone.query.sparse_graph import SparseGraph, from_curated

__all__ = [
    # search
    "PATH_ENGINES",
    "find_paths",
    "NodeNames",
    "PathLimits",
    "TopK",
    "kind_floor",
]
# hits: the path, its hops, scores and signs
__all__ += hits.__all__

#: Engines that enumerate paths.
PATH_ENGINES = ("graph", "sparse")


def find_paths(
    graph: Projection | SparseGraph,
    sources: NodeNames,
    targets: NodeNames,
    *,
    engine: str | None = None,
    metapath: str | Sequence[str] | None = None,
    max_length: int = 4,
    min_evidence: str | None = None,
    predicates: Iterable[str] | None = None,
    top: int | None = None,
    mechanisms_first: bool = True,
) -> list[PathHit]:
    """Simple paths from sources to targets, mechanistic first, then best evidence first.

    :param graph: a projection (:func:`~gutbone.query.projection.build_projection`) or a
        sparse graph (:func:`~gutbone.interop.readers.sparse_kgx.read_kgx`).
    :param sources: node ids, labels, synonyms or category names (one string or several).
    :param targets: the same, for the ends of the paths.
    :param engine: ``"graph"`` or ``"sparse"`` (module docstring); None follows the graph.
    :param metapath: categories the path must follow, e.g. ``"Taxon>Metabolite>BoneOutcome"``;
        it fixes the length (``max_length`` is then not used). Required by "sparse".
    :param max_length: most hops of a path without a metapath (>= 1).
    :param min_evidence: weakest evidence level a hop may have (e.g. ``"animal"``).
    :param predicates: predicates a hop may use (with their sub-predicates).
    :param top: keep only the best ``top`` paths (None keeps all).
    :param mechanisms_first: rank every mechanistic path before every associative one (a
        mechanism question); False ranks by score alone.
    :returns: the paths, ranked by kind (when ``mechanisms_first``), score, length, ids.
    :raises QueryError: for an unknown engine or one that cannot search this graph, unknown
        nodes, categories, predicates or evidence levels, an impossible metapath, sources or
        targets outside the metapath's end categories, or bad limits.
    :raises NoPathError: when no path satisfies the limits.

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> projection = build_projection(load_curated())
    >>> hits = find_paths(projection, "short-chain fatty acid", "bone density", max_length=2)
    >>> all(hit.nodes[0] == "CHEBI:26666" and hit.length <= 2 for hit in hits)
    True
    >>> [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    True
    >>> sparse_hits = find_paths(projection, "NCBITaxon:186803", "CHEBI:17968",
    ...                          engine="sparse", metapath="Taxon>Metabolite")
    >>> [(hop.predicate, hop.evidence_type) for hop in sparse_hits[0].hops]
    [('produces', 'hypothesis')]
    """
    engine = engine or ("sparse" if isinstance(graph, SparseGraph) else "graph")
    if engine not in PATH_ENGINES:
        hint = " (Spark scores metapaths: use dwpc)" if engine == "spark" else ""
        raise QueryError(f"unknown path engine {engine!r}{hint}; known: {', '.join(PATH_ENGINES)}")
    if engine == "sparse" and metapath is None:
        raise QueryError("the sparse path engine needs a metapath")
    if engine == "graph" and not isinstance(graph, Projection):
        raise QueryError("the graph path engine needs the curated projection; use 'sparse'")
    if engine == "sparse" and isinstance(graph, Projection):
        graph = from_curated(graph.data)
    limits = path_limits(
        graph,
        metapath=metapath,
        max_length=max_length,
        min_evidence=min_evidence,
        predicates=predicates,
        top=top,
        mechanisms_first=mechanisms_first,
    )
    if isinstance(graph, SparseGraph):
        return search_sparse(graph, sources, targets, limits)
    return search_projection(graph, sources, targets, limits)
