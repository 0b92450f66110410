"""Forest and funnel plots: check what is drawn, in the figure and in the SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from matplotlib.patches import Polygon, Rectangle

from gutbone.stats.bias import trim_and_fill
from gutbone.stats.effect_sizes import log_risk_ratio
from gutbone.stats.meta import pool, pool_subgroups
from gutbone.views.meta_plots import figure_svg, forest_plot, funnel_plot, save_svg
from references import meta_references as ref

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def bcg():
    yv = log_risk_ratio(
        ref.BCG_TPOS, ref.BCG_TPOS + ref.BCG_TNEG, ref.BCG_CPOS, ref.BCG_CPOS + ref.BCG_CNEG
    )
    return yv.yi, yv.vi


def _gids(fig):
    ax = fig.axes[0]
    return {
        a.get_gid(): a
        for a in list(ax.patches) + list(ax.lines) + list(ax.collections)
        if a.get_gid()
    }


def test_forest_rows_diamond_and_pi_in_figure(bcg):
    y, v = bcg
    r = pool(y, v, model="REML", measure="RR", studies=ref.BCG_STUDIES)
    fig = forest_plot(r)
    gids = _gids(fig)
    squares = [a for g, a in gids.items() if re.fullmatch(r"study-\d+", g)]
    assert len(squares) == 13 and all(isinstance(s, Rectangle) for s in squares)
    # each study's square is centred on yi and its CI line spans yi -+ 1.96 sqrt(vi)
    for i in range(13):
        box = gids[f"study-{i}"]
        assert box.get_x() + box.get_width() / 2 == pytest.approx(y[i], abs=1e-9)
        xs = gids[f"study-ci-{i}"].get_xdata()
        assert xs == pytest.approx(
            [y[i] - 1.959964 * np.sqrt(v[i]), y[i] + 1.959964 * np.sqrt(v[i])], abs=1e-5
        )
    # bigger weight, bigger square
    heights = [gids[f"study-{i}"].get_height() for i in range(13)]
    assert np.argmax(heights) == int(np.argmax(r.weights))
    diamond = gids["summary-diamond"]
    assert isinstance(diamond, Polygon)
    xs = sorted(diamond.get_xy()[:4, 0])
    assert xs == pytest.approx([r.ci_lower, r.estimate, r.estimate, r.ci_upper])
    pi = gids["prediction-interval"].get_xdata()
    assert pi == pytest.approx([r.pi_lower, r.pi_upper])
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert set(ref.BCG_STUDIES) <= labels
    assert f"{r.weights[0]:.1f}%" in labels


def test_forest_svg_contains_rows_and_diamond(bcg, tmp_path):
    y, v = bcg
    r = pool(y, v, model="DL", measure="RR", studies=ref.BCG_STUDIES)
    path = tmp_path / "forest.svg"
    save_svg(forest_plot(r), path)
    root = ET.parse(path).getroot()
    ids = {g.get("id") for g in root.iter(f"{SVG}g") if g.get("id")}
    assert sum(1 for i in ids if re.fullmatch(r"study-\d+", i)) == 13
    assert "summary-diamond" in ids and "prediction-interval" in ids
    # the diamond path in the SVG has four distinct x positions, ordered like the CI
    group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == "summary-diamond")
    d = next(group.iter(f"{SVG}path")).get("d")
    xs = [float(x) for x in re.findall(r"[ML]\s*([-\d.]+)\s", d)]
    assert len(set(np.round(xs, 3))) == 3  # left tip, centre (twice), right tip
    assert list(tmp_path.iterdir()) == [path]  # atomic write leaves no temporary file


def test_forest_with_subgroups(bcg):
    y, v = bcg
    r = pool_subgroups(y, v, ref.BCG_ALLOC, model="REML", measure="RR", studies=ref.BCG_STUDIES)
    gids = _gids(forest_plot(r))
    assert sum(1 for g in gids if re.fullmatch(r"study-\d+", g)) == 13
    for j, group in enumerate(r.subgroups):
        xs = sorted(gids[f"subgroup-diamond-{j}"].get_xy()[:4, 0])
        assert xs == pytest.approx(
            [
                group.result.ci_lower,
                group.result.estimate,
                group.result.estimate,
                group.result.ci_upper,
            ]
        )


def test_funnel_points_limits_and_filled(bcg):
    y, v = bcg
    r = pool(y, v, model="REML", measure="RR")
    tf = trim_and_fill(y, v, model="REML")
    fig = funnel_plot(r, trimfill=tf)
    gids = _gids(fig)
    points = np.asarray(gids["funnel-points"].get_offsets())
    assert points.shape == (13, 2)
    assert points[:, 0] == pytest.approx(y)
    assert points[:, 1] == pytest.approx(np.sqrt(v))
    filled = np.asarray(gids["funnel-filled"].get_offsets())
    assert filled.shape == (tf.k0, 2) and tf.k0 >= 1
    assert filled[:, 0] == pytest.approx(tf.filled_yi)
    left = gids["funnel-limits"]
    se = left.get_ydata()
    assert left.get_xdata() == pytest.approx(r.estimate - 1.959964 * se, abs=1e-5)
    assert fig.axes[0].get_ylim()[0] > fig.axes[0].get_ylim()[1]  # se axis inverted
    svg = figure_svg(fig).decode()
    assert 'id="funnel-filled"' in svg and 'id="funnel-points"' in svg


def test_forest_of_mantel_haenszel_result():
    # MH weights (RR: c n1/N), the MH diamond, a "not estimable" row for a study with no
    # events in both arms, and no separate prediction interval (it equals the CI)
    from gutbone.stats.mantel_haenszel import pool_mh

    a = np.append(ref.BCG_TPOS, 0)
    n1 = np.append(ref.BCG_TPOS + ref.BCG_TNEG, 40)
    c = np.append(ref.BCG_CPOS, 0)
    n2 = np.append(ref.BCG_CPOS + ref.BCG_CNEG, 40)
    names = (*ref.BCG_STUDIES, "No events")
    r = pool_mh(a, n1, c, n2, measure="RR", studies=names)
    fig = forest_plot(r)
    gids = _gids(fig)
    assert sum(1 for g in gids if re.fullmatch(r"study-\d+", g)) == 13  # no box for row 14
    assert "study-13" not in gids and "prediction-interval" not in gids
    heights = [gids[f"study-{i}"].get_height() for i in range(13)]
    mh_weight = ref.BCG_CPOS * (ref.BCG_TPOS + ref.BCG_TNEG)
    mh_weight = mh_weight / (ref.BCG_TPOS + ref.BCG_TNEG + ref.BCG_CPOS + ref.BCG_CNEG)
    assert np.argmax(heights) == int(np.argmax(mh_weight))  # TPT Madras
    xs = sorted(gids["summary-diamond"].get_xy()[:4, 0])
    assert xs == pytest.approx([r.ci_lower, r.estimate, r.estimate, r.ci_upper])
    assert r.estimate == pytest.approx(ref.MH_BCG_RR_PRINTED["estimate"], abs=5e-5)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert "MH fixed effect (k=14)" in labels and "not estimable" in labels
    assert f"{100 * mh_weight[7] / mh_weight.sum():.1f}%" in labels
    funnel = _gids(funnel_plot(r))
    assert len(funnel["funnel-points"].get_offsets()) == 13  # the double-zero study is left out
