"""`gutbone build`, `validate` and `report`: outputs, exit codes and atomic writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from gutbone.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"


def test_validate_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURE)]) == 0
    assert "conforms" in capsys.readouterr().out

    broken = tmp_path / "data"
    shutil.copytree(FIXTURE, broken)
    edges = broken / "edges" / "core.csv"
    edges.write_text(edges.read_text().replace("e1,NCBITaxon:186803,produces", "e1,NCBITaxon:186803,makes"))
    assert main(["validate", str(broken)]) == 1
    err = capsys.readouterr().err
    assert f"error: {broken}/edges/core.csv:2:predicate: 'makes' is not a known predicate" in err.replace(
        str(Path.cwd()) + "/", ""
    ) or "edges/core.csv:2:predicate: 'makes' is not a known predicate" in err

    # a CSV file inside a data folder validates that folder
    assert main(["validate", str(broken / "edges" / "core.csv")]) == 1
    assert main(["validate", str(tmp_path / "missing")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_validate_rdf_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--data", str(FIXTURE), "--out", str(tmp_path)]) == 0
    assert main(["validate", str(tmp_path / "gutbone.ttl")]) == 0
    graph = Graph().parse(tmp_path / "gutbone.ttl")
    for triple in list(graph.triples((None, None, None))):
        if str(triple[1]).endswith("#quote"):
            graph.remove(triple)
    graph.serialize(tmp_path / "broken.ttl", format="turtle")
    assert main(["validate", str(tmp_path / "broken.ttl")]) == 1
    assert "an association has a quote or an evidence statement" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "gutbone", "validate", "--no-such-flag"], capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "unrecognized arguments" in run.stderr


def test_build_writes_three_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--data", str(FIXTURE), "--out", str(tmp_path / "out")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["gutbone.jsonld", "gutbone.nt", "gutbone.ttl"]
    out = capsys.readouterr().out
    assert "built 4 nodes, 3 assertions" in out
    counts = {len(Graph().parse(tmp_path / "out" / n)) for n in names}
    assert len(counts) == 1  # the three files hold the same triples


def test_failed_build_leaves_no_file(tmp_path: Path) -> None:
    broken = tmp_path / "data"
    shutil.copytree(FIXTURE, broken)
    (broken / "nodes" / "core.csv").write_text("id,label,category,source\nFOO:1,x,Taxon,toy\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "gutbone.ttl").write_text("previous good build")
    assert main(["build", "--data", str(broken), "--out", str(out)]) == 1
    assert (out / "gutbone.ttl").read_text() == "previous good build"
    assert sorted(p.name for p in out.iterdir()) == ["gutbone.ttl"]  # no temp files left


def test_report_writes_index(tmp_path: Path) -> None:
    assert main(["report", "--data", str(FIXTURE), "--out", str(tmp_path / "r")]) == 0
    html = (tmp_path / "r" / "index.html").read_text()
    assert "valid: tables checked, graph conforms" in html
    assert '<td>Taxon</td><td class="num">2</td>' in html
    assert (tmp_path / "r" / "graph" / "gutbone.ttl").is_file()


def test_report_lists_problems_and_escapes_them(tmp_path: Path) -> None:
    broken = tmp_path / "data"
    shutil.copytree(FIXTURE, broken)
    edges = broken / "edges" / "core.csv"
    edges.write_text(edges.read_text().replace(",produces,", ",<script>alert(1)</script>,"))
    assert main(["report", "--data", str(broken), "--out", str(tmp_path / "r")]) == 1
    html = (tmp_path / "r" / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_build_store_is_a_persistent_oxigraph_store(tmp_path: Path) -> None:
    import pyoxigraph as ox

    store_dir = tmp_path / "store"
    for _ in range(2):  # a second build replaces the store in place
        assert main(["build", "--data", str(FIXTURE), "--out", str(tmp_path / "out"), "--store", str(store_dir)]) == 0
    store = ox.Store.read_only(str(store_dir))
    rows = list(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?a a <https://w3id.org/gutbone/vocab#Association> }"))
    assert rows[0]["n"].value == "3"
    # the store's VoID description (gutbone.void) counts the triples loaded
    (row,) = store.query(
        "SELECT ?n WHERE { <https://w3id.org/gutbone/void> <http://rdfs.org/ns/void#triples> ?n }"
    )
    assert int(row["n"].value) == len(Graph().parse(tmp_path / "out" / "gutbone.nt"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "store"]  # no staging folder left
