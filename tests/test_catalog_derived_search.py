"""``search_nodes`` on an on-disk store, through its name index, gives the query's own rows.

The name index (gutbone.name_index) only chooses where the query starts: for every text
below, the rows with the index's VALUES block must equal the rows of the same query run
without it (the scan of every name, as on a store in memory), duplicates included, and
the nodes the index finds must be exactly the nodes whose names pass the query's FILTER
(the live computation). Texts: Chinese, non-ASCII case (final sigma, dotted capital I,
sharp s), short and empty texts, text that looks like SPARQL, and seeded substrings of real
names in upper and lower case, on the curated graph and on a generated graph with extra
names.
"""

from __future__ import annotations

import importlib.util
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gutbone.identifiers import expand
from gutbone.name_index import INDEX_FILE, matching_nodes
from gutbone.query.catalog import bind_parameters, load_catalog
from gutbone.query.source import QuerySource, load_source
from gutbone.query.sparql import Term, run_query
from gutbone.resources import ontology_dir
from gutbone.store import load_files
from gutbone.void import DATASET

ROOT = Path(__file__).resolve().parent.parent
QUERY = load_catalog()["search_nodes"]
LIVE_NODES = (
    "SELECT DISTINCT ?node WHERE { { ?node rdfs:label ?name } UNION { ?node skos:altLabel ?name } "
    "FILTER(CONTAINS(LCASE(STR(?name)), LCASE(STR(?text)))) }"
)
FIXED_TEXTS = ["丁酸", "RANKL", "bone", "BONE", "a", "", "ß", "İ", "σ", "ΣΑΣ", "x> }",
               '" } ; DROP ALL ; #', "synthetic taxon 1", "Ärger", "ärger"]  # fmt: skip
# names the generated graph lacks: non-ASCII case pairs, Chinese, a synonym only
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
EXTRA_NAMES = (
    '{node} {alt} "ÄRGER-Faktor ΣΑΣ" .\n{node} {alt} "丁酸受体"@zh .\n'
    '{node} {alt} "İstanbul straße" .\n'
)


def _texts(source: QuerySource, count: int = 40) -> list[str]:
    """The fixed texts and ``count`` seeded substrings of the store's names."""
    answer = source.store.query(
        "SELECT ?name WHERE { { ?n <http://www.w3.org/2000/01/rdf-schema#label> ?name } UNION "
        "{ ?n <http://www.w3.org/2004/02/skos/core#altLabel> ?name } }"
    )
    names = sorted(str(s["name"].value) for s in answer)  # type: ignore[union-attr]
    rng = random.Random(19)
    texts = list(FIXED_TEXTS)
    for name in rng.sample(names, count):
        start = rng.randrange(len(name))
        piece = name[start : start + rng.randint(1, 8)]
        texts.append(piece.upper() if rng.random() < 0.5 else piece)
    return texts


def _rows(source: QuerySource, text: str, *, indexed: bool) -> list[tuple[Any, ...]]:
    bindings = bind_parameters(QUERY, {"text": text})
    values = source.index_values(QUERY, bindings) if indexed else {}
    assert ("node" in values) == indexed  # the index applies (or is left out) as meant
    result = run_query(QUERY.text, store=source.store, bindings=bindings, values=values)
    return sorted(result.rows, key=repr)


def _check(source: QuerySource) -> int:
    """Assert the indexed and plain rows agree for every text; the rows compared."""
    assert source.folder is not None
    compared = 0
    for text in _texts(source):
        indexed = _rows(source, text, indexed=True)
        assert indexed == _rows(source, text, indexed=False), text
        live = run_query(LIVE_NODES, store=source.store, bindings={"text": Term.literal(text)})
        expected = sorted(row[0].value for row in live.rows if row[0] is not None)
        assert matching_nodes(source.folder / INDEX_FILE, source.store, text) == expected, text
        compared += len(indexed)
    return compared


@pytest.fixture(scope="module")
def curated_on_disk(tmp_path_factory: pytest.TempPathFactory) -> QuerySource:
    plain = load_source().ntriples
    assert plain is not None
    folder = tmp_path_factory.mktemp("curated") / "store"
    load_files(folder, [], base=plain.split(f"<{DATASET}>", 1)[0])
    return load_source(store_dir=folder)


