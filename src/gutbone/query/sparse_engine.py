"""The in-memory DWPC engine: scipy.sparse products and numpy permutations ("sparse").

>>> from gutbone.curation import load_curated
>>> from gutbone.query.projection import build_projection
>>> SparseEngine().dwpc(build_projection(load_curated()), "Taxon>Metabolite", 0.0).method
'product'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from gutbone.query.metapaths import ArcGraph, DwpcMatrix, metapath_dwpc
from gutbone.query.permutations import DwpcNull, Progress, dwpc_null

__all__ = ["SparseEngine"]


class SparseEngine:
    """DWPC with :func:`~gutbone.query.metapaths.metapath_dwpc`, nulls in this process."""

    name = "sparse"

    def dwpc(
        self,
        graph: ArcGraph,
        metapath: str | Sequence[str],
        damping: float,
        *,
        predicates: Iterable[str] | None = None,
        min_evidence: str | None = None,
    ) -> DwpcMatrix:
        """Scores of every pair of a metapath (:func:`gutbone.query.engines.dwpc`)."""
        return metapath_dwpc(
            graph, metapath, damping, predicates=predicates, min_evidence=min_evidence
        )

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
        """Permutation nulls (:func:`gutbone.query.permutations.dwpc_null`)."""
        return dwpc_null(
            graph, scores, permutations=permutations, seed=seed, multiplier=multiplier,
            progress=progress,
        )  # fmt: skip
