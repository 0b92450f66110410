"""The command table and shared option handling: numeric bounds, negative values, the data folder.

Every command is declared as data: its one-line help in :data:`COMMANDS` (``gutbone --help``
reads it without importing the command's module), its options in a table of
:func:`option` rows that :func:`add_command` registers.

Argument types with documented bounds for numeric command-line options.

An out-of-range value is a usage error (exit 2, argparse's message), never a
``MemoryError`` or an hour-long run. The limits (also in each option's ``--help``):

=====================================  ==============  =========================
option                                 range           why
=====================================  ==============  =========================
``mediate --draws``                    1 - 1,000,000   ~50 MB of draws at most
``mr --bootstrap``                     1 - 100,000     memory grows with variants
``mr/mediate/report --seed``           0 - 2**32-1     numpy seed range
``paths/view --top``                   0 - 100,000     0 = all (paths)
``paths/view --max-length``            1 - 10          paths grow exponentially
``paths --permutations``               0 - 100,000     each one re-scores every pair
``report --permutations``              0 - 10,000      ~0.1 s each on the bundled graph
``view --depth``                       0 - 10
``view/report --max-nodes``            1 - 100,000     browsers stall beyond
``meta --level``                       0.5 - 0.9999
=====================================  ==============  =========================

>>> draws = bounded_int(1, MAX_DRAWS)
>>> draws("5000")
5000
>>> draws("10000000000")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected an integer from 1 to 1000000, got '10000000000'
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gutbone.datafolder import resolve_data_folder

if TYPE_CHECKING:  # the pipeline is imported when a command builds the graph, not at start-up
    from gutbone.pipeline import BuildResult

__all__ = [
    "Command",
    "COMMANDS",
    "Option",
    "option",
    "add_command",
    "DATA",
    "progress",
    "conforming_graph",
    "MAX_DRAWS",
    "MAX_BOOTSTRAP",
    "MAX_SEED",
    "MAX_TOP",
    "MAX_PATH_LENGTH",
    "MAX_PERMUTATIONS",
    "MAX_REPORT_PERMUTATIONS",
    "MAX_DEPTH",
    "MAX_NODES",
    "bounded_int",
    "bounded_float",
    "GutboneParser",
    "DATA_HELP",
    "data_folder",
]


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

MAX_DRAWS = 1_000_000
MAX_BOOTSTRAP = 100_000
MAX_SEED = 2**32 - 1
MAX_TOP = 100_000
MAX_PATH_LENGTH = 10
MAX_PERMUTATIONS = 100_000
MAX_REPORT_PERMUTATIONS = 10_000
MAX_DEPTH = 10
MAX_NODES = 100_000

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type``: an integer written in ASCII digits, from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = int(text) if _INTEGER.fullmatch(text.strip()) else None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected an integer from {low} to {high}, got {text!r}"
            )
        return value

    return parse


def bounded_float(low: float, high: float) -> Callable[[str], float]:
    """An argparse ``type``: a finite number from ``low`` to ``high``.

    >>> bounded_float(0.5, 0.9999)("nan")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a number from 0.5 to 0.9999, got 'nan'
    """

    def parse(text: str) -> float:
        try:
            value = float(text) if text.strip().isascii() else math.nan
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # False for nan
            raise argparse.ArgumentTypeError(
                f"expected a number from {low} to {high}, got {text!r}"
            )
        return value

    return parse


# ----------------------------------------------------------------------------- parser

#: Words argparse should read as values, not options: negative numbers and lists of them
#: (``--a -0.25,0.04``, ``--seed -1`` then fails its range check, not as "expected one
#: argument").
_NEGATIVE_VALUE = re.compile(r"^-(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?:,.*)?$")


class GutboneParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that takes ``-0.25,0.04`` as an option's value.

    argparse reads a word starting with '-' as an option unless it is a plain negative
    number, so comma-separated estimates like ``B,SE`` with a negative ``B`` were refused.
    Sub-command parsers inherit the class (``add_subparsers`` uses the parent's type).

    >>> parser = GutboneParser(prog="demo")
    >>> _ = parser.add_argument("--a")
    >>> parser.parse_args(["--a", "-0.25,0.04"]).a
    '-0.25,0.04'
    >>> parser.parse_args(["--a", "-1e-3"]).a
    '-1e-3'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_VALUE


# ----------------------------------------------------------------------------- output


def progress(message: str) -> None:
    """Say on stderr what a long command is doing: ``gutbone: MESSAGE...``."""
    print(f"gutbone: {message}...", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- data folder

#: ``--help`` text of every ``--data`` option.
DATA_HELP = (
    "data folder (default: the current folder if it holds gutbone tables, else ./data if it "
    "does, else the bundled tables)"
)


def data_folder(args: argparse.Namespace) -> Path:
    """The data folder a command reads (``--data`` or the rule of :mod:`gutbone.datafolder`).

    Prints ``gutbone: data folder PATH (why)`` on stderr, once per run.
    """
    chosen = getattr(args, "_data_folder", None)
    if chosen is None:
        chosen = resolve_data_folder(getattr(args, "data", None))
        args._data_folder = chosen
        print(f"gutbone: data folder {chosen.path} ({chosen.reason})", file=sys.stderr)
    path: Path = chosen.path
    return path


# ----------------------------------------------------------------------------- commands

#: One option of a command: its flags (or a positional argument's name) and the keywords
#: of :meth:`argparse.ArgumentParser.add_argument`.
Option = tuple[tuple[str, ...], dict[str, Any]]


def option(*flags: str, **settings: Any) -> Option:
    """A row of an options table: ``parser.add_argument(*flags, **settings)``.

    >>> option("--out", default="build", help="output folder")
    (('--out',), {'default': 'build', 'help': 'output folder'})
    """
    return flags, settings


#: ``--data DIR``: the data folder of a command that reads the curated tables.
DATA = option("--data", help=DATA_HELP)


def add_command(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    handler: Callable[[argparse.Namespace], int],
    options: Sequence[Option],
    *,
    description: str,
    epilog: str | None = None,
    raw: bool = False,
) -> argparse.ArgumentParser:
    """Register ``gutbone NAME``: its help from :data:`COMMANDS`, its options from a table.

    :param handler: runs the command and returns its exit code.
    :param options: :func:`option` rows, added in this order (the order ``--help`` lists).
    :param description: the text ``gutbone NAME --help`` starts with.
    :param epilog: the text ``--help`` ends with, printed as written.
    :param raw: print the description as written too (else it is re-wrapped).
    :returns: the command's parser.
    """
    parser = subparsers.add_parser(
        name,
        help=COMMANDS[name].help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter
        if raw or epilog
        else argparse.HelpFormatter,
    )
    for flags, settings in options:
        parser.add_argument(*flags, **settings)
    parser.set_defaults(handler=handler)
    return parser


def conforming_graph(args: argparse.Namespace) -> BuildResult | None:
    """Build and validate the graph of the command's data folder (with progress messages).

    :returns: the build, or None when the graph does not conform to the SHACL shapes (each
        violation is then printed on stderr as ``error: ...``).
    """
    from gutbone.pipeline import build_knowledge_graph

    result = build_knowledge_graph(data_folder(args), progress=progress)
    if not result.validation.conforms:
        for violation in result.validation.violations:
            print(f"error: {violation}", file=sys.stderr)
        return None
    return result
