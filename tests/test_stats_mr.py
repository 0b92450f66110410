"""Mendelian randomization against MendelianRandomization's published LDL-C -> CHD outputs.

Reference numbers and the exact R calls are in ``references/mr_references.py``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from gutbone.errors import InputError, StatsError
from gutbone.stats.mr import (
    DEFAULT_BOOTSTRAP_SAMPLES,
    DEFAULT_SEED,
    mr_all,
    mr_egger,
    mr_from_csv,
    mr_ivw,
    mr_median,
    weighted_median,
)
from gutbone.stats.variant_table import read_variant_table
from references import mr_references as ref
from tolerances import BOOTSTRAP_SE, COEF, HET, SE, printed

FIXTURES = Path(__file__).parent / "fixtures" / "mr"
ARGS = (ref.LDLC, ref.LDLCSE, ref.CHDLODDS, ref.CHDLODDSSE)


def assert_printed(actual: float, expected: tuple[float, int], what: str) -> None:
    value, decimals = expected
    assert abs(actual - value) <= printed(decimals), f"{what}: {actual} vs printed {value}"


# --- IVW -------------------------------------------------------------------------------


def test_ivw_random_matches_mendelianrandomization_vignette():
    fit = mr_ivw(*ARGS)
    for key in ("estimate", "se", "ci_lower", "ci_upper", "p", "rse", "q", "q_p"):
        assert_printed(getattr(fit, key), ref.IVW[key], key)
    assert fit.q_df == ref.IVW["q_df"]
    assert_printed(100 * fit.i2, ref.IVW["i2_percent"], "I2")
    assert fit.model == "random"


def test_ivw_fixed_effect_hand_calculation():
    # bx = (1, 2, 3), by = (2, 1, 4), se_y = 1:
    # estimate = sum(bx*by)/sum(bx^2) = 16/14; SE_fixed = 1/sqrt(14) = 0.2672612
    # residuals 6/7, -9/7, 4/7 -> Q = (36 + 81 + 16)/49 = 133/49 = 2.7142857, df 2
    # rse = sqrt(Q/2) = 1.1649647 > 1 -> SE_random = SE_fixed * rse = 0.3113499
    fixed = mr_ivw([1, 2, 3], None, [2, 1, 4], [1, 1, 1], model="fixed")
    random = mr_ivw([1, 2, 3], None, [2, 1, 4], [1, 1, 1])
    assert_allclose(fixed.estimate, 16 / 14, rtol=COEF)
    assert_allclose(fixed.se, 1 / math.sqrt(14), rtol=SE)
    assert_allclose(fixed.q, 133 / 49, rtol=HET)
    assert_allclose(random.rse, math.sqrt(133 / 98), rtol=HET)
    assert_allclose(random.se, math.sqrt(133 / 98) / math.sqrt(14), rtol=SE)
    assert_allclose(random.ci_upper - random.estimate, 1.959963985 * random.se, rtol=SE)


def test_ivw_random_effects_se_is_floored_at_fixed_effect_se():
    # bx = (1, 2), by = (1, 1), se_y = 1: Q = 0.4^2 + 0.2^2 = 0.2 < df = 1 (under-dispersion)
    random = mr_ivw([1, 2], None, [1, 1], [1, 1])
    assert_allclose(random.rse, math.sqrt(0.2), rtol=HET)
    assert_allclose(random.se, 1 / math.sqrt(5), rtol=SE)  # not sqrt(0.2)/sqrt(5)


# --- MR-Egger --------------------------------------------------------------------------


def test_egger_matches_mendelianrandomization_vignette():
    fit = mr_egger(*ARGS)
    for key in (
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "p",
        "intercept",
        "intercept_se",
        "intercept_ci_lower",
        "intercept_ci_upper",
        "intercept_p",
        "rse",
        "q",
    ):
        assert_printed(getattr(fit, key), ref.EGGER[key], key)
    assert fit.q_df == ref.EGGER["q_df"]
    assert fit.i2_gx is not None
    assert_printed(100 * fit.i2_gx, ref.EGGER["i2_gx_percent"], "I2_GX")


def test_egger_exact_line_hand_calculation():
    # after orientation (bx > 0): x = (0.1, 0.2, 0.4), y = (0.11, 0.21, 0.41) lie on
    # y = 0.01 + 1.0 x exactly -> slope 1, intercept 0.01, Q = 0, rse = 0 floored at 1.
    fit = mr_egger([0.1, -0.2, 0.4], None, [0.11, -0.21, 0.41], [0.02] * 3)
    assert_allclose([fit.estimate, fit.intercept], [1.0, 0.01], rtol=COEF)
    assert fit.q == pytest.approx(0.0, abs=1e-20)
    # SEs with rse floored at 1 are the fixed-effect WLS ones: equal weights w = 2500,
    # Sxx = sum((x - 7/30)^2) = 0.0466667 -> se(slope) = sqrt(1/(w*Sxx)) = 0.0925820
    assert_allclose(fit.se, math.sqrt(1 / (2500 * (0.14 / 3))), rtol=SE)
    assert fit.i2_gx is None  # no se_exposure given


def test_egger_needs_three_variants():
    with pytest.raises(StatsError, match="MR-Egger needs at least 3 variants, got 2"):
        mr_egger([0.1, 0.2], [0.01, 0.01], [0.1, 0.2], [0.1, 0.1], source="x.csv")


def test_egger_unidentifiable_slope_is_an_error():
    with pytest.raises(StatsError, match="not identifiable"):
        mr_egger([0.1, -0.1, 0.1], None, [0.1, 0.2, 0.3], [0.1] * 3)


# --- medians ---------------------------------------------------------------------------


def test_weighted_median_hand_calculations():
    # equal weights, even count: positions (j - 0.5)/4 = .125 .375 .625 .875 -> midpoint
    assert weighted_median([4.0, 1.0, 3.0, 2.0], [1, 1, 1, 1]) == pytest.approx(2.5)
    # weights 0.1 0.2 0.3 0.4 (sorted values 1..4): s = 0.05, 0.20, 0.45, 0.80
    # -> between 3 and 4: 3 + (0.5 - 0.45)/(0.80 - 0.45) = 3.142857
    assert weighted_median([1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4]) == pytest.approx(3 + 0.05 / 0.35)


def test_weighted_median_matches_vignette_estimate_and_bootstrap_se():
    fit = mr_median(*ARGS)
    # The point estimate does not depend on the bootstrap: compared at printed precision.
    assert_printed(fit.estimate, ref.WEIGHTED_MEDIAN["estimate"], "estimate")
    # The SE is a bootstrap SD (numpy PCG64, not R's generator): looser, see tolerances.
    assert_allclose(fit.se, ref.WEIGHTED_MEDIAN["se"][0], rtol=BOOTSTRAP_SE)
    half_width = 1.959964 * ref.WEIGHTED_MEDIAN["se"][0] * BOOTSTRAP_SE + printed(3)
    assert abs(fit.ci_lower - ref.WEIGHTED_MEDIAN["ci_lower"][0]) <= half_width
    assert abs(fit.ci_upper - ref.WEIGHTED_MEDIAN["ci_upper"][0]) <= half_width
    assert fit.p < 0.0005
    assert (fit.n_boot, fit.seed) == (DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_SEED) == (10000, 314159265)


def test_simple_median_matches_vignette_estimate_and_bootstrap_se():
    fit = mr_median(*ARGS, weighting="simple")
    assert_printed(fit.estimate, ref.SIMPLE_MEDIAN["estimate"], "estimate")
    assert_allclose(fit.se, ref.SIMPLE_MEDIAN["se"][0], rtol=BOOTSTRAP_SE)
    half_width = 1.959964 * ref.SIMPLE_MEDIAN["se"][0] * BOOTSTRAP_SE + printed(3)
    assert abs(fit.ci_lower - ref.SIMPLE_MEDIAN["ci_lower"][0]) <= half_width
    assert abs(fit.ci_upper - ref.SIMPLE_MEDIAN["ci_upper"][0]) <= half_width
    # p = 2 Phi(-1.755/se): for se within 5% of 0.740 it lies in (0.012, 0.025)
    assert 0.012 < fit.p < 0.025


def test_median_bootstrap_is_reproducible_and_seeded():
    first = mr_median(*ARGS, n_boot=500, seed=7)
    again = mr_median(*ARGS, n_boot=500, seed=7)
    other = mr_median(*ARGS, n_boot=500, seed=8)
    assert first.se == again.se
    assert first.se != other.se
    assert first.estimate == other.estimate


def test_median_needs_se_exposure_and_three_variants():
    with pytest.raises(StatsError, match="needs se_exposure"):
        mr_median(ref.LDLC, None, ref.CHDLODDS, ref.CHDLODDSSE)  # type: ignore[arg-type]
    with pytest.raises(StatsError, match="at least 3 variants, got 2"):
        mr_median([0.1, 0.2], [0.01] * 2, [0.1, 0.2], [0.1] * 2)


# --- all methods / CSV -----------------------------------------------------------------


def test_mr_from_csv_matches_allmethods_main():
    result = mr_from_csv(str(FIXTURES / "ldlc_chd.csv"))
    assert result.n_variants == 28
    fits = {
        "ivw": result.ivw,
        "egger": result.egger,
        "weighted_median": result.weighted_median,
        "simple_median": result.simple_median,
    }
    for name, fit in fits.items():
        assert fit is not None
        estimate, se, lower, upper, p = ref.ALLMETHODS_MAIN[name]
        assert abs(fit.estimate - estimate) <= printed(3), name
        if name in ("ivw", "egger"):
            assert abs(fit.se - se) <= printed(3), name
            assert abs(fit.ci_lower - lower) <= printed(3), name
            assert abs(fit.ci_upper - upper) <= printed(3), name
            assert abs(fit.p - p) <= printed(3), name
        else:  # bootstrap SE, see test_*_median_matches_vignette_*
            assert_allclose(fit.se, se, rtol=BOOTSTRAP_SE)
    assert result.egger is not None
    intercept = ref.ALLMETHODS_MAIN["egger_intercept"]
    assert abs(result.egger.intercept - intercept[0]) <= printed(3)
    assert abs(result.egger.intercept_p - intercept[4]) <= printed(3)
    assert_printed(result.q, ref.IVW["q"], "q")
    assert result.q_df == 27
    assert result.f_mean is not None
    assert_printed(result.f_mean, ref.IVW["f_mean"], "F")
    assert result.ivw_fe is not None
    # fixed-effect SE = random-effects SE / rse (rse = 1.920 > 1)
    assert_allclose(result.ivw_fe.se * result.rse, result.ivw.se, rtol=SE)  # type: ignore[union-attr]


def test_mr_result_json_keys_and_conventions():
    data = mr_from_csv(str(FIXTURES / "ldlc_chd.csv"), n_boot=200).to_json_dict()
    for name in ("ivw", "ivw_fe", "egger", "weighted_median", "simple_median"):
        assert {"estimate", "se", "ci_lower", "ci_upper", "p"} <= set(data[name])
    assert {"intercept", "intercept_se", "intercept_p"} <= set(data["egger"])
    assert {"q", "q_p", "n_variants", "conventions"} <= set(data)
    conventions = data["conventions"]
    assert "floored at 1" in conventions["ivw_se"]
    assert "beta_exposure > 0" in conventions["egger_orientation"]
    assert conventions["egger_distribution"].startswith("normal")
    assert "200 samples" in conventions["median_bootstrap"]
    assert "seeded with 314159265" in conventions["median_bootstrap"]
    assert "minus half" in conventions["median"]


def test_method_selection_leaves_other_methods_none():
    result = mr_all(*ARGS, method="egger")
    assert result.egger is not None
    assert result.ivw is None and result.weighted_median is None
    assert_printed(result.q, ref.IVW["q"], "q is reported whatever the method")


def test_two_variants_fail_for_all_but_not_for_ivw(tmp_path: Path):
    with pytest.raises(StatsError) as info:
        mr_from_csv(str(FIXTURES / "two_variants.csv"))
    messages = [str(p) for p in info.value.problems]
    assert any("MR-Egger needs at least 3 variants, got 2" in m for m in messages)
    assert all(m.startswith(str(FIXTURES / "two_variants.csv")) for m in messages)
    result = mr_from_csv(str(FIXTURES / "two_variants.csv"), method="ivw")
    assert result.n_variants == 2 and result.egger is None


def test_variant_table_reports_every_bad_cell():
    path = FIXTURES / "bad_cells.csv"
    with pytest.raises(InputError) as info:
        read_variant_table(path)
    got = {(p.row, p.field) for p in info.value.problems}
    assert got == {
        (3, "se_exposure"),  # 0
        (4, "beta_outcome"),  # NaN
        (5, "beta_outcome"),  # blank
        (6, "beta_exposure"),  # abc
        (6, "se_outcome"),  # negative
        (7, "variant"),  # duplicate rs1
    }
    text = str(info.value)
    assert f"{path}:7:variant: duplicate variant name 'rs1' (first on row 2)" in text
    assert f"{path}:4:beta_outcome: 'NaN' is not a finite number" in text


def test_variant_table_missing_column_and_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match=r"missing_column.csv:1:se_outcome: missing column"):
        read_variant_table(FIXTURES / "missing_column.csv")
    with pytest.raises(InputError, match=r"nope.csv:0:-: cannot read the file"):
        read_variant_table(tmp_path / "nope.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("variant,beta_exposure,se_exposure,beta_outcome,se_outcome\n")
    with pytest.raises(InputError, match="no variant rows"):
        read_variant_table(empty)


def test_variant_table_without_se_exposure():
    table = read_variant_table(FIXTURES / "no_se_exposure.csv")
    assert table.se_exposure is None and table.n_variants == 4
    result = mr_from_csv(str(FIXTURES / "no_se_exposure.csv"), method="ivw")
    assert result.f_mean is None
    assert any("se_exposure not given" in note for note in result.notes)


# --- properties ------------------------------------------------------------------------

variant = st.tuples(
    st.floats(0.01, 1.0) | st.floats(-1.0, -0.01),  # beta_exposure, away from 0
    st.floats(0.001, 0.1),  # se_exposure
    st.floats(-1.0, 1.0),  # beta_outcome
    st.floats(0.01, 0.5),  # se_outcome
)


def _columns(rows: list[tuple[float, float, float, float]]) -> tuple[list[float], ...]:
    return tuple(list(column) for column in zip(*rows, strict=True))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(variant, min_size=3, max_size=12), data=st.data())
def test_ivw_invariant_to_order_and_to_flipping_a_variant(rows, data):
    base = mr_ivw(*_columns(rows))
    permutation = data.draw(st.permutations(range(len(rows))))
    shuffled = mr_ivw(*_columns([rows[i] for i in permutation]))
    flip = data.draw(st.sets(st.integers(0, len(rows) - 1)))
    flipped_rows = [
        (-bx, sx, -by, sy) if i in flip else (bx, sx, by, sy)
        for i, (bx, sx, by, sy) in enumerate(rows)
    ]
    flipped = mr_ivw(*_columns(flipped_rows))
    for other in (shuffled, flipped):
        assert_allclose(
            [other.estimate, other.se, other.q],
            [base.estimate, base.se, base.q],
            rtol=1e-9,
            atol=1e-12,
        )


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(variant, min_size=3, max_size=12), data=st.data())
def test_egger_invariant_to_flipping_a_variant(rows, data):
    columns = _columns(rows)
    x = np.abs(np.asarray(columns[0]))
    assume(np.ptp(x) >= 1e-3)  # slope not identifiable when all |bx| are (nearly) equal
    base = mr_egger(*columns)
    flip = data.draw(st.sets(st.integers(0, len(rows) - 1), min_size=1))
    flipped_rows = [
        (-bx, sx, -by, sy) if i in flip else (bx, sx, by, sy)
        for i, (bx, sx, by, sy) in enumerate(rows)
    ]
    flipped = mr_egger(*_columns(flipped_rows))
    assert_allclose(
        [flipped.estimate, flipped.se, flipped.intercept, flipped.intercept_se, flipped.i2_gx],
        [base.estimate, base.se, base.intercept, base.intercept_se, base.i2_gx],
        rtol=1e-7,
        atol=1e-10,
    )


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(variant, min_size=3, max_size=10), data=st.data())
def test_median_estimate_invariant_to_order_and_flips(rows, data):
    base = mr_median(*_columns(rows), n_boot=10)
    permutation = data.draw(st.permutations(range(len(rows))))
    flip = data.draw(st.sets(st.integers(0, len(rows) - 1)))
    changed = [
        (-bx, sx, -by, sy) if i in flip else (bx, sx, by, sy)
        for i, (bx, sx, by, sy) in ((i, rows[i]) for i in permutation)
    ]
    other = mr_median(*_columns(changed), n_boot=10)
    assert other.estimate == pytest.approx(base.estimate, rel=1e-9, abs=1e-12)


def test_weighted_median_with_ties_does_not_depend_on_input_order():
    # issue 16: tied estimates gave 0.375 or 0.0 depending on the order. Tie rule: equal
    # estimates are ordered by weight (smaller first). By hand for values (0, 0, 0.5, 1)
    # with weights (1, 3, 2, 2)/8: positions s = cumsum(w) - w/2 = .0625, .3125, .625,
    # .875; 0.5 lies between 0 (s=.3125) and 0.5 (s=.625): 0 + 0.5 * .1875/.3125 = 0.3
    import itertools

    values, weights = [0.0, 0.0, 0.5, 1.0], [1.0, 3.0, 2.0, 2.0]
    results = {
        weighted_median([values[i] for i in order], [weights[i] for i in order])
        for order in itertools.permutations(range(4))
    }
    assert len(results) == 1  # bit-for-bit the same for all 24 orders
    assert results.pop() == pytest.approx(0.3, rel=1e-12)
