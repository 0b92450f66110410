"""Pool study effect sizes: fixed-effect and random-effects meta-analysis.

Second step of the two-step design that metafor uses: effect sizes ``yi`` and their
sampling variances ``vi`` (see :mod:`gutbone.stats.effect_sizes`) are pooled here.

Models (``model=``)
-------------------
``"FE"``
    Fixed (common) effect, inverse-variance weights ``1/vi``.
``"DL"``
    Random effects, DerSimonian & Laird (1986) moment estimator of tau^2,
    doi:10.1016/0197-2456(86)90046-2.
``"REML"``
    Random effects, restricted maximum likelihood, Fisher scoring (Viechtbauer 2005,
    doi:10.3102/10769986030003261); a fit that does not converge says so
    (``converged=False`` and a note).
``"PM"``
    Random effects, Paule & Mandel (1982) estimator: the tau^2 at which the generalised
    Q statistic equals its expected value k-1 (DerSimonian & Kacker 2007,
    doi:10.1016/j.cct.2006.04.004).

``"MH"``
    Mantel-Haenszel fixed effect for 2x2 counts (RR, OR, RD): it pools the counts, not
    yi/vi, so it is computed by :func:`gutbone.stats.mantel_haenszel.pool_mh` (and by
    :func:`meta_analysis_from_csv` with ``model="MH"``); :func:`pool` refuses it.

``hksj=True`` applies the Hartung-Knapp(-Sidik-Jonkman) adjustment (Knapp & Hartung 2003,
doi:10.1002/sim.1482): the standard error is rescaled by the weighted residual variance
(not truncated, as metafor's ``test="knha"``) and the tests and intervals use t(k-1).

Heterogeneity: Cochran's Q uses fixed-effect weights; I^2 and H^2 follow Higgins &
Thompson (2002, doi:10.1002/sim.1186) with the model's tau^2 and the "typical" within-study
variance (as metafor); the fixed-effect model reports I^2 = (Q-df)/Q. The confidence
intervals for tau^2, I^2 and H^2 use the Q-profile method (Viechtbauer 2007,
doi:10.1002/sim.2514); they are computed by :func:`pool` unless ``heterogeneity_ci=False``.
:func:`pooled_estimate` returns the pooled numbers alone (no per-study output, no
Q-profile intervals). The prediction interval is ``estimate +- crit * sqrt(tau2 + se^2)``
with ``crit`` the normal quantile (metafor's default), t(k-1) with HKSJ, or t(k-2)
(Higgins, Thompson & Spiegelhalter 2009, doi:10.1111/j.1467-985X.2008.00552.x; R meta)
on request.

>>> res = pool([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], model="FE")
>>> round(res.estimate, 4), round(res.se, 4), res.k
(0.2143, 0.0756, 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from gutbone.errors import Problem, StatsError

__all__ = [
    "MODELS",
    "ALL_MODELS",
    "MetaResult",
    "PooledEstimate",
    "SubgroupResult",
    "LeaveOneOut",
    "pool",
    "pooled_estimate",
    "pool_subgroups",
    "leave_one_out",
    "qprofile_tau2_ci",
    "meta_regression",
    "MetaRegression",
    "base_conventions",
    "meta_analysis_from_csv",
]

#: Inverse-variance models of :func:`pool` (yi/vi input).
MODELS: tuple[str, ...] = ("FE", "DL", "REML", "PM")
#: Every model ``gutbone meta`` accepts: the above plus Mantel-Haenszel for 2x2 counts.
ALL_MODELS: tuple[str, ...] = (*MODELS, "MH")
RATIO_MEASURES: frozenset[str] = frozenset({"RR", "OR"})

Model = Literal["FE", "DL", "REML", "PM"]
PiMethod = Literal["z", "t(k-2)"]

_FloatArray = NDArray[np.float64]


def base_conventions(*, pi_method: str = "z", hksj: bool = False) -> dict[str, str]:
    """Conventions of the pooling step, worded for the ``conventions`` JSON key.

    :param pi_method: ``"z"`` or ``"t(k-2)"``, the prediction-interval critical value.
    :param hksj: whether the Hartung-Knapp adjustment is applied.
    :returns: a dict from convention name to its description.

    >>> base_conventions()["prediction_interval"][:30]
    'estimate +- z_(1-alpha/2) * sq'
    """
    if hksj:
        pi = "estimate +- t_(k-1) * sqrt(tau2 + se^2) (HKSJ; metafor test='knha')"
    elif pi_method == "t(k-2)":
        pi = "estimate +- t_(k-2) * sqrt(tau2 + se^2) (Higgins et al. 2009; R meta default)"
    else:
        pi = "estimate +- z_(1-alpha/2) * sqrt(tau2 + se^2) (metafor predict() default)"
    return {
        "prediction_interval": pi,
        "i2": "I2 = 100 * tau2 / (tau2 + typical within-study variance) with the model's "
        "tau2 (metafor); FE model: 100 * (Q - df) / Q",
        "q": "Cochran's Q with fixed-effect (1/vi) weights",
        "tau2_ci": "Q-profile confidence interval (Viechtbauer 2007), I2/H2 intervals "
        "transformed from it",
        "hksj": "Hartung-Knapp-Sidik-Jonkman scaling factor not truncated at 1 "
        "(metafor test='knha'), t(k-1) tests and intervals",
        "reml": "Fisher scoring from the DerSimonian-Laird value, tau2 truncated at 0, "
        "tolerance 1e-10 on tau2",
        "subgroups": "separate tau2 within each subgroup (R meta tau.common=FALSE); "
        "Q-between = fixed-effect Q of the subgroup estimates on (groups - 1) df",
        "weights": "percent of the total model weight 1/(vi + tau2), input order",
        "egger_test": "classical: weighted regression of yi on sei (weights 1/vi, "
        "multiplicative dispersion), t-test of the sei slope on k-2 df (Egger et al. "
        "1997; R meta metabias 'linreg'; metafor regtest(model='lm')); "
        "'mixed' = metafor regtest() default (mixed-effects meta-regression on sei)",
        "begg_test": "Kendall's tau between (yi - FE estimate)/sqrt(vi - var(FE estimate)) "
        "and vi; exact p for k < 50 without ties (Begg & Mazumdar 1994; metafor ranktest)",
        "trim_and_fill": "L0 estimator (Duval & Tweedie 2000), same model in every "
        "iteration; side from the sign of the sei slope in a meta-regression with the "
        "same tau2 estimator (metafor trimfill)",
        "leave_one_out": "each study left out in turn, same model and options",
    }


# ----------------------------------------------------------------------------------
# results


@dataclass(frozen=True)
class SubgroupResult:
    """Pooled result of one subgroup.

    :param subgroup: the subgroup label as written in the ``subgroup`` column.
    :param result: the meta-analysis of the subgroup's studies.
    """

    subgroup: str
    result: MetaResult

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``subgroup`` plus every key of the subgroup's result."""
        out: dict[str, Any] = {"subgroup": self.subgroup}
        out.update(self.result.to_json_dict())
        return out


