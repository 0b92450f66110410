"""Pool study effect sizes: fixed-effect and random-effects meta-analysis.

Second step of the two-step design that metafor uses: effect sizes ``yi`` and their
sampling variances ``vi`` (see :mod:`gutbone.stats.effect_sizes`) are pooled here.

Models (``model=``)
-------------------
``"FE"`` is the fixed (common) effect model, inverse-variance weights ``1/vi``. Every other
model is a random-effects model with weights ``1/(vi + tau^2)``, named after its tau^2
estimator: ``"DL"`` (DerSimonian-Laird), ``"HE"`` (Hedges), ``"HS"`` (Hunter-Schmidt),
``"SJ"`` (Sidik-Jonkman), ``"ML"``, ``"REML"`` (default), ``"EB"`` (empirical Bayes) and
``"PM"`` (Paule-Mandel), as metafor's ``method=``. The estimators, with their citations,
are in :mod:`gutbone.stats.tau2`; an iterative one that does not converge says so
(``converged=False`` and a note).

``"MH"``
    Mantel-Haenszel fixed effect for 2x2 counts (RR, OR, RD): it pools the counts, not
    yi/vi, so it is computed by :func:`gutbone.stats.mantel_haenszel.pool_mh` (and by
    :func:`gutbone.stats.analysis.meta_analysis_from_csv` with ``model="MH"``);
    :func:`pool` refuses it.

``hksj=True`` applies the Hartung-Knapp(-Sidik-Jonkman) adjustment (Knapp & Hartung 2003,
doi:10.1002/sim.1482): the standard error is rescaled by the weighted residual variance
(not truncated, as metafor's ``test="knha"``) and the tests and intervals use t(k-1).

Heterogeneity: Cochran's Q uses fixed-effect weights; I^2 and H^2 follow Higgins &
Thompson (2002, doi:10.1002/sim.1186) with the model's tau^2 and the "typical" within-study
variance (as metafor); the fixed-effect model reports I^2 = (Q-df)/Q. The confidence
intervals for tau^2, I^2 and H^2 use the Q-profile method (Viechtbauer 2007,
doi:10.1002/sim.2514), whatever the estimator; they are computed by :func:`pool` unless
``heterogeneity_ci=False``. :func:`pooled_estimate` returns the pooled numbers alone (no
per-study output, no Q-profile intervals). The prediction interval is
``estimate +- crit * sqrt(tau2 + se^2)`` with ``crit`` the normal quantile (metafor's
default), t(k-1) with HKSJ, or t(k-2) (Higgins, Thompson & Spiegelhalter 2009,
doi:10.1111/j.1467-985X.2008.00552.x; R meta) on request.

Subgroups (:func:`pool_subgroups`) get their own tau^2 each; meta-regression is in
:mod:`gutbone.stats.regression`, leave-one-out in :mod:`gutbone.stats.leave_one_out`.

>>> res = pool([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], model="FE")
>>> round(res.estimate, 4), round(res.se, 4), res.k
(0.2143, 0.0756, 3)
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import fields, replace
from typing import NamedTuple, TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from gutbone.errors import Problem, StatsError
from gutbone.stats import tau2 as tau2_estimators
from gutbone.stats.results import (
    RATIO_MEASURES,
    MetaResult,
    PooledEstimate,
    SubgroupResult,
)

__all__ = [
    "MODELS",
    "ALL_MODELS",
    "pool",
    "pooled_estimate",
    "pool_subgroups",
    "PoolOptions",
    "EstimateOptions",
    "with_subgroups",
    "qprofile_tau2_ci",
    "base_conventions",
    "validate_yi_vi",
    "study_labels",
    "subgroup_difference",
]


class EstimateOptions(TypedDict, total=False):
    """The keyword options of :func:`pooled_estimate` (meanings as in :func:`pool`)."""

    model: str
    hksj: bool
    level: float
    pi_method: str


class PoolOptions(EstimateOptions, total=False):
    """The keyword options of :func:`pool`, shared by :func:`pool_subgroups` (same meanings)."""

    measure: str
    studies: Sequence[str] | None
    conventions: Mapping[str, str] | None
    notes: Sequence[str]
    heterogeneity_ci: bool


_LOG_MAX_DOUBLE = math.log(sys.float_info.max)

#: Inverse-variance models of :func:`pool` (yi/vi input): FE and the tau^2 estimators.
MODELS: tuple[str, ...] = tau2_estimators.TAU2_METHODS
#: Every model ``gutbone meta`` accepts: the above plus Mantel-Haenszel for 2x2 counts.
ALL_MODELS: tuple[str, ...] = (*MODELS, "MH")
#: Largest |yi| and range of vi the computation supports (squares and cubes of the
#: weights stay finite in double precision).
VALUE_LIMIT = 1e50
VARIANCE_RANGE = (1e-50, 1e50)

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


def study_labels(studies: Sequence[str] | None, k: int, source: str = "-") -> tuple[str, ...]:
    """The study labels, ``"1"``, ``"2"``... when none are given.

    :raises StatsError: when the number of labels is not ``k``.

    >>> study_labels(None, 3)
    ('1', '2', '3')
    """
    labels = tuple(studies) if studies is not None else tuple(map(str, range(1, k + 1)))
    if len(labels) != k:
        raise StatsError([Problem(source, 0, "study", f"{len(labels)} labels for {k} studies")])
    return labels


def validate_yi_vi(
    yi: ArrayLike, vi: ArrayLike, model: str = "FE"
) -> tuple[_FloatArray, _FloatArray]:
    """Check effect sizes, variances and the model name; return them as float arrays.

    :param yi: effect sizes. :param vi: sampling variances.
    :param model: a model of :data:`MODELS`.
    :returns: ``(y, v)``.
    :raises StatsError: listing every problem (unknown model, lengths, no studies,
        non-finite values, variances not positive, values outside the supported range).

    >>> validate_yi_vi([0.1], [0.0])
    Traceback (most recent call last):
    ...
    gutbone.errors.StatsError: -:1:vi: variance 0.0 is not positive
    """
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
    else:
        problems.extend(_value_problems(y, v))
    if problems:
        raise StatsError(problems)
    return y, v


def _value_problems(y: _FloatArray, v: _FloatArray) -> list[Problem]:
    """One problem per non-finite or out-of-range estimate or variance (row = index + 1)."""
    low, high = VARIANCE_RANGE
    with np.errstate(invalid="ignore"):
        bad_y = ~(np.abs(y) <= VALUE_LIMIT)
        bad_v = ~((v >= low) & (v <= high))
    problems = []
    for index in np.flatnonzero(bad_y | bad_v):
        row, yv, vv = int(index) + 1, float(y[index]), float(v[index])
        if not math.isfinite(yv):
            problems.append(Problem("-", row, "yi", f"{yv} is not finite"))
        elif bad_y[index]:
            problems.append(
                Problem("-", row, "yi", f"{yv:g} is beyond the supported +-{VALUE_LIMIT:g}")
            )
        if not (math.isfinite(vv) and vv > 0):
            problems.append(Problem("-", row, "vi", f"variance {vv} is not positive"))
        elif bad_v[index]:
            problems.append(
                Problem(
                    "-",
                    row,
                    "vi",
                    f"variance {vv:g} is outside the supported range [{low:g}, {high:g}]",
                )
            )
    return problems


def qprofile_tau2_ci(
    yi: ArrayLike, vi: ArrayLike, *, level: float = 0.95, X: ArrayLike | None = None
) -> tuple[float, float]:
    """Q-profile confidence interval for tau^2 (Viechtbauer 2007).

    The bounds solve ``Q_gen(tau2) = chi2_{1-a/2, k-p}`` (lower) and ``chi2_{a/2, k-p}``
    (upper); a bound is 0 when ``Q_gen(0)`` is already below its quantile. Both bounds
    are found by :func:`gutbone.stats.tau2.solve_q`.

    :param yi: effect sizes. :param vi: sampling variances.
    :param level: confidence level.
    :param X: design matrix of a meta-regression (default: intercept only, p = 1).
    :returns: ``(lower, upper)``; NaN when there are no residual degrees of freedom.

    >>> lo, hi = qprofile_tau2_ci([0.0, 1.0, 2.0], [0.1, 0.1, 0.1])
    >>> 0 < lo < 1 < hi
    True
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    profile: tau2_estimators.Profile = (
        tau2_estimators.MeanProfile(y, v)
        if X is None
        else tau2_estimators.DesignProfile(y, v, np.asarray(X, dtype=float))
    )
    df = profile.k - profile.p
    if df < 1:
        return math.nan, math.nan
    alpha = 1.0 - level
    # chdtri(df, p) is the upper-tail quantile: chi2_{1-a/2} = chdtri(df, a/2)
    targets = [float(special.chdtri(df, alpha / 2)), float(special.chdtri(df, 1 - alpha / 2))]
    lower, upper = (float(tau2_estimators.solve_q(profile, np.array([t])).tau2[0]) for t in targets)
    return lower, upper


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


