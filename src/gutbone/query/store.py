"""The embedded Oxigraph store that answers SPARQL queries.

The curated graph is built with rdflib (:func:`gutbone.pipeline.build_knowledge_graph`),
serialised to N-Triples and loaded into an in-memory :class:`pyoxigraph.Store`; a large
merged graph lives in an on-disk store (``gutbone build --store DIR``) that is opened
read-only here.

>>> from rdflib import Graph, URIRef, Literal
>>> g = Graph()
>>> g.add((URIRef("http://e/a"), URIRef("http://e/p"), Literal("x")))
<Graph identifier=... (<class 'rdflib.graph.Graph'>)>
>>> len(store_from_graph(g))
1
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from gutbone.errors import QueryError
from gutbone.rdf import serialize

__all__ = ["QuerySource", "store_from_graph", "store_from_ntriples", "open_store", "load_source"]


@dataclass(frozen=True)
class QuerySource:
    """What queries run on: an Oxigraph store and, when built here, the rdflib graph.

    :param store: the pyoxigraph store (engine ``oxigraph``).
    :param graph: the rdflib graph (engine ``rdflib``); ``None`` for an on-disk store.
    :param ntriples: the graph as N-Triples (``None`` for an on-disk store), handed to
        endpoint workers and ``gutbone load``.
    """

    store: ox.Store
    graph: Graph | None
    ntriples: str | None


def store_from_ntriples(text: str | bytes) -> ox.Store:
    r"""An in-memory store holding the triples of an N-Triples document.

    >>> len(store_from_ntriples('<http://e/a> <http://e/p> "x" .\n'))
    1
    """
    store = ox.Store()
    data = text.encode("utf-8") if isinstance(text, str) else text
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store


def store_from_graph(graph: Graph) -> ox.Store:
    """An in-memory store holding ``graph`` (through its deterministic N-Triples form)."""
    return store_from_ntriples(serialize(graph, "nt"))


def open_store(path: str | os.PathLike[str]) -> ox.Store:
    """Open an existing on-disk pyoxigraph store read-only.

    :param path: the store folder (as written by ``gutbone build --store DIR``).
    :raises QueryError: when the folder does not exist or holds no store.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise QueryError(f"{folder}: no such store folder")
    try:
        return ox.Store.read_only(str(folder))
    except OSError as exc:
        raise QueryError(f"{folder}: cannot open the store read-only: {exc}") from None


def load_source(
    data_root: str | os.PathLike[str] | None = None,
    *,
    store_dir: str | os.PathLike[str] | None = None,
) -> QuerySource:
    """Build the curated graph (or open an on-disk store) for querying.

    :param data_root: the data folder (bundled ``data/`` when omitted).
    :param store_dir: an existing on-disk store; when given, nothing is built and only
        the ``oxigraph`` engine is available.
    """
    if store_dir is not None:
        return QuerySource(open_store(store_dir), None, None)
    from gutbone.pipeline import build_knowledge_graph

    graph = build_knowledge_graph(data_root, validate=False).graph
    text = serialize(graph, "nt")
    return QuerySource(store_from_ntriples(text), graph, text)
