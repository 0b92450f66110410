"""Build time of the bundled tables and of a synthetic 10,000-assertion table set.

Usage: python benchmarks/build.py [--assertions N] [--seed S]

Prints the time of each stage (read+check tables, RDF build, Turtle serialisation,
SHACL validation). Target from the foundation issue: the 10,000-assertion build
(tables -> graph -> Turtle) under 10 s on 2 cores; printed, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from gutbone.curation import EDGE_COLUMNS, NODE_COLUMNS, SOURCE_COLUMNS, load_curated
from gutbone.pipeline import build_knowledge_graph
from gutbone.rdf import build_graph, serialize
from gutbone.resources import data_dir
from gutbone.validate import validate_graph

CATEGORIES = [("CHEBI", "Metabolite"), ("NCBITaxon", "Taxon"), ("GO", "BiologicalProcess")]
PREDICATES = [("increases", 1), ("decreases", -1), ("associated_with", 0), ("affects", 0)]
EVIDENCE = ["review_claim", "animal", "in_vitro", "human_observational"]


def write_synthetic(root: Path, assertions: int, seed: int) -> None:
    """Write a valid synthetic table set with ``assertions`` edges (and assertions/5 nodes)."""
    rng = random.Random(seed)
    (root / "nodes").mkdir(parents=True)
    (root / "edges").mkdir()
    with (root / "sources.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SOURCE_COLUMNS)
        writer.writerow(["synthetic", "review", "Synthetic source", "", "", "", "", ""])
    node_ids = []
    with (root / "nodes" / "synthetic.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(NODE_COLUMNS)
        for i in range(max(assertions // 5, 10)):
            prefix, category = CATEGORIES[i % len(CATEGORIES)]
            local = f"{i:07d}" if prefix == "GO" else str(1000 + i)
            node_ids.append(f"{prefix}:{local}")
            writer.writerow(
                [node_ids[-1], f"node {i}", category, f"syn {i}", "synthetic", "", "", ""]
            )
    with (root / "edges" / "synthetic.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EDGE_COLUMNS)
        for i in range(assertions):
            predicate, sign = rng.choice(PREDICATES)
            row = dict.fromkeys(EDGE_COLUMNS, "")
            row.update(
                id=f"s{i:06d}",
                subject=rng.choice(node_ids),
                predicate=predicate,
                object=rng.choice(node_ids),
                sign=str(sign),
                evidence_type=rng.choice(EVIDENCE),
                source="synthetic",
                locator=f"sec. {i % 9}",
                quote=f"Synthetic statement number {i}.",
            )
            if i % 4 == 0:
                estimate = round(rng.uniform(-1, 1), 4)
                row.update(
                    measure="MD",
                    estimate=str(estimate),
                    ci_lower=str(round(estimate - 0.2, 4)),
                    ci_upper=str(round(estimate + 0.2, 4)),
                    p="0.04",
                    k="5",
                    n="300",
                    model="REML",
                )
            writer.writerow([row[c] for c in EDGE_COLUMNS])


def time_build(root: Path, label: str, validate: bool) -> None:
    t0 = time.perf_counter()
    data = load_curated(root)
    t1 = time.perf_counter()
    graph = build_graph(data)
    t2 = time.perf_counter()
    serialize(graph, "ttl")
    t3 = time.perf_counter()
    print(f"{label}: {len(data.nodes)} nodes, {len(data.edges)} assertions, {len(graph)} triples")
    print(f"  read+check tables  {t1 - t0:8.3f} s")
    print(f"  build RDF graph    {t2 - t1:8.3f} s")
    print(f"  serialise Turtle   {t3 - t2:8.3f} s")
    print(f"  build total        {t3 - t0:8.3f} s   (target for 10,000 assertions: < 10 s)")
    if validate:
        t4 = time.perf_counter()
        report = validate_graph(graph, with_ontology=False)
        print(
            f"  SHACL validation   {time.perf_counter() - t4:8.3f} s   conforms={report.conforms}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assertions", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-shacl", action="store_true", help="skip SHACL on the synthetic set")
    args = parser.parse_args()
    time_build(data_dir(), "bundled tables", validate=True)
    start = time.perf_counter()
    result = build_knowledge_graph()
    print(
        f"  whole pipeline (incl. {len(result.outcome_checks)} pooled outcomes recomputed, SHACL): "
        f"{time.perf_counter() - start:.3f} s, {len(result.graph)} triples"
    )
    with tempfile.TemporaryDirectory() as tmp:
        write_synthetic(Path(tmp), args.assertions, args.seed)
        time_build(Path(tmp), f"synthetic {args.assertions} assertions", validate=not args.no_shacl)


if __name__ == "__main__":
    main()
