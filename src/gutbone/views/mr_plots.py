"""Mendelian-randomization and mediation plots (matplotlib, Agg backend).

Functions return a :class:`matplotlib.figure.Figure` and write nothing, except
:func:`save_figure` (SVG or PNG by file extension, written atomically). Drawn elements
carry ``gid`` values so tests and other tools can find them in the figure or the SVG:

* :func:`mr_scatter`: ``variants`` (points), ``variant-ci-x``/``variant-ci-y`` (error
  bars), ``line-ivw``, ``line-egger``, ``line-weighted_median``, ``line-simple_median``;
* :func:`mr_forest` and :func:`estimate_forest`: ``estimate-<i>`` (point) and
  ``estimate-ci-<i>`` (interval), from the top row down;
* :func:`mediation_diagram`: ``box-exposure``, ``box-mediator``, ``box-outcome``,
  ``arrow-a``, ``arrow-b``, ``arrow-direct`` and the text ``summary``.

In the scatter plot the variants are oriented so that ``beta_exposure >= 0`` (both
betas flipped together), the orientation MR-Egger uses (Bowden et al 2015,
doi:10.1093/ije/dyv080); the IVW and median lines go through the origin, the Egger line
has the Egger intercept.

>>> from gutbone.stats.mr import mr_all
>>> bx, by = [0.1, 0.2, 0.3, 0.4], [0.05, 0.11, 0.14, 0.21]
>>> result = mr_all(bx, None, by, [0.02] * 4, method="ivw")
>>> fig = mr_scatter(bx, None, by, [0.02] * 4, result)
>>> [line.get_gid() for line in fig.axes[0].lines if line.get_gid()]
['line-ivw']
"""

from __future__ import annotations

import io
import math
import os
import textwrap
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from gutbone.io import atomic_write
from gutbone.stats.mediation import MediationResult
from gutbone.stats.mr import MethodEstimate, MRResult

__all__ = [
    "MR_METHOD_LABELS",
    "mr_scatter",
    "mr_forest",
    "estimate_forest",
    "mediation_diagram",
    "CJK_FALLBACK_FONTS",
    "figure_bytes",
    "save_figure",
    "wrap_label",
]

#: Margin around the drawn content when a figure is saved (inches).
_PAD_INCHES = 0.2
#: Forest-plot row labels longer than this many characters wrap onto more lines.
LABEL_WIDTH = 38

_INK = "#1b1b1b"
_MUTED = "#7f7f7f"
_ACCENT = "#1f4e79"

#: Label and line colour of each MR method field of :class:`~gutbone.stats.mr.MRResult`.
MR_METHOD_LABELS: dict[str, tuple[str, str]] = {
    "ivw": ("IVW (random effects)", "#1f4e79"),
    "ivw_fe": ("IVW (fixed effect)", "#4f7cac"),
    "egger": ("MR-Egger", "#c0392b"),
    "weighted_median": ("Weighted median", "#27ae60"),
    "simple_median": ("Simple median", "#8e44ad"),
}


