"""Path hits: the hops a path walks, its score, net sign and kind.

Scores and signs (``docs/evidence.md``)
---------------------------------------
* :func:`path_score`: the product of the hops' evidence weights (``gb:evidenceWeight`` of
  the ontology).
* :func:`net_sign`: the product of the hops' signs; 0 as soon as one hop is 0. +1 means the
  first node raises the last one through this route, -1 that it lowers it, 0 unknown.
  Only a *mechanistic* path has one: a path with an association hop (a predicate marked
  ``gb:associative`` in the ontology, such as ``associated_with``) is *associative* and its
  net sign is None ("none"), never +1 or -1: correlations do not chain into an effect.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gutbone.curation import Effect
from gutbone.errors import QueryError
from gutbone.query.projection import Step

__all__ = [
    "MECHANISTIC",
    "ASSOCIATIVE",
    "Hop",
    "PathHit",
    "NoPathError",
    "net_sign",
    "path_kind",
    "make_hit",
    "path_score",
    "effect_dict",
]


#: Kind of a path whose hops are all causal, mechanistic or structural links.
MECHANISTIC = "mechanistic"
#: Kind of a path with at least one association hop (``gb:associative`` predicate).
ASSOCIATIVE = "associative"


class NoPathError(QueryError):
    """No path joins the sources to the targets within the given limits."""


@dataclass(frozen=True)
class Hop:
    """One assertion walked by a path.

    :param edge_id: the assertion id (``rev-4.2.1-012``).
    :param subject: the assertion's subject.
    :param predicate: the assertion's predicate.
    :param object: the assertion's object.
    :param reverse: True when walked from object to subject (symmetric predicates).
    :param sign: the assertion's sign (-1, 0, 1).
    :param evidence_type: the assertion's evidence type.
    :param evidence_weight: the weight of that evidence type.
    :param sources: the source documents.
    :param locator: where in the source.
    :param quote: the sentence the assertion rests on.
    :param context: free-text context (cell type, model organism...).
    :param effect: the numbers, when the source gives them.
    :param record: the curated row (``file:row``).
    :param quote_en: the curator's English rendering of a Chinese quote ("" when English).
    :param locator_en: the English form of a Chinese locator ("" when English).
    :param associative: True when the predicate states an association, not a mechanism.
    """

    edge_id: str
    subject: str
    predicate: str
    object: str
    reverse: bool
    sign: int
    evidence_type: str
    evidence_weight: float
    sources: tuple[str, ...]
    locator: str
    quote: str
    context: str
    effect: Effect | None
    record: str
    quote_en: str = ""
    locator_en: str = ""
    associative: bool = False

    @property
    def tail(self) -> str:
        """The node the hop leaves."""
        return self.object if self.reverse else self.subject

    @property
    def head(self) -> str:
        """The node the hop enters."""
        return self.subject if self.reverse else self.object

    @classmethod
    def from_step(cls, step: Step, associative: bool = False) -> Hop:
        """The hop of a projection step.

        :param step: a step of :class:`~gutbone.query.projection.Projection`.
        :param associative: whether the step's predicate is associative.
        :returns: the hop.
        """
        edge = step.edge
        return cls(
            edge_id=edge.id,
            subject=edge.subject,
            predicate=edge.predicate,
            object=edge.object,
            reverse=step.reverse,
            sign=edge.sign,
            evidence_type=edge.evidence_type,
            evidence_weight=step.weight,
            sources=edge.sources,
            locator=edge.locator,
            quote=edge.quote,
            context=edge.context,
            effect=edge.effect,
            record=edge.record,
            quote_en=edge.quote_en,
            locator_en=edge.locator_en,
            associative=associative,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (field names as keys, effect as a mapping or null)."""
        return {
            "edge_id": self.edge_id,
            "subject": self.subject,
            "predicate": self.predicate,
            "object": self.object,
            "reverse": self.reverse,
            "sign": self.sign,
            "evidence_type": self.evidence_type,
            "evidence_weight": self.evidence_weight,
            "sources": list(self.sources),
            "locator": self.locator,
            "quote": self.quote,
            "quote_en": self.quote_en,
            "locator_en": self.locator_en,
            "context": self.context,
            "effect": effect_dict(self.effect),
            "record": self.record,
            "associative": self.associative,
        }


