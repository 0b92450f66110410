"""The build pipeline: tables -> checked data -> recomputed outcomes -> RDF -> SHACL -> files.

>>> result = build_knowledge_graph()
>>> result.validation.conforms
True
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from gutbone.curation import CuratedData, load_curated
from gutbone.io import replace_directory, write_tree
from gutbone.rdf import TEXT_FORMATS, RdfFormat, build_graph, serialize
from gutbone.synthesis import OutcomeCheck, apply_recomputed_effects, check_outcomes
from gutbone.validate import ValidationReport, validate_graph

__all__ = [
    "BuildResult",
    "build_knowledge_graph",
    "graph_files",
    "write_graph_files",
    "GRAPH_FILE_STEM",
    "GRAPH_FORMATS",
]

GRAPH_FILE_STEM = "gutbone"
#: The formats ``build`` writes by default.
GRAPH_FORMATS: tuple[RdfFormat, ...] = TEXT_FORMATS
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    """Everything one build produced."""

    data: CuratedData
    graph: Graph
    validation: ValidationReport
    seconds: float
    outcome_checks: tuple[OutcomeCheck, ...] = ()


def _quiet(_: str) -> None:
    return None


def build_knowledge_graph(
    data_root: str | os.PathLike[str] | None = None,
    *,
    validate: bool = True,
    progress: Progress = _quiet,
) -> BuildResult:
    """Read and check the tables, build the graph and validate it.

    :param data_root: the data folder (bundled ``data/`` when omitted).
    :param validate: run SHACL (the report is empty and conforming when False).
    :param progress: called with a short message before each step.
    :raises CurationError: when any table row is malformed (nothing is built).
    """
    start = time.perf_counter()
    progress("reading and checking curated tables")
    data = load_curated(data_root)
    checks: tuple[OutcomeCheck, ...] = ()
    if data.outcomes:
        progress(f"recomputing {len(data.outcomes)} pooled outcomes from study rows")
        checks = check_outcomes(data)
        data = apply_recomputed_effects(data, checks)
    progress(f"building RDF graph ({len(data.nodes)} nodes, {len(data.edges)} assertions)")
    graph = build_graph(data)
    report = ValidationReport(conforms=True, violations=())
    if validate:
        progress(f"validating {len(graph)} triples against SHACL shapes")
        report = validate_graph(graph, with_ontology=False)
    return BuildResult(data, graph, report, time.perf_counter() - start, checks)


def graph_files(graph: Graph, formats: Sequence[RdfFormat] = GRAPH_FORMATS) -> dict[str, str]:
    """The graph files, ``gutbone.<fmt>`` -> text, for :func:`gutbone.io.write_tree`."""
    return {f"{GRAPH_FILE_STEM}.{fmt}": serialize(graph, fmt) for fmt in formats}


def _is_graph_file(name: str) -> bool:
    return name.startswith(f"{GRAPH_FILE_STEM}.") and name.split(".", 1)[1] in TEXT_FORMATS


def write_graph_files(
    graph: Graph,
    out_dir: str | os.PathLike[str],
    formats: Sequence[RdfFormat] = GRAPH_FORMATS,
) -> tuple[Path, ...]:
    """Replace the folder ``out_dir`` with one holding ``gutbone.<fmt>`` files; return them.

    The folder is swapped in whole (:func:`gutbone.io.replace_directory`): a killed build
    leaves the previous files or the new ones. A folder holding other files than graph
    files is refused, not deleted.

    :raises OutputError: the folder holds other files, or cannot be written.
    """
    target = Path(out_dir)
    with replace_directory(target, owned=_is_graph_file) as staging:
        write_tree(staging, graph_files(graph, formats))
    return tuple(target / f"{GRAPH_FILE_STEM}.{fmt}" for fmt in formats)
