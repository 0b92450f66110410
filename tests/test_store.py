"""gutbone.store: in-memory and on-disk Oxigraph stores, built, loaded, opened and swapped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal, URIRef

from gutbone.errors import InputError, OutputError, QueryError
from gutbone.rdf import RDF_FORMATS, TEXT_FORMATS, format_of, suffixes
from gutbone.store import build_store, is_store_file, load_files, memory_store, open_store
from gutbone.void import DATASET


def _graph(*objects: str) -> Graph:
    graph = Graph()
    for text in objects:
        graph.add((URIRef("http://e/a"), URIRef("http://e/p"), Literal(text)))
    return graph


def test_memory_store_from_graph_text_and_bytes() -> None:
    nt = '<http://e/a> <http://e/p> "x" .\n<http://e/a> <http://e/p> "y" .\n'
    assert len(memory_store(_graph("x", "y"))) == 2
    assert len(memory_store(nt)) == 2
    assert len(memory_store(nt.encode())) == 2


def _data_triples(store: Any) -> int:
    """Triples of the store that are not its VoID description (gutbone.void)."""
    return sum(1 for quad in store if not quad.subject.value.startswith(DATASET))


def test_build_store_replaces_a_store_as_a_whole(tmp_path: Path) -> None:
    target = tmp_path / "store"
    assert build_store(_graph("x", "y", "z"), target) == target
    assert _data_triples(open_store(target)) == 3
    build_store(_graph("x"), target)  # replaced, not merged
    assert _data_triples(open_store(target)) == 1
    assert all(is_store_file(p.name) for p in target.iterdir())
    assert not [p.name for p in tmp_path.iterdir() if p.name != "store"]  # no staging left


def test_build_store_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(OutputError, match="did not write"):
        build_store(_graph("x"), tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_open_store_modes_and_errors(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="no such store folder"):
        open_store(tmp_path / "missing")
    build_store(_graph("x"), tmp_path / "store")
    writable = open_store(tmp_path / "store", read_only=False)
    writable.add(next(iter(memory_store(_graph("y")))))
    writable.flush()
    del writable
    assert _data_triples(open_store(tmp_path / "store")) == 2


def test_load_files_reports_every_bad_path_before_building(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_files(tmp_path / "store", [tmp_path / "missing.nt", tmp_path / "c.csv"])
    messages = [p.message for p in caught.value.problems]
    assert messages[0] == "no such file"
    assert messages[1].startswith("unknown RDF file suffix (known: .json, .jsonld, .nq, .nt,")
    assert not (tmp_path / "store").exists()


def test_one_rdf_format_table() -> None:
    """Every reader takes its suffixes and parser names from rdf.RDF_FORMATS."""
    assert TEXT_FORMATS == ("ttl", "nt", "jsonld")
    assert suffixes(TEXT_FORMATS) == (".ttl", ".nt", ".jsonld", ".json")
    assert format_of("x.TTL") == "ttl" and format_of("x.owl") == "rdfxml"
    assert format_of("x.owl", TEXT_FORMATS) is None and format_of("x.csv") is None
    assert {name: RDF_FORMATS[name].rdflib for name in TEXT_FORMATS} == {
        "ttl": "turtle", "nt": "nt", "jsonld": "json-ld"
    }  # fmt: skip