def _fmt(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "NA"
    return f"{value:.{digits}g}"


def _p(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "NA"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _method_lines(ax: Axes, result: MRResult, xmax: float) -> None:
    """The fitted line of each MR method from 0 to ``xmax`` (MR-Egger dashed, with intercept)."""
    xs = np.array([0.0, xmax])
    for name in ("ivw", "egger", "weighted_median", "simple_median"):
        fit = getattr(result, name)
        if fit is None:
            continue
        label, colour = MR_METHOD_LABELS[name]
        intercept = fit.intercept if name == "egger" else 0.0
        (line,) = ax.plot(
            xs,
            intercept + fit.estimate * xs,
            color=colour,
            lw=1.4,
            ls="--" if name == "egger" else "-",
            label=f"{label}: {_fmt(fit.estimate)}",
        )
        line.set_gid(f"line-{name}")


def mr_scatter(
    beta_exposure: Sequence[float],
    se_exposure: Sequence[float] | None,
    beta_outcome: Sequence[float],
    se_outcome: Sequence[float],
    result: MRResult,
    *,
    exposure: str = "exposure",
    outcome: str = "outcome",
    title: str | None = None,
) -> Figure:
    """Scatter the variant associations with the fitted MR lines.

    :param beta_exposure: variant–exposure associations.
    :param se_exposure: their standard errors (horizontal error bars), or None.
    :param beta_outcome: variant–outcome associations.
    :param se_outcome: their standard errors (vertical error bars, ±1.96 SE).
    :param result: the MR fit of the same variants (:func:`gutbone.stats.mr.mr_all`).
    :param exposure: exposure name for the x label.
    :param outcome: outcome name for the y label.
    :param title: optional title.
    :returns: the figure.
    """
    bx = np.asarray(beta_exposure, dtype=float)
    by = np.asarray(beta_outcome, dtype=float)
    sy = np.asarray(se_outcome, dtype=float)
    flip = np.where(bx < 0, -1.0, 1.0)
    bx, by = bx * flip, by * flip
    fig = Figure(figsize=(6.5, 5.0))
    ax = fig.add_axes((0.14, 0.12, 0.6, 0.8))
    z = 1.959963984540054
    ybar = ax.errorbar(bx, by, yerr=z * sy, fmt="none", ecolor=_MUTED, elinewidth=0.8, zorder=1)
    for artist in ybar.lines[2]:
        artist.set_gid("variant-ci-y")
    if se_exposure is not None:
        sx = np.asarray(se_exposure, dtype=float)
        xbar = ax.errorbar(bx, by, xerr=z * sx, fmt="none", ecolor=_MUTED, elinewidth=0.8,
                           zorder=1)  # fmt: skip
        for artist in xbar.lines[2]:
            artist.set_gid("variant-ci-x")
    points = ax.scatter(bx, by, s=22, color=_INK, zorder=3, label="variants")
    points.set_gid("variants")
    _method_lines(ax, result, float(max(bx.max(), 0.0)) * 1.1 or 1.0)
    ax.axhline(0.0, color=_MUTED, lw=0.6)
    ax.axvline(0.0, color=_MUTED, lw=0.6)
    ax.set_xlabel(f"Variant effect on {exposure}")
    ax.set_ylabel(f"Variant effect on {outcome}")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(title or f"MR: {result.n_variants} variants", fontsize=11)
    return fig


def _forest(
    labels: Sequence[str],
    estimates: Sequence[float],
    lower: Sequence[float | None],
    upper: Sequence[float | None],
    right_text: Sequence[str],
    *,
    xlabel: str,
    title: str | None,
    colours: Sequence[str] | None = None,
) -> Figure:
    n = len(labels)
    labels = [wrap_label(label) for label in labels]
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    fig = Figure(figsize=(9.0, max(2.4, (0.42 + 0.16 * (lines - 1)) * n + 1.3)))
    ax = fig.add_axes((0.3, 0.18 if n < 4 else 0.12, 0.42, 0.72 if n < 4 else 0.78))
    span: list[float] = [0.0]
    for i in range(n):
        y = n - i
        colour = colours[i] if colours else _ACCENT
        lo, hi = lower[i], upper[i]
        if lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi):
            (ci,) = ax.plot([lo, hi], [y, y], color=_INK, lw=1.1, zorder=2)
            ci.set_gid(f"estimate-ci-{i}")
            span += [lo, hi]
        (point,) = ax.plot([estimates[i]], [y], marker="s", ms=7, color=colour, zorder=3, ls="")
        point.set_gid(f"estimate-{i}")
        span.append(estimates[i])
        kw: dict[str, Any] = {"transform": ax.get_yaxis_transform(), "va": "center", "fontsize": 9}
        ax.text(-0.02, y, labels[i], ha="right", **kw)
        ax.text(1.02, y, right_text[i], ha="left", **kw)
    ax.axvline(0.0, color=_MUTED, lw=0.8, zorder=1)
    lo_x, hi_x = min(span), max(span)
    pad = 0.08 * (hi_x - lo_x or 1.0)
    ax.set_xlim(lo_x - pad, hi_x + pad)
    ax.set_ylim(0.3, n + 0.7)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel(xlabel)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def wrap_label(label: str, width: int = LABEL_WIDTH) -> str:
    """A row label wrapped onto lines of at most ``width`` characters (words kept whole).

    >>> wrap_label("Lachnospiraceae NC2004 group abundance (genus level)", 30).splitlines()
    ['Lachnospiraceae NC2004 group', 'abundance (genus level)']
    """
    return "\n".join(textwrap.wrap(label, width, break_long_words=False)) or label


def mr_forest(
    result: MRResult, *, xlabel: str = "Causal estimate", title: str | None = None
) -> Figure:
    """Forest plot of the MR estimate of each method that was run, with its CI and p.

    Rows, top to bottom, in the order of :data:`MR_METHOD_LABELS` (methods not run are
    left out); the right column gives ``estimate [CI] p``.
    """
    labels, est, lo, hi, text, colours = [], [], [], [], [], []
    for name, (label, colour) in MR_METHOD_LABELS.items():
        fit: MethodEstimate | None = getattr(result, name)
        if fit is None:
            continue
        labels.append(label)
        est.append(fit.estimate)
        lo.append(fit.ci_lower)
        hi.append(fit.ci_upper)
        colours.append(colour)
        text.append(f"{_fmt(fit.estimate)} [{_fmt(fit.ci_lower)}, {_fmt(fit.ci_upper)}] "
                    f"p = {_p(fit.p)}")  # fmt: skip
    footer = (
        f"{result.n_variants} variants; Q = {_fmt(result.q)} (df = {result.q_df}), "
        f"p = {_p(result.q_p)}"
    )
    fig = _forest(labels, est, lo, hi, text, xlabel=xlabel, title=title, colours=colours)
    fig.text(0.02, 0.02, footer, fontsize=8, color=_INK)
    return fig


def estimate_forest(
    labels: Sequence[str],
    estimates: Sequence[float],
    ci_lower: Sequence[float | None],
    ci_upper: Sequence[float | None],
    *,
    notes: Sequence[str] | None = None,
    xlabel: str = "Estimate",
    title: str | None = None,
) -> Figure:
    """Forest plot of reported estimates (one row each; the CI is drawn when given).

    :param labels: row labels, top to bottom.
    :param estimates: point estimates.
    :param ci_lower: lower bounds (None when not reported).
    :param ci_upper: upper bounds (None when not reported).
    :param notes: right-column text (default: ``estimate [CI]``).
    """
    if not (len(labels) == len(estimates) == len(ci_lower) == len(ci_upper)):
        raise ValueError("labels, estimates, ci_lower and ci_upper must have the same length")
    text = list(notes) if notes is not None else [
        f"{_fmt(e)}" + (f" [{_fmt(lo)}, {_fmt(hi)}]" if lo is not None and hi is not None else "")
        for e, lo, hi in zip(estimates, ci_lower, ci_upper, strict=True)
    ]  # fmt: skip
    return _forest(labels, estimates, ci_lower, ci_upper, text, xlabel=xlabel, title=title)


def _box(ax: object, x: float, y: float, text: str, gid: str) -> None:
    patch = FancyBboxPatch((x - 0.16, y - 0.07), 0.32, 0.14, boxstyle="round,pad=0.01",
                           facecolor="#eef3f8", edgecolor=_ACCENT, lw=1.2)  # fmt: skip
    patch.set_gid(gid)
    ax.add_patch(patch)  # type: ignore[attr-defined]
    ax.text(x, y, text, ha="center", va="center", fontsize=9, wrap=True)  # type: ignore[attr-defined]


def _arrow(ax: object, start: tuple[float, float], end: tuple[float, float], gid: str) -> None:
    arrow = FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, color=_INK, lw=1.3)
    arrow.set_gid(gid)
    ax.add_patch(arrow)  # type: ignore[attr-defined]


