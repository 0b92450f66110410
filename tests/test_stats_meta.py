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
from gutbone.stats.meta import (
    leave_one_out,
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
        pool([0.1, 0.2], [0.1, 0.1], model="ML")


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
    from gutbone.stats.meta import meta_analysis_from_csv

    result = meta_analysis_from_csv(str(data_dir() / "studies" / "calcium.csv"), model="DL")
    assert result.tau2 < result.tau2_ci_lower
    assert any("outside its Q-profile interval" in note for note in result.notes)
    reml = meta_analysis_from_csv(str(data_dir() / "studies" / "calcium.csv"), model="REML")
    assert reml.tau2_ci_lower <= reml.tau2 <= reml.tau2_ci_upper
    assert not any("outside its Q-profile interval" in note for note in reml.notes)
