"""A Hypothesis fuzz of the curated tables through ``gutbone validate`` and ``gutbone build``
(and of study and variant tables through ``gutbone meta`` and ``gutbone mr``).

Each example copies a small valid data folder (``fixtures/data_small`` plus one pooled
outcome and its study file), mutates cells (random Unicode, hostile numbers and ids,
separators, paths) and may re-encode one file, then runs both commands in-process.
Properties (issue 18):

- the exit code is 0 or 1, and no internal error or traceback is printed;
- nothing is written outside ``--out`` (the data folder and its parent are unchanged);
- validate ⊇ build: whenever ``validate`` says ok, ``build`` succeeds.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbone.cli import main
from gutbone.curation import OUTCOME_COLUMNS

BASE = Path(__file__).parent / "fixtures" / "data_small"
STUDIES = "study,yi,vi\nA,0.04,0.001\nB,0.06,0.002\nC,0.05,0.0015\n"
TABLES = ("sources.csv", "nodes/core.csv", "edges/core.csv", "outcomes.csv", "studies/s.csv")
HOSTILE = [
    "1e999999999", "1e400", "-1e300", "1e300", "1e-999999", "1e-300", "NaN", "-inf", "١٢",
    "８１６", "²", "1_000", "0x10", "0.1234567890123456789012345", "1" * 40, "0", "-1", "1", "2",
    "NCBITaxon:８１６", "NCBITaxon:816", "CHEBI:17968", "EFO:0003923", "gutbone:x", "FOO:1",
    "../../etc/passwd", "/etc/passwd", "..\\x.csv", "s.csv", "e 1", 'x" onerror="alert(1)',
    "e\n1", "a>b", "\x00", "\x1b[31m", "=cmd|' /C calc'!A0", "", " ", "|", "||", '"', ",",
    "\r\n", "e1", "e2", "toy", "infores:evil src>\"", "increases", "produces", "decreases",
    "MD", "SMD", "DL", "REML", "Taxon", "x" * 70_000, "丁酸", "\ufeff", "\u2028", "\ud7ff",
]  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.floats().map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True).map(str),
)
ENCODINGS = st.sampled_from(
    [None, None, None, "utf-8-sig", "latin-1", "utf-16", "utf-16-le", "gb18030", "cp1252"]
)


def make_folder(parent: Path) -> Path:
    root = parent / "data"
    shutil.copytree(BASE, root)
    (root / "studies").mkdir()
    (root / "studies" / "s.csv").write_text(STUDIES, encoding="utf-8")
    outcome = {"id": "o1", "edge": "e2", "study_file": "s.csv", "measure": "MD", "model": "DL"}
    rows = [list(OUTCOME_COLUMNS), [outcome.get(c, "") for c in OUTCOME_COLUMNS]]
    with (root / "outcomes.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return root


def mutate(root: Path, data: st.DataObject) -> None:
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        path = root / data.draw(st.sampled_from(TABLES), label="table")
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        row = data.draw(st.integers(0, len(rows) - 1), label="row")
        column = data.draw(st.integers(0, len(rows[row]) - 1), label="column")
        rows[row][column] = data.draw(VALUES, label="value")
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    encoding = data.draw(ENCODINGS, label="encoding")
    if encoding is not None:
        path = root / data.draw(st.sampled_from(TABLES), label="re-encoded")
        text = path.read_text(encoding="utf-8")
        path.write_bytes(text.encode(encoding, errors="replace"))


def run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


def snapshot(folder: Path, skip: Path) -> dict[str, bytes]:
    return {
        str(path): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and skip not in path.parents
    }


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_validate_and_build_on_mutated_tables(data: st.DataObject) -> None:
    parent = Path(tempfile.mkdtemp(prefix="gutbone-fuzz-"))
    try:
        root = make_folder(parent)
        mutate(root, data)
        out = parent / "out"
        before = snapshot(parent, out)
        checked, validate_err = run("validate", str(root))
        built, build_err = run("build", "--data", str(root), "--out", str(out))
        for code, stderr in ((checked, validate_err), (built, build_err)):
            assert code in (0, 1), stderr
            assert "internal error" not in stderr and "Traceback" not in stderr, stderr
        assert snapshot(parent, out) == before  # nothing written outside --out
        if checked == 0:  # validate ⊇ build
            assert built == 0, build_err
        if built == 1:
            assert not out.exists() or not any(out.iterdir())
    finally:
        shutil.rmtree(parent, ignore_errors=True)


NUMBERS = st.one_of(
    st.sampled_from(
        ["0", "1", "-1", "1e12", "-1e12", "1e-12", "1e13", "1e-13", "0.5", "", "NaN", "١٢"]
    ),
    st.floats(min_value=-1e12, max_value=1e12).map(repr),
    st.integers(0, 10**6).map(str),
)
STUDY_FORMS = (
    "yi,vi",
    "yi,sei",
    "yi,ci_lower,ci_upper",
    "m1,sd1,n1,m2,sd2,n2",
    "events1,n1,events2,n2",
)


def random_table(data: st.DataObject, header: str, stem: str) -> Path:
    """A CSV of 1-5 rows of random number cells under ``header`` (first column: a name)."""
    rows = [header]
    for i in range(data.draw(st.integers(1, 5), label="rows")):
        cells = [data.draw(NUMBERS) for _ in header.split(",")[1:]]
        rows.append(",".join([f"{stem}{i}", *cells]))
    path = Path(tempfile.mkdtemp(prefix="gutbone-fuzz-")) / f"{stem}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    form=st.sampled_from(STUDY_FORMS),
    model=st.sampled_from(["FE", "DL", "REML", "PM", "SJ", "HE", "ML", "HS", "EB"]),
    measure=st.sampled_from(["", "MD", "SMD", "RR", "OR", "RD"]),
)
def test_meta_and_mr_on_random_numbers(
    data: st.DataObject, form: str, model: str, measure: str
) -> None:
    """``meta`` and ``mr`` on random number cells: exit 0 or 1, never an internal error."""
    studies = random_table(data, f"study,{form}", "s")
    variants = random_table(data, "variant,beta_exposure,se_exposure,beta_outcome,se_outcome", "rs")
    try:
        argv = ["meta", str(studies), "--model", model, "--format", "json"]
        for args in (argv + (["--measure", measure] if measure else []), ["mr", str(variants)]):
            code, stderr = run(*args)
            assert code in (0, 1), stderr
            assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    finally:
        shutil.rmtree(studies.parent, ignore_errors=True)
        shutil.rmtree(variants.parent, ignore_errors=True)
