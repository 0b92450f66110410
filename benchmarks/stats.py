"""Benchmark: pooling against statsmodels, and REML + leave-one-out + trim-and-fill.

Two comparisons with statsmodels' ``combine_effects`` on the same simulated data, in the
same run, for several numbers of studies:

``core``
    :func:`gutbone.stats.meta.pooled_estimate`: the pooled estimate of one model with its
    SE, CI, z, p, tau^2, Q and its p, I^2, H^2 and prediction interval. This is the
    like-for-like comparison: ``combine_effects`` computes the fixed- and random-effects
    estimates, their SEs, tau^2, Q, I^2, H^2, the HKSJ scale and the weight arrays (its
    intervals and p values are computed later, on request).
``full``
    :func:`gutbone.stats.meta.pool` with its defaults: everything above plus the Q-profile
    intervals of tau^2, I^2 and H^2, the per-study weights, yi, vi and labels as Python
    tuples (the JSON output), notes and conventions. Reported for honesty: at large k the
    per-study tuples dominate.

statsmodels has no REML: its iterated Paule-Mandel (``method_re="iterated"``) is compared
with gutbone's PM and its DerSimonian-Laird (``method_re="chi2"``) with gutbone's DL. Every
function is called once before timing (warm-up); each time is the best per-call time of 7
rounds of enough calls to last at least 20 ms. The estimates of both packages are printed
with their largest difference (statsmodels stops its PM iteration at a tau^2 change of
1e-5, gutbone at the root of the PM equation).

Then REML pooling, leave-one-out and trim-and-fill on ``--k`` studies (default 10,000).

Then meta-regression (``--reg-sizes``, default k = 100 and 10,000; one continuous
moderator) against statsmodels' weighted least squares (``sm.WLS(...).fit()`` and its
coefficients, standard errors and p values) on the same data: gutbone's fixed-effect
meta-regression is the like-for-like comparison (WLS with weights 1/vi, plus QM, QE, I^2,
R^2 and the Q-profile interval); its REML fit also estimates tau^2 by Fisher scoring, which
statsmodels has no counterpart for, and is shown for scale.

Run: ``.venv/bin/python benchmarks/stats.py [--k 10000] [--sizes 13,100,1000,10000]
[--reg-sizes 100,10000]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gutbone.stats.bias import trim_and_fill
from gutbone.stats.leave_one_out import leave_one_out
from gutbone.stats.meta import pool, pooled_estimate
from gutbone.stats.regression import meta_regression


def per_call(func: Callable[[], Any], rounds: int = 7, min_time: float = 0.02) -> float:
    """Best per-call time in seconds (after one warm-up call)."""
    func()
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            func()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            break
        number *= 2
    best = elapsed / number
    for _ in range(rounds - 1):
        start = time.perf_counter()
        for _ in range(number):
            func()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def simulate(k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """k studies: vi ~ U(0.005, 0.25), true effects N(0.2, 0.04), yi ~ N(theta_i, vi)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.005, 0.25, k)
    yi = rng.normal(0.2 + rng.normal(0, np.sqrt(0.04), k), np.sqrt(vi))
    return yi, vi


def compare_pooling(sizes: list[int], seed: int) -> None:
    from statsmodels.stats.meta_analysis import combine_effects

    print("pooled estimate: gutbone vs statsmodels combine_effects (per call, best of 7)")
    header = (
        f"{'k':>6} {'model':>5} {'statsmodels':>12} {'core':>10} {'ratio':>6} "
        f"{'full':>10} {'ratio':>6}  estimate (gutbone, statsmodels)   |diff|"
    )
    print(header)
    for k in sizes:
        yi, vi = simulate(k, seed)
        for ours, theirs in (("DL", "chi2"), ("PM", "iterated")):
            t_sm = per_call(lambda y=yi, v=vi, m=theirs: combine_effects(y, v, method_re=m))
            t_core = per_call(lambda y=yi, v=vi, m=ours: pooled_estimate(y, v, model=m))
            t_full = per_call(lambda y=yi, v=vi, m=ours: pool(y, v, model=m))
            est = pooled_estimate(yi, vi, model=ours).estimate
            est_sm = float(combine_effects(yi, vi, method_re=theirs).mean_effect_re)
            print(
                f"{k:>6} {ours:>5} {t_sm * 1e6:>9.1f} us {t_core * 1e6:>7.1f} us "
                f"{t_core / t_sm:>6.2f} {t_full * 1e6:>7.1f} us {t_full / t_sm:>6.2f}  "
                f"{est:+.10f} {est_sm:+.10f}   {abs(est - est_sm):.1e}"
            )
    print("ratio = gutbone time / statsmodels time (below 1: gutbone is faster)")


