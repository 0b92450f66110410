"""``gutbone paths``: explained paths or metapath scores between nodes of the graph."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from gutbone.cli.options import (
    DATA,
    MAX_PATH_LENGTH,
    MAX_PERMUTATIONS,
    MAX_SEED,
    MAX_TOP,
    add_command,
    bounded_int,
    data_folder,
    option,
)
from gutbone.curation import load_curated
from gutbone.errors import QueryError
from gutbone.io import spreadsheet_row
from gutbone.query.engines import (
    ENGINES,
    dwpc,
    dwpc_null,
    node_category,
    node_label,
    open_graph,
    resolve_nodes,
)
from gutbone.query.metapaths import DEFAULT_DAMPING, DwpcMatrix, DwpcPair
from gutbone.query.paths import ASSOCIATIVE, MECHANISTIC, Hop, NoPathError, PathHit, find_paths
from gutbone.query.permutations import DwpcNull
from gutbone.query.projection import Projection
from gutbone.query.sparse_graph import SparseGraph

__all__ = ["register"]

DEFAULT_TOP = 20

_EPILOG = f"""\
--from/--to: a CURIE (NCBITaxon:186803), a label or synonym, English or Chinese, any case
(Lachnospiraceae, BMD, 骨密度), or a category (Taxon: every taxon; a category also
matches its sub-classes). A label or synonym naming several nodes is an error that
lists them.

engines:
  graph   (default) enumerate simple paths, each hop with predicate, sign, evidence,
          source, locator and effect; paths ranked by score = product of the hops'
          evidence weights; net sign = product of hop signs (0 if any hop is 0).
          A path with an association hop (associated_with) is "associative": its net
          sign is "none" (JSON null), never +/-. By default (--order mechanism) every
          mechanistic path is listed before the associative ones, in two sections;
          --order score ranks all paths by score alone.
  sparse  degree-weighted path counts (DWPC, Himmelstein & Baranzini 2015,
          doi:10.1371/journal.pcbi.1004259) for every source x target pair of
          --metapath, with scipy.sparse; --damping (default {DEFAULT_DAMPING}).
  spark   the same DWPC scores as sparse, computed as a chain of Apache Spark DataFrame
          joins (pip install 'gutbone[spark]' and a Java runtime); --master URL picks
          the cluster (default local[*]).
  sparse and spark also count, per pair, the mechanistic paths (no association hop)
  and among them those of net sign +1 and -1; a pair with only associative paths has
  kind "associative" and net sign "none". --order mechanism (default) lists pairs
  with a mechanistic path first.

--kgx DIR reads a large graph from DIR/nodes.tsv and DIR/edges.tsv (KGX TSV) into
arrays instead of the curated tables: the graph engine then needs --metapath and
enumerates paths on CSR arrays (hops carry predicate, sign and evidence; edges are
named edges.tsv:ROW), the sparse and spark engines score it as usual.

--top K keeps the K best paths or pairs (default {DEFAULT_TOP}; 0 = all).
associated_with, expressed_in and part_of may be walked both ways; every other
predicate only from subject to object (docs/paths.md).
exit codes: 0 ok, 1 unknown node/category/predicate/level, impossible metapath or no
path, 2 usage error.
"""


_OPTIONS = (
    option("--from", dest="source", required=True, metavar="X", help="start"),
    option("--to", dest="target", required=True, metavar="Y", help="end"),
    option("--metapath", help="categories, e.g. Taxon>Metabolite>BoneOutcome"),
    option("--max-length", type=bounded_int(1, MAX_PATH_LENGTH), default=4, metavar="N",
           help=f"most hops without --metapath (4; at most {MAX_PATH_LENGTH})"),
    option("--min-evidence", metavar="LEVEL", help="weakest evidence type allowed (e.g. animal)"),
    option("--predicates", metavar="P1,P2", help="predicates allowed (sub-predicates included)"),
    option("--top", type=bounded_int(0, MAX_TOP), default=DEFAULT_TOP, metavar="K",
           help=f"keep the K best (default {DEFAULT_TOP}; 0 = all; at most {MAX_TOP:,})"),
    option("--engine", choices=ENGINES, default="graph"),
    option("--order", choices=("mechanism", "score"), default="mechanism",
           help="mechanism: mechanistic paths (pairs) first, associative after (default); "
           "score: by score (DWPC) alone"),
    option("--damping", type=float, default=DEFAULT_DAMPING, help="DWPC exponent"),
    option("--format", choices=("table", "csv", "json"), default="table"),
    DATA,
    option("--kgx", metavar="DIR", help="score a KGX TSV graph (DIR/nodes.tsv, DIR/edges.tsv)"),
    option("--master", metavar="URL", help="Spark master for --engine spark (default local[*])"),
    option("--permutations", type=bounded_int(0, MAX_PERMUTATIONS), default=0, metavar="N",
           help="sparse/spark: compare each DWPC with N degree-preserving permutations (XSwap)"),
    option("--seed", type=bounded_int(0, MAX_SEED), default=0,
           help="seed of the permutations, 0 to 2**32-1 (0)"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``paths`` sub-command."""
    description = (
        "Find the routes from X to Y in the curated graph, e.g. "
        '--from Taxon --to BMD --metapath "Taxon>Metabolite>BoneOutcome".'
    )
    add_command(subparsers, "paths", _paths, _OPTIONS, description=description, epilog=_EPILOG)


