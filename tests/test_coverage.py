"""gutbone.query.coverage on a hand-made graph whose figures are counted by hand."""

from __future__ import annotations

from pathlib import Path

from gutbone.curation import load_curated
from gutbone.query.coverage import knowledge_coverage

SOURCES = """id,kind,title,citation,year,doi,seed_file,note,pmid,infores,version,license,url
toy,review,Toy review,,,,,,,,,,
db,database,Toy database,,,,,,,infores:toy,v1,CC0-1.0,
"""
NODES = """id,label,category,synonyms,source,broader,xref,note
NCBITaxon:1,taxon one,Taxon,,toy,,,
NCBITaxon:2,taxon two,Taxon,,toy,NCBITaxon:1,,
NCBITaxon:3,taxon three,Taxon,,toy,,,
MESH:D000069196,Gastrointestinal Microbiome,Taxon,,toy,,,
CHEBI:17968,butyrate,Metabolite,,toy,CHEBI:26666,,
CHEBI:26666,short-chain fatty acid,Metabolite,,toy,,,
CHEBI:16412,lipopolysaccharide,Metabolite,,toy,,,
GO:0045453,bone resorption,BiologicalProcess,,toy,,,
OBA:1000110,bone density,BoneOutcome,,toy,,,
"""
# taxon one produces butyrate; butyrate is-a SCFA; SCFA increases bone density: reaches (2 hops
# after the metabolite). taxon two reaches nothing itself (only through its broader taxon one:
# not counted). taxon three is associated with LPS (not mechanistic): not counted. The umbrella
# produces LPS, LPS increases bone resorption, bone resorption decreases bone density: a path
# for LPS, but the umbrella is no named taxon.
EDGES = """id,subject,predicate,object,sign,evidence_type,source,locator,statement
e1,NCBITaxon:1,produces,CHEBI:17968,1,genome_prediction,db,r1,genome says so
e2,CHEBI:26666,increases,OBA:1000110,1,animal,toy,s1,SCFA raise bone density
e3,NCBITaxon:3,associated_with,CHEBI:16412,1,human_observational,toy,s2,correlated
e4,MESH:D000069196,produces,CHEBI:16412,1,review_claim,toy,s3,microbiome makes LPS
e5,CHEBI:16412,increases,GO:0045453,1,in_vitro,toy,s4,LPS drives resorption
e6,GO:0045453,decreases,OBA:1000110,-1,review_claim,toy,s5,resorption lowers density
"""


def test_figures_counted_by_hand(tmp_path: Path) -> None:
    root = tmp_path / "data"
    (root / "nodes").mkdir(parents=True)
    (root / "edges").mkdir()
    (root / "sources.csv").write_text(SOURCES)
    (root / "nodes" / "n.csv").write_text(NODES)
    (root / "edges" / "e.csv").write_text(EDGES)
    figures = knowledge_coverage(load_curated(root), max_hops=4)
    assert figures.named_taxa == 3  # the MESH umbrella is left out
    assert figures.taxa_reaching_bone == ("NCBITaxon:1",)
    scfa = figures.mechanism_paths["SCFA/butyrate"]
    # SCFA is itself a start of the mechanism: the shortest path is its own edge
    assert scfa is not None and scfa.nodes == ("CHEBI:26666", "OBA:1000110")
    assert scfa.edges == ("e2",)
    lps = figures.mechanism_paths["LPS"]
    assert lps is not None and lps.edges == ("e5", "e6")
    assert figures.mechanism_paths["TMAO"] is None
    assert figures.edges_per_source == {"db": 1, "toy": 5}
    assert (figures.ingested_edges, figures.ingested_edges_with_provenance) == (1, 1)
    short = knowledge_coverage(load_curated(root), max_hops=1)
    assert short.taxa_reaching_bone == ()  # butyrate needs two hops to bone density
    assert short.mechanism_paths["LPS"] is None
