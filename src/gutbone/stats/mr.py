"""Two-sample Mendelian randomization from variant-level summary statistics.

Methods follow the conventions of the R package MendelianRandomization (Yavorska &
Burgess 2017, doi:10.1093/ije/dyx034; Broadbent et al 2020, doi:10.12688/wellcomeopenres.16374.2)
wherever packages differ; every such choice is listed in :data:`MRResult.conventions`.

* **IVW** (inverse-variance weighted; Burgess, Butterworth & Thompson 2013,
  doi:10.1002/gepi.21758): weighted regression of ``beta_outcome`` on
  ``beta_exposure`` through the origin with weights ``se_outcome**-2`` (first-order
  weights). The fixed-effect SE is ``1/sqrt(sum(bx²/se_y²))``; the multiplicative
  random-effects SE multiplies it by the residual standard error ``sqrt(Q/(J-1))``
  floored at 1 (under-dispersion is not allowed).
* **MR-Egger** (Bowden, Davey Smith & Burgess 2015, doi:10.1093/ije/dyv080): the same
  regression with an intercept, after re-orienting every variant so that
  ``beta_exposure > 0``; residual standard error floored at 1; normal-distribution
  intervals and p values. I²_GX as in Bowden et al 2016 (doi:10.1093/ije/dyw220).
* **Weighted and simple median** (Bowden et al 2016, doi:10.1002/gepi.21965): the
  interpolated (weighted) median of the ratio estimates ``by/bx`` with normalised
  weights ``bx²/se_y²`` (equal weights for the simple median); standard errors from a
  seeded parametric bootstrap.

>>> bx = [0.1, 0.2, 0.3]
>>> by = [0.05, 0.1, 0.15]
>>> fit = mr_ivw(bx, None, by, [0.01, 0.01, 0.01])
>>> round(fit.estimate, 6), round(fit.q, 6)
(0.5, 0.0)
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from gutbone.errors import Problem, StatsError
from gutbone.stats.variant_table import VariantTable, read_variant_table

__all__ = [
    "DEFAULT_BOOTSTRAP_SAMPLES",
    "DEFAULT_SEED",
    "MIN_VARIANTS",
    "MethodEstimate",
    "IVWResult",
    "EggerResult",
    "MedianResult",
    "MRResult",
    "weighted_median",
    "mr_ivw",
    "mr_egger",
    "mr_median",
    "mr_all",
    "mr_from_csv",
]

#: Bootstrap samples for the median methods (MendelianRandomization's default ``iterations``).
DEFAULT_BOOTSTRAP_SAMPLES = 10_000
#: Seed of the median bootstrap (MendelianRandomization's default ``seed``; the
#: generator here is numpy's PCG64, so the draws differ from R's).
DEFAULT_SEED = 314_159_265
#: Fewest variants each method accepts.
MIN_VARIANTS: Mapping[str, int] = MappingProxyType({"ivw": 2, "egger": 3, "median": 3})

Method = Literal["ivw", "egger", "median", "all"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class MethodEstimate:
    """A causal estimate with its standard error, confidence interval and p value.

    :param estimate: the causal estimate (outcome units per exposure unit).
    :param se: its standard error.
    :param ci_lower: lower bound of the ``1 - alpha`` confidence interval.
    :param ci_upper: upper bound.
    :param p: two-sided p value of the Wald test of ``estimate = 0``.
    """

    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    p: float

    def to_json_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dictionary."""
        cleaned: dict[str, Any] = _clean(asdict(self))
        return cleaned


@dataclass(frozen=True)
class IVWResult(MethodEstimate):
    """Inverse-variance weighted estimate and the heterogeneity around it.

    :param model: ``"random"`` (multiplicative random effects) or ``"fixed"``.
    :param rse: residual standard error ``sqrt(q / q_df)`` (before flooring at 1).
    :param q: Cochran's Q of the variants about the IVW estimate.
    :param q_df: its degrees of freedom, ``n_variants - 1``.
    :param q_p: upper-tail chi-squared p value of ``q``.
    :param i2: ``max(0, (q - q_df) / q)``.
    :param n_variants: number of variants.
    """

    model: str = "random"
    rse: float = math.nan
    q: float = math.nan
    q_df: int = 0
    q_p: float = math.nan
    i2: float = math.nan
    n_variants: int = 0