def _spark_installed() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return True


def _usage_error(args: argparse.Namespace) -> str | None:
    if args.engine == "spark" and not _spark_installed():
        return "--engine spark is not available: install the spark extra"
    if args.engine in ("sparse", "spark") and not args.metapath:
        return f"--engine {args.engine} needs --metapath"
    if args.kgx and args.engine == "graph" and not args.metapath:
        return "--kgx with --engine graph needs --metapath"
    if args.master and args.engine != "spark":
        return "--master is only used by --engine spark"
    if args.permutations and args.engine == "graph":
        return "--permutations needs --engine sparse or spark"
    return None


def _paths(args: argparse.Namespace) -> int:
    problem = _usage_error(args)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    top = args.top or None
    predicates = args.predicates.split(",") if args.predicates else None
    data = None if args.kgx else load_curated(data_folder(args))
    graph = open_graph(args.engine, data, kgx=args.kgx)
    sources = resolve_nodes(graph, args.source)
    targets = resolve_nodes(graph, args.target)
    if args.engine in ("sparse", "spark"):
        return _score(graph, sources, targets, args, top, predicates)
    hits = find_paths(
        graph,
        sources,
        targets,
        metapath=args.metapath,
        max_length=args.max_length,
        min_evidence=args.min_evidence,
        predicates=predicates,
        top=top,
        mechanisms_first=args.order == "mechanism",
    )
    sections = args.order == "mechanism"
    print(_format_hits(_Names(graph), hits, args.format, sections=sections), end="")
    return 0


def _score(
    graph: Projection | SparseGraph,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    args: argparse.Namespace,
    top: int | None,
    predicates: list[str] | None,
) -> int:
    from gutbone.query.spark_engine import SparkUnavailable

    try:
        scores = dwpc(graph, args.metapath, args.damping, engine=args.engine,
                      predicates=predicates, min_evidence=args.min_evidence,
                      master=args.master)  # fmt: skip
        null = None
        if args.permutations:
            null = dwpc_null(graph, scores, permutations=args.permutations, seed=args.seed,
                             engine=args.engine, master=args.master,
                             progress=_permutation_progress)  # fmt: skip
    except SparkUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return _print_pairs(graph, scores, null, sources, targets, args, top)


def _permutation_progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        print(f"gutbone: permutation {done}/{total}", file=sys.stderr, flush=True)


def _print_pairs(
    graph: Projection | SparseGraph,
    scores: DwpcMatrix,
    null: DwpcNull | None,
    sources: tuple[str, ...],
    targets: tuple[str, ...],
    args: argparse.Namespace,
    top: int | None,
) -> int:
    for ids, labels, end in ((sources, scores.rows, 0), (targets, scores.columns, -1)):
        if not set(ids) & set(labels):
            category = scores.metapath[end]
            text = args.source if end == 0 else args.target
            where = "starts" if end == 0 else "ends"
            raise QueryError(
                f"metapath {'>'.join(scores.metapath)!r} {where} at {category}, "
                f"but {text!r} is not a {category}"
            )
    total = scores.count_pairs(rows=sources, columns=targets)
    if not total:
        raise NoPathError(
            f"no path from {args.source!r} to {args.target!r} following metapath "
            f"{'>'.join(scores.metapath)!r}"
        )
    shown = scores.pairs(rows=sources, columns=targets, top=top,
                         mechanisms_first=args.order == "mechanism")  # fmt: skip
    print(_format_pairs(_Names(graph), shown, null, args.format), end="")
    print(
        f"{total} pair(s) with a path ({scores.method}, damping {scores.damping})",
        file=sys.stderr,
    )
    if null is not None:
        print(
            f"metapath {'>'.join(scores.metapath)}: DWPC sum {null.observed_sum:.6g} is "
            f"{null.enrichment:.3g}x its mean over {null.permutations} permutations "
            f"(p = {null.metapath_p_value:.3g}; seed {null.seed})",
            file=sys.stderr,
        )
    return 0


class _Names:
    """Label and category of a node id, on either graph."""

    def __init__(self, graph: Projection | SparseGraph) -> None:
        self.graph = graph

    def label(self, node: str) -> str:
        return node_label(self.graph, node)

    def category(self, node: str) -> str:
        return node_category(self.graph, node)


def _sign(value: int | None) -> str:
    if value is None:
        return "none"
    return f"{value:+d}" if value else "0"


def _effect_text(hop: Hop) -> str:
    effect = hop.effect
    if effect is None:
        return ""
    text = effect.measure
    if effect.estimate is not None:
        text += f" {effect.estimate}"
    if effect.ci_lower is not None and effect.ci_upper is not None:
        text += f" [{effect.ci_lower}, {effect.ci_upper}]"
    if effect.p is not None:
        text += f" p={effect.p}"
    return text


