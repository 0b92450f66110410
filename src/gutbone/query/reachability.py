r"""Which nodes a chain of relation edges reaches: an adjacency index of a store, and its search.

A SPARQL property path such as ``?start (gb:increases|gb:binds)+ ?target`` asks for every
node reached through one or more edges. Oxigraph evaluates it by expanding the closure one
index lookup at a time; on a dense graph of 1e7 edges from a hub that is past a minute
(``docs/scaling.md``). A breadth-first search over compressed sparse rows answers the same
question in a fraction of a second, but reading 1e7 edges out of the store for each query
takes longer than the query. So the node-to-node relation edges (one adjacency per
predicate of the vocabulary, forward and backward) are read once, when a store is loaded,
into a :class:`ReachIndex`:

- for an on-disk store (``gutbone build --store DIR [--add FILE]``,
  :func:`gutbone.store.load_files`), it is written into the store folder as
  :data:`INDEX_FILE` with a fingerprint of the store's own files (:func:`store_fingerprint`);
  :func:`load_index` refuses a missing, unreadable or stale one (the store was changed
  after the index was written) with :class:`StaleIndexError`, so that the caller runs the
  property path as written instead of answering from an index that no longer matches;
- for a store in memory (the curated graph) it is built on demand (:func:`build_index`).

Nodes are the N-Triples forms of the terms (``<IRI>`` or ``_:label``), sorted; literal
objects are left out (a property path over these predicates never continues from one).
:mod:`gutbone.query.closure` uses the index to answer the catalog queries with a ``+`` path.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> gb = "https://w3id.org/gutbone/vocab#"
>>> for s, p, o in [("a", "increases", "b"), ("b", "binds", "c"), ("c", "increases", "a"),
...                 ("d", "produces", "a")]:
...     store.add(ox.Quad(ox.NamedNode("http://e/" + s), ox.NamedNode(gb + p),
...                       ox.NamedNode("http://e/" + o)))
>>> index = build_index(store)
>>> sorted(index.reached(["<http://e/a>"], [gb + "increases", gb + "binds"]))
['<http://e/a>', '<http://e/b>', '<http://e/c>']
>>> sorted(index.reached(["<http://e/a>"], [gb + "increases"]))
['<http://e/b>']
>>> sorted(index.reached(["<http://e/a>"], [gb + "produces"], backward=True))
['<http://e/d>']
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyoxigraph as ox
from numpy.typing import NDArray

from gutbone.errors import QueryError

__all__ = [
    "INDEX_FILE",
    "RDF_TYPE",
    "SUBCLASS_OF",
    "ReachIndex",
    "StaleIndexError",
    "indexed_predicates",
    "build_index",
    "store_fingerprint",
    "write_index",
    "load_index",
    "index_for",
]

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
#: The index file inside an on-disk store folder (RocksDB leaves files it does not name alone).
INDEX_FILE = "gutbone-reachability.npz"
_FORMAT = 1
# the store's own files whose names and sizes change with any write (the info LOG and
# LOCK change without one); a read-only open changes none of them
_DATA_FILE = re.compile(r"^(?:\d+\.(?:sst|log|blob)|CURRENT|MANIFEST-\d+|OPTIONS-\d+)$")


class StaleIndexError(QueryError):
    """An on-disk store has no reachability index matching its current content."""


@dataclass(frozen=True)
class _Adjacency:
    """Compressed sparse rows: node ``i``'s neighbours are ``indices[indptr[i]:indptr[i+1]]``."""

    indptr: NDArray[np.int64]
    indices: NDArray[np.int32]

    def neighbours(self, frontier: NDArray[np.int64]) -> NDArray[np.int32]:
        """Every neighbour of every node of ``frontier`` (with repeats)."""
        starts = self.indptr[frontier]
        counts = self.indptr[frontier + 1] - starts
        total = int(counts.sum())
        if total == 0:
            return np.empty(0, dtype=np.int32)
        offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
        return self.indices[offsets + np.arange(total)]


def _adjacency(source: NDArray[np.int64], target: NDArray[np.int64], size: int) -> _Adjacency:
    order = np.argsort(source, kind="stable")
    counts = np.bincount(source, minlength=size)
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return _Adjacency(indptr, target[order].astype(np.int32))