@dataclass(frozen=True)
class MetaResult:
    """Result of a meta-analysis; field names are the JSON keys of DESIGN.md.

    Numbers that do not exist for the data (a Q p value for one study...) are NaN and
    become ``null`` in :meth:`to_json_dict`. ``z`` holds the t statistic when
    ``test == "t"`` (HKSJ), with ``df`` its degrees of freedom.
    """

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    p: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_lower: float
    pi_upper: float
    model: str
    measure: str
    weights: tuple[float, ...]
    subgroups: tuple[SubgroupResult, ...] | None = None
    q_between: float | None = None
    q_between_p: float | None = None
    conventions: Mapping[str, str] = field(default_factory=dict)
    # extra keys
    studies: tuple[str, ...] = ()
    yi: tuple[float, ...] = ()
    vi: tuple[float, ...] = ()
    test: str = "z"
    df: float | None = None
    level: float = 0.95
    hksj: bool = False
    tau: float = 0.0
    tau2_ci_lower: float = math.nan
    tau2_ci_upper: float = math.nan
    i2_ci_lower: float = math.nan
    i2_ci_upper: float = math.nan
    h2_ci_lower: float = math.nan
    h2_ci_upper: float = math.nan
    converged: bool = True
    iterations: int = 0
    back_transformed: Mapping[str, float] | None = None
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN and infinities become ``None``).

        >>> d = pool([0.1, 0.3], [0.01, 0.02], model="FE").to_json_dict()
        >>> sorted(k for k in d if k in ("k", "estimate", "weights"))
        ['estimate', 'k', 'weights']
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "subgroups":
                if value is None:
                    continue
                out[f.name] = [group.to_json_dict() for group in value]
            elif f.name in ("q_between", "q_between_p") and self.subgroups is None:
                continue
            else:
                out[f.name] = _jsonable(value)
        return out


