"""Path search on the networkx :class:`~gutbone.query.projection.Projection` (engine "graph").

Without a metapath a path stops at the first target it reaches (its inner nodes are not
targets) and has at most ``max_length`` hops, found by a depth-first search pruned by the
backward distance to the targets. With a metapath the path has exactly as many hops as the
metapath has steps and each inner node only needs to match its category, so that the paths
found are those counted by :func:`gutbone.query.metapaths.metapath_dwpc`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from typing import Any

from gutbone.errors import QueryError
from gutbone.query.paths.hits import Hop, NoPathError, PathHit, make_hit
from gutbone.query.paths.limits import NodeNames, PathLimits
from gutbone.query.paths.topk import TopK, rank_key
from gutbone.query.projection import Projection, Step

__all__ = ["search_projection"]

_Found = TopK[tuple[tuple[str, ...], tuple[Step, ...]]]
#: ``(hop, head) -> bool``: a rule of the depth-first search (see :func:`_depth_first`).
_Rule = Callable[[int, str], bool]


def search_projection(
    projection: Projection, sources: NodeNames, targets: NodeNames, limits: PathLimits
) -> list[PathHit]:
    """The paths of :func:`gutbone.query.paths.find_paths` on a projection.

    :param projection: the graph.
    :param sources: node ids, labels, synonyms or category names (one string or several).
    :param targets: the same, for the ends of the paths.
    :param limits: the checked limits.
    :returns: the ranked hits.
    :raises QueryError: for unknown nodes or ends outside the metapath's end categories.
    :raises NoPathError: when no path satisfies the limits (the message says whether the
        target is reachable at all).
    """
    source_ids = _as_ids(projection, sources)
    target_ids = _as_ids(projection, targets)
    categories = limits.categories
    if categories is not None:
        source_ids = _restrict(projection, source_ids, categories[0], "starts", categories)
        target_ids = _restrict(projection, target_ids, categories[-1], "ends", categories)
    if categories is not None:
        admits, complete = _metapath_rules(projection, source_ids, target_ids, limits)
    else:
        admits, complete = _free_rules(projection, target_ids, limits)
    collector = limits.collector()
    _depth_first(projection, source_ids, limits, collector, admits, complete)
    found = collector.results()
    if not found:
        raise NoPathError(_no_path_message(projection, source_ids, target_ids, limits))
    return [_hit(projection, nodes, steps, limits.associative) for nodes, steps in found]


def _as_ids(projection: Projection, nodes: NodeNames) -> tuple[str, ...]:
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


class _CategorySet:
    """Membership in a category, with the interface of a set for ``in``."""

    def __init__(self, projection: Projection, category: str) -> None:
        self.nodes = projection.nodes
        self.category = category

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and self.category in self.nodes[node].categories


def _backward_levels(
    projection: Projection, categories: Sequence[str], targets: Iterable[str], limits: PathLimits
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
                if any(limits.ok(step) for step in data["steps"]):
                    level.add(tail)
        levels[position] = level
    return levels


def _backward_distances(
    projection: Projection, targets: Iterable[str], max_length: int, limits: PathLimits
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
            if any(limits.ok(step) for step in data["steps"]):
                distance[tail] = distance[head] + 1
                queue.append(tail)
    return distance


def _restrict(
    projection: Projection,
    ids: tuple[str, ...],
    category: str,
    where: str,
    categories: tuple[str, ...],
) -> tuple[str, ...]:
    kept = tuple(node for node in ids if projection.in_category(node, category))
    if not kept:
        raise QueryError(
            f"metapath {'>'.join(categories)!r} {where} at {category}, but none of "
            f"{_describe(projection, ids)} is a {category}"
        )
    return kept


def _onward(
    data: Mapping[str, Any], limits: PathLimits, collector: _Found, score: float, associative: bool
) -> Iterator[tuple[Step, float, bool]]:
    """The steps of an arc worth walking: ``(step, new score, now associative)``."""
    for step in data["steps"]:
        if not limits.ok(step):
            continue
        new_score = score * step.weight
        now_associative = associative or step.edge.predicate in limits.associative
        if new_score >= collector.floor(now_associative):
            yield step, new_score, now_associative


def _keep(
    collector: _Found, limits: PathLimits, nodes: list[str], steps: list[Step], score: float,
    associative: bool,
) -> None:  # fmt: skip
    path = (tuple(nodes), tuple(steps))
    edges = tuple(step.edge.id for step in steps)
    key = rank_key(score, associative, by_kind=limits.mechanisms_first, nodes=path[0], edges=edges)
    collector.add(path, key)


def _depth_first(
    projection: Projection,
    sources: Iterable[str],
    limits: PathLimits,
    collector: _Found,
    admits: _Rule,
    complete: _Rule,
) -> None:
    """Simple paths from the sources, depth first, into the collector.

    Hop ``k`` (0-based) may enter ``head`` when ``admits(k, head)``; the path is then
    complete when ``complete(k, head)``, else it grows. A source starts a path when
    ``admits(-1, source)``.
    """
    graph = projection.graph

    def extend(nodes: list[str], steps: list[Step], score: float, associative: bool) -> None:
        hop = len(steps)
        for head, data in graph.succ[nodes[-1]].items():
            if head in nodes or not admits(hop, head):
                continue
            for step, new_score, now_associative in _onward(
                data, limits, collector, score, associative
            ):
                steps.append(step)
                nodes.append(head)
                if complete(hop, head):
                    _keep(collector, limits, nodes, steps, new_score, now_associative)
                else:
                    extend(nodes, steps, new_score, now_associative)
                nodes.pop()
                steps.pop()

    for source in sources:
        if admits(-1, source):
            extend([source], [], 1.0, False)


def _metapath_rules(
    projection: Projection,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    limits: PathLimits,
) -> tuple[_Rule, _Rule]:
    """With a metapath: hop ``k`` enters position ``k + 1``; the path ends at the last one."""
    graph = projection.graph
    categories = limits.categories or ()
    last = len(categories) - 1
    forward_work = sum(graph.out_degree(node) for node in sources)
    backward_work = sum(graph.in_degree(node) for node in targets)
    if last <= 2 and forward_work <= backward_work:
        # few, sparse sources: expanding forward is cheaper than pruning from the targets
        levels: list[Container[str]] = [_CategorySet(projection, c) for c in categories]
        levels[-1] = set(targets)
    else:
        levels = list(_backward_levels(projection, categories, targets, limits))
    return (lambda hop, head: head in levels[hop + 1]), (lambda hop, head: hop + 1 == last)


def _free_rules(
    projection: Projection, targets: tuple[str, ...], limits: PathLimits
) -> tuple[_Rule, _Rule]:
    """Without a metapath: a target ends the path; a node is entered when a target is near."""
    max_length = limits.max_length
    target_set = set(targets)
    distance = _backward_distances(projection, targets, max_length, limits)
    return (
        lambda hop, head: distance.get(head, max_length + 1) <= max_length - hop - 1,
        lambda hop, head: head in target_set,
    )


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


def _no_path_message(
    projection: Projection,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    limits: PathLimits,
) -> str:
    message = (
        f"no path from {_describe(projection, sources)} to {_describe(projection, targets)} "
        + limits.describe()
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
