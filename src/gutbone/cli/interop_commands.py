"""Exchange commands: ``export`` (to KGX, RDF, GraphML, Cytoscape) and ``import`` (and merge)."""

from __future__ import annotations

import argparse
import sys

from gutbone.cli.options import DATA_HELP, data_folder
from gutbone.interop.exports import EXPORT_FORMATS, export_graph
from gutbone.interop.imports import IMPORT_FORMATS, import_graphs
from gutbone.pipeline import build_knowledge_graph

__all__ = ["register"]


def _progress(message: str) -> None:
    print(f"gutbone: {message}...", file=sys.stderr, flush=True)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``export`` and ``import`` to the command line."""
    export = subparsers.add_parser(
        "export",
        help="write the graph as KGX, Turtle, N-Triples, JSON-LD, GraphML or Cytoscape JSON",
        description="Build and validate the graph, then write it in a format other tools read "
        "(see docs/interop.md). KGX formats write a folder; the others one file.",
    )
    export.add_argument("--format", required=True, choices=list(EXPORT_FORMATS))
    export.add_argument("--out", required=True, metavar="PATH", help="output file or folder")
    export.add_argument("--data", help=DATA_HELP)
    export.set_defaults(handler=_export)

    imp = subparsers.add_parser(
        "import",
        help="read KGX/RDF graphs, map them to gutbone's vocabulary and merge them",
        description="Read KGX (TSV or JSON Lines, a folder or files), RDF (ttl, nt, jsonld), "
        "GraphML or Cytoscape JSON; normalise identifiers, map Biolink categories and "
        "predicates, merge with the curated tables and write a data folder (--out) that "
        "validate, build, paths --data and report --data accept. Rows that cannot be mapped "
        "are reported as warnings; malformed rows are errors (skipped, exit 1).",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or KGX folders")
    imp.add_argument("--format", choices=IMPORT_FORMATS, help="format of every PATH")
    imp.add_argument(
        "--strict",
        action="store_true",
        help="stop at the first malformed or unmapped row and write nothing",
    )
    imp.add_argument("--out", metavar="DIR", help="merged data folder to write (else: check only)")
    imp.add_argument("--data", help="data folder to merge into; " + DATA_HELP)
    imp.add_argument(
        "--no-merge", action="store_true", help="import alone, without the curated tables"
    )
    imp.set_defaults(handler=_import)


def _export(args: argparse.Namespace) -> int:
    result = build_knowledge_graph(data_folder(args), progress=_progress)
    if not result.validation.conforms:
        for violation in result.validation.violations:
            print(f"error: {violation}", file=sys.stderr)
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
