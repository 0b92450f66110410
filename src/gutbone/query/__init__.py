"""Questions over the graph: the SPARQL catalog, the embedded store and the endpoint.

The public names of the SPARQL half are re-exported here and imported on first use, so
that a worker process of the endpoint, which needs only :mod:`gutbone.query.sparql`, starts
fast. The path-search modules (``paths``, ``projection``, ``metapaths``) are imported from
their own modules.

>>> from gutbone.query import Term
>>> Term.iri("http://e/a").n3()
'<http://e/a>'
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    # catalog
    "CatalogQuery",
    "QueryParameter",
    "load_catalog",
    "read_query_file",
    "bind_parameters",
    "bind_adhoc",
    # running queries
    "Term",
    "QueryResult",
    "QueryLimitError",
    "run_query",
    "format_result",
    # stores
    "QuerySource",
    "load_source",
    "open_store",
    "memory_store",
    # endpoints
    "EndpointConfig",
    "SparqlEndpoint",
    "query_endpoint",
    "push_graph",
]

_HOMES = {
    "CatalogQuery": "catalog",
    "QueryParameter": "catalog",
    "load_catalog": "catalog",
    "read_query_file": "catalog",
    "bind_parameters": "catalog",
    "bind_adhoc": "catalog",
    "Term": "sparql",
    "QueryResult": "sparql",
    "QueryLimitError": "sparql",
    "run_query": "sparql",
    "format_result": "sparql",
    "QuerySource": "gutbone.query.source",
    "load_source": "gutbone.query.source",
    "open_store": "gutbone.store",
    "memory_store": "gutbone.store",
    "EndpointConfig": "endpoint",
    "SparqlEndpoint": "endpoint",
    "query_endpoint": "remote",
    "push_graph": "remote",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gutbone.query' has no attribute {name!r}")
    module = home if home.startswith("gutbone.") else f"gutbone.query.{home}"
    return getattr(importlib.import_module(module), name)
