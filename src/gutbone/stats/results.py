"""Result types of the statistics engine (JSON keys: docs/statistics.md).

Field names are the JSON keys of ``gutbone meta --format json``.

They live apart from the code that computes them, so the pooling, Mantel-Haenszel,
leave-one-out, bias and regression modules can all return (and read) them without
importing each other. Numbers that do not exist for the data (a Q p value for one
study...) are NaN and become ``null`` in the ``to_json_dict`` forms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "RATIO_MEASURES",
    "jsonable",
    "MetaResult",
    "SubgroupResult",
    "PooledEstimate",
    "LeaveOneOut",
    "Coefficient",
    "MetaRegressionResult",
]

#: Measures pooled on the log scale and back-transformed with ``exp``.
RATIO_MEASURES: frozenset[str] = frozenset({"RR", "OR"})


def jsonable(value: Any) -> Any:
    """Turn floats, tuples, mappings and numpy scalars into JSON-ready values.

    >>> jsonable((1.5, float("nan"), np.float64(2.0)))
    [1.5, None, 2.0]
    """
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, tuple | list | np.ndarray):
        return [jsonable(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return jsonable(asdict(value))
    return value


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

        >>> from gutbone.stats.meta import pooled_estimate
        >>> pooled_estimate([0.1, 0.3], [0.01, 0.02], model="FE").to_json_dict()["k"]
        2
        """
        return {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class MetaResult(PooledEstimate):
    """Result of a meta-analysis; field names are the JSON keys of ``gutbone meta --format json``.

    The pooled numbers are the fields of :class:`PooledEstimate`; the rest are the per-study
    values, subgroups, heterogeneity intervals, conventions and notes. Numbers that do not
    exist for the data (a Q p value for one study...) are NaN and become ``null`` in
    :meth:`to_json_dict`. ``z`` holds the t statistic when ``test == "t"`` (HKSJ), with
    ``df`` its degrees of freedom.
    """

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
    tau: float = 0.0
    tau2_ci_lower: float = math.nan
    tau2_ci_upper: float = math.nan
    i2_ci_lower: float = math.nan
    i2_ci_upper: float = math.nan
    h2_ci_lower: float = math.nan
    h2_ci_upper: float = math.nan
    back_transformed: Mapping[str, float] | None = None
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN and infinities become ``None``).

        >>> from gutbone.stats.meta import pool
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
                out[f.name] = jsonable(value)
        return out


@dataclass(frozen=True)
class LeaveOneOut:
    """Leave-one-out table: entry i is the meta-analysis without study i.

    Every field but ``studies``/``model``/``test``/``converged``/``iterations`` is a tuple
    of length k. ``converged`` is False when the tau^2 estimate of any of the k fits did
    not converge (``iterations`` is the most any fit took).
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
    converged: bool = True
    iterations: int = 0

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
        converged: bool = True,
        iterations: int = 0,
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
            converged=converged,
            iterations=iterations,
        )

    def to_json_dict(self) -> dict[str, Any]:
        """Return a list-of-rows JSON form under ``rows``."""
        keys = ("estimate", "se", "ci_lower", "ci_upper", "z", "p", "tau2", "q", "q_p", "i2", "h2")
        rows = []
        for i, study in enumerate(self.studies):
            row: dict[str, Any] = {"study": study}
            for key in keys:
                row[key] = jsonable(getattr(self, key)[i])
            rows.append(row)
        return {
            "model": self.model,
            "test": self.test,
            "converged": self.converged,
            "iterations": self.iterations,
            "rows": rows,
        }


@dataclass(frozen=True)
class Coefficient:
    """One coefficient of a meta-regression.

    :param name: ``intrcpt``, a numeric moderator's column name, or column name plus
        level for a level of a categorical moderator (``allocrandom``, as R names them).
    :param estimate: the coefficient. :param se: its standard error.
    :param stat: z, or t with the Knapp-Hartung adjustment. :param p: two-sided p value.
    :param ci_lower: lower confidence bound. :param ci_upper: upper confidence bound.
    """

    name: str
    estimate: float
    se: float
    stat: float
    p: float
    ci_lower: float
    ci_upper: float

    def to_json_dict(self, test: str = "z") -> dict[str, Any]:
        """JSON form; the statistic is keyed ``z`` or ``t`` after ``test``."""
        return {
            "name": self.name,
            "estimate": jsonable(self.estimate),
            "se": jsonable(self.se),
            test: jsonable(self.stat),
            "p": jsonable(self.p),
            "ci_lower": jsonable(self.ci_lower),
            "ci_upper": jsonable(self.ci_upper),
        }


@dataclass(frozen=True)
class MetaRegressionResult:
    """Mixed-effects (or fixed-effect) meta-regression, as metafor ``rma(yi, vi, mods=)``.

    ``tau2``, ``i2``, ``h2`` are residual heterogeneity; ``r2`` the percentage of the
    intercept-only model's tau^2 that the moderators account for; ``qm`` the omnibus
    test of every coefficient but the intercept (chi-square on ``qm_df`` df, or with the
    Knapp-Hartung adjustment an F statistic on ``qm_df`` and ``qm_df2`` df); ``qe`` the
    test for residual heterogeneity on ``qe_df`` df. ``moderators`` holds the design
    columns (without the intercept) by coefficient name, in study order, and ``vcov`` the
    covariance matrix of the coefficients.
    """

    k: int
    coefficients: tuple[Coefficient, ...]
    tau2: float
    i2: float
    h2: float
    r2: float
    qm: float
    qm_df: int
    qm_p: float
    qe: float
    qe_df: int
    qe_p: float
    model: str
    measure: str
    test: str = "z"
    df: float | None = None
    qm_df2: int | None = None
    level: float = 0.95
    hksj: bool = False
    tau: float = 0.0
    tau2_ci_lower: float = math.nan
    tau2_ci_upper: float = math.nan
    converged: bool = True
    iterations: int = 0
    studies: tuple[str, ...] = ()
    yi: tuple[float, ...] = ()
    vi: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()
    moderators: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    vcov: tuple[tuple[float, ...], ...] = ()
    conventions: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def coefficient(self, name: str) -> Coefficient:
        """The coefficient called ``name``.

        :raises KeyError: if there is none.
        """
        for coef in self.coefficients:
            if coef.name == name:
                return coef
        raise KeyError(name)

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``coefficients`` is a list of objects (see :class:`Coefficient`)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "coefficients":
                out[f.name] = [c.to_json_dict(self.test) for c in value]
            else:
                out[f.name] = jsonable(value)
        return out