@dataclass(frozen=True)
class EggerResult(MethodEstimate):
    """MR-Egger slope (causal estimate) and intercept (directional pleiotropy).

    :param intercept: the intercept, in the re-oriented data (``beta_exposure > 0``).
    :param intercept_se: its standard error.
    :param intercept_ci_lower: lower bound of its confidence interval.
    :param intercept_ci_upper: upper bound.
    :param intercept_p: two-sided p value of ``intercept = 0``.
    :param rse: residual standard error of the weighted regression (before flooring).
    :param q: residual heterogeneity (Rücker's Q') about the Egger line.
    :param q_df: ``n_variants - 2``.
    :param q_p: upper-tail chi-squared p value of ``q``.
    :param i2_gx: I²_GX (Bowden et al 2016), or ``None`` without ``se_exposure``.
    :param n_variants: number of variants.
    """

    intercept: float = math.nan
    intercept_se: float = math.nan
    intercept_ci_lower: float = math.nan
    intercept_ci_upper: float = math.nan
    intercept_p: float = math.nan
    rse: float = math.nan
    q: float = math.nan
    q_df: int = 0
    q_p: float = math.nan
    i2_gx: float | None = None
    n_variants: int = 0


@dataclass(frozen=True)
class MedianResult(MethodEstimate):
    """Weighted or simple median estimate with a bootstrap standard error.

    :param weighting: ``"weighted"`` or ``"simple"``.
    :param n_boot: number of bootstrap samples.
    :param seed: seed of the bootstrap generator (numpy PCG64).
    :param n_variants: number of variants.
    """

    weighting: str = "weighted"
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES
    seed: int = DEFAULT_SEED
    n_variants: int = 0


@dataclass(frozen=True)
class MRResult:
    """Every requested MR method on one set of variants (the ``gutbone mr`` JSON).

    Method fields not requested are ``None``.

    :param n_variants: number of variants.
    :param method: what was requested: ``ivw``, ``egger``, ``median`` or ``all``.
    :param ivw: IVW, multiplicative random effects.
    :param ivw_fe: IVW, fixed effect.
    :param egger: MR-Egger (with intercept fields).
    :param weighted_median: weighted median.
    :param simple_median: simple median.
    :param q: Cochran's Q about the IVW estimate.
    :param q_df: its degrees of freedom.
    :param q_p: its p value.
    :param i2: I² from ``q``.
    :param rse: IVW residual standard error (before flooring).
    :param f_mean: mean F statistic ``mean(bx²/se_x²)``, ``None`` without ``se_exposure``.
    :param source: where the variants came from.
    :param conventions: the variant chosen wherever packages differ.
    :param notes: warnings worth reading (weak instruments, low I²_GX...).
    """

    n_variants: int
    method: str
    ivw: MethodEstimate | None
    ivw_fe: MethodEstimate | None
    egger: EggerResult | None
    weighted_median: MedianResult | None
    simple_median: MedianResult | None
    q: float
    q_df: int
    q_p: float
    i2: float
    rse: float
    f_mean: float | None
    source: str = "<input>"
    conventions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (``NaN`` and infinities become ``None``).

        >>> r = mr_all([0.1, 0.2, 0.3], None, [0.05, 0.1, 0.16], [0.01] * 3, method="ivw")
        >>> sorted(k for k, v in r.to_json_dict().items() if v is None)
        ['egger', 'f_mean', 'simple_median', 'weighted_median']
        """
        out: dict[str, Any] = {
            "n_variants": self.n_variants,
            "method": self.method,
        }
        for name in ("ivw", "ivw_fe", "egger", "weighted_median", "simple_median"):
            value = getattr(self, name)
            out[name] = None if value is None else value.to_json_dict()
        out.update(
            {
                "q": self.q,
                "q_df": self.q_df,
                "q_p": self.q_p,
                "i2": self.i2,
                "rse": self.rse,
                "f_mean": self.f_mean,
                "source": self.source,
                "conventions": dict(self.conventions),
                "notes": list(self.notes),
            }
        )
        cleaned: dict[str, Any] = _clean(out)
        return cleaned


def _clean(value: Any) -> Any:
    """Replace non-finite floats by ``None`` recursively (JSON has no NaN)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item) for item in value]
    return value


