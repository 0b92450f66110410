"""Two-step Mendelian randomization mediation by the product of coefficients.

Step 1 estimates ``a`` (exposure -> mediator), step 2 ``b`` (mediator -> outcome,
ideally adjusted for the exposure); the indirect effect is ``a*b`` (Burgess et al 2015,
doi:10.1093/ije/dyv074; Carter et al 2021, doi:10.1007/s10654-021-00757-1). With the
total effect ``c`` (exposure -> outcome) the direct effect is ``c - a*b`` and the
proportion mediated ``a*b / c``.

Standard errors (``method="delta"``):

* indirect, first order (Sobel 1982): ``sqrt(a² se_b² + b² se_a²)``;
  second order (``aroian=True``, Aroian 1947; Baron & Kenny 1986):
  ``sqrt(a² se_b² + b² se_a² + se_a² se_b²)``;
* direct: ``sqrt(se_c² + se_indirect²)``;
* proportion, first-order delta method:
  ``sqrt((b/c)² se_a² + (a/c)² se_b² + (a b / c²)² se_c²)``;

all assuming ``a``, ``b`` and ``c`` are estimated independently (no sample overlap).
Intervals are normal; p values two-sided. ``method="mc"`` draws ``a``, ``b``, ``c``
from independent normals and reports percentile intervals (MacKinnon, Lockwood &
Williams 2004, doi:10.1207/s15327906mbr3901_4).

>>> r = mediate(0.5, 0.1, 0.4, 0.1, total=0.4, total_se=0.1)
>>> round(r.indirect, 6), round(r.indirect_se, 6), round(r.proportion, 6)
(0.2, 0.064031, 0.5)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from gutbone.errors import Problem, StatsError

__all__ = [
    "DEFAULT_DRAWS",
    "DEFAULT_MC_SEED",
    "PathCoefficients",
    "MediationResult",
    "mediate",
]

#: Monte Carlo draws for ``method="mc"``.
DEFAULT_DRAWS = 100_000
#: Seed of the Monte Carlo generator (numpy PCG64).
DEFAULT_MC_SEED = 20_240_601


@dataclass(frozen=True)
class PathCoefficients:
    """The effects a mediation combines: the inputs of :func:`mediate`.

    :param a: exposure -> mediator estimate.
    :param a_se: its standard error.
    :param b: mediator -> outcome estimate.
    :param b_se: its standard error.
    :param total: exposure -> outcome estimate, if given.
    :param total_se: its standard error, if given.
    """

    a: float
    a_se: float
    b: float
    b_se: float
    total: float | None
    total_se: float | None


@dataclass(frozen=True)
class MediationResult(PathCoefficients):
    """Indirect, direct and proportion mediated (the ``gutbone mediate`` JSON).

    The inputs (the fields of :class:`PathCoefficients`), then the results. Fields that
    need the total effect are ``None`` when it is not given; ``direct_se`` and the
    proportion interval also need ``total_se``.

    :param indirect: ``a * b``.
    :param indirect_se: its standard error (delta method, or SD of the draws for mc).
    :param indirect_ci_lower: lower bound of its ``1 - alpha`` interval.
    :param indirect_ci_upper: upper bound.
    :param indirect_p: two-sided p value of ``indirect = 0``.
    :param direct: ``total - indirect``.
    :param direct_se: its standard error.
    :param direct_ci_lower: lower bound of its interval.
    :param direct_ci_upper: upper bound.
    :param direct_p: two-sided p value of ``direct = 0``.
    :param proportion: ``indirect / total`` (signed; see ``notes``).
    :param proportion_se: its standard error.
    :param proportion_ci_lower: lower bound of its interval.
    :param proportion_ci_upper: upper bound.
    :param method: ``"delta"`` or ``"mc"``.
    :param se_order: ``"first"`` (Sobel) or ``"second"`` (Aroian), for ``"delta"``.
    :param alpha: 1 - confidence level.
    :param draws: Monte Carlo draws (``None`` for delta).
    :param seed: Monte Carlo seed (``None`` for delta).
    :param conventions: formulas and assumptions used.
    :param notes: sign conventions and warnings that affect interpretation.
    """

    indirect: float
    indirect_se: float
    indirect_ci_lower: float
    indirect_ci_upper: float
    indirect_p: float
    direct: float | None
    direct_se: float | None
    direct_ci_lower: float | None
    direct_ci_upper: float | None
    direct_p: float | None
    proportion: float | None
    proportion_se: float | None
    proportion_ci_lower: float | None
    proportion_ci_upper: float | None
    method: str
    se_order: str
    alpha: float
    draws: int | None = None
    seed: int | None = None
    conventions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    notes: tuple[str, ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dictionary (non-finite floats -> ``None``).

        >>> sorted(mediate(1.0, 0.1, 1.0, 0.1).to_json_dict())[:5]
        ['a', 'a_se', 'alpha', 'b', 'b_se']
        """
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, float) and not math.isfinite(value):
                value = None
            out[item.name] = value
        return out


