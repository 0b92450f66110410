"""The primary-literature layer (issue 12 section 3), checked on the bundled data.

Curated in ``data/nodes/literature.csv``, ``data/edges/literature.csv`` and
``data/edges/mr_literature.csv`` from primary papers (sources with a PMID or DOI and no
seed file). The expected values below are written out by hand from the papers' abstracts
(sign of the effect, organism, PubMed id or DOI), not read back from the tables, and are
asserted by SPARQL on the built graph (pyoxigraph), so a row that is lost, re-signed or
re-sourced fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pyoxigraph as ox
import pytest

from gutbone.curation import CuratedData
from gutbone.query.paths import find_paths
from gutbone.query.projection import build_projection
from gutbone.rdf import node_iri
from gutbone.resources import data_dir
from gutbone.views.answers import MECHANISTIC_PREDICATES

LITERATURE_FILES = ("literature.csv", "mr_literature.csv")
MOUSE, HUMAN = "NCBITaxon:10090", "NCBITaxon:9606"
PREFIX = """
PREFIX gb: <https://w3id.org/gutbone/vocab#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX node: <https://w3id.org/gutbone/node/>
PREFIX obo: <http://purl.obolibrary.org/obo/>
PREFIX ncbigene: <http://identifiers.org/ncbigene/>
"""


def _literature_edges(curated_data: CuratedData) -> list:
    return [
        e
        for e in curated_data.edges.values()
        if e.record.split(":")[0].split("/")[-1] in LITERATURE_FILES
    ]


def _term(curie: str) -> str:
    """SPARQL IRI term of a node CURIE (the graph's IRI scheme, from ``gutbone.rdf``)."""
    return f"<{node_iri(curie)}>"


# (mechanism, subject, predicate, object, sign, PMID or DOI of the paper, species)
MECHANISMS = [
    ("LGG raises butyrate", "NCBITaxon:568703", "increases", "CHEBI:17968", 1,
     "10.1016/j.immuni.2018.10.013", MOUSE),
    ("butyrate expands Treg", "CHEBI:17968", "increases", "CL:0000815", 1,
     "10.1016/j.immuni.2018.10.013", MOUSE),
    ("Treg induce CD8 Wnt10b", "CL:0000815", "increases", "NCBIGene:7480", 1,
     "10.1016/j.immuni.2018.10.013", MOUSE),
    ("Wnt10b drives bone formation", "NCBIGene:7480", "increases", "GO:0001503", 1,
     "10.1016/j.immuni.2018.10.013", MOUSE),
    ("PTH anabolism needs butyrate", "CHEBI:17968", "mediates",
     "gutbone:trabecular_bone_volume", 1, "10.1172/JCI133473", MOUSE),
    ("propionate curbs osteoclastogenesis", "CHEBI:17272", "decreases", "GO:0030316", -1,
     "29302038", MOUSE),
    ("butyrate shifts osteoclasts to glycolysis", "CHEBI:17968", "increases", "GO:0006096", 1,
     "29302038", MOUSE),
    ("germ-free mice have more bone", "MESH:D000069196", "decreases", "OBA:VT1000111", -1,
     "10.1002/jbmr.1588", MOUSE),
    ("microbiota raise IGF-1", "MESH:D000069196", "increases", "HGNC:5464", 1,
     "10.1073/pnas.1607235113", MOUSE),
    ("antibiotics lower IGF-1", "CHEBI:33281", "decreases", "HGNC:5464", -1,
     "10.1073/pnas.1607235113", MOUSE),
    ("L. reuteri prevents ovariectomy bone loss", "NCBITaxon:1598", "increases",
     "OBA:VT1000111", 1, "10.1002/jcp.24636", MOUSE),
    ("L. reuteri reduces tibial vBMD loss in older women", "NCBITaxon:1598", "increases",
     "gutbone:tibia_total_volumetric_bmd", 1, "10.1111/joim.12805", HUMAN),
    ("F. prausnitzii makes butyrate", "NCBITaxon:853", "produces", "CHEBI:17968", 1,
     "12324374", None),
    ("Roseburia makes butyrate", "NCBITaxon:841", "produces", "CHEBI:17968", 1,
     "12324374", None),
    ("E. rectale relatives make butyrate", "NCBITaxon:39491", "produces", "CHEBI:17968", 1,
     "10742256", None),
    ("cluster XIVa makes butyrate", "gutbone:clostridium_xiva", "produces", "CHEBI:17968", 1,
     "10742256", None),
    ("Clostridium cluster IV induces Treg", "gutbone:clostridium_cluster_iv", "increases",
     "CL:0000815", 1, "21205640", MOUSE),
    ("choline TMA-lyase makes TMA", "gutbone:choline_tma_lyase", "increases", "CHEBI:18139", 1,
     "23151509", None),
    ("FMO makes TMAO", "NCBIGene:2328", "increases", "CHEBI:15724", 1, "21475195", MOUSE),
    ("TMAO promotes osteoclastogenesis", "CHEBI:15724", "increases", "GO:0030316", 1,
     "10.3390/nu14193955", MOUSE),
    ("TMAO lowers bone mass", "CHEBI:15724", "decreases", "OBA:VT1000111", -1,
     "10.3390/nu14193955", MOUSE),
    ("C. scindens makes secondary bile acids", "NCBITaxon:29347", "produces",
     "gutbone:secondary_bile_acid", 1, "10.1038/nature13828", MOUSE),
    ("lithocholic acid activates TGR5", "CHEBI:16325", "binds", "HGNC:19680", 1, "21454404",
     MOUSE),
    ("TGR5 protects bone mass", "HGNC:19680", "increases", "OBA:VT1000111", 1,
     "10.1002/jbmr.3652", MOUSE),
    ("FXR supports bone mass", "HGNC:7967", "increases", "OBA:VT1000111", 1, "23609136",
     MOUSE),
    ("spore-formers raise gut 5-HT", "gutbone:spore_forming_bacteria", "increases",
     "CHEBI:28790", 1, "25860609", MOUSE),
    ("Lrp5 represses Tph1", "NCBIGene:4041", "decreases", "NCBIGene:7166", -1, "19041748",
     MOUSE),
    ("gut 5-HT inhibits bone formation", "CHEBI:28790", "decreases", "GO:0001503", -1,
     "19041748", MOUSE),
    ("5-HT suppresses osteoblast proliferation via FOXO1", "CHEBI:28790", "decreases",
     "GO:0033687", -1, "22945629", MOUSE),
    ("lactobacilli make indole-3-aldehyde", "NCBITaxon:1578", "produces", "CHEBI:28238", 1,
     "10.1016/j.immuni.2013.08.003", MOUSE),
    ("indole-3-aldehyde activates AhR", "CHEBI:28238", "binds", "HGNC:348", 1,
     "10.1016/j.immuni.2013.08.003", MOUSE),
    ("AhR lowers bone mass", "HGNC:348", "decreases", "OBA:VT1000111", -1,
     "10.1073/pnas.1220919110", MOUSE),
    ("LPS acts through TLR4", "CHEBI:16412", "binds", "NCBIGene:7099", 1, "18402604", MOUSE),
    ("TLR4 drives LPS bone resorption", "NCBIGene:7099", "increases", "GO:0045453", 1,
     "18402604", MOUSE),
    ("A. muciniphila protects bone mass", "NCBITaxon:239935", "increases", "OBA:VT1000111",
     1, "33977075", MOUSE),
    ("Coprococcus catus makes propionate", "NCBITaxon:33042", "produces", "CHEBI:17272", 1,
     "24553467", None),
]  # fmt: skip

MECHANISM_QUERY = (
    PREFIX
    + """
SELECT ?sign ?species ?pmid ?doi ?statement WHERE {{
  ?a rdf:subject {s} ; rdf:predicate gb:{p} ; rdf:object {o} ;
     gb:sign ?sign ; gb:source ?src ; gb:statement ?statement .
  OPTIONAL {{ ?a gb:species ?species }}
  OPTIONAL {{ ?src gb:pmid ?pmid }}
  OPTIONAL {{ ?src gb:doi ?doi }}
}}
"""
)


@pytest.mark.parametrize(
    ("subject", "predicate", "obj", "sign", "paper", "species"),
    [m[1:] for m in MECHANISMS],
    ids=[m[0] for m in MECHANISMS],
)
def test_named_mechanism_in_graph(
    curated_store: ox.Store, subject: str, predicate: str, obj: str, sign: int, paper: str,
    species: str | None,
) -> None:  # fmt: skip
    query = MECHANISM_QUERY.format(s=_term(subject), p=predicate, o=_term(obj))
    rows = [
        {name: (row[name].value if row[name] is not None else None) for name in
         ("sign", "species", "pmid", "doi", "statement")}
        for row in curated_store.query(query)
    ]  # fmt: skip
    from_paper = [r for r in rows if paper in (r["pmid"], r["doi"])]
    assert from_paper, f"no assertion from {paper} among {rows}"
    row = from_paper[0]
    assert int(row["sign"]) == sign
    assert row["species"] == (None if species is None else str(node_iri(species)))
    assert len(row["statement"]) > 40  # a statement in the curator's words, not a stub


def test_enough_mechanisms_and_papers(curated_data: CuratedData) -> None:
    edges = _literature_edges(curated_data)
    papers = {source for edge in edges for source in edge.sources}
    assert len(MECHANISMS) >= 20
    assert len([e for e in edges if e.evidence_type != "mendelian_randomization"]) >= 60
    assert len(papers) >= 20


def test_serotonin_debate_keeps_both_sides(curated_store: ox.Store) -> None:
    """Gut route (Yadav 2008: gut Tph1 lowers bone mass) and local route (Cui 2011: Lrp5 in
    osteocytes raises bone mass) are both kept, each with its own sign and paper."""
    query = (
        PREFIX
        + """
    SELECT ?subject ?sign ?pmid WHERE {
      ?a rdf:subject ?subject ; rdf:object obo:OBA_VT1000111 ; gb:sign ?sign ; gb:source ?src .
      ?src gb:pmid ?pmid .
      VALUES ?subject { ncbigene:7166 ncbigene:4041 }
    }"""
    )
    found = {(row["subject"].value.rsplit("/", 1)[1], row["sign"].value, row["pmid"].value)
             for row in curated_store.query(query)}  # fmt: skip
    assert ("7166", "-1", "19041748") in found  # Yadav 2008, gut-specific Tph1 deletion
    assert ("4041", "1", "21602802") in found  # Cui 2011, osteocyte Lrp5


# Published IVW estimates, abstract of Chen et al. 2023, doi:10.3389/fendo.2023.1178831:
# Prevotella9 -> LS-BMD 0.125 (0.050-0.200) P=0.001; -> FA-BMD 0.129 (0.007-0.251) P=0.039;
# Prevotellaceae -> FA-BMD 0.154 (0.020-0.288) P=0.025; -> FN-BMD 0.080 (0.015-0.145) P=0.016.
MR_ESTIMATES = [
    ("gutbone:mibiogen_prevotella_9", "EFO:0007701", "0.125", "0.050", "0.200", "0.001"),
    ("gutbone:mibiogen_prevotella_9", "EFO:0007933", "0.129", "0.007",
     "0.251", "0.039"),
    ("NCBITaxon:171552", "EFO:0007933", "0.154", "0.020", "0.288",
     "0.025"),
    ("NCBITaxon:171552", "EFO:0007785", "0.080", "0.015", "0.145", "0.016"),
]  # fmt: skip


@pytest.mark.parametrize(("exposure", "outcome", "beta", "lower", "upper", "p"), MR_ESTIMATES)
def test_published_mr_estimates(
    curated_store: ox.Store, exposure: str, outcome: str, beta: str, lower: str, upper: str, p: str
) -> None:
    query = (
        PREFIX
        + f"""
    SELECT ?beta ?lower ?upper ?p ?model ?doi WHERE {{
      ?a rdf:subject {_term(exposure)} ; rdf:object {_term(outcome)} ;
         gb:evidenceType gb:mendelian_randomization ; gb:effect ?e ; gb:source ?src .
      ?src gb:doi ?doi .
      ?e gb:estimate ?beta ; gb:ciLower ?lower ; gb:ciUpper ?upper ; gb:pValue ?p ;
         gb:model ?model .
    }}"""
    )
    rows = list(curated_store.query(query))
    assert len(rows) == 1
    row = rows[0]
    assert row["doi"].value == "10.3389/fendo.2023.1178831"
    assert row["model"].value == "IVW"
    got = [Decimal(row[name].value) for name in ("beta", "lower", "upper", "p")]
    assert got == [Decimal(beta), Decimal(lower), Decimal(upper), Decimal(p)]


def test_every_literature_source_has_pmid_or_doi(curated_data: CuratedData) -> None:
    cited = {s for e in _literature_edges(curated_data) for s in e.sources}
    assert cited
    for source_id in sorted(cited):
        source = curated_data.sources[source_id]
        assert source.kind in ("primary_study", "mr_study"), source_id
        assert not source.seed_file, source_id
        assert source.pmid or source.doi, source_id
        if source.pmid:
            assert re.fullmatch(r"[1-9][0-9]{0,8}", source.pmid), source_id
        if source.doi:
            assert re.fullmatch(r"10\.[0-9]{4,9}/\S+", source.doi), source_id


def test_every_literature_edge_carries_provenance(curated_data: CuratedData) -> None:
    for edge in _literature_edges(curated_data):
        assert edge.statement and not edge.quote, edge.id
        assert edge.locator, edge.id
        assert edge.model_system, edge.id
        if edge.evidence_type in (
            "animal",
            "rct",
            "human_observational",
            "mendelian_randomization",
        ):
            assert edge.species in (MOUSE, HUMAN), edge.id
        assert not edge.species or edge.species.startswith("NCBITaxon:"), edge.id


def _seed_sentences() -> Iterator[str]:
    for path in sorted((data_dir() / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for sentence in re.split(r"(?<=[.!?。！？；;])\s*|\n+", text):
            normal = " ".join(sentence.split())
            if len(normal) >= 20:
                yield normal


def test_no_statement_copies_a_seed_sentence(curated_data: CuratedData) -> None:
    seeds = set(_seed_sentences())
    seed_text = " ".join(seeds)
    assert len(seeds) > 100  # the three seed documents were read
    for edge in _literature_edges(curated_data):
        for sentence in re.split(r"(?<=[.;])\s+", edge.statement):
            normal = " ".join(sentence.split())
            assert normal not in seeds, edge.id
            if len(normal) >= 40:
                assert normal not in seed_text, edge.id


# One metabolite of each class the issue names; each must reach a bone outcome on
# mechanistic predicates through at least one hop curated from the primary literature.
METABOLITES = {
    "butyrate": "CHEBI:17968",
    "propionate": "CHEBI:17272",
    "TMAO": "CHEBI:15724",
    "LPS": "CHEBI:16412",
    "serotonin": "CHEBI:28790",
    "secondary bile acids": "gutbone:secondary_bile_acid",
    "indole-3-aldehyde": "CHEBI:28238",
}


@pytest.fixture(scope="module")
def projection(curated_data: CuratedData):  # type: ignore[no-untyped-def]
    return build_projection(curated_data)


@pytest.mark.parametrize("metabolite", sorted(METABOLITES), ids=sorted(METABOLITES))
def test_metabolite_reaches_bone_outcome(
    projection, curated_data: CuratedData, metabolite: str
) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(
        projection, METABOLITES[metabolite], "BoneOutcome", max_length=4,
        predicates=MECHANISTIC_PREDICATES,
    )  # fmt: skip
    literature = {e.id for e in _literature_edges(curated_data)}
    assert any(any(hop.edge_id in literature for hop in hit.hops) for hit in hits)