def _z(alpha: float) -> float:
    """Two-sided normal critical value."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    return float(stats.norm.isf(alpha / 2))


def _wald(estimate: float, se: float, alpha: float) -> MethodEstimate:
    """Normal-distribution interval and two-sided p value."""
    z = _z(alpha)
    p = float(2 * stats.norm.sf(abs(estimate / se))) if se > 0 else math.nan
    return MethodEstimate(estimate, se, estimate - z * se, estimate + z * se, p)


_LABEL = {"ivw": "IVW", "egger": "MR-Egger", "median": "the median method"}


def _arrays(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float] | None,
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    *,
    method: str,
    source: str,
    need_se_exposure: bool = False,
) -> tuple[FloatArray, FloatArray | None, FloatArray, FloatArray]:
    """Check the inputs of one method and return them as float arrays."""
    bx = np.asarray(beta_exposure, dtype=float)
    by = np.asarray(beta_outcome, dtype=float)
    sy = np.asarray(se_outcome, dtype=float)
    sx = None if se_exposure is None else np.asarray(se_exposure, dtype=float)
    problems: list[Problem] = []
    n = bx.size
    named = {"beta_exposure": bx, "beta_outcome": by, "se_outcome": sy}
    if sx is not None:
        named["se_exposure"] = sx
    for name, values in named.items():
        if values.ndim != 1 or values.size != n:
            problems.append(
                Problem(source, 0, name, f"has {values.size} values, beta_exposure has {n}")
            )
        elif not np.all(np.isfinite(values)):
            problems.append(Problem(source, 0, name, "contains a non-finite value"))
        elif name.startswith("se_") and np.any(values <= 0):
            problems.append(Problem(source, 0, name, "standard errors must be > 0"))
    if sx is None and need_se_exposure:
        problems.append(
            Problem(source, 0, "se_exposure", f"{_LABEL[method]} needs se_exposure (bootstrap)")
        )
    minimum = MIN_VARIANTS[method]
    if not problems and n < minimum:
        problems.append(
            Problem(
                source,
                0,
                "-",
                f"{_LABEL[method]} needs at least {minimum} variants, got {n}",
            )
        )
    if problems:
        raise StatsError(problems)
    return bx, sx, by, sy


def mr_ivw(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float] | None,
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    *,
    model: Literal["random", "fixed"] = "random",
    alpha: float = 0.05,
    source: str = "<input>",
) -> IVWResult:
    """Inverse-variance weighted estimate (first-order weights).

    ``estimate = sum(bx*by/sy²) / sum(bx²/sy²)``; fixed-effect
    ``se = 1/sqrt(sum(bx²/sy²))``; random-effects ``se`` multiplied by
    ``max(1, sqrt(Q/(J-1)))`` (MendelianRandomization ``mr_ivw(model="random")``).

    :param beta_exposure: variant–exposure associations.
    :param se_exposure: not used by IVW (accepted so every method has one signature).
    :param beta_outcome: variant–outcome associations.
    :param se_outcome: their standard errors (> 0).
    :param model: ``"random"`` (multiplicative random effects) or ``"fixed"``.
    :param alpha: 1 - confidence level.
    :param source: name used in error messages.
    :returns: the estimate with Q, I² and the residual standard error.
    :raises StatsError: fewer than 2 variants, mismatched lengths, SE <= 0, NaN.

    >>> fit = mr_ivw([1.0, 2.0], None, [1.0, 1.0], [1.0, 1.0], model="fixed")
    >>> round(fit.estimate, 6), round(fit.se, 6), round(fit.q, 6)
    (0.6, 0.447214, 0.2)
    """
    if model not in ("random", "fixed"):
        raise ValueError(f"model must be 'random' or 'fixed', got {model!r}")
    bx, _, by, sy = _arrays(
        beta_exposure, se_exposure, beta_outcome, se_outcome, method="ivw", source=source
    )
    w = bx**2 / sy**2
    if not np.sum(w) > 0:
        raise StatsError([Problem(source, 0, "beta_exposure", "all exposure associations are 0")])
    estimate = float(np.sum(bx * by / sy**2) / np.sum(w))
    se_fixed = float(1.0 / math.sqrt(np.sum(w)))
    q = float(np.sum((by - estimate * bx) ** 2 / sy**2))
    q_df = bx.size - 1
    rse = math.sqrt(q / q_df)
    se = se_fixed * max(1.0, rse) if model == "random" else se_fixed
    base = _wald(estimate, se, alpha)
    return IVWResult(
        **asdict(base),
        model=model,
        rse=rse,
        q=q,
        q_df=q_df,
        q_p=float(stats.chi2.sf(q, q_df)),
        i2=max(0.0, (q - q_df) / q) if q > 0 else 0.0,
        n_variants=int(bx.size),
    )


def _i2_gx(bx: FloatArray, sx: FloatArray, sy: FloatArray) -> float:
    """I²_GX of Bowden et al (2016) for the outcome-SE-weighted MR-Egger regression.

    Cochran's Q of ``|bx|/sy`` with standard errors ``sx/sy``:
    ``I² = max(0, (Q - (J-1)) / Q)``.
    """
    y = np.abs(bx) / sy
    s = sx / sy
    w = 1.0 / s**2
    mean = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mean) ** 2))
    if q <= 0:
        return 0.0
    return max(0.0, (q - (y.size - 1)) / q)


def _egger_fit(
    x: FloatArray, y: FloatArray, w: FloatArray, source: str
) -> tuple[FloatArray, float, float, float, float]:
    """Weighted regression ``y = intercept + slope * x``, SEs scaled by ``max(1, rse)``.

    :returns: coefficients (intercept, slope), slope SE, intercept SE, Q' and rse.
    :raises StatsError: the slope is not identifiable (all ``x`` equal).
    """
    design = np.column_stack([np.ones_like(x), x])
    xtwx = design.T @ (design * w[:, None])
    spread = np.sum(w * (x - np.sum(w * x) / np.sum(w)) ** 2)
    if not spread > 1e-12 * np.sum(w * x**2):
        message = "MR-Egger slope is not identifiable: |beta_exposure| is the same for every "
        message += "variant"
        raise StatsError([Problem(source, 0, "beta_exposure", message)])
    cov = np.linalg.inv(xtwx)
    coef = cov @ (design.T @ (w * y))
    residual = y - design @ coef
    q = float(np.sum(w * residual**2))
    rse = math.sqrt(q / (x.size - 2))
    scale = max(1.0, rse)
    return coef, float(math.sqrt(cov[1, 1]) * scale), float(math.sqrt(cov[0, 0]) * scale), q, rse


def mr_egger(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float] | None,
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    *,
    alpha: float = 0.05,
    source: str = "<input>",
) -> EggerResult:
    """MR-Egger regression (MendelianRandomization ``mr_egger()`` defaults).

    Variants are first re-oriented so that ``beta_exposure > 0`` (the sign of
    ``beta_outcome`` flips with it). Then ``by = intercept + slope * bx`` is fitted by
    weighted least squares with weights ``sy**-2``; standard errors are the
    fixed-effect ones multiplied by ``max(1, rse)``, ``rse = sqrt(Q'/(J-2))``; intervals
    and p values use the normal distribution.

    :param beta_exposure: variant–exposure associations.
    :param se_exposure: their standard errors, used only for I²_GX (may be ``None``).
    :param beta_outcome: variant–outcome associations.
    :param se_outcome: their standard errors (> 0).
    :param alpha: 1 - confidence level.
    :param source: name used in error messages.
    :returns: slope, intercept, residual heterogeneity and I²_GX.
    :raises StatsError: fewer than 3 variants, slope not identifiable, bad values.

    >>> fit = mr_egger([0.1, -0.2, 0.4], None, [0.11, -0.21, 0.41], [0.02] * 3)
    >>> round(fit.estimate, 6), round(fit.intercept, 6)
    (1.0, 0.01)
    """
    bx, sx, by, sy = _arrays(
        beta_exposure, se_exposure, beta_outcome, se_outcome, method="egger", source=source
    )
    sign = np.where(bx < 0, -1.0, 1.0)
    x = bx * sign
    coef, slope_se, intercept_se, q, rse = _egger_fit(x, by * sign, 1.0 / sy**2, source)
    q_df = x.size - 2
    slope = _wald(float(coef[1]), slope_se, alpha)
    intercept = _wald(float(coef[0]), intercept_se, alpha)
    return EggerResult(
        **asdict(slope),
        intercept=intercept.estimate,
        intercept_se=intercept.se,
        intercept_ci_lower=intercept.ci_lower,
        intercept_ci_upper=intercept.ci_upper,
        intercept_p=intercept.p,
        rse=rse,
        q=q,
        q_df=q_df,
        q_p=float(stats.chi2.sf(q, q_df)),
        i2_gx=None if sx is None else _i2_gx(bx, sx, sy),
        n_variants=int(x.size),
    )


def weighted_median(
    values: Sequence[float] | FloatArray, weights: Sequence[float] | FloatArray
) -> float:
    """Interpolated weighted median (Bowden et al 2016, Genet Epidemiol 40:304).

    Sort the values; normalise the weights to sum 1; give each sorted value the
    position ``s_j = w_1 + ... + w_j - w_j/2``; interpolate linearly between the two
    values whose positions straddle 0.5. With equal weights this is the ordinary median.
    Equal values are ordered by weight (smaller first), so the result does not depend on
    the input order.

    :param values: the estimates.
    :param weights: non-negative weights, not all zero.
    :returns: the weighted median.

    >>> weighted_median([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1])
    2.5
    >>> weighted_median([1.0, 2.0, 3.0], [0.25, 0.5, 0.25])
    2.0
    >>> weighted_median([3.0, 1.0, 2.0], [1, 1, 2])  # s = 0.125, 0.5, 0.875 after sorting
    2.0
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    return float(_weighted_median_rows(v[None, :], w[None, :])[0])


def _weighted_median_rows(values: FloatArray, weights: FloatArray) -> FloatArray:
    """Row-wise interpolated weighted median of a (samples, variants) array.

    Tie rule: equal estimates are ordered by weight (smaller first), so the result does
    not depend on the input order; without ties this is Bowden et al.'s ordering.
    """
    full_weights = np.broadcast_to(weights, values.shape)
    order = np.lexsort((full_weights, values), axis=1)
    v = np.take_along_axis(values, order, axis=1)
    w = np.take_along_axis(full_weights, order, axis=1)
    w = w / np.sum(w, axis=1, keepdims=True)
    s = np.cumsum(w, axis=1) - 0.5 * w
    n = v.shape[1]
    # index of the last position strictly below 0.5 (clipped to a valid pair)
    below = np.sum(s < 0.5, axis=1) - 1
    below = np.clip(below, 0, n - 2) if n > 1 else np.zeros_like(below)
    rows = np.arange(v.shape[0])
    if n == 1:
        return v[:, 0].copy()
    lo, hi = v[rows, below], v[rows, below + 1]
    s_lo, s_hi = s[rows, below], s[rows, below + 1]
    result: FloatArray = lo + (hi - lo) * (0.5 - s_lo) / (s_hi - s_lo)
    return result


def mr_median(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float],
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    *,
    weighting: Literal["weighted", "simple"] = "weighted",
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    source: str = "<input>",
) -> MedianResult:
    """Weighted (default) or simple median of the ratio estimates ``by/bx``.

    Weights are ``bx²/sy²`` normalised to sum 1 (equal for ``"simple"``); the estimate
    is :func:`weighted_median`. The standard error is the standard deviation of the
    estimate over ``n_boot`` parametric bootstrap samples, each drawing
    ``bx* ~ N(bx, sx)`` and ``by* ~ N(by, sy)`` independently and keeping the original
    weights (the bootstrap of Bowden et al 2016, which MendelianRandomization uses).
    Intervals and p values are normal with that SE.

    :param beta_exposure: variant–exposure associations (none 0).
    :param se_exposure: their standard errors (needed by the bootstrap).
    :param beta_outcome: variant–outcome associations.
    :param se_outcome: their standard errors.
    :param weighting: ``"weighted"`` or ``"simple"``.
    :param n_boot: number of bootstrap samples (>= 2).
    :param seed: seed of :func:`numpy.random.default_rng`.
    :param alpha: 1 - confidence level.
    :param source: name used in error messages.
    :returns: the estimate and its bootstrap standard error.
    :raises StatsError: fewer than 3 variants, a zero ``beta_exposure``, bad values.

    >>> fit = mr_median([0.1, 0.2, 0.3], [0.01] * 3, [0.1, 0.3, 0.3], [0.02] * 3,
    ...                 weighting="simple", n_boot=200, seed=1)
    >>> fit.estimate
    1.0
    """
    if weighting not in ("weighted", "simple"):
        raise ValueError(f"weighting must be 'weighted' or 'simple', got {weighting!r}")
    if n_boot < 2:
        raise ValueError(f"n_boot must be >= 2, got {n_boot}")
    bx, sx, by, sy = _arrays(beta_exposure, se_exposure, beta_outcome, se_outcome,
                             method="median", source=source, need_se_exposure=True)  # fmt: skip
    assert sx is not None  # checked by _arrays
    if np.any(bx == 0):
        message = "a beta_exposure is 0: its ratio estimate is undefined"
        raise StatsError([Problem(source, 0, "beta_exposure", message)])
    ratio = by / bx
    weights = bx**2 / sy**2 if weighting == "weighted" else np.ones_like(bx)
    estimate = weighted_median(ratio, weights)
    rng = np.random.default_rng(seed)
    bx_boot = rng.normal(bx, sx, size=(n_boot, bx.size))
    by_boot = rng.normal(by, sy, size=(n_boot, bx.size))
    medians = _weighted_median_rows(by_boot / bx_boot, weights)
    se = float(np.std(medians, ddof=1))
    base = _wald(estimate, se, alpha)
    return MedianResult(
        **asdict(base), weighting=weighting, n_boot=n_boot, seed=seed, n_variants=int(bx.size)
    )


