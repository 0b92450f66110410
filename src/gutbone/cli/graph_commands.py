"""Commands on the curated graph: ``build``, ``validate`` and ``report``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gutbone.cli.options import (
    DATA,
    MAX_NODES,
    MAX_REPORT_PERMUTATIONS,
    MAX_SEED,
    add_command,
    bounded_int,
    conforming_graph,
    data_folder,
    option,
    progress,
)
from gutbone.curation import CuratedData
from gutbone.errors import CurationError, InputError, Problem
from gutbone.io import replace_directory, write_tree
from gutbone.pipeline import build_knowledge_graph, graph_files, write_graph_files
from gutbone.rdf import TEXT_FORMATS, suffixes
from gutbone.validate import ValidationReport, load_rdf, validate_graph
from gutbone.views.answers import REPORT_PERMUTATIONS, REPORT_SEED
from gutbone.views.pathway import DEFAULT_MAX_NODES
from gutbone.views.report import build_report, render_report
from gutbone.views.summary import summarize

__all__ = ["register"]


#: ``--help`` descriptions of the commands.
_BUILD = (
    "Read and check the curated tables, build the knowledge graph, validate it with SHACL and "
    "write OUT/gutbone.ttl, .nt and .jsonld (atomically)."
)
_VALIDATE = (
    "Check curated tables (a data folder or a CSV file inside one) or RDF files "
    f"({', '.join(suffixes(TEXT_FORMATS))}) against the gutbone checks and SHACL shapes."
)
_REPORT = (
    "Build and validate the graph from the bundled tables and write a self-contained HTML "
    "report with the graph files into OUT."
)

_BUILD_OPTIONS = (
    option("--out", default="build", help="output folder (default: build)"),
    DATA,
    option("--format", action="append", choices=sorted(TEXT_FORMATS),
           help="format to write (repeatable; default: all three)"),
    option("--store", metavar="DIR",
           help="also bulk-load the graph into a persistent on-disk Oxigraph store in DIR "
           "(reused by sparql/paths/serve with --store DIR)"),
    option("--add", action="append", metavar="FILE",
           help="with --store: also bulk-load this large RDF file (.nt, .nq, .ttl...) into the "
           "store, streamed from its path (repeatable); prints load time and peak memory"),
)  # fmt: skip
_REPORT_OPTIONS = (
    option("--out", default="report", help="output folder (default: report)"),
    DATA,
    option("--max-nodes", type=bounded_int(1, MAX_NODES), default=DEFAULT_MAX_NODES,
           help=f"views larger than this are left out (default: {DEFAULT_MAX_NODES}; "
           f"at most {MAX_NODES:,})"),
    # each headline metapath against N degree-preserving permutations
    option("--permutations", type=bounded_int(0, MAX_REPORT_PERMUTATIONS),
           default=REPORT_PERMUTATIONS,
           metavar="N", help="permuted graphs (XSwap) per headline metapath for its enrichment "
           f"over chance, 0 to {MAX_REPORT_PERMUTATIONS:,} (default: {REPORT_PERMUTATIONS}; "
           "0 leaves the enrichment out)"),
    option("--seed", type=bounded_int(0, MAX_SEED), default=REPORT_SEED,
           help=f"base seed of the permutations, 0 to 2**32-1 (default: {REPORT_SEED})"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``build``, ``validate`` and ``report`` to the command line."""
    add_command(subparsers, "build", _build, _BUILD_OPTIONS, description=_BUILD)
    paths = option("paths", nargs="*", help="data folders, CSV tables or RDF files")
    add_command(subparsers, "validate", _validate, [paths], description=_VALIDATE)
    add_command(subparsers, "report", _report, _REPORT_OPTIONS, description=_REPORT)


