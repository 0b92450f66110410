"""Meta-regression: effect sizes explained by study-level moderators (metafor ``mods=``).

The model is ``yi = x_i' b + u_i + e_i`` with ``e_i ~ N(0, vi)`` and ``u_i ~ N(0, tau^2)``
(residual heterogeneity), fitted by weighted least squares with weights
``1/(vi + tau^2)``; tau^2 comes from any estimator of :mod:`gutbone.stats.tau2` with the
design matrix (``"FE"`` fixes it at 0). As in metafor's ``rma(yi, vi, mods=...)``:

- Wald z tests and intervals for each coefficient; with ``hksj=True`` the Knapp & Hartung
  (2003, doi:10.1002/sim.1482) adjustment (covariance scaled by the weighted residual
  variance ``sum w r^2 / (k - p)``, not truncated; t tests on k - p df; the omnibus test
  an F test on (m, k - p) df).
- ``qm``: omnibus test of every coefficient but the intercept, ``b' V^-1 b`` (chi-square on
  m df; F = that / m with Knapp-Hartung). ``qe``: test for residual heterogeneity, the
  weighted residual sum of squares of the fixed-effect fit (weights 1/vi), chi-square on
  k - p df.
- ``i2``/``h2``: residual I^2 and H^2 with the typical within-study variance
  ``(k - p) / tr(P)`` at tau^2 = 0 (fixed-effect model: ``(qe - df)/qe`` and ``qe/df``).
- ``r2``: ``100 * (tau2_0 - tau2) / tau2_0`` truncated at 0, with ``tau2_0`` from the
  intercept-only model and the same estimator (Raudenbush 2009); for the fixed-effect
  model ``100 * (1 - H2 / H2_0)``. Undefined (null) when ``tau2_0`` is 0.
- Categorical (text) moderators use treatment coding: one 0/1 column per level but the
  first, levels in sorted order, as R's ``factor()``; the coefficient of a level is named
  column name plus level (``allocrandom``). The intercept is ``intrcpt``.

>>> res = meta_regression([1.0, 2.0, 3.0, 4.0], [0.1] * 4, {"x": [0.0, 1.0, 2.0, 3.0]}, model="FE")
>>> [(c.name, round(c.estimate, 6)) for c in res.coefficients]
[('intrcpt', 1.0), ('x', 1.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from gutbone.errors import Problem, StatsError
from gutbone.stats import tau2 as tau2_estimators
from gutbone.stats.meta import qprofile_tau2_ci, study_labels, validate_yi_vi
from gutbone.stats.results import Coefficient, MetaRegressionResult

__all__ = ["Design", "design_matrix", "meta_regression", "regression_conventions"]

_FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Design:
    """Moderator columns coded for regression (without the intercept).

    :param names: coefficient names, one per column.
    :param columns: the coded columns, k x m.
    :param levels: for each categorical moderator, its levels (the first is the reference).
    """

    names: tuple[str, ...]
    columns: _FloatArray
    levels: Mapping[str, tuple[str, ...]]


def design_matrix(moderators: Mapping[str, Sequence[str] | Sequence[float]]) -> Design:
    """Code moderators: numbers stay as they are, text becomes treatment-coded dummies.

    A moderator whose values all read as numbers is continuous; any other is categorical,
    with levels in sorted order and the first as reference.

    :param moderators: column name -> one value per study (text or numbers).
    :returns: a :class:`Design`.
    :raises StatsError: for a categorical moderator with a single level.

    >>> d = design_matrix({"dose": ["1", "2.5"], "arm": ["b", "a"]})
    >>> d.names, d.columns.tolist(), d.levels
    (('dose', 'armb'), [[1.0, 1.0], [2.5, 0.0]], {'arm': ('a', 'b')})
    """
    names: list[str] = []
    cols: list[_FloatArray] = []
    levels: dict[str, tuple[str, ...]] = {}
    k = 0
    for name, raw in moderators.items():
        if isinstance(raw, np.ndarray) and raw.dtype.kind in "biuf":
            k = raw.shape[0]
            names.append(name)
            cols.append(np.asarray(raw, dtype=float))
            continue
        values = [str(x).strip() if not isinstance(x, float | int) else x for x in raw]
        k = len(values)
        numbers = [_number(x) for x in values]
        if all(n is not None for n in numbers):
            names.append(name)
            cols.append(np.array(numbers, dtype=float))
            continue
        text = [str(x) for x in values]
        found = tuple(sorted(set(text)))
        if len(found) < 2:
            raise StatsError(
                [Problem("-", 0, name, f"moderator {name!r} has one level only ({found[0]!r})")]
            )
        levels[name] = found
        for level in found[1:]:
            names.append(f"{name}{level}")
            cols.append(np.array([1.0 if t == level else 0.0 for t in text]))
    columns = np.column_stack(cols) if cols else np.zeros((k, 0))
    return Design(tuple(names), columns, levels)


def _number(value: str | float) -> float | None:
    if isinstance(value, float | int):
        return float(value)
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def regression_conventions(hksj: bool = False) -> dict[str, str]:
    """Conventions of the meta-regression, worded for the ``conventions`` JSON key."""
    return {
        "coding": "text moderators: treatment coding, levels sorted, the first is the "
        "reference (R factor()); coefficient names as R (column name + level), intercept "
        "'intrcpt'",
        "qm": "Wald test of all coefficients but the intercept"
        + (" as F = QM/m on (m, k-p) df (metafor test='knha')" if hksj else ", chi2 on m df"),
        "qe": "weighted residual sum of squares of the fixed-effect fit (1/vi), chi2 on k-p df",
        "i2": "residual I2 with the typical within-study variance (k-p)/tr(P) (metafor)",
        "r2": "100 (tau2_0 - tau2)/tau2_0 truncated at 0, tau2_0 of the intercept-only "
        "model with the same estimator (metafor)",
        "hksj": "Knapp-Hartung: covariance scaled by sum w r^2/(k-p), not truncated, "
        "t on k-p df (metafor test='knha')",
        "missing": "studies with a blank moderator are left out (metafor na.action=na.omit)",
    }


def _as_design(
    mods: ArrayLike | Mapping[str, Sequence[str] | Sequence[float]], names: Sequence[str] | None
) -> Design:
    if isinstance(mods, Mapping):
        return design_matrix(mods)
    columns = np.asarray(mods, dtype=float)
    columns = columns[:, None] if columns.ndim == 1 else columns
    labels = (
        tuple(names)
        if names is not None
        else tuple(f"x{i}" for i in range(1, columns.shape[1] + 1))
    )
    return Design(labels, columns, {})


def _check_design(X: _FloatArray, names: Sequence[str], k: int) -> None:
    p = X.shape[1]
    if k <= p:
        raise StatsError(
            [
                Problem(
                    "-",
                    0,
                    "mods",
                    f"meta-regression with {p} coefficients needs more than {p} studies, got {k}",
                )
            ]
        )
    if not np.isfinite(X).all():
        raise StatsError([Problem("-", 0, "mods", "moderator values must be finite numbers")])
    scaled = X / np.maximum(np.abs(X).max(axis=0), 1e-300)
    if np.linalg.matrix_rank(scaled, tol=1e-10) < p:
        constant = [n for n, col in zip(names[1:], X[:, 1:].T, strict=True) if np.ptp(col) == 0]
        what = (
            f"moderator {', '.join(constant)} takes a single value"
            if constant
            else "the moderators are collinear"
        )
        raise StatsError([Problem("-", 0, "mods", f"{what}: its effect cannot be estimated")])


def _design_matrix(
    mods: ArrayLike | Mapping[str, Sequence[str] | Sequence[float]],
    names: Sequence[str] | None,
    k: int,
) -> tuple[Design, _FloatArray, tuple[str, ...]]:
    """The moderators, the design matrix with its intercept, and the coefficient names."""
    design = _as_design(mods, names)
    if design.columns.shape[0] != k:
        rows = design.columns.shape[0]
        raise StatsError([Problem("-", 0, "mods", f"{rows} moderator rows for {k} studies")])
    X = np.column_stack([np.ones(k), design.columns])
    coef_names = ("intrcpt", *design.names)
    _check_design(X, coef_names, k)
    return design, X, coef_names


def _regression_notes(model: str, fit: tau2_estimators.Tau2Batch, r2: float) -> list[str]:
    """Notes on a fit whose tau^2 did not converge, or whose R^2 is undefined."""
    notes = []
    if not bool(fit.converged[0]):
        notes.append(
            f"{model} estimation of tau2 did not converge after {fit.iterations} iterations; "
            "the last value is reported"
        )
    if math.isnan(r2):
        notes.append("R2 is undefined: the intercept-only model has no heterogeneity")
    return notes


def meta_regression(
    yi: ArrayLike,
    vi: ArrayLike,
    mods: ArrayLike | Mapping[str, Sequence[str] | Sequence[float]],
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    measure: str = "GEN",
    studies: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    notes: Sequence[str] = (),
) -> MetaRegressionResult:
    """Fit a meta-regression (metafor ``rma(yi, vi, mods = ~ ...)``).

    :param yi: effect sizes. :param vi: sampling variances.
    :param mods: moderators: a mapping column name -> values (text values make a
        categorical moderator), or a k x m numeric array (columns named by ``names``).
    :param model: ``"FE"`` or a tau^2 estimator (see :data:`gutbone.stats.meta.MODELS`).
    :param hksj: Knapp-Hartung adjustment (t and F tests on k - p df).
    :param level: confidence level. :param measure: effect measure label.
    :param studies: study labels. :param names: column names for an array ``mods``.
    :param notes: notes to carry into the result.
    :returns: a :class:`~gutbone.stats.results.MetaRegressionResult`.
    :raises StatsError: for bad yi/vi, too few studies for the coefficients, constant or
        collinear moderators.
    """
    y, v = validate_yi_vi(yi, vi, model)
    k = y.size
    design, X, coef_names = _design_matrix(mods, names, k)
    profile = tau2_estimators.DesignProfile(y, v, X)
    fit = tau2_estimators.estimate(profile, model)
    tau2 = float(fit.tau2[0])
    w, beta, vb = profile.fit(tau2)
    p = X.shape[1]
    df = k - p
    if hksj:
        r = y - X @ beta
        vb = vb * (float(np.sum(w * r * r)) / df)
    coefficients = _coefficients(coef_names, beta, vb, hksj, df, level)
    qm, qm_p = _omnibus(beta, vb, hksj, df)
    heterogeneity = _residual_heterogeneity(y, v, X, profile, tau2, model)
    ci = qprofile_tau2_ci(y, v, level=level, X=X)
    labels = study_labels(studies, k)
    note_list = [*notes, *_regression_notes(model, fit, heterogeneity["r2"])]
    moderators = {
        n: tuple(col.tolist()) for n, col in zip(design.names, design.columns.T, strict=True)
    }
    return MetaRegressionResult(
        k=k, coefficients=coefficients, tau2=tau2, **heterogeneity, qm=qm, qm_df=p - 1,
        qm_p=qm_p, model=model, measure=measure, test="t" if hksj else "z",
        df=float(df) if hksj else None, qm_df2=df if hksj else None, level=level, hksj=hksj,
        tau=math.sqrt(tau2), tau2_ci_lower=ci[0], tau2_ci_upper=ci[1],
        converged=bool(fit.converged[0]), iterations=fit.iterations, studies=labels,
        yi=tuple(y.tolist()), vi=tuple(v.tolist()),
        weights=tuple((100.0 * w / w.sum()).tolist()), moderators=moderators,
        vcov=tuple(tuple(row) for row in vb.tolist()), conventions=regression_conventions(hksj),
        notes=tuple(note_list),
    )  # fmt: skip


def _coefficients(
    names: Sequence[str], beta: _FloatArray, vb: _FloatArray, hksj: bool, df: int, level: float
) -> tuple[Coefficient, ...]:
    """Coefficient table: estimate, se, z (or t on ``df``), p, confidence bounds."""
    alpha = 1.0 - level
    se = np.sqrt(np.maximum(np.diag(vb), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = beta / se
    if hksj:
        crit = float(special.stdtrit(df, 1 - alpha / 2))
        p = 2 * special.stdtr(df, -np.abs(stat))
    else:
        crit = float(special.ndtri(1 - alpha / 2))
        p = 2 * special.ndtr(-np.abs(stat))
    return tuple(
        Coefficient(
            name, float(b), float(s), float(z), float(pv), float(b - crit * s), float(b + crit * s)
        )
        for name, b, s, z, pv in zip(names, beta, se, stat, p, strict=True)
    )


def _omnibus(beta: _FloatArray, vb: _FloatArray, hksj: bool, df: int) -> tuple[float, float]:
    """QM (chi-square, or F with Knapp-Hartung) of all coefficients but the intercept."""
    m = beta.size - 1
    if m == 0:
        return math.nan, math.nan
    b = beta[1:]
    try:
        qm = float(b @ np.linalg.solve(vb[1:, 1:], b))
    except np.linalg.LinAlgError:
        return math.nan, math.nan
    if hksj:
        qm /= m
        return qm, float(special.fdtrc(m, df, qm))
    return qm, float(special.chdtrc(m, qm))


def _residual_heterogeneity(
    y: _FloatArray,
    v: _FloatArray,
    X: _FloatArray,
    profile: tau2_estimators.DesignProfile,
    tau2: float,
    model: str,
) -> dict[str, Any]:
    """QE and its p value, residual I^2 and H^2, and R^2 (see the module docstring)."""
    k, p = X.shape
    df = k - p
    fixed = profile.moments(np.zeros(1))
    qe = float(fixed.q[0])
    vt = df / float(fixed.tr_p[0])
    mean = tau2_estimators.MeanProfile(y, v)
    if model == "FE":
        i2 = 100.0 * max(0.0, (qe - df) / qe) if qe > 0 else 0.0
        h2 = qe / df
        h2_0 = float(mean.moments(np.zeros(1)).q[0]) / (k - 1)
        r2 = max(0.0, 100.0 * (1.0 - h2 / h2_0)) if h2_0 > 0 else math.nan
    else:
        i2 = 100.0 * tau2 / (tau2 + vt)
        h2 = (tau2 + vt) / vt
        tau2_0 = float(tau2_estimators.estimate(mean, model).tau2[0])
        r2 = max(0.0, 100.0 * (tau2_0 - tau2) / tau2_0) if tau2_0 > 0 else math.nan
    return {
        "i2": i2,
        "h2": h2,
        "r2": r2,
        "qe": qe,
        "qe_df": df,
        "qe_p": float(special.chdtrc(df, qe)),
    }