@pytest.fixture(scope="module")
def generated_on_disk(tmp_path_factory: pytest.TempPathFactory) -> QuerySource:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate
    spec.loader.exec_module(generate)
    folder = tmp_path_factory.mktemp("generated")
    graph = generate.generate(5_000, seed=3)
    generate.write(graph, folder / "g", 3)
    extra = folder / "extra.nt"
    node = f"<{expand(graph.node_ids[0])}>"
    extra.write_text(EXTRA_NAMES.format(node=node, alt=ALT), encoding="utf-8")
    # the extra names come in an --add file: the index covers every file loaded
    files = [ontology_dir() / "gutbone.ttl", folder / "g" / "graph.nt", extra]
    load_files(folder / "store", files)
    return load_source(store_dir=folder / "store")


def test_curated_graph_on_disk(curated_on_disk: QuerySource) -> None:
    assert _check(curated_on_disk) > 50
    chinese = _rows(curated_on_disk, "丁酸", indexed=True)
    assert chinese and all("丁酸" in row[4].value for row in chinese)


def test_generated_graph_with_added_names(generated_on_disk: QuerySource) -> None:
    assert _check(generated_on_disk) > 50
    # worked out by hand: LCASE("ÄRGER-Faktor ΣΑΣ") = "ärger-faktor σας" (final sigma)
    for text, matched in (("ärger", "ÄRGER-Faktor ΣΑΣ"), ("σας", "ÄRGER-Faktor ΣΑΣ"),
                          ("受体", "丁酸受体"), ("STRASSE", None), ("straße", "İstanbul straße")):  # fmt: skip
        rows = _rows(generated_on_disk, text, indexed=True)
        assert [row[4].value for row in rows] == ([matched] if matched else []), text


def test_a_store_with_blank_node_names_runs_without_index(tmp_path: Path) -> None:
    data = tmp_path / "g.nt"
    data.write_text(
        '_:b <http://www.w3.org/2000/01/rdf-schema#label> "butyrate" .\n'
        '<http://e/a> <http://www.w3.org/2000/01/rdf-schema#label> "butyrate pool" .\n',
        encoding="utf-8",
    )
    load_files(tmp_path / "store", [data])
    assert not (tmp_path / "store" / INDEX_FILE).exists()
    source = load_source(store_dir=tmp_path / "store")
    assert source.index_values(QUERY, bind_parameters(QUERY, {"text": "butyr"})) == {}


def test_an_iri_a_query_cannot_hold_makes_the_query_scan(tmp_path: Path) -> None:
    """A lenient load keeps an IRI with a space: VALUES cannot name it, the text runs."""
    data = tmp_path / "g.nt"
    data.write_text(
        '<http://e/a b> <http://www.w3.org/2000/01/rdf-schema#label> "butyrate" .\n',
        encoding="utf-8",
    )
    load_files(tmp_path / "store", [data])
    assert (tmp_path / "store" / INDEX_FILE).exists()
    source = load_source(store_dir=tmp_path / "store")
    assert source.index_values(QUERY, bind_parameters(QUERY, {"text": "butyr"})) == {}
    assert source.index_values(QUERY, bind_parameters(QUERY, {"text": "zzz"})) == {"node": []}


@pytest.mark.parametrize("folder", ["q?x", "h#x", "p%41", "s p"])
def test_a_store_folder_with_uri_characters(tmp_path: Path, folder: str) -> None:
    """The index is opened by a percent-encoded file: URI (``?`` once cut the path short)."""
    data = tmp_path / "g.nt"
    data.write_text(
        '<http://e/a> <http://www.w3.org/2000/01/rdf-schema#label> "Butyrate pool" .\n'
        '<http://e/b> <http://www.w3.org/2000/01/rdf-schema#label> "acetate" .\n',
        encoding="utf-8",
    )
    store_dir = tmp_path / folder / "store"
    load_files(store_dir, [data])
    source = load_source(store_dir=store_dir)
    assert matching_nodes(store_dir / INDEX_FILE, source.store, "BUTYR") == ["http://e/a"]


def test_cli_search_on_a_store_equals_the_curated_graph(curated_on_disk: QuerySource) -> None:
    """``gutbone sparql search_nodes --store DIR`` (index) prints what the in-memory run prints."""
    outputs = []
    for extra in (["--store", str(curated_on_disk.folder)], []):
        done = subprocess.run(  # noqa: S603 - this interpreter, the gutbone CLI
            [
                sys.executable,
                "-m",
                "gutbone",
                "sparql",
                "search_nodes",
                "--param",
                "text=丁酸",
                "--format",
                "tsv",
                *extra,
            ],  # fmt: skip
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and outputs[0].count("\n") > 1