def _jsonable(value: Any) -> Any:
    """Turn floats, tuples, mappings and numpy scalars into JSON-ready values."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list | np.ndarray):
        return [_jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    return value


# ----------------------------------------------------------------------------------
# core fitting (general design matrix, so Egger's mixed-effects test and trim-and-fill
# side selection use the same estimators)


@dataclass(frozen=True)
class _Fit:
    beta: _FloatArray
    vb: _FloatArray
    tau2: float
    weights: _FloatArray
    converged: bool
    iterations: int


def _wls(y: _FloatArray, X: _FloatArray, w: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """Weighted least squares: coefficients and (X'WX)^-1."""
    xtwx = X.T @ (w[:, None] * X)
    inv = np.asarray(np.linalg.inv(xtwx), dtype=np.float64)
    beta = np.asarray(inv @ (X.T @ (w * y)), dtype=np.float64)
    return beta, inv


def _q_gen(y: _FloatArray, v: _FloatArray, X: _FloatArray, tau2: float) -> float:
    """Generalised Q: weighted residual sum of squares with weights 1/(v + tau2)."""
    w = 1.0 / (v + tau2)
    beta, _ = _wls(y, X, w)
    r = y - X @ beta
    return float(np.sum(w * r * r))


def _trace_terms(w: _FloatArray, X: _FloatArray, inv: _FloatArray) -> tuple[float, float]:
    """tr(P) and tr(PP) for P = W - W X (X'WX)^-1 X' W, in O(k p^2)."""
    a2 = X.T @ ((w**2)[:, None] * X)
    a3 = X.T @ ((w**3)[:, None] * X)
    m2 = inv @ a2
    tr_p = float(np.sum(w) - np.trace(m2))
    tr_pp = float(np.sum(w**2) - 2.0 * np.trace(inv @ a3) + np.trace(m2 @ m2))
    return tr_p, tr_pp


def _dl_tau2(y: _FloatArray, v: _FloatArray, X: _FloatArray) -> float:
    w = 1.0 / v
    beta, inv = _wls(y, X, w)
    r = y - X @ beta
    q = float(np.sum(w * r * r))
    tr_p, _ = _trace_terms(w, X, inv)
    k, p = X.shape
    if tr_p <= 0:
        return 0.0
    return max(0.0, (q - (k - p)) / tr_p)


def _reml_tau2(
    y: _FloatArray, v: _FloatArray, X: _FloatArray, *, tol: float = 1e-10, maxiter: int = 1000
) -> tuple[float, bool, int]:
    """REML tau^2 by Fisher scoring, truncated at zero; returns (tau2, converged, iters)."""
    tau2 = _dl_tau2(y, v, X)
    for iteration in range(1, maxiter + 1):
        w = 1.0 / (v + tau2)
        beta, inv = _wls(y, X, w)
        r = y - X @ beta
        pr = w * r
        ypy = float(np.sum(pr * pr))
        tr_p, tr_pp = _trace_terms(w, X, inv)
        if tr_pp <= 0 or not math.isfinite(tr_pp):
            return tau2, False, iteration
        step = (ypy - tr_p) / tr_pp
        new = max(0.0, tau2 + step)
        if abs(new - tau2) <= tol * max(1.0, tau2):
            return new, True, iteration
        tau2 = new
    return tau2, False, maxiter


def _q_and_slope(y: _FloatArray, v: _FloatArray, t: float) -> tuple[float, float]:
    """Generalised Q of the intercept-only model and dQ/dt at tau2 = ``t``.

    ``Q(t) = sum w (y - mu_w)^2`` with ``w = 1/(v + t)``; since ``sum w (y - mu_w) = 0``,
    ``dQ/dt = -sum w^2 (y - mu_w)^2``.
    """
    w = 1.0 / (v + t)
    r = y - float((w * y).sum()) / float(w.sum())
    wr2 = w * r * r
    return float(wr2.sum()), -float((w * wr2).sum())


def _q_root_intercept(
    y: _FloatArray, v: _FloatArray, target: float, *, start: float = 0.0, maxiter: int = 200
) -> tuple[float, bool, int]:
    """Root of ``Q_gen(t) = target`` for the intercept-only model (0 if Q_gen(0) <= target).

    Q_gen decreases in t (Viechtbauer 2007) and behaves roughly like ``c / (t + a)``, so
    Newton's method is applied to ``1/Q_gen(t) - 1/target`` (nearly linear in t), from
    ``start``. The iteration is safeguarded: it keeps a bracket ``[lo, hi]`` with
    ``Q_gen > target`` at ``lo`` and ``< target`` at ``hi``, and a step that leaves the
    bracket is replaced by bisection (or by doubling while there is no upper end), so the
    result does not depend on the shape of Q_gen. Stops when ``|Q - target| <= 1e-13
    target`` or the step or the bracket is below 4 machine epsilons of t.

    :returns: ``(root, converged, iterations)``.
    """
    eps = 4.0 * float(np.finfo(float).eps)
    lo, hi = 0.0, math.inf
    t = max(0.0, start)
    q, slope = _q_and_slope(y, v, t)
    if t > 0.0 and q <= target:
        hi = t
        t = 0.0
        q, slope = _q_and_slope(y, v, t)
    if q <= target:
        return 0.0, True, 0
    lo = t
    for iteration in range(1, maxiter + 1):
        new = t + (q - target) / -slope * (q / target) if slope < 0 else math.inf
        if not lo < new < hi:
            new = 0.5 * (lo + hi) if math.isfinite(hi) else max(2.0 * t, t + 1.0)
        q_new, slope = _q_and_slope(y, v, new)
        if q_new > target:
            lo = new
        else:
            hi = new
        scale = max(new, 1e-300)
        if (
            abs(q_new - target) <= 1e-13 * target
            or abs(new - t) <= eps * scale
            or hi - lo <= eps * scale
        ):
            return new, True, iteration
        t, q = new, q_new
    return t, False, maxiter


def _pm_tau2(y: _FloatArray, v: _FloatArray, X: _FloatArray) -> tuple[float, bool, int]:
    """Paule-Mandel tau^2: root of Q_gen(tau2) = k - p, zero if Q_gen(0) <= k - p."""
    k, p = X.shape
    target = float(k - p)
    if p == 1:
        return _q_root_intercept(y, v, target)
    if _q_gen(y, v, X, 0.0) <= target:
        return 0.0, True, 0
    hi = max(float(np.var(y)), float(np.mean(v)), 1e-8)
    expansions = 0
    while _q_gen(y, v, X, hi) > target:
        hi *= 4.0
        expansions += 1
        if expansions > 200:
            return math.nan, False, expansions
    root, info = optimize.brentq(
        lambda t: _q_gen(y, v, X, t) - target,
        0.0,
        hi,
        xtol=1e-15,
        rtol=4 * np.finfo(float).eps,
        maxiter=500,
        full_output=True,
    )
    return float(root), bool(info.converged), int(info.iterations)


def _fit(y: _FloatArray, v: _FloatArray, X: _FloatArray, model: str) -> _Fit:
    k, p = X.shape
    converged, iterations = True, 0
    if model == "FE" or k <= p:
        tau2 = 0.0
    elif model == "DL":
        tau2 = _dl_tau2(y, v, X)
    elif model == "REML":
        tau2, converged, iterations = _reml_tau2(y, v, X)
    elif model == "PM":
        tau2, converged, iterations = _pm_tau2(y, v, X)
    else:  # pragma: no cover - guarded by callers
        raise ValueError(f"unknown model {model!r}")
    w = 1.0 / (v + tau2)
    beta, inv = _wls(y, X, w)
    return _Fit(beta, inv, tau2, w, converged, iterations)


# ----------------------------------------------------------------------------------
# intercept-only fits (pooling, leave-one-out, trim-and-fill): the same estimators as
# ``_fit`` with X = 1, written with elementwise sums (no BLAS calls, no 1x1 inverses)


@dataclass(frozen=True)
class _MeanFit:
    estimate: float
    tau2: float
    weights: _FloatArray
    sw: float
    converged: bool
    iterations: int


def _dl_tau2_mean(y: _FloatArray, v: _FloatArray) -> float:
    """DerSimonian-Laird tau^2 for the intercept-only model."""
    w = 1.0 / v
    sw = float(w.sum())
    mu = float((w * y).sum()) / sw
    r = y - mu
    q = float((w * r * r).sum())
    c = sw - float((w * w).sum()) / sw
    if c <= 0:
        return 0.0
    return max(0.0, (q - (y.size - 1)) / c)


def _reml_tau2_mean(
    y: _FloatArray, v: _FloatArray, *, tol: float = 1e-10, maxiter: int = 1000
) -> tuple[float, bool, int]:
    """REML tau^2 for the intercept-only model: Fisher scoring from DL, truncated at 0.

    With X = 1: ``tr(P) = S1 - S2/S1`` and ``tr(PP) = S2 - 2 S3/S1 + (S2/S1)^2`` where
    ``Sp = sum w^p``; the step is ``(y'PPy - tr P) / tr PP`` (Viechtbauer 2005).
    """
    tau2 = _dl_tau2_mean(y, v)
    for iteration in range(1, maxiter + 1):
        w = 1.0 / (v + tau2)
        s1 = float(w.sum())
        mu = float((w * y).sum()) / s1
        pr = w * (y - mu)
        ypy = float((pr * pr).sum())
        w2 = w * w
        s2 = float(w2.sum())
        s3 = float((w2 * w).sum())
        tr_p = s1 - s2 / s1
        tr_pp = s2 - 2.0 * s3 / s1 + (s2 / s1) ** 2
        if not (tr_pp > 0 and math.isfinite(tr_pp)):
            return tau2, False, iteration
        new = max(0.0, tau2 + (ypy - tr_p) / tr_pp)
        if abs(new - tau2) <= tol * max(1.0, tau2):
            return new, True, iteration
        tau2 = new
    return tau2, False, maxiter


def _mean_fit(y: _FloatArray, v: _FloatArray, model: str) -> _MeanFit:
    """Fit the intercept-only (fixed- or random-effects) model."""
    converged, iterations = True, 0
    if model == "FE" or y.size <= 1:
        tau2 = 0.0
    elif model == "DL":
        tau2 = _dl_tau2_mean(y, v)
    elif model == "REML":
        tau2, converged, iterations = _reml_tau2_mean(y, v)
    elif model == "PM":
        # Newton from the DL value (zero exactly when the PM value is zero)
        start = _dl_tau2_mean(y, v)
        tau2, converged, iterations = _q_root_intercept(y, v, float(y.size - 1), start=start)
    else:  # pragma: no cover - guarded by callers
        raise ValueError(f"unknown model {model!r}")
    w = 1.0 / (v + tau2)
    sw = float(w.sum())
    return _MeanFit(float((w * y).sum()) / sw, tau2, w, sw, converged, iterations)


# ----------------------------------------------------------------------------------
# Q-profile


def qprofile_tau2_ci(yi: ArrayLike, vi: ArrayLike, *, level: float = 0.95) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007).

    The bounds solve ``Q_gen(tau2) = chi2_{1-a/2, k-1}`` (lower) and ``chi2_{a/2, k-1}``
    (upper); a bound is 0 when ``Q_gen(0)`` is already below its quantile. Both bounds
    are found by a safeguarded Newton iteration (see ``_q_root_intercept``).

    :param yi: effect sizes.
    :param vi: sampling variances.
    :param level: confidence level.
    :returns: ``(lower, upper)``.

    >>> lo, hi = qprofile_tau2_ci([0.0, 1.0, 2.0], [0.1, 0.1, 0.1])
    >>> 0 < lo < 1 < hi
    True
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    k = y.size
    if k < 2:
        return math.nan, math.nan
    alpha = 1.0 - level
    # chdtri(df, p) is the upper-tail quantile: chi2_{1-a/2} = chdtri(df, a/2)
    lower = _q_root_intercept(y, v, float(special.chdtri(k - 1, alpha / 2)))[0]
    upper = _q_root_intercept(y, v, float(special.chdtri(k - 1, 1 - alpha / 2)))[0]
    return lower, upper


