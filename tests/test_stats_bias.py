"""Egger, Begg and trim-and-fill (gutbone.stats.bias)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbone.errors import StatsError
from gutbone.stats.bias import begg_test, egger_test, trim_and_fill
from gutbone.stats.effect_sizes import log_risk_ratio
from gutbone.stats.meta import pool
from references import meta_references as ref
from tolerances import printed

P4 = printed(4)


@pytest.fixture(scope="module")
def bcg():
    yv = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    )
    return yv.yi, yv.vi


def test_egger_classical_equals_eggers_original_regression(bcg):
    # Egger et al. (1997): OLS of the standard normal deviate yi/sei on the precision 1/sei;
    # the intercept is the bias. Fitted here independently with statsmodels OLS.
    y, v = bcg
    sei = np.sqrt(v)
    ols = sm.OLS(y / sei, sm.add_constant(1 / sei)).fit()
    res = egger_test(y, v)
    assert res.variant == "classical" and res.df == 11
    assert res.slope == pytest.approx(ols.params[0], rel=1e-10)  # bias = OLS intercept
    assert res.slope_se == pytest.approx(ols.bse[0], rel=1e-10)
    assert res.stat == pytest.approx(ols.tvalues[0], rel=1e-10)
    assert res.p == pytest.approx(ols.pvalues[0], rel=1e-8)
    assert res.intercept == pytest.approx(ols.params[1], rel=1e-10)  # limit estimate


def test_egger_mixed_matches_viechtbauer_2010(bcg):
    # regtest(rma(yi, vi, data=dat)) -> z = -0.8033, p = 0.4218 (see ref.BCG_REGTEST_MIXED)
    res = egger_test(*bcg, variant="mixed", model="REML")
    assert res.df is None
    assert res.stat == pytest.approx(ref.BCG_REGTEST_MIXED["z"], abs=P4)
    assert res.p == pytest.approx(ref.BCG_REGTEST_MIXED["p"], abs=P4)


def test_egger_mixed_fe_is_weighted_regression_with_z(bcg):
    # With tau2 fixed at 0 the mixed variant is WLS with known weights 1/vi and a z test
    # (no dispersion): statsmodels WLS, se divided by the residual scale.
    y, v = bcg
    sei = np.sqrt(v)
    wls = sm.WLS(y, sm.add_constant(sei), weights=1 / v).fit()
    res = egger_test(y, v, variant="mixed", model="FE")
    se = wls.bse[1] / math.sqrt(wls.scale)
    assert res.slope == pytest.approx(wls.params[1], rel=1e-10)
    assert res.slope_se == pytest.approx(se, rel=1e-10)
    assert res.stat == pytest.approx(wls.params[1] / se, rel=1e-10)


def _kendall_exact_p(x, y):
    """Two-sided exact p of Kendall's tau by enumerating all permutations (no ties)."""
    n = len(x)
    rank_x = np.argsort(np.argsort(x))
    rank_y = np.argsort(np.argsort(y))
    order = rank_y[np.argsort(rank_x)]

    def s_stat(perm):
        return sum(np.sign(perm[j] - perm[i]) for i in range(n) for j in range(i + 1, n))

    observed = abs(s_stat(order))
    count = total = 0
    for perm in itertools.permutations(range(n)):
        total += 1
        count += abs(s_stat(perm)) >= observed
    return s_stat(order) / (n * (n - 1) / 2), count / total


def test_begg_by_enumeration():
    # Six studies, hand-made; reference p from all 720 permutations (exact null of tau).
    y = np.array([0.9, 0.1, 0.5, 0.3, 0.7, -0.2])
    v = np.array([0.30, 0.02, 0.12, 0.05, 0.2, 0.01])
    w = 1 / v
    beta = np.sum(w * y) / np.sum(w)
    ystar = (y - beta) / np.sqrt(v - 1 / np.sum(w))
    tau, p = _kendall_exact_p(ystar, v)
    res = begg_test(y, v)
    assert res.exact
    assert res.tau == pytest.approx(tau, rel=1e-12)
    assert res.p == pytest.approx(p, rel=1e-9)


