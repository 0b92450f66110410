"""Command-line entry point: ``gutbone <command> ...``.

The command layer is thin: each module of this package registers its sub-commands,
parses arguments, calls the library and formats the result. Exit codes: 0 success,
1 bad input or a failed check (messages on stderr), 2 usage or internal error.

Start-up stays fast: ``gutbone --help`` imports no command module (the one-line help of
every command is in :data:`COMMANDS`), and ``gutbone CMD ...`` imports only the module
that registers ``CMD``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NamedTuple

from gutbone.cli.options import GutboneParser
from gutbone.errors import GutboneError, InputError

__all__ = ["main", "build_parser", "COMMANDS", "Command"]


class Command(NamedTuple):
    """One sub-command: the module (in ``gutbone.cli``) that registers it, and its help."""

    module: str
    help: str


#: Every sub-command, in the order ``--help`` lists them.
COMMANDS: dict[str, Command] = {
    "build": Command("graph_commands", "curated tables -> RDF graph (Turtle, N-Triples, JSON-LD)"),
    "validate": Command(
        "graph_commands", "check curated tables or RDF files; exit 1 with file:row:field messages"
    ),
    "report": Command("graph_commands", "main job: build, validate and write OUT/index.html"),
    "init": Command("init_command", "copy the bundled tables into a new data folder"),
    "meta": Command("meta_command", "meta-analysis of a study table (CSV)"),
    "mr": Command("mr_command", "Mendelian randomization from variant summary statistics"),
    "mediate": Command("mr_command", "two-step MR mediation (product of coefficients)"),
    "view": Command("view_command", "interactive pathway view (HTML, works offline)"),
    "queries": Command("query_commands", "list the SPARQL catalog (name, title, parameters)"),
    "sparql": Command("query_commands", "run a catalog query, a .rq file or --query TEXT"),
    "serve": Command(
        "query_commands", "read-only SPARQL 1.1 endpoint over the built graph, with limits"
    ),
    "load": Command(
        "query_commands", "push the built graph to a SPARQL server (Graph Store protocol)"
    ),
    "paths": Command("paths_command", "explained paths (or metapath DWPC scores) from X to Y"),
    "export": Command(
        "interop_commands",
        "write the graph as KGX, Turtle, N-Triples, JSON-LD, GraphML or Cytoscape JSON",
    ),
    "import": Command(
        "interop_commands", "read KGX/RDF graphs, map them to gutbone's vocabulary and merge them"
    ),
    "ingest": Command(
        "ingest_command", "regenerate the ingested rows from the raw files in data/external/"
    ),
}

_EPILOG = """\
data folder (every command that reads curated tables):
  --data DIR if given; else the current folder when it holds gutbone tables
  (sources.csv); else ./data when it holds them; else the tables bundled with gutbone.
  The folder used is printed on stderr ("gutbone: data folder ..."). `gutbone init DIR`
  copies the bundled tables into DIR for curating.

cache: sparql, serve and load reuse the graph built from the same tables, kept in
  $GUTBONE_CACHE_DIR (default $XDG_CACHE_HOME/gutbone or ~/.cache/gutbone); any change
  to a table, the ontology or the gutbone version builds it afresh.

`gutbone COMMAND --help` describes one command.
"""


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (its first word not starting with '-')."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(commands: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Build the argument parser.

    :param commands: register the full options of these commands (and of the others their
        modules define); every other command is listed with its help only. ``None``
        registers every command fully (slow: imports all command modules).
    """
    parser = GutboneParser(
        prog="gutbone",
        description="Curated, evidence-weighted knowledge graph of gut-bone mechanisms.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = list(dict.fromkeys(c.module for c in COMMANDS.values()))
    if commands is not None:
        wanted = list(dict.fromkeys(COMMANDS[name].module for name in commands))
    for module in wanted:
        importlib.import_module(f"gutbone.cli.{module}").register(subparsers)
    registered = set(subparsers.choices)
    for name, entry in COMMANDS.items():
        if name not in registered:
            subparsers.add_parser(name, help=entry.help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    chosen = _chosen_command(words)
    parser = build_parser([chosen] if chosen else [])
    args = parser.parse_args(words)
    try:
        code: int = args.handler(args)
        return code
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    except GutboneError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - report, do not dump a traceback on users
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("please report this with the command you ran", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