def _conventions(n_boot: int, seed: int, alpha: float) -> Mapping[str, str]:
    """The choices made wherever MR packages differ."""
    level = f"{100 * (1 - alpha):g}%"
    return MappingProxyType(
        {
            "ivw_weights": "first-order weights se_outcome^-2 (MendelianRandomization "
            "weights='simple'; TwoSampleMR mr_ivw uses the same)",
            "ivw_se": "ivw: multiplicative random effects, fixed-effect SE x max(1, residual "
            "standard error), rse = sqrt(Q/(J-1)) floored at 1 (MendelianRandomization "
            "model='random'; its model='default' switches to fixed effect for <= 3 variants, "
            "gutbone always reports ivw and ivw_fe); ivw_fe: fixed effect",
            "egger_orientation": "variants re-oriented so that beta_exposure > 0 (beta_outcome "
            "sign flipped with it) before the regression; the intercept refers to that "
            "orientation",
            "egger_se": "residual standard error of the weighted regression floored at 1 "
            "(under-dispersion not allowed), as MendelianRandomization and TwoSampleMR do",
            "egger_distribution": "normal for the slope and intercept intervals and p values "
            "(MendelianRandomization distribution='normal'); TwoSampleMR uses a t "
            "distribution with J-2 degrees of freedom",
            "i2_gx": "Bowden et al 2016: Cochran's Q of |beta_exposure|/se_outcome with "
            "standard errors se_exposure/se_outcome, I2 = max(0, (Q-(J-1))/Q), as "
            "MendelianRandomization reports it",
            "median": "interpolated weighted median of ratio estimates beta_outcome/"
            "beta_exposure: weights beta_exposure^2/se_outcome^2 normalised to sum 1, "
            "position of each sorted estimate = cumulative weight minus half its own weight, "
            "linear interpolation at 0.5; equal estimates ordered by weight (smaller first), "
            "so the result does not depend on input order; simple median uses equal weights",
            "median_bootstrap": f"parametric bootstrap, {n_boot} samples, numpy PCG64 "
            f"generator seeded with {seed}: beta_exposure ~ N(beta_exposure, se_exposure) "
            "and beta_outcome ~ N(beta_outcome, se_outcome) drawn independently, weights "
            "kept at their original values; SE = standard deviation of the bootstrap "
            "medians (MendelianRandomization default: 10000 samples, seed 314159265, R's "
            "generator, so SEs agree only to Monte Carlo error)",
            "ci": f"{level} normal-distribution (Wald) intervals and two-sided p values for "
            "every method",
            "heterogeneity": "q: Cochran's Q about the IVW estimate with J-1 degrees of "
            "freedom; i2 = max(0, (q - df)/q)",
            "f_mean": "mean over variants of beta_exposure^2/se_exposure^2 (the F statistic "
            "MendelianRandomization prints)",
        }
    )