def _check(name: str, value: float | None, *, se: bool, problems: list[Problem]) -> None:
    """Record a problem when ``value`` is not finite (or not > 0 for a standard error)."""
    if value is None:
        return
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(Problem("mediate", 0, name, f"{value!r} is not a finite number"))
    elif se and value <= 0:
        problems.append(Problem("mediate", 0, name, f"standard error must be > 0, got {value}"))
    elif abs(value) > _LIMIT or (se and value < 1 / _LIMIT):
        problems.append(
            Problem(
                "mediate",
                0,
                name,
                f"{value:g} is outside the supported range (|value| <= {_LIMIT:g}, standard "
                f"errors >= {1 / _LIMIT:g}: their squares must stay finite and non-zero)",
            )
        )


#: Largest |estimate| and inverse of the smallest standard error accepted.
_LIMIT = 1e100


def _wald_p(estimate: float, se: float) -> float:
    """Two-sided normal p value (NaN when the standard error is 0, e.g. a = b = 0)."""
    if se == 0:
        return math.nan
    return float(2 * stats.norm.sf(abs(estimate / se)))


def _check_options(method: str, aroian: bool, alpha: float, draws: int) -> None:
    """Refuse an unknown method, Aroian with Monte Carlo, a bad alpha or too few draws."""
    if method not in ("delta", "mc"):
        raise ValueError(f"method must be 'delta' or 'mc', got {method!r}")
    if aroian and method != "delta":
        raise ValueError("aroian applies to method='delta' only")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    if method == "mc" and draws < 100:
        raise ValueError(f"draws must be >= 100, got {draws}")


def mediate(
    a: float,
    a_se: float,
    b: float,
    b_se: float,
    total: float | None = None,
    total_se: float | None = None,
    method: Literal["delta", "mc"] = "delta",
    *,
    aroian: bool = False,
    alpha: float = 0.05,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_MC_SEED,
) -> MediationResult:
    """Indirect effect ``a*b``, direct effect and proportion mediated.

    :param a: exposure -> mediator effect.
    :param a_se: its standard error (> 0).
    :param b: mediator -> outcome effect.
    :param b_se: its standard error (> 0).
    :param total: exposure -> outcome (total) effect, optional.
    :param total_se: its standard error (> 0), optional; without it ``direct_se`` and
        the proportion interval are not computed.
    :param method: ``"delta"`` (normal intervals from delta-method SEs) or ``"mc"``
        (Monte Carlo percentile intervals).
    :param aroian: use the second-order (Aroian) SE of ``a*b``; delta method only.
    :param alpha: 1 - confidence level.
    :param draws: Monte Carlo draws (``method="mc"``).
    :param seed: Monte Carlo seed (``method="mc"``).
    :returns: the estimates, intervals, conventions and interpretation notes.
    :raises StatsError: a non-finite value, a standard error <= 0, ``total_se``
        without ``total``.
    :raises ValueError: an unknown ``method``, ``aroian`` with ``"mc"``, bad ``alpha``
        or ``draws``.

    >>> r = mediate(2.0, 0.3, 3.0, 0.4)  # Sobel z = 6 / sqrt(9*0.09 + 4*0.16)
    >>> round(r.indirect / r.indirect_se, 3)
    4.983
    """
    _check_options(method, aroian, alpha, draws)
    problems: list[Problem] = []
    values = {"a": a, "a_se": a_se, "b": b, "b_se": b_se, "total": total, "total_se": total_se}
    for name, value in values.items():
        _check(name, value, se=name.endswith("_se"), problems=problems)
    if total is None and total_se is not None:
        problems.append(Problem("mediate", 0, "total_se", "given without total"))
    if problems:
        raise StatsError(problems)
    with np.errstate(all="ignore"):  # extreme inputs give inf/NaN (null in JSON), not errors
        paths = _Paths(
            np.float64(a), np.float64(a_se), np.float64(b), np.float64(b_se),
            None if total is None else np.float64(total),
            None if total_se is None else np.float64(total_se),
        )  # fmt: skip
        return _mediate_checked(
            paths, method=method, alpha=alpha, aroian=aroian, draws=draws, seed=seed
        )


