"""tau^2 estimators (gutbone.stats.tau2) against published values, through every consumer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbone.stats.effect_sizes import log_odds_ratio, log_risk_ratio
from gutbone.stats.leave_one_out import leave_one_out
from gutbone.stats.meta import MODELS, pool
from gutbone.stats.tau2 import TAU2_METHODS, estimate_tau2
from references import meta_references as ref
from tolerances import ITERATIVE_DERIVED, ITERATIVE_TAU2, printed

P4 = printed(4)
#: metafor (and the published tables) stop these at a tau^2 change of 1e-5 (tolerances.py)
ITERATIVE = frozenset({"ML", "REML", "EB"})


@pytest.mark.parametrize("method", sorted(ref.V2005_EX1))
@pytest.mark.parametrize("example", ["ex1", "ex2"])
def test_estimators_match_viechtbauer_2005(method, example):
    # Viechtbauer (2005) pages 271-272: tau2, I2, H2 of each estimator (ref.V2005_EX1/2)
    y, v, table = {
        "ex1": (ref.V2005_EX1_Y, ref.V2005_EX1_V, ref.V2005_EX1),
        "ex2": (ref.V2005_EX2_Y, ref.V2005_EX2_V, ref.V2005_EX2),
    }[example]
    tau2, i2, h2 = table[method]
    r = pool(y, v, model=method)
    assert r.tau2 == pytest.approx(tau2, abs=P4)
    loose = method in ITERATIVE  # I2 23.7179 vs 23.7198 (EB, ex2): metafor's early stop
    assert r.i2 == pytest.approx(i2, abs=P4, rel=ITERATIVE_DERIVED if loose else 0)
    assert r.h2 == pytest.approx(h2, abs=P4, rel=ITERATIVE_DERIVED if loose else 0)
    assert r.converged
    assert r.model == method


@pytest.mark.parametrize("method", sorted(ref.CLASP))
def test_estimators_match_dersimonian_kacker_2007(method):
    # DerSimonian & Kacker (2007) Tables 3-4: tau, mu, se of the CLASP log odds ratios
    yv = log_odds_ratio(ref.CLASP_AI, ref.CLASP_N1, ref.CLASP_CI, ref.CLASP_N2)
    tau, mu, se = ref.CLASP[method]
    r = pool(yv.yi, yv.vi, model=method)
    if method in ITERATIVE:
        # ML: the likelihood is maximal at tau2 = 0 (score -42 there); the published tau
        # 0.0023 (tau2 5e-6) is where the iteration stopped on its way to 0
        assert r.tau2 == pytest.approx(tau**2, abs=ITERATIVE_TAU2)
    else:
        assert math.sqrt(r.tau2) == pytest.approx(tau, abs=P4)
    slack = ITERATIVE_DERIVED * se if method in ITERATIVE else 0.0  # a fraction of the SE
    assert r.estimate == pytest.approx(mu, abs=P4 + slack)
    assert r.se == pytest.approx(se, abs=P4)


def test_ml_pooling_gives_every_output_as_reml():
    # anova.rma reference page: rma(yi, vi, data=dat, method="ML") on dat.bcg
    yv = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    )
    r = pool(yv.yi, yv.vi, model="ML")
    expected = ref.BCG_ML_PRINTED
    for key in ("tau2", "tau", "q", "estimate", "se", "z", "ci_lower", "ci_upper"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(2)), key
    # the Q-profile interval does not depend on the estimator (Viechtbauer 2007): the same
    # interval as REML's, which metafor prints as 0.1197 - 1.1115 (confint.rma page)
    assert (r.tau2_ci_lower, r.tau2_ci_upper) == pytest.approx((0.1197, 1.1115), abs=P4)
    assert r.pi_lower < r.ci_lower < r.estimate < r.ci_upper < r.pi_upper
    assert len(r.weights) == 13 and sum(r.weights) == pytest.approx(100.0)


def test_eb_equals_pm_and_matches_berkey_1995():
    # Berkey et al. (1995) p. 408: EB with "smoothed" variances (ref.BERKEY_EB); and the
    # EB fixed point solves the Paule-Mandel equation (metafor rma.uni docs: "the empirical
    # Bayes estimator is actually identical to the Paule-Mandel estimator")
    yi = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    ).yi
    t, c = ref.BCG_TPOS, ref.BCG_CPOS
    tn, cn = ref.BCG_TNEG, ref.BCG_CNEG
    vi = np.sum(tn / t) / (13 * (tn + t)) + np.sum(cn / c) / (13 * (cn + c))
    eb = pool(yi, vi, model="EB")
    assert eb.estimate == pytest.approx(ref.BERKEY_EB["estimate"], abs=P4)
    assert eb.se == pytest.approx(ref.BERKEY_EB["se"], abs=P4)
    assert eb.tau2 == pytest.approx(ref.BERKEY_EB["tau2"], abs=P4)
    assert eb.tau2 == pytest.approx(pool(yi, vi, model="PM").tau2, rel=1e-8)


def test_sj_is_its_published_formula_by_hand():
    # Sidik & Jonkman (2005): t0 = sum (y - ybar)^2 / k; tau2 = t0 * Q_gen(t0) / (k - 1)
    y, v = ref.V2005_EX1_Y, ref.V2005_EX1_V
    k = y.size
    t0 = float(np.sum((y - y.mean()) ** 2) / k)
    w = 1 / (v + t0)
    mu = np.sum(w * y) / np.sum(w)
    expected = t0 * float(np.sum(w * (y - mu) ** 2)) / (k - 1)
    assert estimate_tau2(y, v, "SJ").tau2 == pytest.approx(expected, rel=1e-12)


def test_every_model_is_accepted_by_pooling_and_leave_one_out():
    assert set(MODELS) == set(TAU2_METHODS)
    y, v = ref.V2005_EX1_Y, ref.V2005_EX1_V
    for method in MODELS:
        full = pool(y, v, model=method)
        loo = leave_one_out(y, v, model=method)
        assert loo.converged and len(loo.tau2) == y.size
        # leaving out study 1, by refitting (the vectorised engine must agree)
        refit = pool(y[1:], v[1:], model=method, heterogeneity_ci=False)
        assert loo.tau2[0] == pytest.approx(refit.tau2, rel=1e-7, abs=1e-12), method
        assert loo.estimate[0] == pytest.approx(refit.estimate, rel=1e-9), method
        assert full.converged


@settings(max_examples=60, deadline=None)
@given(
    data=st.integers(3, 9).flatmap(
        lambda k: st.tuples(
            st.lists(st.floats(-2, 2, allow_nan=False), min_size=k, max_size=k),
            st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k),
        )
    ),
    method=st.sampled_from(["ML", "REML", "EB"]),
)
def test_iterative_estimators_solve_their_equations(data, method):
    # at the estimate (if positive) the score equation of each estimator is zero:
    # ML: sum w^2 r^2 = sum w; REML: sum w^2 r^2 = tr P; EB/PM: sum w r^2 = k - 1
    y, v = (np.array(x) for x in data)
    fit = estimate_tau2(y, v, method)
    assert fit.converged and fit.tau2 >= 0
    if fit.tau2 < 1e-8:
        return
    w = 1 / (v + fit.tau2)
    mu = np.sum(w * y) / np.sum(w)
    r = y - mu
    lhs = float(np.sum(w**2 * r**2))
    rhs = {
        "ML": float(np.sum(w)),
        "REML": float(np.sum(w) - np.sum(w**2) / np.sum(w)),
    }.get(method)
    if method == "EB":
        lhs, rhs = float(np.sum(w * r**2)), float(y.size - 1)
    assert lhs == pytest.approx(rhs, rel=1e-6)


def test_non_convergence_is_reported_everywhere(monkeypatch, tmp_path, capsys):
    # with one Fisher-scoring step allowed, REML cannot settle (DL 0.2768 -> REML 0.2232 on
    # Viechtbauer's example 1): pooling, leave-one-out, meta-regression and the command
    # line all say so instead of reporting the last value silently
    import json

    import gutbone.stats.tau2 as tau2_module
    from gutbone.cli import main
    from gutbone.stats.regression import meta_regression

    monkeypatch.setattr(tau2_module, "_MAXITER", 1)
    y, v = ref.V2005_EX1_Y, ref.V2005_EX1_V
    r = pool(y, v, model="REML")
    assert not r.converged and r.iterations == 1
    assert any("did not converge after 1 iterations" in note for note in r.notes)
    assert not leave_one_out(y, v, model="REML").converged
    reg = meta_regression(y, v, {"x": np.arange(10.0)}, model="REML")
    assert not reg.converged and any("did not converge" in note for note in reg.notes)
    assert pool(y, v, model="DL").converged  # closed form: nothing to converge
    rows = "\n".join(f"S{i},{a},{b}" for i, (a, b) in enumerate(zip(y, v, strict=True)))
    path = tmp_path / "ex1.csv"
    path.write_text("study,yi,vi\n" + rows + "\n", encoding="utf-8")
    assert main(["meta", str(path), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    d = json.loads(out)
    assert d["converged"] is False and d["leave_one_out"]["converged"] is False
    assert "warning: REML estimation did not converge" in err
