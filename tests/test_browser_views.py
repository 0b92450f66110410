"""The layered whole-graph view in headless Chromium: layers, search, filters, CJK text.

One view of the bundled graph is written per module and loaded in a fresh page per test
(every request that is not ``file://`` or ``data:`` is blocked and recorded; see
``tests/conftest.py``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from conftest import PageLog, wait_until_stable
from gutbone.cli import main
from gutbone.curation import load_curated

pytestmark = pytest.mark.browser

BUTYRATE = "CHEBI:17968"  # label "butyrate", Chinese synonym 丁酸盐 (data/nodes/review.csv)
#: Layers by hand (docs/views.md) for nodes of the bundled graph.
KNOWN_LAYERS = {
    "NCBITaxon:186803": 0,  # Lachnospiraceae (Taxon)
    BUTYRATE: 1,  # butyrate (Metabolite)
    "HGNC:11926": 2,  # RANKL (GeneProduct)
    "OBA:1000110": 4,  # bone density (BoneOutcome)
}


@pytest.fixture(scope="module")
def view_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("view") / "graph.html"
    assert main(["view", "--out", str(out)]) == 0
    return out


@pytest.fixture
def graph_page(page: Any, view_file: Path) -> Any:
    page.goto(view_file.as_uri())
    wait_until_stable(page)
    return page


def test_layered_view_orders_x_by_layer(graph_page: Any, page_log: PageLog) -> None:
    rows = graph_page.evaluate(
        """() => { const pos = network.getPositions();
                   return gutboneView.nodes.get().map(n => [n.id, n.layer, pos[n.id].x]); }"""
    )
    data = load_curated()
    assert len(rows) == len(data.nodes)
    layer = {node_id: number for node_id, number, _x in rows}
    assert {k: layer[k] for k in KNOWN_LAYERS} == KNOWN_LAYERS
    xs: dict[int, list[float]] = {}
    for _id, number, x in rows:
        xs.setdefault(number, []).append(x)
    assert sorted(xs) == [0, 1, 2, 3, 4]
    for left in range(4):
        assert max(xs[left]) < min(xs[left + 1])
    # labels readable at the default zoom: 14 px labels drawn at least 10 px high
    assert graph_page.evaluate("network.getScale() * 14") >= 10.0
    assert page_log.blocked == [] and page_log.errors == []


def _neighbours(node_id: str) -> set[str]:
    data = load_curated()
    found = {e.object for e in data.edges.values() if e.subject == node_id}
    return found | {e.subject for e in data.edges.values() if e.object == node_id}


def _search(page: Any, text: str) -> dict[str, Any]:
    page.fill("#gb-search", text)
    page.press("#gb-search", "Enter")
    return dict(
        page.evaluate(
            """() => { const id = gutboneView.focused;
                       const text = document.getElementById('gb-search-result').textContent;
                       if (!id) { return {id: null, text: text}; }
                       const box = document.getElementById('mynetwork').getBoundingClientRect();
                       const dom = network.canvasToDOM(network.getPositions([id])[id]);
                       return {id: id, selected: network.getSelectedNodes(),
                               dx: dom.x - box.width / 2, dy: dom.y - box.height / 2,
                               scale: network.getScale(), text: text}; }"""
        )
    )


@pytest.mark.parametrize("text", ["butyrate", "丁酸"])
def test_search_finds_and_focuses_a_node(graph_page: Any, text: str) -> None:
    found = _search(graph_page, text)
    assert found["id"] == BUTYRATE
    assert set(found["selected"]) == {BUTYRATE} | _neighbours(BUTYRATE)
    assert abs(found["dx"]) < 2 and abs(found["dy"]) < 2  # centred in the canvas
    assert found["scale"] >= 1.0
    assert found["text"].startswith(
        f"butyrate ({BUTYRATE}): {len(_neighbours(BUTYRATE))} neighbours"
    )


def test_search_reports_no_match(graph_page: Any) -> None:
    assert _search(graph_page, "no such node xyz")["text"] == "no node matches"


def test_filters_hide_edges_by_sign_and_nodes_by_category(graph_page: Any) -> None:
    data = load_curated()
    graph_page.uncheck('#gb-filters fieldset[data-key="sign"] input[value="-1"]')
    kept = [e for e in data.edges.values() if e.sign != -1]
    shown = graph_page.evaluate("gutboneView.edgeView.getIds()")
    assert sorted(shown) == sorted(e.id for e in kept)
    assert graph_page.inner_text("#gb-count-edges") == str(len(kept))
    ends = {e.subject for e in kept} | {e.object for e in kept}
    assert sorted(graph_page.evaluate("gutboneView.nodeView.getIds()")) == sorted(ends)
    graph_page.check('#gb-filters fieldset[data-key="sign"] input[value="-1"]')
    graph_page.uncheck('#gb-filters fieldset[data-key="category"] input[value="Taxon"]')
    taxa = {n.id for n in data.nodes.values() if n.category == "Taxon"}
    assert len(graph_page.evaluate("gutboneView.nodeView.getIds()")) == len(data.nodes) - len(taxa)
    edges = [e for e in data.edges.values() if e.subject not in taxa and e.object not in taxa]
    assert graph_page.evaluate("gutboneView.edgeView.length") == len(edges)


def test_group_categories_makes_one_cluster_per_category(graph_page: Any) -> None:
    data = load_curated()
    graph_page.click("#gb-cluster")
    categories = {n.category for n in data.nodes.values()}
    visible = graph_page.evaluate(
        "Object.keys(network.getPositions()).filter(id => network.isCluster(id)).sort()"
    )
    assert visible == sorted(f"cluster:{c}" for c in categories)
    # a search opens the cluster that holds the node
    assert _search(graph_page, "butyrate")["id"] == BUTYRATE
    assert not graph_page.evaluate("network.isCluster('cluster:Metabolite')")


def _glyph_png(page: Any, text: str) -> bytes:
    """A screenshot of ``text`` in the page's font stack, 48 px, black on white."""
    page.evaluate(
        """(text) => { let s = document.getElementById('gb-glyph');
                       if (!s) { s = document.createElement('span'); s.id = 'gb-glyph';
                                 s.style.cssText = 'position:fixed;left:0;top:0;font-size:48px;'
                                   + 'line-height:1;background:#fff;color:#000;padding:4px';
                                 document.body.appendChild(s); }
                       s.textContent = text; }""",
        text,
    )
    return bytes(page.locator("#gb-glyph").screenshot())


