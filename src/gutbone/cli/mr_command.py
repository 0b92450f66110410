"""``gutbone mr`` and ``gutbone mediate``: Mendelian randomization and two-step mediation."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from gutbone.cli.options import MAX_BOOTSTRAP, MAX_DRAWS, MAX_SEED, add_command, bounded_int, option
from gutbone.stats.mediation import DEFAULT_DRAWS, DEFAULT_MC_SEED, MediationResult, mediate
from gutbone.stats.mr import DEFAULT_BOOTSTRAP_SAMPLES, DEFAULT_SEED, MRResult, mr_from_csv

__all__ = ["register"]

_CONVENTIONS_HINT = "conventions: see --help, or the 'conventions' object of --format json"

_MR_EPILOG = f"""\
input columns: variant,beta_exposure,se_exposure,beta_outcome,se_outcome
(extra columns are ignored; se_exposure may be blank in every row, which disables
the median methods, the F statistic and I2_GX).

conventions (MendelianRandomization defaults wherever packages differ):
  ivw     multiplicative random effects: SE = fixed-effect SE x max(1, rse),
          rse = sqrt(Q/(J-1)); first-order weights se_outcome^-2. ivw_fe: fixed effect.
  egger   variants re-oriented so beta_exposure > 0; residual SE floored at 1;
          normal (not t) intervals and p values; I2_GX as Bowden et al 2016.
  median  interpolated weighted median (weights bx^2/se_y^2 normalised, cumulative
          weight minus half its own weight, interpolation at 0.5); simple median uses
          equal weights; SE from a parametric bootstrap with --bootstrap samples
          (default {DEFAULT_BOOTSTRAP_SAMPLES}) seeded with --seed (default {DEFAULT_SEED}).
  all     95% normal intervals; q, q_p: Cochran's Q about the IVW estimate.
methods need at least: ivw 2 variants, egger 3, median 3.
exit codes: 0 ok, 1 bad input (file:row:column messages on stderr), 2 usage error.
"""

_MEDIATE_EPILOG = f"""\
two-step MR product of coefficients: indirect = a*b, direct = total - indirect,
proportion = indirect/total (signed: negative when indirect and total disagree in sign,
explained in the notes).
conventions: a, b, total independent; delta method: indirect SE first order (Sobel)
sqrt(a^2 se_b^2 + b^2 se_a^2), --aroian adds se_a^2 se_b^2; direct SE
sqrt(se_total^2 + se_indirect^2); proportion SE first-order delta; normal 95% intervals.
--method mc: Monte Carlo percentile intervals from --draws (default {DEFAULT_DRAWS})
normal draws seeded with --seed (default {DEFAULT_MC_SEED}).
negative values: write the option with '=', e.g. --b=-0.4,0.1 (otherwise the shell
argument is taken for an option).
exit codes: 0 ok, 1 bad value (the option is named on stderr), 2 usage error.
"""


_FORMAT = option("--format", choices=("table", "json"), default="table", help="output format")
_MR_OPTIONS = (
    option("variants", metavar="VARIANTS.csv", help="variant associations (CSV)"),
    option("--method", choices=("ivw", "egger", "median", "all"), default="all",
           help="methods to run (default: all)"),
    _FORMAT,
    option("--bootstrap", type=bounded_int(1, MAX_BOOTSTRAP), default=DEFAULT_BOOTSTRAP_SAMPLES,
           metavar="N", help="bootstrap samples of the median methods "
           f"(default {DEFAULT_BOOTSTRAP_SAMPLES}, at most {MAX_BOOTSTRAP:,})"),
    option("--seed", type=bounded_int(0, MAX_SEED), default=DEFAULT_SEED,
           help=f"bootstrap seed, 0 to 2**32-1 (default {DEFAULT_SEED})"),
)  # fmt: skip
_MEDIATE_OPTIONS = (
    option("--a", required=True, metavar="B,SE", help="exposure -> mediator: beta,se"),
    option("--b", required=True, metavar="B,SE", help="mediator -> outcome: beta,se"),
    option("--total", metavar="B,SE", help="exposure -> outcome (total): beta,se"),
    option("--method", choices=("delta", "mc"), default="delta", help="default: delta"),
    option("--aroian", action="store_true",
           help="second-order SE of a*b (delta method only)"),
    option("--draws", type=bounded_int(1, MAX_DRAWS), default=DEFAULT_DRAWS, metavar="N",
           help=f"Monte Carlo draws (default {DEFAULT_DRAWS}, at most {MAX_DRAWS:,})"),
    option("--seed", type=bounded_int(0, MAX_SEED), default=DEFAULT_MC_SEED,
           help=f"Monte Carlo seed, 0 to 2**32-1 ({DEFAULT_MC_SEED})"),
    _FORMAT,
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``mr`` and ``mediate`` sub-commands."""
    description = "IVW (random and fixed effect), MR-Egger, weighted and simple median."
    add_command(subparsers, "mr", _run_mr, _MR_OPTIONS, description=description, epilog=_MR_EPILOG)
    description = "Indirect effect a*b, direct effect and proportion mediated."
    add_command(subparsers, "mediate", _run_mediate, _MEDIATE_OPTIONS, description=description,
                epilog=_MEDIATE_EPILOG)  # fmt: skip


def _run_mr(args: argparse.Namespace) -> int:
    """Handler of ``gutbone mr``."""
    result = mr_from_csv(args.variants, method=args.method, n_boot=args.bootstrap, seed=args.seed)
    if args.format == "json":
        print(json.dumps(result.to_json_dict(), indent=2, allow_nan=False))
    else:
        print(_mr_table(result))
    return 0


def _fmt(value: float | None, digits: int = 4) -> str:
    """Format a number for the table (``-`` for missing)."""
    if value is None or not math.isfinite(value):
        return "-"
    if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
        return f"{value:.{digits - 1}e}"
    return f"{value:.{digits}f}"


