"""Mantel-Haenszel pooling of 2x2 tables (fixed effect): ``model="MH"``.

RevMan's and R meta's default for dichotomous outcomes, metafor's ``rma.mh``. Unlike the
inverse-variance models of :mod:`gutbone.stats.meta`, the pooled estimate is computed
from the cell counts themselves, so it needs 2x2 data (``study,events1,n1,events2,n2``),
not ``yi``/``vi``. For study i with ``a`` events of ``n1`` in group 1, ``c`` events of
``n2`` in group 2, ``b = n1 - a``, ``d = n2 - c`` and ``N = n1 + n2``:

``RR`` (Mantel & Haenszel 1959, doi:10.1093/jnci/22.4.719; Nurminen 1981)
    ``RR_MH = sum(a n2 / N) / sum(c n1 / N)``; variance of ``log RR_MH`` (Greenland &
    Robins 1985, doi:10.2307/2530643)
    ``sum((n1 n2 (a + c) - a c N) / N^2) / (sum(a n2 / N) sum(c n1 / N))``.
    Study weight ``c n1 / N``.
``OR``
    ``OR_MH = sum(R) / sum(S)`` with ``R = a d / N``, ``S = b c / N``; variance of
    ``log OR_MH`` (Robins, Breslow & Greenland 1986, doi:10.2307/2531052), with
    ``P = (a + d) / N``, ``Q = (b + c) / N``:
    ``sum(P R) / (2 sum(R)^2) + sum(P S + Q R) / (2 sum(R) sum(S)) + sum(Q S) / (2 sum(S)^2)``.
    Study weight ``b c / N``.
``RD``
    ``RD_MH = sum(w (a/n1 - c/n2)) / sum(w)``, ``w = n1 n2 / N`` (the study weight).
    Variance (default, ``rd_variance="GR"``) Greenland & Robins (1985), as RevMan and
    Stata ``metan``: ``sum((a b n2^3 + c d n1^3) / (n1 n2 N^2)) / sum(w)^2``; with
    ``rd_variance="Sato"`` the Sato, Greenland & Robins (1989, doi:10.2307/2531784)
    estimator that metafor's ``rma.mh`` uses (consistent in both the sparse-data and the
    large-strata limit): ``(RD_MH sum(P') + sum(Q')) / sum(w)^2`` with
    ``P' = (n1^2 c - n2^2 a + n1 n2 (n2 - n1) / 2) / N^2`` and
    ``Q' = (a (n2 - c) + c (n1 - a)) / (2 N)``.

Zero cells (metafor ``rma.mh`` defaults ``add=1/2, to="only0", drop00=TRUE``): the MH
sums use the raw counts, with no continuity correction. A study with no events in both
arms (or only events in both arms) adds nothing to the RR or OR sums, and adds its weight
with a difference of 0 to the RD. Each study's own ``yi``/``vi`` (used only for Cochran's
Q, I^2 and the plots) get 0.5 added to every cell of studies with a zero cell, as in
:mod:`gutbone.stats.effect_sizes`; studies with no events (or only events) in both arms
have no ``yi``/``vi`` (NaN, ``null`` in JSON) and are left out of Q.

Heterogeneity as metafor ``rma.mh``: ``Q = sum (yi - theta_MH)^2 / vi`` over the studies
with a ``yi``, on (that number - 1) df, ``I^2 = 100 max(0, (Q - df) / Q)``, ``H^2 = Q / df``.
tau^2 is 0 (fixed effect) and the prediction interval equals the confidence interval.

>>> r = pool_mh([1, 0], [73, 46], [2, 1], [73, 46], measure="RR")
>>> round(r.back_transformed["estimate"], 4), [round(w, 2) for w in r.weights]
(0.3333, [66.67, 33.33])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from gutbone.errors import Problem, StatsError
from gutbone.stats.effect_sizes import log_odds_ratio, log_risk_ratio, risk_difference
from gutbone.stats.meta import base_conventions, study_labels, with_subgroups
from gutbone.stats.results import RATIO_MEASURES, LeaveOneOut, MetaResult, SubgroupResult
from gutbone.stats.study_table import StudyTable

__all__ = [
    "MH_MEASURES",
    "RD_VARIANCES",
    "mh_conventions",
    "pool_mh",
    "mh_leave_one_out",
    "mh_from_table",
]

#: Measures Mantel-Haenszel pooling is defined for here.
MH_MEASURES: tuple[str, ...] = ("RR", "OR", "RD")
#: Variance estimators of the MH risk difference: Greenland & Robins 1985 (default) or
#: Sato, Greenland & Robins 1989 (metafor).
RD_VARIANCES: tuple[str, ...] = ("GR", "Sato")

_FloatArray = NDArray[np.float64]
_BoolArray = NDArray[np.bool_]


def mh_conventions(measure: str = "RR", *, rd_variance: str = "GR") -> dict[str, str]:
    """Conventions of Mantel-Haenszel pooling, worded for the ``conventions`` JSON key.

    They replace the inverse-variance entries of
    :func:`gutbone.stats.meta.base_conventions` of the same name.

    :param measure: ``"RR"``, ``"OR"`` or ``"RD"``.
    :param rd_variance: ``"GR"`` or ``"Sato"`` (risk difference only).
    :returns: a dict from convention name to its description.

    >>> mh_conventions("OR")["mh_variance"][:30]
    'Robins, Breslow & Greenland 19'
    """
    variance = {
        "RR": "Greenland & Robins 1985 variance of log RR_MH",
        "OR": "Robins, Breslow & Greenland 1986 variance of log OR_MH",
        "RD": (
            "Sato, Greenland & Robins 1989 variance of RD_MH (metafor rma.mh)"
            if rd_variance == "Sato"
            else "Greenland & Robins 1985 variance of RD_MH (RevMan, Stata metan; metafor "
            "rma.mh uses Sato et al. 1989: rd_variance='Sato')"
        ),
    }.get(measure, "")
    return {
        "model": "Mantel-Haenszel fixed (common) effect from the 2x2 counts (metafor rma.mh)",
        "mh_variance": variance,
        "mh_continuity_correction": "none in the MH sums (metafor rma.mh add=1/2, "
        "to='only0', drop00=TRUE: the correction applies to the study yi/vi only); studies "
        "with no events (or only events) in both arms add nothing to the RR/OR sums and "
        "enter the RD with their weight n1*n2/N and a difference of 0",
        "continuity_correction": "study yi/vi (for Q, I2 and plots only): 0.5 added to all "
        "four cells of studies with a zero cell; no yi/vi (null) for studies with no events "
        "or only events in both arms",
        "q": "Cochran's Q of the study yi around the MH estimate with inverse-variance "
        "weights 1/vi, on (studies with a yi - 1) df (metafor rma.mh)",
        "i2": "I2 = 100 * max(0, (Q - df) / Q), H2 = Q / df (metafor rma.mh)",
        "weights": "percent of the total Mantel-Haenszel weight (RR: c*n1/N, OR: b*c/N, "
        "RD: n1*n2/N), input order",
        "prediction_interval": "equal to the confidence interval (fixed effect, tau2 = 0)",
        "tau2_ci": "not computed: Mantel-Haenszel is a fixed-effect method (tau2 = 0)",
        "subgroups": "Mantel-Haenszel within each subgroup; Q-between = fixed-effect Q of "
        "the subgroup MH estimates with their MH standard errors, on (groups - 1) df",
        "leave_one_out": "each study left out in turn, Mantel-Haenszel again",
        "bias_tests": "Egger's and Begg's tests on the study yi/vi (studies with a yi), "
        "inverse-variance fixed-effect model where one is needed; no trim-and-fill (not "
        "defined for Mantel-Haenszel, as metafor trimfill)",
    }


# ----------------------------------------------------------------------------------
# per-study terms whose column sums give the pooled estimate and variance


def _check_counts(
    events1: ArrayLike, n1: ArrayLike, events2: ArrayLike, n2: ArrayLike
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    arrays = [np.atleast_1d(np.asarray(x, dtype=float)).ravel() for x in (events1, n1, events2, n2)]
    a, m1, c, m2 = arrays
    problems: list[Problem] = []
    if len({x.size for x in arrays}) != 1:
        sizes = ", ".join(str(x.size) for x in arrays)
        raise StatsError([Problem("-", 0, "events1", f"columns of unequal length ({sizes})")])
    if a.size == 0:
        raise StatsError([Problem("-", 0, "events1", "no studies to pool")])
    for name, values in (("events1", a), ("n1", m1), ("events2", c), ("n2", m2)):
        for i in np.flatnonzero(~np.isfinite(values) | (values < 0)):
            problems.append(Problem("-", int(i) + 1, name, f"{values[i]} is not a count >= 0"))
    for name, ev, n in (("events1", a, m1), ("events2", c, m2)):
        for i in np.flatnonzero(np.isfinite(ev) & np.isfinite(n) & ((n <= 0) | (ev > n))):
            problems.append(
                Problem("-", int(i) + 1, name, f"{ev[i]:g} events of {n[i]:g} is not a 2x2 row")
            )
    if problems:
        raise StatsError(problems)
    return a, m1, c, m2


def _terms(
    a: _FloatArray, b: _FloatArray, c: _FloatArray, d: _FloatArray, measure: str, rd_variance: str
) -> _FloatArray:
    """Per-study terms (k x m) whose column sums feed :func:`_finish`; column 0 = weight."""
    n1, n2 = a + b, c + d
    n = n1 + n2
    if measure == "RR":
        r = a * n2 / n
        s = c * n1 / n
        v = (n1 * n2 * (a + c) - a * c * n) / n**2
        return np.column_stack([s, r, v])
    if measure == "OR":
        r = a * d / n
        s = b * c / n
        p = (a + d) / n
        q = (b + c) / n
        return np.column_stack([s, r, p * r, p * s + q * r, q * s])
    w = n1 * n2 / n
    wd = (a * n2 - c * n1) / n
    if rd_variance == "Sato":
        pp = (n1**2 * c - n2**2 * a + n1 * n2 * (n2 - n1) / 2) / n**2
        qq = (a * (n2 - c) + c * (n1 - a)) / (2 * n)
        return np.column_stack([w, wd, pp, qq])
    j = (a * b * n2**3 + c * d * n1**3) / (n1 * n2 * n**2)
    return np.column_stack([w, wd, j])


def _finish(
    sums: _FloatArray, measure: str, rd_variance: str
) -> tuple[_FloatArray, _FloatArray, _FloatArray]:
    """Estimate (log scale for RR/OR), its variance and an "estimable" mask, by row.

    ``sums`` has one row per analysis (the full data, or each leave-one-out subset).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            s, r, v = sums.T
            ok = (r > 0) & (s > 0)
            est = np.log(r / s)
            var = v / (r * s)
        elif measure == "OR":
            s, r, pr, psqr, qs = sums.T
            ok = (r > 0) & (s > 0)
            est = np.log(r / s)
            var = pr / (2 * r**2) + psqr / (2 * r * s) + qs / (2 * s**2)
        else:
            w = sums[:, 0]
            ok = w > 0
            est = sums[:, 1] / w
            if rd_variance == "Sato":
                var = (est * sums[:, 2] + sums[:, 3]) / w**2
            else:
                var = sums[:, 2] / w**2
    ok = ok & np.isfinite(var) & (var > 0)
    return np.where(ok, est, np.nan), np.where(ok, var, np.nan), ok


