"""``gutbone ingest [SOURCE ...]``: regenerate ``data/ingested/`` from the bundled raw files."""

from __future__ import annotations

import argparse
import sys

from gutbone.cli.options import DATA_HELP, data_folder
from gutbone.ingest import INGESTED_DIR, TRANSFORMS, IngestReport, run_ingest

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ingest`` to the command line."""
    sources = ", ".join(f"{name} ({t.description})" for name, t in TRANSFORMS.items())
    parser = subparsers.add_parser(
        "ingest",
        help="regenerate the ingested rows from the raw files in data/external/",
        description="Check every raw file of each SOURCE against its MANIFEST (sha256), run "
        "the source's transform and write data/ingested/SOURCE/ (sources.csv, nodes.csv, "
        f"edges.csv) atomically. Sources: {sources}. Never uses the network.",
    )
    parser.add_argument(
        "sources", nargs="*", metavar="SOURCE", help="sources to run (default: all)"
    )
    parser.add_argument("--data", help=DATA_HELP)
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when data/ingested/ differs from what the raw files give",
    )
    parser.set_defaults(handler=_ingest)


def _line(report: IngestReport) -> str:
    skipped = sum(report.skipped.values())
    return (
        f"{report.name}: {report.sources} sources, {report.nodes} nodes, {report.edges} edges "
        f"({skipped} records skipped) from {report.version}, licence {report.license}"
    )


def _ingest(args: argparse.Namespace) -> int:
    unknown = [name for name in args.sources if name not in TRANSFORMS]
    if unknown:
        print(
            f"error: unknown source {unknown[0]!r} (expected: {', '.join(TRANSFORMS)})",
            file=sys.stderr,
        )
        return 2
    data = data_folder(args)
    names = args.sources or list(TRANSFORMS)
    reports = run_ingest(data, [TRANSFORMS[name] for name in names], check=args.check)
    stale = False
    for report in reports:
        print(_line(report))
        for reason, count in report.skipped.items():
            print(f"  skipped {count:>4}  {reason}")
        if report.changed:
            verb = "differs from the raw files" if args.check else "rewritten"
            for name in report.changed:
                print(f"  {INGESTED_DIR}/{report.name}/{name} {verb}", file=sys.stderr)
            stale = True
    return 1 if args.check and stale else 0
