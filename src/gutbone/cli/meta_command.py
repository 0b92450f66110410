"""``gutbone meta``: pool study-level effect sizes from a CSV file."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from gutbone.cli.options import add_command, bounded_float, option
from gutbone.errors import Problem, StatsError
from gutbone.stats.analysis import MetaAnalysis, analyse_csv, regression_from_csv
from gutbone.stats.effect_sizes import MEASURES
from gutbone.stats.mantel_haenszel import RD_VARIANCES
from gutbone.stats.meta import ALL_MODELS
from gutbone.stats.results import MetaRegressionResult, MetaResult

__all__ = ["register", "run_meta"]

_DESCRIPTION = """\
Pool study-level effect sizes (two steps, as metafor: effect sizes, then pooling).

Input columns, any one of: study,yi,vi | study,yi,sei | study,yi,ci_lower,ci_upper |
study,m1,sd1,n1,m2,sd2,n2 | study,events1,n1,events2,n2; optional subgroup; any other
column can be a moderator (--mods).

Models: FE, and random effects named by their tau^2 estimator: DL, HE, HS, SJ, ML, REML
(default), EB, PM (as metafor method=); MH for Mantel-Haenszel pooling of 2x2 counts.

Conventions (also in the JSON key 'conventions'):
  MD variance      sd1^2/n1 + sd2^2/n2 (metafor vtype='LS'); --md-variance pooled: sp^2(1/n1+1/n2)
  Hedges' g        exact gamma correction J(m), m=n1+n2-2 (metafor); --hedges approx: 1-3/(4N-9);
                   variance 1/n1 + 1/n2 + g^2/(2(n1+n2))
  2x2 counts       0.5 added to all cells of studies with a zero cell only (stated in notes);
                   double-zero studies kept (metafor default drop00=FALSE), --drop00 drops them
  CI input         95% normal CI; RR/OR CIs read on the ratio scale and log-transformed
  I^2              tau2/(tau2 + typical within-study variance) with the model's tau2 (metafor)
  tau2/I^2 CI      Q-profile (Viechtbauer 2007)
  prediction int.  estimate +- z*sqrt(tau2+se^2) (metafor default); t(k-1) with --hksj;
                   --pi t(k-2) for Higgins et al. 2009 / R meta
  HKSJ             scaling factor not truncated (metafor test='knha'), t with k-1 df
  Egger test       classical weighted regression of yi on sei (weights 1/vi, multiplicative
                   dispersion, t on k-2 df; R meta 'linreg', metafor regtest(model='lm'));
                   --egger mixed: metafor regtest() default (mixed-effects, z test)
  Begg test        Kendall's tau of standardised effects vs vi, exact p for k < 50 (metafor)
  trim-and-fill    L0 estimator, side from the sign of the sei slope (metafor trimfill)
  subgroups        separate tau2 per subgroup; Q-between from the subgroup estimates
  --mods x1,x2     meta-regression (metafor rma(yi, vi, mods=~x1+x2)): text columns treatment-
                   coded (sorted levels, first = reference), intercept 'intrcpt'; QM Wald
                   chi2 (F with --hksj), QE residual heterogeneity; blank moderator cells: the
                   study is left out
  --model MH       Mantel-Haenszel fixed effect from 2x2 counts (RR, OR, RD; metafor rma.mh):
                   no continuity correction in the MH sums; Q of the study yi (0.5 added to
                   zero-cell studies, none for double-zero studies) around the MH estimate
                   with 1/vi weights; weights = MH weights; variance of log RR Greenland &
                   Robins 1985, log OR Robins-Breslow-Greenland 1986, RD Greenland & Robins
                   1985 (--mh-rd-variance Sato: Sato et al. 1989, as metafor)
