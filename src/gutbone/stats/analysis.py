"""The CSV entry point: study table -> effect sizes -> pooling, sensitivity and bias tests.

What ``gutbone meta`` reports, as a library call: :func:`analyse_csv` reads the table,
computes the effect sizes, pools them (inverse-variance models or Mantel-Haenszel), and
adds leave-one-out, Egger's and Begg's tests and trim-and-fill when there are at least
three studies. A test that cannot be computed for the data (Egger with equal standard
errors, Begg with equal variances...) is reported as not computable with the reason,
and the rest is produced. :func:`regression_from_csv` fits a meta-regression on
moderator columns of the same table; :func:`meta_analysis_from_csv` returns the pooled
result alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np

from gutbone.errors import Problem, StatsError
from gutbone.stats.bias import (
    BeggResult,
    EggerResult,
    TrimFillResult,
    begg_test,
    egger_test,
    trim_and_fill,
)
from gutbone.stats.effect_sizes import EffectOptions, EffectSizes, effect_sizes
from gutbone.stats.leave_one_out import leave_one_out
from gutbone.stats.mantel_haenszel import mh_from_table, mh_leave_one_out
from gutbone.stats.meta import pool, pool_subgroups
from gutbone.stats.regression import meta_regression
from gutbone.stats.results import LeaveOneOut, MetaRegressionResult, MetaResult
from gutbone.stats.study_table import StudyTable, read_study_table

__all__ = [
    "MIN_STUDIES_SENSITIVITY",
    "LOW_POWER_STUDIES",
    "MetaAnalysis",
    "analyse_csv",
    "analyse_table",
    "TableOptions",
    "AnalysisOptions",
    "meta_analysis_from_csv",
    "regression_from_csv",
    "MIN_STUDIES_REGRESSION",
    "ModeratorCheck",
    "moderator_checks",
]

#: Fewer studies than this per moderator: a meta-regression cannot support a conclusion
#: (Cochrane Handbook for Systematic Reviews of Interventions, version 6.4, section
#: 10.11.5.1: "meta-regression should generally not be considered when there are fewer
#: than ten studies in a meta-analysis").
MIN_STUDIES_REGRESSION = 10

#: Leave-one-out, Egger, Begg and trim-and-fill run from this many studies on.
MIN_STUDIES_SENSITIVITY = 3
#: Below this many studies the funnel-plot asymmetry tests are flagged as low-powered.
LOW_POWER_STUDIES = 10


@dataclass(frozen=True)
class MetaAnalysis:
    """Everything ``gutbone meta`` reports for a study table.

    :param result: the pooled result.
    :param leave_one_out: the leave-one-out table, or None.
    :param egger: Egger's test, or None. :param begg: Begg's test, or None.
    :param trim_and_fill: trim-and-fill, or None.
    :param not_computable: analysis name -> why it was not computed.
    :param notes: the pooled result's notes plus notes on the sensitivity analyses.
    """

    result: MetaResult
    leave_one_out: LeaveOneOut | None = None
    egger: EggerResult | None = None
    begg: BeggResult | None = None
    trim_and_fill: TrimFillResult | None = None
    not_computable: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """JSON form: the pooled result, ``notes``, the four analyses, ``not_computable``.

        An analysis that was not run is ``null``; ``not_computable`` says why.
        """
        payload = self.result.to_json_dict()
        payload["notes"] = list(self.notes)
        for key in ("leave_one_out", "egger", "begg", "trim_and_fill"):
            value = getattr(self, key)
            payload[key] = None if value is None else value.to_json_dict()
        payload["not_computable"] = dict(self.not_computable)
        return payload


def _attempt(name: str, func: Callable[[], Any], failed: dict[str, str]) -> Any:
    """Run one optional analysis; record why it could not be computed instead of failing."""
    try:
        return func()
    except StatsError as exc:
        failed[name] = "; ".join(p.message for p in exc.problems)
    except (np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError, ValueError) as exc:
        failed[name] = f"numerical failure ({type(exc).__name__}: {exc})"
    return None


class TableOptions(EffectOptions, total=False):
    """How :func:`meta_analysis_from_csv` pools a table (meanings as in :func:`analyse_table`).

    The options of :func:`~gutbone.stats.effect_sizes.effect_sizes`, and of the pooling.
    """

    model: str
    hksj: bool
    level: float
    pi_method: str
    heterogeneity_ci: bool
    rd_variance: str


class AnalysisOptions(TableOptions, total=False):
    """The options of :func:`analyse_csv`: those of :func:`analyse_table`."""

    egger: str
    sensitivity: bool


def analyse_table(
    table: StudyTable,
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    pi_method: str = "z",
    heterogeneity_ci: bool = True,
    egger: str = "classical",
    rd_variance: str = "GR",
    sensitivity: bool = True,
    **effect_options: Unpack[EffectOptions],
) -> MetaAnalysis:
    """Pool a checked study table and run the sensitivity and small-study analyses.

    With ``model="MH"`` the 2x2 counts are pooled by the Mantel-Haenszel method
    (:func:`gutbone.stats.mantel_haenszel.pool_mh`); the table must then have the columns
    ``study,events1,n1,events2,n2`` and the measure be RR (default), OR or RD.

    :param table: from :func:`~gutbone.stats.study_table.read_study_table`.
    :param model: ``"FE"``, a tau^2 estimator of :data:`gutbone.stats.meta.MODELS`, or
        ``"MH"``.
    :param hksj: Hartung-Knapp adjustment (not with ``"MH"``).
    :param level: confidence level. :param pi_method: ``"z"`` or ``"t(k-2)"``.
    :param heterogeneity_ci: Q-profile intervals for tau^2, I^2, H^2 (see
        :func:`gutbone.stats.meta.pool`).
    :param egger: ``"classical"`` or ``"mixed"`` (see :func:`gutbone.stats.bias.egger_test`).
    :param rd_variance: MH risk-difference variance, ``"GR"`` (Greenland & Robins 1985)
        or ``"Sato"`` (Sato et al. 1989, metafor); MH only.
    :param sensitivity: run leave-one-out, Egger, Begg and trim-and-fill (False: the
        pooled result alone, the four analyses None).
    :param effect_options: how the effect sizes are computed, as
        :func:`~gutbone.stats.effect_sizes.effect_sizes`: ``measure`` (``MD``, ``SMD``,
        ``RR``, ``OR``, ``RD``, or None for the form's default; the one option MH uses),
        ``md_variance`` (``"unequal"`` or ``"pooled"``), ``hedges`` (``"exact"`` or
        ``"approx"``) and ``drop00`` (drop double-zero studies before inverse-variance
        pooling).
    :returns: a :class:`MetaAnalysis`.
    :raises StatsError: for input the pooling itself cannot use.
    """
    if model == "MH":
        measure = effect_options.get("measure")
        if not sensitivity:
            return MetaAnalysis(_mh_result(table, measure, hksj, level, rd_variance))
        return _analyse_mh(table, measure, hksj, level, pi_method, egger, rd_variance)
    es = effect_sizes(table, **effect_options)
    result = _pool_effects(es, model, hksj, level, pi_method, heterogeneity_ci)
    if not sensitivity:
        return MetaAnalysis(result, notes=result.notes)
    return _analyse_effects(es, result, pi_method, egger)


def _analyse_effects(
    es: EffectSizes, result: MetaResult, pi_method: str, egger: str
) -> MetaAnalysis:
    """The sensitivity and small-study analyses of pooled effect sizes (same model)."""
    model, level = result.model, result.level
    notes = list(result.notes)
    failed: dict[str, str] = {}
    k = result.k
    if k < MIN_STUDIES_SENSITIVITY:
        reason = f"needs at least {MIN_STUDIES_SENSITIVITY} studies, got {k}"
        failed.update({name: reason for name in ("leave_one_out", "egger", "begg")})
        failed["trim_and_fill"] = reason
        notes.append("leave-one-out, Egger, Begg and trim-and-fill need at least 3 studies")
        return MetaAnalysis(result, not_computable=failed, notes=tuple(notes))
    yi, vi, studies = es.yi, es.vi, es.studies
    options: dict[str, Any] = dict(model=model, hksj=result.hksj)
    loo = _attempt(
        "leave_one_out",
        lambda: leave_one_out(yi, vi, level=level, studies=studies, **options),
        failed,
    )
    egg = _attempt("egger", lambda: egger_test(yi, vi, variant=egger, **options), failed)
    begg = _attempt("begg", lambda: begg_test(yi, vi), failed)
    tf = _attempt(
        "trim_and_fill",
        lambda: trim_and_fill(
            yi, vi, level=level, measure=es.measure, studies=studies, pi_method=pi_method,
            **options,
        ),
        failed,
    )  # fmt: skip
    if loo is not None and not loo.converged:
        notes.append(f"leave-one-out: the {model} estimate of tau2 did not converge in every fit")
    notes.extend(_sensitivity_notes(k, failed))
    return MetaAnalysis(result, loo, egg, begg, tf, failed, tuple(notes))


def _sensitivity_notes(k: int, failed: Mapping[str, str]) -> list[str]:
    notes = [f"{name.replace('_', '-')} not computable: {why}" for name, why in failed.items()]
    if MIN_STUDIES_SENSITIVITY <= k < LOW_POWER_STUDIES:
        notes.append("fewer than 10 studies: funnel-plot asymmetry tests have low power")
    return notes


def _mh_result(
    table: StudyTable, measure: str | None, hksj: bool, level: float, rd_variance: str
) -> MetaResult:
    """Mantel-Haenszel pooling of a table (no Hartung-Knapp adjustment)."""
    if hksj:
        message = "the Hartung-Knapp adjustment is for random-effects models, not "
        message += "Mantel-Haenszel (--model MH)"
        raise StatsError([Problem(table.path, 0, "hksj", message)])
    return mh_from_table(table, measure=measure, level=level, rd_variance=rd_variance)


def _analyse_mh(
    table: StudyTable,
    measure: str | None,
    hksj: bool,
    level: float,
    pi_method: str,
    egger: str,
    rd_variance: str,
) -> MetaAnalysis:
    """``model="MH"``: Mantel-Haenszel pooling, then the same analyses where defined."""
    result = _mh_result(table, measure, hksj, level, rd_variance)
    notes = list(result.notes)
    if pi_method != "z":
        notes.append("--pi is ignored with --model MH: the prediction interval is the CI")
    failed: dict[str, str] = {}  # analyses that raised
    skipped: dict[str, str] = {}  # analyses not run for lack of studies
    loo = None
    if result.k >= MIN_STUDIES_SENSITIVITY:
        counts = (table.column(c) for c in ("events1", "n1", "events2", "n2"))
        loo = _attempt(
            "leave_one_out",
            lambda: mh_leave_one_out(
                *counts, measure=result.measure, level=level, studies=result.studies,
                rd_variance=rd_variance,
            ),
            failed,
        )  # fmt: skip
    else:
        skipped["leave_one_out"] = f"needs at least 3 studies, got {result.k}"
        notes.append("leave-one-out needs at least 3 studies")
    yi, vi = np.asarray(result.yi), np.asarray(result.vi)
    has = np.isfinite(yi)
    egg = begg = None
    if int(has.sum()) >= MIN_STUDIES_SENSITIVITY:
        egg = _attempt(
            "egger", lambda: egger_test(yi[has], vi[has], variant=egger, model="FE"), failed
        )
        begg = _attempt("begg", lambda: begg_test(yi[has], vi[has]), failed)
        notes.append(
            "Egger's and Begg's tests use the study yi/vi (0.5 added to zero-cell studies) "
            "with the inverse-variance fixed-effect model"
            + (" (mixed variant: fixed-effect meta-regression)" if egger == "mixed" else "")
        )
    else:
        skipped["egger"] = skipped["begg"] = "needs at least 3 studies with a study estimate"
        notes.append("Egger and Begg tests need at least 3 studies with a study estimate")
    notes.append("trim-and-fill is not defined for Mantel-Haenszel pooling (as metafor trimfill)")
    notes.extend(_sensitivity_notes(int(has.sum()), failed))
    skipped["trim_and_fill"] = "not defined for Mantel-Haenszel pooling"
    return MetaAnalysis(result, loo, egg, begg, None, {**skipped, **failed}, tuple(notes))


def _pool_effects(
    es: EffectSizes,
    model: str,
    hksj: bool,
    level: float,
    pi_method: str,
    heterogeneity_ci: bool,
) -> MetaResult:
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
    if hksj and es.yi.size < 2:
        raise StatsError(
            [Problem("-", 0, "hksj", "the Hartung-Knapp adjustment needs at least two studies")]
        )
    if es.subgroups is not None:
        return pool_subgroups(es.yi, es.vi, es.subgroups, **kwargs)
    return pool(es.yi, es.vi, **kwargs)


def analyse_csv(path: str, **options: Unpack[AnalysisOptions]) -> MetaAnalysis:
    """Read a study CSV and analyse it (:func:`analyse_table` with the same options).

    :raises InputError: naming file, row and column for any bad input.
    """
    return analyse_table(read_study_table(path), **options)


def meta_analysis_from_csv(path: str, **options: Unpack[TableOptions]) -> MetaResult:
    """Read a study CSV, compute effect sizes and pool them (with subgroups if given).

    :param path: CSV in one of the input forms of docs/statistics.md ("Input").
    :param options: ``measure``, ``model``, ``hksj``, ``level``, ``md_variance``,
        ``hedges``, ``pi_method``, ``heterogeneity_ci``, ``rd_variance`` and ``drop00``, as
        in :func:`analyse_table` (which runs without the sensitivity analyses).
    :returns: the pooled :class:`~gutbone.stats.results.MetaResult`.
    :raises InputError: naming file, row and column for any bad input.
    """
    return analyse_table(read_study_table(path), sensitivity=False, **options).result


def regression_from_csv(
    path: str,
    mods: Sequence[str],
    *,
    model: str = "REML",
    hksj: bool = False,
    level: float = 0.95,
    **effect_options: Unpack[EffectOptions],
) -> MetaRegressionResult:
    """Meta-regression of a study table's effect sizes on some of its columns.

    A moderator column whose cells all read as numbers is continuous, any other is
    categorical (treatment coding, see :mod:`gutbone.stats.regression`); ``subgroup`` may
    be used as a moderator. Studies with a blank moderator cell are left out (with a note).

    :param path: the study CSV. :param mods: moderator column names.
    :param model: ``"FE"`` or a tau^2 estimator (MH is not a regression model).
    :param hksj: Knapp-Hartung adjustment. :param level: confidence level.
    :param effect_options: ``measure``, ``md_variance``, ``hedges``, ``drop00``, as
        :func:`~gutbone.stats.effect_sizes.effect_sizes`.
    :returns: a :class:`~gutbone.stats.results.MetaRegressionResult`.
    :raises InputError: for bad input; :raises StatsError: for a missing moderator
        column, too few studies, or moderators without variation.
    """
    table = read_study_table(path)
    if model == "MH":
        raise StatsError(
            [Problem(table.path, 0, "model", "Mantel-Haenszel pooling has no meta-regression")]
        )
    columns = dict(table.other)
    if table.subgroups is not None:
        columns["subgroup"] = table.subgroups
    missing = [name for name in mods if name not in columns]
    if missing or not mods:
        available = ", ".join(sorted(columns)) or "none"
        raise StatsError(
            [
                Problem(table.path, 1, name or "mods", f"no moderator column {name!r} "
                        f"(columns available: {available})")
                for name in (missing or [""])
            ]
        )  # fmt: skip
    es = effect_sizes(table, **effect_options)
    values = {name: [columns[name][i] for i in es.kept] for name in mods}
    complete = [i for i in range(len(es.kept)) if all(values[n][i] != "" for n in mods)]
    notes = list(es.notes)
    if len(complete) < len(es.kept):
        left = [es.studies[i] for i in range(len(es.kept)) if i not in set(complete)]
        notes.append(f"{len(left)} studies without a moderator value left out: {', '.join(left)}")
    return meta_regression(
        es.yi[complete],
        es.vi[complete],
        {name: [values[name][i] for i in complete] for name in mods},
        model=model,
        hksj=hksj,
        level=level,
        measure=es.measure,
        studies=[es.studies[i] for i in complete],
        notes=notes,
    )


@dataclass(frozen=True)
class ModeratorCheck:
    """Meta-regression of a table's effect sizes on one moderator, or why there is none.

    :param moderator: the column. :param k: studies with a value of it.
    :param result: the fit, or None when it cannot be estimated.
    :param reason: why there is no fit (None when there is one).
    :param too_few: fewer than :data:`MIN_STUDIES_REGRESSION` studies: the fit is shown
        but cannot support a conclusion.
    """

    moderator: str
    k: int
    result: MetaRegressionResult | None
    reason: str | None
    too_few: bool


def moderator_checks(
    path: str, *, model: str = "REML", measure: str | None = None
) -> tuple[ModeratorCheck, ...]:
    """Meta-regression on each moderator column of a study table, one at a time.

    Every column that is not part of the input form (nor ``study``/``study_en``) is a
    moderator, ``subgroup`` included. One moderator per model: with the few studies of a
    typical table, models with several moderators cannot be estimated.

    :param path: the study CSV. :param model: tau^2 estimator.
    :param measure: effect measure (None: the form's default).
    :returns: one :class:`ModeratorCheck` per moderator column, in file order.
    :raises InputError: for a bad table.
    """
    table = read_study_table(path)
    names = [name for name in table.other if name != "study_en"]
    checks = []
    for name in names:
        values = table.other[name]
        k = sum(1 for value in values if value != "")
        try:
            result = regression_from_csv(path, [name], model=model, measure=measure)
        except StatsError as exc:
            reason = "; ".join(p.message for p in exc.problems)
            checks.append(ModeratorCheck(name, k, None, reason, k < MIN_STUDIES_REGRESSION))
            continue
        checks.append(ModeratorCheck(name, k, result, None, k < MIN_STUDIES_REGRESSION))
    return tuple(checks)