def _mr_table(result: MRResult) -> str:
    """Human-readable table of an :class:`MRResult`."""
    header = f"{'method':<18}{'estimate':>11}{'se':>10}{'95% CI':>22}{'p':>11}"
    lines = [f"Mendelian randomization: {result.n_variants} variants ({result.source})", header]
    rows: list[tuple[str, Any]] = [
        ("IVW (random)", result.ivw),
        ("IVW (fixed)", result.ivw_fe),
        ("MR-Egger", result.egger),
        ("Weighted median", result.weighted_median),
        ("Simple median", result.simple_median),
    ]
    for label, fit in rows:
        if fit is None:
            continue
        ci = f"{_fmt(fit.ci_lower)}, {_fmt(fit.ci_upper)}"
        lines.append(
            f"{label:<18}{_fmt(fit.estimate):>11}{_fmt(fit.se):>10}{ci:>22}{_fmt(fit.p):>11}"
        )
        if label == "MR-Egger":
            ci = f"{_fmt(fit.intercept_ci_lower)}, {_fmt(fit.intercept_ci_upper)}"
            lines.append(
                f"{'  (intercept)':<18}{_fmt(fit.intercept):>11}{_fmt(fit.intercept_se):>10}"
                f"{ci:>22}{_fmt(fit.intercept_p):>11}"
            )
    lines.append(
        f"Cochran's Q = {_fmt(result.q)} on {result.q_df} df (p = {_fmt(result.q_p)}), "
        f"I2 = {100 * result.i2:.1f}%, IVW residual SE = {_fmt(result.rse, 3)}"
    )
    if result.egger is not None:
        i2gx = "-" if result.egger.i2_gx is None else f"{100 * result.egger.i2_gx:.1f}%"
        lines.append(
            f"MR-Egger: residual SE = {_fmt(result.egger.rse, 3)}, Q = {_fmt(result.egger.q)} "
            f"on {result.egger.q_df} df (p = {_fmt(result.egger.q_p)}), I2_GX = {i2gx}"
        )
    if result.f_mean is not None:
        lines.append(f"mean F statistic = {result.f_mean:.1f}")
    for note in result.notes:
        lines.append(f"note: {note}")
    lines.append(_CONVENTIONS_HINT)
    return "\n".join(lines)


def _pair(option: str, text: str | None) -> tuple[float, float] | None | str:
    """Parse ``B,SE``; return the pair, ``None`` if absent, or an error message."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != 2:
        return f"{option}: expected B,SE (two numbers separated by a comma), got {text!r}"
    try:
        beta, se = float(parts[0]), float(parts[1])
    except ValueError:
        return f"{option}: expected B,SE with numeric B and SE, got {text!r}"
    if not (math.isfinite(beta) and math.isfinite(se)):
        return f"{option}: B and SE must be finite numbers, got {text!r}"
    if se <= 0:
        return f"{option}: the standard error must be > 0, got {parts[1]}"
    return beta, se


def _run_mediate(args: argparse.Namespace) -> int:
    """Handler of ``gutbone mediate``."""
    if args.aroian and args.method != "delta":
        print("usage error: --aroian applies to --method delta only", file=sys.stderr)
        return 2
    parsed: dict[str, tuple[float, float] | None] = {}
    errors: list[str] = []
    for flag, text in (("--a", args.a), ("--b", args.b), ("--total", args.total)):
        value = _pair(flag, text)
        if isinstance(value, str):
            errors.append(value)
        else:
            parsed[flag] = value
    if errors:
        for message in errors:
            print(f"error: {message}", file=sys.stderr)
        return 1
    a, b, total = parsed["--a"], parsed["--b"], parsed["--total"]
    assert a is not None and b is not None  # required options
    if args.method == "mc" and args.draws < 100:
        print("usage error: --draws must be at least 100", file=sys.stderr)
        return 2
    result = mediate(
        a[0],
        a[1],
        b[0],
        b[1],
        total=None if total is None else total[0],
        total_se=None if total is None else total[1],
        method=args.method,
        aroian=args.aroian,
        draws=args.draws,
        seed=args.seed,
    )
    if args.format == "json":
        print(json.dumps(result.to_json_dict(), indent=2, allow_nan=False))
    else:
        print(_mediation_table(result))
    return 0


def _mediation_table(result: MediationResult) -> str:
    """Human-readable table of a :class:`MediationResult`."""
    kind = (
        f"delta method ({result.se_order}-order SE)"
        if result.method == "delta"
        else f"Monte Carlo ({result.draws} draws, seed {result.seed})"
    )
    level = f"{100 * (1 - result.alpha):g}% CI"
    lines = [
        f"Two-step MR mediation, {kind}",
        f"{'effect':<12}{'estimate':>11}{'se':>10}{level:>24}{'p':>11}",
    ]
    rows = [
        ("indirect", result.indirect, result.indirect_se, result.indirect_ci_lower,
         result.indirect_ci_upper, result.indirect_p),
        ("direct", result.direct, result.direct_se, result.direct_ci_lower,
         result.direct_ci_upper, result.direct_p),
        ("proportion", result.proportion, result.proportion_se, result.proportion_ci_lower,
         result.proportion_ci_upper, None),
    ]  # fmt: skip
    for label, est, se, lo, hi, p in rows:
        ci = f"{_fmt(lo)}, {_fmt(hi)}"
        lines.append(f"{label:<12}{_fmt(est):>11}{_fmt(se):>10}{ci:>24}{_fmt(p):>11}")
    for note in result.notes:
        lines.append(f"note: {note}")
    lines.append(_CONVENTIONS_HINT)
    return "\n".join(lines)
