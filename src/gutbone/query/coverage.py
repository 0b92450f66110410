"""How far the knowledge reaches: named taxa -> metabolite -> bone outcome, by source.

The figures of issue 12's "done when", computed on checked tables (curated plus ingested):

* **named taxa reaching a bone outcome through a metabolite on mechanistic edges**: a
  Taxon node other than an umbrella community node (a ``MESH:`` concept such as
  "Gastrointestinal Microbiome") with a direct mechanistic edge to a Metabolite, from which a
  bone outcome is reached within ``max_hops`` hops. Hops follow mechanistic predicates
  (:data:`MECHANISTIC_PREDICATES`, subject to object) and, from any node after the taxon,
  is-a hops to the broader node (butyrate -> short-chain fatty acid), as path search does.
  The taxon's own is-a hops are not followed: inheriting a family's or the microbiome's
  edges is what the count must not rely on.
* **one mechanistic path per mechanism** (SCFA/butyrate, TMAO, LPS, 5-HT, bile acids,
  indole/tryptophan): the shortest such path from the mechanism's metabolites.
* **edges per source** and whether every ingested edge (source with an ``infores`` id) has
  its source's version and licence.

>>> from gutbone.curation import load_curated
>>> figures = knowledge_coverage(load_curated())
>>> figures.ingested_edges == figures.ingested_edges_with_provenance
True
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from gutbone.curation import CuratedData
from gutbone.vocabulary import load_vocabulary

__all__ = [
    "MECHANISTIC_PREDICATES",
    "MECHANISMS",
    "MechanismPath",
    "Coverage",
    "knowledge_coverage",
    "named_taxa",
]

#: Predicates a mechanistic path may use: causal or mechanistic links only (no statistical
#: association, no treatment claim).
MECHANISTIC_PREDICATES: tuple[str, ...] = (
    "increases", "decreases", "affects", "produces", "precursor_of", "binds", "mediates",
    "participates_in", "develops_into",
)  # fmt: skip

#: The mechanisms the issue asks for, each with the metabolites that start it.
MECHANISMS: dict[str, tuple[str, ...]] = {
    "SCFA/butyrate": ("CHEBI:17968", "CHEBI:26666"),
    "TMAO": ("CHEBI:15724",),
    "LPS": ("CHEBI:16412",),
    "5-HT (serotonin)": ("CHEBI:28790",),
    "bile acids": ("CHEBI:3098", "gutbone:secondary_bile_acid", "CHEBI:16325"),
    "indole/tryptophan": ("CHEBI:27897", "CHEBI:16881", "CHEBI:28683"),
}


@dataclass(frozen=True)
class MechanismPath:
    """The shortest mechanistic path from a mechanism's metabolites to a bone outcome."""

    mechanism: str
    nodes: tuple[str, ...]
    #: assertion id of each hop (``is_a`` for a hop to the broader node)
    edges: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """The figures, as data (the script formats them)."""

    named_taxa: int
    taxa_reaching_bone: tuple[str, ...]
    mechanism_paths: Mapping[str, MechanismPath | None]
    edges_per_source: Mapping[str, int]
    ingested_edges: int
    ingested_edges_with_provenance: int
    max_hops: int


def named_taxa(data: CuratedData) -> tuple[str, ...]:
    """Taxon nodes that name a taxon (umbrella ``MESH:`` community concepts left out)."""
    vocabulary = load_vocabulary()
    return tuple(
        sorted(
            node.id
            for node in data.nodes.values()
            if "Taxon" in vocabulary.category_ancestors(node.category)
            and not node.id.startswith("MESH:")
        )
    )


def _adjacency(data: CuratedData) -> dict[str, list[tuple[str, str]]]:
    """Mechanistic out-edges, plus is-a hops to broader nodes, as (target, edge id)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for edge in sorted(data.edges.values(), key=lambda e: e.id):
        if edge.predicate in MECHANISTIC_PREDICATES:
            out.setdefault(edge.subject, []).append((edge.object, edge.id))
    for node in data.nodes.values():
        if node.broader:
            out.setdefault(node.id, []).append((node.broader, "is_a"))
    return out


def _shortest(
    starts: Iterable[str],
    adjacency: Mapping[str, list[tuple[str, str]]],
    targets: set[str],
    max_hops: int,
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """Breadth-first: the shortest (nodes, edges) from any start to a target, or None."""
    queue: deque[tuple[tuple[str, ...], tuple[str, ...]]] = deque()
    seen: set[str] = set()
    for start in sorted(starts):
        queue.append(((start,), ()))
        seen.add(start)
    while queue:
        nodes, edges = queue.popleft()
        if nodes[-1] in targets and edges:
            return nodes, edges
        if len(edges) == max_hops:
            continue
        for target, edge in adjacency.get(nodes[-1], []):
            if target not in seen:
                seen.add(target)
                queue.append(((*nodes, target), (*edges, edge)))
    return None


def _reaching(
    data: CuratedData, adjacency: Mapping[str, list[tuple[str, str]]], bone: set[str], hops: int
) -> set[str]:
    """Nodes from which a bone outcome is reached within ``hops`` hops (reverse BFS)."""
    reverse: dict[str, list[str]] = {}
    for source, targets in adjacency.items():
        for target, _ in targets:
            reverse.setdefault(target, []).append(source)
    depth = dict.fromkeys(bone, 0)
    queue = deque(sorted(bone))
    while queue:
        node = queue.popleft()
        if depth[node] == hops:
            continue
        for previous in reverse.get(node, []):
            if previous not in depth:
                depth[previous] = depth[node] + 1
                queue.append(previous)
    return set(depth)


def knowledge_coverage(data: CuratedData, *, max_hops: int = 4) -> Coverage:
    """Compute the figures on checked tables.

    :param data: curated (and ingested) tables.
    :param max_hops: longest metabolite-to-bone-outcome path counted.
    """
    vocabulary = load_vocabulary()
    categories = {n.id: vocabulary.category_ancestors(n.category) for n in data.nodes.values()}
    bone = {node for node, chain in categories.items() if "BoneOutcome" in chain}
    metabolites = {node for node, chain in categories.items() if "Metabolite" in chain}
    adjacency = _adjacency(data)
    reach = _reaching(data, adjacency, bone, max_hops)
    taxa = named_taxa(data)
    reaching = tuple(
        taxon
        for taxon in taxa
        if any(
            target in metabolites and target in reach
            for target, edge in adjacency.get(taxon, [])
            if edge != "is_a"
        )
    )
    paths: dict[str, MechanismPath | None] = {}
    for name, starts in MECHANISMS.items():
        found = _shortest([s for s in starts if s in data.nodes], adjacency, bone, max_hops)
        paths[name] = MechanismPath(name, *found) if found else None
    counts: Counter[str] = Counter(
        source for edge in data.edges.values() for source in edge.sources
    )
    ingested = [
        edge
        for edge in data.edges.values()
        if any(data.sources[s].infores for s in edge.sources if s in data.sources)
    ]
    complete = [
        edge
        for edge in ingested
        if all(
            data.sources[s].version and data.sources[s].license
            for s in edge.sources
            if s in data.sources and data.sources[s].infores
        )
    ]
    return Coverage(
        named_taxa=len(taxa),
        taxa_reaching_bone=reaching,
        mechanism_paths=paths,
        edges_per_source=dict(sorted(counts.items())),
        ingested_edges=len(ingested),
        ingested_edges_with_provenance=len(complete),
        max_hops=max_hops,
    )
