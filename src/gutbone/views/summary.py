"""Counts that summarise a built graph (by category, predicate and evidence type)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from gutbone.curation import CuratedData

__all__ = ["GraphSummary", "summarize"]


@dataclass(frozen=True)
class GraphSummary:
    """Counts of one curated graph; each mapping is sorted by decreasing count."""

    nodes: int
    assertions: int
    sources: int
    triples: int
    by_category: dict[str, int]
    by_predicate: dict[str, int]
    by_evidence: dict[str, int]
    by_source: dict[str, int]
    local_ids: int


def _sorted(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


def summarize(data: CuratedData, triples: int = 0) -> GraphSummary:
    """Count nodes and assertions of ``data``."""
    return GraphSummary(
        nodes=len(data.nodes),
        assertions=len(data.edges),
        sources=len(data.sources),
        triples=triples,
        by_category=_sorted(Counter(node.category for node in data.nodes.values())),
        by_predicate=_sorted(Counter(edge.predicate for edge in data.edges.values())),
        by_evidence=_sorted(Counter(edge.evidence_type for edge in data.edges.values())),
        by_source=_sorted(Counter(s for edge in data.edges.values() for s in edge.sources)),
        local_ids=sum(node.id.startswith("gutbone:") for node in data.nodes.values()),
    )
