"""Small-study effects and publication bias: Egger, Begg, trim-and-fill.

``egger_test``
    ``variant="classical"`` (default): Egger et al. (1997, doi:10.1136/bmj.315.7109.629)
    as the weighted regression ``yi = b0 + b1 * sei`` with weights ``1/vi`` and a
    multiplicative dispersion parameter; the test of ``b1`` (equal to the intercept of
    Egger's regression of ``yi/sei`` on ``1/sei``) uses t with k-2 df. This is R meta's
    ``metabias(method.bias="linreg")`` and metafor's ``regtest(model="lm")``.
    ``variant="mixed"``: metafor's ``regtest()`` default, a mixed-effects meta-regression
    on ``sei`` with the model's tau^2 estimator and a z test (t(k-2) with HKSJ).
``begg_test``
    Begg & Mazumdar (1994, doi:10.2307/2533446) rank correlation: Kendall's tau between
    ``(yi - b_FE) / sqrt(vi - var(b_FE))`` and ``vi``; exact p value for k < 50 without
    ties, otherwise the normal approximation (as R's ``cor.test``).
``trim_and_fill``
    Duval & Tweedie (2000, doi:10.1111/j.0006-341X.2000.00455.x) L0 estimator, the
    model's own estimator in every iteration; when ``side`` is not given it is chosen as
    metafor does from the sign of the ``sei`` slope of a meta-regression with the same
    tau^2 estimator (positive slope: studies missing on the left).

>>> res = egger_test([0.1, 0.3, 0.2, 0.6, 0.5], [0.01, 0.04, 0.02, 0.09, 0.06])
>>> res.variant, res.df
('classical', 3.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from gutbone.errors import Problem, StatsError
from gutbone.stats.meta import pool, pooled_estimate, study_labels, validate_yi_vi
from gutbone.stats.regression import meta_regression
from gutbone.stats.results import MetaResult, jsonable
from gutbone.stats.tau2 import DesignProfile, estimate

_FloatArray = NDArray[np.float64]

__all__ = [
    "EggerResult",
    "BeggResult",
    "TrimFillResult",
    "egger_test",
    "begg_test",
    "trim_and_fill",
]


@dataclass(frozen=True)
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry.

    :param variant: ``"classical"`` or ``"mixed"``.
    :param intercept: limit estimate ``b0`` (effect as sei -> 0).
    :param intercept_se: its standard error.
    :param slope: ``b1``, the asymmetry coefficient on ``sei`` (Egger's bias).
    :param slope_se: its standard error.
    :param stat: t (classical, HKSJ) or z statistic of ``b1``.
    :param df: degrees of freedom of t, None for z.
    :param p: two-sided p value. :param k: number of studies.
    :param tau2: residual heterogeneity (mixed variant; 0 for classical).
    """

    variant: str
    intercept: float
    intercept_se: float
    slope: float
    slope_se: float
    stat: float
    df: float | None
    p: float
    k: int
    tau2: float = 0.0

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {key: jsonable(value) for key, value in self.__dict__.items()}


@dataclass(frozen=True)
class BeggResult:
    """Begg & Mazumdar rank correlation test.

    :param tau: Kendall's tau. :param p: two-sided p value.
    :param exact: whether the p value is exact. :param k: number of studies.
    """

    tau: float
    p: float
    exact: bool
    k: int

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {key: jsonable(value) for key, value in self.__dict__.items()}


