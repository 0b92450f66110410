"""The on-disk graph cache: hits, invalidation by a table edit, concurrent cold runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gutbone import cache
from gutbone.query.source import load_source
from gutbone.query.sparql import run_query

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "paths" / "toy"
LABEL_QUERY = (
    "SELECT ?label WHERE { <http://purl.obolibrary.org/obo/CHEBI_17968> rdfs:label ?label }"
)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(folder))
    return folder


def _label(folder: Path) -> str:
    result = run_query(LABEL_QUERY, store=load_source(folder, with_graph=False).store)
    (row,) = result.rows
    assert row[0] is not None
    return row[0].value


def test_a_second_load_uses_the_cache(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = shutil.copytree(TOY, tmp_path / "data")
    first = load_source(data, with_graph=False)
    entries = list(cache_dir.glob("graph-*/graph.nt"))
    assert len(entries) == 1 and entries[0].read_text(encoding="utf-8") == first.ntriples

    import gutbone.pipeline

    def no_build(*_: object, **__: object) -> None:
        raise AssertionError("the graph was rebuilt")

    monkeypatch.setattr(gutbone.pipeline, "build_knowledge_graph", no_build)
    second = load_source(data, with_graph=True)
    assert second.ntriples == first.ntriples
    assert second.graph is not None and len(second.graph) == len(second.store)


def test_a_table_edit_invalidates_the_cache(cache_dir: Path, tmp_path: Path) -> None:
    data = shutil.copytree(TOY, tmp_path / "data")
    assert _label(data) == "butyrate"
    nodes = next((data / "nodes").glob("*.csv"))
    nodes.write_text(
        nodes.read_text(encoding="utf-8").replace("CHEBI:17968,butyrate,", "CHEBI:17968,butanoate,"),
        encoding="utf-8",
    )
    assert _label(data) == "butanoate"
    assert len(list(cache_dir.glob("graph-*"))) == 2  # both versions kept (at most KEEP)
    assert cache.cache_key(data) != cache.cache_key(TOY)


def test_only_the_newest_entries_are_kept(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    data = shutil.copytree(TOY, tmp_path / "data")
    for version in range(4):
        (data / "notes.txt").write_text(str(version), encoding="utf-8")
        assert cache.cached_bytes("x", data, lambda v=version: str(v).encode()) == str(
            version
        ).encode()
    assert len(list(cache_dir.glob("graph-*"))) == 2
    assert not list(cache_dir.glob(".tmp-*"))


def test_an_unwritable_cache_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker / "cache"))
    assert cache.cached_bytes("x", TOY, lambda: b"built") == b"built"


def test_two_concurrent_cold_sparql_runs_agree(tmp_path: Path) -> None:
    data = shutil.copytree(TOY, tmp_path / "data")
    env = dict(os.environ, **{cache.CACHE_ENV: str(tmp_path / "cache")})
    command = [sys.executable, "-m", "gutbone", "sparql", "counts_by_predicate",
               "--data", str(data), "--format", "json"]  # fmt: skip
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    first, second = (json.loads(out) for out, _ in outputs)
    assert first == second
    # the toy graph has 9 assertions: e1 produces, 3 x increases, 3 x decreases, affects,
    # associated_with (tests/fixtures/paths/toy/edges/toy.csv)
    counts = {
        row["predicate"]["value"].rsplit("#", 1)[1]: int(row["assertions"]["value"])
        for row in first["results"]["bindings"]
    }
    assert counts == {"produces": 1, "increases": 3, "decreases": 3, "affects": 1,
                      "associated_with": 1}  # fmt: skip
    assert len(list((tmp_path / "cache").glob("graph-*/graph.nt"))) == 1
    assert not list((tmp_path / "cache").glob(".tmp-*"))
