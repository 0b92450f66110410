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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from gutbone.derived import derived_ntriples, require_derived_facts
from gutbone.errors import QueryError
from gutbone.query.sparql import Term
from gutbone.store import memory_store, open_store
from gutbone.void import void_ntriples

if TYPE_CHECKING:  # rdflib and the builder are imported only when a graph is built or parsed
    from rdflib import Graph

    from gutbone.query.catalog import CatalogQuery

__all__ = ["QuerySource", "load_source"]


@dataclass(frozen=True)
class QuerySource:
    """What queries run on: an Oxigraph store and, when built here, the rdflib graph.

    :param store: the pyoxigraph store (engine ``oxigraph``).
    :param graph: the rdflib graph (engine ``rdflib``); ``None`` for an on-disk store.
    :param ntriples: the graph as N-Triples (``None`` for an on-disk store), handed to
        endpoint workers and ``gutbone load``.
    :param folder: the on-disk store's folder (``None`` in memory).
    """

    store: ox.Store
    graph: Graph | None
    ntriples: str | None
    folder: Path | None = None

    def index_values(
        self, query: CatalogQuery, bindings: Mapping[str, Term]
    ) -> dict[str, list[Term]]:
        """The VALUES block a catalog query gets from the store's name index.

        An on-disk store has a name index (:mod:`gutbone.name_index`); for a catalog query
        it serves (:data:`~gutbone.name_index.INDEXED_QUERIES`, the bundled text only) the
        nodes whose names contain the bound text are returned, to pass as ``values=`` to
        :func:`~gutbone.query.sparql.run_query`.

        :param query: the query.
        :param bindings: its bound parameters.
        :returns: node variable -> matching nodes; empty when no index applies, or when
            a matching IRI holds characters a query cannot (the query then scans).
        """
        from gutbone.name_index import INDEX_FILE, INDEXED_QUERIES, matching_nodes
        from gutbone.query.catalog import catalog_dir

        name = query.name
        if self.folder is None or name not in INDEXED_QUERIES:
            return {}
        if query.text != (catalog_dir() / f"{name}.rq").read_text(encoding="utf-8"):
            return {}  # another query of that name: the index says nothing about it
        parameter, variable = INDEXED_QUERIES[name]
        text, path = bindings.get(parameter), self.folder / INDEX_FILE
        if text is None or text.kind != "literal" or not path.is_file():
            return {}
        try:
            nodes = [Term.iri(iri) for iri in matching_nodes(path, self.store, text.value)]
        except QueryError:  # an IRI a query cannot hold (a lenient load keeps such IRIs)
            return {}  # the text runs as written: a scan, but every row
        return {variable: nodes}


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
    Its VoID counts (:func:`gutbone.void.void_ntriples`) and derived facts
    (:func:`gutbone.derived.derived_ntriples`) are part of the cached N-Triples, so the
    store, the rdflib graph and the text all hold them.

    :param data_root: the data folder (bundled ``data/`` when omitted).
    :param store_dir: an existing on-disk store; when given, nothing is built and only
        the ``oxigraph`` engine is available.
    :param with_graph: also parse the rdflib graph (engine ``rdflib``); False leaves
        ``graph`` as ``None``, which is faster.
    :returns: the source.
    :raises QueryError: ``store_dir`` is not a store folder, or a store loaded by an
        earlier gutbone, without the derived facts its queries read.
    :raises CurationError: a table row is malformed.
    """
    if store_dir is not None:
        store = open_store(store_dir)
        require_derived_facts(store, str(store_dir))
        return QuerySource(store, None, None, Path(store_dir))
    from gutbone.cache import cached_bytes
    from gutbone.resources import data_dir

    folder = Path(data_root) if data_root is not None else data_dir()

    def build() -> bytes:
        from gutbone.pipeline import build_knowledge_graph
        from gutbone.rdf import serialize

        text = serialize(build_knowledge_graph(folder, validate=False).graph, "nt").encode()
        # the count queries read the VoID counts (gutbone.void), and two others the
        # derived facts (gutbone.derived), computed once here
        plain = memory_store(text)
        return text + (void_ntriples(plain) + derived_ntriples(plain)).encode()

    data = cached_bytes("graph.nt", folder, build)
    graph = None
    if with_graph:
        from rdflib import Graph

        graph = Graph().parse(data=data, format="nt")
    return QuerySource(memory_store(data), graph, data.decode("utf-8"))
