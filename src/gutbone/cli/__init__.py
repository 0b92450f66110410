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

from gutbone.cli.options import COMMANDS, Command, GutboneParser
from gutbone.errors import GutboneError, InputError

__all__ = ["main", "build_parser", "COMMANDS", "Command"]


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
