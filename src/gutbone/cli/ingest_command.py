"""``gutbone ingest [SOURCE ...]``: regenerate ``data/ingested/`` from the bundled raw files."""

from __future__ import annotations

import argparse
import sys

from gutbone.cli.options import DATA, add_command, data_folder, option
from gutbone.ingest import INGESTED_DIR, TRANSFORMS, IngestReport, run_ingest

__all__ = ["register"]


_OPTIONS = (
    option("sources", nargs="*", metavar="SOURCE", help="sources to run (default: all)"),
    DATA,
    option("--check", action="store_true",
           help="write nothing; exit 1 when data/ingested/ differs from what the raw files give"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``ingest`` to the command line."""
    sources = ", ".join(f"{name} ({t.description})" for name, t in TRANSFORMS.items())
    description = (
        "Check every raw file of each SOURCE against its MANIFEST (sha256), run the source's "
        "transform and write data/ingested/SOURCE/ (sources.csv, nodes.csv, edges.csv) "
        f"atomically. Sources: {sources}. Never uses the network."
    )
    add_command(subparsers, "ingest", _ingest, _OPTIONS, description=description)


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