def _study_yivi(
    a: _FloatArray, m1: _FloatArray, c: _FloatArray, m2: _FloatArray, measure: str
) -> tuple[_FloatArray, _FloatArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Study yi/vi with 0.5 added to studies with a zero cell; NaN for double-zero/all."""
    func = {"RR": log_risk_ratio, "OR": log_odds_ratio, "RD": risk_difference}[measure]
    yv = func(a, m1, c, m2)
    double = ((a == 0) & (c == 0)) | ((a == m1) & (c == m2))
    yi = np.where(double, np.nan, yv.yi)
    vi = np.where(double, np.nan, yv.vi)
    return yi, vi, yv.corrected & ~double, double


def _not_estimable(measure: str, sums: _FloatArray, where: str) -> StatsError:
    """The error for a pooled value that cannot be computed, saying why."""
    if measure in RATIO_MEASURES and (sums[1] <= 0 or sums[0] <= 0):
        # column 1 is sum(R) (group 1 side), column 0 is sum(S) (group 2 side)
        group1 = sums[1] <= 0
        if measure == "RR":
            reason = f"no events in group {1 if group1 else 2} in any study"
        elif group1:
            reason = "no study has events in group 1 together with non-events in group 2"
        else:
            reason = "no study has events in group 2 together with non-events in group 1"
        return StatsError(
            [
                Problem(
                    where,
                    0,
                    "events1" if group1 else "events2",
                    f"the Mantel-Haenszel {measure} is not estimable: {reason}",
                )
            ]
        )
    return StatsError(
        [
            Problem(
                where,
                0,
                "-",
                f"the Mantel-Haenszel {measure} has variance 0 (no events, or only events, in "
                "every study): no confidence interval or test",
            )
        ]
    )


def _heterogeneity(
    yi: _FloatArray, vi: _FloatArray, estimate: float
) -> tuple[float, int, float, float, float]:
    """Q around the MH estimate, its df and p, I^2 and H^2 (metafor rma.mh)."""
    ok = np.isfinite(yi)
    k_yi = int(ok.sum())
    df = max(k_yi - 1, 0)
    if df < 1:
        return math.nan, df, math.nan, math.nan, math.nan
    r = yi[ok] - estimate
    q = float(np.sum(r * r / vi[ok]))
    q_p = float(special.chdtrc(df, q))
    i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 else 0.0
    return q, df, q_p, i2, q / df


def _check_options(measure: str, rd_variance: str, source: str) -> None:
    """Refuse a measure MH pooling is not defined for, or an unknown RD variance."""
    if measure not in MH_MEASURES:
        raise StatsError(
            [
                Problem(
                    source,
                    0,
                    "measure",
                    f"Mantel-Haenszel pooling is defined for {', '.join(MH_MEASURES)}, "
                    f"not {measure!r}",
                )
            ]
        )
    if rd_variance not in RD_VARIANCES:
        raise StatsError([Problem(source, 0, "rd_variance", f"{rd_variance!r} is not GR or Sato")])


def _conventions(
    measure: str, rd_variance: str, extra: Mapping[str, str]
) -> dict[str, str]:
    """The conventions of an MH analysis: the general ones that apply, the MH ones, ``extra``."""
    conv = {
        key: value
        for key, value in base_conventions().items()
        if key not in ("hksj", "reml", "trim_and_fill")  # do not apply to MH
    }
    conv.update(mh_conventions(measure, rd_variance=rd_variance))
    conv.update({key: value for key, value in extra.items() if key not in conv})
    return conv


def pool_mh(
    events1: ArrayLike,
    n1: ArrayLike,
    events2: ArrayLike,
    n2: ArrayLike,
    *,
    measure: str = "RR",
    level: float = 0.95,
    studies: Sequence[str] | None = None,
    subgroups: Sequence[str] | None = None,
    rd_variance: str = "GR",
    conventions: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    source: str = "-",
) -> MetaResult:
    """Pool 2x2 tables with the Mantel-Haenszel method (fixed effect).

    :param events1: events in group 1 (``a``). :param n1: size of group 1.
    :param events2: events in group 2 (``c``). :param n2: size of group 2.
    :param measure: ``"RR"`` (default), ``"OR"`` or ``"RD"``; RR and OR are pooled on the
        log scale and back-transformed in ``back_transformed``.
    :param level: confidence level.
    :param studies: study labels (default ``"1"``, ``"2"``...).
    :param subgroups: optional subgroup label per study: each subgroup is pooled with MH
        and ``q_between`` is the fixed-effect Q of the subgroup estimates.
    :param rd_variance: ``"GR"`` (Greenland & Robins 1985, default) or ``"Sato"`` (Sato,
        Greenland & Robins 1989, metafor) variance of the MH risk difference.
    :param conventions: extra conventions to record (MH entries take precedence).
    :param notes: notes to carry into the result.
    :param source: the file name used in error messages.
    :returns: a :class:`~gutbone.stats.meta.MetaResult` with ``model="MH"``, ``tau2 = 0``
        and the prediction interval equal to the confidence interval.
    :raises StatsError: for counts that are not 2x2 rows, an unknown measure or RD
        variance, or a pooled value that is not estimable (e.g. RR with no events in one
        group in every study, or a variance of 0).

    Two studies, hand calculation: RR_MH = (1*73/146 + 0) / (2*73/146 + 1*46/92) = 1/3.

    >>> r = pool_mh([1, 0], [73, 46], [2, 1], [73, 46])
    >>> round(r.estimate, 4), round(r.se, 4), r.tau2, r.model
    (-1.0986, 1.1468, 0.0, 'MH')
    """
    _check_options(measure, rd_variance, source)
    a, m1, c, m2 = _check_counts(events1, n1, events2, n2)
    k = a.size
    labels = study_labels(studies, k, source)
    conv = _conventions(measure, rd_variance, conventions or {})
    spec = _MHSpec(measure, level, rd_variance, conv, source)
    overall = _pool_mh_core(a, m1, c, m2, labels, spec, tuple(notes), "all")
    if subgroups is None:
        return overall
    return with_subgroups(overall, _mh_subgroups((a, m1, c, m2), labels, subgroups, spec))


@dataclass(frozen=True)
class _MHSpec:
    """The options of one Mantel-Haenszel analysis, shared by its overall and subgroup fits."""

    measure: str
    level: float
    rd_variance: str
    conventions: Mapping[str, str]
    source: str


def _mh_subgroups(
    counts: tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray],
    labels: tuple[str, ...],
    subgroups: Sequence[str],
    spec: _MHSpec,
) -> list[SubgroupResult]:
    """Mantel-Haenszel pooling of each subgroup (first-seen order)."""
    a, m1, c, m2 = counts
    k = a.size
    source = spec.source
    group_labels = [str(s) for s in subgroups]
    if len(group_labels) != k:
        raise StatsError(
            [Problem(source, 0, "subgroup", f"{len(group_labels)} subgroup labels for {k} studies")]
        )
    results = []
    for name in dict.fromkeys(group_labels):
        index = [i for i, label in enumerate(group_labels) if label == name]
        group_studies = tuple(labels[i] for i in index)
        result = _pool_mh_core(
            a[index], m1[index], c[index], m2[index], group_studies, spec, (),
            f"subgroup {name!r}",
        )  # fmt: skip
        results.append(SubgroupResult(name, result))
    return results


def _mh_notes(
    labels: tuple[str, ...], measure: str, corrected: _BoolArray, double: _BoolArray
) -> list[str]:
    """The notes every Mantel-Haenszel result carries: corrections, empty studies, scale."""
    notes = [
        "Mantel-Haenszel pooling of the 2x2 counts (fixed effect): no continuity "
        "correction in the pooled estimate"
    ]
    if corrected.any():
        notes.append(
            "0.5 added to every cell of studies with a zero cell, for their own yi/vi "
            "only (Q, I2, plots): " + ", ".join(labels[i] for i in np.flatnonzero(corrected))
        )
    if double.any():
        names = ", ".join(labels[i] for i in np.flatnonzero(double))
        role = (
            "they enter the MH risk difference with their weight and a difference of 0"
            if measure == "RD"
            else f"they add nothing to the MH {measure}"
        )
        notes.append(
            f"no events (or only events) in both arms: {names}; no study yi/vi (null), left "
            f"out of Q; {role}"
        )
    if len(labels) == 1:
        notes.append("only one study: its own Mantel-Haenszel estimate is reported")
    if measure in RATIO_MEASURES:
        notes.append(f"pooled on the log {measure} scale; back-transformed values given")
    return notes


def _mh_estimate(terms: _FloatArray, spec: _MHSpec, scope: str) -> tuple[float, float]:
    """The pooled MH estimate and its standard error from the per-study terms."""
    sums = terms.sum(axis=0)
    est_arr, var_arr, ok = _finish(sums[None, :], spec.measure, spec.rd_variance)
    if not ok[0]:
        error = _not_estimable(spec.measure, sums, spec.source)
        if scope != "all":
            problem = error.problems[0]
            error = StatsError([replace(problem, message=f"{scope}: {problem.message}")])
        raise error
    return float(est_arr[0]), math.sqrt(float(var_arr[0]))


def _pool_mh_core(
    a: _FloatArray,
    m1: _FloatArray,
    c: _FloatArray,
    m2: _FloatArray,
    labels: tuple[str, ...],
    spec: _MHSpec,
    notes: tuple[str, ...],
    scope: str,
) -> MetaResult:
    measure = spec.measure
    terms = _terms(a, m1 - a, c, m2 - c, measure, spec.rd_variance)
    est, se = _mh_estimate(terms, spec, scope)
    half = float(special.ndtri(0.5 + spec.level / 2)) * se
    stat = est / se
    yi, vi, corrected, double = _study_yivi(a, m1, c, m2, measure)
    q, q_df, q_p, i2, h2 = _heterogeneity(yi, vi, est)
    lo, hi = est - half, est + half
    back = None
    if measure in RATIO_MEASURES:
        back = {
            key: math.exp(value)
            for key, value in (
                ("estimate", est), ("ci_lower", lo), ("ci_upper", hi), ("pi_lower", lo),
                ("pi_upper", hi),
            )
        }  # fmt: skip
    weights = terms[:, 0]
    total = float(weights.sum())
    pct = 100.0 * weights / total if total > 0 else np.full(a.size, math.nan)
    return MetaResult(
        k=a.size, estimate=est, se=se, ci_lower=lo, ci_upper=hi, z=stat,
        p=float(2 * special.ndtr(-abs(stat))), tau2=0.0, i2=i2, h2=h2, q=q, q_df=q_df,
        q_p=q_p, pi_lower=lo, pi_upper=hi, model="MH", measure=measure,
        weights=tuple(pct.tolist()), conventions=dict(spec.conventions), studies=labels,
        yi=tuple(yi.tolist()), vi=tuple(vi.tolist()), test="z", df=None, level=spec.level,
        hksj=False, tau=0.0, back_transformed=back,
        notes=(*notes, *_mh_notes(labels, measure, corrected, double)),
    )  # fmt: skip


# ----------------------------------------------------------------------------------
# leave-one-out: the MH sums are sums over studies, so each subset is total - own term


def _loo_heterogeneity(
    a: _FloatArray,
    m1: _FloatArray,
    c: _FloatArray,
    m2: _FloatArray,
    terms: _FloatArray,
    est: _FloatArray,
    measure: str,
    rd_variance: str,
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray]:
    """Q, its p, I^2 and H^2 of each leave-one-out fit (NaN with fewer than 2 study yi)."""
    yi, vi, _corrected, _double = _study_yivi(a, m1, c, m2, measure)
    has = np.isfinite(yi)
    # Q_i = sum_{j != i} w_j (y_j - est_i)^2, from sums centred at the full estimate
    full = _finish(terms.sum(axis=0)[None, :], measure, rd_variance)[0][0]
    centre = float(full) if math.isfinite(full) else float(np.nanmean(yi)) if has.any() else 0.0
    w = np.where(has, 1.0 / np.where(has, vi, 1.0), 0.0)
    r = np.where(has, yi - centre, 0.0)
    s0, s1, s2 = w.sum(), (w * r).sum(), (w * r * r).sum()
    t0, t1, t2 = s0 - w, s1 - w * r, s2 - w * r * r
    shift = est - centre
    q = np.maximum(t2 - 2 * shift * t1 + shift * shift * t0, 0.0)
    q_df = int(has.sum()) - has.astype(int) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        q_p = np.where(q_df >= 1, special.chdtrc(np.maximum(q_df, 1), q), np.nan)
        i2 = np.where(
            q_df >= 1, np.where(q > 0, 100.0 * np.maximum(0.0, (q - q_df) / q), 0.0), np.nan
        )
        h2 = np.where(q_df >= 1, q / q_df, np.nan)
    q = np.where(q_df >= 1, q, np.nan)
    return q, q_p, i2, h2


def mh_leave_one_out(
    events1: ArrayLike,
    n1: ArrayLike,
    events2: ArrayLike,
    n2: ArrayLike,
    *,
    measure: str = "RR",
    level: float = 0.95,
    studies: Sequence[str] | None = None,
    rd_variance: str = "GR",
) -> LeaveOneOut:
    """Mantel-Haenszel meta-analysis leaving out each study in turn (vectorised).

    Subsets whose MH value is not estimable (e.g. leaving out the only study with events
    in one group) get NaN (``null`` in JSON).

    :param events1: events in group 1. :param n1: size of group 1.
    :param events2: events in group 2. :param n2: size of group 2.
    :param measure: ``"RR"``, ``"OR"`` or ``"RD"``. :param level: confidence level.
    :param studies: labels. :param rd_variance: ``"GR"`` or ``"Sato"``.
    :returns: a :class:`~gutbone.stats.meta.LeaveOneOut` with ``model="MH"``.
    :raises StatsError: with fewer than three studies or bad counts.

    Equal arms, so the MH risk difference is the mean of the study RDs (-0.1, -0.1, 0):

    >>> loo = mh_leave_one_out([1, 0, 2], [10, 10, 10], [2, 1, 2], [10, 10, 10], measure="RD")
    >>> [round(x, 4) for x in loo.estimate]
    [-0.05, -0.05, -0.1]
    """
    if measure not in MH_MEASURES or rd_variance not in RD_VARIANCES:
        raise StatsError([Problem("-", 0, "measure", f"{measure!r}/{rd_variance!r} not MH")])
    a, m1, c, m2 = _check_counts(events1, n1, events2, n2)
    k = a.size
    if k < 3:
        raise StatsError(
            [Problem("-", 0, "events1", f"leave-one-out needs at least 3 studies, got {k}")]
        )
    labels = study_labels(studies, k)
    terms = _terms(a, m1 - a, c, m2 - c, measure, rd_variance)
    sums = terms.sum(axis=0)[None, :] - terms
    est, var, _ok = _finish(sums, measure, rd_variance)
    se = np.sqrt(var)
    crit = float(special.ndtri(0.5 + level / 2))
    stat = est / se
    p = 2 * special.ndtr(-np.abs(stat))
    q, q_p, i2, h2 = _loo_heterogeneity(a, m1, c, m2, terms, est, measure, rd_variance)
    return LeaveOneOut.from_arrays(
        labels, estimate=est, se=se, crit=crit, p=p, tau2=np.zeros(k), q=q, q_p=q_p, i2=i2,
        h2=h2, model="MH", test="z",
    )  # fmt: skip


# ----------------------------------------------------------------------------------
# from a study table (CLI and meta_analysis_from_csv)


def _table_counts(table: StudyTable, measure: str | None) -> tuple[tuple[_FloatArray, ...], str]:
    """Check that a table and measure fit MH; return ``events1, n1, events2, n2``, the measure."""
    problems: list[Problem] = []
    if measure is not None and measure not in MH_MEASURES:
        problems.append(
            Problem(
                table.path,
                0,
                "measure",
                f"--model MH (Mantel-Haenszel) pools 2x2 counts as RR, OR or RD; measure "
                f"{measure} needs an inverse-variance model (FE, DL, REML or PM)",
            )
        )
    if table.form != "counts":
        problems.append(
            Problem(
                table.path,
                1,
                "-",
                "--model MH (Mantel-Haenszel) needs 2x2 counts in columns "
                f"study,events1,n1,events2,n2; this table has study,{','.join(table.values)}",
            )
        )
    if problems:
        raise StatsError(problems)
    counts = tuple(table.column(name) for name in ("events1", "n1", "events2", "n2"))
    return counts, measure if measure is not None else "RR"


def mh_from_table(
    table: StudyTable,
    *,
    measure: str | None = None,
    level: float = 0.95,
    rd_variance: str = "GR",
) -> MetaResult:
    """Mantel-Haenszel analysis of a checked study table (with its subgroups, if any).

    :param table: from :func:`~gutbone.stats.study_table.read_study_table`; must be in the
        ``counts`` form.
    :param measure: ``"RR"`` (default), ``"OR"`` or ``"RD"``.
    :param level: confidence level. :param rd_variance: ``"GR"`` or ``"Sato"``.
    :returns: the pooled :class:`~gutbone.stats.meta.MetaResult`.
    :raises StatsError: naming the file when the table is not 2x2 counts, the measure is
        MD or SMD, or the pooled value is not estimable.
    """
    counts, label = _table_counts(table, measure)
    return pool_mh(
        *counts, measure=label, level=level, studies=table.studies, subgroups=table.subgroups,
        rd_variance=rd_variance, source=table.path,
    )  # fmt: skip
