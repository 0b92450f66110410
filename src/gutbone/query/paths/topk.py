"""The one top-k collector of path search (every engine ranks and prunes with it).

Paths are ranked by a *rank key*, smallest first: ``(kind, -score, length, nodes, edges)``
where ``kind`` is 1 for an associative path when mechanistic paths come first, else 0.
With ``top``, :class:`TopK` keeps the best ``top`` paths in a heap whose root is the worst
kept one, and :meth:`TopK.floor` tells a depth-first search the lowest score worth
extending a partial path to (branch-and-bound: evidence weights are at most 1, so
extending a path never raises its score).

>>> best = TopK(2, bounded=True, by_kind=True)
>>> for name, score, associative in (("a", 0.5, False), ("b", 0.9, True), ("c", 0.2, False)):
...     best.add(name, rank_key(score, associative, by_kind=True, nodes=(name,), edges=()))
>>> best.results()
['a', 'c']
>>> best.floor(associative=True)  # an associative completion cannot beat two mechanistic ones
inf
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

__all__ = ["TopK", "kind_floor", "rank_key"]

Item = TypeVar("Item")


def rank_key(
    score: float,
    associative: bool,
    *,
    by_kind: bool,
    nodes: tuple[Hashable, ...],
    edges: tuple[Hashable, ...],
) -> tuple[Any, ...]:
    """The rank key of a path (smaller ranks first).

    :param score: the path score.
    :param associative: whether the path has an association hop.
    :param by_kind: rank mechanistic paths before associative ones.
    :param nodes: the node ids (or indices), first to last.
    :param edges: the edge ids (or indices) walked.
    :returns: ``(kind, -score, length, nodes, edges)``.
    """
    return (int(by_kind and associative), -score, len(edges), nodes, edges)


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


class _Worst:
    """Heap key that puts the worst-ranked path (largest rank key) at the root."""

    __slots__ = ("key",)

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key

    def __lt__(self, other: _Worst) -> bool:
        return other.key < self.key


class TopK(Generic[Item]):
    """Keeps all paths, or the best ``top`` with branch-and-bound pruning.

    :param top: how many to keep (None: all).
    :param bounded: whether every evidence weight is at most 1 (pruning is then exact).
    :param by_kind: whether mechanistic paths rank before associative ones.
    """

    def __init__(self, top: int | None, *, bounded: bool, by_kind: bool) -> None:
        self.top = top
        self.bounded = bounded
        self.by_kind = by_kind
        self._heap: list[tuple[_Worst, Item]] = []  # root: the worst kept path
        self._all: list[tuple[tuple[Any, ...], Item]] = []

    def floor(self, associative: bool) -> float:
        """Lowest score a partial path must keep to be worth extending (:func:`kind_floor`).

        :param associative: whether the partial path has an association hop.
        :returns: the floor (-inf while fewer than ``top`` paths are kept).
        """
        if self.bounded and self.top is not None and len(self._heap) >= self.top:
            worst = self._heap[0][0].key
            return kind_floor(worst, -worst[1], associative and self.by_kind)
        return -math.inf

    def add(self, item: Item, key: tuple[Any, ...]) -> None:
        """Offer a complete path.

        :param item: what to return for it.
        :param key: its :func:`rank_key`.
        """
        if self.top is None:
            self._all.append((key, item))
            return
        entry = (_Worst(key), item)
        if len(self._heap) < self.top:
            heapq.heappush(self._heap, entry)
        elif key < self._heap[0][0].key:
            heapq.heapreplace(self._heap, entry)

    def results(self) -> list[Item]:
        """The kept paths, best first."""
        found = self._all if self.top is None else [(w.key, item) for w, item in self._heap]
        found.sort(key=lambda entry: entry[0])
        return [item for _, item in found]