@dataclass(frozen=True)
class ReachIndex:
    """The node-to-node edges of a store, one adjacency per predicate, in both directions.

    :param nodes: the N-Triples form of every node with an indexed edge, sorted; a node's
        position is its number in the adjacencies.
    :param forward: predicate IRI -> subject-to-object adjacency.
    :param backward: predicate IRI -> object-to-subject adjacency (the same edges reversed).
    """

    nodes: tuple[str, ...]
    forward: Mapping[str, _Adjacency]
    backward: Mapping[str, _Adjacency]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {node: number for number, node in enumerate(self.nodes)}

    def covers(self, predicates: Iterable[str]) -> bool:
        """True when every one of ``predicates`` (IRIs) is indexed."""
        return all(p in self.forward for p in predicates)

    def reached(
        self, starts: Iterable[str], predicates: Sequence[str], *, backward: bool = False
    ) -> frozenset[str]:
        """The nodes reached from any of ``starts`` through one or more edges.

        This is SPARQL's ``start (p1|p2|...)+ ?reached`` (or ``?reached (...)+ start`` with
        ``backward=True``): a start node is in the answer only when a chain of at least one
        edge leads back to it.

        :param starts: N-Triples forms of the start nodes (unknown ones have no edges).
        :param predicates: IRIs of the predicates a chain may use.
        :param backward: follow edges from object to subject.
        :returns: N-Triples forms of the nodes reached.
        :raises QueryError: a predicate is not indexed.
        """
        mask = self.reached_mask(self.numbers(starts), predicates, backward=backward)
        return frozenset(self.nodes[i] for i in np.flatnonzero(mask))

    def number(self, term: str) -> int | None:
        """The node number of ``term`` (N-Triples form); None when it has no indexed edge."""
        return self._positions.get(term)

    def numbers(self, terms: Iterable[str]) -> NDArray[np.int64]:
        """The node numbers of the ``terms`` that have an indexed edge (others are left out)."""
        positions = self._positions
        found = [positions[t] for t in terms if t in positions]
        return np.asarray(found, dtype=np.int64)

    def instances(self, category: str) -> NDArray[np.bool_]:
        """Mask of the nodes matching SPARQL's ``?node a/rdfs:subClassOf* category``.

        :param category: the N-Triples form of the class.
        :raises QueryError: ``rdf:type`` or ``rdfs:subClassOf`` is not indexed.
        """
        start = self.numbers([category])
        classes = self.reached_mask(start, [SUBCLASS_OF], backward=True)
        classes[start] = True
        found = self.backward_neighbours(np.flatnonzero(classes), RDF_TYPE)
        mask = np.zeros(len(self.nodes), dtype=np.bool_)
        mask[found] = True
        return mask

    def backward_neighbours(self, nodes: NDArray[np.int64], predicate: str) -> NDArray[np.int32]:
        """The subjects of ``predicate`` edges into ``nodes`` (with repeats)."""
        if predicate not in self.backward:
            raise QueryError(f"the reachability index has no edges of {predicate}")
        return self.backward[predicate].neighbours(nodes.astype(np.int64))

    def reached_mask(
        self, starts: NDArray[np.int64], predicates: Sequence[str], *, backward: bool = False
    ) -> NDArray[np.bool_]:
        """As :meth:`reached`, on node numbers: a boolean mask over :attr:`nodes`.

        Breadth-first, one level at a time over every predicate's adjacency: each edge
        reachable from ``starts`` is read once (plus once more for a start node reached
        again), O(nodes + edges reached).
        """
        missing = [p for p in predicates if p not in self.forward]
        if missing:
            raise QueryError(f"the reachability index has no edges of {', '.join(missing)}")
        adjacencies = [(self.backward if backward else self.forward)[p] for p in predicates]
        seen = np.zeros(len(self.nodes), dtype=np.bool_)
        frontier = np.unique(starts)
        while frontier.size:
            found = np.concatenate([a.neighbours(frontier) for a in adjacencies])
            found = np.unique(found[~seen[found]]).astype(np.int64)
            seen[found] = True
            frontier = found
        return seen


def indexed_predicates() -> tuple[str, ...]:
    """IRIs of the predicates an index holds.

    The vocabulary's node-to-node predicates, ``rdf:type`` and ``rdfs:subClassOf`` (for
    :meth:`ReachIndex.instances`).

    >>> indexed_predicates()[0]
    'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
    """
    from gutbone.vocabulary import load_vocabulary

    names = {p.iri for p in load_vocabulary().predicates.values()} | {RDF_TYPE, SUBCLASS_OF}
    return tuple(sorted(names))


def _edges(store: ox.Store, predicate: str) -> tuple[NDArray[np.str_], NDArray[np.str_]]:
    """Subjects and objects of ``predicate``'s triples whose object is not a literal."""
    import pandas as pd

    query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}"  # a FILTER costs a third more
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions)
    text = solutions.serialize(format=ox.QueryResultsFormat.TSV) or b""
    table = pd.read_csv(io.BytesIO(text), sep="\t", dtype=str, quoting=3, na_filter=False)
    subjects, objects = table.iloc[:, 0].to_numpy(), table.iloc[:, 1].to_numpy()
    nodes = ~table.iloc[:, 1].str.startswith('"').to_numpy()
    return subjects[nodes], objects[nodes]


