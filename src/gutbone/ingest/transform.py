"""The interface every source transform implements, and the table rows they hand over.

A transform reads the raw files of one source from ``data/external/<name>/`` (checked
against the folder's MANIFEST first) and returns rows of the curated tables: sources,
nodes and edges, each edge with its provenance (source, version, licence through the source
row; ``original_id``, ``species``, ``model_system`` and an evidence ``statement``). The
runner (:mod:`gutbone.ingest.runner`) writes them to ``data/ingested/<name>/``, which the
build merges with the hand-curated tables.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from gutbone.ingest.manifest import Manifest

__all__ = [
    "Row",
    "IngestedRows",
    "Transform",
    "INGESTED_SOURCE_COLUMNS",
    "INGESTED_NODE_COLUMNS",
    "INGESTED_EDGE_COLUMNS",
]

Row = dict[str, str]

#: Columns of the files a transform writes (a subset of the curated tables' columns, fixed
#: here so that a new optional curated column does not change ingested files).
INGESTED_SOURCE_COLUMNS = (
    "id", "kind", "title", "citation", "year", "doi", "seed_file", "note",
    "pmid", "infores", "version", "license", "url",
)  # fmt: skip
INGESTED_NODE_COLUMNS = ("id", "label", "category", "synonyms", "source", "broader", "xref", "note")
INGESTED_EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "sign", "evidence_type", "source", "locator",
    "context", "note", "statement", "species", "model_system", "original_id",
)  # fmt: skip


@dataclass(frozen=True)
class IngestedRows:
    """What one transform produced: table rows and the count of records it skipped, by reason."""

    sources: tuple[Row, ...]
    nodes: tuple[Row, ...]
    edges: tuple[Row, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)


@dataclass
class RowCollector:
    """Collects rows while a transform runs; nodes with the same id are merged.

    The first label of a node is kept and the later ones become synonyms; sources are the
    union, in sorted order.
    """

    sources: dict[str, Row] = field(default_factory=dict)
    nodes: dict[str, Row] = field(default_factory=dict)
    edges: dict[str, Row] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)

    def node(self, row: Row) -> None:
        """Add a node row, merging it into an earlier row with the same id."""
        known = self.nodes.get(row["id"])
        if known is None:
            self.nodes[row["id"]] = {name: row.get(name, "") for name in INGESTED_NODE_COLUMNS}
            return
        for column in ("synonyms", "source"):
            values = set(filter(None, known[column].split("|") + row.get(column, "").split("|")))
            if column == "synonyms":
                values.update(filter(None, [row["label"]]))
                values.discard(known["label"])
            known[column] = "|".join(sorted(values))

    def edge(self, row: Row) -> None:
        """Add an edge row (its id must be new)."""
        if row["id"] in self.edges:
            raise ValueError(f"transform made two edges with id {row['id']!r}")
        self.edges[row["id"]] = {name: row.get(name, "") for name in INGESTED_EDGE_COLUMNS}

    def rows(self) -> IngestedRows:
        """The collected rows, each table sorted by id."""
        return IngestedRows(
            sources=tuple(self.sources[key] for key in sorted(self.sources)),
            nodes=tuple(self.nodes[key] for key in sorted(self.nodes)),
            edges=tuple(self.edges[key] for key in sorted(self.edges)),
            skipped=dict(sorted(self.skipped.items())),
        )


class Transform(ABC):
    """One source: its raw folder name, what it reads, and how its rows are made."""

    #: folder under ``data/external/`` and ``data/ingested/``
    name: ClassVar[str]
    #: one line for ``gutbone ingest --help``
    description: ClassVar[str]
    #: curated tables (globs relative to the data folder) the transform also reads, so that a
    #: freshness check knows its output depends on them (KG-Hub ``DATA_INPUTS``)
    data_inputs: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def transform(self, raw: Path, manifest: Manifest, display: str, data: Path) -> IngestedRows:
        """Read the raw files and return rows.

        :param raw: the source's folder ``data/external/<name>``, already verified.
        :param manifest: its MANIFEST.
        :param display: the folder as error messages name it.
        :param data: the data folder (for ``data_inputs``).
        :raises IngestError: naming ``file:line`` of every malformed record.
        """
