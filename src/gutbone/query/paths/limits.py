"""The limits of one path search, checked once for every engine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gutbone.errors import QueryError
from gutbone.query.metapaths import ArcGraph, check_metapath, parse_metapath
from gutbone.query.paths.topk import TopK
from gutbone.query.projection import Step, evidence_rank, predicate_closure

__all__ = ["NodeNames", "PathLimits", "path_limits"]

#: The ends of a search: node ids, labels, synonyms or category names (one string or several).
NodeNames = str | Iterable[str]


@dataclass(frozen=True)
class PathLimits:
    """What a path may be, checked against the vocabulary (:func:`path_limits`).

    :param allowed: predicates a hop may use (closed under sub-predicates), or None for all.
    :param min_rank: weakest evidence rank a hop may have, or None.
    :param associative: the associative predicates (a path using one is associative).
    :param categories: the metapath's categories, or None.
    :param max_length: most hops without a metapath.
    :param top: how many paths to keep (None: all).
    :param mechanisms_first: rank mechanistic paths before associative ones.
    :param bounded: every evidence weight is at most 1 (top-k pruning is exact).
    """

    allowed: frozenset[str] | None
    min_rank: int | None
    associative: frozenset[str]
    categories: tuple[str, ...] | None
    max_length: int
    top: int | None
    mechanisms_first: bool
    bounded: bool

    def ok(self, step: Step) -> bool:
        """Whether a projection step may be walked (predicate and evidence limits)."""
        if self.allowed is not None and step.edge.predicate not in self.allowed:
            return False
        return self.min_rank is None or step.rank >= self.min_rank

    def collector(self) -> TopK[tuple[tuple[str, ...], tuple[Step, ...]]]:
        """A fresh top-k collector for these limits."""
        return TopK(self.top, bounded=self.bounded, by_kind=self.mechanisms_first)

    def describe(self) -> str:
        """The limits in words, for a no-path message."""
        limits = (
            [f"following metapath {'>'.join(self.categories)!r}"]
            if self.categories is not None
            else [f"within {self.max_length} hops"]
        )
        if self.allowed is not None:
            limits.append(f"using only {', '.join(sorted(self.allowed))}")
        if self.min_rank is not None:
            limits.append(f"with evidence rank >= {self.min_rank}")
        return ", ".join(limits)


def path_limits(
    graph: ArcGraph,
    *,
    metapath: str | Sequence[str] | None,
    max_length: int,
    min_evidence: str | None,
    predicates: Iterable[str] | None,
    top: int | None,
    mechanisms_first: bool,
) -> PathLimits:
    """Check the limits of a search on a graph.

    :raises QueryError: for bad ``top`` or ``max_length``, unknown predicates, levels or
        categories, or an impossible metapath (a step with no arc).
    """
    if top is not None and top < 1:
        raise QueryError(f"top must be at least 1, not {top}")
    if metapath is None and max_length < 1:
        raise QueryError(f"max_length must be at least 1, not {max_length}")
    vocabulary = graph.vocabulary
    allowed = predicate_closure(vocabulary, predicates)
    min_rank = evidence_rank(vocabulary, min_evidence)
    categories = None
    if metapath is not None:
        categories = parse_metapath(vocabulary, metapath)
        check_metapath(graph, categories, allowed, min_rank)
    return PathLimits(
        allowed=allowed,
        min_rank=min_rank,
        associative=vocabulary.associative_predicates,
        categories=categories,
        max_length=max_length,
        top=top,
        mechanisms_first=mechanisms_first,
        bounded=all(e.weight <= 1 for e in vocabulary.evidence_types.values()),
    )