class _Test(NamedTuple):
    """The test of a pooled estimate: standard error, df (None for z), critical value, z or t, p."""

    se: float
    df: float | None
    crit: float
    stat: float
    p: float


def _wald_or_t(y: _FloatArray, weights: _FloatArray, est: float, hksj: bool, alpha: float) -> _Test:
    """The test of the pooled estimate.

    With ``hksj`` the Hartung-Knapp scaling (not truncated) and t on k - 1 df, else z.
    """
    k, sw = y.size, float(weights.sum())
    if hksj:
        r = y - est
        se = math.sqrt(float((weights * r * r).sum()) / (k - 1) / sw)
        crit = float(special.stdtrit(k - 1, 1 - alpha / 2))
        stat = est / se if se > 0 else math.nan
        pval = float(2 * special.stdtr(k - 1, -abs(stat))) if se > 0 else math.nan
        return _Test(se, float(k - 1), crit, stat, pval)
    se = math.sqrt(1.0 / sw)
    stat = est / se
    return _Test(
        se, None, float(special.ndtri(1 - alpha / 2)), stat, float(2 * special.ndtr(-abs(stat)))
    )


def _i2_h2(model: str, k: int, q: float, tau2: float, vt: float) -> tuple[float, float]:
    """I^2 (percent) and H^2: from Q for the fixed-effect model, else from tau^2 and vt."""
    if model == "FE":
        i2 = 100.0 * max(0.0, (q - (k - 1)) / q) if k > 1 and q > 0 else 0.0
        return i2, q / (k - 1) if k > 1 else math.nan
    if k > 1 and math.isfinite(vt):
        return 100.0 * tau2 / (tau2 + vt), (tau2 + vt) / vt
    return math.nan, math.nan


