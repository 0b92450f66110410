"""Effect sizes (gutbone.stats.effect_sizes) and study tables (gutbone.stats.study_table)."""

from __future__ import annotations

import math

import pytest
from numpy.testing import assert_allclose
from scipy import special

from gutbone.errors import InputError, StatsError
from gutbone.stats.effect_sizes import (
    effect_sizes,
    hedges_correction,
    hedges_g,
    log_odds_ratio,
    log_risk_ratio,
    mean_difference,
    risk_difference,
)
from gutbone.stats.study_table import read_study_table
from references import meta_references as ref
from tolerances import printed

P4 = printed(4)


def write(tmp_path, text, name="studies.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- formulas against metafor escalc ----------------------------------------------


def test_log_rr_bcg_first_trial():
    # metafor test_misc_escalc.r: escalc(measure="RR", ...dat.bcg) -> yi[1], vi[1]
    yv = log_risk_ratio(4, 123, 11, 139)
    assert float(yv.yi[0]) == pytest.approx(ref.ESCALC_BCG_RR_1["yi"], abs=P4)
    assert float(yv.vi[0]) == pytest.approx(ref.ESCALC_BCG_RR_1["vi"], abs=P4)


def test_log_rr_bcg_all_trials_at_printed_precision():
    # metafor docs/reference/trimfill.html prints the escalc(measure="RR", ...dat.bcg)
    # values as rows 1-13 of data.frame(yi = taf$yi, vi = taf$vi): yi with 8 decimals, vi
    # with 9 significant digits (see ref.TRIMFILL_BCG_EE_FILLED_YI)
    yv = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    )
    assert_allclose(yv.yi, ref.TRIMFILL_BCG_EE_FILLED_YI[:13], atol=printed(8))
    assert_allclose(yv.vi, ref.TRIMFILL_BCG_EE_FILLED_VI[:13], atol=printed(9))


def test_log_or_egger2001_with_zero_cell():
    # metafor docs/reference/regtest.html: escalc(measure="OR", ..., data=dat.egger2001,
    # subset=-16)$yi with 8 decimals; trial 8 (0/22 vs 1/21) gets 0.5 added to every cell:
    # log((0.5 * 20.5) / (22.5 * 1.5)) = log(10.25 / 33.75) = -1.19170271
    s = slice(0, 15)
    yv = log_odds_ratio(
        ref.EGGER2001_AI[s], ref.EGGER2001_N1I[s], ref.EGGER2001_CI[s], ref.EGGER2001_N2I[s]
    )
    assert_allclose(yv.yi, ref.EGGER2001_OR_YI_15, atol=printed(8))
    assert float(yv.yi[7]) == pytest.approx(math.log(10.25 / 33.75), rel=1e-12)
    assert float(yv.vi[7]) == pytest.approx(1 / 0.5 + 1 / 22.5 + 1 / 1.5 + 1 / 20.5, rel=1e-12)


def test_smd_exact_hedges_matches_metafor():
    s = slice(0, 4)
    yv = hedges_g(
        ref.NORMAND_M1[s],
        ref.NORMAND_SD1[s],
        ref.NORMAND_N1[s],
        ref.NORMAND_M2[s],
        ref.NORMAND_SD2[s],
        ref.NORMAND_N2[s],
    )
    assert_allclose(yv.yi, ref.ESCALC_NORMAND_SMD["yi"], atol=P4)
    assert_allclose(yv.vi, ref.ESCALC_NORMAND_SMD["vi"], atol=P4)


def test_hedges_correction_exact_and_approx_by_hand():
    # J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)); m = 10: Gamma(5) = 24,
    # Gamma(4.5) = 3.5 * 2.5 * 1.5 * 0.5 * sqrt(pi) = 11.6317..., so J = 24 / (sqrt(5) * 11.6317)
    gamma_45 = 3.5 * 2.5 * 1.5 * 0.5 * math.sqrt(math.pi)
    assert float(hedges_correction(10)[0]) == pytest.approx(
        24 / (math.sqrt(5) * gamma_45), rel=1e-12
    )
    # approximation 1 - 3/(4N - 9) with N = n1 + n2 = 12, i.e. 1 - 3/39
    assert float(hedges_correction(10, exact=False)[0]) == pytest.approx(1 - 3 / 39, rel=1e-15)
    assert float(hedges_correction(40)[0]) == pytest.approx(
        math.exp(special.gammaln(20) - special.gammaln(19.5)) / math.sqrt(20), rel=1e-12
    )


