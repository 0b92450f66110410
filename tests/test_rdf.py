"""Tables -> RDF -> parse back: same assertions, exact numbers; deterministic output."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, XSD, Graph, Literal

from gutbone.curation import load_curated
from gutbone.rdf import GB, assertion_iri, build_graph, node_iri, serialize

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"


@pytest.fixture(scope="module")
def data():
    return load_curated(FIXTURE)


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld"])
def test_round_trip_keeps_assertions_and_exact_numbers(data, fmt: str) -> None:
    text = serialize(build_graph(data), fmt)  # type: ignore[arg-type]
    parsed = Graph().parse(data=text, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt])
    for edge in data.edges.values():
        subject, obj = node_iri(edge.subject), node_iri(edge.object)
        assert (subject, GB[edge.predicate], obj) in parsed  # direct triple
        assertion = assertion_iri(edge.id)
        assert (assertion, RDF.type, GB.Association) in parsed
        assert parsed.value(assertion, RDF.subject) == subject
        assert parsed.value(assertion, RDF.object) == obj
        assert parsed.value(assertion, GB.sign).toPython() == edge.sign
        assert parsed.value(assertion, GB.evidenceType) == GB[edge.evidence_type]
        assert str(parsed.value(assertion, GB.quote)) == edge.quote
        assert str(parsed.value(assertion, GB.locator)) == edge.locator
    effect = parsed.value(assertion_iri("e2"), GB.effect)
    # values as written in tests/fixtures/data_small/edges/core.csv row e2
    p = parsed.value(effect, GB.pValue)
    assert p.datatype == XSD.decimal
    assert p.toPython() == Decimal("0.0123456789012345")  # 15 significant digits survive
    assert str(parsed.value(effect, GB.estimate)) == "0.050"
    assert parsed.value(effect, GB.tau2).toPython() == Decimal("0.00012")
    assert parsed.value(effect, GB.k) == Literal(5, datatype=XSD.integer)
    assert parsed.value(effect, GB.n).toPython() == 340
    assert str(parsed.value(effect, GB.model)) == "REML"


def test_chinese_synonyms_are_tagged_zh(data) -> None:
    graph = build_graph(data)
    labels = set(graph.objects(node_iri("CHEBI:17968"), None))
    assert Literal("丁酸", lang="zh") in labels
    assert Literal("butanoate") in labels


def test_local_ids_and_broader_links(data) -> None:
    graph = build_graph(data)
    group = node_iri("gutbone:lachnospiraceae_nc2004_group")
    assert str(group) == "https://w3id.org/gutbone/node/lachnospiraceae_nc2004_group"
    broader = graph.value(group, next(p for p in graph.predicates(group) if p.endswith("broader")))
    assert str(broader) == "http://purl.obolibrary.org/obo/NCBITaxon_186803"


SCRIPT = """
import hashlib, sys
from gutbone.curation import load_curated
from gutbone.rdf import build_graph, serialize
graph = build_graph(load_curated(sys.argv[1]))
print(" ".join(hashlib.sha256(serialize(graph, f).encode()).hexdigest() for f in ("ttl", "nt", "jsonld")))
"""


@pytest.mark.parametrize("root", [FIXTURE, None], ids=["fixture", "bundled"])
def test_build_is_byte_identical_across_processes(root: Path | None, tmp_path: Path) -> None:
    from gutbone.resources import data_dir

    target = str((root or data_dir()).resolve())
    digests = set()
    # different hash seeds and different working directories give the same bytes
    for seed, cwd in (("0", None), ("1", tmp_path), ("12345", Path(target).parent)):
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT, target],
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
        )
        digests.add(run.stdout.strip())
    assert len(digests) == 1, digests


def test_unknown_format_is_refused(data) -> None:
    with pytest.raises(ValueError, match="unknown RDF format 'xml'"):
        serialize(build_graph(data), "xml")  # type: ignore[arg-type]
