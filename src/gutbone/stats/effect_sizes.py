"""Effect sizes and sampling variances from study-level data (first of the two steps).

Measures (``measure=``) and formulas, as in metafor's ``escalc``:

``MD``
    Mean difference ``m1 - m2``; variance ``sd1^2/n1 + sd2^2/n2`` (default, metafor
    ``vtype="LS"``) or, with ``md_variance="pooled"``, ``sp^2 (1/n1 + 1/n2)`` with the
    pooled SD ``sp``.
``SMD``
    Hedges' g = J(m) (m1 - m2)/sp, m = n1 + n2 - 2, with the exact correction
    J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)) (default, Hedges 1981,
    doi:10.3102/10769986006002107) or the approximation 1 - 3/(4m - 1) = 1 - 3/(4N - 9)
    (``hedges="approx"``); large-sample variance ``1/n1 + 1/n2 + g^2/(2 (n1 + n2))``.
``RR``, ``OR``
    Log risk ratio / log odds ratio from 2x2 counts; ``0.5`` is added to every cell of a
    study with a zero cell (and only to those studies), which is stated in ``notes``.
``RD``
    Risk difference ``p1 - p2``, variance ``p1(1-p1)/n1 + p2(1-p2)/n2`` (same correction).

Studies given as ``yi,vi``, ``yi,sei`` or ``yi,ci_lower,ci_upper`` are taken as they are;
for a CI the variance is ``((upper - lower) / (2 z_0.975))^2`` (a 95% normal interval).
With ``measure="RR"`` or ``"OR"`` a CI table is read on the natural (ratio) scale and
log-transformed; ``yi,vi`` and ``yi,sei`` tables are read on the log scale.

>>> yv = mean_difference([10.0], [2.0], [20], [8.0], [3.0], [25])
>>> round(float(yv.yi[0]), 4), round(float(yv.vi[0]), 4)
(2.0, 0.56)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from gutbone.errors import Problem, StatsError
from gutbone.stats.study_table import StudyTable

__all__ = [
    "MEASURES",
    "EffectSizes",
    "YiVi",
    "EffectOptions",
    "effect_sizes",
    "mean_difference",
    "hedges_g",
    "hedges_correction",
    "log_risk_ratio",
    "log_odds_ratio",
    "risk_difference",
]

MEASURES: tuple[str, ...] = ("MD", "SMD", "RR", "OR", "RD")
_FORM_MEASURES: Mapping[str, tuple[str, ...]] = {
    "means": ("MD", "SMD"),
    "counts": ("RR", "OR", "RD"),
}
_DEFAULT_MEASURE: Mapping[str, str] = {"means": "MD", "counts": "RR"}

_FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class YiVi:
    """Effect sizes and sampling variances.

    :param yi: effect sizes. :param vi: sampling variances.
    :param corrected: True for studies that received a continuity correction.
    """

    yi: _FloatArray
    vi: _FloatArray
    corrected: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))


@dataclass(frozen=True)
class EffectSizes:
    """Effect sizes of a study table, ready for :func:`gutbone.stats.meta.pool`.

    :param yi: effect sizes (log scale for RR/OR). :param vi: sampling variances.
    :param studies: study labels. :param measure: ``MD``, ``SMD``, ``RR``, ``OR``, ``RD``
        or ``GEN`` (generic, as given). :param notes: statements about the computation
        (continuity corrections, scale). :param subgroups: labels or None.
    :param conventions: the variants used (MD variance, Hedges' correction...).
    :param rows: file row of each study.
    :param kept: index in the study table of each study (studies dropped by ``drop00``
        are missing).
    """

    yi: _FloatArray
    vi: _FloatArray
    studies: tuple[str, ...]
    measure: str
    notes: tuple[str, ...] = ()
    subgroups: tuple[str, ...] | None = None
    conventions: Mapping[str, str] = field(default_factory=dict)
    rows: tuple[int, ...] = ()
    kept: tuple[int, ...] = ()


def _arr(x: ArrayLike) -> _FloatArray:
    return np.atleast_1d(np.asarray(x, dtype=float))


def mean_difference(
    m1: ArrayLike,
    sd1: ArrayLike,
    n1: ArrayLike,
    m2: ArrayLike,
    sd2: ArrayLike,
    n2: ArrayLike,
    *,
    pooled: bool = False,
) -> YiVi:
    """Raw mean difference and its sampling variance.

    :param pooled: use the pooled-SD variance ``sp^2 (1/n1 + 1/n2)`` (metafor
        ``vtype="HO"``) instead of ``sd1^2/n1 + sd2^2/n2``.
    :returns: :class:`YiVi`.

    >>> yv = mean_difference([55], [47], [155], [75], [64], [156], pooled=True)
    >>> round(float(yv.vi[0]), 2)
    40.59
    """
    a1, s1, k1, a2, s2, k2 = map(_arr, (m1, sd1, n1, m2, sd2, n2))
    yi = a1 - a2
    if pooled:
        sp2 = ((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / (k1 + k2 - 2)
        vi = sp2 * (1 / k1 + 1 / k2)
    else:
        vi = s1**2 / k1 + s2**2 / k2
    return YiVi(yi, vi, np.zeros(yi.size, dtype=bool))


def hedges_correction(m: ArrayLike, *, exact: bool = True) -> _FloatArray:
    """Hedges' small-sample correction factor J(m), m = n1 + n2 - 2.

    :param exact: gamma-function form (default) or ``1 - 3/(4m - 1)``.

    >>> exact, approx = hedges_correction([10, 10]), hedges_correction(10, exact=False)
    >>> round(float(exact[0]), 6), round(float(approx[0]), 6)
    (0.922746, 0.923077)
    """
    mm = _arr(m)
    if exact:
        return np.exp(
            special.gammaln(mm / 2) - 0.5 * np.log(mm / 2) - special.gammaln((mm - 1) / 2)
        )
    return 1 - 3 / (4 * mm - 1)


def hedges_g(
    m1: ArrayLike,
    sd1: ArrayLike,
    n1: ArrayLike,
    m2: ArrayLike,
    sd2: ArrayLike,
    n2: ArrayLike,
    *,
    exact: bool = True,
) -> YiVi:
    """Bias-corrected standardised mean difference (Hedges' g) and its variance.

    :param exact: exact gamma correction (default) or the ``1 - 3/(4N - 9)`` approximation.
    :returns: :class:`YiVi` with ``vi = 1/n1 + 1/n2 + g^2 / (2 (n1 + n2))``.

    >>> yv = hedges_g([55], [47], [155], [75], [64], [156])
    >>> round(float(yv.yi[0]), 4), round(float(yv.vi[0]), 4)
    (-0.3552, 0.0131)
    """
    a1, s1, k1, a2, s2, k2 = map(_arr, (m1, sd1, n1, m2, sd2, n2))
    df = k1 + k2 - 2
    sp = np.sqrt(((k1 - 1) * s1**2 + (k2 - 1) * s2**2) / df)
    g = hedges_correction(df, exact=exact) * (a1 - a2) / sp
    vi = 1 / k1 + 1 / k2 + g**2 / (2 * (k1 + k2))
    return YiVi(g, vi, np.zeros(g.size, dtype=bool))


def _cells(
    events1: ArrayLike, n1: ArrayLike, events2: ArrayLike, n2: ArrayLike, add: float
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _FloatArray, NDArray[np.bool_]]:
    a, k1, c, k2 = map(_arr, (events1, n1, events2, n2))
    b, d = k1 - a, k2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    inc = np.where(zero, add, 0.0)
    return a + inc, b + inc, c + inc, d + inc, zero


def log_risk_ratio(
    events1: ArrayLike, n1: ArrayLike, events2: ArrayLike, n2: ArrayLike, *, add: float = 0.5
) -> YiVi:
    """Log risk ratio ``log((a/n1)/(c/n2))``, variance ``1/a - 1/n1 + 1/c - 1/n2``.

    :param add: continuity correction added to every cell of studies with a zero cell.

    >>> yv = log_risk_ratio([4], [123], [11], [139])
    >>> round(float(yv.yi[0]), 4), round(float(yv.vi[0]), 4)
    (-0.8893, 0.3256)
    """
    a, b, c, d, zero = _cells(events1, n1, events2, n2, add)
    yi = np.log(a / (a + b)) - np.log(c / (c + d))
    vi = 1 / a - 1 / (a + b) + 1 / c - 1 / (c + d)
    return YiVi(yi, vi, zero)


def log_odds_ratio(
    events1: ArrayLike, n1: ArrayLike, events2: ArrayLike, n2: ArrayLike, *, add: float = 0.5
) -> YiVi:
    """Log odds ratio ``log(ad/bc)``, variance ``1/a + 1/b + 1/c + 1/d``.

    >>> yv = log_odds_ratio([4], [123], [11], [139])
    >>> round(float(yv.yi[0]), 4)
    -0.9387
    """
    a, b, c, d, zero = _cells(events1, n1, events2, n2, add)
    yi = np.log(a * d / (b * c))
    vi = 1 / a + 1 / b + 1 / c + 1 / d
    return YiVi(yi, vi, zero)


def risk_difference(
    events1: ArrayLike, n1: ArrayLike, events2: ArrayLike, n2: ArrayLike, *, add: float = 0.5
) -> YiVi:
    """Risk difference ``p1 - p2``, variance ``p1(1-p1)/n1 + p2(1-p2)/n2``.

    >>> yv = risk_difference([10], [100], [20], [100])
    >>> round(float(yv.yi[0]), 4), round(float(yv.vi[0]), 6)
    (-0.1, 0.0025)
    """
    a, b, c, d, zero = _cells(events1, n1, events2, n2, add)
    k1, k2 = a + b, c + d
    p1, p2 = a / k1, c / k2
    return YiVi(p1 - p2, p1 * (1 - p1) / k1 + p2 * (1 - p2) / k2, zero)


def _effect_conventions(md_variance: str, hedges: str, drop00: bool) -> dict[str, str]:
    return {
        "double_zero": (
            "studies with no events (or only events) in both groups are dropped before "
            "inverse-variance pooling (--drop00; metafor drop00=TRUE)"
            if drop00
            else "studies with no events (or only events) in both groups are kept, with 0.5 "
            "added to every cell (metafor default drop00=FALSE; --drop00 drops them)"
        ),
        "md_variance": (
            "pooled-SD variance sp^2 (1/n1 + 1/n2) (metafor escalc vtype='HO')"
            if md_variance == "pooled"
            else "sd1^2/n1 + sd2^2/n2 (unequal variances; metafor escalc vtype='LS')"
        ),
        "hedges_correction": (
            "approximation J = 1 - 3/(4N - 9), N = n1 + n2"
            if hedges == "approx"
            else "exact J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2)), m = n1 + n2 - 2 (metafor)"
        ),
        "smd_variance": "1/n1 + 1/n2 + g^2 / (2 (n1 + n2)) (large-sample; metafor vtype='LS')",
        "continuity_correction": "0.5 added to all four cells of studies with a zero cell "
        "(RR, OR, RD), none elsewhere",
        "ci_input": "yi,ci_lower,ci_upper read as a 95% normal CI: vi = ((upper - lower) / "
        "(2 * 1.959964))^2; RR/OR CIs on the ratio scale are log-transformed",
    }


def _check_variances(table: StudyTable, vi: _FloatArray, kept: NDArray[np.intp]) -> None:
    """Refuse a kept study whose sampling variance is not a positive number."""
    problems = [
        Problem(
            table.path,
            table.rows[i],
            "-",
            f"study {table.studies[i]!r} has sampling variance {vi[i]:g}; it must be "
            "positive (e.g. a risk difference with 0% or 100% risk in both arms)",
        )
        for i in kept[~(np.isfinite(vi[kept]) & (vi[kept] > 0))]
    ]
    if problems:
        raise StatsError(problems)


class EffectOptions(TypedDict, total=False):
    """The keyword options of :func:`effect_sizes` (same meanings)."""

    measure: str | None
    md_variance: str
    hedges: str
    drop00: bool


def effect_sizes(
    table: StudyTable,
    *,
    measure: str | None = None,
    md_variance: str = "unequal",
    hedges: str = "exact",
    drop00: bool = False,
) -> EffectSizes:
    """Compute effect sizes and variances for every study of a checked table.

    :param table: from :func:`~gutbone.stats.study_table.read_study_table`.
    :param measure: ``MD``/``SMD`` for means, ``RR``/``OR``/``RD`` for counts (defaults:
        MD and RR, as R meta), any of them or None (generic) for ``yi`` tables.
    :param md_variance: ``"unequal"`` (default) or ``"pooled"``.
    :param hedges: ``"exact"`` (default) or ``"approx"``.
    :param drop00: drop studies of 2x2 counts with no events (or only events) in both
        groups (metafor ``drop00=TRUE``); by default they are kept with the 0.5 correction.
    :returns: :class:`EffectSizes`.
    :raises StatsError: naming ``file:row:column`` for a measure that does not fit the
        form, a ratio CI with non-positive bounds, or counts where every study has no
        events (or only events) in both groups.
    """
    measure = _check_measure(table, measure, md_variance, hedges)
    label = measure if measure is not None else "GEN"
    notes: list[str] = []
    kept = np.arange(table.k)
    if table.form == "counts":
        yi, vi, kept = _count_effects(table, label, drop00, notes)
    elif table.form == "means":
        col = table.column
        args = (col("m1"), col("sd1"), col("n1"), col("m2"), col("sd2"), col("n2"))
        if measure == "MD":
            yv = mean_difference(*args, pooled=md_variance == "pooled")
        else:
            yv = hedges_g(*args, exact=hedges == "exact")
        yi, vi = yv.yi, yv.vi
    else:
        yi, vi = _given_effects(table, measure, notes)
    _check_variances(table, vi, kept)
    return EffectSizes(
        yi=np.asarray(yi, dtype=float)[kept],
        vi=np.asarray(vi, dtype=float)[kept],
        studies=tuple(table.studies[i] for i in kept),
        measure=label,
        notes=tuple(notes),
        subgroups=None if table.subgroups is None else tuple(table.subgroups[i] for i in kept),
        conventions=_effect_conventions(md_variance, hedges, drop00),
        rows=tuple(table.rows[i] for i in kept),
        kept=tuple(int(i) for i in kept),
    )


def _check_measure(
    table: StudyTable, measure: str | None, md_variance: str, hedges: str
) -> str | None:
    """Check the options; return the measure (the form's default when None)."""
    path = table.path
    if measure is not None and measure not in MEASURES:
        raise StatsError(
            [Problem(path, 0, "measure", f"{measure!r} is not one of {', '.join(MEASURES)}")]
        )
    if md_variance not in ("unequal", "pooled"):
        raise StatsError(
            [Problem(path, 0, "md_variance", f"{md_variance!r} is not unequal|pooled")]
        )
    if hedges not in ("exact", "approx"):
        raise StatsError([Problem(path, 0, "hedges", f"{hedges!r} is not exact|approx")])
    if table.form not in _FORM_MEASURES:
        return measure
    allowed = _FORM_MEASURES[table.form]
    if measure is None:
        return _DEFAULT_MEASURE[table.form]
    if measure not in allowed:
        raise StatsError(
            [
                Problem(
                    path,
                    1,
                    "-",
                    f"measure {measure} does not fit columns "
                    f"study,{','.join(table.values)}; use {' or '.join(allowed)}",
                )
            ]
        )
    return measure


def _given_effects(
    table: StudyTable, measure: str | None, notes: list[str]
) -> tuple[_FloatArray, _FloatArray]:
    """yi, vi of the forms that give the effect: yi,vi / yi,sei / yi,ci_lower,ci_upper."""
    col = table.column
    ratio = measure in ("RR", "OR")
    if table.form == "yi_vi":
        if ratio:
            notes.append(f"yi read as log {measure} (variances on the log scale)")
        return col("yi"), col("vi")
    if table.form == "yi_sei":
        if ratio:
            notes.append(f"yi read as log {measure} (standard errors on the log scale)")
        return col("yi"), col("sei") ** 2
    yi, lo, hi = col("yi"), col("ci_lower"), col("ci_upper")
    z = float(stats.norm.ppf(0.975))
    if ratio:
        problems = [
            Problem(
                table.path,
                table.rows[i],
                name,
                f"{values[i]:g} is not a positive {measure}; {measure} and its CI "
                "are read on the ratio scale (give log values as yi,vi or yi,sei)",
            )
            for name, values in (("yi", yi), ("ci_lower", lo), ("ci_upper", hi))
            for i in np.flatnonzero(values <= 0)
        ]
        if problems:
            raise StatsError(problems)
        yi, lo, hi = np.log(yi), np.log(lo), np.log(hi)
        notes.append(f"{measure} and its 95% CI read on the ratio scale and log-transformed")
    return yi, ((hi - lo) / (2 * z)) ** 2


def _count_effects(
    table: StudyTable, label: str, drop00: bool, notes: list[str]
) -> tuple[_FloatArray, _FloatArray, NDArray[np.intp]]:
    """yi, vi of 2x2 counts and the studies kept (see :func:`_double_zero_filter`)."""
    col = table.column
    func = {"RR": log_risk_ratio, "OR": log_odds_ratio, "RD": risk_difference}[label]
    yv = func(col("events1"), col("n1"), col("events2"), col("n2"))
    kept = _double_zero_filter(table, drop00, notes)
    corrected = [table.studies[i] for i in np.flatnonzero(yv.corrected) if i in set(kept)]
    if corrected:
        notes.append("0.5 added to every cell of studies with a zero cell: " + ", ".join(corrected))
    if label in ("RR", "OR"):
        notes.append(f"pooled on the log {label} scale; back-transformed values given")
    return yv.yi, yv.vi, kept


def _double_zero_filter(table: StudyTable, drop00: bool, notes: list[str]) -> NDArray[np.intp]:
    """Indices of the studies to pool; refuse a table of double-zero studies only."""
    e1, n1, e2, n2 = (table.column(c) for c in ("events1", "n1", "events2", "n2"))
    double = ((e1 == 0) & (e2 == 0)) | ((e1 == n1) & (e2 == n2))
    if double.all():
        raise StatsError(
            [
                Problem(
                    table.path,
                    table.rows[0],
                    "events1",
                    "every study has no events (or only events) in both groups: such "
                    "studies carry no information on a relative effect, so there is nothing "
                    "to pool",
                )
            ]
        )
    names = [table.studies[i] for i in np.flatnonzero(double)]
    if names and drop00:
        notes.append("dropped (no events or only events in both groups): " + ", ".join(names))
    elif names:
        notes.append(
            "kept with 0.5 added to every cell although they have no events (or only "
            "events) in both groups (metafor default; --drop00 drops them): " + ", ".join(names)
        )
    return np.flatnonzero(~double) if drop00 else np.arange(table.k)