def _with_ci(value: float | None, lo: float | None, hi: float | None, scale: float = 1.0,
             unit: str = "") -> str:  # fmt: skip
    if value is None:
        return "not given"
    text = f"{_fmt(value * scale)}{unit}"
    if lo is not None and hi is not None:
        text += f" (95% CI {_fmt(lo * scale)}{unit} to {_fmt(hi * scale)}{unit})"
    return text


def _mediation_labels(result: MediationResult) -> tuple[str, str, str, list[str]]:
    """The path labels (a, b, direct) and the summary lines of a computed mediation."""
    a_text = f"a = {_fmt(result.a)} (SE {_fmt(result.a_se)})"
    b_text = f"b = {_fmt(result.b)} (SE {_fmt(result.b_se)})"
    direct = (
        f"direct = {_fmt(result.direct)} (SE {_fmt(result.direct_se)})"
        if result.direct is not None
        else "direct: total effect not given"
    )
    lines = []
    if result.proportion is not None:
        low, high = result.proportion_ci_lower, result.proportion_ci_upper
        lines.append("proportion mediated " + _with_ci(result.proportion, low, high, 100.0, "%"))
    lines.append(
        "indirect a×b = "
        + _with_ci(result.indirect, result.indirect_ci_lower, result.indirect_ci_upper)
        + f", p = {_p(result.indirect_p)}"
    )
    return a_text, b_text, direct, lines


