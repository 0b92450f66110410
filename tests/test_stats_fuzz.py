"""No input makes ``meta``, ``mr`` or ``mediate`` fail with an internal error (exit 2).

Hypothesis feeds random and degenerate tables (equal, identical, huge and tiny values,
zero cells, k = 1..4) to the library and to the command line. Every run must end with
exit 0 (and JSON whose numbers are finite or null) or exit 1 (a message naming the
problem); never exit 2 ("internal error"). The crash cases of issue 16 are kept as plain
regression tests.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbone.cli import main
from gutbone.errors import GutboneError
from gutbone.stats.bias import begg_test, egger_test, trim_and_fill
from gutbone.stats.leave_one_out import leave_one_out
from gutbone.stats.meta import MODELS, pool
from gutbone.stats.regression import meta_regression

# values chosen to hit edge cases: zero, equal values, extremes of magnitude
_EDGE = [0.0, 1.0, -1.0, 0.5, 1e-300, 1e-12, 1e12, 1e300, -1e300, 1e-8, 3.0]
_EDGE_POS = [1e-300, 1e-60, 1e-12, 1e-4, 0.04, 0.04, 1.0, 1e4, 1e60, 1e300]
values = st.one_of(st.sampled_from(_EDGE), st.floats(-5, 5, allow_nan=False))
variances = st.one_of(st.sampled_from(_EDGE_POS), st.floats(1e-6, 10.0))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _finite_or_null(payload: object) -> None:
    """Every number in a JSON payload is finite (NaN and infinities must be null)."""
    if isinstance(payload, dict):
        for value in payload.values():
            _finite_or_null(value)
    elif isinstance(payload, list):
        for value in payload:
            _finite_or_null(value)
    elif isinstance(payload, float):
        assert math.isfinite(payload)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1), f"exit {code}: {err}"
    assert "internal error" not in err
    if code == 1:
        assert err.strip(), "exit 1 needs a message"
    return code, out, err


@FUZZ
@given(
    k=st.integers(1, 4),
    data=st.data(),
    model=st.sampled_from(MODELS),
    hksj=st.booleans(),
)
def test_library_never_fails_internally(k, data, model, hksj):
    yi = data.draw(st.lists(values, min_size=k, max_size=k))
    vi = data.draw(st.lists(variances, min_size=k, max_size=k))
    for func in (
        lambda: pool(yi, vi, model=model, hksj=hksj),
        lambda: leave_one_out(yi, vi, model=model, hksj=hksj),
        lambda: egger_test(yi, vi, model=model),
        lambda: egger_test(yi, vi, variant="mixed", model=model),
        lambda: begg_test(yi, vi),
        lambda: trim_and_fill(yi, vi, model=model),
        lambda: meta_regression(yi, vi, {"x": list(range(k))}, model=model, hksj=hksj),
    ):
        try:
            result = func()
        except GutboneError:
            continue  # a reasoned refusal (exit 1 at the command line)
        _finite_or_null(result.to_json_dict())


def _write(path: Path, header: str, rows: list[str]) -> str:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


@FUZZ
@given(
    k=st.integers(1, 4),
    data=st.data(),
    model=st.sampled_from([*MODELS, "MH"]),
    flags=st.sampled_from([[], ["--hksj"], ["--drop00"], ["--egger", "mixed"]]),
)
def test_cli_meta_yi_vi_never_exits_2(tmp_path, capsys, k, data, model, flags):
    yi = data.draw(st.lists(values, min_size=k, max_size=k))
    vi = data.draw(st.lists(variances, min_size=k, max_size=k))
    rows = [f"S{i},{y!r},{v!r},{i % 2}" for i, (y, v) in enumerate(zip(yi, vi, strict=True))]
    path = _write(tmp_path / "t.csv", "study,yi,vi,x", rows)
    for extra in ([], ["--mods", "x"]):
        code, out, _ = _run(
            ["meta", path, "--format", "json", "--model", model, *flags, *extra], capsys
        )
        if code == 0:
            _finite_or_null(json.loads(out))


@FUZZ
@given(
    k=st.integers(1, 4),
    data=st.data(),
    measure=st.sampled_from(["RR", "OR", "RD"]),
    model=st.sampled_from(["REML", "DL", "FE", "MH", "PM"]),
    drop00=st.booleans(),
)
def test_cli_meta_counts_never_exits_2(tmp_path, capsys, k, data, measure, model, drop00):
    rows = []
    for i in range(k):
        n1 = data.draw(st.sampled_from([1, 2, 50, 10**6]))
        n2 = data.draw(st.sampled_from([1, 2, 50, 10**6]))
        e1 = data.draw(st.sampled_from([0, n1, min(1, n1), n1 // 2]))
        e2 = data.draw(st.sampled_from([0, n2, min(1, n2), n2 // 2]))
        rows.append(f"S{i},{e1},{n1},{e2},{n2}")
    path = _write(tmp_path / "c.csv", "study,events1,n1,events2,n2", rows)
    argv = ["meta", path, "--format", "json", "--measure", measure, "--model", model]
    code, out, _ = _run(argv + (["--drop00"] if drop00 else []), capsys)
    if code == 0:
        _finite_or_null(json.loads(out))


@FUZZ
@given(k=st.integers(1, 4), data=st.data())
def test_cli_mr_never_exits_2(tmp_path, capsys, k, data):
    rows = []
    for i in range(k):
        bx, by = data.draw(values), data.draw(values)
        sx, sy = data.draw(variances), data.draw(variances)
        rows.append(f"rs{i},{bx!r},{sx!r},{by!r},{sy!r}")
    header = "variant,beta_exposure,se_exposure,beta_outcome,se_outcome"
    path = _write(tmp_path / "v.csv", header, rows)
    code, out, _ = _run(["mr", path, "--format", "json", "--bootstrap", "50"], capsys)
    if code == 0:
        _finite_or_null(json.loads(out))


@FUZZ
@given(
    a=st.tuples(values, variances),
    b=st.tuples(values, variances),
    total=st.one_of(st.none(), st.tuples(values, variances)),
    method=st.sampled_from(["delta", "mc"]),
)
def test_cli_mediate_never_exits_2(capsys, a, b, total, method):
    argv = ["mediate", f"--a={a[0]!r},{a[1]!r}", f"--b={b[0]!r},{b[1]!r}"]
    if total is not None:
        argv += [f"--total={total[0]!r},{total[1]!r}"]
    code, out, _ = _run([*argv, "--method", method, "--draws", "200", "--format", "json"], capsys)
    if code == 0:
        _finite_or_null(json.loads(out))


# --- the crash cases of issue 16, as regression tests --------------------------------


def _meta_json(path: str, capsys, *extra: str) -> dict:
    code, out, err = _run(["meta", path, "--format", "json", *extra], capsys)
    assert code == 0, err
    return json.loads(out)


def test_equal_variances_report_egger_and_begg_not_computable(tmp_path, capsys):
    # identical studies used to crash ("LinAlgError: Singular matrix", exit 2)
    path = _write(tmp_path / "same.csv", "study,yi,vi", [f"S{i},0.1,0.04" for i in range(4)])
    d = _meta_json(path, capsys)
    assert d["estimate"] == pytest.approx(0.1) and d["se"] == pytest.approx(0.1)  # sqrt(.04/4)
    assert d["egger"] is None and "standard errors are equal" in d["not_computable"]["egger"]
    assert d["begg"] is None and "variances are equal" in d["not_computable"]["begg"]
    assert d["leave_one_out"]["rows"][0]["estimate"] == pytest.approx(0.1)
    assert any("egger not computable" in note for note in d["notes"])


def test_identical_2x2_tables_with_rr(tmp_path, capsys):
    rows = [f"S{i},3,50,5,50" for i in range(3)]
    path = _write(tmp_path / "t.csv", "study,events1,n1,events2,n2", rows)
    d = _meta_json(path, capsys, "--measure", "RR")
    assert d["estimate"] == pytest.approx(math.log(3 / 5))  # log((3/50)/(5/50))
    assert set(d["not_computable"]) == {"egger", "begg"}


def test_identical_estimates_do_not_give_an_egger_test_from_round_off(tmp_path, capsys):
    # equal yi with different vi gave t = 0.449, p = 0.684 from floating-point noise
    rows = [f"S{i},0.1,{v}" for i, v in enumerate((0.04, 0.02, 0.01, 0.09))]
    d = _meta_json(_write(tmp_path / "y.csv", "study,yi,vi", rows), capsys)
    assert d["egger"] is None and "estimates are equal" in d["not_computable"]["egger"]
    assert d["begg"] is None and "estimates are equal" in d["not_computable"]["begg"]
    with pytest.raises(GutboneError, match="estimates are equal"):
        egger_test(np.full(4, 0.1), [0.04, 0.02, 0.01, 0.09])


def test_all_double_zero_is_an_error_and_drop00(tmp_path, capsys):
    header = "study,events1,n1,events2,n2"
    path = _write(tmp_path / "dz.csv", header, ["A,0,50,0,50", "B,0,30,0,30"])
    assert main(["meta", path, "--measure", "RR"]) == 1
    err = capsys.readouterr().err
    assert "dz.csv:2:events1" in err and "nothing to pool" in err
    rows = ["A,0,50,0,50", "B,2,30,5,30", "C,1,40,4,40", "D,3,40,6,40"]
    path = _write(tmp_path / "dz2.csv", header, rows)
    kept = _meta_json(path, capsys)
    dropped = _meta_json(path, capsys, "--drop00")
    assert kept["k"] == 4 and dropped["k"] == 3
    assert dropped["studies"] == ["B", "C", "D"]
    assert "drop00=TRUE" in dropped["conventions"]["double_zero"]
    assert "default drop00=FALSE" in kept["conventions"]["double_zero"]
    assert any("dropped" in n and ": A" in n for n in dropped["notes"])
    # the 0.5 correction note names only studies that are pooled
    assert not any(n.startswith("0.5 added") and "A" in n for n in dropped["notes"])
    # with A dropped, the estimate is the REML pool of B, C, D alone
    b_c_d = pool(
        [
            math.log((2 / 30) / (5 / 30)),
            math.log((1 / 40) / (4 / 40)),
            math.log((3 / 40) / (6 / 40)),
        ],
        [
            1 / 2 - 1 / 30 + 1 / 5 - 1 / 30,
            1 - 1 / 40 + 1 / 4 - 1 / 40,
            1 / 3 - 1 / 40 + 1 / 6 - 1 / 40,
        ],
    )
    assert dropped["estimate"] == pytest.approx(b_c_d.estimate, rel=1e-12)


def test_leave_one_out_reports_convergence(tmp_path, capsys):
    rows = [
        f"S{i},{y},{v}"
        for i, (y, v) in enumerate(((0.1, 0.01), (0.5, 0.02), (0.9, 0.01), (0.2, 0.03)))
    ]
    d = _meta_json(_write(tmp_path / "l.csv", "study,yi,vi", rows), capsys)
    loo = d["leave_one_out"]
    assert loo["converged"] is True and loo["iterations"] >= 1
