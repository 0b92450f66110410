r"""A substring index of node names, kept beside an on-disk store, for ``search_nodes``.

``search_nodes`` keeps the names (``rdfs:label``, ``skos:altLabel``) whose
``LCASE(STR(?name))`` contains ``LCASE(STR(?text))``. Oxigraph (0.5.13) has no text index:
it decodes every name and then joins the matches to their CURIE, label and category by
hashing those of every node (10 s at 1e6 edges, past 60 s at 1e7, whether the text is a
VALUES block or a constant). When an on-disk store is loaded
(:func:`gutbone.store.load_files`), the names are written, lowercased by Oxigraph's own
``LCASE(STR(...))``, into an SQLite table beside the store (:data:`INDEX_FILE`, Python's
standard :mod:`sqlite3`). At query time the text is lowercased by Oxigraph too, the table
gives the nodes whose lowercased name contains it (``instr``, a comparison of code
points: what ``CONTAINS`` does), and these nodes are bound as a ``VALUES ?node`` block,
so the query starts from them; its FILTER still decides, so the rows are the query's own.

The search text is never pasted into query text: Oxigraph lowercases it as a
substituted variable, SQLite gets it as a parameter, and the query as a checked literal
in its VALUES block (:func:`gutbone.query.sparql.inline_values`). A store whose names
include a blank node (which a VALUES block cannot name) gets no index, and queries run
without one as before.

>>> import pyoxigraph as ox, tempfile, pathlib
>>> store = ox.Store()
>>> label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
>>> store.add(ox.Quad(ox.NamedNode("http://e/a"), label, ox.Literal("Butyrate 丁酸")))
>>> path = pathlib.Path(tempfile.mkdtemp()) / INDEX_FILE
>>> write_name_index(store, path)
1
>>> [matching_nodes(path, store, text) for text in ("BUTYR", "丁", "x")]
[['http://e/a'], ['http://e/a'], []]
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pyoxigraph as ox

__all__ = ["INDEX_FILE", "INDEXED_QUERIES", "write_name_index", "matching_nodes"]

#: The index file, inside the store folder.
INDEX_FILE = "gutbone-names.sqlite"
#: Catalog queries the index serves: name -> (text parameter, node variable).
INDEXED_QUERIES: dict[str, tuple[str, str]] = {"search_nodes": ("text", "node")}

_PREFIXES = {
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
}
# the names of search_nodes, lowercased as its FILTER does (names whose STR is an error,
# blank nodes, are left out by the FILTER and here alike)
_NAMES_QUERY = (
    "SELECT ?node (LCASE(STR(?name)) AS ?lowered) WHERE { "
    "{ ?node rdfs:label ?name } UNION { ?node skos:altLabel ?name } }"
)
_BATCH = 50_000


def write_name_index(store: ox.Store, path: str | Path) -> int:
    """Write the lowercased names of ``store``'s nodes into a new SQLite file ``path``.

    The names are streamed in batches, so memory stays bounded whatever the store's size.

    :param store: the store (read only).
    :param path: the index file (must not exist).
    :returns: the number of (node, name) rows; 0 when a named node is a blank node, in
        which case no file is left.
    """
    answer = store.query(_NAMES_QUERY, prefixes=_PREFIXES)
    assert isinstance(answer, ox.QuerySolutions)
    written, complete = 0, True
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE names (node TEXT NOT NULL, lowered TEXT NOT NULL)")
        batch: list[tuple[str, str]] = []
        for solution in answer:
            node, lowered = solution["node"], solution["lowered"]
            if lowered is None:
                continue
            if not isinstance(node, ox.NamedNode):
                complete = False  # a VALUES block cannot name a blank node: no index
                break
            batch.append((node.value, lowered.value))
            if len(batch) == _BATCH:
                db.executemany("INSERT INTO names VALUES (?, ?)", batch)
                written, batch = written + len(batch), []
        db.executemany("INSERT INTO names VALUES (?, ?)", batch)
        db.commit()
    if not complete:
        Path(path).unlink()
        return 0
    return written + len(batch)


def _lowered(store: ox.Store, text: str) -> str:
    """``LCASE(STR(text))`` as Oxigraph computes it (the text substituted, not pasted)."""
    answer = store.query(
        "SELECT ?text (LCASE(STR(?text)) AS ?lowered) WHERE {}",
        substitutions={ox.Variable("text"): ox.Literal(text)},
    )
    assert isinstance(answer, ox.QuerySolutions)
    return str(next(iter(answer))["lowered"].value)


def matching_nodes(path: str | Path, store: ox.Store, text: str) -> list[str]:
    """The nodes with a name whose lowercase form contains the lowercase ``text``.

    :param path: the index file.
    :param store: the store it was written from (lowercases ``text``).
    :param text: the search text.
    :returns: the nodes' IRIs, sorted, each once.
    """
    needle = _lowered(store, text)
    # read-only, by a file: URI whose path is percent-encoded (a folder may hold ? # or %)
    with closing(sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)) as db:
        found = db.execute(
            "SELECT DISTINCT node FROM names WHERE instr(lowered, ?) > 0 ORDER BY node",
            (needle,),
        ).fetchall()
    return [str(node) for (node,) in found]
