"""`gutbone view` and `gutbone.views.pathway`: selection, styling, escaping, offline HTML."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import XSS_LABEL, XSS_QUOTE
from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.views.pathway import (
    SIGN_STYLES,
    Subgraph,
    ViewTooLargeError,
    build_network,
    category_style,
    neighbourhood,
    paths_view,
    render_view,
    select,
    whole_graph,
)

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
# the fixture: Lachnospiraceae -e1 produces-> butyrate -e2 increases-> bone density,
# NC2004 group -e3 associated_with (MR, -1)-> bone density


@pytest.fixture(scope="module")
def data():
    return load_curated(FIXTURE)


def _items(data, sub):
    net = build_network(data, sub)
    return {n["id"]: n for n in net.nodes}, {e["id"]: e for e in net.edges}


def test_whole_graph_and_neighbourhood(data) -> None:
    sub = whole_graph(data)
    assert sub.nodes == tuple(sorted(data.nodes)) and sub.edges == ("e1", "e2", "e3")
    near = neighbourhood(data, ["NCBITaxon:186803"], depth=1)
    assert near.nodes == ("CHEBI:17968", "NCBITaxon:186803") and near.edges == ("e1",)
    two = neighbourhood(data, ["NCBITaxon:186803"], depth=2)
    assert two.nodes == ("CHEBI:17968", "EFO:0003923", "NCBITaxon:186803")
    assert two.edges == ("e1", "e2")  # e3's subject is 3 hops away
    assert neighbourhood(data, ["CHEBI:17968"], depth=0).nodes == ("CHEBI:17968",)


def test_select_resolves_names_and_filters(data) -> None:
    assert select(data, focus=["butanoate"], depth=1).nodes == (
        "CHEBI:17968", "EFO:0003923", "NCBITaxon:186803",
    )  # fmt: skip
    mr_only = whole_graph(data, evidence=["mendelian_randomization"])
    assert mr_only.edges == ("e3",)
    assert mr_only.nodes == ("EFO:0003923", "gutbone:lachnospiraceae_nc2004_group")
    taxa = whole_graph(data, categories=["Taxon", "Metabolite"])
    assert taxa.edges == ("e1",)


def test_styles_follow_sign_evidence_and_category(data) -> None:
    nodes, edges = _items(data, whole_graph(data))
    # widths: 1 + 5 * gb:evidenceWeight (review_claim 0.3, animal 0.5, MR 0.8; ontology/gutbone.ttl)
    assert [edges[e]["width"] for e in ("e1", "e2", "e3")] == [2.5, 3.5, 5.0]
    assert edges["e2"]["color"]["color"] == SIGN_STYLES[1][0]
    assert edges["e3"]["color"]["color"] == SIGN_STYLES[-1][0]
    assert edges["e1"]["arrows"] == "to" and edges["e3"]["arrows"] == ""  # associated_with
    assert edges["e2"]["from"] == "CHEBI:17968" and edges["e2"]["to"] == "EFO:0003923"
    assert nodes["CHEBI:17968"]["shape"] == category_style("Metabolite").shape == "diamond"
    assert nodes["EFO:0003923"]["shape"] == "star"
    assert nodes["NCBITaxon:186803"]["color"]["background"] == category_style("Taxon").colour
    tip = edges["e2"]["title"]
    for text in ("MD</b> 0.050 [0.010, 0.100]", "p = 0.0123456789012345", "k = 5", "n = 340",
                 "I² = 37.5%", "model REML", "animal study (weight 0.5)", "sec. 2",
                 "<q>Butyrate raises BMD, in mice.</q>"):  # fmt: skip
        assert text in tip


def test_page_is_offline_and_escapes_data(tmp_path: Path, xss_data: Path) -> None:
    data = load_curated(xss_data)
    page = render_view(data, whole_graph(data), title="<t>")
    # nothing loaded from a server
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", page)
    assert "cdn.jsdelivr" not in page and "cdnjs.cloudflare" not in page
    assert "vis.Network" in page and "bootstrap" not in page.lower()
    # the injected label and quote never appear as markup
    assert XSS_LABEL not in page and "<script>alert" not in page
    assert "<title>&lt;t&gt;</title>" in page
    nodes, edges = _items(data, whole_graph(data))
    assert nodes["gutbone:xss_node"]["label"] == XSS_LABEL  # canvas text, kept raw
    assert "&lt;img src=x onerror=alert(1)&gt;" in nodes["gutbone:xss_node"]["title"]
    assert "&lt;script&gt;alert(2)&lt;/script&gt; &amp; &quot;quoted&quot;" in edges["x1"]["title"]
    assert "<b>loc</b>" not in edges["x1"]["title"]
    # the data embedded in the page is the escaped JSON of the same items
    embedded = re.search(r"var edgeRows = (\[.*?\]);\n", page, re.S)
    assert embedded is not None
    rows = {e["id"]: e for e in json.loads(embedded.group(1))}
    assert rows["x1"]["title"] == edges["x1"]["title"]
    assert XSS_QUOTE not in page


def test_paths_view_ranks_and_highlights(data) -> None:
    sub = paths_view(data, "Lachnospiraceae", "bone density")
    assert len(sub.paths) == 1
    path = sub.paths[0]
    assert path.nodes == ("NCBITaxon:186803", "CHEBI:17968", "EFO:0003923")
    assert path.edges == ("e1", "e2")
    assert path.sign == 1  # (+1) * (+1)
    assert path.score == pytest.approx(0.3 * 0.5)  # review_claim weight x animal weight
    assert sub.highlight == {"NCBITaxon:186803", "EFO:0003923"}
    page = render_view(data, sub)
    assert 'data-edges="[&#34;e1&#34;, &#34;e2&#34;]"' in page
    # butyrate -> BMD <-(association)- NC2004 group -is a-> Lachnospiraceae takes 3 hops
    assert paths_view(data, "butyrate", "Lachnospiraceae", max_length=2).nodes == ()  # no path: empty view


def test_too_large_view_is_refused(data, tmp_path: Path, capsys) -> None:
    with pytest.raises(ViewTooLargeError, match="--focus"):
        render_view(data, whole_graph(data), max_nodes=3)
    out = tmp_path / "v.html"
    assert main(["view", "--data", str(FIXTURE), "--out", str(out), "--max-nodes", "3"]) == 1
    err = capsys.readouterr().err
    assert "4 nodes, more than the limit of 3" in err and "--depth" in err
    assert not out.exists()


def test_cli_writes_only_the_output(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "rankl.html"
    code = main(["view", "--data", str(FIXTURE), "--focus", "BMD", "--depth", "1", "--out",
                 str(out)])  # fmt: skip
    assert code == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "3 nodes, 2 assertions" in captured.out
    assert "gutbone: reading curated tables" in captured.err  # progress on stderr
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert written == ["out", os.path.join("out", "rankl.html")]  # no lib/ folder, no temp files


def test_cli_errors(tmp_path: Path, capsys) -> None:
    out = str(tmp_path / "v.html")
    assert main(["view", "--data", str(FIXTURE), "--out", out, "--focus", "nothing-like-it"]) == 1
    assert "nothing-like-it" in capsys.readouterr().err
    assert main(["view", "--data", str(FIXTURE), "--out", out, "--from", "butyrate"]) == 1
    assert "give both --from and --to" in capsys.readouterr().err
    assert main(["view", "--data", str(FIXTURE), "--out", out, "--category", "Bug"]) == 1
    assert "'Bug' is not a category" in capsys.readouterr().err
    assert main(["view", "--data", str(FIXTURE), "--out", out, "--evidence", "rumour"]) == 1
    assert "'rumour' is not an evidence type" in capsys.readouterr().err


def test_empty_subgraph_renders(data) -> None:
    page = render_view(data, Subgraph((), ()), title="empty")
    assert '<span id="gb-count-nodes">0</span>' in page


def test_rankl_neighbourhood_of_curated_graph() -> None:
    # Seed 000 sec. 3: "OPG 竞争性抑制 RANK-RANKL 的结合" (OPG competitively blocks RANKL
    # binding RANK); the view of RANKL's neighbourhood must show OPG (HGNC:11909) next to it.
    curated = load_curated()
    sub = select(curated, focus=["RANKL"], depth=1)
    assert "HGNC:11926" in sub.highlight
    assert {"HGNC:11926", "HGNC:11909"} <= set(sub.nodes)


def test_paths_view_shows_no_sign_for_an_associative_path() -> None:
    # fixtures/paths/signs (worked out in tests/test_path_signs.py): Lactobacillus -> butyrate
    # -> bone density (+1, +1: net +1) and Lactobacillus -associated_with(+1)-> osteoporosis
    # -associated_with(-1)-> bone density (associative: no net sign, not -1)
    signs = load_curated(Path(__file__).parent / "fixtures" / "paths" / "signs")
    sub = paths_view(signs, "乳杆菌", "骨密度")
    assert [(p.edges, p.kind, p.sign) for p in sub.paths] == [
        (("s7", "s4"), "mechanistic", 1),
        (("s1", "s2"), "associative", None),
    ]
    page = render_view(signs, sub)
    cells = re.findall(r"</td><td>([^<]*)</td><td>[0-9.]+</td>", page)
    assert cells == ["+1", "none (associative)"]


def test_tooltip_shows_the_source_claim_beside_the_sign() -> None:
    # data/edges/clinical.csv meta-nausea: recomputed RR 0.33 (0.04, 3.16) -> sign 0, while
    # the abstract claims probiotics lower nausea (decreases, -1)
    from gutbone.views.pathway import edge_tooltip

    curated = load_curated()
    tip = edge_tooltip(curated.edges["meta-nausea"], curated)
    assert "0 (associated)" in tip
    assert "source claims" in tip and "decreases, -1 (lowers): not supported by its own data" in tip
    assert "source claims" not in edge_tooltip(curated.edges["meta-calcium"], curated)