def _build(args: argparse.Namespace) -> int:
    result = conforming_graph(args)
    if result is None:
        return 1
    formats = tuple(args.format or ("ttl", "nt", "jsonld"))
    files = write_graph_files(result.graph, args.out, formats)
    summary = summarize(result.data, len(result.graph))
    print(
        f"built {summary.nodes} nodes, {summary.assertions} assertions, {summary.triples} triples "
        f"in {result.seconds:.2f} s"
    )
    for file in files:
        print(f"wrote {file}")
    if args.add and not args.store:
        print("error: --add needs --store DIR", file=sys.stderr)
        return 2
    if args.store and args.add:
        from gutbone.store import load_files

        progress(f"bulk-loading the graph and {len(args.add)} file(s) into {args.store}, "
                 "then its VoID counts and reachability index")  # fmt: skip
        try:
            loaded = load_files(args.store, args.add, base=result.graph)
        except SyntaxError as exc:  # pyoxigraph's parse error (it loads no remote context)
            message = exc.msg
            if "LoadDocumentCallback" in message:
                message = "a remote @context is not fetched (no network access at run time)"
            where = exc.filename or ", ".join(args.add)
            column = str(exc.offset) if exc.offset else "-"  # file:line:column: message
            problem = Problem(where, exc.lineno or 0, column, f"not valid RDF: {message}")
            raise InputError([problem]) from None
        print(
            f"wrote store {loaded.store}: {loaded.triples:,} triples in {loaded.seconds:.1f} s, "
            f"peak RSS {loaded.peak_rss_bytes / 2**30:.2f} GiB"
        )
    elif args.store:
        progress(f"bulk-loading {summary.triples} triples into the Oxigraph store {args.store}")
        from gutbone.store import build_store

        print(f"wrote store {build_store(result.graph, args.store)}")
    return 0


def _data_root_of(path: Path) -> Path:
    """The data folder a CSV table belongs to (its folder, or the one above nodes/ edges/)."""
    folder = path.parent
    return folder.parent if folder.name in ("nodes", "edges", "studies") else folder


def _validate_tables(root: Path) -> tuple[int, ValidationReport]:
    # the same steps as build (pooled outcomes recomputed): validate rejects what build would
    result = build_knowledge_graph(root)
    return len(result.data.edges), result.validation


def _validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [data_folder(args)]
    problems: list[str] = []
    for path in paths:
        if not path.exists():
            problems.append(str(Problem(str(path), 0, "-", "no such file or folder")))
            continue
        try:
            if path.is_dir() or path.suffix.lower() == ".csv":
                root = path if path.is_dir() else _data_root_of(path)
                count, report = _validate_tables(root)
                label = f"{path}: tables of {root} ({count} assertions)"
            else:
                graph = load_rdf(path)
                report = validate_graph(graph)
                label = f"{path}: {len(graph)} triples"
        except InputError as exc:
            problems.extend(str(problem) for problem in exc.problems)
            continue
        if report.conforms:
            print(f"ok {label}: conforms")
        problems.extend(str(violation) for violation in report.violations)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


#: Top-level names of a report folder (``report`` replaces only folders holding these).
REPORT_NAMES = frozenset({"index.html", "views", "plots", "assets", "graph"})


def _write_report(out: Path, files: dict[str, str | bytes]) -> None:
    """Swap ``out`` for a folder holding ``files`` (refused if it holds foreign files)."""
    names = REPORT_NAMES | {name.split("/", 1)[0] for name in files}
    with replace_directory(out, owned=names.__contains__) as staging:
        write_tree(staging, files)


def _report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        result = build_knowledge_graph(data_folder(args), progress=progress)
    except CurationError as exc:
        if (out / "index.html").exists():
            progress(f"tables have errors; the previous report in {out} is kept")
            raise
        progress("tables have errors; writing a report that lists them")
        empty = summarize(CuratedData(root=data_folder(args)))
        _write_report(out, {"index.html": render_report(empty, ValidationReport(True, ()),
                                                        exc.problems)})  # fmt: skip
        raise
    graph = {f"graph/{name}": text for name, text in graph_files(result.graph).items()}
    report = build_report(
        result.data,
        result.validation,
        outcome_checks=result.outcome_checks,
        triples=len(result.graph),
        graph_files=list(graph),
        max_nodes=args.max_nodes,
        permutations=args.permutations,
        seed=args.seed,
        progress=progress,
    )
    progress(f"writing {len(report.files) + len(graph)} report files")
    _write_report(out, {**report.files, **graph})
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {out / 'index.html'} ({len(report.files) + len(graph)} files)")
    return 0 if result.validation.conforms else 1
