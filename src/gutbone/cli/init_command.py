"""``gutbone init DIR``: copy the bundled tables into a new data folder for curating."""

from __future__ import annotations

import argparse

from gutbone.cli.options import add_command, option
from gutbone.datafolder import bundled_data_dir, init_data_folder

__all__ = ["register"]

_DESCRIPTION = (
    "Copy the curated tables bundled with gutbone into DIR (a new or empty folder; made "
    "atomically), to edit them and check them with `gutbone validate` run inside DIR (or "
    "`--data DIR` from elsewhere)."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to the command line."""
    folder = option("folder", metavar="DIR", help="the new data folder")
    add_command(subparsers, "init", _init, [folder], description=_DESCRIPTION)


def _init(args: argparse.Namespace) -> int:
    folder = init_data_folder(args.folder)
    print(f"wrote {folder} (a copy of {bundled_data_dir()})")
    print(f"next: cd {folder} && gutbone validate")
    return 0