"""


#: The options of ``gutbone meta``.
_OPTIONS = (
    option("studies", metavar="STUDIES.csv", help="study table (CSV)"),
    option("--measure", choices=MEASURES, default=None,
           help="effect measure (default: MD for means, RR for counts, as given "
           "for yi tables)"),
    option("--model", choices=ALL_MODELS, default="REML",
           help="default: REML; FE or a tau^2 estimator (DL, HE, HS, SJ, ML, REML, EB, "
           "PM); MH = Mantel-Haenszel for 2x2 counts (RR, OR, RD)"),
    option("--mods", metavar="X1,X2",
           help="meta-regression on these columns of the table (comma-separated)"),
    option("--bubble", metavar="FILE.svg", help="with --mods: write a bubble plot (SVG)"),
    option("--drop00", action="store_true",
           help="drop 2x2 studies with no events (or only events) in both groups "
           "before inverse-variance pooling (default: keep them with 0.5 added, as "
           "metafor)"),
    option("--hksj", action="store_true",
           help="Hartung-Knapp-Sidik-Jonkman adjustment, t(k-1)"),
    option("--format", choices=("table", "json"), default="table"),
    option("--forest", metavar="FILE.svg", help="write a forest plot (SVG)"),
    option("--funnel", metavar="FILE.svg", help="write a funnel plot (SVG)"),
    option("--md-variance", choices=("unequal", "pooled"), default="unequal",
           help="MD sampling variance (default: unequal, sd1^2/n1 + sd2^2/n2)"),
    option("--hedges", choices=("exact", "approx"), default="exact",
           help="Hedges' correction for SMD (default: exact gamma function)"),
    option("--egger", choices=("classical", "mixed"), default="classical",
           help="Egger test variant (default: classical weighted regression)"),
    option("--pi", choices=("z", "t(k-2)"), default="z", dest="pi_method",
           help="prediction-interval critical value (default: z, as metafor)"),
    option("--mh-rd-variance", choices=RD_VARIANCES, default="GR",
           help="variance of the Mantel-Haenszel risk difference (default: "
           "GR, Greenland & Robins 1985; Sato: Sato, Greenland & Robins 1989, "
           "as metafor rma.mh)"),
    option("--level", type=bounded_float(0.5, 0.9999), default=0.95,
           help="confidence level (0.95; from 0.5 to 0.9999)"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``meta`` sub-command."""
    add_command(subparsers, "meta", run_meta, _OPTIONS, description=_DESCRIPTION, raw=True)


def _table_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options shared by pooling and meta-regression: effect sizes, model, level."""
    names = ("measure", "model", "hksj", "level", "md_variance", "hedges", "drop00")
    return {name: getattr(args, name) for name in names}


def run_meta(args: argparse.Namespace) -> int:
    """Run the analysis, print it, write the plots; return the exit code."""
    if not 0.5 <= args.level < 1:
        raise StatsError([_problem("level", f"{args.level} is not in [0.5, 1)")])
    if args.mods is not None:
        return _run_regression(args)
    if args.bubble:
        raise StatsError([_problem("bubble", "--bubble needs --mods (a meta-regression)")])
    analysis = analyse_csv(
        args.studies,
        **_table_options(args),
        pi_method=args.pi_method,
        egger=args.egger,
        rd_variance=args.mh_rd_variance,
    )
    if not analysis.result.converged:
        print(f"warning: {args.model} estimation did not converge", file=sys.stderr)
    svgs: list[tuple[str, bytes]] = []
    if args.forest or args.funnel:
        from gutbone.views.meta_plots import figure_svg, forest_plot, funnel_plot

        if args.forest:
            svgs.append((args.forest, figure_svg(forest_plot(analysis.result))))
        if args.funnel:
            funnel = funnel_plot(analysis.result, trimfill=analysis.trim_and_fill)
            svgs.append((args.funnel, figure_svg(funnel)))
    if args.format == "json":
        text = json.dumps(analysis.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    else:
        text = format_table(analysis)
    return _emit(text, svgs)


def _emit(text: str, svgs: list[tuple[str, bytes]]) -> int:
    """Write the plots (atomically), then print the result."""
    from gutbone.io import atomic_write

    for path, data in svgs:
        atomic_write(path, data)
    print(text)
    return 0


def _run_regression(args: argparse.Namespace) -> int:
    """``--mods``: meta-regression of the table's effect sizes on the named columns."""
    names = [name.strip() for name in args.mods.split(",") if name.strip()]
    result = regression_from_csv(args.studies, names, **_table_options(args))
    if not result.converged:
        print(f"warning: {args.model} estimation did not converge", file=sys.stderr)
    svgs: list[tuple[str, bytes]] = []
    for flag in ("forest", "funnel"):
        if getattr(args, flag):
            raise StatsError([_problem(flag, f"--{flag} is not drawn for a meta-regression")])
    if args.bubble:
        from gutbone.views.meta_plots import bubble_plot, figure_svg

        svgs.append((args.bubble, figure_svg(bubble_plot(result))))
    if args.format == "json":
        text = json.dumps(result.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    else:
        text = format_regression(result)
    return _emit(text, svgs)


def _problem(field: str, message: str, file: str = "-") -> Problem:
    return Problem(file, 0, field, message)


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "NA"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "NA"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.2e}"
        return f"{value:.{digits}f}"
    return str(value)


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        out.append("  ".join(cells).rstrip())
    return out


