"""What queries run on: the curated graph in an in-memory store, or an on-disk store.

The curated graph is built with rdflib (:func:`gutbone.pipeline.build_knowledge_graph`),
serialised to N-Triples and loaded into an in-memory store; a large merged graph lives in
an on-disk store (``gutbone build --store DIR``) that is opened read-only. The stores
themselves are made in :mod:`gutbone.store`.

>>> source = load_source()
>>> len(source.store) == len(source.graph) > 1000
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph

from gutbone.pipeline import build_knowledge_graph
from gutbone.rdf import serialize
from gutbone.store import memory_store, open_store

__all__ = ["QuerySource", "load_source"]


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


def load_source(
    data_root: str | os.PathLike[str] | None = None,
    *,
    store_dir: str | os.PathLike[str] | None = None,
) -> QuerySource:
    """Build the curated graph (or open an on-disk store) for querying.

    :param data_root: the data folder (bundled ``data/`` when omitted).
    :param store_dir: an existing on-disk store; when given, nothing is built and only
        the ``oxigraph`` engine is available.
    :returns: the source.
    :raises QueryError: ``store_dir`` is not a store folder.
    :raises CurationError: a table row is malformed.
    """
    if store_dir is not None:
        return QuerySource(open_store(store_dir), None, None)
    graph = build_knowledge_graph(data_root, validate=False).graph
    text = serialize(graph, "nt")
    return QuerySource(memory_store(text), graph, text)
