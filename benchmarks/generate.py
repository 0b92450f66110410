"""Seeded synthetic typed knowledge graphs for the scale benchmark (``benchmarks/scale.py``).

A graph of *N* edges has about N/25 nodes (Hetionet has 2.25M edges on 47k nodes, PrimeKG
8M on 129k: both are dense, a few dozen edges a node) in Hetionet-like categories (Taxon,
Metabolite, GeneProduct and its sub-classes Cytokine and Receptor, Pathway,
BiologicalProcess, AnatomicalEntity, CellType, Disease, BoneOutcome). Each edge type has a
fixed subject and object category, predicates drawn from the gutbone vocabulary with the
sign the ontology requires (``increases`` +1, ``decreases`` -1, ``produces`` +1, structural
predicates 0, others any sign) and an evidence type skewed towards the weak levels, as in
literature-mined graphs. Endpoints are drawn with Zipf-like weights (rank^-0.9 on a
random permutation of the nodes), so degrees are heavy-tailed; (subject, predicate, object)
triples are unique and self-loops are left out.

Written into ``benchmarks/_data/g<N>/`` (git-ignored):

* ``nodes.tsv``: KGX columns ``id, category, name`` (category: the Biolink class the
  ontology aligns the gutbone category with) plus ``gutbone_category``;
* ``edges.tsv``: KGX columns ``id, subject, predicate, object`` (predicate: the Biolink
  predicate), ``primary_knowledge_source``, plus the gutbone columns ``gutbone_predicate``,
  ``sign``, ``evidence_type``;
* ``graph.nt``: N-Triples in the gutbone RDF model: every node typed ``gb:<Category>`` with
  ``rdfs:label`` and ``gb:curie``; every edge as a direct triple ``<s> gb:<predicate> <o>``;
  and for a seeded 3% sample of the edges the association node (``gb:Association``,
  ``rdf:subject/predicate/object``, ``gb:sign``, ``gb:evidenceType``, ``gb:source``,
  ``gb:locator``) that the SPARQL catalog queries read;
* ``meta.json``: sizes, seed and counts.

Run ``python benchmarks/generate.py --sizes 1e5,1e6`` (1e7 takes about a minute and 2.5 GB
of disk). Files are only rewritten when missing or when ``--force`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gutbone.identifiers import expand
from gutbone.io import atomic_directory
from gutbone.resources import ASSERTION_BASE, SOURCE_BASE, VOCAB

DATA = Path(__file__).parent / "_data"
SEED = 20240611
NODES_PER_EDGE = 1 / 25
ASSOCIATION_SHARE = 0.03
CHUNK = 500_000

# category: (share of the nodes, CURIE prefix, first local number, Biolink class)
CATEGORIES: dict[str, tuple[float, str, int, str]] = {
    "Taxon": (0.14, "NCBITaxon", 1_000_000, "biolink:OrganismTaxon"),
    "Metabolite": (0.14, "CHEBI", 100_000, "biolink:SmallMolecule"),
    "GeneProduct": (0.36, "NCBIGene", 1, "biolink:GeneOrGeneProduct"),
    "Cytokine": (0.02, "NCBIGene", 5_000_000, "biolink:Protein"),
    "Receptor": (0.04, "NCBIGene", 6_000_000, "biolink:Protein"),
    "Pathway": (0.05, "GO", 8_000_000, "biolink:Pathway"),
    "BiologicalProcess": (0.12, "GO", 1_000_000, "biolink:BiologicalProcess"),
    "AnatomicalEntity": (0.03, "UBERON", 1_000_000, "biolink:AnatomicalEntity"),
    "CellType": (0.03, "CL", 1_000_000, "biolink:Cell"),
    "Disease": (0.06, "MONDO", 1_000_000, "biolink:Disease"),
    "BoneOutcome": (0.01, "EFO", 9_000_000, "biolink:ClinicalAttribute"),
}

# (subject category, object category, ((predicate, sign or None for any), ...), share)
EDGE_TYPES: tuple[tuple[str, str, tuple[tuple[str, int | None], ...], float], ...] = (
    ("Taxon", "Metabolite", (("produces", 1),), 0.12),
    ("Taxon", "BoneOutcome", (("associated_with", None),), 0.01),
    ("Taxon", "Disease", (("associated_with", None),), 0.04),
    ("Metabolite", "GeneProduct", (("increases", 1), ("decreases", -1)), 0.14),
    ("Metabolite", "Receptor", (("binds", None),), 0.03),
    ("Metabolite", "BoneOutcome", (("increases", 1), ("decreases", -1), ("affects", 0)), 0.02),
    ("Metabolite", "Pathway", (("participates_in", None),), 0.05),
    ("GeneProduct", "Pathway", (("participates_in", None),), 0.12),
    ("GeneProduct", "BiologicalProcess", (("participates_in", None),), 0.12),
    ("GeneProduct", "GeneProduct", (("binds", None), ("increases", 1), ("decreases", -1)), 0.17),
    ("GeneProduct", "AnatomicalEntity", (("expressed_in", 0),), 0.05),
    ("Cytokine", "CellType", (("increases", 1), ("decreases", -1)), 0.03),
    ("Pathway", "BoneOutcome", (("affects", None),), 0.02),
    ("BiologicalProcess", "BoneOutcome", (("affects", None),), 0.02),
    ("Disease", "GeneProduct", (("associated_with", None),), 0.04),
    ("AnatomicalEntity", "AnatomicalEntity", (("part_of", 0),), 0.02),
)

# evidence type: share (literature-mined graphs are mostly weak evidence)
EVIDENCE = {
    "rct_meta_analysis": 0.01,
    "rct": 0.03,
    "mendelian_randomization": 0.04,
    "human_observational": 0.17,
    "animal": 0.25,
    "in_vitro": 0.20,
    "review_claim": 0.20,
    "hypothesis": 0.10,
}

# gutbone predicate: Biolink predicate of the KGX file (skos:exactMatch/broadMatch in
# ontology/gutbone.ttl; increases/decreases are biolink:affects with a direction)
BIOLINK_PREDICATES = {
    "produces": "biolink:produces",
    "associated_with": "biolink:associated_with",
    "increases": "biolink:affects",
    "decreases": "biolink:affects",
    "affects": "biolink:affects",
    "binds": "biolink:directly_physically_interacts_with",
    "participates_in": "biolink:participates_in",
    "expressed_in": "biolink:expressed_in",
    "part_of": "biolink:part_of",
}

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Synthetic:
    """A generated graph as arrays (edges in file order)."""

    node_ids: list[str]
    node_category: list[str]
    subject: NDArray[np.int64]
    object: NDArray[np.int64]
    predicate: NDArray[np.int64]  # index in PREDICATES
    sign: NDArray[np.int64]
    evidence: NDArray[np.int64]  # index in EVIDENCE_NAMES
    association: NDArray[np.bool_]


PREDICATES = tuple(sorted({p for _, _, options, _ in EDGE_TYPES for p, _ in options}))
EVIDENCE_NAMES = tuple(EVIDENCE)


def parse_size(text: str) -> int:
    """``"1e6"`` or ``"1000000"`` -> 1000000."""
    return int(float(text))


def folder(n_edges: int) -> Path:
    """Where the graph of ``n_edges`` edges is written."""
    return DATA / f"g{n_edges:.0e}".replace("+0", "").replace("+", "")


def _power_law(rng: np.random.Generator, n: int, size: int, exponent: float = 0.9) -> NDArray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    order = rng.permutation(n)  # hubs are not the first ids
    cumulative = np.cumsum(weights)
    picks = np.searchsorted(cumulative, rng.random(size) * cumulative[-1], side="right")
    return order[np.minimum(picks, n - 1)]


def generate(n_edges: int, seed: int = SEED) -> Synthetic:
    """Draw a seeded graph with ``n_edges`` unique edges (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_nodes = max(int(n_edges * NODES_PER_EDGE), 200)
    members: dict[str, NDArray[np.int64]] = {}
    node_ids: list[str] = []
    node_category: list[str] = []
    for category, (share, prefix, first, _) in CATEGORIES.items():
        count = max(int(n_nodes * share), 5)
        start = len(node_ids)
        if prefix in ("GO", "MONDO", "UBERON", "CL"):
            node_ids.extend(f"{prefix}:{first + i:07d}" for i in range(count))
        else:
            node_ids.extend(f"{prefix}:{first + i}" for i in range(count))
        node_category.extend([category] * count)
        members[category] = np.arange(start, start + count, dtype=np.int64)
    evidence_p = np.array(list(EVIDENCE.values()))
    evidence_p /= evidence_p.sum()
    code = {name: i for i, name in enumerate(PREDICATES)}
    columns = []
    for subject_category, object_category, options, share in EDGE_TYPES:
        target = int(n_edges * share)
        sources, targets = members[subject_category], members[object_category]
        drawn: list[tuple[NDArray, ...]] = []
        have = 0
        for _ in range(20):  # hubs repeat pairs: draw again until enough unique triples
            size = int((target - have) * 1.3) + 10
            subjects = sources[_power_law(rng, len(sources), size)]
            objects = targets[_power_law(rng, len(targets), size)]
            choice = rng.integers(0, len(options), size)
            predicate = np.array([code[p] for p, _ in options])[choice]
            fixed = np.array([0 if s is None else s for _, s in options])[choice]
            free = np.array([s is None for _, s in options])[choice]
            sign = np.where(free, rng.integers(-1, 2, size), fixed)
            evidence = rng.choice(len(evidence_p), size=size, p=evidence_p)
            keep = subjects != objects
            drawn.append(tuple(a[keep] for a in (subjects, objects, predicate, sign, evidence)))
            merged = [np.concatenate([d[i] for d in drawn]) for i in range(5)]
            key = (merged[0] * len(PREDICATES) + merged[2]) * len(node_ids) + merged[1]
            _, first = np.unique(key, return_index=True)
            first = np.sort(first)[:target]
            have = len(first)
            if have >= target:
                break
        columns.append(tuple(a[first] for a in merged))
    subject, obj, predicate, sign, evidence = (
        np.concatenate([c[i] for c in columns]) for i in range(5)
    )
    order = rng.permutation(len(subject))
    association = rng.random(len(subject)) < ASSOCIATION_SHARE
    return Synthetic(
        node_ids=node_ids,
        node_category=node_category,
        subject=subject[order],
        object=obj[order],
        predicate=predicate[order],
        sign=sign[order],
        evidence=evidence[order],
        association=association,
    )


def _iri(curie: str) -> str:
    return f"<{expand(curie)}>"


def write(graph: Synthetic, out: Path, seed: int) -> dict[str, object]:
    """Write nodes.tsv, edges.tsv, graph.nt and meta.json into ``out`` (atomically)."""
    n = len(graph.subject)
    ids = np.array(graph.node_ids, dtype=object)
    iris = np.array([_iri(curie) for curie in graph.node_ids], dtype=object)
    predicate_iri = [f"<{VOCAB}{p}>" for p in PREDICATES]
    biolink = [BIOLINK_PREDICATES[p] for p in PREDICATES]
    sign_literal = {s: f'"{s}"^^<{XSD}integer>' for s in (-1, 0, 1)}
    evidence_iri = [f"<{VOCAB}{e}>" for e in EVIDENCE_NAMES]
    source = f"<{SOURCE_BASE}synthetic>"
    triples = 0
    with atomic_directory(out) as staging:
        with open(staging / "nodes.tsv", "w", encoding="utf-8") as nodes_tsv:
            nodes_tsv.write("id\tcategory\tname\tgutbone_category\n")
            for curie, category in zip(graph.node_ids, graph.node_category, strict=True):
                name = f"synthetic {category.lower()} {curie.split(':', 1)[1]}"
                nodes_tsv.write(f"{curie}\t{CATEGORIES[category][3]}\t{name}\t{category}\n")
        with (
            open(staging / "edges.tsv", "w", encoding="utf-8") as edges_tsv,
            open(staging / "graph.nt", "w", encoding="utf-8") as nt,
        ):
            for curie, category, iri in zip(graph.node_ids, graph.node_category, iris, strict=True):
                name = f"synthetic {category.lower()} {curie.split(':', 1)[1]}"
                nt.write(
                    f"{iri} <{RDF}type> <{VOCAB}{category}> .\n"
                    f'{iri} <{RDFS}label> "{name}" .\n'
                    f'{iri} <{VOCAB}curie> "{curie}" .\n'
                )
                triples += 3
            edges_tsv.write(
                "id\tsubject\tpredicate\tobject\tprimary_knowledge_source\t"
                "gutbone_predicate\tsign\tevidence_type\n"
            )
            for start in range(0, n, CHUNK):
                stop = min(n, start + CHUNK)
                s_ids, o_ids = ids[graph.subject[start:stop]], ids[graph.object[start:stop]]
                s_iri, o_iri = iris[graph.subject[start:stop]], iris[graph.object[start:stop]]
                predicate = graph.predicate[start:stop].tolist()
                sign = graph.sign[start:stop].tolist()
                evidence = graph.evidence[start:stop].tolist()
                edges_tsv.write(
                    "".join(
                        f"e{start + i:08d}\t{s}\t{biolink[p]}\t{o}\tinfores:gutbone-synthetic\t"
                        f"{PREDICATES[p]}\t{g}\t{EVIDENCE_NAMES[e]}\n"
                        for i, (s, p, o, g, e) in enumerate(
                            zip(s_ids, predicate, o_ids, sign, evidence, strict=True)
                        )
                    )
                )
                nt.write(
                    "".join(
                        f"{s} {predicate_iri[p]} {o} .\n"
                        for s, p, o in zip(s_iri, predicate, o_iri, strict=True)
                    )
                )
                lines = []
                for i in np.flatnonzero(graph.association[start:stop]).tolist():
                    a = f"<{ASSERTION_BASE}e{start + i:08d}>"
                    lines.append(
                        f"{a} <{RDF}type> <{VOCAB}Association> .\n"
                        f"{a} <{RDF}subject> {s_iri[i]} .\n"
                        f"{a} <{RDF}predicate> {predicate_iri[predicate[i]]} .\n"
                        f"{a} <{RDF}object> {o_iri[i]} .\n"
                        f"{a} <{VOCAB}sign> {sign_literal[sign[i]]} .\n"
                        f"{a} <{VOCAB}evidenceType> {evidence_iri[evidence[i]]} .\n"
                        f"{a} <{VOCAB}source> {source} .\n"
                        f'{a} <{VOCAB}locator> "synthetic" .\n'
                    )
                nt.write("".join(lines))
                triples += (stop - start) + 8 * len(lines)
        meta = {
            "edges": n,
            "nodes": len(graph.node_ids),
            "triples": triples,
            "associations": int(graph.association.sum()),
            "seed": seed,
            "nodes_per_edge": NODES_PER_EDGE,
            "association_share": ASSOCIATION_SHARE,
        }
        (staging / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def ensure(n_edges: int, *, seed: int = SEED, force: bool = False) -> Path:
    """Generate the graph of ``n_edges`` edges unless its files already exist."""
    out = folder(n_edges)
    meta = out / "meta.json"
    if not force and meta.exists():
        recorded = json.loads(meta.read_text(encoding="utf-8"))
        if recorded.get("seed") == seed and recorded.get("edges", 0) > 0.9 * n_edges:
            return out
    write(generate(n_edges, seed), out, seed)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="edge counts (default 1e5,1e6,1e7)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--force", action="store_true", help="regenerate existing files")
    args = parser.parse_args(argv)
    for size in (parse_size(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        out = ensure(size, seed=args.seed, force=args.force)
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
        print(
            f"{out}: {meta['edges']:,} edges, {meta['nodes']:,} nodes, {meta['triples']:,} "
            f"triples ({time.perf_counter() - start:.1f} s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
