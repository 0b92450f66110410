"""Import time and peak memory of ``gutbone import`` on generated KGX graphs.

Usage: python benchmarks/interop.py [--edges 100000 1000000] [--seed S] [--keep DIR]

For each size, a KGX TSV graph in KG-Microbe's style is generated (seeded; edges/10
nodes: taxa, chemicals, 1 % of them with a prefix gutbone does not accept; edges:
``biolink:produces`` taxon -> chemical, ``biolink:affects`` with direction qualifiers,
``biolink:positively_correlated_with``, and 1 % ``biolink:related_to``, which has no
gutbone counterpart), written row by row, then imported *alone* (``base=None``) into a
fresh data folder in a child process, which reports wall time and peak resident memory
(``resource.getrusage(...).ru_maxrss``). Printed, not asserted.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NODE_HEADER = ("id", "category", "name", "provided_by")
EDGE_HEADER = (
    "id", "subject", "predicate", "object", "object_direction_qualifier",
    "primary_knowledge_source", "knowledge_level", "agent_type",
)  # fmt: skip


def generate(folder: Path, edges: int, seed: int) -> None:
    """Write ``nodes.tsv`` and ``edges.tsv`` with ``edges`` edges (streamed, seeded)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_nodes = max(edges // 10, 10)
    taxa = [f"NCBITaxon:{1000 + i}" for i in range(n_nodes // 2)]
    chemicals = [f"CHEBI:{10000 + i}" for i in range(n_nodes - len(taxa))]
    unmapped = {node for node in chemicals if rng.random() < 0.01}
    with (folder / "nodes.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(NODE_HEADER)
        for node in taxa:
            writer.writerow(
                (node.lower(), "biolink:OrganismTaxon", f"taxon {node}", "infores:kg-microbe")
            )
        for node in chemicals:
            shown = node.replace("CHEBI:", "EC:") if node in unmapped else node
            writer.writerow(
                (shown, "biolink:ChemicalEntity", f"chemical {node}", "infores:kg-microbe")
            )
    predicates = (
        ("biolink:produces", ""),
        ("biolink:affects", "increased"),
        ("biolink:affects", "decreased"),
        ("biolink:positively_correlated_with", ""),
    )
    with (folder / "edges.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(EDGE_HEADER)
        for number in range(edges):
            subject = rng.choice(taxa)
            target = rng.choice(chemicals)
            shown = target.replace("CHEBI:", "EC:") if target in unmapped else target
            if rng.random() < 0.01:
                predicate, direction = "biolink:related_to", ""
            else:
                predicate, direction = rng.choice(predicates)
            writer.writerow(
                (f"urn:uuid:{seed}-{number}", subject, predicate, shown, direction,
                 "infores:kg-microbe", "knowledge_assertion", "manual_agent")
            )  # fmt: skip


def child(folder: str, out: str) -> None:
    """Import ``folder`` into ``out`` and print one JSON line: seconds, peak RSS, counts."""
    import resource

    from gutbone.interop.imports import import_graphs

    start = time.perf_counter()
    report = import_graphs([folder], base=None, out=out)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": round(seconds, 2),
                "peak_rss_mib": round(peak_kib / 1024, 1),
                "edges_read": report.edges_read,
                "edges_added": report.edges_added,
                "nodes_added": report.nodes_added,
                "unmapped_rows": sum(item.count for item in report.unmapped),
                "problems": len(report.problems),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--keep", help="write the generated graphs here (else a temp folder)")
    parser.add_argument("--child", nargs=2, metavar=("KGX", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gutbone-interop-"))
    print(f"{'edges':>10} {'generate s':>11} {'import s':>9} {'peak RSS MiB':>13} "
          f"{'added':>9} {'unmapped':>9} {'edges/s':>9}")  # fmt: skip
    for size in args.edges:
        folder = root / f"kgx_{size}"
        start = time.perf_counter()
        generate(folder, size, args.seed)
        generated = time.perf_counter() - start
        out = root / f"merged_{size}"
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(folder), str(out)],
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        rate = figures["edges_read"] / figures["seconds"] if figures["seconds"] else float("inf")
        print(
            f"{size:>10} {generated:>11.1f} {figures['seconds']:>9.1f} "
            f"{figures['peak_rss_mib']:>13.1f} {figures['edges_added']:>9} "
            f"{figures['unmapped_rows']:>9} {rate:>9.0f}"
        )
    print(f"(files in {root})")


if __name__ == "__main__":
    main()
