"""SPARQL commands: ``queries``, ``sparql``, ``serve`` and ``load``."""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gutbone.cli.options import (
    DATA,
    add_command,
    bounded_float,
    bounded_int,
    data_folder,
    option,
    progress,
)
from gutbone.errors import QueryError
from gutbone.query.catalog import (
    CatalogQuery,
    bind,
    load_catalog,
    read_query_file,
)
from gutbone.query.closure import run_catalog_query
from gutbone.query.sparql import ENGINES, OUTPUT_FORMATS, format_result

if TYPE_CHECKING:  # pragma: no cover
    from gutbone.query.reachability import ReachIndex

__all__ = ["register"]


#: Seconds accepted by --timeout options: above 0, at most a day.
_SECONDS = bounded_float(0.001, 86_400.0)


_SPARQL = (
    "Run a SPARQL query on the embedded Oxigraph store built from the curated tables (or on "
    "rdflib, an on-disk store, or a remote endpoint). Parameters are checked and bound as RDF "
    "terms, never pasted into the query text."
)
_SERVE = (
    "Serve the graph over the SPARQL 1.1 protocol (GET/POST /query). Read-only; each query "
    "runs in a worker process that is stopped when it exceeds --timeout."
)
_LOAD = (
    "Send the built graph as N-Triples to a SPARQL 1.1 Graph Store HTTP endpoint: URL/store "
    "for an Oxigraph server base URL, or a Graph Store URL as given (Fuseki .../DATASET/data, "
    "GraphDB .../repositories/REPO/rdf-graphs/service)."
)

