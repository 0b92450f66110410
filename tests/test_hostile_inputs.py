"""Hostile input (issue 18, items 4, 7, 9 and 10): every case ends as exit 1 with one
``file:row:field: what is wrong`` line, never an internal error, and ``validate`` rejects
whatever ``build`` rejects, first.

Each table case mutates a small valid data folder (``fixtures/data_small`` plus one pooled
outcome and its study file), then runs ``gutbone validate`` and ``gutbone build`` in-process
and checks both exit codes and the exact message line.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.curation import OUTCOME_COLUMNS

BASE = Path(__file__).parent / "fixtures" / "data_small"
STUDIES = "study,yi,vi\nA,0.04,0.001\nB,0.06,0.002\nC,0.05,0.0015\n"
EDGE_RULE = (
    "at most 128 characters: ASCII letters, digits and ._:~-, starting with a letter or digit"
)
OUTCOME_RULE = (
    "at most 128 characters: ASCII letters, digits and ._-, starting with a letter or digit"
)
RANGE = "is out of range: magnitude must be 0 or between 1e-307 and 1e+307"
USABLE = "is out of range: magnitude must be 0 or between 1e-12 and 1e+12 here"


def run(*argv: str) -> tuple[int, str]:
    """Run the CLI in-process; return its exit code and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, err.getvalue()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid data folder ``data/`` (the working directory is its parent)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "data"
    shutil.copytree(BASE, root)
    (root / "studies").mkdir()
    (root / "studies" / "s.csv").write_text(STUDIES, encoding="utf-8")
    outcome = {"id": "o1", "edge": "e2", "study_file": "s.csv", "measure": "MD", "model": "DL"}
    write_rows(
        root / "outcomes.csv",
        [list(OUTCOME_COLUMNS), [outcome.get(c, "") for c in OUTCOME_COLUMNS]],
    )
    return root


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell (``row`` counts the header as 1)."""
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def append_row(path: Path, **cells: str) -> None:
    rows = read_rows(path)
    rows.append([cells.get(name, "") for name in rows[0]])
    write_rows(path, rows)


def assert_rejected(root: Path, expected: str) -> str:
    """``validate`` and ``build`` both exit 1 with ``expected`` as one error line."""
    out = root.parent / "out"
    stderr = ""
    for argv in (("validate", str(root)), ("build", "--data", str(root), "--out", str(out))):
        code, stderr = run(*argv)
        assert code == 1, (argv, stderr)
        assert f"error: {expected}" in stderr.splitlines(), stderr
        assert "internal error" not in stderr and "Traceback" not in stderr
    assert not out.exists()  # nothing written
    return stderr


def test_the_base_folder_is_valid(data: Path, tmp_path: Path) -> None:
    assert run("validate", str(data))[0] == 0
    assert run("build", "--data", str(data), "--out", str(tmp_path / "out"))[0] == 0


# --------------------------------------------------------------------- encodings (item 9)


def test_latin1_table(data: Path) -> None:
    raw = (data / "sources.csv").read_text(encoding="utf-8").replace("toy review", "revue café")
    (data / "sources.csv").write_bytes(raw.encode("latin-1"))
    offset = raw.encode("latin-1").index(b"\xe9")
    assert_rejected(
        data,
        f"data/sources.csv:2:-: not UTF-8: byte 0xe9 at offset {offset} cannot be decoded "
        "(the file looks like Windows-1252 / Latin-1); save it as UTF-8",
    )


def test_utf16_table_with_bom(data: Path) -> None:
    path = data / "nodes" / "core.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    assert_rejected(
        data, "data/nodes/core.csv:1:-: the file is UTF-16 (byte-order mark); save it as UTF-8"
    )


def test_utf16_table_without_bom(data: Path) -> None:
    path = data / "edges" / "core.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    assert_rejected(
        data,
        "data/edges/core.csv:1:-: the file looks like UTF-16-LE without a byte-order mark "
        "(NUL bytes); save it as UTF-8",
    )


def test_gbk_table(data: Path) -> None:
    path = data / "nodes" / "core.csv"
    raw = path.read_text(encoding="utf-8").encode("gb18030")
    path.write_bytes(raw)
    offset = raw.index("丁".encode("gb18030"))  # first Chinese character, row 2
    assert_rejected(
        data,
        f"data/nodes/core.csv:2:-: not UTF-8: byte 0x{raw[offset]:02x} at offset {offset} "
        "cannot be decoded (the file looks like GB18030 / GBK (Chinese)); save it as UTF-8",
    )


def test_invalid_utf8_byte_names_its_row(data: Path) -> None:
    path = data / "nodes" / "core.csv"
    raw = path.read_bytes().replace(b"Lachnospiraceae,Taxon", b"Lachno\xffspiraceae,Taxon", 1)
    path.write_bytes(raw)
    offset = raw.index(b"\xff")
    assert_rejected(
        data,
        f"data/nodes/core.csv:4:-: not UTF-8: byte 0xff at offset {offset} cannot be "
        "decoded (the file looks like UTF-8 with some invalid bytes (a damaged or mixed file)); "
        "save it as UTF-8",
    )


def test_latin1_study_file(data: Path) -> None:
    path = data / "studies" / "s.csv"
    path.write_bytes(STUDIES.replace("A,", "Müller,").encode("latin-1"))
    message = (
        "studies/s.csv:2:-: not UTF-8: byte 0xfc at offset 13 cannot be decoded "
        "(the file looks like Windows-1252 / Latin-1); save it as UTF-8"
    )
    assert_rejected(data, f"{data}/{message}")  # study files are named as the folder was given
    code, stderr = run("meta", "data/studies/s.csv")
    assert code == 1 and f"error: data/{message}" in stderr.splitlines()


# --------------------------------------------------------- sizes, NUL bytes, structure


def test_ten_megabyte_field(data: Path) -> None:
    set_cell(data / "edges" / "core.csv", 3, "quote", "x" * 10_000_000)
    assert_rejected(
        data, "data/edges/core.csv:3:-: not valid CSV: a field is longer than 65536 characters"
    )


def test_field_over_the_documented_limit(data: Path) -> None:
    set_cell(data / "edges" / "core.csv", 3, "quote", "x" * 100_000)
    assert_rejected(
        data, "data/edges/core.csv:3:quote: field of 100000 characters: longer than 65536"
    )


def test_nul_byte(data: Path) -> None:
    set_cell(data / "edges" / "core.csv", 3, "quote", "Butyrate\x00 raises BMD")
    assert_rejected(
        data,
        "data/edges/core.csv:3:-: a NUL byte (U+0000) in the text; tables hold printable text only",
    )


def test_duplicated_header_column(data: Path) -> None:
    rows = read_rows(data / "nodes" / "core.csv")
    write_rows(
        data / "nodes" / "core.csv",
        [[*row, "category" if i == 0 else "Disease"] for i, row in enumerate(rows)],
    )
    assert_rejected(
        data, "data/nodes/core.csv:1:category: column appears twice (columns 3 and 9); keep one"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_as_a_table_is_refused_without_hanging(data: Path) -> None:
    (data / "nodes" / "core.csv").unlink()
    os.mkfifo(data / "nodes" / "core.csv")
    assert_rejected(data, "data/nodes/core.csv:0:-: not a regular file (a FIFO)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_fifo_as_a_study_file(data: Path) -> None:
    (data / "studies" / "s.csv").unlink()
    os.mkfifo(data / "studies" / "s.csv")
    assert_rejected(data, "data/outcomes.csv:2:study_file: 's.csv' is not a file in studies/")


# ------------------------------------------------------------- numbers (items 7, 9, 10)

NUMBER_CASES = [
    ("k", "²", "k: '²' contains the non-ASCII digit '²' (U+00B2); write digits as 0-9"),
    ("k", "١٢", "k: '١٢' contains the non-ASCII digit '١' (U+0661); write digits as 0-9"),
    ("n", "３４０", "n: '３４０' contains the non-ASCII digit '３' (U+FF13); write digits as 0-9"),
    ("k", "99999999999", "k: '99999999999' is not a positive integer (1 to 1000000000)"),
    ("estimate", "1e999999999", f"estimate: '1e999999999' {RANGE}"),
    ("ci_upper", "1e400", f"ci_upper: '1e400' {RANGE}"),
    ("p", "1e-999999", f"p: '1e-999999' {RANGE}"),
    (
        "tau2",
        "0.1234567890123456789012345",
        "tau2: '0.1234567890123456789012345' has 25 significant digits (at most 20)",
    ),
    ("estimate", "Infinity", "estimate: 'Infinity' is not a finite number"),
    ("estimate", "1_000", "estimate: '1_000' is not a number"),
]


@pytest.mark.parametrize(
    ("column", "value", "expected"), NUMBER_CASES, ids=[c[1] for c in NUMBER_CASES]
)
def test_number_cells(data: Path, column: str, value: str, expected: str) -> None:
    set_cell(data / "edges" / "core.csv", 3, column, value)
    assert_rejected(data, f"data/edges/core.csv:3:{expected}")


@pytest.mark.parametrize("value", ["1e300", "-1e300", "1e-300"])
def test_unusable_study_numbers(data: Path, value: str) -> None:
    set_cell(data / "studies" / "s.csv", 2, "yi", value)
    assert_rejected(data, f"{data}/studies/s.csv:2:yi: '{value}' {USABLE}")


def test_unusable_variant_numbers(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text(
        "variant,beta_exposure,se_exposure,beta_outcome,se_outcome\n"
        "rs1,0.1,0.01,1e300,0.02\nrs2,-0.2,0.02,-0.08,١٢\n",
        encoding="utf-8",
    )
    code, stderr = run("mr", str(path))
    assert code == 1
    assert f"error: {path}:2:beta_outcome: '1e300' {USABLE}" in stderr.splitlines()
    assert (
        f"error: {path}:3:se_outcome: '١٢' contains the non-ASCII digit '١' (U+0661); "
        "write digits as 0-9" in stderr.splitlines()
    )


# --------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("value", "bad"),
    [("e 1", " "), ("e>1", ">"), ('e"1', '"'), ("e\n1", "\n"), ("../e1", "/"), ("a/b", "/")],
    ids=["space", "gt", "quote", "newline", "dotdot", "slash"],
)
def test_unsafe_edge_ids(data: Path, value: str, bad: str) -> None:
    set_cell(data / "edges" / "core.csv", 2, "id", value)
    assert_rejected(
        data,
        f"data/edges/core.csv:2:id: unsafe character {bad!r} in {value!r}: not a safe edge id ({EDGE_RULE})",
    )


def test_unsafe_outcome_id(data: Path) -> None:
    set_cell(data / "outcomes.csv", 2, "id", "../../x")
    assert_rejected(
        data,
        f"data/outcomes.csv:2:id: unsafe character '/' in '../../x': not a safe outcome id ({OUTCOME_RULE})",
    )


def test_unsafe_imported_source_id(data: Path) -> None:
    append_row(data / "sources.csv", id='infores:evil src>"', kind="database", title="t")
    assert_rejected(
        data,
        "data/sources.csv:3:id: unsafe character ' ' in 'infores:evil src>\"': not a safe "
        f"source id ({EDGE_RULE})",
    )


def test_full_width_digits_in_a_curie(data: Path) -> None:
    append_row(
        data / "nodes" / "core.csv",
        id="NCBITaxon:８１６",
        label="x",
        category="Taxon",
        source="toy",
    )
    assert_rejected(
        data,
        "data/nodes/core.csv:6:id: '８１６' contains the non-ASCII character '８' (U+FF18); "
        "identifiers are ASCII (write digits as 0-9)",
    )


def test_import_refuses_an_unsafe_source_id(tmp_path: Path) -> None:
    (tmp_path / "nodes.tsv").write_text(
        'id\tcategory\tname\tprimary_knowledge_source\nCHEBI:17968\tbiolink:SmallMolecule\tb\tinfores:evil src>"\n',
        encoding="utf-8",
    )
    (tmp_path / "edges.tsv").write_text("id\tsubject\tpredicate\tobject\n", encoding="utf-8")
    code, stderr = run("import", str(tmp_path), "--no-merge", "--out", str(tmp_path / "merged"))
    assert code == 1
    assert (
        f"error: {tmp_path}/nodes.tsv:2:primary_knowledge_source: unsafe character ' ' in "
        f"'infores:evil src>\"': not a safe source id ({EDGE_RULE})" in stderr.splitlines()
    )
    assert run("validate", str(tmp_path / "merged"))[0] == 0  # the bad row was left out


# ------------------------------------------------------------- graph shape (item 10)


def test_import_refuses_a_self_loop_that_validate_would_refuse(tmp_path: Path) -> None:
    (tmp_path / "nodes.tsv").write_text(
        "id\tcategory\tname\nCHEBI:17968\tbiolink:SmallMolecule\tbutyrate\n", encoding="utf-8"
    )
    (tmp_path / "edges.tsv").write_text(
        "id\tsubject\tpredicate\tobject\ne1\tCHEBI:17968\tbiolink:participates_in\tCHEBI:17968\n",
        encoding="utf-8",
    )
    code, stderr = run("import", str(tmp_path), "--no-merge", "--out", str(tmp_path / "merged"))
    assert code == 1
    assert (
        f"error: {tmp_path}/edges.tsv:2:object: self-loop: 'participates_in' never relates a "
        "node to itself" in stderr.splitlines()
    )
    assert run("validate", str(tmp_path / "merged"))[0] == 0


def test_self_loop_on_an_irreflexive_predicate(data: Path) -> None:
    append_row(
        data / "edges" / "core.csv", id="e9", subject="CHEBI:17968", predicate="produces",
        object="CHEBI:17968", sign="1", evidence_type="animal", source="toy", locator="s", quote="q",
    )  # fmt: skip
    assert_rejected(
        data, "data/edges/core.csv:5:object: self-loop: 'produces' never relates a node to itself"
    )


def test_self_loop_allowed_where_the_predicate_permits_it(data: Path) -> None:
    append_row(
        data / "edges" / "core.csv", id="e9", subject="CHEBI:17968", predicate="increases",
        object="CHEBI:17968", sign="1", evidence_type="animal", source="toy", locator="s", quote="q",
    )  # fmt: skip
    assert run("validate", str(data))[0] == 0  # positive feedback is a real claim


def test_broader_cycle(data: Path) -> None:
    set_cell(data / "nodes" / "core.csv", 4, "broader", "gutbone:lachnospiraceae_nc2004_group")
    stderr = assert_rejected(
        data,
        "data/nodes/core.csv:4:broader: broader cycle: NCBITaxon:186803 -> "
        "gutbone:lachnospiraceae_nc2004_group -> NCBITaxon:186803",
    )
    assert (
        "error: data/nodes/core.csv:5:broader: broader cycle: gutbone:lachnospiraceae_nc2004_group "
        "-> NCBITaxon:186803 -> gutbone:lachnospiraceae_nc2004_group" in stderr.splitlines()
    )


def test_node_broader_than_itself(data: Path) -> None:
    set_cell(data / "nodes" / "core.csv", 2, "broader", "CHEBI:17968")
    assert_rejected(
        data, "data/nodes/core.csv:2:broader: broader cycle: CHEBI:17968 -> CHEBI:17968"
    )


# ------------------------------------------------ reads outside the data folder (item 4)

OUTSIDE = "is not a file name inside studies/ (no absolute path, no '..')"


@pytest.mark.parametrize(
    "value", ["/etc/passwd", "../../../../../../etc/passwd", "../outcomes.csv", "..\\..\\x.csv"]
)
def test_study_file_outside_the_data_folder(data: Path, value: str) -> None:
    set_cell(data / "outcomes.csv", 2, "study_file", value)
    stderr = assert_rejected(data, f"data/outcomes.csv:2:study_file: {value!r} {OUTSIDE}")
    assert "root:" not in stderr  # the file is never opened, its content never shown


def test_study_file_linked_outside(data: Path) -> None:
    (data / "studies" / "pw.csv").symlink_to("/etc/passwd")
    set_cell(data / "outcomes.csv", 2, "study_file", "pw.csv")
    stderr = assert_rejected(
        data, "data/outcomes.csv:2:study_file: 'pw.csv' leads outside studies/ (a link?)"
    )
    assert "root:" not in stderr


def test_table_linked_outside(data: Path) -> None:
    (data / "nodes" / "extra.csv").symlink_to("/etc/passwd")
    stderr = assert_rejected(
        data, "data/nodes/extra.csv:0:-: the table lies outside the data folder (a symbolic link?)"
    )
    assert "root:" not in stderr


# ------------------------------------------------------------ other readers and options


def test_paths_kgx_missing_folder() -> None:
    code, stderr = run("paths", "--kgx", "/missing", "--from", "Taxon", "--to", "BoneOutcome",
                       "--metapath", "Taxon>Metabolite>BoneOutcome", "--engine", "sparse")  # fmt: skip
    assert code == 1
    assert "error: /missing/nodes.tsv:0:-: no such file (expected KGX TSV)" in stderr.splitlines()


def test_non_utf8_kgx(tmp_path: Path) -> None:
    nodes = "id\tcategory\tname\nNCBITaxon:2\tbiolink:OrganismTaxon\tcafé\n".encode("latin-1")
    (tmp_path / "nodes.tsv").write_bytes(nodes)
    (tmp_path / "edges.tsv").write_text("id\tsubject\tpredicate\tobject\n", encoding="utf-8")
    offset = nodes.index(b"\xe9")
    message = (
        f"error: {tmp_path}/nodes.tsv:2:-: not UTF-8: byte 0xe9 at offset {offset} "
        "cannot be decoded (the file looks like Windows-1252 / Latin-1); save it as UTF-8"
    )
    code, stderr = run("paths", "--kgx", str(tmp_path), "--from", "Taxon", "--to", "BoneOutcome",
                       "--metapath", "Taxon>Metabolite>BoneOutcome", "--engine", "sparse")  # fmt: skip
    assert code == 1 and message in stderr.splitlines(), stderr
    code, stderr = run("import", str(tmp_path), "--no-merge")
    assert code == 1 and message in stderr.splitlines(), stderr


OPTION_CASES = [
    (("mediate", "--a", "0.1,0.02", "--b", "0.2,0.05", "--method", "mc", "--draws", "10000000000"),
     "argument --draws: expected an integer from 1 to 1000000, got '10000000000'"),
    (("mediate", "--a", "0.1,0.02", "--b", "0.2,0.05", "--method", "mc", "--draws", "1e10"),
     "argument --draws: expected an integer from 1 to 1000000, got '1e10'"),
    (("mr", "x.csv", "--bootstrap", "10000000000"),
     "argument --bootstrap: expected an integer from 1 to 100000, got '10000000000'"),
    (("mr", "x.csv", "--seed", "-5"), "argument --seed: expected an integer from 0 to 4294967295, got '-5'"),
    (("paths", "--from", "a", "--to", "b", "--top", "-1"), "argument --top: expected an integer from 0 to 100000, got '-1'"),
    (("paths", "--from", "a", "--to", "b", "--max-length", "99"), "argument --max-length: expected an integer from 1 to 10, got '99'"),
    (("view", "--out", "v.html", "--depth", "1000"), "argument --depth: expected an integer from 0 to 10, got '1000'"),
    (("view", "--out", "v.html", "--max-nodes", "1e9"), "argument --max-nodes: expected an integer from 1 to 100000, got '1e9'"),
    (("report", "--max-nodes", "0"), "argument --max-nodes: expected an integer from 1 to 100000, got '0'"),
    (("paths", "--from", "a", "--to", "b", "--seed", "-5"), "argument --seed: expected an integer from 0 to 4294967295, got '-5'"),
    (("paths", "--from", "a", "--to", "b", "--permutations", "100001"), "argument --permutations: expected an integer from 0 to 100000, got '100001'"),
    (("report", "--seed", "4294967296"), "argument --seed: expected an integer from 0 to 4294967295, got '4294967296'"),
    (("report", "--permutations", "10001"), "argument --permutations: expected an integer from 0 to 10000, got '10001'"),
    (("meta", "x.csv", "--level", "nan"), "argument --level: expected a number from 0.5 to 0.9999, got 'nan'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "expected"),
    OPTION_CASES,
    ids=[f"{c[0][0]} {c[0][-2]}={c[0][-1]}" for c in OPTION_CASES],
)
def test_numeric_options_are_bounded(argv: tuple[str, ...], expected: str) -> None:
    code, stderr = run(*argv)
    assert code == 2  # a usage error, before any work (no MemoryError)
    assert stderr.splitlines()[-1].endswith(expected), stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_validate_refuses_a_fifo_rdf_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "g.ttl")
    code, stderr = run("validate", str(tmp_path / "g.ttl"))
    assert code == 1
    assert f"error: {tmp_path}/g.ttl:0:-: not a regular file" in stderr.splitlines()


def test_log_ratio_beyond_the_double_range_is_not_a_crash(tmp_path: Path) -> None:
    # found by fuzzing `meta`: a log RR of 1e11 made the back-transform raise OverflowError.
    # exp(5e10) is beyond the largest double (exp(709.78)): infinite, shown as null in JSON.
    path = tmp_path / "s.csv"
    path.write_text("study,yi,sei\nA,1e11,0.5\nB,0.2,0.3\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["meta", str(path), "--measure", "RR", "--model", "DL", "--format", "json"])
    assert code == 0, err.getvalue()
    back = json.loads(out.getvalue())["back_transformed"]
    assert back["estimate"] is None and back["ci_upper"] is None
    assert back["ci_lower"] == 0.0  # exp(-4.8e10) underflows to 0
