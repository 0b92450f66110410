"""Exchange commands: ``export`` (to KGX, RDF, GraphML, Cytoscape) and ``import`` (and merge)."""

from __future__ import annotations

import argparse
import sys

from gutbone.cli.options import (
    DATA,
    DATA_HELP,
    add_command,
    conforming_graph,
    data_folder,
    option,
)
from gutbone.interop.exports import EXPORT_FORMATS, export_graph
from gutbone.interop.imports import IMPORT_FORMATS, import_graphs

__all__ = ["register"]


_EXPORT = (
    "Build and validate the graph, then write it in a format other tools read "
    "(see docs/interop.md). KGX formats write a folder; the others one file."
)
_IMPORT = (
    "Read KGX (TSV or JSON Lines, a folder or files), RDF (ttl, nt, jsonld), GraphML or "
    "Cytoscape JSON; normalise identifiers, map Biolink categories and predicates, merge with "
    "the curated tables and write a data folder (--out) that validate, build, paths --data "
    "and report --data accept. Rows that cannot be mapped are reported as warnings; "
    "malformed rows are errors (skipped, exit 1)."
)

_EXPORT_OPTIONS = (
    option("--format", required=True, choices=list(EXPORT_FORMATS)),
    option("--out", required=True, metavar="PATH", help="output file or folder"),
    DATA,
)
_IMPORT_OPTIONS = (
    option("paths", nargs="+", metavar="PATH", help="files or KGX folders"),
    option("--format", choices=IMPORT_FORMATS, help="format of every PATH"),
    option("--strict", action="store_true",
           help="stop at the first malformed or unmapped row and write nothing"),
    option("--out", metavar="DIR", help="merged data folder to write (else: check only)"),
    option("--data", help="data folder to merge into; " + DATA_HELP),
    option("--no-merge", action="store_true", help="import alone, without the curated tables"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``import`` to the command line."""
    add_command(subparsers, "export", _export, _EXPORT_OPTIONS, description=_EXPORT)
    add_command(subparsers, "import", _import, _IMPORT_OPTIONS, description=_IMPORT)


def _export(args: argparse.Namespace) -> int:
    result = conforming_graph(args)
    if result is None:
        return 1
    files = export_graph(result.data, args.format, args.out, graph=result.graph)
    print(
        f"exported {len(result.data.nodes)} nodes and {len(result.data.edges)} assertions "
        f"as {args.format}"
    )
    for file in files:
        print(f"wrote {file}")
    return 0


def _import(args: argparse.Namespace) -> int:
    base: object = None if args.no_merge else data_folder(args)
    report = import_graphs(
        args.paths,
        fmt=args.format,
        base=base,  # type: ignore[arg-type]
        strict=args.strict,
        out=args.out,
    )
    for item in report.unmapped:
        print(f"warning: {item}", file=sys.stderr)
    for problem in report.problems:
        print(f"error: {problem}", file=sys.stderr)
    print(
        f"read {report.nodes_read} nodes and {report.edges_read} edges from "
        f"{len(report.inputs)} file(s)"
    )
    print(
        f"added {report.nodes_added} nodes ({report.nodes_merged} already in the base), "
        f"{report.edges_added} assertions ({report.edges_duplicate} already in the base), "
        f"{len(report.sources_added)} source(s)"
    )
    left = sum(item.count for item in report.unmapped)
    if left:
        print(f"left out {left} unmapped row(s) (see warnings)")
    if report.output is not None:
        print(f"wrote {report.output}")
    if report.problems:
        print(f"{len(report.problems)} problem(s): those rows were skipped", file=sys.stderr)
        return 1
    return 0