def _check_methods(
    args: tuple[Sequence[float], Sequence[float] | None, Sequence[float], Sequence[float]],
    wanted: Collection[str],
    source: str,
) -> None:
    """Check the inputs of every requested method first, so that one error lists them all."""
    problems: list[Problem] = []
    for name in sorted(wanted):
        try:
            _arrays(*args, method=name, source=source, need_se_exposure=name == "median")
        except StatsError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise StatsError(problems)


def _medians(
    args: tuple[Sequence[float], Sequence[float] | None, Sequence[float], Sequence[float]],
    n_boot: int,
    seed: int,
    alpha: float,
    source: str,
) -> dict[str, MedianResult | None]:
    """The weighted and the simple median estimates (same bootstrap seed)."""
    bx, sx, by, sy = args
    assert sx is not None
    weightings: tuple[Literal["weighted", "simple"], ...] = ("weighted", "simple")
    return {
        weighting: mr_median(bx, sx, by, sy, weighting=weighting, n_boot=n_boot, seed=seed,
                             alpha=alpha, source=source)
        for weighting in weightings
    }  # fmt: skip


def mr_all(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float] | None,
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    *,
    method: Method = "all",
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    source: str = "<input>",
) -> MRResult:
    """Run the requested MR methods and collect them with heterogeneity and conventions.

    :param beta_exposure: variant–exposure associations.
    :param se_exposure: their standard errors, or ``None`` (then no median methods,
        no F statistic and no I²_GX).
    :param beta_outcome: variant–outcome associations.
    :param se_outcome: their standard errors.
    :param method: ``"ivw"`` (ivw and ivw_fe), ``"egger"``, ``"median"`` (weighted and
        simple) or ``"all"``.
    :param n_boot: bootstrap samples of the median methods.
    :param seed: bootstrap seed.
    :param alpha: 1 - confidence level.
    :param source: name used in error messages and echoed in the result.
    :returns: every requested estimate; the others are ``None``.
    :raises StatsError: a requested method cannot run on these variants.
    """
    if method not in ("ivw", "egger", "median", "all"):
        raise ValueError(f"method must be ivw, egger, median or all, got {method!r}")
    wanted = {"ivw", "egger", "median"} if method == "all" else {method}
    args = (beta_exposure, se_exposure, beta_outcome, se_outcome)
    _check_methods(args, wanted, source)
    ivw = mr_ivw(*args, model="random", alpha=alpha, source=source)
    ivw_fe = mr_ivw(*args, model="fixed", alpha=alpha, source=source)
    egger = mr_egger(*args, alpha=alpha, source=source) if "egger" in wanted else None
    medians: dict[str, MedianResult | None] = {"weighted": None, "simple": None}
    if "median" in wanted:
        medians.update(_medians(args, n_boot, seed, alpha, source))
    f_mean = None
    if se_exposure is not None:
        bx = np.asarray(beta_exposure, dtype=float)
        f_mean = float(np.mean(bx**2 / np.asarray(se_exposure, dtype=float) ** 2))

    def core(fit: MethodEstimate) -> MethodEstimate:
        return MethodEstimate(fit.estimate, fit.se, fit.ci_lower, fit.ci_upper, fit.p)

    return MRResult(
        n_variants=ivw.n_variants, method=method,
        ivw=core(ivw) if "ivw" in wanted else None,
        ivw_fe=core(ivw_fe) if "ivw" in wanted else None,
        egger=egger, weighted_median=medians["weighted"], simple_median=medians["simple"],
        q=ivw.q, q_df=ivw.q_df, q_p=ivw.q_p, i2=ivw.i2, rse=ivw.rse, f_mean=f_mean,
        source=source, conventions=_conventions(n_boot, seed, alpha),
        notes=tuple(_mr_notes(se_exposure is None, f_mean, egger, ivw)),
    )  # fmt: skip


