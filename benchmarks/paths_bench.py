"""Path search at scale: projection build, sparse metapath DWPC and top-k explained paths.

Seeded synthetic typed graphs of 1e4, 1e5 and 1e6 assertions (Taxon, Metabolite,
GeneProduct, Pathway, BoneOutcome; endpoints drawn with Zipf-like power-law weights so
degrees are heavy-tailed) are projected with :func:`gutbone.query.projection.build_projection`.
For each size the run prints:

* projection build time (CuratedData -> networkx + arc arrays);
* all-taxa x all-bone-outcomes DWPC of ``Taxon>Metabolite>BoneOutcome`` with scipy.sparse,
  cold (first call, step matrices built) and warm (cached step matrices), goal < 0.1 s at
  1e6 on the loaded graph;
* the top-10 explained paths for one taxon -> BMD pair, goal < 0.1 s;
* baselines in the same run: a typed pure-Python neighbour expansion (dict of lists) for both
  tasks, and naive ``nx.all_simple_paths`` (then category filtering) at 1e4 only; printed as
  ratios gutbone / baseline (below 1 = gutbone faster). Results are cross-checked between
  gutbone and the baselines.

Run ``python benchmarks/paths_bench.py`` (about 1-2 minutes; ``benchmarks/query.py`` calls
:func:`run`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from gutbone.curation import CuratedData, Edge, Node, Source
from gutbone.query.metapaths import DEFAULT_DAMPING, metapath_dwpc
from gutbone.query.paths import find_paths
from gutbone.query.projection import Projection, build_projection
from gutbone.vocabulary import load_vocabulary

SIZES = (10_000, 100_000, 1_000_000)
SEED = 20240611
METAPATH = "Taxon>Metabolite>BoneOutcome"
TOP = 10

# (subject category, object category, predicates with their signs, share of the edges)
EDGE_TYPES = (
    ("Taxon", "Metabolite", (("produces", 1),), 0.25),
    ("Metabolite", "BoneOutcome", (("increases", 1), ("decreases", -1)), 0.10),
    ("Metabolite", "GeneProduct", (("increases", 1), ("decreases", -1)), 0.20),
    ("GeneProduct", "Pathway", (("participates_in", 0),), 0.20),
    ("Pathway", "BoneOutcome", (("affects", 0),), 0.10),
    ("Taxon", "BoneOutcome", (("associated_with", 1), ("associated_with", -1)), 0.05),
    ("GeneProduct", "GeneProduct", (("binds", 1),), 0.10),
)
NODE_SHARES = {"Taxon": 0.25, "Metabolite": 0.2, "GeneProduct": 0.35, "Pathway": 0.2}


def synthetic_data(n_edges: int, seed: int = SEED) -> CuratedData:
    """A seeded random typed graph with power-law degrees, as curated tables."""
    rng = np.random.default_rng(seed)
    n_nodes = max(n_edges // 5, 100)
    counts = {name: max(int(n_nodes * share), 5) for name, share in NODE_SHARES.items()}
    counts["BoneOutcome"] = max(5, n_nodes // 1000)
    nodes: dict[str, Node] = {}
    ids: dict[str, list[str]] = {}
    for category, count in counts.items():
        ids[category] = [f"gutbone:{category.lower()}_{i:07d}" for i in range(count)]
        for node_id in ids[category]:
            nodes[node_id] = Node(node_id, node_id[8:], category, (), ("synthetic",))
    evidence = list(load_vocabulary().evidence_types)
    edges: dict[str, Edge] = {}
    number = 0
    for subject_category, object_category, predicates, share in EDGE_TYPES:
        size = int(n_edges * share)
        subjects = _power_law(rng, len(ids[subject_category]), size)
        objects = _power_law(rng, len(ids[object_category]), size)
        kinds = rng.integers(0, len(predicates), size)
        kinds_of_evidence = rng.integers(0, len(evidence), size)
        subject_ids, object_ids = ids[subject_category], ids[object_category]
        for s, o, k, e in zip(subjects, objects, kinds, kinds_of_evidence, strict=True):
            predicate, sign = predicates[k]
            edge_id = f"s{number:07d}"
            number += 1
            edges[edge_id] = Edge(
                edge_id, subject_ids[s], predicate, object_ids[o], sign, evidence[e],
                ("synthetic",), "-", "-",
            )  # fmt: skip
    return CuratedData(
        root=Path("."),
        sources={"synthetic": Source("synthetic", "database", "synthetic benchmark graph")},
        nodes=nodes,
        edges=edges,
    )


def _power_law(rng: np.random.Generator, n: int, size: int, exponent: float = 0.9) -> Any:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    order = rng.permutation(n)  # hubs are not the first ids
    return order[rng.choice(n, size=size, p=weights / weights.sum())]


def _timed(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def _typed_adjacency(projection: Projection) -> dict[str, list[tuple[str, float, str]]]:
    """Baseline data structure: node -> [(neighbour, evidence weight, edge id)]."""
    adjacency: dict[str, list[tuple[str, float, str]]] = defaultdict(list)
    for u, v, data in projection.graph.edges(data="steps"):
        for step in data:
            adjacency[u].append((v, step.weight, step.edge.id))
    return adjacency


def baseline_dwpc(
    projection: Projection, adjacency: dict[str, list[tuple[str, float, str]]], damping: float
) -> dict[tuple[str, str], float]:
    """Typed pure-Python neighbour expansion of Taxon>Metabolite>BoneOutcome DWPC."""
    category = {node: info.category for node, info in projection.nodes.items()}
    out1: dict[str, int] = defaultdict(int)
    in1: dict[str, int] = defaultdict(int)
    out2: dict[str, int] = defaultdict(int)
    in2: dict[str, int] = defaultdict(int)
    for u, neighbours in adjacency.items():
        for v, _, _ in neighbours:
            if category[u] == "Taxon" and category[v] == "Metabolite":
                out1[u] += 1
                in1[v] += 1
            elif category[u] == "Metabolite" and category[v] == "BoneOutcome":
                out2[u] += 1
                in2[v] += 1
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for taxon in out1:
        for metabolite, _, _ in adjacency[taxon]:
            if category[metabolite] != "Metabolite":
                continue
            first = (out1[taxon] * in1[metabolite]) ** -damping
            for outcome, _, _ in adjacency[metabolite]:
                if category[outcome] == "BoneOutcome":
                    scores[taxon, outcome] += first * (out2[metabolite] * in2[outcome]) ** -damping
    return scores


def baseline_top_paths(
    projection: Projection,
    adjacency: dict[str, list[tuple[str, float, str]]],
    source: str,
    target: str,
) -> list[tuple[float, tuple[str, ...]]]:
    """Typed pure-Python expansion: every Taxon>Metabolite>BoneOutcome path, then sort."""
    category = {node: info.category for node, info in projection.nodes.items()}
    found = []
    for metabolite, w1, e1 in adjacency[source]:
        if category[metabolite] != "Metabolite":
            continue
        for outcome, w2, e2 in adjacency[metabolite]:
            if outcome == target:
                found.append((w1 * w2, (e1, e2)))
    found.sort(key=lambda item: (-item[0], item[1]))
    return found[:TOP]


def networkx_top_paths(
    projection: Projection, source: str, target: str
) -> list[tuple[float, tuple[str, ...]]]:
    """Naive networkx: all simple paths up to 2 hops, filtered by category, then expanded."""
    graph = projection.graph
    found = []
    for nodes in nx.all_simple_paths(graph, source, target, cutoff=2):
        if len(nodes) != 3 or projection.nodes[nodes[1]].category != "Metabolite":
            continue
        for s1 in graph[nodes[0]][nodes[1]]["steps"]:
            for s2 in graph[nodes[1]][nodes[2]]["steps"]:
                found.append((s1.weight * s2.weight, (s1.edge.id, s2.edge.id)))
    found.sort(key=lambda item: (-item[0], item[1]))
    return found[:TOP]


def _pick_pair(projection: Projection) -> tuple[str, str]:
    """A well-connected taxon and the bone outcome it reaches through most metabolites."""
    scores = metapath_dwpc(projection, METAPATH, 0.0)
    counts = scores.path_counts.tocoo()
    best = int(np.argmax(counts.data))
    return scores.rows[counts.row[best]], scores.columns[counts.col[best]]


def run() -> None:
    """Run the benchmark and print one block per graph size."""
    print(f"paths benchmark (seed {SEED}; metapath {METAPATH}; damping {DEFAULT_DAMPING})")
    for n_edges in SIZES:
        data = synthetic_data(n_edges)
        build_time, projection = _timed(lambda data=data: build_projection(data))
        print(
            f"\n{n_edges:>9,} edges, {len(projection.nodes):,} nodes, "
            f"{len(projection.arcs.tail):,} arcs"
        )
        print(f"  projection build            {build_time:8.3f} s")

        cold, scores = _timed(lambda p=projection: metapath_dwpc(p, METAPATH))
        warm, _ = _timed(lambda p=projection: metapath_dwpc(p, METAPATH), repeat=3)
        adjacency = _typed_adjacency(projection)
        base_time, base_scores = _timed(
            lambda p=projection, a=adjacency: baseline_dwpc(p, a, DEFAULT_DAMPING)
        )
        dense_check = max(abs(scores.value(s, t) - value) for (s, t), value in base_scores.items())
        assert dense_check < 1e-9, dense_check
        print(
            f"  DWPC all taxa x outcomes    {cold:8.4f} s cold, {warm:.4f} s warm "
            f"({len(scores.rows):,} x {len(scores.columns):,}, {scores.dwpc.nnz:,} pairs; "
            f"goal < 0.1 s)"
        )
        print(
            f"    baseline pure Python      {base_time:8.4f} s   ratio gutbone/baseline "
            f"{cold / base_time:.3f} cold, {warm / base_time:.3f} warm"
        )

        source, target = _pick_pair(projection)
        top_time, hits = _timed(
            lambda p=projection, s=source, t=target: find_paths(
                p, [s], [t], metapath=METAPATH, top=TOP
            ),
            repeat=3,
        )
        base_top_time, base_hits = _timed(
            lambda p=projection, a=adjacency, s=source, t=target: baseline_top_paths(p, a, s, t),
            repeat=3,
        )
        assert [round(h.score, 12) for h in hits] == [round(b[0], 12) for b in base_hits]
        print(
            f"  top-{TOP} paths, one pair      {top_time:8.4f} s "
            f"({source} -> {target}; goal < 0.1 s)"
        )
        print(
            f"    baseline pure Python      {base_top_time:8.4f} s   ratio gutbone/baseline "
            f"{top_time / base_top_time:.3f}"
        )
        if n_edges <= 10_000:
            nx_time, nx_hits = _timed(
                lambda p=projection, s=source, t=target: networkx_top_paths(p, s, t)
            )
            assert [round(h[0], 12) for h in nx_hits] == [round(h.score, 12) for h in hits]
            print(
                f"    baseline nx.all_simple_paths {nx_time:.4f} s   ratio gutbone/baseline "
                f"{top_time / nx_time:.3f}"
            )
        del data, projection, adjacency


if __name__ == "__main__":
    run()
