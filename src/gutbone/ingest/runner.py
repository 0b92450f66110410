"""Run transforms: verify raw files, transform them, write ``data/ingested/<name>/`` atomically.

The written files are CSV (UTF-8, LF line ends, rows sorted by id), so running a
transform twice on the same raw files gives byte-identical output. ``check=True`` writes
nothing and reports which output files differ from what the raw files give (stale rows).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gutbone.errors import IngestError, Problem
from gutbone.ingest.manifest import read_manifest, verify_files
from gutbone.ingest.transform import (
    INGESTED_EDGE_COLUMNS,
    INGESTED_NODE_COLUMNS,
    INGESTED_SOURCE_COLUMNS,
    IngestedRows,
    Row,
    Transform,
)
from gutbone.io import atomic_directory

__all__ = ["IngestReport", "run_ingest", "render_tables", "EXTERNAL_DIR", "INGESTED_DIR"]

#: Raw files, one folder per source, inside the data folder.
EXTERNAL_DIR = "external"
#: Transformed rows, one folder per source, inside the data folder.
INGESTED_DIR = "ingested"


@dataclass(frozen=True)
class IngestReport:
    """What one source gave: counts of rows, skipped records by reason, stale files."""

    name: str
    version: str
    license: str
    sources: int
    nodes: int
    edges: int
    skipped: Mapping[str, int]
    #: output files that differ from the raw files' rows (``check`` mode), or that were rewritten
    changed: tuple[str, ...]


def _csv(rows: Sequence[Row], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue()


def render_tables(rows: IngestedRows) -> dict[str, str]:
    """The files of one source's output folder, by name (empty tables are left out)."""
    files = {
        "sources.csv": _csv(rows.sources, INGESTED_SOURCE_COLUMNS),
        "nodes.csv": _csv(rows.nodes, INGESTED_NODE_COLUMNS),
        "edges.csv": _csv(rows.edges, INGESTED_EDGE_COLUMNS),
    }
    counts = {"sources.csv": rows.sources, "nodes.csv": rows.nodes, "edges.csv": rows.edges}
    return {name: text for name, text in files.items() if counts[name]}


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def _run_one(transform: Transform, data: Path, *, check: bool) -> IngestReport:
    raw = data / EXTERNAL_DIR / transform.name
    display = _display(raw)
    if not raw.is_dir():
        raise IngestError([Problem(display, 0, "-", "no raw folder for this source")])
    manifest = read_manifest(raw, display)
    verify_files(manifest, raw, display)
    rows = transform.transform(raw, manifest, display, data)
    files = render_tables(rows)
    target = data / INGESTED_DIR / transform.name
    changed = tuple(
        name
        for name, text in files.items()
        if not (target / name).is_file() or (target / name).read_text(encoding="utf-8") != text
    )
    if files and not check:
        with atomic_directory(target) as staging:
            for name, text in files.items():
                (staging / name).write_text(text, encoding="utf-8", newline="")
    return IngestReport(
        name=transform.name,
        version=manifest.version,
        license=manifest.license,
        sources=len(rows.sources),
        nodes=len(rows.nodes),
        edges=len(rows.edges),
        skipped=rows.skipped,
        changed=changed,
    )


def run_ingest(
    data: str | os.PathLike[str],
    transforms: Sequence[Transform],
    *,
    check: bool = False,
) -> tuple[IngestReport, ...]:
    """Verify and transform each source, then write (or, with ``check``, compare) its rows.

    :param data: the data folder holding ``external/`` (raw) and ``ingested/`` (output).
    :param transforms: the sources to run, in order.
    :param check: compare with the files present instead of writing them.
    :raises IngestError: for a missing, changed or malformed raw file (``file:line``).
    """
    root = Path(data)
    return tuple(_run_one(transform, root, check=check) for transform in transforms)