_SPARQL_OPTIONS = (
    option("target", nargs="?", help="a catalog query name or a .rq file"),
    option("--query", help="the query text (instead of NAME or FILE.rq)"),
    option("--param", action="append", default=[], metavar="NAME=VALUE",
           help="bind a parameter (repeatable); see `gutbone queries` for each query's"),
    option("--format", choices=OUTPUT_FORMATS, default="table"),
    option("--engine", choices=ENGINES, default="oxigraph"),
    option("--endpoint", metavar="URL", help="run on a remote SPARQL 1.1 endpoint"),
    option("--store", metavar="DIR", help="an on-disk Oxigraph store (read-only)"),
    DATA,
    option("--timeout", type=_SECONDS, default=60.0,
           help="seconds the query may run (default 60); the command stops with exit 1 past it"),
)  # fmt: skip
_SERVE_OPTIONS = (
    option("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"),
    option("--port", type=bounded_int(0, 65535), default=7879, help="port (default 7879; 0 = any)"),
    option("--timeout", type=_SECONDS, default=10.0, help="query time limit, seconds"),
    option("--max-rows", type=bounded_int(1, 10_000_000), default=10000, help="result size, rows"),
    option("--workers", type=bounded_int(1, 64), default=2, help="worker processes (default 2)"),
    option("--max-workers", type=bounded_int(1, 256),
           help="most worker processes when all are busy (default 2 x workers + 2)"),
    option("--per-client", type=bounded_int(1, 256), default=2,
           help="most queries one client (IP address) runs at once (default 2)"),
    option("--allow-host", action="append", default=[], metavar="NAME",
           help="also accept this Host header name (repeatable; default: the bound address only)"),
    option("--cors", metavar="ORIGIN",
           help="send Access-Control-Allow-Origin: ORIGIN ('*' for any page); off by default"),
    option("--store", metavar="DIR", help="serve an on-disk Oxigraph store"),
    DATA,
)  # fmt: skip
_LOAD_OPTIONS = (
    option("--endpoint", required=True, metavar="URL", help="server or store URL"),
    option("--graph", metavar="IRI", help="named graph (default graph if omitted)"),
    option("--replace", action="store_true",
           help="replace the graph (PUT) instead of adding (POST)"),
    DATA,
    option("--timeout", type=_SECONDS, default=120.0, help="seconds"),
)  # fmt: skip


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``queries``, ``sparql``, ``serve`` and ``load`` to the command line."""
    name = option("name", nargs="?", help="show one query in full (header and text)")
    description = "List the named queries of the catalog (data/queries/*.rq)."
    add_command(subparsers, "queries", _queries, [name], description=description)
    add_command(subparsers, "sparql", _sparql, _SPARQL_OPTIONS, description=_SPARQL)
    add_command(subparsers, "serve", _serve, _SERVE_OPTIONS, description=_SERVE)
    add_command(subparsers, "load", _load, _LOAD_OPTIONS, description=_LOAD)


def _queries(args: argparse.Namespace) -> int:
    catalog = load_catalog()
    if args.name:
        query = catalog.get(args.name)
        if query is None:
            raise QueryError(f"no catalog query named {args.name!r} (see `gutbone queries`)")
        print(query.text, end="" if query.text.endswith("\n") else "\n")
        return 0
    rows = []
    for query in catalog.values():
        params = ", ".join(
            f"{p.name}:{p.type}"
            + ("!" if p.required else (f"={p.default}" if p.default is not None else "?"))
            for p in query.parameters
        )
        rows.append((query.name, query.title, params or "-"))
    widths = [max(len(row[i]) for row in rows + [("name", "title", "parameters")]) for i in (0, 1)]
    header = ("name", "title", "parameters")
    lines = [f"{header[0]:<{widths[0]}}  {header[1]:<{widths[1]}}  {header[2]}"]
    lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 10}")
    lines += [f"{n:<{widths[0]}}  {t:<{widths[1]}}  {p}" for n, t, p in rows]
    print("\n".join(lines))
    print(
        f"({len(rows)} queries; parameters: NAME:TYPE!=required, =DEFAULT, ?=optional; "
        "`gutbone queries NAME` shows one)"
    )
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise QueryError(f"--param {pair!r}: expected NAME=VALUE")
        if name in given:
            raise QueryError(f"--param {name} is given twice")
        given[name.strip()] = value
    return given


def _resolve(args: argparse.Namespace) -> CatalogQuery:
    if args.query is not None:
        if args.target:
            raise QueryError("give either a query NAME/FILE.rq or --query TEXT, not both")
        return CatalogQuery("query", "", "", (), "", args.query, "")
    if not args.target:
        raise QueryError("give a catalog query NAME, a FILE.rq or --query TEXT")
    if args.target.endswith(".rq") or Path(args.target).is_file():
        return read_query_file(args.target)
    catalog = load_catalog()
    if args.target not in catalog:
        raise QueryError(
            f"no catalog query named {args.target!r} and no such file (see `gutbone queries`)"
        )
    return catalog[args.target]


def _node_names(
    query: CatalogQuery, given: dict[str, str], args: argparse.Namespace
) -> dict[str, str]:
    """``given`` with the labels and synonyms of ``curie`` parameters replaced by CURIEs."""
    from gutbone.curation import load_curated
    from gutbone.query.projection import build_projection
    from gutbone.query.resolve import resolve_parameters

    curies = [p.name for p in query.parameters if p.type == "curie"]
    return resolve_parameters(
        given, curies, lambda: build_projection(load_curated(data_folder(args)))
    )


def _sparql(args: argparse.Namespace) -> int:
    query = _resolve(args)
    given = _parse_params(args.param)
    if query.parameters and not args.endpoint:  # node names: resolved as `paths` does
        given = _node_names(query, given, args)
    bindings = bind(query, given)
    source = query.path or query.name
    if args.endpoint:
        from gutbone.query.remote import query_endpoint

        result = query_endpoint(
            args.endpoint, query.text, bindings=bindings, timeout=args.timeout, source=source
        )
    else:
        from gutbone.query.guard import check_query
        from gutbone.query.source import load_source

        check_query(query.text, engine=args.engine, source=source)  # before building the graph
        if args.store and args.engine == "rdflib":
            raise QueryError("--store holds an Oxigraph store: use --engine oxigraph")
        loaded = load_source(
            None if args.store else data_folder(args),
            store_dir=args.store,
            with_graph=args.engine == "rdflib",
        )
        result = run_catalog_query(
            query,
            store=loaded.store,
            graph=loaded.graph,
            engine=args.engine,
            bindings=bindings,
            index=_reach_index(query, loaded.store, args),
            timeout=args.timeout,
            values=loaded.index_values(query, bindings),
        )
    sys.stdout.write(format_result(result, args.format))
    return 0


def _reach_index(query: CatalogQuery, store: Any, args: argparse.Namespace) -> ReachIndex | None:
    """The reachability index for a catalog query with a `+` path (None: the text runs)."""
    from gutbone.query.closure import uses_index
    from gutbone.query.reachability import StaleIndexError, index_for

    if args.engine != "oxigraph" or not uses_index(query):
        return None
    try:
        return index_for(store, args.store)
    except StaleIndexError as exc:
        print(f"note: {exc}; the property path runs as written (slow on large stores)",
              file=sys.stderr)  # fmt: skip
        return None


def _serve(args: argparse.Namespace) -> int:
    from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
    from gutbone.query.source import load_source

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: binding to {args.host}: the endpoint is reachable from other machines",
            file=sys.stderr,
        )
    config = EndpointConfig(
        host=args.host,
        port=args.port,
        timeout=args.timeout,
        max_rows=args.max_rows,
        workers=args.workers,
        max_workers=args.max_workers or 0,
        per_client=args.per_client,
        allow_hosts=tuple(args.allow_host),
        cors=args.cors,
    )
    if args.store:
        endpoint = SparqlEndpoint(config, store_dir=args.store)
    else:
        progress("building the graph")
        loaded = load_source(data_folder(args), with_graph=False)
        assert loaded.ntriples is not None
        endpoint = SparqlEndpoint(config, ntriples=loaded.ntriples)

    def _stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    with endpoint:
        print(
            f"gutbone: SPARQL endpoint at {endpoint.url}/query (read-only; timeout "
            f"{config.timeout:g} s, at most {config.max_rows} rows, {config.per_client} queries "
            f"per client); Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        try:
            endpoint.serve_forever()
        except KeyboardInterrupt:
            print("gutbone: stopped", file=sys.stderr)
    return 0


def _load(args: argparse.Namespace) -> int:
    from gutbone.query.remote import push_graph
    from gutbone.query.source import load_source

    progress("building the graph")
    loaded = load_source(data_folder(args), with_graph=False)
    assert loaded.ntriples is not None
    outcome = push_graph(
        args.endpoint,
        loaded.ntriples,
        graph=args.graph,
        replace=args.replace,
        timeout=args.timeout,
    )
    print(
        f"{'replaced' if args.replace else 'added'} {outcome.triples} triples "
        f"({'graph <' + args.graph + '>' if args.graph else 'default graph'}) at {outcome.url}: "
        f"HTTP {outcome.status}"
    )
    return 0
