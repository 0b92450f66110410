"""Facts derived at load time (gutbone.derived) equal their live computation.

Live computations are independent of the code under test: the conflicting pairs as the
self-join the catalog query made before (its earlier text is in
tests/fixtures/catalog_before/), the local-identifier nodes by a Python string test over
every ``gb:curie`` triple. A small hand-written graph gives the expected facts worked out by
hand, including a blank-node association and a file added with ``--add``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from gutbone.cli import main
from gutbone.derived import (
    VERSION,
    add_derived_facts,
    derived_ntriples,
    derived_quads,
    has_derived_facts,
)
from gutbone.errors import QueryError
from gutbone.query.catalog import load_catalog
from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
from gutbone.query.source import load_source
from gutbone.query.sparql import run_query
from gutbone.store import load_files, memory_store, open_store
from gutbone.void import DATASET, GBV

GB = "https://w3id.org/gutbone/vocab#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
PREFIXES = {"gb": GB, "rdf": RDF, "gbv": GBV}
CATALOG = load_catalog()

LIVE_PAIRS = (
    "SELECT DISTINCT ?down ?up WHERE { ?down gb:sign -1 ; rdf:subject ?s ; rdf:object ?o . "
    "?up rdf:subject ?s ; rdf:object ?o ; gb:sign 1 }"
)
DERIVED_PAIRS = (
    "SELECT ?down ?up WHERE { ?p a gbv:ConflictingPair ; gbv:lowering ?down ; gbv:raising ?up }"
)
DERIVED_LOCAL = f"SELECT ?node WHERE {{ <{DATASET}/local-identifiers> gbv:node ?node }}"


def _set(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    answer = store.query(query, prefixes=PREFIXES)
    return {tuple(str(s[v]) for v in answer.variables) for s in answer}  # type: ignore[union-attr]


def _live_local(store: ox.Store) -> set[tuple[str, ...]]:
    curie = ox.NamedNode(GB + "curie")
    return {
        (str(q.subject),)
        for q in store.quads_for_pattern(None, curie, None, ox.DefaultGraph())
        if isinstance(q.object, ox.Literal) and q.object.value.startswith("gutbone:")
    }


@pytest.fixture(scope="module")
def curated() -> Any:
    return load_source()


@pytest.fixture(scope="module")
def plain(curated: Any) -> ox.Store:
    """The curated graph as built, before its VoID description and derived facts."""
    return memory_store(curated.ntriples.split(f"<{DATASET}>", 1)[0])


def test_curated_pairs_equal_the_live_self_join(curated: Any, plain: ox.Store) -> None:
    live = _set(plain, LIVE_PAIRS)
    assert len(live) >= 1  # the curated graph has conflicting assertions
    assert _set(curated.store, DERIVED_PAIRS) == live


def test_curated_local_nodes_equal_a_string_test(curated: Any, plain: ox.Store) -> None:
    live = _live_local(plain)
    assert len(live) >= 5
    assert _set(curated.store, DERIVED_LOCAL) == live


def test_curated_graph_holds_the_facts_in_store_and_rdflib(curated: Any) -> None:
    assert has_derived_facts(curated.store)
    marker = f'<{DATASET}> <{GBV}derivedFacts> "{VERSION}"^^<{INTEGER}> .'
    assert marker in curated.ntriples
    rows = curated.graph.query(f"ASK {{ <{DATASET}> <{GBV}derivedFacts> ?v }}")
    assert rows.askAnswer


# A hand-checked graph: associations a1..a5 on (x, y) and (x, z); sign terms as written.
#   a1: x -> y sign -1      a2: x -> y sign 1      a3: x -> y sign 1
#   a4: x -> z sign -1      _:b (blank): x -> z sign 1      a5: y -> x sign 1 (other direction)
# Pairs (lowering, raising): (a1, a2), (a1, a3), (a4, _:b). Local: n2 (its second CURIE).
HAND = f"""
<http://e/a1> <{RDF}subject> <http://e/x> .
<http://e/a1> <{RDF}object> <http://e/y> .
<http://e/a1> <{GB}sign> "-1"^^<{INTEGER}> .
<http://e/a2> <{RDF}subject> <http://e/x> .
<http://e/a2> <{RDF}object> <http://e/y> .
<http://e/a2> <{GB}sign> "1"^^<{INTEGER}> .
<http://e/a3> <{RDF}subject> <http://e/x> .
<http://e/a3> <{RDF}object> <http://e/y> .
<http://e/a3> <{GB}sign> "1"^^<{INTEGER}> .
<http://e/a5> <{RDF}subject> <http://e/y> .
<http://e/a5> <{RDF}object> <http://e/x> .
<http://e/a5> <{GB}sign> "1"^^<{INTEGER}> .
<http://e/n1> <{GB}curie> "NCBITaxon:816" .
<http://e/n2> <{GB}curie> "CHEBI:17968" .
<http://e/n2> <{GB}curie> "gutbone:butyrate_pool" .
<http://e/n3> <{GB}curie> "xgutbone:not_local" .
"""
ADDED = f"""
<http://e/a4> <{RDF}subject> <http://e/x> .
<http://e/a4> <{RDF}object> <http://e/z> .
<http://e/a4> <{GB}sign> "-1"^^<{INTEGER}> .
_:b <{RDF}subject> <http://e/x> .
_:b <{RDF}object> <http://e/z> .
_:b <{GB}sign> "1"^^<{INTEGER}> .
"""


def test_hand_graph_loaded_with_an_added_file(tmp_path: Path) -> None:
    """``build --store --add``: the facts cover the base graph and the added file."""
    added = tmp_path / "added.nt"
    added.write_text(ADDED, encoding="utf-8")
    load_files(tmp_path / "store", [added], base=HAND)
    store = open_store(tmp_path / "store")
    pairs = _set(store, DERIVED_PAIRS)
    named = {p for p in pairs if not p[1].startswith("_:")}
    assert named == {("<http://e/a1>", "<http://e/a2>"), ("<http://e/a1>", "<http://e/a3>")}
    assert [p[0] for p in pairs if p[1].startswith("_:")] == ["<http://e/a4>"]
    # the blank node of the fact is the association's own, not a copy: its sign is 1
    raising = "SELECT ?g WHERE { ?p gbv:lowering <http://e/a4> ; gbv:raising ?b . ?b gb:sign ?g }"
    assert _set(store, raising) == {(f'"1"^^<{INTEGER}>',)}
    assert _set(store, DERIVED_LOCAL) == {("<http://e/n2>",)}
    assert _set(store, DERIVED_PAIRS) == _set(store, LIVE_PAIRS)


def test_blank_node_facts_cannot_be_written_as_text() -> None:
    store = memory_store(HAND + ADDED)
    with pytest.raises(ValueError, match="blank node"):
        derived_ntriples(store)
    assert "conflict/2" in derived_ntriples(memory_store(HAND))


def test_facts_are_deterministic() -> None:
    first, second = memory_store(HAND), memory_store(HAND)
    assert derived_quads(first) == derived_quads(second)
    assert add_derived_facts(first) == len(derived_quads(second))


def test_a_store_without_derived_facts_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A store loaded by an earlier gutbone would give 0 rows silently: it is refused."""
    old = ox.Store(str(tmp_path / "old"))
    old.bulk_load(HAND.encode(), format=ox.RdfFormat.N_TRIPLES)
    old.flush()
    del old
    with pytest.raises(QueryError, match="no derived facts.*rebuild it"):
        load_source(store_dir=tmp_path / "old")
    with pytest.raises(QueryError, match="no derived facts.*rebuild it"):  # the endpoint too
        SparqlEndpoint(EndpointConfig(port=0), store_dir=tmp_path / "old")
    assert main(["serve", "--store", str(tmp_path / "old"), "--port", "0"]) == 1
    assert "no derived facts" in capsys.readouterr().err
    load_files(tmp_path / "new", [], base=HAND)
    assert has_derived_facts(load_source(store_dir=tmp_path / "new").store)


@pytest.mark.parametrize("name", ["conflicting_assertions", "local_identifiers"])
def test_rdflib_gives_the_rows_of_oxigraph(curated: Any, name: str) -> None:
    rows = {}
    for engine in ("oxigraph", "rdflib"):
        result = run_query(
            CATALOG[name].text,
            store=curated.store,
            graph=curated.graph,
            engine=engine,  # type: ignore[arg-type]
        )
        rows[engine] = sorted(result.rows, key=repr)
    assert rows["rdflib"] == rows["oxigraph"] and len(rows["oxigraph"]) >= 1
