"""Forest, funnel and bubble plots of a meta-analysis (matplotlib figures, no pyplot).

Functions return a :class:`matplotlib.figure.Figure` and never write files, except
:func:`save_svg`, which writes atomically. Drawn elements carry ``gid`` values so tests
and downstream tools can find them in the figure or the SVG: ``study-<i>`` (square),
``study-ci-<i>`` (CI line), ``summary-diamond``, ``subgroup-diamond-<j>``,
``prediction-interval``, ``funnel-points``, ``funnel-filled``, ``funnel-limits``,
``bubble-points``, ``bubble-line``, ``bubble-ci``.

>>> from gutbone.stats.meta import pool
>>> fig = forest_plot(pool([0.1, 0.4, 0.2], [0.02, 0.05, 0.03], model="FE"))
>>> sorted(a.get_gid() for a in fig.axes[0].patches if a.get_gid())[:2]
['study-0', 'study-1']
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray
from scipy import stats

from gutbone.io import atomic_write
from gutbone.stats.bias import TrimFillResult
from gutbone.stats.results import RATIO_MEASURES, MetaRegressionResult, MetaResult

__all__ = ["forest_plot", "funnel_plot", "bubble_plot", "figure_svg", "save_svg"]

_INK = "#1b1b1b"
_ACCENT = "#1f4e79"
_MUTED = "#7f7f7f"


def _fmt(value: float, ratio: bool) -> str:
    if not math.isfinite(value):
        return "NA"
    return f"{math.exp(value):.2f}" if ratio else f"{value:.2f}"


def _diamond(ax: Axes, lo: float, mid: float, hi: float, y: float, gid: str, color: str) -> None:
    patch = Polygon(
        [(lo, y), (mid, y + 0.3), (hi, y), (mid, y - 0.3)],
        closed=True,
        facecolor=color,
        edgecolor=color,
        zorder=3,
    )
    patch.set_gid(gid)
    ax.add_patch(patch)


_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _label_x(ax: Axes, ratio: bool, measure: str, xmin: float, xmax: float) -> None:
    """Label the x axis; ratio measures get ticks at round ratios on the log scale."""
    if ratio:
        ticks = [math.log(t) for t in _RATIO_TICKS if xmin <= math.log(t) <= xmax]
        if len(ticks) >= 2:
            ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{math.exp(x):.3g}"))
        ax.set_xlabel(f"{measure} (log scale)")
    else:
        ax.set_xlabel(measure)


def _forest_layout(result: MetaResult) -> list[tuple[str, Any]]:
    """The forest plot's rows from top to bottom: ``(kind, payload)``."""
    layout: list[tuple[str, Any]] = []
    if result.subgroups:
        index_of = {name: i for i, name in enumerate(result.studies)}
        for j, group in enumerate(result.subgroups):
            layout.append(("header", group.subgroup))
            layout.extend(("study", index_of[name]) for name in group.result.studies)
            layout.append(("subgroup", j))
            layout.append(("gap", None))
    else:
        layout.extend(("study", i) for i in range(result.k))
        layout.append(("gap", None))
    layout.append(("summary", None))
    return layout