# ----------------------------------------------------------------------------------
# pooling


def _validate(yi: ArrayLike, vi: ArrayLike, model: str) -> tuple[_FloatArray, _FloatArray]:
    if model == "MH":
        raise StatsError(
            [
                Problem(
                    "-",
                    0,
                    "model",
                    "'MH' (Mantel-Haenszel) pools 2x2 counts, not yi/vi: use "
                    "gutbone.stats.mantel_haenszel.pool_mh(events1, n1, events2, n2, "
                    "measure=...) or meta_analysis_from_csv(path, model='MH')",
                )
            ]
        )
    if model not in MODELS:
        raise StatsError(
            [Problem("-", 0, "model", f"{model!r} is not a model; expected one of {MODELS}")]
        )
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    problems: list[Problem] = []
    if y.shape != v.shape:
        problems.append(Problem("-", 0, "vi", f"{v.size} variances for {y.size} estimates"))
    elif y.size == 0:
        problems.append(Problem("-", 0, "yi", "no studies to pool"))
    elif not (np.isfinite(y).all() and np.isfinite(v).all() and (v > 0).all()):
        for index in np.flatnonzero(~np.isfinite(y)):
            problems.append(Problem("-", int(index) + 1, "yi", f"{y[index]} is not finite"))
        for index in np.flatnonzero(~(np.isfinite(v) & (v > 0))):
            problems.append(
                Problem("-", int(index) + 1, "vi", f"variance {v[index]} is not positive")
            )
    if problems:
        raise StatsError(problems)
    return y, v


def _heterogeneity(y: _FloatArray, v: _FloatArray) -> tuple[float, float, float, float]:
    """Fixed-effect Q, its p value, the FE estimate and the typical variance."""
    w = 1.0 / v
    sw = float(w.sum())
    mu = float((w * y).sum()) / sw
    r = y - mu
    q = float((w * r * r).sum())
    k = y.size
    q_p = float(special.chdtrc(k - 1, q)) if k > 1 else math.nan
    denom = sw**2 - float((w * w).sum())
    vt = (k - 1) * sw / denom if k > 1 and denom > 0 else math.nan
    return q, q_p, mu, vt


