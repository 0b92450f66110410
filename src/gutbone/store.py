r"""Oxigraph stores: the one place that builds, opens, bulk-loads and swaps them.

Queries, path search and the SPARQL endpoint run on a :class:`pyoxigraph.Store`. A small
graph lives in memory (:func:`memory_store`); a large merged graph lives in an on-disk
store folder (``gutbone build --store DIR [--add FILE ...]``) built by :func:`build_store` or
:func:`load_files` and opened by :func:`open_store`.

An on-disk store is always built in a sibling staging folder and swapped into place as a
whole (:func:`gutbone.io.replace_directory`), so a failed or killed load never leaves a
half-built store, and a folder holding other files than a store's is refused, not deleted.
Large files are streamed from their paths by :meth:`pyoxigraph.Store.bulk_load`, so memory
stays bounded whatever the file size.

>>> import tempfile, pathlib
>>> from rdflib import Graph, Literal, URIRef
>>> from pyoxigraph import NamedNode
>>> graph = Graph()
>>> graph.add((URIRef("http://e/a"), URIRef("http://e/p"), Literal("x")))
<Graph identifier=... (<class 'rdflib.graph.Graph'>)>
>>> len(memory_store(graph))
1
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> build_store(graph, folder / "store") == folder / "store"
True
>>> store = open_store(folder / "store")  # the triple, VoID counts, derived facts
>>> [q.object.value for q in store.quads_for_pattern(None, NamedNode("http://e/p"), None)]
['x']
>>> del store
>>> (folder / "b.nt").write_text('<http://e/b> <http://e/p> "y" .\n', encoding="utf-8")
32
>>> report = load_files(folder / "store", [folder / "b.nt"], base=graph)
>>> report.triples, report.files
(2, ('b.nt',))
"""

from __future__ import annotations

import os
import re
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from gutbone.derived import add_derived_facts
from gutbone.errors import InputError, Problem, QueryError
from gutbone.io import replace_directory
from gutbone.name_index import INDEX_FILE as NAME_INDEX_FILE
from gutbone.name_index import write_name_index
from gutbone.query.reachability import INDEX_FILE, build_index, write_index
from gutbone.void import add_void

if TYPE_CHECKING:  # rdflib and gutbone.rdf are imported on use: a cached graph needs neither
    from rdflib import Graph

__all__ = [
    "LoadReport",
    "memory_store",
    "build_store",
    "load_files",
    "open_store",
    "is_store_file",
    "peak_rss_bytes",
]