@dataclass
class _Forest:
    """A forest plot being drawn: the figure, its axes and the per-study numbers."""

    result: MetaResult
    names: list[str]
    n_rows: int
    fig: Figure
    ax: Axes
    yi: NDArray[np.float64]
    lo: NDArray[np.float64]
    hi: NDArray[np.float64]
    weights: NDArray[np.float64]
    xlim: tuple[float, float]
    x_per_row: float
    label_kw: dict[str, Any]

    @classmethod
    def create(cls, result: MetaResult, names: list[str], n_rows: int) -> _Forest:
        """Size the figure for ``n_rows`` rows and compute the x range of everything drawn."""
        row_height = 0.46 if any("\n" in name for name in names) else 0.32
        z = float(stats.norm.ppf(0.5 + result.level / 2))
        yi = np.asarray(result.yi)
        se = np.sqrt(np.asarray(result.vi))
        lo, hi = yi - z * se, yi + z * se
        height = max(3.0, row_height * n_rows + 1.6)
        fig = Figure(figsize=(10.0, height))
        ax = fig.add_axes((0.28, 0.12, 0.44, 0.78))
        finite = np.isfinite(lo) & np.isfinite(hi)
        span = [result.ci_lower, result.ci_upper]
        if finite.any():
            span += [float(np.min(lo[finite])), float(np.max(hi[finite]))]
        if math.isfinite(result.pi_lower) and result.tau2 > 0:
            span += [result.pi_lower, result.pi_upper]
        pad = 0.05 * (max(span) - min(span) or 1.0)
        xmin, xmax = min(span) - pad, max(span) + pad
        label_kw = {"transform": ax.get_yaxis_transform(), "va": "center", "fontsize": 9}
        # x data units spanned by one row height, so that study boxes are drawn square
        x_per_row = (xmax - xmin) / (0.44 * 10.0) * (0.78 * height) / (n_rows + 1.1)
        weights = np.asarray(result.weights)
        return cls(
            result, names, n_rows, fig, ax, yi, lo, hi, weights, (xmin, xmax), x_per_row, label_kw
        )

    @property
    def ratio(self) -> bool:
        """Whether the measure is a ratio (drawn on the log scale)."""
        return self.result.measure in RATIO_MEASURES

    def _interval(self, estimate: float, lower: float, upper: float) -> str:
        ratio = self.ratio
        return f"{_fmt(estimate, ratio)} [{_fmt(lower, ratio)}, {_fmt(upper, ratio)}]"

    def study(self, i: int, y: float) -> None:
        """One study: its CI line and weighted box, or "not estimable" (MH, no events)."""
        ax, kw, weights = self.ax, self.label_kw, self.weights
        lo, hi = self.lo[i], self.hi[i]
        if not (np.isfinite(lo) and np.isfinite(hi)):
            ax.text(-0.02, y, self.names[i], ha="right", **kw)
            ax.text(1.02, y, "not estimable", ha="left", color=_MUTED, **kw)
            ax.text(1.42, y, f"{weights[i]:.1f}%", ha="right", **kw)
            return
        (line,) = ax.plot([lo, hi], [y, y], color=_INK, lw=1.0, zorder=2)
        line.set_gid(f"study-ci-{i}")
        wmax = float(weights.max()) if weights.size else 1.0
        size = 0.2 + 0.45 * math.sqrt(weights[i] / wmax) if wmax > 0 else 0.3
        width = size * self.x_per_row
        box = Rectangle(
            (self.yi[i] - width / 2, y - size / 2),
            width,
            size,
            facecolor=_ACCENT,
            edgecolor=_ACCENT,
            zorder=3,
        )
        box.set_gid(f"study-{i}")
        ax.add_patch(box)
        ax.text(-0.02, y, self.names[i], ha="right", **kw)
        ax.text(1.02, y, self._interval(self.yi[i], lo, hi), ha="left", **kw)
        ax.text(1.42, y, f"{weights[i]:.1f}%", ha="right", **kw)

    def header(self, subgroup: str, y: float) -> None:
        """The bold name of a subgroup above its studies."""
        self.ax.text(-0.02, y, str(subgroup), ha="right", fontweight="bold", **self.label_kw)

    def subgroup(self, j: int, y: float) -> None:
        """A subgroup's diamond and subtotal."""
        assert self.result.subgroups is not None
        g = self.result.subgroups[j].result
        _diamond(self.ax, g.ci_lower, g.estimate, g.ci_upper, y, f"subgroup-diamond-{j}", _MUTED)
        kw = self.label_kw
        self.ax.text(-0.02, y, f"Subtotal (k={g.k}, I²={g.i2:.0f}%)", ha="right", **kw)
        self.ax.text(1.02, y, self._interval(g.estimate, g.ci_lower, g.ci_upper), ha="left", **kw)

    def summary(self, _payload: None, y: float) -> None:
        """The pooled diamond, its label and, for random effects, the prediction interval."""
        result, ax, kw = self.result, self.ax, self.label_kw
        _diamond(ax, result.ci_lower, result.estimate, result.ci_upper, y, "summary-diamond", _INK)
        if result.model == "MH":
            label = f"MH fixed effect (k={result.k})"
        else:
            label = f"{result.model} model (k={result.k})"
        if result.hksj:
            label += ", HKSJ"
        ax.text(-0.02, y, label, ha="right", fontweight="bold", **kw)
        text = self._interval(result.estimate, result.ci_lower, result.ci_upper)
        ax.text(1.02, y, text, ha="left", fontweight="bold", **kw)
        ax.text(1.42, y, "100%", ha="right", **kw)
        # Mantel-Haenszel: fixed effect, the prediction interval is the CI (not drawn)
        if result.k > 1 and math.isfinite(result.pi_lower) and result.model != "MH":
            (pi,) = ax.plot(
                [result.pi_lower, result.pi_upper],
                [y - 0.55, y - 0.55],
                color=_INK,
                lw=1.0,
                ls=(0, (4, 2)),
            )
            pi.set_gid("prediction-interval")
            ax.text(-0.02, y - 0.55, "Prediction interval", ha="right", **kw)

    def frame(self) -> None:
        """Reference lines, axes, column headings and the heterogeneity footer."""
        result, ax, n_rows = self.result, self.ax, self.n_rows
        xmin, xmax = self.xlim
        ax.axvline(0.0, color=_MUTED, lw=0.8, zorder=1)
        ax.axvline(result.estimate, color=_INK, lw=0.6, ls=":", zorder=1)
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(-0.3, n_rows + 1.3)
        ax.set_yticks([])
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
        measure = result.measure if result.measure != "GEN" else "Effect size"
        _label_x(ax, self.ratio, measure, xmin, xmax)
        head_kw: dict[str, Any] = {
            "transform": ax.get_yaxis_transform(),
            "va": "bottom",
            "fontsize": 9,
            "fontweight": "bold",
        }
        ax.text(-0.02, n_rows + 0.7, "Study", ha="right", **head_kw)
        heading = f"{measure} [{100 * result.level:.0f}% CI]"
        ax.text(1.02, n_rows + 0.7, heading, ha="left", **head_kw)
        ax.text(1.42, n_rows + 0.7, "Weight", ha="right", **head_kw)
        self.fig.text(0.02, 0.02, _forest_footer(result), fontsize=8, color=_INK)