def bias_and_influence(k: int, seed: int) -> None:
    yi, vi = simulate(k, seed)
    start = time.perf_counter()
    first = trim_and_fill(yi, vi, model="REML")
    t_first = time.perf_counter() - start
    t_reml = per_call(lambda: pool(yi, vi, model="REML"), rounds=3)
    t_loo = per_call(lambda: leave_one_out(yi, vi, model="REML"), rounds=3)
    t_tf = per_call(lambda: trim_and_fill(yi, vi, model="REML"), rounds=3)
    reml = pool(yi, vi, model="REML")
    total = t_reml + t_loo + t_tf
    print(f"\nREML, k = {k}, seed = {seed} (best of 3 after a warm-up call)")
    print(
        f"  pool (full output)     {t_reml * 1e3:8.2f} ms  estimate {reml.estimate:.6f}, "
        f"tau2 {reml.tau2:.6f}"
    )
    print(f"  leave-one-out          {t_loo * 1e3:8.2f} ms  ({k} fits, vectorised)")
    print(
        f"  trim-and-fill          {t_tf * 1e3:8.2f} ms  k0 = {first.k0} ({first.side}), "
        f"{first.iterations} iterations; first call in this process {t_first * 1e3:.1f} ms"
    )
    print(f"  pool + LOO + T&F       {total * 1e3:8.2f} ms")


def compare_regression(sizes: list[int], seed: int) -> None:
    import statsmodels.api as sm

    print("\nmeta-regression, one moderator: gutbone vs statsmodels WLS (per call, best of 7)")
    print(
        f"{'k':>6} {'statsmodels':>12} {'FE':>10} {'ratio':>6} {'REML':>10} {'ratio':>6}  "
        "max |slope diff| (FE vs WLS)"
    )
    for k in sizes:
        rng = np.random.default_rng(seed)
        x = rng.uniform(0, 60, k)
        vi = rng.uniform(0.005, 0.25, k)
        yi = rng.normal(0.2 - 0.01 * x + rng.normal(0, 0.1, k), np.sqrt(vi))
        X = np.column_stack([np.ones(k), x])

        def wls(X: np.ndarray = X, yi: np.ndarray = yi, vi: np.ndarray = vi) -> Any:
            fit = sm.WLS(yi, X, weights=1.0 / vi).fit()
            return fit.params, fit.bse, fit.pvalues

        t_sm = per_call(wls)
        t_fe = per_call(lambda y=yi, v=vi, m=x: meta_regression(y, v, {"x": m}, model="FE"))
        t_reml = per_call(lambda y=yi, v=vi, m=x: meta_regression(y, v, {"x": m}, model="REML"))
        ours = meta_regression(yi, vi, {"x": x}, model="FE").coefficients[1].estimate
        diff = abs(ours - float(wls()[0][1]))
        print(
            f"{k:>6} {t_sm * 1e3:>9.3f} ms {t_fe * 1e3:>7.3f} ms {t_fe / t_sm:>6.2f} "
            f"{t_reml * 1e3:>7.3f} ms {t_reml / t_sm:>6.2f}  {diff:.1e}"
        )
    print("ratio = gutbone time / statsmodels WLS time (gutbone also computes QM, QE, I2, R2")
    print("and the Q-profile interval of tau2; statsmodels' standard errors use its scale)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=10_000, help="studies for LOO/T&F")
    parser.add_argument("--sizes", default="13,100,1000,10000", help="k for pooling")
    parser.add_argument("--reg-sizes", default="100,10000", help="k for meta-regression")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    compare_pooling([int(s) for s in args.sizes.split(",")], args.seed)
    bias_and_influence(args.k, args.seed)
    compare_regression([int(s) for s in args.reg_sizes.split(",")], args.seed)


if __name__ == "__main__":
    main()