def effect_dict(effect: Effect | None) -> dict[str, Any] | None:
    """An effect as a JSON-ready mapping (decimals as floats), or None.

    :param effect: the effect of an assertion.
    :returns: the mapping.

    >>> effect_dict(Effect(measure="MD", estimate=Decimal("0.05")))["estimate"]
    0.05
    """
    if effect is None:
        return None
    result: dict[str, Any] = {}
    for name in ("measure", "estimate", "ci_lower", "ci_upper", "p", "i2", "tau2", "k", "n"):
        value = getattr(effect, name)
        result[name] = float(value) if isinstance(value, Decimal) else value
    result["model"] = effect.model
    return result


@dataclass(frozen=True)
class PathHit:
    """A path from a source to a target, with its explanation.

    :param nodes: node ids, first to last.
    :param labels: their labels.
    :param categories: their curated categories.
    :param hops: the assertions walked, in order.
    :param net_sign: :func:`net_sign` of the hops: -1, 0, 1, or None for an associative path.
    :param score: :func:`path_score` of the hops.
    :param kind: :data:`MECHANISTIC` or :data:`ASSOCIATIVE` (:func:`path_kind`).
    """

    nodes: tuple[str, ...]
    labels: tuple[str, ...]
    categories: tuple[str, ...]
    hops: tuple[Hop, ...]
    net_sign: int | None
    score: float
    kind: str = MECHANISTIC

    @property
    def length(self) -> int:
        """Number of hops."""
        return len(self.hops)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "nodes": list(self.nodes),
            "labels": list(self.labels),
            "categories": list(self.categories),
            "length": self.length,
            "net_sign": self.net_sign,
            "kind": self.kind,
            "score": self.score,
            "hops": [hop.to_dict() for hop in self.hops],
        }


def net_sign(signs: Iterable[int], *, associative: bool = False) -> int | None:
    """Sign of a route: product of the hop signs, 0 if any hop is 0, None if associative.

    :param signs: the hop signs (-1, 0, 1).
    :param associative: True when a hop is an association (:func:`path_kind`): the route
        then has no net sign, whatever the signs of its hops.
    :returns: -1, 0 or 1 (1 for an empty route), or None for an associative route.

    >>> net_sign([1, -1, -1]), net_sign([1, -1]), net_sign([-1, 0, 1])
    (1, -1, 0)
    >>> net_sign([1, -1], associative=True) is None
    True
    """
    if associative:
        return None
    result = 1
    for sign in signs:
        if sign == 0:
            return 0
        result *= 1 if sign > 0 else -1
    return result


def path_kind(associative: Iterable[bool]) -> str:
    """Kind of a route from the associative flags of its hops.

    :param associative: for each hop, whether its predicate is associative.
    :returns: :data:`ASSOCIATIVE` if any hop is, else :data:`MECHANISTIC`.

    >>> path_kind([False, True]), path_kind([False, False])
    ('associative', 'mechanistic')
    """
    return ASSOCIATIVE if any(associative) else MECHANISTIC


def path_score(weights: Iterable[float]) -> float:
    """Score of a path: the product of its hops' evidence weights.

    :param weights: the evidence weights (``gb:evidenceWeight``, between 0 and 1).
    :returns: the product (1.0 for an empty path).

    >>> round(path_score([0.8, 0.5]), 10)
    0.4
    """
    return math.prod(weights)


def make_hit(
    nodes: tuple[str, ...],
    labels: tuple[str, ...],
    categories: tuple[str, ...],
    hops: tuple[Hop, ...],
) -> PathHit:
    """A :class:`PathHit` with its kind, net sign and score computed from its hops.

    :param nodes: node ids, first to last.
    :param labels: their labels.
    :param categories: their categories.
    :param hops: the hops (with their ``associative`` flags).
    :returns: the hit.
    """
    kind = path_kind(hop.associative for hop in hops)
    return PathHit(
        nodes=nodes,
        labels=labels,
        categories=categories,
        hops=hops,
        net_sign=net_sign((hop.sign for hop in hops), associative=kind == ASSOCIATIVE),
        score=path_score(hop.evidence_weight for hop in hops),
        kind=kind,
    )