def test_smd_approximate_correction_differs_slightly():
    exact = hedges_g([66], [20], [18], [137], [48], [18])
    approx = hedges_g([66], [20], [18], [137], [48], [18], exact=False)
    # d = -71 / sqrt((17*400 + 17*2304)/34) = -71/sqrt(1352); J_approx = 1 - 3/(4*36 - 9)
    d = -71 / math.sqrt(1352)
    assert float(approx.yi[0]) == pytest.approx(d * (1 - 3 / 135), rel=1e-12)
    assert float(exact.yi[0]) == pytest.approx(ref.ESCALC_NORMAND_SMD["yi"][3], abs=P4)
    assert float(exact.yi[0]) != float(approx.yi[0])


def test_md_variances_by_hand_and_against_normand():
    # unequal variances, by hand: 47^2/155 + 64^2/156 = 14.2516 + 26.2564
    yv = mean_difference([55], [47], [155], [75], [64], [156])
    assert float(yv.yi[0]) == -20
    assert float(yv.vi[0]) == pytest.approx(47**2 / 155 + 64**2 / 156, rel=1e-14)
    # pooled-SD variant: Normand (1999) Table VIII via metafor test_analysis_example_normand1999.r
    yv = mean_difference(
        ref.NORMAND_M1,
        ref.NORMAND_SD1,
        ref.NORMAND_N1,
        ref.NORMAND_M2,
        ref.NORMAND_SD2,
        ref.NORMAND_N2,
        pooled=True,
    )
    assert_allclose(yv.yi, ref.NORMAND_MD_POOLED["yi"])
    assert_allclose(yv.vi, ref.NORMAND_MD_POOLED["vi"], atol=printed(2))


def test_continuity_correction_only_for_zero_cell_studies():
    # study 1 has a zero cell: cells (0.5, 10.5, 3.5, 8.5); study 2 has none
    rr = log_risk_ratio([0, 2], [10, 10], [3, 4], [11, 12])
    assert rr.corrected.tolist() == [True, False]
    assert float(rr.yi[0]) == pytest.approx(math.log((0.5 / 11) / (3.5 / 12)), rel=1e-12)
    assert float(rr.vi[0]) == pytest.approx(1 / 0.5 - 1 / 11 + 1 / 3.5 - 1 / 12, rel=1e-12)
    assert float(rr.yi[1]) == pytest.approx(math.log((2 / 10) / (4 / 12)), rel=1e-12)
    odds = log_odds_ratio([0], [10], [3], [11])
    assert float(odds.yi[0]) == pytest.approx(math.log(0.5 * 8.5 / (10.5 * 3.5)), rel=1e-12)
    rd = risk_difference([0], [10], [3], [11])
    assert float(rd.yi[0]) == pytest.approx(0.5 / 11 - 3.5 / 12, rel=1e-12)


# --- tables -> effect sizes ------------------------------------------------------------


def test_all_input_forms(tmp_path):
    z = 1.959963984540054
    cases = {
        "study,yi,vi\nA,0.5,0.04\nB,0.1,0.09\n": ("GEN", [0.5, 0.1], [0.04, 0.09]),
        "study,yi,sei\nA,0.5,0.2\nB,0.1,0.3\n": ("GEN", [0.5, 0.1], [0.04, 0.09]),
        "study,yi,ci_lower,ci_upper\nA,0.5,0.1,0.9\nB,0,-1,1\n": (
            "GEN",
            [0.5, 0.0],
            [(0.8 / (2 * z)) ** 2, (2 / (2 * z)) ** 2],
        ),
    }
    for text, (measure, yi, vi) in cases.items():
        es = effect_sizes(read_study_table(write(tmp_path, text)))
        assert es.measure == measure
        assert_allclose(es.yi, yi, rtol=1e-12)
        assert_allclose(es.vi, vi, rtol=1e-12)


def test_ratio_ci_is_log_transformed(tmp_path):
    path = write(tmp_path, "study,yi,ci_lower,ci_upper\nA,0.5,0.25,1.0\nB,2,1,4\n")
    es = effect_sizes(read_study_table(path), measure="OR")
    assert_allclose(es.yi, [math.log(0.5), math.log(2)])
    assert_allclose(es.vi, [(math.log(4) / (2 * 1.959963984540054)) ** 2] * 2, rtol=1e-12)
    assert any("log-transformed" in n for n in es.notes)


