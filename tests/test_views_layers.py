"""`gutbone.views.layers`: the layer of each category and the left-to-right layout."""

from __future__ import annotations

import pytest

from gutbone.curation import load_curated
from gutbone.views.layers import LAYER_NAMES, ROW_GAP, layer_of, layered_positions
from gutbone.views.pathway import build_network, edge_tooltip, whole_graph

# The layers of docs/views.md, written out by hand: taxa and interventions -> metabolites
# -> receptors, genes, pathways, immune cells -> bone cells and processes -> bone outcomes.
EXPECTED_LAYER = {
    "Taxon": 0, "Intervention": 0,
    "Metabolite": 1, "Chemical": 1, "Hormone": 1,
    "GeneProduct": 2, "Receptor": 2, "Cytokine": 2, "Enzyme": 2, "TranscriptionFactor": 2,
    "MicroRNA": 2, "Pathway": 2, "ImmuneCell": 2,
    "CellType": 3, "BiologicalProcess": 3, "AnatomicalEntity": 3,
    "BoneOutcome": 4, "Measurement": 4, "Disease": 4, "Phenotype": 4,
}  # fmt: skip


@pytest.mark.parametrize(("category", "layer"), sorted(EXPECTED_LAYER.items()))
def test_layer_of_category(category: str, layer: int) -> None:
    assert layer_of(category) == layer


def test_layers_have_names() -> None:
    assert len(LAYER_NAMES) == max(EXPECTED_LAYER.values()) + 1


def test_layers_are_ordered_and_rows_spaced() -> None:
    # 30 taxa, 1 metabolite, 3 bone outcomes; rows=10 puts the taxa in 3 columns
    nodes = {f"t{i:02d}": ("Taxon", f"taxon {i:02d}") for i in range(30)}
    nodes |= {"m": ("Metabolite", "m")} | {f"o{i}": ("BoneOutcome", f"o{i}") for i in range(3)}
    links = [(f"t{i:02d}", "m") for i in range(30)] + [("m", "o0"), ("m", "o1"), ("m", "o2")]
    pos = layered_positions(nodes, links, rows=10)
    taxa_x = sorted({pos[f"t{i:02d}"].x for i in range(30)})
    assert len(taxa_x) == 3  # three columns of ten
    assert max(taxa_x) < pos["m"].x < min(pos[f"o{i}"].x for i in range(3))
    column = sorted(pos[f"t{i:02d}"].y for i in range(10))
    assert [b - a for a, b in zip(column, column[1:], strict=False)] == [ROW_GAP] * 9
    assert sum(column) == pytest.approx(0.0)  # each column is centred on y = 0
    assert pos == layered_positions(nodes, links, rows=10)  # deterministic


def test_barycentre_orders_a_layer_by_its_neighbours() -> None:
    # a1 links to the metabolite in the last row, a2 to the one in the first row:
    # the outcome layer puts the neighbour of the first row first
    nodes = {"a": ("Taxon", "a"), "b": ("Taxon", "b"),
             "x": ("BoneOutcome", "x"), "y": ("BoneOutcome", "y")}  # fmt: skip
    pos = layered_positions(nodes, [("a", "y"), ("b", "x")])
    assert pos["a"].y < pos["b"].y and pos["y"].y < pos["x"].y


def test_curated_whole_graph_nodes_carry_layers_and_synonyms() -> None:
    data = load_curated()
    net = build_network(data, whole_graph(data))
    items = {n["id"]: n for n in net.nodes}
    assert len(items) == len(data.nodes)
    for node_id, item in items.items():
        assert item["layer"] == EXPECTED_LAYER[data.nodes[node_id].category], node_id
        assert item["fixed"] == {"x": True, "y": False}
    by_layer: dict[int, list[float]] = {}
    for item in items.values():
        by_layer.setdefault(item["layer"], []).append(item["x"])
    layers = sorted(by_layer)
    for left, right in zip(layers, layers[1:], strict=False):
        assert max(by_layer[left]) < min(by_layer[right])
    assert "丁酸盐" in items["CHEBI:17968"]["synonyms"]


def test_tooltip_shows_english_beside_chinese() -> None:
    data = load_curated()
    edge = data.edges["hyp-001"]
    html = edge_tooltip(edge, data)
    assert "Lachnospiraceae產生的丁酸能直接激活腸道迷走神經" in html
    assert (
        '<q class="en" lang="en">butyrate produced by Lachnospiraceae can directly activate '
        "the intestinal vagus nerve</q>" in html
    )
    assert 'sec. 研究結論 (seed 001) <span class="en" lang="en">[sec. Research conclusions ' in html