@dataclass(frozen=True)
class _Paths(PathCoefficients):
    """The path coefficients of a mediation (numpy scalars: overflow gives inf, not errors)."""

    @property
    def indirect(self) -> float:
        """``a * b``."""
        return self.a * self.b

    @property
    def direct(self) -> float | None:
        """``total - a * b`` (None without a total effect)."""
        return None if self.total is None else self.total - self.indirect

    @property
    def proportion(self) -> float | None:
        """``a * b / total`` (None without a total effect, or when it is 0)."""
        return None if self.total is None or self.total == 0 else self.indirect / self.total

    def as_floats(self) -> dict[str, float | None]:
        """The inputs as Python floats, by :class:`MediationResult` field name."""
        return {
            f.name: None if getattr(self, f.name) is None else float(getattr(self, f.name))
            for f in fields(self)
        }


def _mediate_checked(
    paths: _Paths, *, method: str, alpha: float, aroian: bool, draws: int, seed: int
) -> MediationResult:
    """:func:`mediate` on checked inputs."""
    z = float(stats.norm.isf(alpha / 2))
    a, b = paths.a, paths.b
    first = a**2 * paths.b_se**2 + b**2 * paths.a_se**2
    delta_se = math.sqrt(first + (paths.a_se**2 * paths.b_se**2 if aroian else 0.0))
    direct, proportion = paths.direct, paths.proportion
    if method == "delta":
        values = _delta_values(paths, delta_se, z)
    else:
        values = _mc_values(paths, alpha, draws, seed)
    notes = _mediation_notes(
        paths.indirect, direct, proportion, paths.total, paths.total_se, alpha, z
    )
    conventions = _mediation_conventions(method, aroian, alpha, draws, seed)
    values = {key: float(value) for key, value in values.items()}
    return MediationResult(
        indirect=float(paths.indirect),
        indirect_se=values["indirect_se"],
        indirect_ci_lower=values["indirect_ci_lower"],
        indirect_ci_upper=values["indirect_ci_upper"],
        indirect_p=values["indirect_p"],
        direct=None if direct is None else float(direct),
        direct_se=values.get("direct_se"),
        direct_ci_lower=values.get("direct_ci_lower"),
        direct_ci_upper=values.get("direct_ci_upper"),
        direct_p=values.get("direct_p"),
        proportion=None if proportion is None else float(proportion),
        proportion_se=values.get("proportion_se"),
        proportion_ci_lower=values.get("proportion_ci_lower"),
        proportion_ci_upper=values.get("proportion_ci_upper"),
        **paths.as_floats(),  # type: ignore[arg-type]
        method=method,
        se_order=("second" if aroian else "first") if method == "delta" else "-",
        alpha=alpha,
        draws=draws if method == "mc" else None,
        seed=seed if method == "mc" else None,
        conventions=MappingProxyType(conventions),
        notes=tuple(notes),
    )


def _delta_values(paths: _Paths, delta_se: float, z: float) -> dict[str, float]:
    """Delta-method standard errors, intervals and p values."""
    indirect, direct, proportion = paths.indirect, paths.direct, paths.proportion
    total, total_se = paths.total, paths.total_se
    values: dict[str, float] = {}
    values["indirect_se"] = delta_se
    values["indirect_ci_lower"] = indirect - z * delta_se
    values["indirect_ci_upper"] = indirect + z * delta_se
    values["indirect_p"] = _wald_p(indirect, delta_se)
    if direct is not None and total_se is not None:
        direct_se = math.sqrt(total_se**2 + delta_se**2)
        values.update(
            direct_se=direct_se,
            direct_ci_lower=direct - z * direct_se,
            direct_ci_upper=direct + z * direct_se,
            direct_p=_wald_p(direct, direct_se),
        )
    if proportion is not None and total is not None and total_se is not None:
        a, b = paths.a, paths.b
        prop_se = math.sqrt(
            (b / total) ** 2 * paths.a_se**2
            + (a / total) ** 2 * paths.b_se**2
            + (a * b / total / total) ** 2 * total_se**2
        )
        values.update(
            proportion_se=prop_se,
            proportion_ci_lower=proportion - z * prop_se,
            proportion_ci_upper=proportion + z * prop_se,
        )
    return values


def _draw_summary(
    name: str, draws: NDArray[np.float64], quantiles: tuple[float, float]
) -> dict[str, float]:
    """Standard error, percentile interval and two-sided p value of Monte Carlo draws.

    The p value is ``2 (min(#draws <= 0, #draws >= 0) + 1) / (n + 1)``, capped at 1.
    """
    lo, hi = np.quantile(draws, quantiles)
    extreme = min(int(np.sum(draws <= 0)), int(np.sum(draws >= 0)))
    return {
        f"{name}_se": float(np.std(draws, ddof=1)),
        f"{name}_ci_lower": float(lo),
        f"{name}_ci_upper": float(hi),
        f"{name}_p": min(1.0, 2 * (extreme + 1) / (draws.size + 1)),
    }


