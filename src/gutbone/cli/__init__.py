"""Command-line entry point: ``gutbone <command> ...``.

The command layer is thin: each module of this package registers its sub-commands,
parses arguments, calls the library and formats the result. Exit codes: 0 success,
1 bad input or a failed check (messages on stderr), 2 usage or internal error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from gutbone.errors import GutboneError, InputError

__all__ = ["main", "build_parser"]


def _command_modules() -> list[ModuleType]:
    """Modules that register sub-commands, in the order ``--help`` lists them."""
    from gutbone.cli import graph_commands

    modules: list[ModuleType] = [graph_commands]
    # Each module below appends itself here when it exists (stats, queries, views...).
    for name in (
        "meta_command",
        "mr_command",
        "view_command",
        "query_commands",
        "paths_command",
        "interop_commands",
        "ingest_command",
    ):
        try:
            modules.append(__import__(f"gutbone.cli.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"gutbone.cli.{name}":
                raise
    return modules


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser with every registered sub-command."""
    parser = argparse.ArgumentParser(
        prog="gutbone",
        description="Curated, evidence-weighted knowledge graph of gut-bone mechanisms.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
