"""``gutbone paths``: formats, engines and exit codes on ``fixtures/paths/toy``."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from gutbone.cli import main

TOY = str(Path(__file__).parent / "fixtures" / "paths" / "toy")
GIGAD = str(Path(__file__).parent / "fixtures" / "paths" / "gigad")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["paths", "--data", TOY, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "毛螺菌科", "--to", "BMD")
    assert code == 0
    lines = out.splitlines()
    # mechanistic paths first; the MR association e6 (best score) in its own section after
    assert lines[0] == "1. score 0.15  net sign +1  (2 hops)"
    associative = lines.index("== associative paths (an association hop: no net sign) ==")
    assert lines[associative + 2] == "4. score 0.8  net sign none (associative)  (1 hop)"
    assert "--associated_with, association (+1)--> bone density [BoneOutcome] EFO:0003923" in out
    assert "mendelian_randomization (weight 0.8); toy, Fig. 2; e6; effect MR_beta 0.04" in out
    assert "effect MD 0.050 [0.010, 0.100] p=0.012" in out
    code, out, _ = run(capsys, "--from", "毛螺菌科", "--to", "BMD", "--order", "score")
    assert out.splitlines()[0] == "1. score 0.8  net sign none (associative)  (1 hop)"
    assert "== associative paths" not in out  # one list by score: no sections


def test_json_is_a_list_of_path_objects(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--from", "Lachnospiraceae", "--to", "BMD", "--format", "json")
    assert code == 0
    paths = json.loads(out)
    assert [p["score"] for p in paths] == pytest.approx([0.15, 0.018, 0.0135, 0.8])
    assert [p["kind"] for p in paths] == ["mechanistic"] * 3 + ["associative"]
    assert [p["net_sign"] for p in paths] == [1, 1, 1, None]
    assert [hop["edge_id"] for hop in paths[1]["hops"]] == ["e1", "e2", "e3", "e4"]
    assert set(paths[0]) >= {"nodes", "labels", "hops", "net_sign", "score", "kind"}
    assert paths[3]["hops"][0]["locator"] == "Fig. 2"


def test_csv_one_row_per_hop(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--from", "Lachnospiraceae", "--to", "BMD", "--format", "csv",
        "--min-evidence", "review_claim", "--predicates", "produces,affects", "--top", "1",
    )  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["path"], r["hop"], r["predicate"], r["edge_id"]) for r in rows] == [
        ("1", "1", "produces", "e1"),
        ("1", "2", "increases", "e5"),
    ]
    assert rows[1]["locator"] == "Table 2" and rows[1]["sign"] == "1"


def test_metapath(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--from", "Taxon", "--to", "bone density", "--metapath",
        "Taxon>Metabolite>CellType>BiologicalProcess>BoneOutcome", "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert [p["nodes"][2] for p in json.loads(out)] == ["CL:0000815"]


def test_sparse_engine(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["paths", "--data", GIGAD, "--from", "GeneProduct", "--to", "MS", "--metapath",
         "GeneProduct>GeneProduct>Disease", "--engine", "sparse", "--damping", "0.5",
         "--format", "json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    records = {r["source_label"]: r for r in json.loads(captured.out)}
    assert records["IRF1"]["dwpc"] == pytest.approx(0.25 + 0.25 + 32**-0.5)
    assert records["IRF1"]["path_count"] == 3
    assert "pair(s) with a path" in captured.err
    code, out, _ = run(
        capsys, "--from", "Taxon", "--to", "BMD", "--metapath", "Taxon>Metabolite>BoneOutcome",
        "--engine", "sparse",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[2].split()[:2] == ["NCBITaxon:186803", "Lachnospiraceae"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "Bifidobacterium", "--to", "BMD"], "unknown node 'Bifidobacterium'"),
        (["--from", "gut metabolite", "--to", "BMD"], "ambiguous node 'gut metabolite'"),
        (["--from", "vitamin K", "--to", "BMD"], "unreachable"),
        (["--from", "Taxon", "--to", "BMD", "--metapath", "Taxon>Bug>BoneOutcome"],
         "unknown category 'Bug'"),
        (["--from", "Taxon", "--to", "BMD", "--metapath", "Taxon>BoneOutcome>Metabolite"],
         "impossible metapath"),
        (["--from", "Taxon", "--to", "BMD", "--min-evidence", "strong"],
         "unknown evidence level 'strong'"),
        (["--from", "Taxon", "--to", "BMD", "--predicates", "makes"], "unknown predicate 'makes'"),
        (["--from", "butyrate", "--to", "BMD", "--metapath", "Taxon>Metabolite>BoneOutcome",
          "--engine", "sparse"], "starts at Taxon, but 'butyrate' is not a Taxon"),
        (["--from", "Taxon", "--to", "Treg", "--metapath", "Taxon>Metabolite>BoneOutcome",
          "--engine", "sparse"], "ends at BoneOutcome, but 'Treg' is not a BoneOutcome"),
    ],
)  # fmt: skip
def test_bad_input_exits_1(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 1
    assert out == ""
    lines = [line for line in err.splitlines() if not line.startswith("gutbone: data folder ")]
    assert lines[0].startswith("error: ") and message in err


def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:  # as if the spark extra were not installed
        patch.setitem(sys.modules, "pyspark", None)
        code, _, err = run(capsys, "--from", "Taxon", "--to", "BMD", "--engine", "spark")
    assert code == 2 and "not available: install the spark extra" in err
    code, _, err = run(capsys, "--from", "Taxon", "--to", "BMD", "--engine", "sparse")
    assert code == 2 and "--metapath" in err
    with pytest.raises(SystemExit) as info:
        run(capsys, "--from", "Taxon")
    assert info.value.code == 2