def format_regression(result: MetaRegressionResult) -> str:
    """Readable, aligned text report of a meta-regression."""
    stat = result.test
    lines = [
        f"Meta-regression: {result.model}{' + Knapp-Hartung' if result.hksj else ''}, "
        f"measure {result.measure}, k = {result.k}",
        "",
    ]
    head = ["", "estimate", "se", stat, "p", f"{100 * result.level:.0f}% CI"]
    rows = [head]
    for c in result.coefficients:
        rows.append(
            [
                c.name,
                _num(c.estimate),
                _num(c.se),
                _num(c.stat, 3),
                _num(c.p),
                f"[{_num(c.ci_lower)}, {_num(c.ci_upper)}]",
            ]
        )
    lines += _aligned(rows)
    qm_df = f"{result.qm_df}, {result.qm_df2}" if result.qm_df2 is not None else f"{result.qm_df}"
    qm_name = "F" if result.hksj else "QM"
    lines += [
        "",
        f"Residual heterogeneity: tau2 = {_num(result.tau2)} [{_num(result.tau2_ci_lower)}, "
        f"{_num(result.tau2_ci_upper)}], I2 = {_num(result.i2, 2)}%, H2 = {_num(result.h2, 3)}, "
        f"R2 = {_num(result.r2, 2)}%",
        f"QE = {_num(result.qe, 3)} (df = {result.qe_df}), p = {_num(result.qe_p)}",
        f"Test of moderators: {qm_name} = {_num(result.qm, 3)} (df = {qm_df}), "
        f"p = {_num(result.qm_p)}",
    ]
    if result.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in result.notes]
    return "\n".join(lines)


def format_table(analysis: MetaAnalysis) -> str:
    """Readable, aligned text report of a :class:`~gutbone.stats.analysis.MetaAnalysis`."""
    result = analysis.result
    lines = _pooled_lines(result) + _heterogeneity_lines(result) + _subgroup_lines(result)
    lines += _weight_lines(result) + _sensitivity_lines(analysis.to_json_dict())
    if analysis.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in analysis.notes]
    return "\n".join(lines)


def _pooled_lines(result: MetaResult) -> list[str]:
    """Title and the pooled row (plus its back-transformed row)."""
    stat = "t" if result.test == "t" else "z"
    model = "MH (Mantel-Haenszel, fixed effect)" if result.model == "MH" else result.model
    lines = [
        f"Meta-analysis: {model}{' + HKSJ' if result.hksj else ''}, measure "
        f"{result.measure}, k = {result.k}",
        "",
    ]
    head = ["", "estimate", "se", f"{100 * result.level:.0f}% CI", stat, "p", "PI"]
    rows = [
        head,
        [
            "pooled",
            _num(result.estimate),
            _num(result.se),
            f"[{_num(result.ci_lower)}, {_num(result.ci_upper)}]",
            _num(result.z, 3),
            _num(result.p),
            f"[{_num(result.pi_lower)}, {_num(result.pi_upper)}]",
        ],
    ]
    if result.back_transformed:
        b = result.back_transformed
        rows.append(
            [
                f"exp ({result.measure})",
                _num(b["estimate"]),
                "",
                f"[{_num(b['ci_lower'])}, {_num(b['ci_upper'])}]",
                "",
                "",
                f"[{_num(b['pi_lower'])}, {_num(b['pi_upper'])}]",
            ]
        )
    lines += _aligned(rows)
    return lines


