"""The curated tables, row by row: provenance, identifiers, quotes found in their seed."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from gutbone.curation import load_curated
from gutbone.identifiers import check_curie
from gutbone.resources import data_dir

DATA = load_curated()
SEEDS = data_dir() / "seeds"
_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE.sub("", text)


SEED_TEXT = {
    source.id: _normalise((SEEDS / source.seed_file).read_text(encoding="utf-8"))
    for source in DATA.sources.values()
    if source.seed_file
}


def test_every_source_with_a_seed_file_has_it_bundled() -> None:
    for source in DATA.sources.values():
        if source.seed_file:
            assert (SEEDS / source.seed_file).is_file(), source.id


def test_content_size() -> None:
    # the foundation slice asked for >= 40 nodes and >= 60 assertions from sections 3-4.2 alone
    review = [
        e for e in DATA.edges.values() if e.locator.startswith(("sec. 3", "sec. 4.1", "sec. 4.2"))
    ]
    assert len(review) >= 60
    assert len(DATA.nodes) >= 40


@pytest.mark.parametrize("node", DATA.nodes.values(), ids=lambda n: n.record)
def test_node_row(node) -> None:
    assert node.label.strip(), "label"
    assert node.sources, "a node names its source"
    assert check_curie(node.id) is None
    if node.id.startswith("gutbone:"):
        assert node.note.strip(), "a local id says why"
    mibiogen = any(x.startswith(("genus.", "family.")) for x in node.xrefs)
    if mibiogen and node.id.startswith("gutbone:"):
        assert node.broader, "a MiBioGen group links to its nearest NCBITaxon parent"
        assert node.broader.startswith("NCBITaxon:")


#: Edges read from a bundled seed text (the others, ingested or from outside papers, carry a
#: statement in the curator's own words instead of a quote).
SEEDED_EDGES = [e for e in DATA.edges.values() if any(s in SEED_TEXT for s in e.sources)]
OUTSIDE_EDGES = [e for e in DATA.edges.values() if not any(s in SEED_TEXT for s in e.sources)]


@pytest.mark.parametrize("edge", SEEDED_EDGES, ids=lambda e: e.record)
def test_edge_row_quote_is_in_its_source(edge) -> None:
    assert edge.locator.strip(), "an assertion has a locator"
    if not any(s in SEED_TEXT for s in edge.sources):
        # outside sources (primary papers, databases): an own-words statement, no quote
        assert edge.statement.strip(), "an assertion without a seed text has a statement"
        return
    assert edge.quote.strip(), "an assertion has a quote"
    quote = _normalise(edge.quote)
    seeds = [SEED_TEXT[s] for s in edge.sources if s in SEED_TEXT]
    assert seeds, "the source has a seed text"
    assert any(quote in text for text in seeds), (
        f"quote not found verbatim in the seed: {edge.quote[:60]}"
    )


def test_edges_from_outside_sources_have_a_statement_and_provenance() -> None:
    assert OUTSIDE_EDGES, "ingested edges are merged into the bundled data"
    for edge in OUTSIDE_EDGES:
        assert edge.statement.strip() or edge.quote.strip(), edge.record
        assert edge.locator.strip(), edge.record
        sources = [DATA.sources[s] for s in edge.sources]
        if any(s.infores for s in sources):  # an ingested resource: version and licence
            assert all(s.version and s.license for s in sources if s.infores), edge.record


def _csv_files() -> list[Path]:
    root = data_dir()
    return [
        root / "sources.csv",
        root / "outcomes.csv",
        *sorted(root.glob("nodes/*.csv")),
        *sorted(root.glob("edges/*.csv")),
    ]


@pytest.mark.parametrize("path", _csv_files(), ids=lambda p: p.relative_to(data_dir()).as_posix())
def test_tables_are_in_canonical_form(path: Path) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    ids = [row[0] for row in rows[1:] if row]
    if path.name != "sources.csv":
        assert ids == sorted(ids), (
            f"{path.name}: rows must be sorted by id (sort the file by its first column)"
        )
    for number, row in enumerate(rows, start=1):
        for value in row:
            assert value == value.strip(), (
                f"{path.name}:{number}: leading/trailing whitespace in {value!r}"
            )
