"""SHACL shapes: the curated graph conforms; deliberately broken graphs do not."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, XSD, Graph, Literal

from gutbone.curation import load_curated
from gutbone.errors import InputError
from gutbone.rdf import GB, assertion_iri, build_graph, decimal_literal, node_iri
from gutbone.validate import load_rdf, validate_graph

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"


@pytest.fixture
def graph() -> Graph:
    return build_graph(load_curated(FIXTURE))


def messages(graph: Graph) -> list[str]:
    report = validate_graph(graph, with_ontology=False)
    assert not report.conforms
    return [str(v) for v in report.violations]


def test_fixture_graph_conforms(graph: Graph) -> None:
    report = validate_graph(graph, with_ontology=False)
    assert report.conforms, [str(v) for v in report.violations]


def test_bundled_curated_graph_conforms() -> None:
    data = load_curated()
    assert len(data.edges) > 0
    report = validate_graph(build_graph(data), with_ontology=False)
    assert report.conforms, [str(v) for v in report.violations[:20]]


def test_missing_quote_points_back_to_the_row(graph: Graph) -> None:
    graph.remove((assertion_iri("e1"), GB.quote, None))
    found = messages(graph)
    assert len(found) == 1
    # a quote or (issue 12) an evidence statement in the curator's own words is required
    assert found[0].startswith(
        "data_small/edges/core.csv:2:-: an association has a quote or an evidence statement"
    )
    assert "https://www.w3.org/TR/shacl/#OrConstraintComponent" in found[0]


def test_sign_outside_range_and_contradicting_predicate(graph: Graph) -> None:
    assertion = assertion_iri("e2")  # predicate increases: required sign 1
    graph.set((assertion, GB.sign, Literal(-1, datatype=XSD.integer)))
    found = messages(graph)
    assert any("the sign contradicts the predicate's required sign" in m for m in found)
    graph.set((assertion, GB.sign, Literal(5, datatype=XSD.integer)))
    assert any("sign must be one xsd:integer in {-1, 0, 1}" in m for m in messages(graph))


def test_ci_not_containing_estimate(graph: Graph) -> None:
    effect = graph.value(assertion_iri("e2"), GB.effect)
    graph.set((effect, GB.estimate, decimal_literal(Decimal("0.5"))))  # CI is [0.010, 0.100]
    found = messages(graph)
    assert any("the estimate must not be above the CI upper bound" in m for m in found)
    assert all(m.startswith("data_small/edges/core.csv:3:") for m in found)


def test_untyped_number_and_missing_direct_triple(graph: Graph) -> None:
    effect = graph.value(assertion_iri("e2"), GB.effect)
    graph.set((effect, GB.pValue, Literal("0.01")))  # a string, not xsd:decimal
    graph.remove((node_iri("CHEBI:17968"), GB.increases, node_iri("EFO:0003923")))
    found = messages(graph)
    assert any("p must be a decimal in [0, 1]" in m for m in found)
    assert any("direct triple (subject predicate object) of this association is missing" in m for m in found)


def test_association_without_evidence_or_source(graph: Graph) -> None:
    assertion = assertion_iri("e3")
    graph.remove((assertion, GB.evidenceType, None))
    graph.remove((assertion, GB.source, None))
    graph.add((assertion, RDF.subject, node_iri("CHEBI:17968")))  # a second subject
    found = messages(graph)
    assert any("exactly one evidence type" in m for m in found)
    assert any("names at least one source" in m for m in found)
    assert any("exactly one subject" in m for m in found)


def test_load_rdf_reports_parse_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    with pytest.raises(InputError) as info:
        load_rdf(bad)
    assert str(info.value.problems[0]).startswith(f"{bad}:")
    assert "not valid turtle" in str(info.value)
    with pytest.raises(InputError, match="unknown RDF extension"):
        load_rdf(tmp_path / "graph.xyz")
