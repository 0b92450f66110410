"""Pooling (gutbone.stats.meta) against published metafor output."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from gutbone.errors import StatsError
from gutbone.stats.effect_sizes import log_risk_ratio
from gutbone.stats.leave_one_out import leave_one_out
from gutbone.stats.mantel_haenszel import mh_leave_one_out, pool_mh
from gutbone.stats.meta import (
    pool,
    pool_subgroups,
    pooled_estimate,
    qprofile_tau2_ci,
)
from references import meta_references as ref
from tolerances import CI, COEF, HET, SE, VAR, printed

P4 = printed(4)


@pytest.fixture(scope="module")
def bcg() -> tuple[np.ndarray, np.ndarray]:
    yv = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    )
    return yv.yi, yv.vi


# random study sets for the property tests (hypothesis)
studies = st.integers(min_value=3, max_value=12).flatmap(
    lambda k: st.tuples(
        st.lists(st.floats(-3, 3, allow_nan=False), min_size=k, max_size=k),
        st.lists(st.floats(0.01, 2.0, allow_nan=False), min_size=k, max_size=k),
    )
)


# --- BCG, REML ------------------------------------------------------------------


def test_bcg_reml_matches_printed_metafor(bcg):
    # rma(yi, vi, data=dat, method="REML") as printed on metafor's rma.uni reference page
    # (ref.BCG_REML_PRINTED)
    r = pool(*bcg, model="REML")
    expected = ref.BCG_REML_PRINTED
    for key in ("estimate", "se", "z", "ci_lower", "ci_upper", "tau2", "tau", "q"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(2)), key
    assert r.converged


def test_egger2001_reml_matches_printed_metafor():
    # rma(yi, vi, data=dat) on escalc(measure="OR", ..., data=dat.egger2001, subset=-16), as
    # printed on metafor's regtest reference page (ref.EGGER2001_REML_15); trial 8 has a
    # zero cell, corrected by adding 0.5 to its four cells in both packages
    from gutbone.stats.effect_sizes import log_odds_ratio

    s = slice(0, 15)
    yv = log_odds_ratio(
        ref.EGGER2001_AI[s], ref.EGGER2001_N1I[s], ref.EGGER2001_CI[s], ref.EGGER2001_N2I[s]
    )
    r = pool(yv.yi, yv.vi, model="REML")
    expected = ref.EGGER2001_REML_15
    for key in ("tau2", "q", "q_p", "estimate", "se", "z", "ci_lower", "ci_upper"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(2)), key


def test_bcg_reml_full_precision(bcg):
    # metafor test_misc_influence.r: tau2, QE and the weight of study 1 at full precision.
    # metafor stops Fisher scoring at a change < 1e-5 (its default); gutbone iterates to
    # 1e-10, hence VAR (1e-5 relative) rather than a tighter tolerance for tau2.
    r = pool(*bcg, model="REML")
    assert_allclose(r.tau2, ref.BCG_REML_FULL["tau2"], rtol=VAR)
    assert_allclose(r.q, ref.BCG_REML_FULL["q"], rtol=HET)
    assert_allclose(r.weights[0], ref.BCG_REML_FULL["weight_1"], rtol=VAR)
    assert r.q_df == 12
    assert sum(r.weights) == pytest.approx(100.0)


def test_bcg_reml_prediction_interval(bcg):
    # metafor predict(): pi = estimate -+ qnorm(0.975) * sqrt(tau2 + se^2), computed here
    # by hand from the printed REML values (estimate -0.7145, se 0.1798, tau2 0.3132).
    r = pool(*bcg, model="REML", measure="RR")
    half = 1.959964 * math.sqrt(0.3132 + 0.1798**2)
    assert r.pi_lower == pytest.approx(-0.7145 - half, abs=1e-3)
    assert r.pi_upper == pytest.approx(-0.7145 + half, abs=1e-3)
    assert r.back_transformed is not None
    assert r.back_transformed["estimate"] == pytest.approx(math.exp(-0.7145), abs=1e-4)


def test_prediction_interval_t_k_minus_2(bcg):
    # Higgins, Thompson & Spiegelhalter (2009) eq. 12: t with k-2 df, by hand (k = 13)
    r = pool(*bcg, model="REML", pi_method="t(k-2)")
    half = stats.t.ppf(0.975, 11) * math.sqrt(r.tau2 + r.se**2)
    assert r.pi_lower == pytest.approx(r.estimate - half, rel=1e-12)
    assert "t_(k-2)" in r.conventions["prediction_interval"]


def test_leave_one_out_matches_metafor_row_1(bcg):
    loo = leave_one_out(*bcg, model="REML")
    for key, expected in ref.BCG_REML_LEAVE1OUT_1.items():
        got = getattr(loo, key)[0]
        rtol = VAR if key in ("tau2", "i2", "h2") else 1e-6
        if key in ("p", "q_p"):
            rtol = 1e-5
        assert_allclose(got, expected, rtol=rtol, err_msg=key)


# --- metan comparisons: FE and DL for RR, OR, RD ---------------------------------


@pytest.mark.parametrize(("measure", "model"), list(ref.METAN_BCG))
def test_bcg_fe_dl_against_metan(measure, model):
    from gutbone.stats.effect_sizes import log_odds_ratio, risk_difference

    func = {"RR": log_risk_ratio, "OR": log_odds_ratio, "RD": risk_difference}[measure]
    yv = func(ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG)
    r = pool(yv.yi, yv.vi, model=model, measure=measure)
    expected = ref.METAN_BCG[(measure, model)]
    for key in ("estimate", "ci_lower", "ci_upper", "z", "tau2", "i2", "q"):
        if key in expected:
            assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    if "exp" in expected:
        b = r.back_transformed
        assert b is not None
        got = (b["estimate"], b["ci_lower"], b["ci_upper"])
        assert_allclose(got, expected["exp"], atol=P4)


def test_qprofile_ci_matches_metafor_confint(bcg):
    r = pool(*bcg, model="DL")
    tau2, i2, h2 = (ref.CONFINT_BCG_DL[k] for k in ("tau2", "i2", "h2"))
    assert (r.tau2, r.tau2_ci_lower, r.tau2_ci_upper) == pytest.approx(tau2, abs=P4)
    assert r.i2 == pytest.approx(i2[0], abs=P4)
    assert r.h2 == pytest.approx(h2[0], abs=P4)
    # metafor's bounds come from uniroot() with tol ~1.2e-4 on tau^2 (its default), which
    # moves I^2 by up to ~3e-3 and H^2 by up to ~1e-3; the tau^2 bounds agree at 4 decimals
    assert r.i2_ci_upper == pytest.approx(i2[2], abs=P4)
    assert r.h2_ci_upper == pytest.approx(h2[2], abs=1e-3)
    assert r.i2_ci_lower == pytest.approx(i2[1], abs=5e-3)
    assert r.h2_ci_lower == pytest.approx(h2[1], abs=2e-3)
    # the Q-profile bounds solve Q_gen(tau2) = chi2 quantiles (definition, Viechtbauer 2007)
    lo, hi = qprofile_tau2_ci(*bcg)
    y, v = bcg
    for bound, quantile in ((lo, stats.chi2.ppf(0.975, 12)), (hi, stats.chi2.ppf(0.025, 12))):
        w = 1 / (v + bound)
        mu = np.sum(w * y) / np.sum(w)
        assert np.sum(w * (y - mu) ** 2) == pytest.approx(quantile, rel=1e-9)


# --- Kacker data: PM, DL, FE, HKSJ at full precision -----------------------------


@pytest.mark.parametrize(
    ("key", "model", "hksj"),
    [
        ("PM", "PM", False),
        ("DL", "DL", False),
        ("DL_HKSJ", "DL", True),
        ("FE", "FE", False),
        ("FE_HKSJ", "FE", True),
    ],
)
def test_kacker_against_metafor(key, model, hksj):
    r = pool(ref.KACKER_Y, ref.KACKER_V, model=model, hksj=hksj)
    expected = ref.KACKER[key]
    tol = {
        "estimate": COEF,
        "se": SE,
        "z": SE,
        "ci_lower": CI,
        "ci_upper": CI,
        "tau2": VAR,
        "q": HET,
        "q_p": 1e-6,
        "i2": HET,
        "h2": HET,
        "p": 1e-6,
    }
    for name, value in expected.items():
        assert_allclose(getattr(r, name), value, rtol=tol[name], err_msg=name)
    if hksj:
        assert r.test == "t" and r.df == 8.0


def test_hksj_uses_t_with_k_minus_1(bcg):
    r = pool(*bcg, model="REML", hksj=True)
    w = 1 / (np.asarray(r.vi) + r.tau2)
    s2 = np.sum(w * (np.asarray(r.yi) - r.estimate) ** 2) / 12
    assert r.se == pytest.approx(math.sqrt(s2 / np.sum(w)), rel=1e-12)
    assert r.ci_upper - r.estimate == pytest.approx(stats.t.ppf(0.975, 12) * r.se, rel=1e-12)


# --- SMD / MD pooled --------------------------------------------------------------


def test_normand_md_pooled_sd_models():
    from gutbone.stats.effect_sizes import mean_difference

    yv = mean_difference(
        ref.NORMAND_M1,
        ref.NORMAND_SD1,
        ref.NORMAND_N1,
        ref.NORMAND_M2,
        ref.NORMAND_SD2,
        ref.NORMAND_N2,
        pooled=True,
    )
    p2 = printed(2)
    for model, expected in (
        ("FE", ref.NORMAND_MD_FE),
        ("DL", ref.NORMAND_MD_DL),
        ("REML", ref.NORMAND_MD_REML),
    ):
        r = pool(yv.yi, yv.vi, model=model)
        for key, value in expected.items():
            assert getattr(r, key) == pytest.approx(value, abs=p2), (model, key)


def test_normand_smd_reml_tau2():
    from gutbone.stats.effect_sizes import hedges_g

    s = slice(0, 4)
    yv = hedges_g(
        ref.NORMAND_M1[s],
        ref.NORMAND_SD1[s],
        ref.NORMAND_N1[s],
        ref.NORMAND_M2[s],
        ref.NORMAND_SD2[s],
        ref.NORMAND_N2[s],
    )
    assert pool(yv.yi, yv.vi, model="REML").tau2 == pytest.approx(ref.NORMAND_SMD_REML_TAU2, abs=P4)


# --- subgroups --------------------------------------------------------------------


def test_subgroups_fe_q_between_is_q_total_minus_q_within(bcg):
    # Identity for the fixed-effect model (Borenstein et al. 2009, ch. 19): Q_between =
    # Q_total - sum(Q_within).
    y, v = bcg
    r = pool_subgroups(y, v, ref.BCG_ALLOC, model="FE")
    assert [g.subgroup for g in r.subgroups] == ["random", "alternate", "systematic"]
    q_within = sum(g.result.q for g in r.subgroups)
    assert r.q_between == pytest.approx(r.q - q_within, rel=1e-10)
    assert r.q_between_p == pytest.approx(stats.chi2.sf(r.q - q_within, 2), rel=1e-10)
    assert [g.result.k for g in r.subgroups] == [7, 2, 4]


def test_subgroups_random_effects_per_group(bcg):
    y, v = bcg
    r = pool_subgroups(y, v, ref.BCG_ALLOC, model="REML")
    alloc = np.array(ref.BCG_ALLOC)
    est, se = [], []
    for group in r.subgroups:
        mask = alloc == group.subgroup
        single = pool(y[mask], v[mask], model="REML")
        assert group.result.estimate == pytest.approx(single.estimate, rel=1e-12)
        assert group.result.tau2 == pytest.approx(single.tau2, rel=1e-12)
        est.append(single.estimate)
        se.append(single.se)
    # Q-between by hand: fixed-effect Q of the three subgroup estimates
    w = 1 / np.square(se)
    mu = np.sum(w * est) / np.sum(w)
    assert r.q_between == pytest.approx(float(np.sum(w * (np.array(est) - mu) ** 2)), rel=1e-12)
    d = r.to_json_dict()
    assert {"subgroups", "q_between", "q_between_p"} <= set(d)
    assert d["subgroups"][0]["subgroup"] == "random"


# --- pooled_estimate and heterogeneity_ci=False: same numbers, fewer extras ----------


@pytest.mark.parametrize("model", ["FE", "DL", "REML", "PM"])
@pytest.mark.parametrize(("hksj", "pi_method"), [(False, "z"), (True, "z"), (False, "t(k-2)")])
def test_pooled_estimate_equals_pool(bcg, model, hksj, pi_method):
    full = pool(*bcg, model=model, hksj=hksj, pi_method=pi_method)
    core = pooled_estimate(*bcg, model=model, hksj=hksj, pi_method=pi_method)
    lean = pool(*bcg, model=model, hksj=hksj, pi_method=pi_method, heterogeneity_ci=False)
    for f in dataclasses.fields(core):
        assert getattr(core, f.name) == getattr(full, f.name), f.name
        assert getattr(lean, f.name) == getattr(full, f.name), f.name
    assert lean.weights == full.weights and lean.studies == full.studies
    for key in ("tau2", "i2", "h2"):
        for side in ("lower", "upper"):
            name = f"{key}_ci_{side}"
            assert math.isnan(getattr(lean, name)) and math.isfinite(getattr(full, name))
    assert lean.to_json_dict()["tau2_ci_lower"] is None
    assert "not computed" in lean.conventions["tau2_ci"]
    assert set(core.to_json_dict()) < set(full.to_json_dict())


def test_pooled_estimate_rejects_what_pool_rejects():
    with pytest.raises(StatsError, match="at least two studies"):
        pooled_estimate([0.4], [0.04], hksj=True)
    with pytest.raises(StatsError, match="vi"):
        pooled_estimate([0.1, 0.2], [0.1, 0.0])


def _q_gen(y, v, t):
    w = 1 / (v + t)
    mu = np.sum(w * y) / np.sum(w)
    return float(np.sum(w * (y - mu) ** 2))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=studies, level=st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_qprofile_and_pm_solve_their_defining_equations(data, level):
    # Viechtbauer (2007): the Q-profile bounds solve Q_gen(tau2) = chi2_{1-a/2, k-1} and
    # chi2_{a/2, k-1} (0 when Q_gen(0) is already below); Paule-Mandel solves
    # Q_gen(tau2) = k - 1 (DerSimonian & Kacker 2007). Checked from the definitions.
    y, v = (np.array(x) for x in data)
    k = y.size
    lo, hi = qprofile_tau2_ci(y, v, level=level)
    pm = pool(y, v, model="PM", heterogeneity_ci=False).tau2
    for bound, target in (
        (lo, stats.chi2.ppf(1 - (1 - level) / 2, k - 1)),
        (hi, stats.chi2.ppf((1 - level) / 2, k - 1)),
        (pm, k - 1),
    ):
        if bound == 0:
            assert _q_gen(y, v, 0.0) <= target * (1 + 1e-12)
        else:
            assert _q_gen(y, v, bound) == pytest.approx(target, rel=1e-9)
    assert 0 <= lo <= hi


# --- JSON keys, k = 1, errors -------------------------------------------------------


def test_json_keys_exact(bcg):
    d = pool(*bcg).to_json_dict()
    required = [
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
    ]
    for key in required:
        assert key in d
    assert "subgroups" not in d and "q_between" not in d
    assert len(d["weights"]) == 13
    for key in ("egger_test", "md_variance", "hedges_correction", "prediction_interval"):
        assert key in d["conventions"] or key in ("md_variance", "hedges_correction")


def test_single_study_gives_its_own_result_with_note():
    r = pool([0.4], [0.04], model="REML")
    assert r.k == 1 and r.estimate == 0.4 and r.se == pytest.approx(0.2)
    assert r.tau2 == 0.0 and r.weights == (100.0,)
    assert any("only one study" in n for n in r.notes)
    d = r.to_json_dict()
    assert d["q_p"] is None  # NaN becomes null


def test_hksj_with_one_study_is_an_error():
    with pytest.raises(StatsError, match="at least two studies"):
        pool([0.4], [0.04], hksj=True)


@pytest.mark.parametrize("bad", [0.0, -0.1, float("nan")])
def test_non_positive_variance_rejected(bad):
    with pytest.raises(StatsError, match="vi"):
        pool([0.1, 0.2], [0.1, bad])


def test_unknown_model_rejected():
    with pytest.raises(StatsError, match="not a model"):
        pool([0.1, 0.2], [0.1, 0.1], model="GLMM")  # not a tau2 estimator here


# --- leave-one-out: vectorised engine equals refitting ------------------------------


@pytest.mark.parametrize("model", ["FE", "DL", "REML", "PM"])
@pytest.mark.parametrize("hksj", [False, True])
def test_leave_one_out_equals_refits(bcg, model, hksj):
    y, v = bcg
    loo = leave_one_out(y, v, model=model, hksj=hksj)
    for i in range(y.size):
        keep = np.arange(y.size) != i
        r = pool(y[keep], v[keep], model=model, hksj=hksj)
        assert loo.estimate[i] == pytest.approx(r.estimate, rel=1e-8, abs=1e-12)
        assert loo.se[i] == pytest.approx(r.se, rel=1e-8)
        assert loo.tau2[i] == pytest.approx(r.tau2, rel=1e-7, abs=1e-12)
        assert loo.i2[i] == pytest.approx(r.i2, rel=1e-7, abs=1e-9)
        assert loo.q[i] == pytest.approx(r.q, rel=1e-9)


@pytest.mark.parametrize("model", ["REML", "PM", "DL"])
def test_leave_one_out_large_k_series_path(model):
    # k above the direct-summation limit exercises the Taylor-series path; check a sample
    # of rows against full refits.
    rng = np.random.default_rng(20240601)
    k = 3500
    v = rng.uniform(0.01, 0.2, k)
    y = rng.normal(0.3, np.sqrt(v + 0.05))
    loo = leave_one_out(y, v, model=model)
    for i in (0, 17, 1234, k - 1):
        keep = np.arange(k) != i
        r = pool(y[keep], v[keep], model=model)
        assert loo.tau2[i] == pytest.approx(r.tau2, rel=1e-7)
        assert loo.estimate[i] == pytest.approx(r.estimate, rel=1e-9)


# --- properties (hypothesis) --------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=studies, seed=st.integers(0, 10_000), model=st.sampled_from(["FE", "DL", "REML", "PM"]))
def test_permutation_invariance(data, seed, model):
    y, v = (np.array(x) for x in data)
    perm = np.random.default_rng(seed).permutation(y.size)
    a = pool(y, v, model=model)
    b = pool(y[perm], v[perm], model=model)
    assert b.estimate == pytest.approx(a.estimate, rel=1e-7, abs=1e-9)
    assert b.tau2 == pytest.approx(a.tau2, rel=1e-6, abs=1e-9)
    assert b.q == pytest.approx(a.q, rel=1e-9, abs=1e-12)
    assert np.asarray(b.weights) == pytest.approx(np.asarray(a.weights)[perm], rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    v=st.lists(st.floats(0.01, 2.0), min_size=3, max_size=12),
    centre=st.floats(-2, 2),
    spread=st.floats(0.0, 0.3),
)
def test_fe_equals_dl_when_tau2_is_zero(v, centre, spread):
    # Studies closer to the centre than their SEs give Q < k - 1, so the DL tau2 is 0 and
    # the DL result must equal the fixed-effect result.
    v = np.array(v)
    signs = np.where(np.arange(v.size) % 2 == 0, 1.0, -1.0)
    y = centre + signs * spread * np.sqrt(v) / 2
    dl = pool(y, v, model="DL")
    fe = pool(y, v, model="FE")
    assert dl.tau2 == 0.0
    assert dl.estimate == pytest.approx(fe.estimate, rel=1e-12, abs=1e-15)
    assert dl.se == pytest.approx(fe.se, rel=1e-12)
    assert (dl.ci_lower, dl.ci_upper) == pytest.approx((fe.ci_lower, fe.ci_upper), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=studies, factor=st.floats(0.05, 0.95), hksj=st.booleans())
def test_ci_width_shrinks_with_variances(data, factor, hksj):
    # Fixed-effect model: se = (sum 1/vi)^-1/2, so smaller variances give a narrower CI.
    # (Not a theorem for random-effects models: shrinking vi raises the tau2 estimate;
    # e.g. y = (0, 0, 0, 1), v = (1, 1, 1, 0.125), factor 0.5 widens the DL interval.)
    y, v = (np.array(x) for x in data)
    wide = pool(y, v, model="FE")
    narrow = pool(y, v * factor, model="FE")
    assert narrow.ci_upper - narrow.ci_lower < wide.ci_upper - wide.ci_lower
    if hksj:  # HKSJ rescales by the residual variance: a common factor cancels out
        wide = pool(y, v, model="FE", hksj=True)
        narrow = pool(y, v * factor, model="FE", hksj=True)
        assert narrow.se == pytest.approx(wide.se, rel=1e-9, abs=1e-15)


@settings(max_examples=60, deadline=None)
@given(data=studies, scale=st.floats(0.1, 0.9), model=st.sampled_from(["FE", "DL", "REML", "PM"]))
def test_ci_width_shrinks_when_all_variation_shrinks(data, scale, model):
    # Random-effects models: scaling every yi by c and every vi by c^2 (all variation
    # shrinks) scales tau2 by c^2 and the CI width by c < 1.
    y, v = (np.array(x) for x in data)
    wide = pool(y, v, model=model)
    narrow = pool(y * scale, v * scale**2, model=model)
    w_wide = wide.ci_upper - wide.ci_lower
    assert narrow.ci_upper - narrow.ci_lower == pytest.approx(scale * w_wide, rel=1e-6)
    assert narrow.tau2 == pytest.approx(scale**2 * wide.tau2, rel=1e-5, abs=1e-12)


def test_note_when_dl_tau2_lies_outside_its_q_profile_interval():
    # Seed 002, serum calcium (data/studies/calcium.csv): three rows with very different
    # precisions; DL tau2 = 0.0445 falls below the Q-profile lower bound (about 0.05).
    from gutbone.resources import data_dir
    from gutbone.stats.analysis import meta_analysis_from_csv

    result = meta_analysis_from_csv(str(data_dir() / "studies" / "calcium.csv"), model="DL")
    assert result.tau2 < result.tau2_ci_lower
    assert any("outside its Q-profile interval" in note for note in result.notes)
    reml = meta_analysis_from_csv(str(data_dir() / "studies" / "calcium.csv"), model="REML")
    assert reml.tau2_ci_lower <= reml.tau2 <= reml.tau2_ci_upper
    assert not any("outside its Q-profile interval" in note for note in reml.notes)


# --- Mantel-Haenszel (model="MH", gutbone.stats.mantel_haenszel) -------------------


def _bcg_counts():
    return (
        ref.BCG_TPOS,
        ref.BCG_TPOS + ref.BCG_TNEG,
        ref.BCG_CPOS,
        ref.BCG_CPOS + ref.BCG_CNEG,
    )


@pytest.mark.parametrize(
    ("measure", "expected"), [("RR", ref.MH_BCG_RR_PRINTED), ("OR", ref.MH_BCG_OR_PRINTED)]
)
def test_mh_bcg_matches_printed_rma_mh(measure, expected):
    # rma.mh(measure=..., ai=tpos, bi=tneg, ci=cpos, di=cneg, data=dat.bcg) as printed on
    # metafor's rma.mh reference page (ref.MH_BCG_RR_PRINTED / MH_BCG_OR_PRINTED)
    r = pool_mh(*_bcg_counts(), measure=measure, studies=ref.BCG_STUDIES)
    for key in ("estimate", "se", "z", "ci_lower", "ci_upper", "q"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(2)), key
    assert r.q_df == expected["q_df"] and r.k == 13
    assert r.p < 1e-4 and r.q_p < 1e-4  # printed "<.0001"
    back = r.back_transformed
    assert back is not None
    assert (back["estimate"], back["ci_lower"], back["ci_upper"]) == pytest.approx(
        expected["exp"], abs=P4
    )
    # fixed effect: tau2 = 0 and the prediction interval is the CI
    assert r.model == "MH" and r.tau2 == 0.0 and r.tau == 0.0
    assert (r.pi_lower, r.pi_upper) == (r.ci_lower, r.ci_upper)
    assert sum(r.weights) == pytest.approx(100.0)


def test_mh_bcg_risk_difference_matches_metafor_and_stata():
    # metafor tests/testthat/test_misc_metan_vs_rma.mh_with_dat.bcg.r (ref.MH_BCG_RD_METAN):
    # rma.mh(measure="RD") gives z -11.47 (Sato et al. 1989 variance); Stata metan 11.56
    # (Greenland & Robins 1985 variance, gutbone's default). Estimate and CI at 3 decimals.
    expected = ref.MH_BCG_RD_METAN
    gr = pool_mh(*_bcg_counts(), measure="RD")
    sato = pool_mh(*_bcg_counts(), measure="RD", rd_variance="Sato")
    assert gr.z == pytest.approx(expected["z_gr"], abs=printed(2))
    assert sato.z == pytest.approx(expected["z_sato"], abs=printed(2))
    for r in (gr, sato):
        for key in ("estimate", "ci_lower", "ci_upper"):
            assert getattr(r, key) == pytest.approx(expected[key], abs=printed(3)), key
        assert r.q == pytest.approx(expected["q"], abs=printed(2))
        assert r.back_transformed is None
    assert gr.estimate == sato.estimate  # only the variance differs
    assert "Greenland & Robins 1985" in gr.conventions["mh_variance"]
    assert "Sato" in sato.conventions["mh_variance"]


@pytest.mark.parametrize("measure", ["RR", "OR", "RD"])
def test_mh_three_trials_match_openmee_output(measure):
    # OpenMEE (metafor rma.mh) output quoted in MetidaFreq.jl's tests (ref.OPENMEE_MH):
    # rma.mh(measure=..., ai=c(21,14,11), bi=c(20,17,12), ci=c(2,12,9), di=c(10,22,7));
    # RD with metafor's Sato variance. Printed with 6 decimals.
    t = ref.OPENMEE_TABLES
    a, b, c, d = (np.array(t[key], dtype=float) for key in ("ai", "bi", "ci", "di"))
    r = pool_mh(a, a + b, c, c + d, measure=measure, rd_variance="Sato")
    expected = ref.OPENMEE_MH[measure]
    for key in ("estimate", "ci_lower", "ci_upper", "se", "p", "q", "q_p"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(6)), key
    assert r.weights == pytest.approx(expected["weights"], abs=printed(6))
    if measure != "RD":
        back = r.back_transformed
        assert back is not None
        assert (back["estimate"], back["ci_lower"], back["ci_upper"]) == pytest.approx(
            expected["exp"], abs=printed(6)
        )


# Seed 002 nausea (data/studies/nausea.csv): 1/73 vs 2/73 and 0/46 vs 1/46.
NAUSEA = ([1, 0], [73, 46], [2, 1], [73, 46])


def test_mh_hand_calculation_rr_or_rd():
    z = 1.959963984540054
    # RR: R = a n2/N, S = c n1/N; study 2 has a zero cell and needs no correction
    r_sum, s_sum = 1 * 73 / 146 + 0 * 46 / 92, 2 * 73 / 146 + 1 * 46 / 92  # 0.5, 1.5
    var = ((73 * 73 * 3 - 1 * 2 * 146) / 146**2 + (46 * 46 * 1 - 0) / 92**2) / (r_sum * s_sum)
    rr = pool_mh(*NAUSEA, measure="RR")
    assert rr.estimate == pytest.approx(math.log(1 / 3), rel=1e-12)
    assert rr.se == pytest.approx(math.sqrt(var), rel=1e-12)
    assert rr.ci_upper == pytest.approx(math.log(1 / 3) + z * math.sqrt(var), rel=1e-12)
    assert rr.weights == pytest.approx([100 * 1.0 / 1.5, 100 * 0.5 / 1.5])  # c n1 / N
    # OR: R = a d/N, S = b c/N, P = (a+d)/N, Q = (b+c)/N (Robins, Breslow & Greenland)
    R = np.array([1 * 71 / 146, 0 * 45 / 92])
    S = np.array([72 * 2 / 146, 46 * 1 / 92])
    P = np.array([72 / 146, 45 / 92])
    Q = np.array([74 / 146, 47 / 92])
    var_or = (
        (P * R).sum() / (2 * R.sum() ** 2)
        + (P * S + Q * R).sum() / (2 * R.sum() * S.sum())
        + (Q * S).sum() / (2 * S.sum() ** 2)
    )
    odds = pool_mh(*NAUSEA, measure="OR")
    assert odds.estimate == pytest.approx(math.log(R.sum() / S.sum()), rel=1e-12)
    assert odds.se == pytest.approx(math.sqrt(var_or), rel=1e-12)
    assert odds.weights == pytest.approx(list(100 * S / S.sum()))
    # RD: w = n1 n2/N = 36.5, 23; J = (a b n2^3 + c d n1^3)/(n1 n2 N^2) (Greenland & Robins)
    j = 73 * (1 * 72 + 2 * 71) / 146**2 + (0 + 1 * 45 * 46**3) / (46 * 46 * 92**2)
    rd = pool_mh(*NAUSEA, measure="RD")
    assert rd.estimate == pytest.approx((36.5 * (-1 / 73) + 23 * (-1 / 46)) / 59.5, rel=1e-12)
    assert rd.se == pytest.approx(math.sqrt(j) / 59.5, rel=1e-12)
    assert rd.weights == pytest.approx([100 * 36.5 / 59.5, 100 * 23 / 59.5])
    # Q: inverse-variance Q of the study yi (0.5 added to study 2) around the MH estimate
    # study 2 with 0.5 added to each cell: 0.5/47 vs 1.5/47; study 1 as it is
    yv = log_risk_ratio([1, 0.5], [73, 47], [2, 1.5], [73, 47], add=0.0)
    q = float(np.sum((yv.yi - math.log(1 / 3)) ** 2 / yv.vi))
    assert rr.q == pytest.approx(q, rel=1e-12) and rr.q_df == 1
    assert rr.i2 == 0.0 and rr.h2 == pytest.approx(q, rel=1e-12)
    assert any(n.startswith("0.5 added") and n.endswith(": 2") for n in rr.notes)


def test_mh_double_zero_study():
    # metafor rma.mh docs: studies with no events in both arms are not dropped from the MH
    # sums but "do not actually influence the results" (RR/OR); their yi is NA (drop00).
    with_00 = [x + [y] for x, y in zip(map(list, NAUSEA), [0, 30, 0, 30], strict=True)]
    for measure in ("RR", "OR"):
        r = pool_mh(*with_00, measure=measure, studies=["a", "b", "empty"])
        base = pool_mh(*NAUSEA, measure=measure)
        assert (r.estimate, r.se) == pytest.approx((base.estimate, base.se), rel=1e-12)
        assert r.k == 3 and r.q_df == 1 and math.isnan(r.yi[2]) and math.isnan(r.vi[2])
        assert r.weights[2] == 0.0
        assert r.to_json_dict()["yi"][2] is None
        assert any("no events (or only events) in both arms: empty" in n for n in r.notes)
    # RD: the study enters with weight n1 n2/N = 15 and a difference of 0
    rd = pool_mh(*with_00, measure="RD")
    j = 73 * (1 * 72 + 2 * 71) / 146**2 + (0 + 1 * 45 * 46**3) / (46 * 46 * 92**2)
    assert rd.estimate == pytest.approx(-1.0 / 74.5, rel=1e-12)
    assert rd.se == pytest.approx(math.sqrt(j) / 74.5, rel=1e-12)
    assert rd.weights[2] == pytest.approx(100 * 15 / 74.5)


def test_mh_not_estimable_and_bad_input():
    with pytest.raises(StatsError, match="no events in group 2 in any study"):
        pool_mh([1, 2], [10, 10], [0, 0], [10, 10], measure="RR")
    with pytest.raises(StatsError, match="not estimable"):
        pool_mh([0, 0], [10, 10], [3, 1], [10, 10], measure="OR")
    with pytest.raises(StatsError, match="variance 0"):
        pool_mh([0, 0], [10, 10], [0, 0], [10, 10], measure="RD")
    with pytest.raises(StatsError, match="defined for RR, OR, RD"):
        pool_mh(*NAUSEA, measure="SMD")
    with pytest.raises(StatsError, match="is not a 2x2 row"):
        pool_mh([11, 1], [10, 10], [1, 1], [10, 10])
    with pytest.raises(StatsError, match="pools 2x2 counts, not yi/vi"):
        pool([0.1, 0.2], [0.01, 0.02], model="MH")


def test_mh_subgroups_and_q_between():
    r = pool_mh(*_bcg_counts(), measure="RR", studies=ref.BCG_STUDIES, subgroups=ref.BCG_ALLOC)
    assert [g.subgroup for g in r.subgroups] == ["random", "alternate", "systematic"]
    counts = [np.asarray(x) for x in _bcg_counts()]
    est, w = [], []
    for group in r.subgroups:
        index = [i for i, label in enumerate(ref.BCG_ALLOC) if label == group.subgroup]
        alone = pool_mh(*(x[index] for x in counts), measure="RR")
        assert group.result.estimate == pytest.approx(alone.estimate, rel=1e-12)
        assert group.result.model == "MH" and group.result.k == len(index)
        est.append(alone.estimate)
        w.append(1 / alone.se**2)
    est_a, w_a = np.array(est), np.array(w)
    mu = np.sum(w_a * est_a) / np.sum(w_a)
    assert r.q_between == pytest.approx(float(np.sum(w_a * (est_a - mu) ** 2)), rel=1e-12)
    assert r.q_between_p == pytest.approx(stats.chi2.sf(r.q_between, 2), rel=1e-9)
    assert r.estimate == pytest.approx(ref.MH_BCG_RR_PRINTED["estimate"], abs=P4)


@pytest.mark.parametrize(
    ("measure", "rd_variance"), [("RR", "GR"), ("OR", "GR"), ("RD", "GR"), ("RD", "Sato")]
)
def test_mh_leave_one_out_equals_refits(measure, rd_variance):
    counts = [np.asarray(x) for x in _bcg_counts()]
    loo = mh_leave_one_out(*counts, measure=measure, rd_variance=rd_variance)
    assert loo.model == "MH"
    for i in range(13):
        keep = [j for j in range(13) if j != i]
        r = pool_mh(*(x[keep] for x in counts), measure=measure, rd_variance=rd_variance)
        for key in ("estimate", "se", "ci_lower", "ci_upper", "z", "q", "i2", "h2"):
            assert getattr(loo, key)[i] == pytest.approx(getattr(r, key), rel=1e-9), (i, key)


def test_mh_from_csv_checks_form_and_measure(tmp_path):
    from gutbone.stats.analysis import meta_analysis_from_csv

    counts = tmp_path / "c.csv"
    counts.write_text("study,events1,n1,events2,n2\nA,1,73,2,73\nB,0,46,1,46\n")
    r = meta_analysis_from_csv(str(counts), model="MH")
    assert r.model == "MH" and r.measure == "RR"
    assert r.back_transformed["estimate"] == pytest.approx(1 / 3)
    means = tmp_path / "m.csv"
    means.write_text("study,m1,sd1,n1,m2,sd2,n2\nA,1,1,10,2,1,10\n")
    with pytest.raises(StatsError, match="needs 2x2 counts") as info:
        meta_analysis_from_csv(str(means), model="MH")
    assert info.value.problems[0].file == str(means)
    with pytest.raises(StatsError, match="measure SMD needs an inverse-variance model"):
        meta_analysis_from_csv(str(counts), model="MH", measure="SMD")
    with pytest.raises(StatsError, match="Hartung-Knapp"):
        meta_analysis_from_csv(str(counts), model="MH", hksj=True)