def _pool_core(
    y: _FloatArray, v: _FloatArray, model: str, hksj: bool, level: float, pi_method: str
) -> tuple[PooledEstimate, _FloatArray, float]:
    """Pooled estimate of validated data; also returns the weights and the typical variance."""
    k = y.size
    fit = tau2_estimators.estimate(tau2_estimators.MeanProfile(y, v), model)
    tau2 = float(fit.tau2[0])
    weights = 1.0 / (v + tau2)
    sw = float(weights.sum())
    est = float((weights * y).sum()) / sw
    alpha = 1.0 - level
    q, q_p, _, vt = _heterogeneity(y, v)
    z_crit = float(special.ndtri(1 - alpha / 2))
    test = _wald_or_t(y, weights, est, hksj, alpha)
    if hksj:
        pi_crit = test.crit
    elif pi_method == "t(k-2)":
        pi_crit = float(special.stdtrit(k - 2, 1 - alpha / 2)) if k > 2 else math.nan
    else:
        pi_crit = z_crit
    pi_half = pi_crit * math.sqrt(tau2 + test.se * test.se)
    i2, h2 = _i2_h2(model, k, q, tau2, vt)
    result = PooledEstimate(
        k=k,
        estimate=est,
        se=test.se,
        ci_lower=est - test.crit * test.se,
        ci_upper=est + test.crit * test.se,
        z=test.stat,
        p=test.p,
        tau2=tau2,
        i2=i2,
        h2=h2,
        q=q,
        q_df=k - 1,
        q_p=q_p,
        pi_lower=est - pi_half,
        pi_upper=est + pi_half,
        model=model,
        test="t" if hksj else "z",
        df=test.df,
        level=level,
        hksj=hksj,
        converged=bool(fit.converged[0]),
        iterations=fit.iterations,
    )
    return result, weights, vt


