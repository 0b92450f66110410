"""Views and the report in headless Chromium: rendering, tooltips, XSS, links, pixels.

Requires Playwright and Debian's chromium (see ``tests/conftest.py``); every request that
is not ``file://`` or ``data:`` is blocked and recorded.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from conftest import XSS_LABEL, XSS_QUOTE, PageLog, wait_until_stable
from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.views.pathway import DEFAULT_MAX_NODES

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"


def _write_view(tmp_path: Path, data_root: Path, *extra: str) -> Path:
    out = tmp_path / "view.html"
    assert main(["view", "--data", str(data_root), "--out", str(out), *extra]) == 0
    return out


def _pixel_stddev(png: bytes) -> float:
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    return float(ImageStat.Stat(image).stddev[0])


def _hover_node(page: Any, node_id: str) -> str:
    """Move the mouse onto a node and return the tooltip's text."""
    box = page.locator("#mynetwork").bounding_box()
    point = page.evaluate(
        """(id) => { const p = network.getPositions([id])[id];
                     return network.canvasToDOM(p); }""",
        node_id,
    )
    page.mouse.move(box["x"] + point["x"] + 20, box["y"] + point["y"] + 20)
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"], steps=4)
    tooltip = page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible", timeout=10_000)
    return str(tooltip.inner_text())


def test_view_renders_every_node_and_edge(tmp_path: Path, page: Any, page_log: PageLog) -> None:
    out = _write_view(tmp_path, FIXTURE)
    data = load_curated(FIXTURE)
    page.goto(out.as_uri())
    wait_until_stable(page)
    counts = page.evaluate(
        "[typeof network, network.body.data.nodes.length, network.body.data.edges.length,"
        " Object.keys(network.getPositions()).length]"
    )
    assert counts == ["object", len(data.nodes), len(data.edges), len(data.nodes)]
    assert page.evaluate("network.physics.options.enabled") is False  # physics stopped
    assert page_log.blocked == []
    assert page_log.errors == []
    shot = page.locator("#mynetwork").screenshot()
    assert _pixel_stddev(shot) > 5.0  # not a blank canvas


def test_tooltips_carry_the_evidence(tmp_path: Path, page: Any) -> None:
    out = _write_view(tmp_path, FIXTURE)
    page.goto(out.as_uri())
    wait_until_stable(page)
    # edge e2 of the fixture: MD 0.050 [0.010, 0.100], p, I2 37.5, k 5, n 340, REML, animal
    tip = page.evaluate("gutboneView.edges.get('e2').title.innerText")
    for expected in ("increases", "+1", "animal study", "MD 0.050 [0.010, 0.100]", "k = 5",
                     "I² = 37.5%", "n = 340", "REML", "toy: A toy review for tests", "sec. 2",
                     "Butyrate raises BMD, in mice."):  # fmt: skip
        assert expected in tip
    assert "Lachnospiraceae" in _hover_node(page, "NCBITaxon:186803")


def test_xss_label_is_text_and_runs_nothing(
    tmp_path: Path, xss_data: Path, page: Any, page_log: PageLog
) -> None:
    out = _write_view(tmp_path, xss_data)
    page.goto(out.as_uri())
    wait_until_stable(page)
    assert page.evaluate("gutboneView.nodes.get('gutbone:xss_node').label") == XSS_LABEL
    shown = _hover_node(page, "gutbone:xss_node")
    assert XSS_LABEL in shown  # shown as text, not parsed as an element
    edge_tip = page.evaluate("gutboneView.edges.get('x1').title.innerText")
    assert XSS_QUOTE in edge_tip and "<b>loc</b>" in edge_tip
    assert page.evaluate("document.querySelectorAll('img, .vis-tooltip script, b > b').length") == 0
    page.wait_for_timeout(300)
    assert page_log.dialogs == []
    assert page_log.errors == []


def test_paths_view_highlights_ranked_paths(tmp_path: Path, page: Any) -> None:
    out = _write_view(tmp_path, FIXTURE, "--from", "Lachnospiraceae", "--to", "bone density")
    page.goto(out.as_uri())
    wait_until_stable(page)
    rows = page.locator("#gb-paths tbody tr")
    assert rows.count() == 1
    rows.first.click()
    selection = page.evaluate(
        "[network.getSelectedNodes().sort(), network.getSelectedEdges().sort()]"
    )
    assert selection == [["CHEBI:17968", "EFO:0003923", "NCBITaxon:186803"], ["e1", "e2"]]


def _local_target(base: Path, url: str) -> Path:
    return Path(unquote(urlparse(url).path))


def test_report_links_resolve_and_views_render(
    tmp_path: Path, page: Any, page_log: PageLog
) -> None:
    out = tmp_path / "report"
    assert main(["report", "--out", str(out)]) == 0
    index = out / "index.html"
    page.goto(index.as_uri())
    links = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], img[src], iframe[src]'))
                 .map(e => [e.tagName, e.getAttribute('href') || e.getAttribute('src'),
                            e.href || e.src])"""
    )
    assert len(links) > 50
    # the discrepancy section is the first section after the summary, and shows its rows
    headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.id)")
    assert headings[:3] == ["summary", "discrepancies", "counts"]
    assert page.locator("#discrepancy-table tbody tr").count() == len(load_curated().discrepancies)
    assert page.locator("#disc-hip-headline").is_visible()
    anchors = 0
    for tag, raw, absolute in links:
        assert not re.match(r"https?:", raw), raw
        if raw.startswith("#"):
            anchors += 1
            assert page.evaluate("(id) => document.getElementById(id) !== null", raw[1:]), raw
        else:
            assert _local_target(out, absolute).is_file(), f"{tag} {raw}"
    assert anchors > 20
    # every image is an SVG the browser could decode
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
    )
    assert broken == 0
    # the sortable evidence table sorts on click (by id: descending on the second click)
    header = page.locator("#evidence-table thead th").first
    header.click()
    first_up = page.locator("#evidence-table tbody tr").first.get_attribute("id")
    header.click()
    first_down = page.locator("#evidence-table tbody tr").first.get_attribute("id")
    ids = sorted(load_curated().edges)
    assert (first_up, first_down) == (f"edge-{ids[0]}", f"edge-{ids[-1]}")
    # the whole-graph view page renders with every node and assertion (curated + ingested);
    # a graph larger than the view limit is left out with a note instead
    data = load_curated()
    if len(data.nodes) > DEFAULT_MAX_NODES:
        assert not (out / "views" / "graph.html").exists()
        assert "View not drawn" in (out / "index.html").read_text(encoding="utf-8")
    else:
        page.goto((out / "views" / "graph.html").as_uri())
        wait_until_stable(page)
        assert page.evaluate("[gutboneView.nodes.length, gutboneView.edges.length]") == [
            len(data.nodes),
            len(data.edges),
        ]
        assert _pixel_stddev(page.locator("#mynetwork").screenshot()) > 5.0
    assert page_log.blocked == []
    assert page_log.errors == []
