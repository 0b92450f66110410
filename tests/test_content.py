"""Per seed section: the mechanisms the section states are in the graph, with sign and locator.

Each row below paraphrases a sentence of a seed document (quoted in the comment) and is
checked by SPARQL on the built graph: an association with that subject, predicate,
object, sign and a locator naming that section.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from gutbone.pipeline import build_knowledge_graph
from gutbone.rdf import node_iri
from gutbone.vocabulary import GB


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_knowledge_graph(validate=False).graph


ASK = """
SELECT ?locator ?evidence ?quote WHERE {
    ?a a gb:Association ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
       gb:sign ?sign ; gb:locator ?locator ; gb:evidenceType ?evidence ; gb:quote ?quote .
}
"""

# (section, subject, predicate, object, sign, evidence type)
MECHANISMS = [
    # 000 sec. 1: "女性患者因雌激素的缺乏...更易引起骨质疏松"
    ("sec. 1", "gutbone:estrogen_deficiency", "increases", "MONDO:0005298", 1, "review_claim"),
    # 000 sec. 2: GM converts carbohydrates into short-chain fatty acids
    ("sec. 2", "MESH:D000069196", "produces", "CHEBI:26666", 1, "review_claim"),
    # 000 sec. 3: "RANKL 与表达于破骨前体细胞表面的 RANK 结合"
    ("sec. 3", "HGNC:11926", "binds", "HGNC:11908", 1, "review_claim"),
    # 000 sec. 3: RANKL promotes osteoclast differentiation via NF-kB and Akt
    ("sec. 3", "HGNC:11926", "increases", "GO:0030316", 1, "review_claim"),
    ("sec. 3", "HGNC:11926", "increases", "GO:0007249", 1, "review_claim"),
    # 000 sec. 3: "OPG 竞争性抑制 RANK-RANKL 的结合"
    ("sec. 3", "HGNC:11909", "binds", "HGNC:11926", -1, "review_claim"),
    # 000 sec. 3: "TNF-α ... 促进 RANKL 的表达 ... 抑制 OPG 的分泌"
    ("sec. 3", "HGNC:11892", "increases", "HGNC:11926", 1, "review_claim"),
    ("sec. 3", "HGNC:11892", "decreases", "HGNC:11909", -1, "review_claim"),
    # 000 sec. 3: Treg secrete TGF-b1; Th17 produce RANKL
    ("sec. 3", "CL:0000815", "produces", "HGNC:11766", 1, "review_claim"),
    ("sec. 3", "CL:0000899", "produces", "HGNC:11926", 1, "review_claim"),
    # 000 sec. 3: estrogen lowers RANKL expression, raises OPG
    ("sec. 3", "CHEBI:50114", "decreases", "HGNC:11926", -1, "review_claim"),
    ("sec. 3", "CHEBI:50114", "increases", "HGNC:11909", 1, "review_claim"),
    # 000 sec. 4, ref [27]: Raoultella relative abundance lower in OP patients
    (
        "sec. 4 (ref. [27])",
        "NCBITaxon:160674",
        "associated_with",
        "MONDO:0005298",
        -1,
        "human_observational",
    ),
    # 000 sec. 4.1: aged-rat GM raises intestinal permeability (animal)
    ("sec. 4.1", "MESH:D000069196", "increases", "EFO:0011031", 1, "animal"),
    # 000 sec. 4.2.1: SCFA promote Treg, suppress Th17
    ("sec. 4.2.1", "CHEBI:26666", "increases", "CL:0000815", 1, "review_claim"),
    ("sec. 4.2.1", "CHEBI:26666", "decreases", "CL:0000899", -1, "review_claim"),
    # 000 sec. 4.2.2: TMAO activates NF-kB
    ("sec. 4.2.2", "CHEBI:15724", "increases", "GO:0007249", 1, "review_claim"),
    ("sec. 4.2.2", "CHEBI:15724", "increases", "HGNC:11892", 1, "review_claim"),
    # 000 sec. 4.2.2: choline is converted by gut bacteria into TMA, oxidised to TMAO
    ("sec. 4.2.2", "CHEBI:15354", "precursor_of", "CHEBI:18139", 1, "review_claim"),
    ("sec. 4.2.2", "CHEBI:18139", "precursor_of", "CHEBI:15724", 1, "review_claim"),
    # 000 sec. 4.2.3: LPS two-way effect depending on RANKL
    ("sec. 4.2.3", "CHEBI:16412", "increases", "GO:0030316", 1, "review_claim"),
    ("sec. 4.2.3", "CHEBI:16412", "decreases", "GO:0030316", -1, "review_claim"),
    # 000 sec. 4.3.1: SFB induce Th17 differentiation; B. fragilis toxin via JAK-STAT
    (
        "sec. 4.3.1",
        "gutbone:segmented_filamentous_bacteria",
        "increases",
        "GO:0072539",
        1,
        "review_claim",
    ),
    (
        "sec. 4.3.1",
        "gutbone:bacteroides_fragilis_toxin",
        "increases",
        "GO:0007259",
        1,
        "review_claim",
    ),
    # 000 sec. 4.3.2: Wnt signalling lowers bone resorption
    ("sec. 4.3.2", "GO:0060070", "decreases", "GO:0045453", -1, "review_claim"),
    # 000 sec. 4.3.3: NOD1 recognises peptidoglycan
    ("sec. 4.3.3", "HGNC:16390", "binds", "CHEBI:8005", 1, "review_claim"),
    # 000 sec. 4.4.1: SCFA raise IGF-1 (antibiotic-treated mice)
    ("sec. 4.4.1", "CHEBI:26666", "increases", "HGNC:5464", 1, "animal"),
    # 000 sec. 4.4.3: 5-HT on HTR1B lowers osteoblast proliferation; on HTR2C in the brain raises bone formation
    ("sec. 4.4.3", "CHEBI:28790", "binds", "HGNC:5287", 1, "review_claim"),
    ("sec. 4.4.3", "CHEBI:28790", "decreases", "GO:0033687", -1, "review_claim"),
    ("sec. 4.4.3", "CHEBI:28790", "binds", "HGNC:5295", 1, "review_claim"),
    # 000 sec. 4.4.4: intermittent PTH raises bone formation
    ("sec. 4.4.4", "HGNC:9606", "increases", "GO:0001503", 1, "review_claim"),
    # 000 sec. 4.4.5: LCA binds VDR; TGR5 -> GLP-1 -> calcitonin
    ("sec. 4.4.5", "CHEBI:16325", "binds", "HGNC:12679", 1, "review_claim"),
    ("sec. 4.4.5", "HGNC:19680", "increases", "gutbone:glp_1", 1, "review_claim"),
    ("sec. 4.4.5", "gutbone:glp_1", "increases", "CHEBI:3306", 1, "review_claim"),
    # 000 sec. 4.5.2: miR-194 acts on osteoblast differentiation
    ("sec. 4.5.2", "gutbone:mir_194", "affects", "GO:0001649", 0, "review_claim"),
    # 000 sec. 5.1: probiotics lower bone-marrow CD4+ T cells
    ("sec. 5.1", "MESH:D019936", "decreases", "CL:0000624", -1, "review_claim"),
    # 000 sec. 5.2: FMT changes bone mass in mice
    ("sec. 5.2", "MESH:D000069467", "affects", "OBA:VT1000111", 0, "animal"),
    # 001 Fig. 2: Lachnospiraceae NC2004 group raises heel BMD (MR)
    (
        "Fig. 2",
        "gutbone:mibiogen_lachnospiraceae_nc2004_group",
        "increases",
        "EFO:0009270",
        1,
        "mendelian_randomization",
    ),
    # 001 Fig. 3: RMSSD mediates part of that effect
    ("Fig. 3", "EFO:0009257", "mediates", "EFO:0009270", 0, "mendelian_randomization"),
    # 002 Fig. 6: probiotics raise serum calcium
    (
        "Fig. 6",
        "gutbone:probiotic_adjuvant_therapy",
        "increases",
        "EFO:0004838",
        1,
        "rct_meta_analysis",
    ),
]


@pytest.mark.parametrize(
    ("section", "subject", "predicate", "obj", "sign", "evidence"),
    MECHANISMS,
    ids=[f"{m[0]}:{m[1]}-{m[2]}-{m[3]}" for m in MECHANISMS],
)
def test_section_states_mechanism(
    graph: Graph, section, subject, predicate, obj, sign, evidence
) -> None:
    rows = list(
        graph.query(
            ASK,
            initNs={"gb": GB, "rdf": URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#")},
            initBindings={
                "s": node_iri(subject),
                "p": GB[predicate],
                "o": node_iri(obj),
                "sign": Literal(sign),
            },
        )
    )
    assert rows, f"no {subject} {predicate} {obj} with sign {sign}"
    assert any(str(row.locator).startswith(section) for row in rows), [str(r.locator) for r in rows]
    assert any(row.evidence == GB[evidence] for row in rows), [str(r.evidence) for r in rows]
    assert all(str(row.quote).strip() for row in rows)
