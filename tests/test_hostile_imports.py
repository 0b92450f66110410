"""Issue 18, items 9 and 10 (readers and exports): hostile inputs end as exit 0 or 1.

Deeply nested JSON Lines / Cytoscape / JSON-LD used to raise RecursionError, malformed
Cytoscape documents AttributeError, non-UTF-8 KGX UnicodeDecodeError ("internal error",
exit 2); formula cells were exported verbatim to KGX TSV. A Hypothesis fuzz over import
snippets and ``view``/``report``/``export`` options checks: exit 0 or 1 (or 2 for an
option value argparse refuses as out of range, with its usage line), no traceback, no
file written outside ``--out``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbone.cli import main
from gutbone.interop.kgx import read_tsv, write_tsv
from gutbone.io import spreadsheet_cell, unspreadsheet_cell
from gutbone.query.sparql import format_result, run_query

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
DEEP = 100_000
FORMULA = "=cmd|' /C calc'!A0"


def _clean_exit(code: int, err: str) -> bool:
    """Exit 0 or 1 (bad input), or 2 for an option argparse refused (a usage error with its
    usage line); never an internal error or a traceback."""
    usage = code == 2 and err.startswith("usage:") and "error: argument" in err
    return (code in (0, 1) or usage) and "internal error" not in err and "Traceback" not in err


def _run(args: list[str]) -> tuple[int, str]:
    """Run the CLI in-process; return the exit code and stderr."""
    err = io.StringIO()
    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return code, err.getvalue()


# ----------------------------------------------------------------------------- readers


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("deep_edges.jsonl", "[" * DEEP + "]" * DEEP + "\n", ":1:-: JSON nested deeper than 64"),
        ("deep_nodes.jsonl", '{"id": "CHEBI:1", "name": ' + '{"a": ' * 900 + "1" + "}" * 901
         + "\n", ":1:-: JSON nested deeper than 64"),
        ("deep.json", '{"elements": ' + "[" * DEEP + "]" * DEEP + "}",
         ":0:-: JSON nested deeper than 64"),
        ("c1.json", '{"elements": [1, "x", null, {"data": 5}]}',
         ":0:elements.nodes[3]: expected an object with a 'data' object"),
        ("c2.json", '{"elements": {"nodes": 5}}',
         ":0:elements: 'elements.nodes' is a int, expected a list"),
        ("c3.json", '{"elements": {"edges": [{"data": {"source": 1}}]}}',
         ":0:elements.edges[0]: an edge needs 'source' and 'target'"),
        ("c4.json", '{"elements": "none", "data": [1]}',
         ":0:elements: no Cytoscape.js 'elements' object or list"),
        ("bad_nodes.tsv", b"id\tname\nCHEBI:1\tok\nCHEBI:2\t\xe9\xff\n",
         ":3:-: not UTF-8"),
        ("deep.jsonld", '{"@context": {}, "@graph": ' + "[" * DEEP + "]" * DEEP + "}",
         ":0:-: JSON nested"),  # the offline JSON-LD loader (gutbone.jsonld) says it
    ],  # fmt: skip
)
def test_hostile_import_files_exit_1_with_file_and_reason(
    tmp_path: Path, name: str, text: str | bytes, message: str
) -> None:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    code, err = _run(["import", "--no-merge", str(path), "--out", str(tmp_path / "out")])
    assert code == 1, err
    assert f"error: {path}{message}" in err or (message in err and str(path) in err), err
    assert "internal error" not in err and "Traceback" not in err


def test_cytoscape_list_form_still_imports(tmp_path: Path) -> None:
    doc = {"elements": [
        {"group": "nodes", "data": {"id": "CHEBI:17968", "name": "butyrate",
                                    "category": ["biolink:SmallMolecule"]}},
        {"data": {"id": "CHEBI:30089", "name": "acetate", "category": ["biolink:SmallMolecule"]}},
        {"data": {"source": "CHEBI:17968", "target": "CHEBI:30089",
                  "predicate": "biolink:related_to", "primary_knowledge_source": "infores:x"}},
    ]}  # fmt: skip
    path = tmp_path / "g.cyjs.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    code, err = _run(["import", "--no-merge", str(path)])
    assert "internal error" not in err
    assert code in (0, 1)
    assert "elements" not in err  # the element structure itself was accepted


# ----------------------------------------------------------------------------- formulas


def test_spreadsheet_cell_neutralises_formulas_but_not_numbers() -> None:
    for text in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "'=1", FORMULA):
        assert spreadsheet_cell(text) == "'" + text
        assert unspreadsheet_cell(spreadsheet_cell(text)) == text
    for text in ("-0.25", "+1e-3", "-1", "3", ".5", "IL-6", "a=b", "", "'quoted"):
        assert unspreadsheet_cell(spreadsheet_cell(text)) == text
    for number in ("-0.25", "+1e-3", "-1", "-.5", "1E+10"):
        assert spreadsheet_cell(number) == number


def test_kgx_tsv_neutralises_formula_cells_and_reads_them_back() -> None:
    records = [{"id": "X:1", "name": FORMULA, "synonym": ["@x", "ok"], "p": "-0.04"}]
    text = write_tsv(records, ("id", "name", "synonym", "p"))
    row = list(csv.reader(io.StringIO(text), delimiter="\t"))[1]
    assert row == ["X:1", "'" + FORMULA, "'@x|ok", "-0.04"]
    problems: list[object] = []
    (_, record), = list(read_tsv(io.StringIO(text), "t.tsv", problems))  # type: ignore[arg-type]
    assert record["name"] == FORMULA and record["synonym"] == ["@x", "ok"]
    assert record["p"] == "-0.04" and problems == []


def test_export_kgx_tsv_of_a_formula_quote(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(FIXTURE, data)
    edges = data / "edges" / "core.csv"
    edges.write_text(edges.read_text().replace("Lachnospiraceae produce butyrate.",
                                               '"=HYPERLINK(""http://x"",""y"")"'))  # fmt: skip
    code, err = _run(["export", "--data", str(data), "--format", "kgx-tsv",
                      "--out", str(tmp_path / "kgx")])  # fmt: skip
    assert code == 0, err
    # KGX TSV has no CSV quoting (kgx reads it so): read it that way
    rows = list(csv.DictReader((tmp_path / "kgx" / "edges.tsv").open(), delimiter="\t",
                               quoting=csv.QUOTE_NONE))  # fmt: skip
    quotes = {r["id"]: r["quote"] for r in rows}
    assert quotes["gutbone.assertion:e1"] == "'" + '=HYPERLINK("http://x","y")'
    estimates = {r["id"]: r["effect_estimate"] for r in rows}
    assert estimates["gutbone.assertion:e3"] == "-0.04"  # a number stays a number


def test_sparql_csv_and_tsv_are_inert_in_a_spreadsheet() -> None:
    store = ox.Store()
    s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
    decimal = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    for value in (ox.Literal(FORMULA), ox.Literal("-0.5", datatype=decimal), ox.Literal("IL-6")):
        store.add(ox.Quad(s, p, value))
    result = run_query("SELECT ?o WHERE { ?s ?p ?o } ORDER BY STR(?o)", store=store)
    rows = list(csv.reader(io.StringIO(format_result(result, "csv"))))
    assert sorted(r[0] for r in rows[1:]) == sorted(["'" + FORMULA, "-0.5", "IL-6"])
    tsv = format_result(result, "tsv").splitlines()[1:]
    assert not any(line.startswith(("=", "+", "-", "@", '"=')) for line in tsv), tsv
    # the escaped TSV term is still the same RDF literal for an N-Triples parser
    escaped = next(line for line in tsv if "u003D" in line)
    quad = next(iter(ox.parse(f"<http://e/s> <http://e/p> {escaped} .",
                              format=ox.RdfFormat.N_TRIPLES)))  # fmt: skip
    assert quad.object.value == FORMULA


# ----------------------------------------------------------------------------- fuzz


@contextmanager
def _sandbox() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="gutbone-fuzz-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _written_outside(folder: Path, allowed: set[Path]) -> list[Path]:
    return [
        p for p in folder.rglob("*")
        if not any(p == a or p.is_relative_to(a) or a.is_relative_to(p) for a in allowed)
    ]  # fmt: skip


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
_IDS = st.sampled_from(["CHEBI:17968", "EFO:0003923", "NCBITaxon:816", "x", "", "biolink:Gene",
                        "NCBITaxon:８１６", "a b", "../../x", "infores:evil src>\""])  # fmt: skip
_RECORD = st.fixed_dictionaries(
    {"id": _IDS, "subject": _IDS, "object": _IDS},
    optional={"category": st.lists(_IDS, max_size=2) | _JSON, "name": st.text(max_size=10) | _JSON,
              "predicate": st.sampled_from(["biolink:affects", "biolink:related_to", "nope"]),
              "primary_knowledge_source": _IDS, "sign": _JSON},
)  # fmt: skip


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@st.composite
def _import_file(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["nodes.jsonl", "edges.jsonl", "nodes.tsv", "edges.tsv",
                                 "g.cyjs.json", "g.graphml", "g.jsonld"]))  # fmt: skip
    records = draw(st.lists(_RECORD, max_size=4))
    deep = draw(st.sampled_from([0, 0, 70, 5000]))
    if kind.endswith(".jsonl"):
        lines = [json.dumps(r) for r in records] + ([_nested(deep)] if deep else [])
        text = "\n".join(lines + draw(st.lists(st.text(max_size=20), max_size=2)))
    elif kind.endswith(".tsv"):
        cells = draw(st.lists(st.lists(st.text(max_size=10), max_size=4), max_size=3))
        text = "id\tname\tcategory\n" + "\n".join("\t".join(c) for c in cells)
    elif kind.endswith(".cyjs.json"):
        shape = draw(st.sampled_from(["dict", "list", "junk"]))
        elements = ({"nodes": [{"data": r} for r in records], "edges": draw(_JSON)}
                    if shape == "dict" else [{"data": r} for r in records] + [draw(_JSON)]
                    if shape == "list" else draw(_JSON))  # fmt: skip
        text = json.dumps({"elements": elements, "data": draw(_JSON)})
        text = text if not deep else text[:-1] + ', "x": ' + _nested(deep) + "}"
    elif kind.endswith(".graphml"):
        body = draw(st.text(max_size=30))
        text = f'<graphml><graph edgedefault="directed"><node id="{body}"/></graph></graphml>'
        text = draw(st.sampled_from([text, body]))
    else:
        text = json.dumps({"@context": {"@vocab": "http://e/"}, "@graph": [draw(_JSON)]})
        text = text if not deep else text[:-1] + ', "x": ' + _nested(deep) + "}"
    raw = text.encode("utf-8")
    if draw(st.booleans()):
        raw = draw(st.sampled_from([b"\xff\xfe", b"\xe9", b"\x00"])) + raw
    return kind, raw


@settings(max_examples=40)
@given(_import_file())
def test_fuzz_import_exits_0_or_1_and_writes_only_out(item: tuple[str, bytes]) -> None:
    name, raw = item
    with _sandbox() as folder:
        path = folder / name
        path.write_bytes(raw)
        out = folder / "out"
        code, err = _run(["import", "--no-merge", str(path), "--out", str(out)])
        assert code in (0, 1), err
        assert "internal error" not in err and "Traceback" not in err, err
        assert _written_outside(folder, {path, out}) == []


_TEXT = st.text(max_size=12) | st.sampled_from(["<script>alert(1)</script>", "../..", "x\" onerror=\"1"])
_VIEW_OPTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("--focus"), _TEXT | st.sampled_from(["CHEBI:17968", "butyrate", "Taxon"])),
        st.tuples(st.just("--depth"), st.integers(-5, 50).map(str)),
        st.tuples(st.just("--max-nodes"), st.integers(-5, 2000).map(str)),
        st.tuples(st.just("--title"), _TEXT),
        st.tuples(st.just("--category"), _TEXT | st.just("Taxon")),
        st.tuples(st.just("--evidence"), _TEXT | st.just("animal")),
    ),
    max_size=4,
)  # fmt: skip


@settings(max_examples=25)
@given(_VIEW_OPTIONS, st.sampled_from(["v.html", "sub/v.html", "dir"]))
def test_fuzz_view_options(options: list[tuple[str, str]], out_name: str) -> None:
    with _sandbox() as folder:
        out = folder / out_name
        if out_name == "dir":
            out.mkdir()
        args = ["view", "--data", str(FIXTURE), "--out", str(out)]
        code, err = _run(args + [part for pair in options for part in pair])
        assert _clean_exit(code, err), err
        assert _written_outside(folder, {out}) == []
        if code == 0 and out.is_file():
            assert "Content-Security-Policy" in out.read_text(encoding="utf-8")


@settings(max_examples=8)
@given(
    st.sampled_from(["report", "export"]),
    st.integers(-3, 700),
    st.sampled_from(["ttl", "nt", "jsonld", "kgx", "kgx-tsv", "kgx-jsonl", "graphml", "cytoscape"]),
    st.sampled_from(["r", "a/b", "existing", "file"]),
)
def test_fuzz_report_and_export_options(command: str, max_nodes: int, fmt: str, name: str) -> None:
    with _sandbox() as folder:
        out = folder / name
        if name == "existing":
            out.mkdir()
            (out / "mine.txt").write_text("not gutbone's")
        elif name == "file":
            out.write_text("a file")
        args = [command, "--data", str(FIXTURE), "--out", str(out)]
        args += ["--max-nodes", str(max_nodes)] if command == "report" else ["--format", fmt]
        code, err = _run(args)
        assert _clean_exit(code, err), err
        assert _written_outside(folder, {out}) == []
        if name == "existing":
            assert (out / "mine.txt").read_text() == "not gutbone's"
