"""Evidence synthesis at build time: recompute pooled outcomes and compare with the source.

For each row of ``data/outcomes.csv`` the study-level rows in ``data/studies/`` are pooled
by :mod:`gutbone.stats.meta` with the model the source says it used, and the result is
compared with what the source prints. The recomputed numbers become the edge's effect
(its weight); the printed ones are kept beside them. A disagreement beyond rounding is
reported, never hidden: the comparison lists each quantity that differs, and the curation
note of the outcome must explain it (tests check that it does).

Agreement rule: a printed value with *d* decimals agrees when the recomputed value is
within one unit of its last digit (half a unit for rounding the output, the rest for the
rounding of the printed study-level inputs); I² agrees within 5 percentage points, because
study rows rebuilt from intervals printed to two decimals move I² noticeably.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from gutbone.curation import CuratedData, Edge, Effect, Outcome
from gutbone.stats.analysis import meta_analysis_from_csv
from gutbone.stats.results import MetaResult

__all__ = ["OutcomeCheck", "check_outcomes", "apply_recomputed_effects", "I2_TOLERANCE"]

#: I² agreement tolerance, in percentage points.
I2_TOLERANCE = 5.0
_RATIO = ("RR", "OR")


@dataclass(frozen=True)
class OutcomeCheck:
    """One pooled outcome: what the source prints next to what gutbone recomputes.

    ``recomputed`` holds estimate, ci_lower, ci_upper (on the printed scale: ratio
    measures back-transformed), i2 (percent) and p. ``agrees`` is None when the source
    prints no pooled value to compare with.
    """

    outcome_id: str
    edge_id: str
    measure: str
    model: str
    study_file: str
    reported: Mapping[str, Decimal | None]
    recomputed: Mapping[str, float]
    result: MetaResult
    agrees: bool | None
    differences: tuple[str, ...]
    note: str


def _on_printed_scale(result: MetaResult, measure: str) -> dict[str, float]:
    values = {
        "estimate": result.estimate,
        "ci_lower": result.ci_lower,
        "ci_upper": result.ci_upper,
        "i2": result.i2,
        "p": result.p,
    }
    if measure in _RATIO:
        for key in ("estimate", "ci_lower", "ci_upper"):
            values[key] = math.exp(values[key])
    return values


def _tolerance(name: str, printed: Decimal) -> float:
    if name == "i2":
        return I2_TOLERANCE
    exponent = printed.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return 10.0 ** (-decimals) + 1e-12


def _compare(reported: Mapping[str, Decimal | None], recomputed: Mapping[str, float]) -> list[str]:
    differences = []
    for name, printed in reported.items():
        if printed is None or name not in recomputed:
            continue
        value = recomputed[name]
        if name == "p":
            # p values are printed with very different precision ("< 0.001"): compare
            # only the side of 0.05 they fall on.
            if (float(printed) < 0.05) != (value < 0.05):
                differences.append(f"p: printed {printed}, recomputed {value:.4g}")
            continue
        if abs(value - float(printed)) > _tolerance(name, printed):
            differences.append(f"{name}: printed {printed}, recomputed {value:.4g}")
    return differences


def check_outcome(outcome: Outcome) -> OutcomeCheck:
    """Pool one outcome's study rows and compare with the printed values."""
    result = meta_analysis_from_csv(
        str(outcome.study_file), measure=outcome.measure, model=outcome.model
    )
    recomputed = _on_printed_scale(result, outcome.measure)
    printed = {name: value for name, value in outcome.reported.items() if value is not None}
    differences = _compare(outcome.reported, recomputed)
    return OutcomeCheck(
        outcome_id=outcome.id,
        edge_id=outcome.edge,
        measure=outcome.measure,
        model=outcome.model,
        study_file=outcome.study_file.name,
        reported=dict(outcome.reported),
        recomputed=recomputed,
        result=result,
        agrees=None if not printed else not differences,
        differences=tuple(differences),
        note=outcome.note,
    )


def check_outcomes(data: CuratedData) -> tuple[OutcomeCheck, ...]:
    """Recompute every pooled outcome of ``data`` (in id order).

    :raises gutbone.errors.InputError: a study file is malformed (file, row, column named).
    """
    return tuple(check_outcome(data.outcomes[key]) for key in sorted(data.outcomes))


def _decimal(value: float, digits: int = 6) -> Decimal | None:
    if not math.isfinite(value):
        return None
    return Decimal(f"{value:.{digits}g}")


def _recomputed_effect(edge: Edge, check: OutcomeCheck) -> Effect:
    values = check.recomputed
    result = check.result
    curated = edge.effect
    return Effect(
        measure=check.measure,
        estimate=_decimal(values["estimate"]),
        ci_lower=_decimal(values["ci_lower"]),
        ci_upper=_decimal(values["ci_upper"]),
        p=_decimal(values["p"]),
        i2=_decimal(max(values["i2"], 0.0)),
        tau2=_decimal(max(result.tau2, 0.0)),
        k=result.k,
        n=curated.n if curated is not None else None,
        model=check.model,
    )


def apply_recomputed_effects(data: CuratedData, checks: tuple[OutcomeCheck, ...]) -> CuratedData:
    """Return ``data`` whose outcome edges carry the recomputed effect.

    The curated (printed) effect moves to ``Edge.reported_effect``; edges without an
    outcome are unchanged.
    """
    edges = dict(data.edges)
    for check in checks:
        edge = edges.get(check.edge_id)
        if edge is None:
            continue
        edges[edge.id] = replace(
            edge, effect=_recomputed_effect(edge, check), reported_effect=edge.effect
        )
    return replace(data, edges=edges)