def _heterogeneity_lines(result: MetaResult) -> list[str]:
    """tau2 (with its Q-profile interval), I2, H2 and Q."""
    lines: list[str] = []
    if result.model == "MH":
        lines += [
            "",
            f"Heterogeneity (Mantel-Haenszel, fixed effect): I2 = {_num(result.i2, 2)}%, "
            f"H2 = {_num(result.h2, 3)}",
            f"Q = {_num(result.q, 3)} (df = {result.q_df}), p = {_num(result.q_p)}",
        ]
    else:
        lines += [
            "",
            f"Heterogeneity: tau2 = {_num(result.tau2)} [{_num(result.tau2_ci_lower)}, "
            f"{_num(result.tau2_ci_upper)}], I2 = {_num(result.i2, 2)}% "
            f"[{_num(result.i2_ci_lower, 2)}, {_num(result.i2_ci_upper, 2)}], "
            f"H2 = {_num(result.h2, 3)}",
            f"Q = {_num(result.q, 3)} (df = {result.q_df}), p = {_num(result.q_p)}",
        ]
    return lines


def _subgroup_lines(result: MetaResult) -> list[str]:
    """One row per subgroup and the test for subgroup differences."""
    lines: list[str] = []
    if result.subgroups:
        lines += ["", "Subgroups:"]
        rows = [["subgroup", "k", "estimate", "se", "CI", "tau2", "I2"]]
        for group in result.subgroups:
            g = group.result
            rows.append(
                [
                    group.subgroup,
                    str(g.k),
                    _num(g.estimate),
                    _num(g.se),
                    f"[{_num(g.ci_lower)}, {_num(g.ci_upper)}]",
                    _num(g.tau2),
                    _num(g.i2, 2),
                ]
            )
        lines += _aligned(rows)
        lines.append(
            f"Test for subgroup differences: Q = {_num(result.q_between, 3)}, p = "
            f"{_num(result.q_between_p)}"
        )
    return lines


def _weight_lines(result: MetaResult) -> list[str]:
    """yi, vi and weight of every study."""
    lines = ["", "Study weights:"]
    rows = [["study", "yi", "vi", "weight %"]]
    for name, y, v, w in zip(result.studies, result.yi, result.vi, result.weights, strict=True):
        rows.append([name, _num(y), _num(v), _num(w, 2)])
    lines += _aligned(rows)
    return lines


def _sensitivity_lines(extra: dict[str, Any]) -> list[str]:
    """Leave-one-out, Egger, Begg and trim-and-fill, from their JSON forms."""
    lines: list[str] = []
    loo = extra.get("leave_one_out")
    if loo:
        lines += ["", "Leave-one-out:"]
        rows = [["omitted", "estimate", "se", "CI", "tau2", "I2"]]
        for row in loo["rows"]:
            rows.append(
                [
                    row["study"],
                    _num(row["estimate"]),
                    _num(row["se"]),
                    f"[{_num(row['ci_lower'])}, {_num(row['ci_upper'])}]",
                    _num(row["tau2"]),
                    _num(row["i2"], 2),
                ]
            )
        lines += _aligned(rows)
    egger = extra.get("egger")
    if egger:
        stat_name = "t" if egger["df"] is not None else "z"
        df = f", df = {egger['df']:.0f}" if egger["df"] is not None else ""
        lines += [
            "",
            f"Egger's test ({egger['variant']}): slope on sei = {_num(egger['slope'])}, "
            f"{stat_name} = {_num(egger['stat'], 3)}{df}, p = {_num(egger['p'])}; limit "
            f"estimate = {_num(egger['intercept'])}",
        ]
    begg = extra.get("begg")
    if begg:
        lines.append(
            f"Begg's test: Kendall's tau = {_num(begg['tau'])}, p = {_num(begg['p'])}"
            f"{' (exact)' if begg['exact'] else ''}"
        )
    tf = extra.get("trim_and_fill")
    if tf:
        adj = tf["adjusted"]
        lines.append(
            f"Trim-and-fill (L0): {tf['k0']} studies filled on the {tf['side']} side; "
            f"adjusted estimate = {_num(adj['estimate'])} [{_num(adj['ci_lower'])}, "
            f"{_num(adj['ci_upper'])}]"
        )
        for filled in tf["filled"]:
            lines.append(
                f"  {filled['study']}: yi = {_num(filled['yi'])}, vi = {_num(filled['vi'])}"
            )
    return lines