def build_index(store: ox.Store, predicates: Iterable[str] | None = None) -> ReachIndex:
    """Read the edges of ``predicates`` (default :func:`indexed_predicates`) out of a store.

    The default graph's triples are read once per predicate as a tab-separated SPARQL result
    (about 5 s per million edges on a busy 2-core machine).

    :param store: the store.
    :param predicates: predicate IRIs to index.
    :returns: the index.
    """
    import pandas as pd

    names = tuple(sorted(predicates if predicates is not None else indexed_predicates()))
    pairs = [_edges(store, p) for p in names]
    ends = [end for pair in pairs for end in pair]
    everything = np.concatenate(ends) if ends else np.empty(0, dtype=object)
    found, unsorted = pd.factorize(everything)  # then sorted: faster than sort=True
    order = np.argsort(unsorted.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    codes = rank[found] if len(found) else found
    uniques = unsorted[order]
    size = len(uniques)
    forward: dict[str, _Adjacency] = {}
    backward: dict[str, _Adjacency] = {}
    offset = 0
    for name, (subjects, _) in zip(names, pairs, strict=True):
        count = len(subjects)
        source = codes[offset : offset + count].astype(np.int64)
        target = codes[offset + count : offset + 2 * count].astype(np.int64)
        offset += 2 * count
        forward[name] = _adjacency(source, target, size)
        backward[name] = _adjacency(target, source, size)
    return ReachIndex(tuple(str(u) for u in uniques), forward, backward)


def store_fingerprint(store_dir: str | os.PathLike[str]) -> str:
    """The names and sizes of an on-disk store's data files: they change with every write.

    RocksDB writes new table, log and manifest files for any change and removes obsolete
    ones; a read-only open changes none of them. Opening a store for writing without
    writing also renames its manifest, which makes an index stale: a needless rebuild
    rather than a wrong answer.

    :param store_dir: the store folder.
    :returns: a JSON list of ``[name, size]``.
    """
    folder = Path(store_dir)
    files = sorted(
        [entry.name, entry.stat().st_size]
        for entry in os.scandir(folder)
        if _DATA_FILE.match(entry.name)
    )
    return json.dumps(files)


def _text_array(text: str) -> NDArray[np.uint8]:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _array_text(array: NDArray[np.uint8]) -> str:
    return bytes(array).decode("utf-8")


def write_index(index: ReachIndex, store_dir: str | os.PathLike[str]) -> Path:
    """Write ``index`` into a closed on-disk store's folder, with the store's fingerprint.

    Written to a temporary name and renamed, so a reader sees the old file or the new one.

    :param index: the index of the store's current content.
    :param store_dir: the store folder (the store must be closed: its files are final).
    :returns: the index file.
    """
    folder = Path(store_dir)
    names = sorted(index.forward)
    header = {"format": _FORMAT, "predicates": names, "store": store_fingerprint(folder)}
    arrays: dict[str, NDArray[np.generic]] = {
        "header": _text_array(json.dumps(header)),
        "nodes": _text_array("\n".join(index.nodes)),
    }
    for number, name in enumerate(names):
        for direction, table in (("forward", index.forward), ("backward", index.backward)):
            arrays[f"{direction}_{number}_indptr"] = table[name].indptr
            arrays[f"{direction}_{number}_indices"] = table[name].indices
    target = folder / INDEX_FILE
    partial = folder / f".{INDEX_FILE}.partial"
    with partial.open("wb") as handle:
        np.savez(handle, allow_pickle=False, **arrays)  # type: ignore[arg-type]
    partial.replace(target)
    return target


def load_index(store_dir: str | os.PathLike[str]) -> ReachIndex:
    """Read the index of an on-disk store, checking that it matches the store's files.

    :param store_dir: the store folder.
    :returns: the index.
    :raises StaleIndexError: no index, an unreadable one, or one written for other content
        (the store was changed, or built by an older gutbone): rebuild the store with
        ``gutbone build --store DIR``.
    """
    folder = Path(store_dir)
    path = folder / INDEX_FILE
    rebuild = "rebuild it with `gutbone build --store DIR [--add FILE ...]`"
    if not path.is_file():
        raise StaleIndexError(f"{folder}: the store has no reachability index ({rebuild})")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(_array_text(data["header"]))
            if header.get("format") != _FORMAT or header.get("store") != store_fingerprint(folder):
                raise StaleIndexError(
                    f"{folder}: the reachability index was written for other store content "
                    f"({rebuild})"
                )
            nodes = _array_text(data["nodes"])
            forward: dict[str, _Adjacency] = {}
            backward: dict[str, _Adjacency] = {}
            for number, name in enumerate(header["predicates"]):
                for direction, table in (("forward", forward), ("backward", backward)):
                    table[name] = _Adjacency(
                        data[f"{direction}_{number}_indptr"], data[f"{direction}_{number}_indices"]
                    )
    except (OSError, ValueError, KeyError) as exc:
        if isinstance(exc, StaleIndexError):
            raise
        raise StaleIndexError(
            f"{folder}: cannot read the reachability index {INDEX_FILE}: {exc} ({rebuild})"
        ) from None
    return ReachIndex(tuple(nodes.split("\n")) if nodes else (), forward, backward)


def index_for(store: ox.Store, store_dir: str | os.PathLike[str] | None = None) -> ReachIndex:
    """The index of an on-disk store (:func:`load_index`), or one built now for ``store``.

    :param store: the store (a store in memory when ``store_dir`` is None).
    :param store_dir: the folder of an on-disk store.
    :returns: the index.
    :raises StaleIndexError: as :func:`load_index`.
    """
    return build_index(store) if store_dir is None else load_index(store_dir)
