"""Talk to a remote SPARQL 1.1 server: run queries, push the graph.

Only the standard library (:mod:`urllib.request`) is used. These functions, and the
endpoint of :mod:`gutbone.query.endpoint`, are the only places where gutbone opens a
network connection, and only to the URL the user gives.

Queries follow the SPARQL 1.1 Protocol (POST, form-encoded ``query=``); a remote server
has no ``substitutions``, so parameters are sent as a ``VALUES`` block of validated,
escaped RDF terms placed at the start of the query's WHERE group
(:func:`~gutbone.query.sparql.inline_values`, as for the embedded store).

The graph goes to the server with the SPARQL 1.1 Graph Store HTTP Protocol: ``POST``
(add) or ``PUT`` (replace) an N-Triples body to ``STORE?default`` or
``STORE?graph=IRI``, where STORE is

- Oxigraph (``oxigraph serve``): ``http://HOST:7878/store`` (give the base URL, ``/store``
  is added);
- Apache Jena Fuseki: ``http://HOST:3030/DATASET/data`` (or ``/DATASET``);
- GraphDB: ``http://HOST:7200/repositories/REPO/rdf-graphs/service``.

>>> graph_store_url("http://127.0.0.1:7878")
'http://127.0.0.1:7878/store?default'
>>> graph_store_url("http://h:3030/ds/data", "https://w3id.org/gutbone/graph")
'http://h:3030/ds/data?graph=https%3A%2F%2Fw3id.org%2Fgutbone%2Fgraph'
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from gutbone.errors import QueryError
from gutbone.query.sparql import (
    DEFAULT_PREFIXES,
    QueryResult,
    Term,
    inline_values,
    parse_results_json,
)

__all__ = [
    "PushResult",
    "query_endpoint",
    "push_graph",
    "graph_store_url",
    "query_url",
]

_STORE_SUFFIXES = ("/store", "/data", "/rdf-graphs/service", "/statements")


@dataclass(frozen=True)
class PushResult:
    """What :func:`push_graph` sent and how the server answered."""

    url: str
    status: int
    triples: int


def query_url(url: str) -> str:
    """Check that ``url`` is an http(s) URL; queries go to it as given.

    >>> query_url("http://127.0.0.1:7878/query")
    'http://127.0.0.1:7878/query'
    >>> query_url("127.0.0.1:7878")
    Traceback (most recent call last):
    ...
    gutbone.errors.QueryError: '127.0.0.1:7878' is not an http(s) URL
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QueryError(f"{url!r} is not an http(s) URL")
    return url


def graph_store_url(url: str, graph: str | None = None) -> str:
    """The Graph Store URL for ``url`` (a server base URL or a store URL) and a graph."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QueryError(f"{url!r} is not an http(s) URL")
    path = parts.path.rstrip("/")
    if not path.endswith(_STORE_SUFFIXES):
        path = (path or "") + "/store"
    if graph is not None:
        Term.iri(graph)
        query = "graph=" + urllib.parse.quote(graph, safe="")
    else:
        query = "default"
    return urllib.parse.urlunsplit(parts._replace(path=path, query=query))


def _declared(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w.-]*):", text)}


def _open(request: urllib.request.Request, timeout: float) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - user URL
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace").strip()
        raise QueryError(
            f"{request.full_url}: HTTP {exc.code} {exc.reason}: {detail[:2000]}"
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise QueryError(f"{request.full_url}: cannot reach the endpoint: {reason}") from None


def query_endpoint(
    url: str,
    text: str,
    *,
    bindings: Mapping[str, Term] | None = None,
    timeout: float = 60.0,
    source: str = "query",
) -> QueryResult:
    """Run a query on a remote SPARQL 1.1 endpoint.

    Prefixes of :data:`~gutbone.query.sparql.DEFAULT_PREFIXES` that the query uses but
    does not declare are declared for it.

    :param url: the query URL (``http://host:7878/query`` for Oxigraph, Fuseki
        ``.../DATASET/sparql``, GraphDB ``.../repositories/REPO``, QLever its root URL).
    :param text: the query.
    :param bindings: parameters, sent as a VALUES block (:func:`inline_values`).
    :param timeout: seconds to wait for the answer.
    :param source: name used in error messages.
    :raises QueryError: when the server refuses the query or cannot be reached.
    """
    target = query_url(url)
    declared = _declared(text)
    missing = {
        name: iri
        for name, iri in DEFAULT_PREFIXES.items()
        if name not in declared and re.search(rf"(?<![\w<]){name}:", text)
    }
    full = "".join(f"PREFIX {n}: <{i}>\n" for n, i in missing.items()) + inline_values(
        text, bindings or {}
    )
    body = urllib.parse.urlencode({"query": full}).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - http(s) checked by query_url
        target,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
        },
    )
    try:
        _, media, payload = _open(request, timeout)
    except QueryError as exc:
        raise QueryError(f"{source}: {exc}") from None
    if "n-triples" in media or "turtle" in media:
        import pyoxigraph as ox

        fmt = ox.RdfFormat.TURTLE if "turtle" in media else ox.RdfFormat.N_TRIPLES
        rows = []
        for triple in ox.parse(payload, format=fmt):
            rows.append(
                tuple(_ox_term(t) for t in (triple.subject, triple.predicate, triple.object))
            )
        return QueryResult("graph", ("subject", "predicate", "object"), tuple(rows))
    return parse_results_json(payload)


def _ox_term(term: object) -> Term:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    assert isinstance(term, ox.Literal)
    return Term.literal(term.value, term.datatype.value, term.language)


def push_graph(
    url: str,
    ntriples: str,
    *,
    graph: str | None = None,
    replace: bool = False,
    timeout: float = 120.0,
) -> PushResult:
    """Send the graph to a Graph Store HTTP endpoint.

    :param url: a server base URL (``/store`` is added, Oxigraph's layout) or a Graph
        Store URL ending in ``/store``, ``/data``, ``/rdf-graphs/service``.
    :param ntriples: the graph as N-Triples.
    :param graph: the named graph IRI (default graph when ``None``).
    :param replace: ``PUT`` (replace the graph) instead of ``POST`` (add to it).
    :param timeout: seconds.
    :raises QueryError: when the server refuses or cannot be reached.
    """
    target = graph_store_url(url, graph)
    request = urllib.request.Request(  # noqa: S310 - http(s) checked by graph_store_url
        target,
        data=ntriples.encode("utf-8"),
        method="PUT" if replace else "POST",
        headers={"Content-Type": "application/n-triples"},
    )
    status, _, _ = _open(request, timeout)
    triples = sum(1 for line in ntriples.splitlines() if line.strip())
    return PushResult(target, status, triples)
