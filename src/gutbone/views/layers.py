"""Layered layout of mechanism maps: causes on the left, bone outcomes on the right.

Every node gets a *layer* from its category (the first of its category and that
category's ancestors, :meth:`gutbone.vocabulary.Vocabulary.category_ancestors`, found in
:data:`LAYER_OF_CATEGORY`):

== ========================================== ==============================================
0  taxa and interventions                     Taxon, Intervention
1  metabolites and other chemicals            Metabolite, Chemical, Hormone
2  receptors, genes, pathways, immune cells   GeneProduct (Receptor, Cytokine, Enzyme,
                                              TranscriptionFactor, MicroRNA), Pathway,
                                              ImmuneCell, and any category not listed
3  bone cells and processes                   CellType (other than immune cells),
                                              BiologicalProcess, AnatomicalEntity
4  bone outcomes                              BoneOutcome, Measurement, Disease, Phenotype
== ========================================== ==============================================

:func:`layered_positions` places the layers left to right, each layer in one or more
columns of at most ``rows`` nodes, nodes of one category kept together (so a category
reads as a block: the clustering of the overview) and ordered within their block by the
mean row of their already placed neighbours (one barycentre sweep, which removes most
edge crossings between neighbouring layers), then by label. Every x of a layer is smaller
than every x of the next layer. The positions are deterministic.

>>> layer_of("ImmuneCell"), layer_of("CellType"), layer_of("Cytokine"), layer_of("BoneOutcome")
(2, 3, 2, 4)
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gutbone.vocabulary import load_vocabulary

__all__ = ["LAYER_NAMES", "LAYER_OF_CATEGORY", "Position", "layer_of", "layered_positions"]

#: Name of each layer, left to right.
LAYER_NAMES: tuple[str, ...] = (
    "taxa and interventions",
    "metabolites",
    "receptors, genes, pathways, immune cells",
    "bone cells and processes",
    "bone outcomes",
)

#: Layer of each category; a category not listed takes the layer of its nearest listed
#: ancestor, and the middle layer (2) when none is listed.
LAYER_OF_CATEGORY: Mapping[str, int] = {
    "Taxon": 0,
    "Intervention": 0,
    "Chemical": 1,
    "Metabolite": 1,
    "Hormone": 1,
    "GeneProduct": 2,
    "Pathway": 2,
    "ImmuneCell": 2,
    "CellType": 3,
    "BiologicalProcess": 3,
    "AnatomicalEntity": 3,
    "BoneOutcome": 4,
    "Measurement": 4,
    "Disease": 4,
    "Phenotype": 4,
}
_DEFAULT_LAYER = 2

#: Distances in canvas pixels: between rows, between the columns of a layer, between layers.
ROW_GAP = 70.0
COLUMN_GAP = 190.0
LAYER_GAP = 330.0


@dataclass(frozen=True)
class Position:
    """Where a node is drawn: canvas coordinates and its layer."""

    x: float
    y: float
    layer: int


def layer_of(category: str) -> int:
    """The layer (0 = leftmost) of a category.

    >>> layer_of("Taxon"), layer_of("Hormone"), layer_of("NoSuchCategory")
    (0, 1, 2)
    """
    for name in load_vocabulary().category_ancestors(category):
        if name in LAYER_OF_CATEGORY:
            return LAYER_OF_CATEGORY[name]
    return _DEFAULT_LAYER


def _rows_per_column(count: int, rows: int | None) -> int:
    """At most ``rows`` nodes a column; by default about twice as many rows as columns."""
    if rows is not None:
        return max(1, rows)
    return max(12, math.ceil(math.sqrt(2.0 * count)))


def layered_positions(
    nodes: Mapping[str, tuple[str, str]],
    links: Iterable[tuple[str, str]],
    *,
    rows: int | None = None,
) -> dict[str, Position]:
    """Positions of nodes in layers, left to right.

    :param nodes: node id -> (category, label).
    :param links: pairs of node ids (edges; direction ignored, unknown ids skipped).
    :param rows: nodes per column (default: grows with the square root of the layer size).
    :returns: node id -> :class:`Position`.

    >>> pos = layered_positions({"a": ("Taxon", "a"), "b": ("Metabolite", "b"),
    ...                          "c": ("BoneOutcome", "c")}, [("a", "b"), ("b", "c")])
    >>> pos["a"].x < pos["b"].x < pos["c"].x, pos["b"].layer
    (True, 1)
    """
    neighbours: dict[str, set[str]] = defaultdict(set)
    for a, b in links:
        if a in nodes and b in nodes and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)
    layers: dict[int, list[str]] = defaultdict(list)
    for node_id, (category, _label) in nodes.items():
        layers[layer_of(category)].append(node_id)
    placed_row: dict[str, float] = {}
    positions: dict[str, Position] = {}
    x = 0.0
    for layer in sorted(layers):
        order = _order_layer(layers[layer], nodes, neighbours, placed_row)
        per_column = _rows_per_column(len(order), rows)
        columns = math.ceil(len(order) / per_column)
        for index, node_id in enumerate(order):
            column, row = divmod(index, per_column)
            height = min(per_column, len(order) - column * per_column)
            y = (row - (height - 1) / 2.0) * ROW_GAP
            positions[node_id] = Position(x + column * COLUMN_GAP, y, layer)
            placed_row[node_id] = float(row)
        x += (columns - 1) * COLUMN_GAP + LAYER_GAP
    return positions


def _order_layer(
    members: Sequence[str],
    nodes: Mapping[str, tuple[str, str]],
    neighbours: Mapping[str, set[str]],
    placed_row: Mapping[str, float],
) -> list[str]:
    """Category blocks (by name), each ordered by the barycentre of placed neighbours."""

    def barycentre(node_id: str) -> float:
        rows = [placed_row[n] for n in neighbours.get(node_id, ()) if n in placed_row]
        return sum(rows) / len(rows) if rows else math.inf

    return sorted(
        members,
        key=lambda n: (nodes[n][0], barycentre(n), nodes[n][1].lower(), n),
    )
