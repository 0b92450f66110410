"""``gutbone view``: write an interactive, offline pathway view (one HTML file)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gutbone.cli.options import (
    DATA_HELP,
    MAX_DEPTH,
    MAX_NODES,
    MAX_PATH_LENGTH,
    MAX_TOP,
    bounded_int,
    data_folder,
)
from gutbone.curation import load_curated
from gutbone.errors import InputError, Problem
from gutbone.io import atomic_write
from gutbone.views.pathway import DEFAULT_MAX_NODES, render_view, select

__all__ = ["register"]


def _progress(message: str) -> None:
    print(f"gutbone: {message}...", file=sys.stderr, flush=True)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``view`` to the command line."""
    view = subparsers.add_parser(
        "view",
        help="interactive pathway view (HTML, works offline)",
        description="Draw the curated graph, a neighbourhood (--focus, --depth) or the ranked "
        "paths between two nodes (--from, --to) as one self-contained HTML page. Node names: "
        "CURIE, label, synonym or category.",
    )
    view.add_argument("--focus", action="append", default=[], metavar="X",
                      help="centre node (repeatable)")  # fmt: skip
    view.add_argument("--depth", type=bounded_int(0, MAX_DEPTH), default=1,
                      help=f"hops around --focus (default: 1; at most {MAX_DEPTH})")  # fmt: skip
    view.add_argument("--from", dest="source", metavar="X", help="path search: start node(s)")
    view.add_argument("--to", dest="target", metavar="Y", help="path search: end node(s)")
    view.add_argument(
        "--metapath", help='path search: categories, e.g. "Taxon>Metabolite>BoneOutcome"'
    )
    view.add_argument(
        "--max-length",
        type=bounded_int(1, MAX_PATH_LENGTH),
        default=4,
        help=f"path search: most hops (default: 4; at most {MAX_PATH_LENGTH})",
    )
    view.add_argument(
        "--top",
        type=bounded_int(1, MAX_TOP),
        default=20,
        help=f"path search: paths drawn (default: 20; at most {MAX_TOP:,})",
    )
    view.add_argument("--category", action="append", metavar="CATEGORY",
                      help="keep nodes of this category or below (repeatable)")  # fmt: skip
    view.add_argument("--evidence", action="append", metavar="TYPE",
                      help="keep assertions of this evidence type (repeatable)")  # fmt: skip
    view.add_argument("--max-nodes", type=bounded_int(1, MAX_NODES), default=DEFAULT_MAX_NODES,
                      help=f"refuse larger views (default: {DEFAULT_MAX_NODES}; "
                      f"at most {MAX_NODES:,})")  # fmt: skip
    view.add_argument("--title", help="page title")
    view.add_argument("--data", help=DATA_HELP)
    view.add_argument("--out", required=True, help="output HTML file")
    view.set_defaults(handler=_view)


def _view(args: argparse.Namespace) -> int:
    if (args.source is None) != (args.target is None):
        raise InputError([Problem("<arguments>", 0, "--from/--to", "give both --from and --to")])
    if args.source is not None and args.focus:
        raise InputError(
            [Problem("<arguments>", 0, "--focus", "use either --focus or --from/--to, not both")]
        )
    _progress("reading curated tables")
    data = load_curated(data_folder(args))
    if args.source is not None:
        from gutbone.views.pathway import paths_view

        _progress(f"searching paths from {args.source!r} to {args.target!r}")
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
    _progress(f"drawing {len(sub.nodes)} nodes and {len(sub.edges)} assertions")
    html = render_view(data, sub, title=title, max_nodes=args.max_nodes)
    out = Path(args.out)
    atomic_write(out, html)
    print(f"wrote {out} ({len(sub.nodes)} nodes, {len(sub.edges)} assertions)")
    return 0