@dataclass(frozen=True)
class PooledEstimate:
    """The pooled estimate alone: the scalar part of :class:`MetaResult`.

    Same field names (and meanings) as in :class:`MetaResult`; no per-study values, no
    heterogeneity confidence intervals. Returned by :func:`pooled_estimate`.
    """

    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    p: float
    tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p: float
    pi_lower: float
    pi_upper: float
    model: str
    test: str = "z"
    df: float | None = None
    level: float = 0.95
    hksj: bool = False
    converged: bool = True
    iterations: int = 0

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN and infinities become ``None``).

        >>> pooled_estimate([0.1, 0.3], [0.01, 0.02], model="FE").to_json_dict()["k"]
        2
        """
        return {f.name: _jsonable(getattr(self, f.name)) for f in fields(self)}


def _pool_core(
    y: _FloatArray, v: _FloatArray, model: str, hksj: bool, level: float, pi_method: str
) -> tuple[PooledEstimate, _MeanFit, float]:
    """Pooled estimate of validated data; also returns the fit and the typical variance."""
    k = y.size
    fit = _mean_fit(y, v, model)
    tau2, sw, est = fit.tau2, fit.sw, fit.estimate
    alpha = 1.0 - level
    q, q_p, _, vt = _heterogeneity(y, v)
    z_crit = float(special.ndtri(1 - alpha / 2))
    if hksj:
        r = y - est
        s2 = float((fit.weights * r * r).sum()) / (k - 1)
        se = math.sqrt(s2 / sw)
        df: float | None = float(k - 1)
        test = "t"
        crit = float(special.stdtrit(k - 1, 1 - alpha / 2))
        stat = est / se if se > 0 else math.nan
        pval = float(2 * special.stdtr(k - 1, -abs(stat))) if se > 0 else math.nan
    else:
        se = math.sqrt(1.0 / sw)
        df = None
        test = "z"
        crit = z_crit
        stat = est / se
        pval = float(2 * special.ndtr(-abs(stat)))
    if hksj:
        pi_crit = crit
    elif pi_method == "t(k-2)":
        pi_crit = float(special.stdtrit(k - 2, 1 - alpha / 2)) if k > 2 else math.nan
    else:
        pi_crit = z_crit
    pi_half = pi_crit * math.sqrt(tau2 + se * se)
    if model == "FE":
        i2 = 100.0 * max(0.0, (q - (k - 1)) / q) if k > 1 and q > 0 else 0.0
        h2 = q / (k - 1) if k > 1 else math.nan
    elif k > 1 and math.isfinite(vt):
        i2 = 100.0 * tau2 / (tau2 + vt)
        h2 = (tau2 + vt) / vt
    else:
        i2, h2 = math.nan, math.nan
    result = PooledEstimate(
        k=k,
        estimate=est,
        se=se,
        ci_lower=est - crit * se,
        ci_upper=est + crit * se,
        z=stat,
        p=pval,
        tau2=tau2,
        i2=i2,
        h2=h2,
        q=q,
        q_df=k - 1,
        q_p=q_p,
        pi_lower=est - pi_half,
        pi_upper=est + pi_half,
        model=model,
        test=test,
        df=df,
        level=level,
        hksj=hksj,
        converged=fit.converged,
        iterations=fit.iterations,
    )
    return result, fit, vt


def _check_options(k: int, hksj: bool, pi_method: str) -> None:
    if pi_method not in ("z", "t(k-2)"):
        raise StatsError([Problem("-", 0, "pi", f"{pi_method!r} is not 'z' or 't(k-2)'")])
    if hksj and k < 2:
        raise StatsError(
            [Problem("-", 0, "hksj", "the Hartung-Knapp adjustment needs at least two studies")]
        )


def pooled_estimate(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    pi_method: str = "z",
) -> PooledEstimate:
    """The pooled estimate, its test, intervals and heterogeneity statistics, nothing else.

    The numbers are those of :func:`pool` (same code); what is left out is the per-study
    output (labels, weights, yi, vi), the Q-profile intervals, notes and conventions.
    Use it where only the pooled numbers are needed (it is the like-for-like counterpart
    of statsmodels' ``combine_effects`` in ``benchmarks/stats.py``).

    :param yi: effect sizes. :param vi: sampling variances (all > 0).
    :param model: ``"FE"``, ``"DL"``, ``"REML"`` (default) or ``"PM"``.
    :param hksj: Hartung-Knapp-Sidik-Jonkman adjustment (t with k-1 df).
    :param level: confidence level. :param pi_method: ``"z"`` or ``"t(k-2)"``.
    :returns: a :class:`PooledEstimate`.
    :raises StatsError: as :func:`pool`.

    >>> r = pooled_estimate([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], model="FE")
    >>> round(r.estimate, 4), round(r.se, 4)
    (0.2143, 0.0756)
    """
    y, v = _validate(yi, vi, model)
    _check_options(y.size, hksj, pi_method)
    return _pool_core(y, v, model, hksj, level, pi_method)[0]


def pool(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    measure: str = "GEN",
    studies: Sequence[str] | None = None,
    pi_method: str = "z",
    conventions: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    heterogeneity_ci: bool = True,
) -> MetaResult:
    """Pool effect sizes with a fixed-effect or random-effects model.

    :param yi: effect sizes (log scale for ratio measures).
    :param vi: their sampling variances (all > 0).
    :param model: ``"FE"``, ``"DL"``, ``"REML"`` (default) or ``"PM"``.
    :param hksj: apply the Hartung-Knapp-Sidik-Jonkman adjustment (t with k-1 df).
    :param level: confidence level of the CI and prediction interval.
    :param measure: label of the effect measure; ``"RR"`` and ``"OR"`` are also
        back-transformed with ``exp``.
    :param studies: study labels (default ``"1"``, ``"2"``...).
    :param pi_method: ``"z"`` (default, metafor) or ``"t(k-2)"`` critical value for the
        prediction interval (ignored with HKSJ, which uses t(k-1)).
    :param conventions: extra conventions (e.g. of the effect-size step) to record.
    :param notes: notes to carry into the result.
    :param heterogeneity_ci: compute the Q-profile confidence intervals of tau^2, I^2
        and H^2 (default); with False those six fields are NaN (``null`` in JSON).
    :returns: the pooled :class:`MetaResult`.
    :raises StatsError: for non-positive variances, non-finite values, an unknown model,
        or HKSJ with a single study.

    Equal variances and Q = k - 1 exactly, so the DL tau^2 is 0 and the estimate is the mean:

    >>> r = pool([0.1, 0.3, 0.5], [0.04, 0.04, 0.04], model="DL")
    >>> round(r.estimate, 10), round(r.tau2, 10), round(r.q, 10), r.q_df
    (0.3, 0.0, 2.0, 2)
    """
    y, v = _validate(yi, vi, model)
    k = y.size
    labels = tuple(studies) if studies is not None else tuple(map(str, range(1, k + 1)))
    if len(labels) != k:
        raise StatsError([Problem("-", 0, "study", f"{len(labels)} labels for {k} studies")])
    _check_options(k, hksj, pi_method)
    core, fit, vt = _pool_core(y, v, model, hksj, level, pi_method)
    note_list = list(notes)
    conv = base_conventions(pi_method=pi_method, hksj=hksj)
    if conventions:
        conv.update(conventions)
    if not heterogeneity_ci:
        conv["tau2_ci"] = "not computed (heterogeneity_ci=False)"
    if not fit.converged:
        note_list.append(
            f"{model} estimation of tau2 did not converge after {fit.iterations} iterations; "
            "the last value is reported"
        )
    if hksj and model == "FE":
        note_list.append("the Hartung-Knapp adjustment is meant for random-effects models")
    t_lo = t_hi = i2_lo = i2_hi = h2_lo = h2_hi = math.nan
    if k > 1:
        if heterogeneity_ci:
            t_lo, t_hi = qprofile_tau2_ci(y, v, level=level)
            i2_lo, i2_hi = (100.0 * t / (t + vt) for t in (t_lo, t_hi))
            h2_lo, h2_hi = ((t + vt) / vt for t in (t_lo, t_hi))
            if math.isfinite(t_lo) and not t_lo - 1e-12 <= core.tau2 <= t_hi + 1e-12:
                note_list.append(
                    f"the {model} tau2 estimate lies outside its Q-profile interval: the "
                    "interval inverts the generalised Q statistic (Viechtbauer 2007) and need "
                    "not contain a moment estimate such as DerSimonian-Laird's"
                )
    else:
        note_list.append(
            "only one study: its own estimate is reported; heterogeneity cannot be assessed"
        )
    if k == 2 and model != "FE":
        note_list.append("tau2 from two studies is very imprecise")
    est = core.estimate
    back = None
    if measure in RATIO_MEASURES:
        back = {
            key: math.exp(getattr(core, key)) if math.isfinite(getattr(core, key)) else math.nan
            for key in ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")
        }
    return MetaResult(
        k=k,
        estimate=est,
        se=core.se,
        ci_lower=core.ci_lower,
        ci_upper=core.ci_upper,
        z=core.z,
        p=core.p,
        tau2=core.tau2,
        i2=core.i2,
        h2=core.h2,
        q=core.q,
        q_df=core.q_df,
        q_p=core.q_p,
        pi_lower=core.pi_lower,
        pi_upper=core.pi_upper,
        model=model,
        measure=measure,
        weights=tuple((100.0 * fit.weights / fit.sw).tolist()),
        conventions=conv,
        studies=labels,
        yi=tuple(y.tolist()),
        vi=tuple(v.tolist()),
        test=core.test,
        df=core.df,
        level=level,
        hksj=hksj,
        tau=math.sqrt(core.tau2),
        tau2_ci_lower=t_lo,
        tau2_ci_upper=t_hi,
        i2_ci_lower=i2_lo,
        i2_ci_upper=i2_hi,
        h2_ci_lower=h2_lo,
        h2_ci_upper=h2_hi,
        converged=fit.converged,
        iterations=fit.iterations,
        back_transformed=back,
        notes=tuple(note_list),
    )


def pool_subgroups(
    yi: ArrayLike,
    vi: ArrayLike,
    subgroups: Sequence[str],
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    measure: str = "GEN",
    studies: Sequence[str] | None = None,
    pi_method: str = "z",
    conventions: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    heterogeneity_ci: bool = True,
) -> MetaResult:
    """Pool all studies, then each subgroup, and test for subgroup differences.

    Each subgroup gets its own tau^2. ``q_between`` is the fixed-effect Q statistic of
    the subgroup estimates with their standard errors, on (number of groups - 1) df;
    with ``model="FE"`` it equals Q_total - sum of Q_within. The other keywords are those
    of :func:`pool` and apply to the overall and to every subgroup analysis.

    :param subgroups: one label per study, in input order (first-seen order is kept).
    :returns: the overall :class:`MetaResult` with ``subgroups``, ``q_between`` and
        ``q_between_p`` filled in.

    >>> r = pool_subgroups([0.1, 0.2, 0.8, 0.9], [0.01] * 4, ["a", "a", "b", "b"], model="FE")
    >>> [g.subgroup for g in r.subgroups], round(r.q_between, 3)
    (['a', 'b'], 49.0)
    """
    overall = pool(
        yi,
        vi,
        model=model,
        hksj=hksj,
        level=level,
        measure=measure,
        studies=studies,
        pi_method=pi_method,
        conventions=conventions,
        notes=notes,
        heterogeneity_ci=heterogeneity_ci,
    )
    y = np.asarray(overall.yi)
    v = np.asarray(overall.vi)
    labels = [str(s) for s in subgroups]
    if len(labels) != overall.k:
        raise StatsError(
            [Problem("-", 0, "subgroup", f"{len(labels)} subgroup labels for {overall.k} studies")]
        )
    order = list(dict.fromkeys(labels))
    results = []
    for name in order:
        index = [i for i, label in enumerate(labels) if label == name]
        group_hksj = hksj and len(index) >= 2
        group_notes = []
        if hksj and not group_hksj:
            group_notes.append("single study: no Hartung-Knapp adjustment")
        result = pool(
            y[index],
            v[index],
            model=model,
            hksj=group_hksj,
            level=level,
            measure=measure,
            studies=[overall.studies[i] for i in index],
            pi_method=pi_method,
            conventions=conventions,
            notes=group_notes,
            heterogeneity_ci=heterogeneity_ci,
        )
        results.append(SubgroupResult(name, result))
    if len(results) >= 2:
        est = np.array([g.result.estimate for g in results])
        se = np.array([g.result.se for g in results])
        w = 1.0 / se**2
        mu = float(np.sum(w * est) / np.sum(w))
        q_between = float(np.sum(w * (est - mu) ** 2))
        q_between_p = float(special.chdtrc(len(results) - 1, q_between))
        extra: tuple[str, ...] = ()
    else:
        q_between, q_between_p = math.nan, math.nan
        extra = ("only one subgroup: no test for subgroup differences",)
    return replace(
        overall,
        subgroups=tuple(results),
        q_between=q_between,
        q_between_p=q_between_p,
        notes=overall.notes + extra,
    )


# ----------------------------------------------------------------------------------
# meta-regression (used by the bias module)


@dataclass(frozen=True)
class MetaRegression:
    """Mixed-effects meta-regression with one moderator: ``yi = b0 + b1 * x``.

    :param intercept: b0. :param slope: b1. :param intercept_se: se of b0.
    :param slope_se: se of b1. :param stat: z (or t) statistic of b1.
    :param p: two-sided p value of b1. :param df: degrees of freedom (t) or None (z).
    :param tau2: residual heterogeneity. :param model: tau^2 estimator.
    """

    intercept: float
    slope: float
    intercept_se: float
    slope_se: float
    stat: float
    p: float
    df: float | None
    tau2: float
    model: str


def meta_regression(
    yi: ArrayLike, vi: ArrayLike, x: ArrayLike, *, model: str = "REML", hksj: bool = False
) -> MetaRegression:
    """Fit ``yi = b0 + b1 * x`` with weights ``1/(vi + tau2)`` (metafor ``rma(yi, vi, mods=~x)``).

    :param yi: effect sizes. :param vi: sampling variances. :param x: the moderator.
    :param model: tau^2 estimator (``"FE"`` fixes tau^2 = 0).
    :param hksj: Knapp-Hartung adjustment with t(k-2).
    :returns: a :class:`MetaRegression`.
    :raises StatsError: with fewer than three studies.

    >>> fit = meta_regression([1.0, 2.0, 3.0, 4.0], [0.1] * 4, [0.0, 1.0, 2.0, 3.0], model="FE")
    >>> round(fit.intercept, 6), round(fit.slope, 6)
    (1.0, 1.0)
    """
    y, v = _validate(yi, vi, model)
    xs = np.asarray(x, dtype=float).ravel()
    k = y.size
    if k < 3:
        raise StatsError(
            [Problem("-", 0, "yi", f"meta-regression needs at least 3 studies, got {k}")]
        )
    X = np.column_stack([np.ones(k), xs])
    fit = _fit(y, v, X, model)
    vb = fit.vb
    if hksj:
        r = y - X @ fit.beta
        s2 = float(np.sum(fit.weights * r * r)) / (k - 2)
        vb = vb * s2
    se = np.sqrt(np.diag(vb))
    stat = float(fit.beta[1] / se[1])
    if hksj:
        df: float | None = float(k - 2)
        p = float(2 * special.stdtr(k - 2, -abs(stat)))
    else:
        df = None
        p = float(2 * special.ndtr(-abs(stat)))
    return MetaRegression(
        float(fit.beta[0]),
        float(fit.beta[1]),
        float(se[0]),
        float(se[1]),
        stat,
        p,
        df,
        fit.tau2,
        model,
    )


# ----------------------------------------------------------------------------------
# leave-one-out, vectorised


@dataclass(frozen=True)
class LeaveOneOut:
    """Leave-one-out table: entry i is the meta-analysis without study i.

    Every field but ``studies``/``model``/``test`` is a tuple of length k.
    """

    studies: tuple[str, ...]
    estimate: tuple[float, ...]
    se: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]
    z: tuple[float, ...]
    p: tuple[float, ...]
    tau2: tuple[float, ...]
    q: tuple[float, ...]
    q_p: tuple[float, ...]
    i2: tuple[float, ...]
    h2: tuple[float, ...]
    model: str
    test: str

    @classmethod
    def from_arrays(
        cls,
        studies: tuple[str, ...],
        *,
        estimate: ArrayLike,
        se: ArrayLike,
        crit: float,
        p: ArrayLike,
        tau2: ArrayLike,
        q: ArrayLike,
        q_p: ArrayLike,
        i2: ArrayLike,
        h2: ArrayLike,
        model: str,
        test: str,
    ) -> LeaveOneOut:
        """Build the table from per-study arrays; CI = estimate -/+ ``crit`` x se."""

        def tup(values: ArrayLike) -> tuple[float, ...]:
            return tuple(np.asarray(values, dtype=float).tolist())

        est, err = np.asarray(estimate, dtype=float), np.asarray(se, dtype=float)
        return cls(
            studies=studies,
            estimate=tup(est),
            se=tup(err),
            ci_lower=tup(est - crit * err),
            ci_upper=tup(est + crit * err),
            z=tup(est / err),
            p=tup(p),
            tau2=tup(tau2),
            q=tup(q),
            q_p=tup(q_p),
            i2=tup(i2),
            h2=tup(h2),
            model=model,
            test=test,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """Return a list-of-rows JSON form under ``rows``."""
        keys = ("estimate", "se", "ci_lower", "ci_upper", "z", "p", "tau2", "q", "q_p", "i2", "h2")
        rows = []
        for i, study in enumerate(self.studies):
            row: dict[str, Any] = {"study": study}
            for key in keys:
                row[key] = _jsonable(getattr(self, key)[i])
            rows.append(row)
        return {"model": self.model, "test": self.test, "rows": rows}


_DIRECT_LIMIT = 3000
_CHUNK = 512


def _loo_sums_direct(
    y: _FloatArray, v: _FloatArray, t: _FloatArray, index: NDArray[np.intp] | None = None
) -> _FloatArray:
    """Sums over j != i of w^p y^q at tau2 = t_i (w = 1/(v_j + t_i)); shape (m, 7).

    Columns: sum w, sum w y, sum w y^2, sum w^2, sum w^2 y, sum w^2 y^2, sum w^3.
    ``index`` gives the left-out study of each row (default: row i leaves out study i).
    """
    idx = np.arange(t.size) if index is None else np.asarray(index, dtype=int)
    out = np.empty((t.size, 7))
    y2 = y * y
    for start in range(0, t.size, _CHUNK):
        stop = min(start + _CHUNK, t.size)
        w = 1.0 / (v[None, :] + t[start:stop, None])
        w2 = w * w
        block = np.column_stack(
            [
                w.sum(1),
                w @ y,
                w @ y2,
                w2.sum(1),
                w2 @ y,
                w2 @ y2,
                (w2 * w).sum(1),
            ]
        )
        own = idx[start:stop]
        wi = 1.0 / (v[own] + t[start:stop])
        yi = y[own]
        block -= np.column_stack(
            [wi, wi * yi, wi * yi * yi, wi**2, wi**2 * yi, wi**2 * yi * yi, wi**3]
        )
        out[start:stop] = block
    return out


def _loo_sums(y: _FloatArray, v: _FloatArray, t: _FloatArray, tau0: float) -> _FloatArray:
    """Leave-one-out sums at per-row tau2 ``t``; Taylor expansion around ``tau0`` for large k.

    For k above a few thousand the sums over all studies at ``t_i = tau0 + d_i`` are
    expanded as ``sum_j g_j (a_j + d)^-p = sum_n C(p+n-1, n) (-d)^n sum_j g_j a_j^(-p-n)``
    with ``a_j = v_j + tau0``; rows whose ``|d_i| / min(a)`` is too large for the series
    to converge fast are computed directly.
    """
    k = y.size
    if k <= _DIRECT_LIMIT:
        return _loo_sums_direct(y, v, t)
    a = v + tau0
    amin = float(a.min())
    d = t - tau0
    ratio = np.abs(d) / amin
    ok = ratio <= 0.25
    out = np.empty((k, 7))
    if ok.any():
        rmax = float(ratio[ok].max())
        n_terms = 2
        while rmax > 0 and (n_terms + 1) * (n_terms + 2) / 2 * rmax**n_terms > 1e-18:
            n_terms += 1
        n_terms = min(n_terms, 80)
        u = amin / a
        y2 = y * y
        g = np.column_stack([np.ones(k), y, y2])
        inv_a = 1.0 / a
        # moments[n, p, q] = sum_j g_q(j) a_j^-p u_j^n, p = 1..3
        moments = np.empty((n_terms + 1, 3, 3))
        un = np.ones(k)
        base = [g * (inv_a**pw)[:, None] for pw in (1, 2, 3)]
        for n in range(n_terms + 1):
            for pw in range(3):
                moments[n, pw] = un @ base[pw]
            un = un * u
        x = -d[ok] / amin
        powers = x[:, None] ** np.arange(n_terms + 1)[None, :]
        n_idx = np.arange(n_terms + 1)
        totals = np.empty((int(ok.sum()), 3, 3))
        for pw in range(3):
            coef = np.array([math.comb(pw + n, n) for n in n_idx], dtype=float)
            totals[:, pw, :] = (powers * coef[None, :]) @ moments[:, pw, :]
        rows = np.flatnonzero(ok)
        wi = 1.0 / (v[rows] + t[rows])
        yi = y[rows]
        out[rows] = np.column_stack(
            [
                totals[:, 0, 0] - wi,
                totals[:, 0, 1] - wi * yi,
                totals[:, 0, 2] - wi * yi * yi,
                totals[:, 1, 0] - wi**2,
                totals[:, 1, 1] - wi**2 * yi,
                totals[:, 1, 2] - wi**2 * yi * yi,
                totals[:, 2, 0] - wi**3,
            ]
        )
    bad = np.flatnonzero(~ok)
    if bad.size:
        out[bad] = _loo_sums_direct(y, v, t[bad], index=bad)
    return out


def leave_one_out(
    yi: ArrayLike,
    vi: ArrayLike,
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    studies: Sequence[str] | None = None,
) -> LeaveOneOut:
    """Meta-analysis leaving out each study in turn, vectorised over the k fits.

    The fixed-effect sums are updated in closed form (total minus the left-out term);
    DL is closed form; REML (Fisher scoring) and PM (Newton on the generalised Q) iterate
    all k fits at once from the full-data tau^2, so 10,000 studies take well under a
    second rather than 10,000 separate fits.

    :param yi: effect sizes. :param vi: sampling variances.
    :param model: ``"FE"``, ``"DL"``, ``"REML"`` or ``"PM"``.
    :param hksj: Hartung-Knapp adjustment (t with k-2 df for k-1 studies).
    :param level: confidence level.
    :param studies: labels.
    :returns: a :class:`LeaveOneOut` table.
    :raises StatsError: with fewer than three studies.

    >>> loo = leave_one_out([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], model="FE")
    >>> round(loo.estimate[0], 4)
    0.3667
    """
    y0, v = _validate(yi, vi, model)
    k = y0.size
    if k < 3:
        raise StatsError(
            [Problem("-", 0, "yi", f"leave-one-out needs at least 3 studies, got {k}")]
        )
    labels = tuple(studies) if studies is not None else tuple(map(str, range(1, k + 1)))
    full = _mean_fit(y0, v, model)
    shift = full.estimate
    y = y0 - shift  # centring keeps the running sums well conditioned
    m = k - 1
    w = 1.0 / v
    sw, swy, swy2, sw2 = np.sum(w), np.sum(w * y), np.sum(w * y * y), np.sum(w * w)
    s1 = sw - w
    s1y = swy - w * y
    s1y2 = swy2 - w * y * y
    s2 = sw2 - w * w
    q = np.maximum(s1y2 - s1y**2 / s1, 0.0)
    q_p = special.chdtrc(m - 1, q)
    vt = (m - 1) * s1 / (s1**2 - s2)
    if model == "FE":
        tau2 = np.zeros(k)
    elif model == "DL":
        tau2 = np.maximum(0.0, (q - (m - 1)) / (s1 - s2 / s1))
    elif model == "REML":
        tau2 = np.full(k, full.tau2)
        for _ in range(500):
            sums = _loo_sums(y, v, tau2, full.tau2)
            a0, a1, _a2, b0, b1, b2, c0 = sums.T
            mu = a1 / a0
            ypy = b2 - 2 * mu * b1 + mu * mu * b0
            tr_p = a0 - b0 / a0
            tr_pp = b0 - 2 * c0 / a0 + (b0 / a0) ** 2
            new = np.maximum(0.0, tau2 + (ypy - tr_p) / tr_pp)
            done = np.abs(new - tau2) <= 1e-10 * np.maximum(1.0, tau2)
            tau2 = new
            if done.all():
                break
    else:  # PM
        tau2 = np.where(q <= m - 1, 0.0, full.tau2)
        active = q > m - 1
        for _ in range(500):
            if not active.any():
                break
            rows = np.flatnonzero(active)
            sums = _loo_sums(y, v, tau2, full.tau2)[rows]
            a0, a1, a2, b0, b1, b2, _c0 = sums.T
            mu = a1 / a0
            qgen = a2 - a1 * a1 / a0
            ypy = b2 - 2 * mu * b1 + mu * mu * b0
            new = np.maximum(0.0, tau2[rows] + (qgen - (m - 1)) / ypy)
            done = np.abs(new - tau2[rows]) <= 1e-12 * np.maximum(1.0, tau2[rows])
            tau2[rows] = new
            active[rows[done]] = False
    sums = (
        _loo_sums(y, v, tau2, full.tau2)
        if model != "FE"
        else np.column_stack([s1, s1y, s1y2, s2, np.zeros(k), np.zeros(k), np.zeros(k)])
    )
    a0, a1, a2 = sums[:, 0], sums[:, 1], sums[:, 2]
    est = a1 / a0
    alpha = 1.0 - level
    if hksj:
        qgen = np.maximum(a2 - a1 * a1 / a0, 0.0)
        se = np.sqrt(qgen / (m - 1) / a0)
        crit = float(special.stdtrit(m - 1, 1 - alpha / 2))
        test = "t"
    else:
        se = np.sqrt(1.0 / a0)
        crit = float(special.ndtri(1 - alpha / 2))
        test = "z"
    est = est + shift
    stat = est / se
    if hksj:
        p = 2 * special.stdtr(m - 1, -np.abs(stat))
    else:
        p = 2 * special.ndtr(-np.abs(stat))
    if model == "FE":
        i2 = np.where(q > 0, 100.0 * np.maximum(0.0, (q - (m - 1)) / np.where(q > 0, q, 1)), 0.0)
        h2 = q / (m - 1)
    else:
        i2 = 100.0 * tau2 / (tau2 + vt)
        h2 = (tau2 + vt) / vt

    return LeaveOneOut.from_arrays(
        labels, estimate=est, se=se, crit=crit, p=p, tau2=tau2, q=q, q_p=q_p, i2=i2, h2=h2,
        model=model, test=test,
    )  # fmt: skip


# ----------------------------------------------------------------------------------
# convenience


def meta_analysis_from_csv(
    path: str,
    *,
    measure: str | None = None,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    md_variance: str = "unequal",
    hedges: str = "exact",
    pi_method: str = "z",
    heterogeneity_ci: bool = True,
    rd_variance: str = "GR",
) -> MetaResult:
    """Read a study CSV, compute effect sizes and pool them (with subgroups if given).

    With ``model="MH"`` the 2x2 counts are pooled by the Mantel-Haenszel method
    (:func:`gutbone.stats.mantel_haenszel.pool_mh`); the table must then have the columns
    ``study,events1,n1,events2,n2`` and the measure be RR (default), OR or RD.

    :param path: CSV in one of the input forms of DESIGN.md.
    :param measure: ``MD``, ``SMD``, ``RR``, ``OR``, ``RD`` (or None for the form's default).
    :param model: ``"FE"``, ``"DL"``, ``"REML"``, ``"PM"`` or ``"MH"``.
    :param hksj: Hartung-Knapp adjustment (not with ``"MH"``).
    :param level: confidence level. :param md_variance: ``"unequal"`` or ``"pooled"``.
    :param hedges: ``"exact"`` or ``"approx"``. :param pi_method: ``"z"`` or ``"t(k-2)"``.
    :param heterogeneity_ci: Q-profile intervals for tau^2, I^2, H^2 (see :func:`pool`).
    :param rd_variance: MH risk-difference variance, ``"GR"`` (Greenland & Robins 1985)
        or ``"Sato"`` (Sato et al. 1989, metafor); MH only.
    :returns: the pooled :class:`MetaResult`.
    :raises InputError: naming file, row and column for any bad input.
    """
    from gutbone.stats.effect_sizes import effect_sizes
    from gutbone.stats.study_table import read_study_table

    table = read_study_table(path)
    if model == "MH":
        from gutbone.stats.mantel_haenszel import mh_from_table

        if hksj:
            raise StatsError(
                [
                    Problem(
                        table.path,
                        0,
                        "hksj",
                        "the Hartung-Knapp adjustment is for random-effects models, not "
                        "Mantel-Haenszel",
                    )
                ]
            )
        return mh_from_table(table, measure=measure, level=level, rd_variance=rd_variance)
    es = effect_sizes(table, measure=measure, md_variance=md_variance, hedges=hedges)
    kwargs: dict[str, Any] = dict(
        model=model,
        hksj=hksj,
        level=level,
        measure=es.measure,
        studies=es.studies,
        pi_method=pi_method,
        conventions=es.conventions,
        notes=es.notes,
        heterogeneity_ci=heterogeneity_ci,
    )
    if es.subgroups is not None:
        return pool_subgroups(es.yi, es.vi, es.subgroups, **kwargs)
    return pool(es.yi, es.vi, **kwargs)
