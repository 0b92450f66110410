"""Provenance columns of issue 12 carried from the tables into RDF, SHACL and KGX."""

from __future__ import annotations

from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS

from gutbone.curation import EDGE_COLUMNS, NODE_COLUMNS, SOURCE_COLUMNS, load_curated
from gutbone.interop.kgx import kgx_records
from gutbone.rdf import assertion_iri, build_graph, source_iri
from gutbone.validate import validate_graph
from gutbone.vocabulary import GB

SOURCES = (
    ",".join(SOURCE_COLUMNS)
    + "\nwp,database,WikiPathways WP2018 RANKL/RANK signaling,,,,,,21742767,infores:wikipathways,"
    + "r137624,CC0-1.0,https://www.wikipathways.org/pathways/WP2018\n"
)
NODES = ",".join(NODE_COLUMNS) + (
    "\nHGNC:11926,TNFSF11,GeneProduct,RANKL,wp,,,\nHGNC:11908,TNFRSF11A,GeneProduct,RANK,wp,,,\n"
)
EDGE = {
    "id": "wp-1", "subject": "HGNC:11926", "predicate": "binds", "object": "HGNC:11908",
    "sign": "0", "evidence_type": "pathway_database", "source": "wp", "locator": "WP2018",
    "statement": "RANKL is drawn binding its receptor RANK.", "species": "NCBITaxon:9606",
    "model_system": "pathway_diagram", "original_id": "id8c1f4",
}  # fmt: skip


def _data(root: Path) -> Path:
    (root / "nodes").mkdir(parents=True)
    (root / "edges").mkdir()
    (root / "sources.csv").write_text(SOURCES, encoding="utf-8")
    (root / "nodes" / "n.csv").write_text(NODES, encoding="utf-8")
    row = ",".join(EDGE.get(column, "") for column in EDGE_COLUMNS)
    (root / "edges" / "e.csv").write_text(",".join(EDGE_COLUMNS) + "\n" + row + "\n")
    return root


def test_rdf_carries_statement_species_and_source_version(tmp_path: Path) -> None:
    data = load_curated(_data(tmp_path / "data"))
    graph = build_graph(data)
    edge = assertion_iri("wp-1")
    assert graph.value(edge, GB.statement) == Literal("RANKL is drawn binding its receptor RANK.")
    assert graph.value(edge, GB.species) == URIRef("http://purl.obolibrary.org/obo/NCBITaxon_9606")
    assert graph.value(edge, GB.modelSystem) == Literal("pathway_diagram")
    assert graph.value(edge, GB.originalId) == Literal("id8c1f4")
    assert graph.value(edge, GB.quote) is None  # no quote: nothing written
    source = source_iri("wp")
    assert graph.value(source, GB.version) == Literal("r137624")
    assert graph.value(source, DCTERMS.license) == Literal("CC0-1.0")
    assert graph.value(source, GB.infores) == Literal("infores:wikipathways")
    assert graph.value(source, GB.pmid) == Literal("21742767")
    assert validate_graph(graph, with_ontology=False).conforms


def test_shacl_requires_quote_or_statement(tmp_path: Path) -> None:
    graph = build_graph(load_curated(_data(tmp_path / "data")))
    graph.remove((assertion_iri("wp-1"), GB.statement, None))
    report = validate_graph(graph, with_ontology=False)
    assert not report.conforms
    assert any("quote or an evidence statement" in str(v) for v in report.violations)


def test_kgx_names_the_primary_knowledge_source_and_pmid(tmp_path: Path) -> None:
    _, edges = kgx_records(load_curated(_data(tmp_path / "data")))
    (edge,) = edges
    assert edge["primary_knowledge_source"] == "infores:wikipathways"
    assert edge["aggregator_knowledge_source"] == ["infores:gutbone"]
    assert edge["publications"] == ["PMID:21742767"]
    assert edge["species_context_qualifier"] == "NCBITaxon:9606"
    assert edge["statement"] == "RANKL is drawn binding its receptor RANK."
    assert (edge["model_system"], edge["original_id"]) == ("pathway_diagram", "id8c1f4")
