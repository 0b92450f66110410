"""``gutbone init DIR``: copy the bundled tables into a new data folder for curating."""

from __future__ import annotations

import argparse

from gutbone.datafolder import bundled_data_dir, init_data_folder

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` to the command line."""
    parser = subparsers.add_parser(
        "init",
        help="copy the bundled tables into a new data folder",
        description="Copy the curated tables bundled with gutbone into DIR (a new or empty "
        "folder; made atomically), to edit them and check them with `gutbone validate` run "
        "inside DIR (or `--data DIR` from elsewhere).",
    )
    parser.add_argument("folder", metavar="DIR", help="the new data folder")
    parser.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    folder = init_data_folder(args.folder)
    print(f"wrote {folder} (a copy of {bundled_data_dir()})")
    print(f"next: cd {folder} && gutbone validate")
    return 0