_STORE_FILE = re.compile(
    r"^(?:\d+\.(?:sst|log|blob)|CURRENT|IDENTITY|LOCK|LOG(?:\.old\.\d+)?|MANIFEST-\d+"
    r"|OPTIONS-\d+)$"
)


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_files` did.

    :param store: the store folder.
    :param files: the names of the files loaded (after the base graph).
    :param triples: quads in the store at the end.
    :param seconds: wall time of the loading (bulk loads and flush).
    :param peak_rss_bytes: the process's peak resident memory so far (:func:`peak_rss_bytes`).
    """

    store: Path
    files: tuple[str, ...]
    triples: int
    seconds: float
    peak_rss_bytes: int


def _ntriples(data: Graph | str | bytes) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    from gutbone.rdf import serialize

    return serialize(data, "nt").encode("utf-8")  # deterministic: same graph, same bytes


def memory_store(data: Graph | str | bytes) -> ox.Store:
    r"""An in-memory store holding a graph, or the triples of an N-Triples document.

    :param data: an rdflib graph (loaded through its sorted N-Triples form) or N-Triples text.
    :returns: the new store.

    >>> len(memory_store('<http://e/a> <http://e/p> "x" .\n'))
    1
    """
    store = ox.Store()
    store.bulk_load(_ntriples(data), format=ox.RdfFormat.N_TRIPLES)
    return store


def is_store_file(name: str) -> bool:
    """True for the names of the files an on-disk Oxigraph (RocksDB) store holds.

    Its reachability index (:data:`gutbone.query.reachability.INDEX_FILE`) and name index
    (:data:`gutbone.name_index.INDEX_FILE`) are among them.

    ``--store DIR`` replaces ``DIR`` only when it is empty or holds nothing else, so that a
    wrong path cannot delete a folder of other files.

    >>> is_store_file("000012.sst"), is_store_file("MANIFEST-000018"), is_store_file("notes.txt")
    (True, True, False)
    >>> is_store_file("gutbone-names.sqlite")
    True
    """
    return bool(_STORE_FILE.match(name)) or name in (INDEX_FILE, NAME_INDEX_FILE)


def peak_rss_bytes() -> int:
    """Peak resident set size of this process, in bytes (``getrusage``; Linux and macOS).

    :returns: the peak RSS.

    >>> peak_rss_bytes() > 0
    True
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def build_store(graph: Graph, store_dir: str | os.PathLike[str]) -> Path:
    """Bulk-load ``graph`` into a persistent on-disk store at ``store_dir``, replacing it.

    Queries, paths and the endpoint can then open it without re-parsing (``--store``).

    :param graph: the graph.
    :param store_dir: the store folder (created, or replaced as a whole when it holds a store).
    :returns: the store folder.
    :raises OutputError: the folder holds other files than a store's, or cannot be written.
    """
    return load_files(store_dir, [], base=graph).store


def _checked_formats(paths: list[Path]) -> list[ox.RdfFormat]:
    """The pyoxigraph format of each file; every missing file or unknown suffix is reported."""
    from gutbone.rdf import RDF_FORMATS, format_of, suffixes

    known = ", ".join(sorted(suffixes()))
    problems: list[Problem] = []
    formats: list[ox.RdfFormat] = []
    for path in paths:
        name = format_of(path)
        if not path.is_file():
            problems.append(Problem(str(path), 0, "-", "no such file"))
        elif name is None:
            problems.append(Problem(str(path), 0, "-", f"unknown RDF file suffix (known: {known})"))
        else:
            formats.append(RDF_FORMATS[name].oxigraph)
    if problems:
        raise InputError(problems)
    return formats


def load_files(
    store_dir: str | os.PathLike[str],
    files: Sequence[str | os.PathLike[str]],
    *,
    base: Graph | str | bytes | None = None,
    lenient: bool = True,
) -> LoadReport:
    """Build an on-disk store from an optional base graph and large RDF files.

    Each file is streamed from its path; ``lenient=True`` skips IRI validation, which saves
    about a third of the time (the files are trusted dumps: Hetionet, PrimeKG...).

    :param store_dir: the store folder (created, or replaced as a whole when it holds a store).
    :param files: RDF files, their format chosen by suffix (every row of
        :data:`gutbone.rdf.RDF_FORMATS`).
    :param base: a graph (or N-Triples) loaded first, e.g. the curated graph; or None.
    :param lenient: skip IRI validation while parsing (faster; for trusted dumps).
    :returns: the report (the triples loaded; the VoID description and the derived facts
        added after them, :func:`gutbone.void.add_void` and
        :func:`gutbone.derived.add_derived_facts`, are not counted; the seconds include
        writing them, the name index, :mod:`gutbone.name_index`, and the reachability
        index, :mod:`gutbone.query.reachability`).
    :raises InputError: for a missing file or an unknown suffix (before anything is built).
    :raises SyntaxError: when a file is not valid RDF (the store is then not replaced).
    :raises OutputError: the folder holds other files than a store's, or cannot be written.
    """
    paths = [Path(f) for f in files]
    formats = _checked_formats(paths)
    target = Path(store_dir)
    start = time.perf_counter()
    with replace_directory(target, owned=is_store_file) as staging:
        store = ox.Store(str(staging))
        if base is not None:
            store.bulk_load(_ntriples(base), format=ox.RdfFormat.N_TRIPLES)
        for path, fmt in zip(paths, formats, strict=True):
            store.bulk_load(path=str(path), format=fmt, lenient=lenient)
        triples = len(store)
        add_void(store)  # counted once here, read by the catalog's count queries
        add_derived_facts(store)  # likewise for conflicting_assertions, local_identifiers
        write_name_index(store, staging / NAME_INDEX_FILE)  # and search_nodes' names
        store.flush()
        index = build_index(store)  # the relation edges, for the catalog's `+` paths
        del store  # release RocksDB's lock before the folder is swapped in
        write_index(index, staging)  # after the store is closed: its files are final
        seconds = time.perf_counter() - start
    return LoadReport(
        store=target,
        files=tuple(p.name for p in paths),
        triples=triples,
        seconds=seconds,
        peak_rss_bytes=peak_rss_bytes(),
    )


def open_store(path: str | os.PathLike[str], *, read_only: bool = True) -> ox.Store:
    """Open an existing on-disk store (read-only by default: many readers may share it).

    :param path: the store folder (as written by ``gutbone build --store DIR``).
    :param read_only: open read-only; False opens it for writing (one writer at a time).
    :returns: the store.
    :raises QueryError: when the folder does not exist or holds no store.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise QueryError(f"{folder}: no such store folder")
    try:
        return ox.Store.read_only(str(folder)) if read_only else ox.Store(str(folder))
    except OSError as exc:
        mode = "read-only" if read_only else "for writing"
        raise QueryError(f"{folder}: cannot open the store {mode}: {exc}") from None