def _forest_footer(result: MetaResult) -> str:
    if result.model == "MH":
        footer = f"Heterogeneity: I² = {result.i2:.1f}% (Mantel-Haenszel, fixed effect)"
    else:
        footer = f"Heterogeneity: tau² = {result.tau2:.3g}; I² = {result.i2:.1f}%"
    if math.isfinite(result.q_p):
        footer += f"; Q = {result.q:.2f} (df = {result.q_df}), p = {result.q_p:.3g}"
    if result.q_between is not None and math.isfinite(result.q_between):
        footer += (
            f"\nSubgroup differences: Q = {result.q_between:.2f}, p = {result.q_between_p:.3g}"
        )
    return footer


def forest_plot(
    result: MetaResult, *, title: str | None = None, study_labels: Sequence[str] | None = None
) -> Figure:
    """Draw a forest plot: one row per study, the pooled diamond, the prediction interval.

    Studies are drawn in input order (grouped by subgroup when there are subgroups),
    with squares proportional to their weight and their 95% (``result.level``) CIs;
    labels on the left, estimates, CIs and weights on the right. Ratio measures are drawn
    on the log scale with back-transformed tick labels. For a Mantel-Haenszel result
    (``model="MH"``) the boxes are sized by the MH weights, studies without an estimate of
    their own (no events in both arms) get a "not estimable" row, and no prediction
    interval is drawn (it equals the CI).

    :param result: a pooled result (from :func:`gutbone.stats.meta.pool`).
    :param title: optional title.
    :param study_labels: the label drawn for each study, in input order (default: the
        study names); a label with a line break (e.g. Chinese name, then pinyin) makes
        every row taller.
    :returns: the figure.
    :raises ValueError: ``study_labels`` does not have one label per study.
    """
    names = list(result.studies) if study_labels is None else list(study_labels)
    if len(names) != result.k:
        raise ValueError(f"study_labels has {len(names)} labels for {result.k} studies")
    layout = _forest_layout(result)
    forest = _Forest.create(result, names, len(layout))
    draw: dict[str, Callable[[Any, float], None]] = {
        "study": forest.study,
        "header": forest.header,
        "subgroup": forest.subgroup,
        "summary": forest.summary,
        "gap": lambda _payload, _y: None,
    }
    for row, (kind, payload) in enumerate(layout):
        draw[kind](payload, len(layout) - row)
    forest.frame()
    fig = forest.fig
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def funnel_plot(
    result: MetaResult, *, trimfill: TrimFillResult | None = None, title: str | None = None
) -> Figure:
    """Draw a funnel plot: effect size against standard error (inverted axis).

    Pseudo-confidence limits ``estimate +- z * se`` are drawn at ``result.level``;
    studies imputed by trim-and-fill are drawn as open circles and the adjusted estimate
    as a dashed line.

    :param result: a pooled result.
    :param trimfill: optional trim-and-fill analysis of the same data.
    :param title: optional title.
    :returns: the figure.
    """
    ratio = result.measure in RATIO_MEASURES
    z = float(stats.norm.ppf(0.5 + result.level / 2))
    keep = np.isfinite(np.asarray(result.yi)) & np.isfinite(np.asarray(result.vi))
    yi = np.asarray(result.yi)[keep]
    se = np.sqrt(np.asarray(result.vi)[keep])
    fig = Figure(figsize=(6.5, 5.0))
    ax = fig.add_axes((0.13, 0.12, 0.82, 0.8))
    filled_se = np.sqrt(np.asarray(trimfill.filled_vi)) if trimfill else np.zeros(0)
    top = float(max(se.max() if se.size else 1.0, filled_se.max() if filled_se.size else 0.0))
    top *= 1.08
    grid = np.linspace(0.0, top, 50)
    centre = result.estimate
    (left,) = ax.plot(centre - z * grid, grid, color=_MUTED, lw=0.9, ls="--")
    (right,) = ax.plot(centre + z * grid, grid, color=_MUTED, lw=0.9, ls="--")
    left.set_gid("funnel-limits")
    right.set_gid("funnel-limits-right")
    ax.axvline(centre, color=_INK, lw=0.9)
    points = ax.scatter(yi, se, s=28, color=_ACCENT, edgecolor=_ACCENT, zorder=3, label="studies")
    points.set_gid("funnel-points")
    if trimfill is not None and trimfill.k0 > 0:
        filled = ax.scatter(
            trimfill.filled_yi,
            filled_se,
            s=28,
            facecolor="white",
            edgecolor=_ACCENT,
            zorder=3,
            label=f"filled ({trimfill.k0}, trim-and-fill)",
        )
        filled.set_gid("funnel-filled")
        ax.axvline(
            trimfill.adjusted.estimate, color=_ACCENT, lw=0.9, ls=":", label="adjusted estimate"
        )
    ax.set_ylim(top, 0.0)
    ax.set_ylabel("Standard error")
    measure = result.measure if result.measure != "GEN" else "Effect size"
    lo_x, hi_x = ax.get_xlim()
    _label_x(ax, ratio, measure, lo_x, hi_x)
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="best")
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def bubble_plot(
    result: MetaRegressionResult, moderator: str | None = None, *, title: str | None = None
) -> Figure:
    """Bubble plot of a meta-regression: effect sizes against one moderator.

    Each study is a circle of area proportional to its weight in the model; the fitted line
    and its confidence band are drawn for a continuous moderator, with every other
    moderator column held at its weighted mean (as metafor ``regplot``). For a level of a
    categorical moderator (a 0/1 column) the two groups are drawn at 0 and 1.

    :param result: the meta-regression.
    :param moderator: coefficient name to put on the x axis (default: the first after
        the intercept).
    :param title: optional title.
    :returns: the figure.
    :raises KeyError: for a name that is not a moderator coefficient.

    >>> from gutbone.stats.regression import meta_regression
    >>> fit = meta_regression([0.1, 0.3, 0.2, 0.6], [0.02] * 4, {"dose": [1, 2, 3, 4]})
    >>> fig = bubble_plot(fit)
    >>> [c.get_gid() for c in fig.axes[0].collections][:1]
    ['bubble-points']
    """
    names = list(result.moderators)
    name = moderator if moderator is not None else names[0]
    if name not in result.moderators:
        raise KeyError(name)
    x = np.asarray(result.moderators[name], dtype=float)
    y = np.asarray(result.yi, dtype=float)
    w = np.asarray(result.weights, dtype=float)
    fig = Figure(figsize=(6.5, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    sizes = 30.0 + 600.0 * w / max(float(w.max()), 1e-300)
    points = ax.scatter(x, y, s=sizes, facecolor="none", edgecolor=_ACCENT, linewidth=1.2)
    points.set_gid("bubble-points")
    grid, fitted, half = _regression_band(result, name, x, w)
    (line,) = ax.plot(grid, fitted, color=_INK, linewidth=1.4)
    line.set_gid("bubble-line")
    band = ax.fill_between(grid, fitted - half, fitted + half, color=_MUTED, alpha=0.2)
    band.set_gid("bubble-ci")
    ax.set_xlabel(name)
    measure = result.measure if result.measure != "GEN" else "effect size"
    ax.set_ylabel(f"Observed {measure}" + (" (log scale)" if measure in RATIO_MEASURES else ""))
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or f"Meta-regression on {name} (k = {result.k})", fontsize=11)
    return fig


def _regression_band(
    result: MetaRegressionResult, name: str, x: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fitted values along ``name`` (other columns at their weighted means) and CI half-widths."""
    names = list(result.moderators)
    means = [
        float(np.average(np.asarray(result.moderators[n], dtype=float), weights=w)) for n in names
    ]
    grid = np.linspace(float(x.min()), float(x.max()), 50)
    design = np.tile(np.array([1.0, *means]), (grid.size, 1))
    design[:, 1 + names.index(name)] = grid
    beta = np.array([c.estimate for c in result.coefficients])
    vcov = np.asarray(result.vcov, dtype=float)
    fitted = design @ beta
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", design, vcov, design), 0.0))
    alpha = 1.0 - result.level
    crit = (
        float(stats.t.ppf(1 - alpha / 2, result.df))
        if result.df is not None
        else float(stats.norm.ppf(1 - alpha / 2))
    )
    return grid, fitted, crit * se


def figure_svg(fig: Figure) -> bytes:
    """Render a figure to SVG bytes (no file written).

    Text stays ``<text>`` (``svg.fonttype: none``): the browser draws it with its own
    fonts, so study names in Chinese display even where matplotlib has no CJK font.
    The canvas grows to hold every label (``bbox_inches="tight"``), so long study names
    are never clipped.
    """
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "gutbone"}):  # fixed ids
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight",
                    pad_inches=0.2)  # fmt: skip
    return buffer.getvalue()


def save_svg(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Write a figure as SVG atomically (temporary file and rename)."""
    atomic_write(path, figure_svg(fig))