def _hits_csv(names: _Names, hits: Sequence[PathHit]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        [
            "path", "kind", "score", "net_sign", "hop", "from", "from_label", "predicate",
            "reverse", "to", "to_label", "sign", "evidence_type", "evidence_weight",
            "source", "locator", "effect", "edge_id", "quote",
        ]
    )  # fmt: skip
    for rank, hit in enumerate(hits, start=1):
        for number, hop in enumerate(hit.hops, start=1):
            writer.writerow(spreadsheet_row(
                [
                    rank, hit.kind, f"{hit.score:.6g}", _sign(hit.net_sign), number, hop.tail,
                    names.label(hop.tail), hop.predicate, hop.reverse, hop.head,
                    names.label(hop.head), hop.sign, hop.evidence_type,
                    f"{hop.evidence_weight:g}", "|".join(hop.sources), hop.locator,
                    _effect_text(hop), hop.edge_id, hop.quote,
                ]
            ))  # fmt: skip
    return buffer.getvalue()


def _format_hits(
    names: _Names, hits: Sequence[PathHit], form: str, *, sections: bool = True
) -> str:
    if form == "json":
        return json.dumps([hit.to_dict() for hit in hits], ensure_ascii=False, indent=2) + "\n"
    if form == "csv":
        return _hits_csv(names, hits)
    lines: list[str] = []
    if hits and all(hit.kind == ASSOCIATIVE for hit in hits):
        lines.append("No mechanistic path within these limits: associative paths only.")
    section = ""
    for rank, hit in enumerate(hits, start=1):
        if sections and hit.kind != section and (section or hit.kind == ASSOCIATIVE):
            lines.append(_SECTION_TITLES[hit.kind])
            lines.append("")
        section = hit.kind
        sign = "none (associative)" if hit.net_sign is None else _sign(hit.net_sign)
        lines.append(
            f"{rank}. score {hit.score:.4g}  net sign {sign}  "
            f"({hit.length} hop{'s' if hit.length > 1 else ''})"
        )
        first = hit.nodes[0]
        lines.append(f"   {names.label(first)} [{names.category(first)}] {first}")
        for hop in hit.hops:
            head = hop.head
            arrow = f"{hop.predicate}, reverse" if hop.reverse else hop.predicate
            if hop.associative:
                arrow += ", association"
            lines.append(
                f"   --{arrow} ({_sign(hop.sign)})--> {names.label(head)} "
                f"[{names.category(head)}] {head}"
            )
            where = f"{'|'.join(hop.sources)}, {hop.locator}; " if hop.sources else ""
            detail = (
                f"      {hop.evidence_type} (weight {hop.evidence_weight:g}); {where}{hop.edge_id}"
            )
            effect = _effect_text(hop)
            if effect:
                detail += f"; effect {effect}"
            lines.append(detail)
        lines.append("")
    return "\n".join(lines)


_SECTION_TITLES = {
    MECHANISTIC: "== mechanistic paths ==",
    ASSOCIATIVE: "== associative paths (an association hop: no net sign) ==",
}


def _pair_record(names: _Names, pair: DwpcPair, null: DwpcNull | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": pair.source,
        "source_label": names.label(pair.source),
        "target": pair.target,
        "target_label": names.label(pair.target),
        "dwpc": pair.dwpc,
        "path_count": pair.path_count,
        "kind": pair.kind,
        "net_sign": pair.net_sign,
        "mechanistic_path_count": pair.mechanistic_path_count,
        "positive_path_count": pair.positive_path_count,
        "negative_path_count": pair.negative_path_count,
    }
    if null is not None:
        found = null.pair(pair.source, pair.target)
        record.update(
            p_value=found.p_value, z_score=found.z, null_mean=found.null_mean,
            null_sd=found.null_sd, permutations=found.permutations,
            null_nonzero=found.nonzero,
        )  # fmt: skip
    return record


def _format_pairs(
    names: _Names, pairs: Sequence[DwpcPair], null: DwpcNull | None, form: str
) -> str:
    records = [_pair_record(names, pair, null) for pair in pairs]
    if form == "json":
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    if form == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(dict(zip(r, spreadsheet_row(r.values()), strict=True)) for r in records)
        return buffer.getvalue()
    header = [
        "source", "source_label", "target", "target_label", "dwpc", "path_count", "kind",
        "net_sign", "mechanistic (+/-)",
    ]  # fmt: skip
    rows: list[list[str]] = [
        [
            str(r["source"]), str(r["source_label"]), str(r["target"]), str(r["target_label"]),
            f"{r['dwpc']:.6g}", str(r["path_count"]), str(r["kind"]), _sign(pair.net_sign),
            f"{pair.mechanistic_path_count} ({pair.positive_path_count}/"
            f"{pair.negative_path_count})",
        ]
        for r, pair in zip(records, pairs, strict=True)
    ]  # fmt: skip
    if null is not None:
        header += ["p (perm)", "z"]
        for row, r in zip(rows, records, strict=True):
            z = "n/a" if r["z_score"] is None else f"{r['z_score']:.3g}"
            row += [f"{r['p_value']:.3g}", z]
    return _table(header, rows)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
    return "\n".join(out) + "\n"
