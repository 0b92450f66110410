"""Two-step MR mediation: hand-written delta-method calculations, a published Sobel
example and a Monte Carlo cross-check."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from gutbone.errors import StatsError
from gutbone.stats.mediation import mediate
from tolerances import CI, MC_CI, SE, P, printed

Z975 = 1.959963984540054  # qnorm(0.975)


def test_delta_method_hand_calculation():
    # a = 0.5 (0.1), b = 0.4 (0.1), total = 0.4 (0.1)
    # indirect = 0.5 * 0.4 = 0.2
    # Sobel var = a^2 se_b^2 + b^2 se_a^2 = 0.25*0.01 + 0.16*0.01 = 0.0041
    # -> se = sqrt(0.0041) = 0.0640312; z = 0.2/0.0640312 = 3.123475
    # direct = 0.4 - 0.2 = 0.2; var = se_total^2 + var(indirect) = 0.01 + 0.0041 = 0.0141
    # proportion = 0.2/0.4 = 0.5;
    # var = (b/c)^2 se_a^2 + (a/c)^2 se_b^2 + (ab/c^2)^2 se_c^2
    #     = 1^2*0.01 + 1.25^2*0.01 + 1.25^2*0.01 = 0.01 + 0.015625 + 0.015625 = 0.04125
    r = mediate(0.5, 0.1, 0.4, 0.1, total=0.4, total_se=0.1)
    assert r.indirect == pytest.approx(0.2)
    assert_allclose(r.indirect_se, math.sqrt(0.0041), rtol=SE)
    assert_allclose(
        [r.indirect_ci_lower, r.indirect_ci_upper],
        [0.2 - Z975 * math.sqrt(0.0041), 0.2 + Z975 * math.sqrt(0.0041)],
        rtol=CI,
    )
    assert_allclose(r.indirect_p, 2 * stats.norm.sf(0.2 / math.sqrt(0.0041)), rtol=P)
    assert r.direct == pytest.approx(0.2)
    assert_allclose(r.direct_se, math.sqrt(0.0141), rtol=SE)
    assert r.proportion == pytest.approx(0.5)
    assert_allclose(r.proportion_se, math.sqrt(0.04125), rtol=SE)
    assert_allclose(
        [r.proportion_ci_lower, r.proportion_ci_upper],
        [0.5 - Z975 * math.sqrt(0.04125), 0.5 + Z975 * math.sqrt(0.04125)],
        rtol=CI,
    )
    assert r.notes == ()
    assert r.method == "delta" and r.se_order == "first"


def test_aroian_second_order_hand_calculation():
    # second order adds se_a^2 se_b^2 = 0.01*0.01 = 0.0001 -> var 0.0042
    r = mediate(0.5, 0.1, 0.4, 0.1, aroian=True)
    assert_allclose(r.indirect_se, math.sqrt(0.0042), rtol=SE)
    assert r.se_order == "second"
    assert "Aroian" in r.conventions["indirect_se"]


def test_published_sobel_example():
    # easycalculation.com, "Learn How to do Sobel Test - Formula, Example"
    # (https://www.easycalculation.com/other/learn-sobel-test.php): a = 2, b = 3,
    # Sa = 0.3, Sb = 0.4 -> "Sobel Test statistic value = 4.983"
    # (= 6 / sqrt(9*0.09 + 4*0.16) = 6 / sqrt(1.45)).
    r = mediate(2.0, 0.3, 3.0, 0.4)
    assert abs(r.indirect / r.indirect_se - 4.983) <= printed(3)
    # Aroian statistic for the same inputs, by hand: 6 / sqrt(1.45 + 0.09*0.16) = 4.958232
    aroian = mediate(2.0, 0.3, 3.0, 0.4, aroian=True)
    assert_allclose(aroian.indirect / aroian.indirect_se, 6 / math.sqrt(1.4644), rtol=SE)


def test_monte_carlo_interval_close_to_delta_for_precise_estimates():
    # With se/estimate about 0.5% (very large GWAS) a*b and a*b/c are close to normal, so
    # the MC percentile intervals and SE must match the delta-method ones (skewness of a
    # product or ratio shifts percentiles by O(se/estimate) of the half-width).
    args = dict(a=0.5, a_se=0.0025, b=0.4, b_se=0.0025, total=0.5, total_se=0.0025)
    delta = mediate(**args)
    mc = mediate(**args, method="mc", draws=200_000, seed=11)
    half = Z975 * delta.indirect_se
    assert abs(mc.indirect_ci_lower - delta.indirect_ci_lower) <= MC_CI * half
    assert abs(mc.indirect_ci_upper - delta.indirect_ci_upper) <= MC_CI * half
    assert_allclose(mc.indirect_se, delta.indirect_se, rtol=MC_CI)
    assert delta.proportion_ci_lower is not None and mc.proportion_ci_lower is not None
    prop_half = Z975 * delta.proportion_se  # type: ignore[operator]
    assert abs(mc.proportion_ci_lower - delta.proportion_ci_lower) <= MC_CI * prop_half
    assert abs(mc.proportion_ci_upper - delta.proportion_ci_upper) <= MC_CI * prop_half  # type: ignore[operator]
    assert mc.proportion_se is None  # not reported for mc (ratio of normals)
    assert mc.indirect == delta.indirect  # point estimates are the plug-in values
    assert (mc.draws, mc.seed) == (200_000, 11)


def test_monte_carlo_is_seeded():
    one = mediate(0.3, 0.1, 0.2, 0.1, method="mc", draws=5000, seed=3)
    two = mediate(0.3, 0.1, 0.2, 0.1, method="mc", draws=5000, seed=3)
    three = mediate(0.3, 0.1, 0.2, 0.1, method="mc", draws=5000, seed=4)
    assert one.indirect_ci_lower == two.indirect_ci_lower
    assert one.indirect_ci_lower != three.indirect_ci_lower
    assert "5000 draws" in one.conventions["mc"]


def test_monte_carlo_p_value_counts_draws_across_zero():
    # a = b = 0 (se 1): a*b is symmetric about 0, about half of the draws are <= 0,
    # so the two-sided MC p value is close to 1.
    r = mediate(0.0, 1.0, 0.0, 1.0, method="mc", draws=10_000, seed=1)
    assert r.indirect_p > 0.95


def test_opposite_signs_are_explained_not_hidden():
    # indirect = 0.5 * -0.4 = -0.2, total = 0.3 -> proportion -0.2/0.3 = -0.6667,
    # direct = 0.3 + 0.2 = 0.5
    r = mediate(0.5, 0.1, -0.4, 0.1, total=0.3, total_se=0.1)
    assert r.proportion == pytest.approx(-2 / 3)
    assert r.direct == pytest.approx(0.5)
    assert any(n.startswith("inconsistent mediation") for n in r.notes)


def test_proportion_above_one_and_unstable_total_are_noted():
    r = mediate(0.5, 0.1, 0.4, 0.1, total=0.1, total_se=0.1)
    assert r.proportion == pytest.approx(2.0)
    assert any("exceeds the total effect" in n for n in r.notes)
    assert any("not distinguishable from 0" in n for n in r.notes)


def test_without_total_or_total_se():
    no_total = mediate(0.5, 0.1, 0.4, 0.1)
    assert no_total.direct is None and no_total.proportion is None
    no_se = mediate(0.5, 0.1, 0.4, 0.1, total=0.4)
    assert no_se.direct == pytest.approx(0.2) and no_se.proportion == pytest.approx(0.5)
    assert no_se.direct_se is None and no_se.proportion_ci_lower is None
    assert any("total_se not given" in n for n in no_se.notes)


def test_json_keys():
    data = mediate(0.5, 0.1, 0.4, 0.1, total=0.4, total_se=0.1).to_json_dict()
    required = {
        "indirect",
        "indirect_se",
        "indirect_ci_lower",
        "indirect_ci_upper",
        "indirect_p",
        "direct",
        "proportion",
        "proportion_ci_lower",
        "proportion_ci_upper",
        "conventions",
        "method",
        "notes",
        "direct_se",
    }
    assert required <= set(data)
    assert isinstance(data["conventions"], dict) and isinstance(data["notes"], list)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (dict(a=0.5, a_se=0.0, b=0.4, b_se=0.1), "a_se"),
        (dict(a=0.5, a_se=0.1, b=0.4, b_se=-0.1), "b_se"),
        (dict(a=math.nan, a_se=0.1, b=0.4, b_se=0.1), "a"),
        (dict(a=0.5, a_se=0.1, b=0.4, b_se=0.1, total=0.3, total_se=0.0), "total_se"),
        (dict(a=0.5, a_se=0.1, b=0.4, b_se=0.1, total_se=0.1), "total_se"),
    ],
)
def test_bad_values_name_the_field(kwargs, field):
    with pytest.raises(StatsError) as info:
        mediate(**kwargs)
    assert [p.field for p in info.value.problems] == [field]


def test_aroian_with_monte_carlo_is_refused():
    with pytest.raises(ValueError, match="aroian"):
        mediate(0.5, 0.1, 0.4, 0.1, method="mc", aroian=True)


@settings(max_examples=100, deadline=None)
@given(
    a=st.floats(0.05, 5) | st.floats(-5, -0.05),
    b=st.floats(0.05, 5) | st.floats(-5, -0.05),
    a_se=st.floats(0.01, 1),
    b_se=st.floats(0.01, 1),
    total_se=st.floats(0.01, 1),
)
def test_proportion_is_one_when_direct_is_zero(a, b, a_se, b_se, total_se):
    r = mediate(a, a_se, b, b_se, total=a * b, total_se=total_se)
    assert r.direct == pytest.approx(0.0, abs=1e-12)
    assert r.proportion == pytest.approx(1.0, rel=1e-12)
    assert r.proportion_ci_lower <= 1.0 <= r.proportion_ci_upper  # type: ignore[operator]
    assert not any("inconsistent" in n for n in r.notes)