def _mr_notes(
    no_se_exposure: bool, f_mean: float | None, egger: EggerResult | None, ivw: IVWResult
) -> list[str]:
    """Weak instruments, MR-Egger regression dilution, heterogeneity between variants."""
    notes: list[str] = []
    if no_se_exposure:
        notes.append("se_exposure not given: no F statistic, no I2_GX, no median methods")
    elif f_mean is not None and f_mean < 10:
        notes.append(
            f"mean F statistic {f_mean:.1f} < 10: weak instruments, estimates biased "
            "towards the null in two-sample MR"
        )
    if egger is not None and egger.i2_gx is not None and egger.i2_gx < 0.9:
        notes.append(
            f"I2_GX = {100 * egger.i2_gx:.1f}% < 90%: the MR-Egger slope may be diluted "
            "towards the null (Bowden et al 2016)"
        )
    if ivw.q_p < 0.05:
        notes.append(
            f"heterogeneity between variants (Q = {ivw.q:.2f}, p = {ivw.q_p:.2g}): the "
            "random-effects IVW SE is inflated by rse = "
            f"{ivw.rse:.3f}; some variants may be pleiotropic"
        )
    return notes


def mr_from_csv(
    path: str | os.PathLike[str],
    *,
    method: Method = "all",
    n_boot: int = DEFAULT_BOOTSTRAP_SAMPLES,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
) -> MRResult:
    """Read a variants CSV (see :mod:`gutbone.stats.variant_table`) and run :func:`mr_all`.

    :param path: the CSV file with ``variant,beta_exposure,se_exposure,beta_outcome,se_outcome``.
    :param method: ``"ivw"``, ``"egger"``, ``"median"`` or ``"all"``.
    :param n_boot: bootstrap samples of the median methods.
    :param seed: bootstrap seed.
    :param alpha: 1 - confidence level.
    :returns: the MR results.
    :raises InputError: the file is unreadable or a cell is bad (``file:row:column``).
    :raises StatsError: a requested method cannot run (e.g. Egger with 2 variants).
    """
    table: VariantTable = read_variant_table(path)
    return mr_all(
        table.beta_exposure,
        table.se_exposure,
        table.beta_outcome,
        table.se_outcome,
        method=method,
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
        source=table.source,
    )