@dataclass(frozen=True)
class TrimFillResult:
    """Trim-and-fill analysis.

    :param k0: estimated number of missing studies.
    :param side: ``"left"`` or ``"right"``, where they were imputed.
    :param estimator: ``"L0"``.
    :param filled_yi: imputed effect sizes. :param filled_vi: their variances.
    :param filled_studies: labels of the imputed studies (``"filled: <mirrored study>"``).
    :param adjusted: the meta-analysis of observed plus imputed studies.
    :param iterations: iterations of the algorithm. :param converged: whether k0 settled.
    """

    k0: int
    side: str
    estimator: str
    filled_yi: tuple[float, ...]
    filled_vi: tuple[float, ...]
    filled_studies: tuple[str, ...]
    adjusted: MetaResult
    iterations: int
    converged: bool

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict (the adjusted result in short form)."""
        adj = self.adjusted
        return {
            "k0": self.k0,
            "side": self.side,
            "estimator": self.estimator,
            "filled": [
                {"study": s, "yi": jsonable(y), "vi": jsonable(v)}
                for s, y, v in zip(self.filled_studies, self.filled_yi, self.filled_vi, strict=True)
            ],
            "adjusted": {
                key: jsonable(getattr(adj, key))
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
                    "back_transformed",
                )
            },
            "iterations": self.iterations,
            "converged": self.converged,
        }


def _need(k: int, minimum: int, what: str) -> None:
    if k < minimum:
        raise StatsError(
            [Problem("-", 0, "yi", f"{what} needs at least {minimum} studies, got {k}")]
        )


def _need_spread(values: np.ndarray, what: str, test: str) -> None:
    """Refuse a test whose regressor or outcome takes one value (up to rounding)."""
    scale = float(np.max(np.abs(values)))
    if float(np.ptp(values)) <= 1e-12 * max(scale, 1e-300):
        raise StatsError([Problem("-", 0, "yi", f"all {what} are equal: {test} is not defined")])


def egger_test(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    variant: str = "classical",
    model: str = "REML",
    hksj: bool = False,
) -> EggerResult:
    """Egger's regression test (classical weighted regression by default).

    :param yi: effect sizes. :param vi: sampling variances.
    :param variant: ``"classical"`` or ``"mixed"`` (metafor ``regtest`` default).
    :param model: tau^2 estimator of the mixed variant.
    :param hksj: Knapp-Hartung adjustment of the mixed variant.
    :returns: :class:`EggerResult`.
    :raises StatsError: with fewer than 3 studies, an unknown variant, equal standard
        errors or equal estimates (the regression is then not defined or fits exactly).

    >>> r = egger_test([0.0, 0.5, 1.2], [1.0, 4.0, 9.0])
    >>> round(r.slope, 6), round(r.intercept, 6)
    (0.569231, -0.576923)
    """
    y, v = validate_yi_vi(yi, vi, model)
    k = y.size
    _need(k, 3, "Egger's test")
    sei = np.sqrt(v)
    _need_spread(sei, "the standard errors", "Egger's regression on the standard error")
    _need_spread(y, "the estimates", "Egger's test")
    if variant == "mixed":
        fit = meta_regression(y, v, sei[:, None], model=model, hksj=hksj, names=["sei"])
        b0, b1 = fit.coefficients
        return EggerResult(
            "mixed", b0.estimate, b0.se, b1.estimate, b1.se, b1.stat, fit.df, b1.p, k, fit.tau2
        )
    if variant != "classical":
        raise StatsError([Problem("-", 0, "egger", f"{variant!r} is not classical|mixed")])
    return _classical_egger(y, v, sei)


def _classical_egger(y: _FloatArray, v: _FloatArray, sei: _FloatArray) -> EggerResult:
    """Weighted regression of yi on sei (weights 1/vi, multiplicative dispersion, t on k-2)."""
    k = y.size
    X = np.column_stack([np.ones(k), sei])
    w = 1.0 / v
    inv = np.linalg.inv(X.T @ (w[:, None] * X))
    beta = inv @ (X.T @ (w * y))
    r = y - X @ beta
    df = k - 2
    rss = float(np.sum(w * r * r))
    if rss <= 1e-24 * float(np.sum(w * y * y)):
        raise StatsError(
            [Problem("-", 0, "egger", "the regression on sei fits exactly: no residual to test")]
        )
    se = np.sqrt(np.diag(inv) * rss / df)
    stat = float(beta[1] / se[1])
    p = float(2 * stats.t.sf(abs(stat), df))
    b0, se0, b1, se1 = float(beta[0]), float(se[0]), float(beta[1]), float(se[1])
    return EggerResult("classical", b0, se0, b1, se1, stat, float(df), p, k)


def begg_test(yi: ArrayLike, vi: ArrayLike) -> BeggResult:
    """Begg & Mazumdar rank correlation test (metafor ``ranktest``).

    :param yi: effect sizes. :param vi: sampling variances.
    :returns: :class:`BeggResult`.
    :raises StatsError: with fewer than 3 studies, or equal variances or standardised
        estimates (Kendall's tau is then undefined).

    >>> r = begg_test([0.1, 0.2, 0.3, 0.4, 0.5], [0.01, 0.02, 0.03, 0.04, 0.05])
    >>> round(r.tau, 4), r.exact
    (1.0, True)
    """
    y, v = validate_yi_vi(yi, vi, "FE")
    k = y.size
    _need(k, 3, "Begg's test")
    w = 1.0 / v
    beta = float(np.sum(w * y) / np.sum(w))
    vb = 1.0 / float(np.sum(w))
    ystar = (y - beta) / np.sqrt(v - vb)
    _need_spread(v, "the variances", "Begg's rank correlation")
    _need_spread(y, "the estimates", "Begg's rank correlation")
    ties = len(np.unique(ystar)) < k or len(np.unique(v)) < k
    exact = k < 50 and not ties
    res = stats.kendalltau(ystar, v, method="exact" if exact else "asymptotic")
    if not math.isfinite(float(res.statistic)):
        raise StatsError([Problem("-", 0, "yi", "Kendall's tau is not defined for these data")])
    return BeggResult(float(res.statistic), float(res.pvalue), exact, k)


def _ranks_with_tolerance(values: np.ndarray) -> np.ndarray:
    """Ranks with average ranks for values equal up to 1e-10 relative (float noise)."""
    scale = float(np.max(values)) if values.size else 1.0
    rounded = np.round(values / (scale if scale > 0 else 1.0), 10)
    return stats.rankdata(rounded, method="average")


def _sei_slope(y: np.ndarray, v: np.ndarray, sei: np.ndarray, model: str) -> float:
    """Slope on sei of the meta-regression ``yi ~ sei`` with the model's tau^2 estimator."""
    profile = DesignProfile(y, v, np.column_stack([np.ones(y.size), sei]))
    tau2 = float(estimate(profile, model).tau2[0])
    return float(profile.fit(tau2)[1][1])


def _missing_side(y: _FloatArray, v: _FloatArray, model: str) -> str:
    """The side of the funnel where studies are missing, as metafor's trimfill chooses it."""
    sei = np.sqrt(v)
    if np.ptp(sei) <= 1e-12 * float(np.max(sei)):
        return "left"  # equal standard errors: no slope to read the side from
    return "right" if _sei_slope(y, v, sei, model) < 0 else "left"


def _l0_iterations(
    ys: _FloatArray, vs: _FloatArray, model: str, maxiter: int
) -> tuple[int, float, int, bool]:
    """Iterate the L0 estimator on sorted, side-oriented effects.

    :returns: ``(k0, last estimate, iterations, converged)``.
    """
    k = ys.size
    k0, theta, iterations = 0, 0.0, 0
    for iterations in range(1, maxiter + 1):  # noqa: B007 - returned after the loop
        theta = pooled_estimate(ys[: k - k0], vs[: k - k0], model=model).estimate
        dev = ys - theta
        ranks = _ranks_with_tolerance(np.abs(dev))
        s_plus = float(np.sum(ranks[dev > 0]))
        l0 = (4.0 * s_plus - k * (k + 1)) / (2.0 * k - 1.0)
        new = min(max(0, round(l0)), k - 2)
        if new == k0:
            return k0, theta, iterations, True
        k0 = new
    return k0, theta, iterations, False


def _filled(
    ys: _FloatArray,
    vs: _FloatArray,
    order: NDArray[np.intp],
    k0: int,
    theta: float,
    sign: float,
    labels: tuple[str, ...],
) -> tuple[_FloatArray, _FloatArray, tuple[str, ...]]:
    """The ``k0`` most extreme studies mirrored around ``theta``: yi, vi and labels."""
    if k0 == 0:
        return np.zeros(0), np.zeros(0), ()
    k = ys.size
    trimmed = order[k - k0 :]
    filled_yi = sign * (2.0 * theta - ys[k - k0 :])
    return filled_yi, vs[k - k0 :], tuple(f"filled: {labels[i]}" for i in trimmed)


def trim_and_fill(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: str = "REML",
    side: str | None = None,
    hksj: bool = False,
    level: float = 0.95,
    measure: str = "GEN",
    studies: Sequence[str] | None = None,
    maxiter: int = 100,
    pi_method: str = "z",
) -> TrimFillResult:
    """Trim-and-fill with the L0 estimator.

    Iteration: estimate the effect from the studies left after trimming the k0 most
    extreme ones on the side opposite the missing studies, rank ``|yi - estimate|`` over
    all studies, ``L0 = (4 S - k(k+1)) / (2k - 1)`` with S the rank sum of the studies
    above the estimate, ``k0 = max(0, round(L0))``; stop when k0 repeats. The trimmed
    studies are then mirrored around the last estimate and everything is pooled again.
    Ranks of deviations equal up to floating-point noise are averaged, so an exactly
    symmetric funnel gives k0 = 0.

    :param model: tau^2 estimator, used in every iteration and for the adjusted result.
    :param side: ``"left"``, ``"right"`` or None (chosen as metafor does).
    :returns: :class:`TrimFillResult`.
    :raises StatsError: with fewer than 3 studies or a bad ``side``.

    >>> tf = trim_and_fill([0.0, 0.1, -0.1, 0.2, -0.2], [0.01, 0.02, 0.02, 0.03, 0.03], model="FE")
    >>> tf.k0
    0
    """
    y, v = validate_yi_vi(yi, vi, model)
    k = y.size
    _need(k, 3, "trim-and-fill")
    labels = study_labels(studies, k)
    side = _missing_side(y, v, model) if side is None else side
    if side not in ("left", "right"):
        raise StatsError([Problem("-", 0, "side", f"{side!r} is not left|right")])
    sign = 1.0 if side == "left" else -1.0
    ys = sign * y
    order = np.argsort(ys, kind="stable")
    ys_sorted, vs_sorted = ys[order], v[order]
    k0, theta, iterations, converged = _l0_iterations(ys_sorted, vs_sorted, model, maxiter)
    filled = _filled(ys_sorted, vs_sorted, order, k0, theta, sign, labels)
    filled_yi, filled_vi, filled_labels = filled
    adjusted = pool(
        np.concatenate([y, filled_yi]), np.concatenate([v, filled_vi]), model=model, hksj=hksj,
        level=level, measure=measure, studies=labels + filled_labels, pi_method=pi_method,
    )  # fmt: skip
    return TrimFillResult(
        k0=k0, side=side, estimator="L0",
        filled_yi=tuple(np.asarray(filled_yi, dtype=float).tolist()),
        filled_vi=tuple(np.asarray(filled_vi, dtype=float).tolist()),
        filled_studies=filled_labels, adjusted=adjusted, iterations=iterations,
        converged=converged,
    )  # fmt: skip
