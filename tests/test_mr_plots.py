"""MR scatter, MR forest and mediation diagrams: the drawn data, not just the files.

Reference numbers: R MendelianRandomization on its LDL-C -> CHD example (see
``tests/references/mr_references.py`` for the calls and the printed outputs).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gutbone.stats.mediation import mediate
from gutbone.stats.mr import mr_all
from gutbone.views.mr_plots import (
    estimate_forest,
    figure_bytes,
    mediation_diagram,
    mr_forest,
    mr_scatter,
    save_figure,
)
from references import mr_references as ref
from tolerances import printed


@pytest.fixture(scope="module")
def ldl_result():
    return mr_all(ref.LDLC, ref.LDLCSE, ref.CHDLODDS, ref.CHDLODDSSE, n_boot=2000)


def _line(fig, gid):
    (line,) = [x for x in fig.axes[0].lines if x.get_gid() == gid]
    xs, ys = (np.asarray(v, dtype=float) for v in line.get_data())
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    intercept = ys[0] - slope * xs[0]
    return slope, intercept


def test_scatter_points_are_the_oriented_variants(ldl_result) -> None:
    fig = mr_scatter(ref.LDLC, ref.LDLCSE, ref.CHDLODDS, ref.CHDLODDSSE, ldl_result)
    (points,) = [c for c in fig.axes[0].collections if c.get_gid() == "variants"]
    offsets = np.asarray(points.get_offsets())
    assert offsets.shape == (28, 2)
    # snp_2: (-0.044, -0.1625) is drawn as (0.044, 0.1625): both betas flipped together
    assert offsets[1] == pytest.approx([0.044, 0.1625])
    # snp_1 keeps its orientation (0.026, 0.0677)
    assert offsets[0] == pytest.approx([0.026, 0.0677])
    assert (offsets[:, 0] >= 0).all()


def test_scatter_lines_have_the_published_slopes(ldl_result) -> None:
    fig = mr_scatter(ref.LDLC, ref.LDLCSE, ref.CHDLODDS, ref.CHDLODDSSE, ldl_result)
    slope, intercept = _line(fig, "line-ivw")
    assert slope == pytest.approx(ref.IVW["estimate"][0], abs=printed(3))
    assert intercept == pytest.approx(0.0, abs=1e-12)
    slope, intercept = _line(fig, "line-egger")
    assert slope == pytest.approx(ref.EGGER["estimate"][0], abs=printed(3))
    assert intercept == pytest.approx(ref.EGGER["intercept"][0], abs=printed(3))
    slope, _ = _line(fig, "line-weighted_median")
    assert slope == pytest.approx(ref.WEIGHTED_MEDIAN["estimate"][0], abs=printed(3))
    slope, _ = _line(fig, "line-simple_median")
    assert slope == pytest.approx(ref.SIMPLE_MEDIAN["estimate"][0], abs=printed(3))
    svg = figure_bytes(fig).decode()
    assert "IVW (random effects): 2.83" in svg and "MR-Egger: 3.25" in svg
    assert svg.count('id="line-') == 4


def test_forest_rows_are_the_methods(ldl_result) -> None:
    fig = mr_forest(ldl_result)
    points = {
        x.get_gid(): x for x in fig.axes[0].lines if (x.get_gid() or "").startswith("estimate-")
    }
    # rows top to bottom: IVW random, IVW fixed, Egger, weighted median, simple median
    estimate_0 = float(points["estimate-0"].get_xdata()[0])
    estimate_2 = float(points["estimate-2"].get_xdata()[0])
    assert estimate_0 == pytest.approx(ref.IVW["estimate"][0], abs=printed(3))
    assert estimate_2 == pytest.approx(ref.EGGER["estimate"][0], abs=printed(3))
    ci = points["estimate-ci-0"].get_xdata()
    assert ci[0] == pytest.approx(ref.IVW["ci_lower"][0], abs=printed(3))
    assert ci[1] == pytest.approx(ref.IVW["ci_upper"][0], abs=printed(3))
    svg = figure_bytes(fig).decode()
    for label in ("IVW (random effects)", "IVW (fixed effect)", "MR-Egger", "Weighted median",
                  "Simple median", "28 variants"):  # fmt: skip
        assert label in svg
    assert "2.83 [1.8, 3.87]" in svg  # 2.834 [1.796, 3.873] at 3 significant digits


def test_estimate_forest_without_ci() -> None:
    fig = estimate_forest(["a", "b"], [0.03, -0.03], [0.005, None], [0.055, None])
    gids = {x.get_gid() for x in fig.axes[0].lines}
    assert {"estimate-0", "estimate-ci-0", "estimate-1"} <= gids
    assert "estimate-ci-1" not in gids  # no interval drawn where none is reported
    svg = figure_bytes(fig).decode()
    assert "0.03 [0.005, 0.055]" in svg and "-0.03" in svg
    with pytest.raises(ValueError, match="same length"):
        estimate_forest(["a"], [1.0, 2.0], [None], [None])


def test_mediation_diagram_numbers() -> None:
    # Hand calculation (product of coefficients, Sobel SE):
    # a = 0.5 (SE 0.1), b = 0.4 (SE 0.1), total c = 0.4 (SE 0.1)
    # indirect = 0.2; SE = sqrt(0.4^2 0.1^2 + 0.5^2 0.1^2) = sqrt(0.0041) = 0.064031
    # 95% CI = 0.2 -+ 1.959964 * 0.064031 = (0.0745, 0.3255); proportion = 0.2 / 0.4 = 50%
    result = mediate(0.5, 0.1, 0.4, 0.1, total=0.4, total_se=0.1)
    fig = mediation_diagram(result, exposure="taxon", mediator="RMSSD", outcome="BMD")
    svg = figure_bytes(fig).decode()
    for text in ("a = 0.5 (SE 0.1)", "b = 0.4 (SE 0.1)", "indirect a×b = 0.2 (95% CI 0.0745 to",
                 "proportion mediated 50%", "taxon", "RMSSD", "BMD"):  # fmt: skip
        assert text in svg, text
    # direct = c - ab = 0.2, SE sqrt(0.1^2 + 0.0041) = 0.1187
    assert "direct = 0.2 (SE 0.119)" in svg
    for gid in ("box-exposure", "box-mediator", "box-outcome", "arrow-a", "arrow-b",
                "arrow-direct"):  # fmt: skip
        assert f'id="{gid}"' in svg


def test_reported_mediation_diagram() -> None:
    # as curated from seed 001: about 40% (95% CI 21.1%-58.9%, P = 0.03) through RMSSD
    fig = mediation_diagram(exposure="Lachnospiraceae NC2004", mediator="RMSSD",
                            outcome="heel BMD", proportion=0.40, proportion_ci=(0.211, 0.589),
                            proportion_p=0.03)  # fmt: skip
    svg = figure_bytes(fig).decode()
    assert "proportion mediated 40% (95% CI 21.1% to 58.9%), p = 0.030" in svg


def test_save_figure_svg_and_png(tmp_path: Path) -> None:
    fig = estimate_forest(["x"], [1.0], [0.5], [1.5])
    save_figure(fig, tmp_path / "f.svg")
    save_figure(fig, tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "f.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and not re.search(r"<dc:date>", svg)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png", "f.svg"]
    with pytest.raises(ValueError, match="svg or png"):
        figure_bytes(fig, "pdf")
