"""Print the knowledge figures of issue 12 for a data folder (default: the bundled data).

    python benchmarks/knowledge.py [--data DIR] [--max-hops N]

Named taxa reaching a bone outcome through a metabolite on mechanistic edges, one mechanistic
path per mechanism (or "none"), assertions per source, and whether every ingested assertion
carries its source's version and licence. The rules are in gutbone.query.coverage.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from gutbone.curation import load_curated
from gutbone.query.coverage import knowledge_coverage


def _source_group(source_id: str) -> str:
    return "wikipathways (17 pathways)" if source_id.startswith("wikipathways_") else source_id


def main() -> int:
    """Compute and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="data folder (default: the bundled data)")
    parser.add_argument("--max-hops", type=int, default=4, help="metabolite -> outcome hops")
    args = parser.parse_args()
    data = load_curated(args.data)
    figures = knowledge_coverage(data, max_hops=args.max_hops)
    reaching = figures.taxa_reaching_bone
    first_hops: Counter[str] = Counter()
    for taxon in reaching:
        kinds = {
            "ingested" if any(data.sources[s].infores for s in edge.sources) else "curated"
            for edge in data.edges.values()
            if edge.subject == taxon and data.nodes[edge.object].category == "Metabolite"
        }
        first_hops["both" if len(kinds) == 2 else kinds.pop()] += 1
    print(f"named taxa: {figures.named_taxa}")
    print(
        "named taxa reaching a bone outcome through a metabolite on mechanistic edges "
        f"(metabolite -> outcome within {figures.max_hops} hops): {len(reaching)} (goal >= 40)"
    )
    print(
        "  taxon -> metabolite assertion from: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(first_hops.items()))
    )
    print("mechanistic path to a bone outcome, per mechanism:")
    for name, path in figures.mechanism_paths.items():
        if path is None:
            print(f"  {name:<20} none within {figures.max_hops} hops")
            continue
        hops = []
        for index, edge_id in enumerate(path.edges):
            via = (
                "is a"
                if edge_id == "is_a"
                else f"{edge_id} [{', '.join(data.edges[edge_id].sources)}]"
            )
            hops.append(f"{data.nodes[path.nodes[index]].label} -({via})->")
        print(f"  {name:<20} {' '.join(hops)} {data.nodes[path.nodes[-1]].label}")
    print("assertions per source:")
    groups: Counter[str] = Counter()
    for source, count in figures.edges_per_source.items():
        groups[_source_group(source)] += count
    for source, count in sorted(groups.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {count:>5}  {source}")
    print(
        f"ingested assertions carrying source, version and licence: "
        f"{figures.ingested_edges_with_provenance} of {figures.ingested_edges}"
    )
    local = [node for node in data.nodes.values() if node.id.startswith("gutbone:")]
    former = [n for n in data.nodes.values() if any(x.startswith("gutbone:") for x in n.xrefs)]
    print(
        f"local gutbone: ids: {len(local)}, {sum(bool(n.note) for n in local)} with a note; "
        f"former local ids now standard (old id kept as xref): {len(former)}"
    )
    return 0 if figures.ingested_edges_with_provenance == figures.ingested_edges else 1


if __name__ == "__main__":
    sys.exit(main())
