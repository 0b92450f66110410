"""``gutbone view``: write an interactive, offline pathway view (one HTML file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from gutbone.cli.options import (
    DATA,
    MAX_DEPTH,
    MAX_NODES,
    MAX_PATH_LENGTH,
    MAX_TOP,
    add_command,
    bounded_int,
    data_folder,
    option,
    progress,
)
from gutbone.curation import load_curated
from gutbone.errors import InputError, Problem
from gutbone.io import atomic_write
from gutbone.views.pathway import DEFAULT_MAX_NODES, render_view, select

__all__ = ["register"]


_DESCRIPTION = (
    "Draw the curated graph, a neighbourhood (--focus, --depth) or the ranked paths between "
    "two nodes (--from, --to) as one self-contained HTML page. Node names: CURIE, label, "
    "synonym or category."
)
_OPTIONS = (
    option("--focus", action="append", default=[], metavar="X", help="centre node (repeatable)"),
    option("--depth", type=bounded_int(0, MAX_DEPTH), default=1,
           help=f"hops around --focus (default: 1; at most {MAX_DEPTH})"),
    option("--from", dest="source", metavar="X", help="path search: start node(s)"),
    option("--to", dest="target", metavar="Y", help="path search: end node(s)"),
    option("--metapath", help='path search: categories, e.g. "Taxon>Metabolite>BoneOutcome"'),
    option("--max-length", type=bounded_int(1, MAX_PATH_LENGTH), default=4,
           help=f"path search: most hops (default: 4; at most {MAX_PATH_LENGTH})"),
    option("--top", type=bounded_int(1, MAX_TOP), default=20,
           help=f"path search: paths drawn (default: 20; at most {MAX_TOP:,})"),
    option("--category", action="append", metavar="CATEGORY",
           help="keep nodes of this category or below (repeatable)"),
    option("--evidence", action="append", metavar="TYPE",
           help="keep assertions of this evidence type (repeatable)"),
    option("--max-nodes", type=bounded_int(1, MAX_NODES), default=DEFAULT_MAX_NODES,
           help=f"refuse larger views (default: {DEFAULT_MAX_NODES}; at most {MAX_NODES:,})"),
    option("--title", help="page title"),
    DATA,
    option("--out", required=True, help="output HTML file"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``view`` to the command line."""
    add_command(subparsers, "view", _view, _OPTIONS, description=_DESCRIPTION)


def _view(args: argparse.Namespace) -> int:
    if (args.source is None) != (args.target is None):
        raise InputError([Problem("<arguments>", 0, "--from/--to", "give both --from and --to")])
    if args.source is not None and args.focus:
        raise InputError(
            [Problem("<arguments>", 0, "--focus", "use either --focus or --from/--to, not both")]
        )
    progress("reading curated tables")
    data = load_curated(data_folder(args))
    if args.source is not None:
        from gutbone.views.pathway import paths_view

        progress(f"searching paths from {args.source!r} to {args.target!r}")
        sub = paths_view(
            data,
            args.source,
            args.target,
            metapath=args.metapath,
            max_length=args.max_length,
            top=args.top,
            categories=args.category,
            evidence=args.evidence,
        )
        title = args.title or f"Paths from {args.source} to {args.target}"
    else:
        sub = select(
            data,
            focus=args.focus,
            depth=args.depth,
            categories=args.category,
            evidence=args.evidence,
        )
        title = args.title or (
            f"Neighbourhood of {', '.join(args.focus)}" if args.focus else "gutbone graph"
        )
    progress(f"drawing {len(sub.nodes)} nodes and {len(sub.edges)} assertions")
    html = render_view(data, sub, title=title, max_nodes=args.max_nodes)
    out = Path(args.out)
    atomic_write(out, html)
    print(f"wrote {out} ({len(sub.nodes)} nodes, {len(sub.edges)} assertions)")
    return 0
