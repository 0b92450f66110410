"""VoID counts written at load time equal the live counts, and the count queries read them.

The live counts are hand-written SPARQL aggregations run on a store holding the graph
without its description (and, for the curated graph, the CSV tables counted with the csv
module in tests/test_query_catalog.py).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from gutbone.derived import derived_ntriples
from gutbone.query.catalog import load_catalog
from gutbone.query.source import load_source
from gutbone.query.sparql import run_query
from gutbone.store import load_files, memory_store
from gutbone.void import DATASET, GBV, VOID, add_void, void_ntriples

PREFIXES = {
    "gb": "https://w3id.org/gutbone/vocab#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "void": VOID,
    "gbv": GBV,
}
CATALOG = load_catalog()


@pytest.fixture(scope="module")
def curated() -> Any:
    return load_source()


@pytest.fixture(scope="module")
def plain(curated: Any) -> ox.Store:
    """The curated graph without its VoID description (and the derived facts after it)."""
    data = memory_store(curated.ntriples.split(f"<{DATASET}>", 1)[0])
    loaded = void_ntriples(data) + derived_ntriples(data)
    assert curated.ntriples.endswith(loaded)
    return memory_store(curated.ntriples[: -len(loaded)])


def _rows(store: ox.Store, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in s) for s in store.query(query, prefixes=PREFIXES)}  # type: ignore[union-attr]


def test_void_triples_is_the_live_triple_count(curated: Any, plain: ox.Store) -> None:
    live = _rows(plain, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    void = _rows(curated.store, f"SELECT ?n WHERE {{ <{DATASET}> void:triples ?n }}")
    assert void == live and int(next(iter(live))[0].split('"')[1]) > 10_000


@pytest.mark.parametrize(
    ("live", "void"),
    [
        (
            "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p",
            "SELECT ?p ?n WHERE { ?d void:propertyPartition [ void:property ?p ; void:triples ?n ] }",
        ),
        (
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
            "SELECT ?c ?n WHERE { ?d void:classPartition [ void:class ?c ; void:entities ?n ] }",
        ),
        (
            "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s gb:curie ?x ; a ?c } GROUP BY ?c",
            "SELECT ?c ?n WHERE { [] a gbv:NodeClassPartition ; gbv:class ?c ; gbv:nodes ?n }",
        ),
        (
            "SELECT ?p ?g (COUNT(?a) AS ?n) WHERE { ?a a gb:Association ; rdf:predicate ?p ; "
            "gb:sign ?g } GROUP BY ?p ?g",
            "SELECT ?p ?g ?n WHERE { [] a gbv:PredicatePartition ; gbv:predicate ?p ; "
            "gbv:sign ?g ; gbv:assertions ?n }",
        ),
        (
            "SELECT ?e (COUNT(?a) AS ?n) (COUNT(?x) AS ?m) WHERE { ?a a gb:Association ; "
            "gb:evidenceType ?e OPTIONAL { ?a gb:effect ?x } } GROUP BY ?e",
            "SELECT ?e ?n ?m WHERE { [] a gbv:EvidencePartition ; gbv:evidence ?e ; "
            "gbv:assertions ?n ; gbv:withEffect ?m }",
        ),
    ],
    ids=["properties", "classes", "node-classes", "predicate-sign", "evidence"],
)
def test_void_partitions_equal_live_counts(
    curated: Any, plain: ox.Store, live: str, void: str
) -> None:
    expected = _rows(plain, live)
    assert len(expected) >= 5
    assert _rows(curated.store, void) == expected


LIVE_COUNTS = {
    "counts_by_predicate": "SELECT ?predicate ?sign (COUNT(?a) AS ?assertions) WHERE { "
    "?a a gb:Association ; rdf:predicate ?predicate ; gb:sign ?sign } GROUP BY ?predicate ?sign",
    "counts_by_category": "SELECT ?category ?parent (COUNT(DISTINCT ?node) AS ?nodes) WHERE { "
    "?node gb:curie ?curie ; a ?category . OPTIONAL { ?category rdfs:subClassOf ?parent } } "
    "GROUP BY ?category ?parent",
    "counts_by_evidence": "SELECT ?evidence ?label ?rank ?weight (COUNT(?a) AS ?assertions) "
    "(COUNT(?effect) AS ?withEffect) WHERE { ?a a gb:Association ; gb:evidenceType ?evidence . "
    "OPTIONAL { ?a gb:effect ?effect } ?evidence rdfs:label ?label ; gb:evidenceRank ?rank ; "
    "gb:evidenceWeight ?weight . } GROUP BY ?evidence ?label ?rank ?weight",
}


@pytest.mark.parametrize("name", sorted(LIVE_COUNTS))
def test_count_queries_give_the_live_answer(curated: Any, plain: ox.Store, name: str) -> None:
    """counts_by_* on the VoID equal the live aggregation they replaced, row for row."""
    answer = plain.query(
        LIVE_COUNTS[name], prefixes={**PREFIXES, "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
    )
    live = sorted(tuple(s[v].value if s[v] else None for v in answer.variables) for s in answer)  # type: ignore[union-attr]
    for engine in ("oxigraph", "rdflib"):  # rdflib's graph holds the description too
        result = run_query(
            CATALOG[name].text,
            store=curated.store,
            graph=curated.graph,
            engine=engine,  # type: ignore[arg-type]
        )
        got = sorted(tuple(t.value if t else None for t in row) for row in result.rows)
        assert [_numbers(r) for r in got] == [_numbers(r) for r in live] and len(live) >= 5


def _numbers(row: tuple[str | None, ...]) -> tuple[object, ...]:
    """Numbers compared by value (rdflib writes the decimal 1.0 as "1")."""
    out: list[object] = []
    for value in row:
        try:
            out.append(Decimal(value or "x").normalize())
        except InvalidOperation:
            out.append(value)
    return tuple(out)


def test_on_disk_store_gets_its_description(tmp_path: Path) -> None:
    data = tmp_path / "g.nt"
    a, p = "<http://e/a>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    data.write_text(
        f"{a} {p} <https://w3id.org/gutbone/vocab#Taxon> .\n"
        f'{a} <https://w3id.org/gutbone/vocab#curie> "NCBITaxon:1" .\n'
        f"<http://e/b> {p} <https://w3id.org/gutbone/vocab#Taxon> .\n",
        encoding="utf-8",
    )
    load_files(tmp_path / "store", [data])
    store = ox.Store.read_only(str(tmp_path / "store"))
    # 3 triples; gb:Taxon has 2 instances, 1 of them with a CURIE (worked out by hand)
    assert _rows(store, f"SELECT ?n WHERE {{ <{DATASET}> void:triples ?n }}") == {
        ('"3"^^<http://www.w3.org/2001/XMLSchema#integer>',)
    }
    assert _rows(store, "SELECT ?n WHERE { [] void:class gb:Taxon ; void:entities ?n }") == {
        ('"2"^^<http://www.w3.org/2001/XMLSchema#integer>',)
    }
    assert _rows(
        store, "SELECT ?n WHERE { [] a gbv:NodeClassPartition ; gbv:class gb:Taxon ; gbv:nodes ?n }"
    ) == {('"1"^^<http://www.w3.org/2001/XMLSchema#integer>',)}


def test_add_void_is_deterministic() -> None:
    text = '<http://e/a> <http://e/p> "x" .\n<http://e/b> <http://e/p> "y" .\n'
    first, second = memory_store(text), memory_store(text)
    assert add_void(first) == add_void(second)
    assert f'<{VOID}triples> "2"' in void_ntriples(memory_store(text))
