"""The catalog's ``+`` paths answered with the reachability index give the text's rows.

``downstream_of`` and ``taxon_metabolite_outcome`` are run two ways on the same store: as
their SPARQL text (Oxigraph evaluates the property path) and through
:func:`gutbone.query.closure.run_catalog_query` with the store's
:class:`~gutbone.query.reachability.ReachIndex`. The rows must be the same, in the same
order of the ORDER BY keys (rows tied on every key may be arranged differently: SPARQL
leaves their order open, so those are compared as multisets). Checked on a tiny graph whose
answer is written out by hand, on the curated graph for many parameter values, on a
generated graph (``benchmarks/generate.py``) with a taxon and metabolite hierarchy added,
and on on-disk stores (``build --store``, ``--add``, a store changed afterwards).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from gutbone.cli import main
from gutbone.identifiers import expand
from gutbone.query.catalog import bind, load_catalog
from gutbone.query.closure import find_closure, run_catalog_query, uses_index
from gutbone.query.reachability import (
    INDEX_FILE,
    ReachIndex,
    StaleIndexError,
    build_index,
    load_index,
)
from gutbone.query.source import load_source
from gutbone.query.sparql import QueryResult, Term, run_query
from gutbone.resources import VOCAB, ontology_dir
from gutbone.store import load_files, open_store

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog()
DOWNSTREAM = CATALOG["downstream_of"]
TAXON = CATALOG["taxon_metabolite_outcome"]
# the ORDER BY keys of each query (columns), for comparing tied rows as multisets
KEYS = {"downstream_of": ("directAssertions", "label"),
        "taxon_metabolite_outcome": ("memberLabel", "metaboliteLabel", "viaLabel")}  # fmt: skip


def _groups(result: QueryResult, keys: tuple[str, ...]) -> list[Counter[tuple[Any, ...]]]:
    """The rows cut into runs of equal ORDER BY keys, each run a multiset."""
    columns = [result.variables.index(k) for k in keys]
    groups: list[Counter[tuple[Any, ...]]] = []
    for _, run in itertools.groupby(result.rows, key=lambda r: tuple(r[c] for c in columns)):
        groups.append(Counter(run))
    return groups


def _both(store: ox.Store, index: ReachIndex, name: str, given: dict[str, str]) -> QueryResult:
    """Run ``name`` natively and as text; assert they agree; return the native result."""
    query = CATALOG[name]
    bindings = bind(query, given)
    text = run_query(query.text, store=store, bindings=bindings)
    native = run_catalog_query(query, store=store, bindings=bindings, index=index)
    assert native.variables == text.variables, given
    assert len(native.rows) == len(text.rows), given
    assert _groups(native, KEYS[name]) == _groups(text, KEYS[name]), given
    return native


# ---------------------------------------------------------------- a graph checked by hand

GB = VOCAB
HAND = f"""
<http://e/a> a <{GB}Metabolite> ; <http://www.w3.org/2000/01/rdf-schema#label> "a" .
<http://e/b> a <{GB}GeneProduct> ; <http://www.w3.org/2000/01/rdf-schema#label> "b" .
<http://e/c> a <{GB}BiologicalProcess> ; <http://www.w3.org/2000/01/rdf-schema#label> "c" .
<http://e/d> a <http://e/SubProcess> ; <http://www.w3.org/2000/01/rdf-schema#label> "d" .
<http://e/e> a <{GB}BiologicalProcess> ; <http://www.w3.org/2000/01/rdf-schema#label> "e" .
<http://e/SubProcess> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{GB}BiologicalProcess> .
<http://e/a> <{GB}increases> <http://e/b> .
<http://e/b> <{GB}binds> <http://e/c> .
<http://e/c> <{GB}produces> <http://e/d> .
<http://e/d> <{GB}decreases> <http://e/a> .
<http://e/e> <{GB}increases> <http://e/a> .
<http://e/a> <{GB}participates_in> <http://e/e> .
<http://e/f> a <{GB}Pathway> ; <http://www.w3.org/2000/01/rdf-schema#label> "f" ;
    <{GB}binds> [ a <{GB}Pathway> ; <http://www.w3.org/2000/01/rdf-schema#label> "blank" ] .
<http://e/x1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <http://e/a> ;
    <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <http://e/c> .
<http://e/x2> <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <http://e/a> ;
    <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <http://e/c> .
<http://e/x3> <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <http://e/a> ;
    <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <http://e/e> .
"""


@pytest.fixture(scope="module")
def hand() -> tuple[ox.Store, ReachIndex]:
    store = ox.Store()
    store.load(HAND.encode(), format=ox.RdfFormat.TURTLE)
    return store, build_index(store)


def _iri(local: str) -> Term:
    return Term.iri(f"http://e/{local}")


def _count(n: int) -> Term:
    return Term.literal(str(n), "http://www.w3.org/2001/XMLSchema#integer")


def test_downstream_of_by_hand(hand: tuple[ox.Store, ReachIndex]) -> None:
    """a -> b -> c -> d -> a is a cycle over causal predicates; e -> a, a participates_in e.

    From a: b, c, d and (round the cycle) a itself; e is not reached (participates_in is not
    one of downstream_of's predicates). Processes among them: c (2 direct assertions a -> c)
    and d (a SubProcess, a sub-class of BiologicalProcess; 0), ordered by count.
    """
    store, index = hand
    bp = Term.iri(GB + "BiologicalProcess")
    query_terms = {"start": _iri("a"), "category": bp}
    native = run_catalog_query(DOWNSTREAM, store=store, bindings=query_terms, index=index)
    expected = [
        (_iri("a"), bp, _iri("c"), Term.literal("c"), _count(2)),
        (_iri("a"), bp, _iri("d"), Term.literal("d"), _count(0)),
    ]
    assert list(native.rows) == expected
    assert list(run_query(DOWNSTREAM.text, store=store, bindings=query_terms).rows) == expected
    metabolite = {"start": _iri("a"), "category": Term.iri(GB + "Metabolite")}
    native = run_catalog_query(DOWNSTREAM, store=store, bindings=metabolite, index=index)
    # a reaches itself round the cycle (one or more hops), with no a -> a assertion
    assert list(native.rows) == [
        (_iri("a"), Term.iri(GB + "Metabolite"), _iri("a"), Term.literal("a"), _count(0))
    ]
    from_e = {"start": _iri("e"), "category": bp}
    native = run_catalog_query(DOWNSTREAM, store=store, bindings=from_e, index=index)
    # e -> a -> b -> c -> d: c and d; e itself is not reached back (participates_in)
    assert [row[2] for row in native.rows] == [_iri("c"), _iri("d")]
    assert [row[4] for row in native.rows] == [_count(0), _count(0)]
    # a blank node reached (VALUES cannot name one): the same row as the text
    from_f = {"start": _iri("f"), "category": Term.iri(GB + "Pathway")}
    native = run_catalog_query(DOWNSTREAM, store=store, bindings=from_f, index=index)
    assert [(row[2].kind, row[3]) for row in native.rows] == [("bnode", Term.literal("blank"))]
    assert native.rows == run_query(DOWNSTREAM.text, store=store, bindings=from_f).rows


def test_reached_by_hand(hand: tuple[ox.Store, ReachIndex]) -> None:
    _, index = hand
    causal = [GB + p for p in ("increases", "decreases", "binds", "produces")]
    assert index.reached(["<http://e/b>"], causal) == {
        "<http://e/a>", "<http://e/b>", "<http://e/c>", "<http://e/d>"
    }  # fmt: skip
    assert index.reached(["<http://e/e>"], [GB + "increases"]) == {"<http://e/a>", "<http://e/b>"}
    assert index.reached(["<http://e/c>"], causal, backward=True) == {
        "<http://e/a>", "<http://e/b>", "<http://e/c>", "<http://e/d>", "<http://e/e>"
    }  # fmt: skip
    assert index.reached(["<http://e/nowhere>"], causal) == frozenset()
    mask = index.instances("<" + GB + "BiologicalProcess>")
    assert {index.nodes[i] for i in mask.nonzero()[0]} == {
        "<http://e/c>", "<http://e/d>", "<http://e/e>"
    }  # fmt: skip


TAXON_HAND = """
@prefix gb: <https://w3id.org/gutbone/vocab#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix e: <http://e/> .
e:genus a gb:Taxon ; rdfs:label "genus" ; skos:broader e:family .
e:family a gb:Taxon ; rdfs:label "family" ; gb:produces e:butyrate .
e:genus gb:produces e:lactate , e:loop1 .
e:butyrate a gb:Metabolite ; rdfs:label "butyrate" ; skos:broader e:scfa .
e:scfa a gb:Metabolite ; rdfs:label "SCFA" ; gb:increases e:treg .
e:lactate a gb:Metabolite ; rdfs:label "lactate" .
e:loop1 a gb:Metabolite ; rdfs:label "loop1" ; gb:increases e:loop2 .
e:loop2 a gb:Metabolite ; rdfs:label "loop2" ; gb:increases e:loop1 .
e:treg a gb:ImmuneCell ; rdfs:label "Treg" ; gb:decreases e:heel .
e:heel a gb:BoneOutcome ; rdfs:label "heel BMD" ; skos:broader e:bmd .
e:bmd a gb:BoneOutcome ; rdfs:label "BMD" .
"""


def test_taxon_metabolite_outcome_by_hand() -> None:
    """genus inherits family's claims; butyrate inherits SCFA's; loop1 <-> loop2 reach nothing.

    One chain: family produces butyrate, butyrate's broader class SCFA increases Treg, Treg
    decreases heel BMD, a narrower outcome of BMD. lactate has no chain; loop1 and loop2
    only reach each other (and themselves). The zero-hop case (a metabolite that *is* the
    outcome) cannot match: the path needs one edge or more.
    """
    store = ox.Store()
    store.load(path=str(ontology_dir() / "gutbone.ttl"), format=ox.RdfFormat.TURTLE)
    store.load(TAXON_HAND.encode(), format=ox.RdfFormat.TURTLE)
    index = build_index(store)
    bindings = {"taxon": _iri("genus"), "outcome": _iri("bmd")}
    expected = [
        (_iri("genus"), _iri("family"), Term.literal("family"), Term.iri(GB + "produces"),
         _iri("butyrate"), Term.literal("butyrate"), _iri("scfa"), Term.literal("SCFA"),
         _iri("bmd"), Term.literal("BMD")),
    ]  # fmt: skip
    native = run_catalog_query(TAXON, store=store, bindings=bindings, index=index)
    assert list(native.rows) == expected
    assert list(run_query(TAXON.text, store=store, bindings=bindings).rows) == expected
    for outcome, metabolites in (
        ("loop2", [_iri("loop1")]),  # one hop
        ("loop1", [_iri("loop1")]),  # round the loop: two hops back to itself
        ("lactate", []),  # only "zero hops": no chain
    ):
        given = {"taxon": _iri("genus"), "outcome": _iri(outcome)}
        rows = run_catalog_query(TAXON, store=store, bindings=given, index=index).rows
        assert [row[4] for row in rows] == metabolites
        assert run_query(TAXON.text, store=store, bindings=given).rows == rows


def test_taxon_metabolite_outcome_repeats_by_hand() -> None:
    """Two labels give two rows, no label none, two outcomes reached one row (DISTINCT).

    Added to the graph above: SCFA has a second label; Treg also decreases BMD itself, so
    SCFA reaches both heel BMD and BMD (two values of the unprojected ?reached, one row
    each label after DISTINCT); butyrate's broader class "nolabel" increases Treg but has
    no label (rdfs:label is an inner join: no row). Ordered by viaLabel: "SCFA" before
    "short-chain fatty acid" (S, U+0053, before s, U+0073). The type check
    ``a/rdfs:subClassOf* gb:Chemical``: a gene and an untyped node the family increases,
    each increasing Treg, give no row; "subm", of a sub-class of gb:Metabolite and of
    gb:Metabolite itself (two type paths, one row), gives one, after butyrate's.
    """
    store = ox.Store()
    store.load(path=str(ontology_dir() / "gutbone.ttl"), format=ox.RdfFormat.TURTLE)
    extra = """
e:scfa rdfs:label "short-chain fatty acid" .
e:treg gb:decreases e:bmd .
e:butyrate skos:broader e:nolabel .
e:nolabel a gb:Metabolite ; gb:increases e:treg .
e:family gb:increases e:gene , e:untyped ; gb:produces e:subm .
e:gene a gb:GeneProduct ; rdfs:label "gene" ; gb:increases e:treg .
e:untyped rdfs:label "untyped" ; gb:increases e:treg .
e:Sub rdfs:subClassOf gb:Metabolite .
e:subm a e:Sub , gb:Metabolite ; rdfs:label "subm" ; gb:increases e:treg .
"""
    store.load((TAXON_HAND + extra).encode(), format=ox.RdfFormat.TURTLE)
    index = build_index(store)
    bindings = {"taxon": _iri("genus"), "outcome": _iri("bmd")}
    head = (_iri("genus"), _iri("family"), Term.literal("family"), Term.iri(GB + "produces"),
            _iri("butyrate"), Term.literal("butyrate"), _iri("scfa"))  # fmt: skip
    tail = (_iri("bmd"), Term.literal("BMD"))
    subm = (_iri("genus"), _iri("family"), Term.literal("family"), Term.iri(GB + "produces"),
            _iri("subm"), Term.literal("subm"), _iri("subm"), Term.literal("subm"))  # fmt: skip
    expected = [
        (*head, Term.literal("SCFA"), *tail),
        (*head, Term.literal("short-chain fatty acid"), *tail),
        (*subm, *tail),
    ]
    assert list(run_catalog_query(TAXON, store=store, bindings=bindings, index=index).rows) == (
        expected
    )
    assert list(run_query(TAXON.text, store=store, bindings=bindings).rows) == expected


# ---------------------------------------------------------------- the curated graph


@pytest.fixture(scope="module")
def curated() -> tuple[ox.Store, ReachIndex]:
    store = load_source(with_graph=False).store
    return store, build_index(store)


def _curies(store: ox.Store, pattern: str) -> list[str]:
    rows = run_query(f"SELECT DISTINCT ?c WHERE {{ {pattern} ?n gb:curie ?c }} ORDER BY ?c",
                     store=store).rows  # fmt: skip
    return [row[0].value for row in rows if row[0] is not None]


def test_native_only_for_the_bundled_texts() -> None:
    assert uses_index(DOWNSTREAM) and uses_index(TAXON)
    assert not uses_index(CATALOG["neighbourhood"])
    changed = type(TAXON)(**{**TAXON.__dict__, "text": TAXON.text.replace("DISTINCT ", "")})
    assert not uses_index(changed)  # a changed text runs as written
    closure = find_closure(TAXON.text)
    assert closure is not None and (closure.subject, closure.object) == ("via", "reached")
    assert len(closure.predicates) == 13


def test_downstream_of_on_the_curated_graph(curated: tuple[ox.Store, ReachIndex]) -> None:
    store, index = curated
    starts = _curies(store, "?n gb:increases|gb:decreases|gb:binds|gb:produces [] .")
    assert len(starts) > 40
    categories = ("BiologicalProcess", "GeneProduct", "Metabolite", "BoneOutcome", "ImmuneCell")
    nonempty = 0
    for start in starts[::7] + ["CHEBI:15724", "CHEBI:16412"]:
        for category in categories:
            result = _both(store, index, "downstream_of", {"start": start, "category": category})
            nonempty += bool(result.rows)
    assert nonempty > 10  # many combinations have rows, and some have none


def test_taxon_metabolite_outcome_on_the_curated_graph(
    curated: tuple[ox.Store, ReachIndex],
) -> None:
    store, index = curated
    taxa = _curies(store, "?n a gb:Taxon .")
    outcomes = ["OBA:1000110", *_curies(store, "?n a gb:BoneOutcome .")[:4]]
    with_rows = 0
    for taxon in taxa[::6] + ["NCBITaxon:186803"]:
        for outcome in outcomes:
            result = _both(store, index, "taxon_metabolite_outcome",
                           {"taxon": taxon, "outcome": outcome})  # fmt: skip
            with_rows += bool(result.rows)
    assert with_rows >= 3


# ---------------------------------------------------------------- a generated graph


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A 10,000-edge generated graph plus a taxon, metabolite and outcome hierarchy, on disk."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    generate = importlib.import_module("generate")
    folder = tmp_path_factory.mktemp("reach")
    graph = generate.generate(10_000, seed=5)
    generate.write(graph, folder / "g", 5)
    by_category: dict[str, list[str]] = {}
    for node, category in zip(graph.node_ids, graph.node_category, strict=True):
        by_category.setdefault(category, []).append(node)
    lines = []
    broader = "<http://www.w3.org/2004/02/skos/core#broader>"
    for nodes in by_category.values():  # chains of broader terms in every category
        for child, parent in zip(nodes[1:40:3], nodes[2:40:3], strict=False):
            lines.append(f"<{expand(child)}> {broader} <{expand(parent)}> .")
    extra = folder / "hierarchy.nt"
    extra.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store_dir = folder / "store"
    load_files(store_dir, [ontology_dir() / "gutbone.ttl", folder / "g" / "graph.nt", extra])
    return store_dir, by_category


def test_generated_graph_equals_the_text(generated: tuple[Path, Any]) -> None:
    store_dir, by_category = generated
    index = load_index(store_dir)  # written by load_files
    store = open_store(store_dir)
    taxa, metabolites = by_category["Taxon"], by_category["Metabolite"]
    outcomes = by_category["BoneOutcome"]
    downstream_rows = 0
    for start in metabolites[:12] + taxa[:3]:
        for category in ("BiologicalProcess", "GeneProduct", "BoneOutcome", "Receptor"):
            result = _both(store, index, "downstream_of", {"start": start, "category": category})
            downstream_rows += len(result.rows)
    assert downstream_rows > 50
    taxon_rows = 0
    for taxon, outcome in zip(taxa[:10], outcomes[:10] * 2, strict=False):
        result = _both(store, index, "taxon_metabolite_outcome",
                       {"taxon": taxon, "outcome": outcome})  # fmt: skip
        taxon_rows += len(result.rows)
    assert taxon_rows > 10


# ---------------------------------------------------------------- on-disk stores


def _cli_rows(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[str, str]:
    assert main(["sparql", *args, "--format", "tsv"]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_store_add_and_stale_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """build --store writes the index; --add rebuilds it; a store changed behind gutbone's
    back makes it stale, and the CLI then runs the text (same rows) and says so."""
    source = load_source(with_graph=False)
    assert source.ntriples is not None
    store_dir = tmp_path / "store"
    load_files(store_dir, [], base=source.ntriples)
    assert (store_dir / INDEX_FILE).is_file()
    params = ["--param", "start=CHEBI:15724", "--param", "category=BiologicalProcess"]
    before, note = _cli_rows(capsys, "downstream_of", "--store", str(store_dir), *params)
    assert note.count("note:") == 0 and len(before.splitlines()) > 3
    # --add: a new chain TMAO -> new process (through a new gene)
    added = tmp_path / "added.nt"
    gene, process = "http://e/newgene", "http://e/newprocess"
    added.write_text(
        f"<{expand('CHEBI:15724')}> <{GB}increases> <{gene}> .\n"
        f"<{gene}> <{GB}increases> <{process}> .\n"
        f"<{process}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GB}BiologicalProcess> .\n"
        f'<{process}> <http://www.w3.org/2000/01/rdf-schema#label> "new process" .\n',
        encoding="utf-8",
    )
    load_files(store_dir, [added], base=source.ntriples)  # what `build --store --add` runs
    after, note = _cli_rows(capsys, "downstream_of", "--store", str(store_dir), *params)
    assert "new process" in after and "new process" not in before and "note:" not in note
    store = open_store(store_dir)
    index = load_index(store_dir)
    for given in ({"start": "CHEBI:15724", "category": "BiologicalProcess"},
                  {"start": "CHEBI:16412", "category": "GeneProduct"}):  # fmt: skip
        _both(store, index, "downstream_of", given)
    _both(store, index, "taxon_metabolite_outcome", {})
    del store
    # changed without gutbone: the index no longer matches the store's files
    writable = open_store(store_dir, read_only=False)
    writable.add(ox.Quad(ox.NamedNode(expand("CHEBI:15724")), ox.NamedNode(GB + "increases"),
                         ox.NamedNode("http://e/other")))  # fmt: skip
    writable.flush()
    del writable
    with pytest.raises(StaleIndexError, match="rebuild it"):
        load_index(store_dir)
    text_rows, note = _cli_rows(capsys, "downstream_of", "--store", str(store_dir), *params)
    assert text_rows == after and "written for other store content" in note
    (store_dir / INDEX_FILE).unlink()
    with pytest.raises(StaleIndexError, match="has no reachability index"):
        load_index(store_dir)