def mediation_diagram(
    result: MediationResult | None = None,
    *,
    exposure: str = "exposure",
    mediator: str = "mediator",
    outcome: str = "outcome",
    proportion: float | None = None,
    proportion_ci: tuple[float, float] | None = None,
    proportion_p: float | None = None,
    title: str | None = None,
) -> Figure:
    """Draw exposure → mediator → outcome with ``a``, ``b``, the direct effect and a summary.

    With ``result`` the paths carry ``a``, ``b`` and the direct effect (with SEs) and the
    summary gives the indirect effect and the proportion mediated with their intervals.
    Without it (a source reports only the proportion), give ``proportion`` (a fraction)
    and optionally ``proportion_ci`` and ``proportion_p``.

    >>> from gutbone.stats.mediation import mediate
    >>> fig = mediation_diagram(mediate(0.5, 0.1, 0.4, 0.1, total=0.4, total_se=0.1))
    >>> "proportion mediated 50%" in fig.texts[0].get_text()
    True
    """
    fig = Figure(figsize=(7.5, 3.8))
    ax = fig.add_axes((0.0, 0.2, 1.0, 0.72))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 0.8)
    ax.axis("off")
    e_xy, m_xy, o_xy = (0.17, 0.2), (0.5, 0.62), (0.83, 0.2)
    _box(ax, *e_xy, exposure, "box-exposure")
    _box(ax, *m_xy, mediator, "box-mediator")
    _box(ax, *o_xy, outcome, "box-outcome")
    _arrow(ax, (0.25, 0.28), (0.4, 0.55), "arrow-a")
    _arrow(ax, (0.6, 0.55), (0.75, 0.28), "arrow-b")
    _arrow(ax, (0.33, 0.2), (0.67, 0.2), "arrow-direct")
    if result is not None:
        a_text, b_text, direct, lines = _mediation_labels(result)
    else:
        a_text, b_text, direct = "a", "b", "direct"
        low, high = proportion_ci if proportion_ci is not None else (None, None)
        lines = [
            "proportion mediated "
            + _with_ci(proportion, low, high, 100.0, "%")
            + (f", p = {_p(proportion_p)}" if proportion_p is not None else "")
        ]
    ax.text(0.27, 0.45, a_text, ha="right", va="center", fontsize=9)
    ax.text(0.73, 0.45, b_text, ha="left", va="center", fontsize=9)
    ax.text(0.5, 0.14, direct, ha="center", va="top", fontsize=9)
    summary = fig.text(0.5, 0.05, "\n".join(lines), ha="center", va="bottom", fontsize=9.5)
    summary.set_gid("summary")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


#: Fonts tried, in order, for glyphs DejaVu Sans lacks (Chinese study names and labels);
#: those not installed are skipped.
CJK_FALLBACK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei",
                      "WenQuanYi Zen Hei", "Droid Sans Fallback", "AR PL UMing CN")  # fmt: skip


def figure_bytes(fig: Figure, fmt: str = "svg") -> bytes:
    """Render a figure to SVG or PNG bytes (no file written, no date in the SVG).

    The canvas grows to hold every drawn text (``bbox_inches="tight"`` with a margin of
    :data:`_PAD_INCHES`, which also absorbs small differences between matplotlib's and the
    browser's font metrics), so no label is clipped. SVG text is kept as ``<text>``
    elements (``svg.fonttype: none``), so it stays searchable; fonts in
    :data:`CJK_FALLBACK_FONTS` are used for missing glyphs when installed (otherwise such
    glyphs are drawn as boxes, without a warning per glyph).
    """
    if fmt not in ("svg", "png"):
        raise ValueError(f"format must be svg or png, got {fmt!r}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    fallback = [name for name in CJK_FALLBACK_FONTS if name in installed]
    sans = list(matplotlib.rcParams["font.sans-serif"])
    with (
        warnings.catch_warnings(),
        matplotlib.rc_context(
            {"svg.fonttype": "none", "font.sans-serif": sans[:1] + fallback + sans[1:],
             "svg.hashsalt": "gutbone"}  # fixed element ids: the same figure, the same bytes
        ),
    ):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buffer, format=fmt, metadata=metadata, dpi=150 if fmt == "png" else None,
                    bbox_inches="tight", pad_inches=_PAD_INCHES)  # fmt: skip
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Write a figure atomically, as SVG or PNG according to the file extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    atomic_write(path, figure_bytes(fig, suffix))