def _check_options(k: int, hksj: bool, pi_method: str) -> None:
    if pi_method not in ("z", "t(k-2)"):
        raise StatsError([Problem("-", 0, "pi", f"{pi_method!r} is not 'z' or 't(k-2)'")])
    if hksj and k < 2:
        raise StatsError(
            [Problem("-", 0, "hksj", "the Hartung-Knapp adjustment needs at least two studies")]
        )


def pooled_estimate(
    yi: ArrayLike, vi: ArrayLike, **options: Unpack[EstimateOptions]
) -> PooledEstimate:
    """The pooled estimate, its test, intervals and heterogeneity statistics, nothing else.

    The numbers are those of :func:`pool` (same code); what is left out is the per-study
    output (labels, weights, yi, vi), the Q-profile intervals, notes and conventions.
    Use it where only the pooled numbers are needed (it is the like-for-like counterpart
    of statsmodels' ``combine_effects`` in ``benchmarks/stats.py``).

    :param yi: effect sizes. :param vi: sampling variances (all > 0).
    :param options: ``model`` (default ``"REML"``), ``hksj`` (False), ``level`` (0.95) and
        ``pi_method`` (``"z"``), as in :func:`pool`.
    :returns: a :class:`PooledEstimate`.
    :raises StatsError: as :func:`pool`.

    >>> r = pooled_estimate([0.1, 0.3, 0.5], [0.01, 0.02, 0.04], model="FE")
    >>> round(r.estimate, 4), round(r.se, 4)
    (0.2143, 0.0756)
    """
    unknown = sorted(set(options) - EstimateOptions.__optional_keys__)
    if unknown:
        raise TypeError(f"pooled_estimate() got unexpected keyword arguments {unknown}")
    model, hksj = options.get("model", "REML"), options.get("hksj", False)
    pi_method = options.get("pi_method", "z")
    y, v = validate_yi_vi(yi, vi, model)
    _check_options(y.size, hksj, pi_method)
    return _pool_core(y, v, model, hksj, options.get("level", 0.95), pi_method)[0]


def _exp(value: float) -> float:
    """``exp`` of a log ratio: infinite beyond the double range (not an OverflowError)."""
    if not math.isfinite(value):
        return math.nan
    return math.inf if value > _LOG_MAX_DOUBLE else math.exp(value)


def _back_transformed(core: PooledEstimate) -> dict[str, float]:
    """The estimate, CI and prediction interval of a log ratio on the ratio scale."""
    keys = ("estimate", "ci_lower", "ci_upper", "pi_lower", "pi_upper")
    return {key: _exp(getattr(core, key)) for key in keys}


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
    :param model: ``"FE"`` or a tau^2 estimator of :data:`MODELS` (default ``"REML"``).
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
    y, v = validate_yi_vi(yi, vi, model)
    k = y.size
    labels = study_labels(studies, k)
    _check_options(k, hksj, pi_method)
    core, weights, vt = _pool_core(y, v, model, hksj, level, pi_method)
    conv = base_conventions(pi_method=pi_method, hksj=hksj)
    conv.update(conventions or {})
    if not heterogeneity_ci:
        conv["tau2_ci"] = "not computed (heterogeneity_ci=False)"
    ci = (math.nan, math.nan)
    if k > 1 and heterogeneity_ci:
        ci = qprofile_tau2_ci(y, v, level=level)
    scalars = {f.name: getattr(core, f.name) for f in fields(PooledEstimate)}
    return MetaResult(
        **scalars, measure=measure, weights=tuple((100.0 * weights / weights.sum()).tolist()),
        conventions=conv, studies=labels, yi=tuple(y.tolist()), vi=tuple(v.tolist()),
        tau=math.sqrt(core.tau2), tau2_ci_lower=ci[0], tau2_ci_upper=ci[1],
        i2_ci_lower=_i2(ci[0], vt), i2_ci_upper=_i2(ci[1], vt),
        h2_ci_lower=_h2(ci[0], vt), h2_ci_upper=_h2(ci[1], vt),
        back_transformed=_back_transformed(core) if measure in RATIO_MEASURES else None,
        notes=(*notes, *_pool_notes(core, ci)),
    )  # fmt: skip