def test_counts_default_rr_and_note(tmp_path):
    path = write(tmp_path, "study,events1,n1,events2,n2\nA,0,20,5,20\nB,3,30,6,30\n")
    es = effect_sizes(read_study_table(path))
    assert es.measure == "RR"
    assert any("zero cell" in n and "A" in n and "B" not in n.split(":")[-1] for n in es.notes)


def test_measure_must_fit_form(tmp_path):
    path = write(tmp_path, "study,events1,n1,events2,n2\nA,1,20,5,20\nB,3,30,6,30\n")
    with pytest.raises(StatsError, match=r"studies.csv:1:-: measure SMD does not fit"):
        effect_sizes(read_study_table(path), measure="SMD")


def test_ratio_ci_must_be_positive(tmp_path):
    path = write(tmp_path, "study,yi,ci_lower,ci_upper\nA,0.5,-0.2,1.0\nB,2,1,4\n")
    with pytest.raises(StatsError, match=r"studies.csv:2:ci_lower: -0.2 is not a positive RR"):
        effect_sizes(read_study_table(path), measure="RR")


# --- validation: file:row:column ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("study,yi,vi\nA,0.1,0.02\nB,0.2,0\n", "studies.csv:3:vi: variance must be positive"),
        ("study,yi,vi\nA,0.1,-1\nB,0.2,0.1\n", "studies.csv:2:vi: variance must be positive"),
        (
            "study,yi,sei\nA,0.1,0\nB,0.2,0.1\n",
            "studies.csv:2:sei: standard error must be positive",
        ),
        (
            "study,m1,sd1,n1,m2,sd2,n2\nA,1,-2,10,2,1,10\nB,1,1,10,2,1,10\n",
            "studies.csv:2:sd1: standard deviation must be positive",
        ),
        (
            "study,yi,ci_lower,ci_upper\nA,2,0,1\nB,0.5,0,1\n",
            "studies.csv:2:yi: estimate 2.0 lies outside its confidence interval",
        ),
        (
            "study,events1,n1,events2,n2\nA,12,10,1,10\nB,1,10,1,10\n",
            "studies.csv:2:events1: events (12) exceed n1 (10)",
        ),
        ("study,yi,vi\nA,NaN,0.1\nB,0.2,0.1\n", "studies.csv:2:yi: 'NaN' is not a finite number"),
        ("study,yi,vi\nA,,0.1\nB,0.2,0.1\n", "studies.csv:2:yi: blank cell"),
        ("study,yi,vi\nA,abc,0.1\nB,0.2,0.1\n", "studies.csv:2:yi: 'abc' is not a number"),
        (
            "study,yi,vi\nA,0.1,0.1\nA,0.2,0.1\n",
            "studies.csv:3:study: duplicate study name 'A' (first on row 2)",
        ),
        ("study,yi\nA,0.1\n", "studies.csv:1:vi: missing required column 'vi'"),
        ("name,yi,vi\nA,0.1,0.1\n", "studies.csv:1:study: missing required column 'study'"),
        ("study,foo,bar\nA,1,2\n", "studies.csv:1:-: columns study,foo,bar match no input form"),
        (
            "study,events1,n1,events2,n2\nA,1.5,10,1,10\n",
            "studies.csv:2:events1: 1.5 is not a whole",
        ),
    ],
)
def test_bad_input_names_file_row_column(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_study_table(path)
    messages = [str(p) for p in info.value.problems]
    assert any(m.startswith(str(tmp_path / expected.split(":")[0])) for m in messages)
    assert any(expected.split(":", 1)[1] in m for m in messages), messages


def test_all_problems_collected_at_once(tmp_path):
    path = write(tmp_path, "study,yi,vi\nA,x,0.1\nB,0.2,-1\nA,0.3,0.1\n")
    with pytest.raises(InputError) as info:
        read_study_table(path)
    fields = sorted((p.row, p.field) for p in info.value.problems)
    assert fields == [(2, "yi"), (3, "vi"), (4, "study")]


def test_subgroup_column_and_blank_lines(tmp_path):
    path = write(tmp_path, "study,yi,vi,subgroup\nA,0.1,0.1,x\n\nB,0.2,0.1,y\n")
    table = read_study_table(path)
    assert table.subgroups == ("x", "y")
    assert table.rows == (2, 4)