def _mc_values(paths: _Paths, alpha: float, draws: int, seed: int) -> dict[str, float]:
    """Monte Carlo standard errors, percentile intervals and p values."""
    values: dict[str, float] = {}
    total, total_se = paths.total, paths.total_se
    rng = np.random.default_rng(seed)
    a_draw = rng.normal(paths.a, paths.a_se, draws)
    b_draw = rng.normal(paths.b, paths.b_se, draws)
    ind_draw = a_draw * b_draw
    quantiles = (alpha / 2, 1 - alpha / 2)
    values.update(_draw_summary("indirect", ind_draw, quantiles))
    if total is not None and total_se is not None:
        c_draw = rng.normal(total, total_se, draws)
        values.update(_draw_summary("direct", c_draw - ind_draw, quantiles))
        if paths.proportion is not None:
            prop_draw = ind_draw / c_draw
            lo, hi = np.quantile(prop_draw, quantiles)
            values.update(
                proportion_ci_lower=float(lo),
                proportion_ci_upper=float(hi),
            )

    return values


def _mediation_notes(
    indirect: float,
    direct: float | None,
    proportion: float | None,
    total: float | None,
    total_se: float | None,
    alpha: float,
    z: float,
) -> list[str]:
    """Notes on missing totals, inconsistent mediation and unstable proportions."""
    notes: list[str] = []
    if total is not None and total_se is None:
        notes.append(
            "total_se not given: direct_se, the direct-effect interval and the "
            "proportion interval are not computed"
        )
    if total is not None and total == 0:
        notes.append("total effect is 0: the proportion mediated is undefined")
    if proportion is not None and total is not None:
        if indirect != 0 and math.copysign(1, indirect) != math.copysign(1, total):
            notes.append(
                f"inconsistent mediation: the indirect effect ({indirect:.4g}) and the "
                f"total effect ({total:.4g}) have opposite signs, so the proportion "
                f"mediated is negative ({proportion:.3g}) and the direct effect "
                f"({direct:.4g}) is larger in magnitude than the total; the signed value is "
                "reported (not its absolute value) and is not a share of the total effect "
                "(MacKinnon, Krull & Lockwood 2000, doi:10.1023/A:1026595011371)"
            )
        elif proportion > 1:
            notes.append(
                f"the indirect effect exceeds the total effect (proportion {proportion:.3g} "
                f"> 1): the direct effect ({direct:.4g}) has the opposite sign to the total"
            )
        if total_se is not None and abs(total / total_se) < z:
            notes.append(
                f"the total effect is not distinguishable from 0 at alpha = {alpha:g} "
                f"(|total/total_se| = {abs(total / total_se):.2f} < {z:.2f}): the "
                "proportion mediated is unstable and its interval unreliable"
            )
    if total is None:
        notes.append("total effect not given: no direct effect and no proportion mediated")

    return notes


def _mediation_conventions(
    method: str, aroian: bool, alpha: float, draws: int, seed: int
) -> dict[str, str]:
    """The ``conventions`` of a mediation result."""
    conventions = {
        "indirect": "product of coefficients a*b (two-step MR: a = exposure->mediator, "
        "b = mediator->outcome)",
        "independence": "a, b and total treated as independent estimates (no sample "
        "overlap, zero covariances)",
        "direct": "total - indirect",
        "proportion": "indirect/total, signed (negative when indirect and total disagree in sign)",
    }
    if method == "delta":
        conventions["indirect_se"] = (
            "second-order delta method (Aroian 1947): sqrt(a^2 se_b^2 + b^2 se_a^2 + se_a^2 se_b^2)"
            if aroian
            else "first-order delta method (Sobel 1982): sqrt(a^2 se_b^2 + b^2 se_a^2)"
        )
        conventions["direct_se"] = "sqrt(se_total^2 + se_indirect^2)"
        conventions["proportion_se"] = (
            "first-order delta method: sqrt((b/c)^2 se_a^2 + (a/c)^2 se_b^2 + "
            "(ab/c^2)^2 se_c^2), c = total"
        )
        conventions["ci"] = f"normal (Wald) {100 * (1 - alpha):g}% intervals, two-sided p"
    else:
        conventions["mc"] = (
            f"Monte Carlo: {draws} draws of a ~ N(a, se_a), b ~ N(b, se_b), total ~ "
            f"N(total, se_total), independent, numpy PCG64 seeded with {seed}; point "
            "estimates are the plug-in values; se = SD of the draws; intervals are the "
            f"{100 * alpha / 2:g}% and {100 * (1 - alpha / 2):g}% percentiles; p = "
            "2 (min(#draws <= 0, #draws >= 0) + 1) / (draws + 1), capped at 1; "
            "proportion_se is not reported (a ratio of normal draws has no finite "
            "variance): use the percentile interval"
        )
    return conventions
