"""Egger, Begg and trim-and-fill (gutbone.stats.bias)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from gutbone.errors import StatsError
from gutbone.stats.bias import begg_test, egger_test, trim_and_fill
from gutbone.stats.effect_sizes import log_odds_ratio, log_risk_ratio
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


@pytest.fixture(scope="module")
def egger2001():
    """Log odds ratios of all 16 trials of dat.egger2001 (0.5 added to trial 8's cells)."""
    yv = log_odds_ratio(ref.EGGER2001_AI, ref.EGGER2001_N1I, ref.EGGER2001_CI, ref.EGGER2001_N2I)
    return np.asarray(yv.yi), np.asarray(yv.vi)


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


def test_egger_classical_matches_metafor_regtest_lm(egger2001):
    # regtest(rma(yi, vi, data=dat), model="lm") on dat.egger2001 without ISIS-4
    # (ref.EGGER2001_REGTEST_LM_15): t = -3.1783, df = 13, p = 0.0073, limit estimate
    # -0.1512 with a t(13) interval (-0.5130, 0.2106)
    y, v = (a[:15] for a in egger2001)
    expected = ref.EGGER2001_REGTEST_LM_15
    res = egger_test(y, v)
    assert res.df == expected["df"]
    assert res.stat == pytest.approx(expected["stat"], abs=P4)
    assert res.p == pytest.approx(expected["p"], abs=P4)
    assert res.intercept == pytest.approx(expected["intercept"], abs=P4)
    half = stats.t.ppf(0.975, 13) * res.intercept_se
    assert (res.intercept - half, res.intercept + half) == pytest.approx(
        expected["intercept_ci"], abs=P4
    )


def test_egger_mixed_matches_metafor_regtest(egger2001):
    # regtest(rma(yi, vi, data=dat)) (mixed-effects version, REML, z test) on the 15 trials
    # (ref.EGGER2001_REGTEST_MIXED_15): z = -2.8062, p = 0.0050, limit estimate -0.1639
    # (-0.5681, 0.2402); and on all 16 trials (test_misc_pub_bias.r): z = -4.6686
    y, v = (a[:15] for a in egger2001)
    expected = ref.EGGER2001_REGTEST_MIXED_15
    res = egger_test(y, v, variant="mixed", model="REML")
    assert res.df is None
    assert res.stat == pytest.approx(expected["stat"], abs=P4)
    assert res.p == pytest.approx(expected["p"], abs=P4)
    assert res.intercept == pytest.approx(expected["intercept"], abs=P4)
    half = stats.norm.ppf(0.975) * res.intercept_se
    assert (res.intercept - half, res.intercept + half) == pytest.approx(
        expected["intercept_ci"], abs=P4
    )
    res16 = egger_test(*egger2001, variant="mixed", model="REML")
    assert res16.stat == pytest.approx(ref.EGGER2001_REGTEST_MIXED_16["stat"], abs=P4)


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


def test_begg_matches_metafor_ranktest(bcg, egger2001):
    # ranktest(rma(yi, vi, data=dat)) on dat.bcg (ref.BCG_RANKTEST, metafor's ranktest.html):
    # Kendall's tau = 0.0256, p = 0.9524; S = 2 of 78 pairs gives tau = 1/39 exactly
    res = begg_test(*bcg)
    assert res.exact
    assert res.tau == pytest.approx(ref.BCG_RANKTEST["tau"], abs=P4)
    assert res.p == pytest.approx(ref.BCG_RANKTEST["p"], abs=P4)
    assert res.tau == pytest.approx(1 / 39, rel=1e-12)
    # dat.egger2001, 16 trials (test_misc_pub_bias.r): tau = 0.15 exactly, p = 0.4503
    res16 = begg_test(*egger2001)
    assert res16.tau == pytest.approx(ref.EGGER2001_RANKTEST_16["tau"], rel=1e-12)
    assert res16.p == pytest.approx(ref.EGGER2001_RANKTEST_16["p"], abs=P4)


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


def test_trim_and_fill_fe_matches_metafor_bcg(bcg):
    # trimfill(rma(yi, vi, data=dat, method="EE")) on dat.bcg (ref.TRIMFILL_BCG_EE, metafor's
    # trimfill.html): 4 studies missing on the right; adjusted estimate -0.2910 (0.0383),
    # z = -7.6057, CI (-0.3660, -0.2160), Q(16) = 262.7316, I^2 93.91%, H^2 16.42
    tf = trim_and_fill(*bcg, model="FE", studies=ref.BCG_STUDIES)
    expected = ref.TRIMFILL_BCG_EE
    assert (tf.k0, tf.side, tf.adjusted.k) == (expected["k0"], expected["side"], expected["k"])
    assert tf.converged
    for key in ("estimate", "se", "z", "ci_lower", "ci_upper", "q"):
        assert getattr(tf.adjusted, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(tf.adjusted, key) == pytest.approx(expected[key], abs=printed(2)), key
    # the imputed studies, printed as rows 14-17 of data.frame(yi = taf$yi, vi = taf$vi)
    assert_allclose(tf.filled_yi, ref.TRIMFILL_BCG_EE_FILLED_YI[13:], atol=printed(8))
    assert_allclose(tf.filled_vi, ref.TRIMFILL_BCG_EE_FILLED_VI[13:], atol=printed(9))
    # each imputed study mirrors an observed one with the same variance
    for label, vi in zip(tf.filled_studies, tf.filled_vi, strict=True):
        original = ref.BCG_STUDIES.index(label.removeprefix("filled: "))
        assert vi == bcg[1][original]


def test_trim_and_fill_equal_random_matches_metafor_bcg(bcg):
    # "equal-random" example of trimfill.Rd: rma(yi, vi, data=filled) (REML) on the 17
    # observed + imputed studies of the EE trim-and-fill (ref.TRIMFILL_BCG_EE_THEN_REML)
    tf = trim_and_fill(*bcg, model="FE")
    y = np.concatenate([bcg[0], tf.filled_yi])
    v = np.concatenate([bcg[1], tf.filled_vi])
    r = pool(y, v, model="REML")
    expected = ref.TRIMFILL_BCG_EE_THEN_REML
    for key in ("tau2", "q", "estimate", "se", "z", "p", "ci_lower", "ci_upper"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(r, key) == pytest.approx(expected[key], abs=printed(2)), key


def test_trim_and_fill_reml_matches_metafor_bcg(bcg):
    # trimfill(rma(yi, vi, data=dat)) (REML in every iteration; ref.TRIMFILL_BCG_REML): 1
    # study missing on the right; adjusted tau^2 0.3313, estimate -0.6571 (0.1785),
    # z = -3.6805, p = 0.0002, CI (-1.0070, -0.3072), Q(13) = 154.6750
    tf = trim_and_fill(*bcg, model="REML", studies=ref.BCG_STUDIES)
    expected = ref.TRIMFILL_BCG_REML
    assert (tf.k0, tf.side, tf.adjusted.k) == (expected["k0"], expected["side"], expected["k"])
    assert tf.converged and tf.adjusted.converged
    for key in ("tau2", "q", "estimate", "se", "p", "ci_lower", "ci_upper"):
        assert getattr(tf.adjusted, key) == pytest.approx(expected[key], abs=P4), key
    for key in ("i2", "h2"):
        assert getattr(tf.adjusted, key) == pytest.approx(expected[key], abs=printed(2)), key
    # z: gutbone gives -3.680551, which rounds to -3.6806, one unit away from the printed
    # -3.6805. metafor stops Fisher scoring once tau^2 changes by < 1e-5 (rma.uni's
    # default threshold); gutbone iterates to 1e-10. A tau^2 only 3e-6 above gutbone's
    # 0.3312876 already gives z = -3.680538 (computed from the filled data), so the
    # printed value is compared at one unit of its last digit rather than half a unit.
    assert tf.adjusted.z == pytest.approx(expected["z"], abs=1e-4)
    # the imputed study mirrors the most extreme study on the left of the estimate
    (label,) = tf.filled_studies
    original = ref.BCG_STUDIES.index(label.removeprefix("filled: "))
    assert tf.filled_yi[0] > tf.adjusted.estimate > bcg[0][original]


def test_trim_and_fill_side_follows_sei_slope(bcg):
    # metafor chooses the side from the sign of the sei coefficient of
    # rma(yi, vi, mods=~sqrt(vi), method=<model>): negative here -> "right" (and metafor
    # prints "right" for both examples above)
    y, v = bcg
    for model in ("FE", "REML"):
        mixed = egger_test(y, v, variant="mixed", model=model)
        tf = trim_and_fill(y, v, model=model)
        assert mixed.slope < 0 and tf.side == "right"
        assert tf.k0 == len(tf.filled_yi) == len(tf.filled_vi)


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
