"""The report in headless Chromium: layout at 1400 px, table filter, print, unclipped plots.

One report of the bundled data is built per module; every request that is not ``file://``
or ``data:`` is blocked and recorded (``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.stats.meta import pool
from gutbone.views.meta_plots import forest_plot, save_svg
from gutbone.views.mr_plots import estimate_forest, save_figure

pytestmark = pytest.mark.browser

LONG = "Lachnospiraceae NC2004 group abundance (genus level, MiBioGen 2021 release)"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report"
    assert main(["report", "--out", str(out)]) == 0
    return out


@pytest.fixture
def wide_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(("file://", "data:"))
            else (blocked.append(r.request.url), r.abort())
        ),
    )
    yield page
    context.close()
    assert blocked == []


def test_evidence_table_fits_1400px_and_shows_english(report: Path, wide_page: Any) -> None:
    wide_page.goto((report / "index.html").as_uri())
    sizes = wide_page.evaluate(
        """() => { const t = document.getElementById('evidence-table').getBoundingClientRect();
                   const b = document.body.getBoundingClientRect();
                   return [document.documentElement.scrollWidth, t.left, t.right,
                           b.left, b.right]; }"""
    )
    page_width, left, right, body_left, body_right = sizes
    wide = wide_page.evaluate(
        """() => Array.from(document.querySelectorAll('body *'))
                 .filter(e => e.getBoundingClientRect().right > 1400)
                 .map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    assert page_width <= 1400, wide  # no horizontal scroll of the page
    assert body_left <= left and right <= body_right  # the table inside its container
    cell = wide_page.inner_text("#edge-hyp-001 td.quote")
    assert "Lachnospiraceae產生的丁酸能直接激活腸道迷走神經" in cell
    assert "butyrate produced by Lachnospiraceae can directly activate the intestinal" in cell
    assert "Research conclusions" in wide_page.inner_text("#edge-hyp-001 td:nth-child(9)")


def test_evidence_filter_box_keeps_matching_rows(report: Path, wide_page: Any) -> None:
    wide_page.goto((report / "index.html").as_uri())
    box = wide_page.locator('input[data-table="evidence-table"]')
    box.fill("丁酸")
    shown = wide_page.evaluate(
        "Array.from(document.querySelectorAll('#evidence-table tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.id.slice(5)).sort()"
    )
    data = load_curated()
    # 丁酸 (butyric acid) occurs only in Chinese text: quotes and locators
    expected = sorted(e.id for e in data.edges.values() if "丁酸" in e.quote + e.locator)
    assert shown == expected and len(expected) > 3
    total = len(data.edges)
    assert (
        wide_page.inner_text('input[data-table="evidence-table"] + .filter-count')
        == f"{len(expected)} of {total} rows"
    )
    box.fill("")
    assert (
        wide_page.evaluate("document.querySelectorAll('#evidence-table tbody tr[hidden]').length")
        == 0
    )


def test_print_stylesheet_hides_interactive_parts(report: Path, wide_page: Any) -> None:
    wide_page.goto((report / "index.html").as_uri())
    wide_page.emulate_media(media="print")
    shown = wide_page.evaluate(
        """() => ['nav', 'iframe.view', '.filter', 'table'].map(
                 s => getComputedStyle(document.querySelector(s)).display)"""
    )
    assert shown == ["none", "none", "none", "table"]
    pdf = wide_page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 50_000


#: Every <text> of the SVG document: its getBBox corners mapped by getCTM to the root
#: viewport (getCTM includes the viewBox scaling, pt to px), as [text, minX, minY, maxX,
#: maxY], with the viewport [0, 0, width, height] (the viewBox, scaled).
_TEXT_EXTENTS = """() => {
  const svg = document.documentElement;
  const box = {x: 0, y: 0, width: svg.width.baseVal.value, height: svg.height.baseVal.value};
  const texts = Array.from(document.querySelectorAll('text')).map(t => {
    const b = t.getBBox(), m = t.getCTM();
    const xs = [], ys = [];
    for (const [x, y] of [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height],
                          [b.x + b.width, b.y + b.height]]) {
      xs.push(m.a * x + m.c * y + m.e); ys.push(m.b * x + m.d * y + m.f);
    }
    return [t.textContent, Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  });
  return {view: [box.x, box.y, box.width, box.height], texts: texts};
}"""


def _clipped(page: Any, svg: Path) -> list[str]:
    page.goto(svg.as_uri())
    found = page.evaluate(_TEXT_EXTENTS)
    x0, y0, width, height = found["view"]
    assert width > 0 and height > 0 and found["texts"], svg.name
    return [
        f"{svg.name}: {text!r} [{a:.1f}, {b:.1f}, {c:.1f}, {d:.1f}] outside {found['view']}"
        for text, a, b, c, d in found["texts"]
        if a < x0 - 0.5 or b < y0 - 0.5 or c > x0 + width + 0.5 or d > y0 + height + 0.5
    ]


def test_no_clipped_text_in_mr_and_forest_plots(
    report: Path, wide_page: Any, tmp_path: Path
) -> None:
    # the report's plots, plus an MR forest and a meta-analysis forest with long names
    mr = tmp_path / "mr-long.svg"
    save_figure(
        estimate_forest([LONG, "short"], [0.12, -0.05], [0.02, -0.11], [0.22, 0.01], title="x"),
        mr,
    )
    forest = tmp_path / "forest-long.svg"
    studies = [LONG, "薛云川 (2020) or 郭振国 (2020) [FN-2]", "B"]
    result = pool([0.1, 0.3, -0.05], [0.01, 0.02, 0.015], model="REML", studies=studies)
    save_svg(forest_plot(result, title="long names"), forest)
    plots = sorted((report / "plots").glob("*.svg"))
    assert any(p.name == "mr-estimates.svg" for p in plots)
    assert any(p.name.startswith("forest-") for p in plots)
    problems = [line for svg in [mr, forest, *plots] for line in _clipped(wide_page, svg)]
    assert problems == []
    assert LONG.split()[0] in mr.read_text(encoding="utf-8")
    # Chinese study names with their pinyin form below (data/studies/bmd_femoral_neck.csv)
    femoral = (report / "plots" / "forest-bmd-femoral-neck.svg").read_text(encoding="utf-8")
    assert "薛云川 (2020) or 郭振国 (2020) [FN-2]" in femoral
    assert "Xue Yunchuan (2020) or Guo Zhenguo (2020) [FN-2]" in femoral
