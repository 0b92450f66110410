"""Plot labels: wrapping, pinyin study labels, canvases that grow instead of clipping."""

from __future__ import annotations

import re

import pytest

from gutbone.stats.meta import pool
from gutbone.views.meta_plots import figure_svg, forest_plot
from gutbone.views.mr_plots import estimate_forest, figure_bytes, wrap_label

LONG = "Lachnospiraceae NC2004 group abundance (genus level, MiBioGen 2021 release)"


def _svg_width_pt(svg: bytes) -> float:
    match = re.search(rb'<svg[^>]* width="([0-9.]+)pt"', svg)
    assert match is not None
    return float(match.group(1))


def test_wrap_label_keeps_words_and_text() -> None:
    lines = wrap_label(LONG).splitlines()
    assert lines == [
        "Lachnospiraceae NC2004 group abundance",
        "(genus level, MiBioGen 2021 release)",
    ]
    assert wrap_label("short") == "short"


def test_forest_canvas_grows_with_the_label() -> None:
    # the figure is 9 in (648 pt) wide; tight saving crops it to the drawn content, and a
    # longer unbreakable label widens it by the extra text
    short = figure_bytes(estimate_forest(["a"], [0.1], [0.0], [0.2]))
    long = figure_bytes(estimate_forest(["x" * 120], [0.1], [0.0], [0.2]))
    assert _svg_width_pt(long) > _svg_width_pt(short) + 300


def test_meta_forest_draws_given_study_labels() -> None:
    result = pool([0.1, 0.3], [0.01, 0.02], model="FE", studies=["薛云川 (2020)", "B"])
    labels = ["薛云川 (2020)\nXue Yunchuan (2020)", "B"]
    svg = figure_svg(forest_plot(result, study_labels=labels)).decode("utf-8")
    assert "Xue Yunchuan (2020)" in svg and "薛云川 (2020)" in svg
    one_line = forest_plot(result)
    two_lines = forest_plot(result, study_labels=labels)
    assert two_lines.get_figheight() >= one_line.get_figheight()
    with pytest.raises(ValueError, match="1 labels for 2 studies"):
        forest_plot(result, study_labels=["only one"])