def _difference(a: bytes, b: bytes) -> float:
    """Mean absolute grey-level difference of two screenshots (resized to the first)."""
    from PIL import Image, ImageChops, ImageStat

    one = Image.open(io.BytesIO(a)).convert("L")
    two = Image.open(io.BytesIO(b)).convert("L").resize(one.size)
    return float(ImageStat.Stat(ImageChops.difference(one, two)).mean[0])


def test_chinese_label_renders_as_glyphs_not_boxes(graph_page: Any) -> None:
    # Missing glyphs are drawn as one identical box ("tofu") whatever the character:
    # U+0378/U+0379 are unassigned, so no font has them. Two different Chinese characters
    # drawn with the page's font stack must differ from each other and from the boxes.
    assert "Noto Sans CJK SC" in graph_page.evaluate("getComputedStyle(document.body).fontFamily")
    tofu_a, tofu_b = _glyph_png(graph_page, "\u0378"), _glyph_png(graph_page, "\u0379")
    assert _difference(tofu_a, tofu_b) == 0.0  # the reference: boxes are all alike
    ding, suan = _glyph_png(graph_page, "丁"), _glyph_png(graph_page, "酸")
    assert _difference(ding, suan) > 5.0
    assert min(_difference(ding, tofu_a), _difference(suan, tofu_a)) > 5.0
    label = _glyph_png(graph_page, "丁酸盐")  # butyrate's synonym, as the search list shows it
    assert _difference(label, _glyph_png(graph_page, "\u0378\u0378\u0378")) > 5.0
    # and the canvas font used for node labels has the glyph (measured width of a CJK
    # glyph is one em; a missing glyph would fall back and measure differently)
    assert graph_page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
                   c.font = '100px ' + getComputedStyle(document.body).fontFamily;
                   return [document.fonts.check('100px "Noto Sans CJK SC"', '丁酸'),
                           Math.round(c.measureText('丁').width)]; }"""
    ) == [True, 100]
