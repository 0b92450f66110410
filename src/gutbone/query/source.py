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
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from gutbone.store import memory_store, open_store
from gutbone.void import void_ntriples

if TYPE_CHECKING:  # rdflib and the builder are imported only when a graph is built or parsed
    from rdflib import Graph

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
    with_graph: bool = True,
) -> QuerySource:
    """Build the curated graph (or open an on-disk store) for querying.

    The graph built from a data folder is kept in the on-disk cache
    (:mod:`gutbone.cache`): a second call on unchanged tables loads it instead of
    rebuilding.
    Its VoID counts (:func:`gutbone.void.void_ntriples`) are part of the cached
    N-Triples, so the store, the rdflib graph and the text all hold them.

    :param data_root: the data folder (bundled ``data/`` when omitted).
    :param store_dir: an existing on-disk store; when given, nothing is built and only
        the ``oxigraph`` engine is available.
    :param with_graph: also parse the rdflib graph (engine ``rdflib``); False leaves
        ``graph`` as ``None``, which is faster.
    :returns: the source.
    :raises QueryError: ``store_dir`` is not a store folder.
    :raises CurationError: a table row is malformed.
    """
    if store_dir is not None:
        return QuerySource(open_store(store_dir), None, None)
    from gutbone.cache import cached_bytes
    from gutbone.resources import data_dir

    folder = Path(data_root) if data_root is not None else data_dir()

    def build() -> bytes:
        from gutbone.pipeline import build_knowledge_graph
        from gutbone.rdf import serialize

        text = serialize(build_knowledge_graph(folder, validate=False).graph, "nt").encode()
        # the count queries read the VoID counts (gutbone.void), computed once here
        return text + void_ntriples(memory_store(text)).encode()

    data = cached_bytes("graph.nt", folder, build)
    graph = None
    if with_graph:
        from rdflib import Graph

        graph = Graph().parse(data=data, format="nt")
    return QuerySource(memory_store(data), graph, data.decode("utf-8"))