def test_begg_matches_viechtbauer_2010(bcg):
    # ranktest(res) -> Kendall's tau = 0.0256, p = 0.9524 (see ref.BCG_RANKTEST)
    res = begg_test(*bcg)
    assert res.tau == pytest.approx(ref.BCG_RANKTEST["tau"], abs=P4)
    assert res.p == pytest.approx(ref.BCG_RANKTEST["p"], abs=P4)
    assert res.tau == pytest.approx(1 / 39, rel=1e-12)  # S = 2 of 78 pairs


def test_trim_and_fill_hand_example():
    # Five studies, vi = 1 (FE estimate = mean), studies missing on the left:
    # iteration 1: theta = 4.4; deviations -4.4, -0.4, 0.6, 1.6, 2.6; ranks of |dev|
    #   5, 1, 2, 3, 4; S+ = 2 + 3 + 4 = 9; L0 = (4*9 - 30)/9 = 0.67 -> k0 = 1
    # iteration 2: trim 7 -> theta = mean(0, 4, 5, 6) = 3.75; deviations -3.75, .25, 1.25,
    #   2.25, 3.25; ranks 5, 1, 2, 3, 4; S+ = 10; L0 = (40 - 30)/9 = 1.11 -> k0 = 1 (stop)
    # fill: 2 * 3.75 - 7 = 0.5 (vi 1); adjusted FE estimate = (22 + 0.5)/6 = 3.75,
    # se = sqrt(1/6)
    tf = trim_and_fill([0, 4, 5, 6, 7], [1, 1, 1, 1, 1], model="FE", side="left")
    assert tf.k0 == 1 and tf.side == "left" and tf.converged
    assert tf.filled_yi == pytest.approx((0.5,))
    assert tf.filled_vi == (1.0,)
    assert tf.filled_studies == ("filled: 5",)
    assert tf.adjusted.k == 6
    assert tf.adjusted.estimate == pytest.approx(3.75, rel=1e-12)
    assert tf.adjusted.se == pytest.approx(math.sqrt(1 / 6), rel=1e-12)
    # the mirror image fills on the right
    tf_r = trim_and_fill([0, -4, -5, -6, -7], [1] * 5, model="FE", side="right")
    assert tf_r.k0 == 1 and tf_r.filled_yi == pytest.approx((-0.5,))


def test_trim_and_fill_side_follows_sei_slope(bcg):
    # metafor chooses the side from the sign of the sei coefficient of
    # rma(yi, vi, mods=~sqrt(vi), method=<model>): negative here -> "right"
    y, v = bcg
    mixed = egger_test(y, v, variant="mixed", model="REML")
    tf = trim_and_fill(y, v, model="REML", studies=ref.BCG_STUDIES)
    assert mixed.slope < 0 and tf.side == "right"
    assert tf.k0 == len(tf.filled_yi) == len(tf.filled_vi)
    # filled studies mirror the most extreme studies on the left of the estimate
    for label, value in zip(tf.filled_studies, tf.filled_yi, strict=True):
        original = y[ref.BCG_STUDIES.index(label.removeprefix("filled: "))]
        assert value > tf.adjusted.estimate > original


@settings(max_examples=50, deadline=None)
@given(
    d=st.lists(st.floats(0.05, 3.0), min_size=2, max_size=8, unique=True),
    v=st.lists(st.floats(0.01, 1.0), min_size=8, max_size=8),
    centre=st.floats(-2, 2),
    middle=st.booleans(),
    model=st.sampled_from(["FE", "DL", "REML", "PM"]),
    side=st.sampled_from(["left", "right", None]),
)
def test_trim_and_fill_adds_nothing_to_symmetric_funnel(d, v, centre, middle, model, side):
    d = np.array(d)
    var = np.array(v[: d.size])
    y = np.concatenate([centre + d, centre - d])
    vi = np.concatenate([var, var])
    if middle:
        y = np.append(y, centre)
        vi = np.append(vi, 0.5)
    tf = trim_and_fill(y, vi, model=model, side=side)
    assert tf.k0 == 0
    assert tf.adjusted.estimate == pytest.approx(pool(y, vi, model=model).estimate, rel=1e-12)


def test_bias_tests_need_three_studies():
    for func in (egger_test, begg_test, trim_and_fill):
        with pytest.raises(StatsError, match="at least 3 studies"):
            func([0.1, 0.2], [0.1, 0.1])
