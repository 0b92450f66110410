"""Estimators of the between-study variance tau^2: the one implementation of each.

Every estimator is written once, against a :class:`Profile`: an object that gives, for a
batch of candidate values ``t`` of tau^2, the quantities of the weighted fit with weights
``w = 1/(vi + t)`` (:class:`Moments`). Three profiles exist: :class:`MeanProfile` (the
intercept-only model, elementwise sums), :class:`DesignProfile` (a design matrix, for
meta-regression and the bias tests) and the leave-one-out profile of
:mod:`gutbone.stats.leave_one_out` (all k fits without one study at once). Pooling,
leave-one-out, the bias tests and meta-regression therefore use the same estimators.

With ``P = W - W X (X'WX)^-1 X'W`` (``X`` the design, k studies, p coefficients):

``"FE"``  tau^2 = 0 (fixed/common effect).
``"DL"``  DerSimonian & Laird (1986, doi:10.1016/0197-2456(86)90046-2), generalised to
          meta-regression: ``(Q_FE - (k - p)) / tr(P_FE)``, truncated at 0.
``"HE"``  Hedges (1983) / Hedges & Olkin (1985) variance-component (moment) estimator from
          the unweighted (OLS) fit: ``(RSS_OLS - tr((I - H) V)) / (k - p)``, truncated at 0.
``"HS"``  Hunter & Schmidt (2004): ``(Q_FE - k) / sum(1/vi)``, truncated at 0.
``"SJ"``  Sidik & Jonkman (2005, doi:10.1080/10543400500216744): from ``t0 = RSS_OLS / k``
          (of the ``yi`` around their unweighted OLS fit), ``t0 * Q_gen(t0) / (k - p)``;
          not truncated (positive unless all residuals are 0).
``"ML"``  Maximum likelihood, Fisher scoring ``t += (y'PPy - tr W) / tr W^2`` (Hardy &
          Thompson 1996, doi:10.1002/(SICI)1097-0258(19960330)15:6<619::AID-SIM188>3.0.CO;2-A).
``"REML"`` Restricted maximum likelihood, Fisher scoring ``t += (y'PPy - tr P) / tr PP``
          (Viechtbauer 2005, doi:10.3102/10769986030003261).
``"EB"``  Empirical Bayes (Morris 1983, doi:10.1080/01621459.1983.10477920; Berkey et al.
          1995, doi:10.1002/sim.4780140406): ``t += (k/(k-p) Q_gen(t) - k) / tr W``; its
          fixed point solves ``Q_gen = k - p``, the Paule-Mandel equation.
``"PM"``  Paule & Mandel (1982): the root of ``Q_gen(t) = k - p`` (DerSimonian & Kacker
          2007, doi:10.1016/j.cct.2006.04.004), found by :func:`solve_q`.

ML, REML and EB start from the DL value, are truncated at 0 and stop when a step changes
tau^2 by at most ``1e-10 * max(1, tau^2)`` (at most 1000 steps); PM and the Q-profile
bounds stop at the root (see :func:`solve_q`). Every iterative estimator reports whether
it converged and after how many iterations.

>>> fit = estimate_tau2([0.0, 1.0, 2.0], [0.1, 0.1, 0.1], "DL")
>>> round(fit.tau2, 6), fit.converged
(0.9, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "TAU2_METHODS",
    "Moments",
    "Profile",
    "MeanProfile",
    "DesignProfile",
    "Tau2Batch",
    "Tau2Fit",
    "estimate",
    "estimate_tau2",
    "solve_q",
]

#: Every tau^2 estimator (``"FE"`` fixes tau^2 = 0).
TAU2_METHODS: tuple[str, ...] = ("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")

_FloatArray = NDArray[np.float64]
_TOL = 1e-10
_MAXITER = 1000


@dataclass(frozen=True)
class Moments:
    """Quantities of the weighted fit at each candidate tau^2 (arrays of the batch size).

    :param q: generalised Q, ``y'Py`` = weighted residual sum of squares.
    :param ypy2: ``y'PPy`` = ``sum (w r)^2`` (minus the derivative of Q in tau^2).
    :param tr_p: ``tr P``. :param tr_pp: ``tr PP``.
    :param sw: ``tr W`` = sum of weights. :param sw2: ``tr W^2``.
    """

    q: _FloatArray
    ypy2: _FloatArray
    tr_p: _FloatArray
    tr_pp: _FloatArray
    sw: _FloatArray
    sw2: _FloatArray


class Profile(Protocol):
    """What an estimator needs from the data: moments at candidate tau^2 values, OLS terms."""

    k: int
    p: int
    batch: int

    def moments(self, t: _FloatArray) -> Moments:
        """:class:`Moments` at each value of ``t`` (one fit per batch element)."""
        ...

    def ols(self) -> tuple[_FloatArray, _FloatArray]:
        """Residual sum of squares of the unweighted fit and ``tr((I - H) V)``."""
        ...


class MeanProfile:
    """The intercept-only model (batch size 1), computed with elementwise sums.

    :param y: effect sizes. :param v: sampling variances.
    """

    p = 1
    batch = 1

    def __init__(self, y: _FloatArray, v: _FloatArray) -> None:
        self.y, self.v, self.k = y, v, int(y.size)

    def moments(self, t: _FloatArray) -> Moments:
        """Moments at ``t[0]``.

        With X = 1: ``tr P = S1 - S2/S1`` and ``tr PP = S2 - 2 S3/S1 + (S2/S1)^2`` where
        ``Sp = sum w^p``.
        """
        w = 1.0 / (self.v + float(t[0]))
        s1 = float(w.sum())
        r = self.y - float((w * self.y).sum()) / s1
        wr = w * r
        w2 = w * w
        s2 = float(w2.sum())
        s3 = float((w2 * w).sum())
        values = (
            float((wr * r).sum()),
            float((wr * wr).sum()),
            s1 - s2 / s1,
            s2 - 2.0 * s3 / s1 + (s2 / s1) ** 2,
            s1,
            s2,
        )
        return Moments(*(np.array([x]) for x in values))

    def ols(self) -> tuple[_FloatArray, _FloatArray]:
        """``sum (y - mean)^2`` and ``sum v (1 - 1/k)``."""
        rss = float(((self.y - self.y.mean()) ** 2).sum())
        return np.array([rss]), np.array([float(self.v.sum()) * (1.0 - 1.0 / self.k)])


class DesignProfile:
    """A general design matrix ``X`` (k x p, full column rank), batch size 1.

    :param y: effect sizes. :param v: sampling variances. :param X: the design.
    """

    def __init__(self, y: _FloatArray, v: _FloatArray, X: _FloatArray) -> None:
        self.y, self.v, self.X = y, v, X
        self.k, self.p = (int(n) for n in X.shape)
        self.batch = 1

    def fit(self, t: float) -> tuple[_FloatArray, _FloatArray, _FloatArray]:
        """Weights, coefficients and ``(X'WX)^-1`` at tau^2 = ``t``."""
        w = 1.0 / (self.v + t)
        inv = np.asarray(np.linalg.inv(self.X.T @ (w[:, None] * self.X)), dtype=np.float64)
        beta = np.asarray(inv @ (self.X.T @ (w * self.y)), dtype=np.float64)
        return w, beta, inv

    def moments(self, t: _FloatArray) -> Moments:
        """Moments at ``t[0]``; the traces in O(k p^2)."""
        w, beta, inv = self.fit(float(t[0]))
        X = self.X
        r = self.y - X @ beta
        wr = w * r
        m2 = inv @ (X.T @ ((w**2)[:, None] * X))
        a3 = X.T @ ((w**3)[:, None] * X)
        values = (
            float(np.sum(wr * r)),
            float(np.sum(wr * wr)),
            float(np.sum(w) - np.trace(m2)),
            float(np.sum(w**2) - 2.0 * np.trace(inv @ a3) + np.trace(m2 @ m2)),
            float(np.sum(w)),
            float(np.sum(w**2)),
        )
        return Moments(*(np.array([x]) for x in values))

    def ols(self) -> tuple[_FloatArray, _FloatArray]:
        """OLS residual sum of squares and ``sum v_i (1 - h_ii)``."""
        X = self.X
        inv = np.linalg.inv(X.T @ X)
        h = np.einsum("ij,jk,ik->i", X, inv, X)
        r = self.y - X @ (inv @ (X.T @ self.y))
        return np.array([float(r @ r)]), np.array([float(np.sum(self.v * (1.0 - h)))])


@dataclass(frozen=True)
class Tau2Batch:
    """Estimates for a batch of fits: tau^2, convergence per fit, iterations used."""

    tau2: _FloatArray
    converged: NDArray[np.bool_]
    iterations: int


@dataclass(frozen=True)
class Tau2Fit:
    """One tau^2 estimate.

    :param tau2: the estimate. :param method: the estimator.
    :param converged: False when an iterative estimator stopped without converging.
    :param iterations: iterations used (0 for closed-form estimators).
    """

    tau2: float
    method: str
    converged: bool
    iterations: int


def _scoring(
    profile: Profile, start: _FloatArray, step: Callable[[Moments], _FloatArray]
) -> Tau2Batch:
    """Iterate ``t = max(0, t + step(moments(t)))`` until every fit has settled.

    A fit whose step cannot be computed (e.g. ``tr PP = 0``) stops there, not converged.
    """
    t = np.maximum(np.asarray(start, dtype=float), 0.0)
    active = np.ones(t.size, dtype=bool)
    failed = np.zeros(t.size, dtype=bool)
    iteration = 0
    while active.any() and iteration < _MAXITER:
        iteration += 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            delta = step(profile.moments(t))
        broken = active & ~np.isfinite(delta)
        failed |= broken
        active &= ~broken
        new = np.where(active, np.maximum(0.0, t + np.where(broken, 0.0, delta)), t)
        settled = np.abs(new - t) <= _TOL * np.maximum(1.0, t)
        t = new
        active &= ~settled
    return Tau2Batch(t, ~(active | failed), iteration)


def solve_q(
    profile: Profile, target: _FloatArray, start: _FloatArray | None = None, maxiter: int = 200
) -> Tau2Batch:
    """Root of ``Q_gen(t) = target`` for each fit of the batch (0 where ``Q_gen(0) <= target``).

    Q_gen decreases in t (Viechtbauer 2007) and behaves roughly like ``c / (t + a)``, so
    Newton's method is applied to ``1/Q_gen(t) - 1/target`` (nearly linear in t), from
    ``start`` (default 0). It is safeguarded: it keeps a bracket ``[lo, hi]`` with
    ``Q_gen > target`` at ``lo`` and ``<= target`` at ``hi`` (``[0, start]`` when the start
    is past the root); a step that leaves the
    bracket is replaced by bisection (or by doubling while there is no upper end). A fit
    stops when ``|Q - target| <= 1e-13 target`` or the step or the bracket is below 4
    machine epsilons of t.

    :param profile: the data. :param target: the Q value to reach, per fit.
    :param start: starting values. :param maxiter: iteration limit.
    :returns: a :class:`Tau2Batch`.
    """
    eps = 4.0 * float(np.finfo(float).eps)
    target = np.asarray(target, dtype=float)
    zeros = np.zeros(target.size)
    at_zero = profile.moments(zeros)
    t = zeros if start is None else np.maximum(np.asarray(start, dtype=float), 0.0)
    m = at_zero if start is None else profile.moments(t)
    q, slope = m.q, -m.ypy2
    # the root is 0 where Q_gen(0) <= target; a start past the root brackets it in [0, t]
    above = q <= target
    lo = np.where(above, 0.0, t)
    hi = np.where(above, t, math.inf)
    active = (at_zero.q > target) & ~(np.abs(q - target) <= 1e-13 * target)
    result = np.where(at_zero.q > target, t, 0.0)
    iterations = 0
    while active.any() and iterations < maxiter:
        iterations += 1
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = np.where(slope < 0, t + (q - target) / -slope * (q / target), math.inf)
            outside = ~((lo < new) & (new < hi))
            fallback = np.where(np.isfinite(hi), 0.5 * (lo + hi), np.maximum(2.0 * t, t + 1.0))
            new = np.where(active, np.where(outside, fallback, new), t)
            m = profile.moments(new)
            lo = np.where(active & (m.q > target), new, lo)
            hi = np.where(active & (m.q <= target), new, hi)
            scale = np.maximum(new, 1e-300)
            stop = (
                (np.abs(m.q - target) <= 1e-13 * target)
                | (np.abs(new - t) <= eps * scale)
                | (hi - lo <= eps * scale)
                | ~np.isfinite(m.q)
            )
        result = np.where(active, new, result)
        active &= ~stop
        t, q, slope = new, m.q, -m.ypy2
    return Tau2Batch(result, ~active, iterations)


def _dl(profile: Profile) -> _FloatArray:
    m = profile.moments(np.zeros(profile.batch))
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = (m.q - (profile.k - profile.p)) / m.tr_p
    return np.where(m.tr_p > 0, np.maximum(0.0, tau2), 0.0)


def estimate(profile: Profile, method: str, start: _FloatArray | None = None) -> Tau2Batch:
    """Estimate tau^2 with ``method`` (one of :data:`TAU2_METHODS`) for every fit of a batch.

    :param profile: the data (see :class:`Profile`).
    :param method: the estimator.
    :param start: starting values of the iterative estimators (default: the DL values);
        leave-one-out starts each fit from the full-data estimate, a few steps away.
    :returns: a :class:`Tau2Batch`; tau^2 is 0 when there are no residual degrees of
        freedom (k <= p).
    :raises ValueError: for an unknown method.
    """
    if method not in TAU2_METHODS:
        raise ValueError(f"{method!r} is not one of {', '.join(TAU2_METHODS)}")
    zero = np.zeros(profile.batch)
    k, p = profile.k, profile.p
    done = np.ones(zero.size, dtype=bool)
    if method == "FE" or k <= p:
        return Tau2Batch(zero, done, 0)
    if method == "DL":
        return Tau2Batch(_dl(profile), done, 0)
    if method == "HS":
        m = profile.moments(zero)
        return Tau2Batch(np.maximum(0.0, (m.q - k) / m.sw), done, 0)
    if method in ("HE", "SJ"):
        rss, trv = profile.ols()
        if method == "HE":
            return Tau2Batch(np.maximum(0.0, (rss - trv) / (k - p)), done, 0)
        t0 = rss / k
        q0 = profile.moments(t0).q
        return Tau2Batch(np.where(t0 > 0, t0 * q0 / (k - p), 0.0), done, 0)
    if start is None:
        start = _dl(profile)
    if method == "PM":
        return solve_q(profile, np.full(zero.size, float(k - p)), start)
    if method == "ML":
        return _scoring(profile, start, lambda m: (m.ypy2 - m.sw) / m.sw2)
    if method == "REML":
        return _scoring(profile, start, lambda m: (m.ypy2 - m.tr_p) / m.tr_pp)
    return _scoring(profile, start, lambda m: (k / (k - p) * m.q - k) / m.sw)  # EB


def estimate_tau2(yi: ArrayLike, vi: ArrayLike, method: str, X: ArrayLike | None = None) -> Tau2Fit:
    """Estimate tau^2 of one (meta-regression) model.

    :param yi: effect sizes. :param vi: sampling variances (> 0).
    :param method: one of :data:`TAU2_METHODS`.
    :param X: design matrix (k x p); default the intercept-only model.
    :returns: a :class:`Tau2Fit`.

    >>> fit = estimate_tau2([0.1, 0.5, 0.9, 0.2], [0.01, 0.02, 0.01, 0.03], "REML")
    >>> fit.converged, fit.tau2 > 0
    (True, True)
    """
    y = np.asarray(yi, dtype=float).ravel()
    v = np.asarray(vi, dtype=float).ravel()
    profile: Profile = (
        MeanProfile(y, v) if X is None else DesignProfile(y, v, np.asarray(X, dtype=float))
    )
    batch = estimate(profile, method)
    return Tau2Fit(float(batch.tau2[0]), method, bool(batch.converged[0]), batch.iterations)