def _i2(tau2: float, vt: float) -> float:
    return 100.0 * tau2 / (tau2 + vt) if math.isfinite(tau2) and vt > 0 else math.nan


def _h2(tau2: float, vt: float) -> float:
    return (tau2 + vt) / vt if math.isfinite(tau2) and vt > 0 else math.nan


def _pool_notes(core: PooledEstimate, ci: tuple[float, float]) -> list[str]:
    """Notes on convergence, single studies, HKSJ with FE and the Q-profile interval."""
    notes = []
    model = core.model
    if not core.converged:
        notes.append(
            f"{model} estimation of tau2 did not converge after {core.iterations} iterations; "
            "the last value is reported"
        )
    if core.hksj and model == "FE":
        notes.append("the Hartung-Knapp adjustment is meant for random-effects models")
    if core.k == 1:
        notes.append(
            "only one study: its own estimate is reported; heterogeneity cannot be assessed"
        )
    elif math.isfinite(ci[0]) and not ci[0] - 1e-12 <= core.tau2 <= ci[1] + 1e-12:
        notes.append(
            f"the {model} tau2 estimate lies outside its Q-profile interval: the "
            "interval inverts the generalised Q statistic (Viechtbauer 2007) and need "
            "not contain a moment estimate such as DerSimonian-Laird's"
        )
    if core.k == 2 and model != "FE":
        notes.append("tau2 from two studies is very imprecise")
    return notes


def pool_subgroups(
    yi: ArrayLike, vi: ArrayLike, subgroups: Sequence[str], **options: Unpack[PoolOptions]
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
    overall = pool(yi, vi, **options)
    y = np.asarray(overall.yi)
    v = np.asarray(overall.vi)
    labels = [str(s) for s in subgroups]
    if len(labels) != overall.k:
        raise StatsError(
            [Problem("-", 0, "subgroup", f"{len(labels)} subgroup labels for {overall.k} studies")]
        )
    hksj = options.get("hksj", False)
    results = []
    for name in dict.fromkeys(labels):
        index = [i for i, label in enumerate(labels) if label == name]
        group_hksj = hksj and len(index) >= 2
        single = ["single study: no Hartung-Knapp adjustment"] if hksj and not group_hksj else []
        group: PoolOptions = {
            **options,
            "hksj": group_hksj,
            "studies": [overall.studies[i] for i in index],
            "notes": single,
        }
        results.append(SubgroupResult(name, pool(y[index], v[index], **group)))
    return with_subgroups(overall, results)


def with_subgroups(overall: MetaResult, results: Sequence[SubgroupResult]) -> MetaResult:
    """The overall result with its subgroup results and the test for subgroup differences.

    :param overall: the analysis of all studies.
    :param results: one result per subgroup, in the order to report them.
    :returns: ``overall`` with ``subgroups``, ``q_between``, ``q_between_p`` and a note
        when there is a single subgroup.
    """
    q_between, q_between_p, extra = subgroup_difference(results)
    return replace(
        overall,
        subgroups=tuple(results),
        q_between=q_between,
        q_between_p=q_between_p,
        notes=overall.notes + extra,
    )


def subgroup_difference(results: Sequence[SubgroupResult]) -> tuple[float, float, tuple[str, ...]]:
    """Test for subgroup differences: Q-between, its p value and a note.

    Q-between is the fixed-effect Q statistic of the subgroup estimates with their standard
    errors, on (number of groups - 1) df; NaN, with a note, for a single subgroup.

    >>> from gutbone.stats.results import SubgroupResult
    >>> fits = [(g, pool([y], [0.01], model="FE")) for g, y in (("a", 0.1), ("b", 0.8))]
    >>> groups = [SubgroupResult(g, fit) for g, fit in fits]
    >>> round(subgroup_difference(groups)[0], 6)  # (0.7^2 / (0.01 + 0.01))
    24.5
    """
    if len(results) < 2:
        return math.nan, math.nan, ("only one subgroup: no test for subgroup differences",)
    est = np.array([g.result.estimate for g in results])
    w = 1.0 / np.array([g.result.se for g in results]) ** 2
    mu = float(np.sum(w * est) / np.sum(w))
    q_between = float(np.sum(w * (est - mu) ** 2))
    return q_between, float(special.chdtrc(len(results) - 1, q_between)), ()
