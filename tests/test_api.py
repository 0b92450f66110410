"""The Python API: ``gutbone.load()`` and the calls the issue found broken."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import gutbone
from gutbone.api import GraphInvalidError, KnowledgeGraph
from gutbone.errors import QueryError

TOY = Path(__file__).parent / "fixtures" / "paths" / "toy"


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return gutbone.load(TOY)


def test_dir_shows_the_public_api_only() -> None:
    names = dir(gutbone)
    for private in ("Any", "annotations", "importlib"):
        assert private not in names
    assert set(names) == set(gutbone.__all__)
    for name in gutbone.__all__:
        assert getattr(gutbone, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = gutbone.nope  # type: ignore[attr-defined]


def test_find_paths_accepts_a_build_result() -> None:
    # the issue: AttributeError 'BuildResult' object has no attribute 'vocabulary'
    result = gutbone.build_knowledge_graph(TOY, validate=False)
    hits = gutbone.find_paths(result, "Lachnospiraceae", "bone density")
    assert hits and all(h.nodes[0] == "NCBITaxon:186803" for h in hits)
    with pytest.raises(TypeError, match="needs a KnowledgeGraph"):
        gutbone.find_paths("not a graph", "a", "b")  # type: ignore[arg-type]


def test_run_query_on_an_rdflib_graph() -> None:
    # the issue: QueryError "the oxigraph engine needs a store" for graph=kg.graph
    result = gutbone.build_knowledge_graph(TOY, validate=False)
    answer = gutbone.run_query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph=result.graph
    )
    assert int(answer.rows[0][0].value) == len(result.graph)
    with pytest.raises(QueryError, match="needs a store"):
        gutbone.run_query("ASK {}")


def test_paths_take_names_like_the_cli(kg: KnowledgeGraph) -> None:
    by_name = kg.paths("毛螺菌科", "bone density")  # a Chinese synonym, as the CLI takes it
    by_id = kg.paths("NCBITaxon:186803", "EFO:0003923")
    assert [h.nodes for h in by_name] == [h.nodes for h in by_id]
    # hand-read from tests/fixtures/paths/toy/edges: e1 produces butyrate, e5 butyrate
    # increases bone density: the 2-hop mechanistic path comes first
    assert by_name[0].nodes == ("NCBITaxon:186803", "CHEBI:17968", "EFO:0003923")
    # the hop fields are the JSON keys of `gutbone paths --format json`
    assert set(by_name[0].to_dict()) == {
        "nodes", "labels", "categories", "length", "net_sign", "kind", "score", "hops"
    }  # fmt: skip
    with pytest.raises(QueryError, match="Bifidobacterium"):
        kg.paths("Bifidobacterium", "bone density")


def test_sparql_catalog_text_and_parameters(kg: KnowledgeGraph) -> None:
    count = kg.sparql("SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE { ?n a gb:Taxon }")
    taxa = [n for n in kg.data.nodes.values() if n.category == "Taxon"]
    assert int(count.rows[0][0].value) == len(taxa)
    listed = kg.sparql("nodes_in_category", category="Taxon")
    assert {row[1].value.rsplit("_", 1)[-1] for row in listed.rows} == {
        n.id.split(":", 1)[1] for n in taxa
    }
    with pytest.raises(QueryError, match="unknown parameter"):
        kg.sparql("nodes_in_category", colour="red")


def test_to_networkx_and_export(kg: KnowledgeGraph, tmp_path: Path) -> None:
    graph = kg.to_networkx()
    assert graph.number_of_nodes() == len(kg.data.nodes)
    assert graph.number_of_edges() == len(kg.data.edges)
    edge = next(iter(kg.data.edges.values()))
    assert graph.has_edge(edge.subject, edge.object, key=edge.id)
    written = kg.export("cytoscape", tmp_path / "g.json")
    elements = json.loads(written[0].read_text(encoding="utf-8"))
    assert len([e for e in elements["elements"]["nodes"]]) == len(kg.data.nodes)
    with pytest.raises(ValueError, match="unknown export format 'png'"):
        kg.export("png", tmp_path / "g.png")


def test_view_writes_the_page_with_the_umask(kg: KnowledgeGraph, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        html = kg.view(focus=["Lachnospiraceae"], path=tmp_path / "v.html")
    finally:
        os.umask(old)
    assert "Lachnospiraceae" in html
    assert (tmp_path / "v.html").read_text(encoding="utf-8") == html
    assert stat.S_IMODE((tmp_path / "v.html").stat().st_mode) == 0o644


def test_export_refuses_a_graph_that_violates_its_shapes(tmp_path: Path) -> None:
    from gutbone.pipeline import BuildResult
    from gutbone.validate import ValidationReport

    kg = gutbone.load(TOY)
    good = kg.build
    # a build whose SHACL report failed (as build_knowledge_graph returns it)
    failed = BuildResult(good.data, good.graph, ValidationReport(False, ()), good.seconds)
    kg.__dict__["build"] = failed
    with pytest.raises(GraphInvalidError, match="does not conform"):
        kg.export("ttl", tmp_path / "g.ttl")
    assert not (tmp_path / "g.ttl").exists()
