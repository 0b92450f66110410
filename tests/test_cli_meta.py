"""``gutbone meta`` command line: output formats, plots, errors and exit codes."""

from __future__ import annotations

import json

import pytest

from gutbone.cli import main
from references import meta_references as ref
from tolerances import printed

P4 = printed(4)


def bcg_csv(tmp_path, subgroup=False):
    header = "study,events1,n1,events2,n2" + (",subgroup" if subgroup else "")
    lines = [header]
    for i, name in enumerate(ref.BCG_STUDIES):
        row = [
            f'"{name}"',
            f"{ref.BCG_TPOS[i]:.0f}",
            f"{ref.BCG_TPOS[i] + ref.BCG_TNEG[i]:.0f}",
            f"{ref.BCG_CPOS[i]:.0f}",
            f"{ref.BCG_CPOS[i] + ref.BCG_CNEG[i]:.0f}",
        ]
        if subgroup:
            row.append(ref.BCG_ALLOC[i])
        lines.append(",".join(row))
    path = tmp_path / "bcg.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_json(capsys, *args):
    code = main(["meta", *map(str, args), "--format", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_json_reml_bcg(tmp_path, capsys):
    d = run_json(capsys, bcg_csv(tmp_path), "--measure", "RR")
    expected = ref.BCG_REML_PRINTED
    assert d["k"] == 13 and d["model"] == "REML" and d["measure"] == "RR"
    assert d["estimate"] == pytest.approx(expected["estimate"], abs=P4)
    assert d["se"] == pytest.approx(expected["se"], abs=P4)
    assert d["tau2"] == pytest.approx(expected["tau2"], abs=P4)
    assert d["i2"] == pytest.approx(expected["i2"], abs=printed(2))
    for key in ("z", "ci_lower", "ci_upper", "q"):
        assert d[key] == pytest.approx(expected[key], abs=P4), key
    for key in (
        "k",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "z",
        "p",
        "tau2",
        "i2",
        "h2",
        "q",
        "q_df",
        "q_p",
        "pi_lower",
        "pi_upper",
        "model",
        "measure",
        "weights",
        "conventions",
    ):
        assert key in d, key
    assert "subgroups" not in d
    for key in ("egger_test", "md_variance", "hedges_correction", "prediction_interval"):
        assert key in d["conventions"], key
    assert d["weights"][0] == pytest.approx(ref.BCG_REML_FULL["weight_1"], rel=1e-5)
    assert d["back_transformed"]["estimate"] == pytest.approx(0.4894, abs=P4)
    loo = d["leave_one_out"]["rows"][0]
    assert loo["study"] == "Aronson 1948"
    assert loo["estimate"] == pytest.approx(ref.BCG_REML_LEAVE1OUT_1["estimate"], rel=1e-6)
    assert d["begg"]["tau"] == pytest.approx(ref.BCG_RANKTEST["tau"], abs=P4)
    assert d["egger"]["variant"] == "classical"
    # trimfill(rma(yi, vi, data=dat)) on metafor's trimfill reference page
    tf, expected_tf = d["trim_and_fill"], ref.TRIMFILL_BCG_REML
    assert (tf["k0"], tf["side"]) == (expected_tf["k0"], expected_tf["side"])
    assert tf["adjusted"]["estimate"] == pytest.approx(expected_tf["estimate"], abs=P4)
    # the command always reports the Q-profile intervals (pool(heterogeneity_ci=True))
    assert d["tau2_ci_lower"] < d["tau2"] < d["tau2_ci_upper"]
    assert d["i2_ci_lower"] < d["i2"] < d["i2_ci_upper"]


def test_dl_hksj_and_egger_mixed(tmp_path, capsys):
    d = run_json(capsys, bcg_csv(tmp_path), "--model", "DL", "--hksj", "--egger", "mixed")
    assert d["test"] == "t" and d["df"] == 12
    assert d["estimate"] == pytest.approx(ref.METAN_BCG[("RR", "DL")]["estimate"], abs=P4)
    assert d["egger"]["variant"] == "mixed"


def test_subgroups_in_json(tmp_path, capsys):
    d = run_json(capsys, bcg_csv(tmp_path, subgroup=True), "--model", "FE")
    names = [g["subgroup"] for g in d["subgroups"]]
    assert names == ["random", "alternate", "systematic"]
    q_within = sum(g["q"] for g in d["subgroups"])
    assert d["q_between"] == pytest.approx(d["q"] - q_within, rel=1e-9)
    assert 0 <= d["q_between_p"] <= 1


def test_table_output_is_aligned(tmp_path, capsys):
    assert main(["meta", str(bcg_csv(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "Meta-analysis: REML, measure RR, k = 13" in out
    assert "-0.7145" in out and "0.1798" in out
    weights = [line for line in out.splitlines() if line.startswith("Aronson 1948")]
    assert len(weights) == 2  # weights table and leave-one-out table
    assert "Egger's test (classical)" in out and "Trim-and-fill (L0)" in out


def test_plots_written_only_on_success(tmp_path, capsys):
    forest, funnel = tmp_path / "f.svg", tmp_path / "u.svg"
    assert (
        main(["meta", str(bcg_csv(tmp_path)), "--forest", str(forest), "--funnel", str(funnel)])
        == 0
    )
    capsys.readouterr()
    assert forest.read_text().count('id="study-') == 26  # 13 squares + 13 CI lines
    assert 'id="funnel-filled"' in funnel.read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("study,yi,vi\nA,0.1,0\nB,0.2,0.1\n")
    f2, u2 = tmp_path / "f2.svg", tmp_path / "u2.svg"
    assert main(["meta", str(bad), "--forest", str(f2), "--funnel", str(u2)]) == 1
    err = capsys.readouterr().err
    assert f"error: {bad}:2:vi: variance must be positive" in err
    assert not f2.exists() and not u2.exists()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("study,yi,vi\nA,0.1,0.1\nA,0.2,0.1\n", ":3:study: duplicate study name 'A'"),
        ("study,events1,n1,events2,n2\nA,11,10,1,10\nB,1,10,1,10\n", ":2:events1: events (11)"),
        ("study,yi\nA,0.1\n", ":1:vi: missing required column 'vi'"),
        ("study,a,b\nA,1,2\n", ":1:-: columns study,a,b match no input form"),
        ("study,yi,ci_lower,ci_upper\nA,3,0,1\nB,0.5,0,1\n", ":2:yi: estimate 3.0 lies outside"),
        ("study,yi,vi\nA,,0.1\nB,x,0.1\n", ":2:yi: blank cell"),
    ],
)
def test_bad_input_exit_1(tmp_path, capsys, text, fragment):
    path = tmp_path / "s.csv"
    path.write_text(text)
    assert main(["meta", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"error: {path}{fragment}" in err


def test_single_study_note_and_hksj_error(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("study,yi,sei\nA,0.4,0.2\n")
    d = run_json(capsys, path)
    assert d["k"] == 1 and d["estimate"] == pytest.approx(0.4) and d["se"] == pytest.approx(0.2)
    assert any("only one study" in note for note in d["notes"])
    assert d["leave_one_out"] is None
    assert main(["meta", str(path), "--hksj"]) == 1
    assert "at least two studies" in capsys.readouterr().err


def test_usage_error_exit_2(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["meta", str(tmp_path / "x.csv"), "--model", "GLMM"])
    assert info.value.code == 2


def test_help_states_conventions(capsys):
    with pytest.raises(SystemExit):
        main(["meta", "--help"])
    out = capsys.readouterr().out
    for phrase in ("Egger test", "MD variance", "Hedges' g", "prediction int."):
        assert phrase in out


# --- --model MH (Mantel-Haenszel) ---------------------------------------------------


@pytest.mark.parametrize(
    ("measure", "expected"), [("RR", ref.MH_BCG_RR_PRINTED), ("OR", ref.MH_BCG_OR_PRINTED)]
)
def test_json_mh_bcg(tmp_path, capsys, measure, expected):
    # rma.mh(measure=..., ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg), printed on
    # metafor's rma.mh reference page (see tests/references/meta_references.py)
    d = run_json(capsys, bcg_csv(tmp_path), "--model", "MH", "--measure", measure)
    assert d["model"] == "MH" and d["measure"] == measure and d["k"] == 13
    for key in ("estimate", "se", "z", "ci_lower", "ci_upper", "q"):
        assert d[key] == pytest.approx(expected[key], abs=P4), key
    assert d["i2"] == pytest.approx(expected["i2"], abs=printed(2))
    assert d["tau2"] == 0.0 and (d["pi_lower"], d["pi_upper"]) == (d["ci_lower"], d["ci_upper"])
    assert d["tau2_ci_lower"] is None
    back = d["back_transformed"]
    assert [back["estimate"], back["ci_lower"], back["ci_upper"]] == pytest.approx(
        expected["exp"], abs=P4
    )
    assert sum(d["weights"]) == pytest.approx(100.0)
    assert "Mantel-Haenszel" in d["conventions"]["model"]
    assert "none in the MH sums" in d["conventions"]["mh_continuity_correction"]
    assert len(d["leave_one_out"]["rows"]) == 13 and d["leave_one_out"]["model"] == "MH"
    assert d["egger"] is not None and d["begg"] is not None
    assert d["trim_and_fill"] is None
    assert any("trim-and-fill is not defined" in note for note in d["notes"])


def test_mh_rd_variance_option(tmp_path, capsys):
    # metafor rma.mh(measure="RD") z = -11.47 (Sato); Stata metan 11.56 (Greenland-Robins)
    path = bcg_csv(tmp_path)
    gr = run_json(capsys, path, "--model", "MH", "--measure", "RD")
    sato = run_json(capsys, path, "--model", "MH", "--measure", "RD", "--mh-rd-variance", "Sato")
    assert gr["z"] == pytest.approx(ref.MH_BCG_RD_METAN["z_gr"], abs=printed(2))
    assert sato["z"] == pytest.approx(ref.MH_BCG_RD_METAN["z_sato"], abs=printed(2))


def test_mh_table_output_and_plots(tmp_path, capsys):
    forest = tmp_path / "f.svg"
    code = main(["meta", str(bcg_csv(tmp_path)), "--model", "MH", "--forest", str(forest)])
    assert code == 0
    out = capsys.readouterr().out
    assert "Meta-analysis: MH (Mantel-Haenszel, fixed effect), measure RR, k = 13" in out
    assert "-0.4537" in out and "Q = 152.568 (df = 12)" in out
    text = forest.read_text()
    assert text.count('id="study-') == 26 and 'id="summary-diamond"' in text
    assert "MH fixed effect (k=13)" in text


@pytest.mark.parametrize(
    ("text", "args", "fragment"),
    [
        (
            "study,m1,sd1,n1,m2,sd2,n2\nA,1,1,10,2,1,10\nB,1,1,10,2,1,12\n",
            ["--model", "MH"],
            ":1:-: --model MH (Mantel-Haenszel) needs 2x2 counts in columns "
            "study,events1,n1,events2,n2",
        ),
        (
            "study,yi,vi\nA,0.1,0.1\nB,0.2,0.1\n",
            ["--model", "MH"],
            ":1:-: --model MH (Mantel-Haenszel) needs 2x2 counts",
        ),
        (
            "study,events1,n1,events2,n2\nA,1,10,2,10\nB,1,10,2,10\n",
            ["--model", "MH", "--measure", "MD"],
            ":0:measure: --model MH (Mantel-Haenszel) pools 2x2 counts as RR, OR or RD",
        ),
        (
            "study,events1,n1,events2,n2\nA,1,10,2,10\nB,1,10,2,10\n",
            ["--model", "MH", "--hksj"],
            ":0:hksj: the Hartung-Knapp adjustment is for random-effects models",
        ),
        (
            "study,events1,n1,events2,n2\nA,1,10,0,10\nB,1,10,0,10\n",
            ["--model", "MH"],
            ":0:events2: the Mantel-Haenszel RR is not estimable: no events in group 2",
        ),
    ],
)
def test_mh_bad_input_exit_1(tmp_path, capsys, text, args, fragment):
    path = tmp_path / "s.csv"
    path.write_text(text)
    assert main(["meta", str(path), *args]) == 1
    err = capsys.readouterr().err
    assert f"error: {path}{fragment}" in err


# --- meta-regression (--mods), estimators, --drop00 ---------------------------------


def _bcg_with_moderators(tmp_path) -> str:
    rows = ["study,events1,n1,events2,n2,ablat,alloc,note"]
    for i, name in enumerate(ref.BCG_STUDIES):
        tpos, tneg = int(ref.BCG_TPOS[i]), int(ref.BCG_TNEG[i])
        cpos, cneg = int(ref.BCG_CPOS[i]), int(ref.BCG_CNEG[i])
        rows.append(
            f"{name},{tpos},{tpos + tneg},{cpos},{cpos + cneg},{int(ref.BCG_ABLAT[i])},"
            f"{ref.BCG_ALLOC[i]},{'' if i else 'x'}"
        )
    path = tmp_path / "bcg.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_mods_json_matches_metafor(tmp_path, capsys):
    # rma(yi, vi, mods = ~ ablat + alloc, data=dat) (emmprep reference page; REML)
    path = _bcg_with_moderators(tmp_path)
    assert main(["meta", path, "--mods", "ablat,alloc", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    expected = ref.BCG_REML_ABLAT_ALLOC
    assert [c["name"] for c in d["coefficients"]] == list(expected["coefficients"])
    for coef in d["coefficients"]:
        want = expected["coefficients"][coef["name"]]
        assert coef["estimate"] == pytest.approx(want[0], abs=printed(4))
        assert set(coef) == {"name", "estimate", "se", "z", "p", "ci_lower", "ci_upper"}
    assert d["qe"] == pytest.approx(expected["qe"], abs=printed(4))
    assert (d["qm_df"], d["qe_df"]) == (3, 9)
    for key in ("tau2", "i2", "r2", "qm", "qm_p", "qe_p"):
        assert isinstance(d[key], float), key
    assert d["measure"] == "RR" and d["k"] == 13


def test_mods_hksj_table_and_bubble(tmp_path, capsys):
    path = _bcg_with_moderators(tmp_path)
    svg = tmp_path / "bubble.svg"
    argv = ["meta", path, "--mods", "ablat", "--hksj", "--bubble", str(svg)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Meta-regression: REML + Knapp-Hartung" in out and "ablat" in out
    assert "F = " in out and "(df = 1, 11)" in out
    text = svg.read_text(encoding="utf-8")
    assert 'id="bubble-points"' in text and 'id="bubble-line"' in text


def test_mods_errors_exit_1(tmp_path, capsys):
    path = _bcg_with_moderators(tmp_path)
    assert main(["meta", path, "--mods", "latitude"]) == 1
    err = capsys.readouterr().err
    assert "no moderator column 'latitude'" in err and "ablat" in err
    # 'note' is blank for 12 of 13 studies: one study left, a single level
    assert main(["meta", path, "--mods", "note"]) == 1
    assert "moderator" in capsys.readouterr().err
    assert main(["meta", path, "--bubble", str(tmp_path / "b.svg")]) == 1
    assert "--bubble needs --mods" in capsys.readouterr().err
    assert not (tmp_path / "b.svg").exists()


@pytest.mark.parametrize("model", ["ML", "HS", "SJ", "HE", "EB"])
def test_new_estimators_on_the_command_line(tmp_path, capsys, model):
    path = _bcg_with_moderators(tmp_path)
    assert main(["meta", path, "--model", model, "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["model"] == model and d["converged"] is True
    assert d["tau2_ci_lower"] == pytest.approx(0.1197, abs=printed(4))  # Q-profile: as REML
    assert d["leave_one_out"]["model"] == model and d["trim_and_fill"] is not None
    if model == "ML":
        assert d["tau2"] == pytest.approx(ref.BCG_ML_PRINTED["tau2"], abs=printed(4))
