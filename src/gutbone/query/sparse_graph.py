"""A graph held only in numpy arrays, for millions of edges (no networkx).

:class:`SparseGraph` carries the same sorted node ids, category codes and arc arrays as
:class:`~gutbone.query.projection.Projection`, so :func:`gutbone.query.metapaths.metapath_dwpc`
scores it with the same code, and :func:`gutbone.query.paths.find_paths_sparse` enumerates
its paths on CSR arrays. It is built directly from arrays:

* :func:`read_kgx`: a KGX TSV pair (``nodes.tsv``: ``id``, ``category``, ``name``;
  ``edges.tsv``: ``subject``, ``predicate``, ``object``, optional ``sign``,
  ``evidence_type``), read with pandas' C parser; a 10-million-edge file takes about
  half a minute and 1-2 GB;
* :func:`from_curated`: the curated tables (for tests, and for the Spark engine on the
  curated graph).

Categories and predicates
-------------------------
A node's category is read from the column ``gutbone_category`` when the file has one,
otherwise from ``category`` (KGX allows several, separated by ``|``): a gutbone category
name (``Taxon``, ``gb:Taxon``) is taken as is; a Biolink class (``biolink:OrganismTaxon``)
is mapped back through the ``skos:exactMatch``/``skos:closeMatch`` alignment of
``ontology/gutbone.ttl`` when exactly one gutbone category matches it. Predicates likewise
come from ``gutbone_predicate`` when present, else from ``predicate`` (``biolink:affects``
with ``object_direction_qualifier`` ``increased``/``decreased`` reads as
``increases``/``decreases``). Arcs follow :mod:`gutbone.query.projection`: subject to
object, and also object to subject for the symmetric predicates; self-loops are dropped;
a ``broader`` node column (as ``gutbone export --format kgx`` writes it) gives the same
``subclass_of`` hops (evidence ``classification``) the projection derives from the curated
``broader`` column.

>>> from gutbone.curation import load_curated
>>> graph = from_curated(load_curated())
>>> graph.node_ids == tuple(sorted(graph.node_ids))
True
>>> graph.resolve("Lachnospiraceae")
('NCBITaxon:186803',)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rdflib import SKOS, URIRef

from gutbone.curation import CuratedData
from gutbone.errors import InputError, Problem, QueryError
from gutbone.query.projection import (
    CLASSIFICATION_EVIDENCE,
    CLASSIFICATION_PREDICATE,
    SYMMETRIC_PREDICATES,
    ArcArrays,
    CategoryIndex,
    classification_edge,
)
from gutbone.resources import VOCAB
from gutbone.tables import encoding_problem
from gutbone.vocabulary import Vocabulary, load_vocabulary, ontology_graph

__all__ = [
    "SparseGraph",
    "build_sparse_graph",
    "read_kgx",
    "from_curated",
    "category_of",
    "predicate_of",
]

_BIOLINK = "https://w3id.org/biolink/vocab/"
_MAX_PROBLEMS = 20
_CHUNK = 1_000_000


@dataclass(frozen=True)
class SparseGraph(CategoryIndex):
    """A typed directed multigraph as arrays (see the module docstring).

    :param vocabulary: categories, predicates and evidence types.
    :param node_ids: every node id, sorted (row/column order of sparse matrices).
    :param labels: the label of each node (the id when the file gives none).
    :param category_table: category names, sorted (codes of :attr:`node_category_codes`).
    :param node_category_codes: the category of each node (-1: none of the vocabulary).
    :param predicate_names: predicate names, sorted (codes of :attr:`ArcArrays.predicate`).
    :param arcs: the traversable arcs (forward arcs in edge order, then the reversed arcs of
        symmetric predicates).
    :param arc_edge: the edge (row of the edge table, 0-based) each arc walks.
    :param arc_reverse: True for an arc walked from object to subject.
    :param arc_sign: the sign (-1, 0, 1) of each arc's edge.
    :param n_edges: number of edges read (self-loops included).
    :param edge_ids: the edge ids, when kept (else an edge is named ``FILE:ROW``).
    :param edge_file: the edge file name, for ``FILE:ROW`` names (the header is row 1).
    :param derived_names: names of the edges after the file's rows (the ``subclass_of``
        hops :func:`read_kgx` derives from a ``broader`` node column), in edge order.
    :param cache: memo of derived arrays (CSR order, category members, step matrices of
        :mod:`gutbone.query.metapaths`); not part of equality.
    """

    vocabulary: Vocabulary
    node_ids: tuple[str, ...]
    labels: tuple[str, ...]
    category_table: tuple[str, ...]
    node_category_codes: NDArray[np.int16]
    predicate_names: tuple[str, ...]
    arcs: ArcArrays
    arc_edge: NDArray[np.int64]
    arc_reverse: NDArray[np.bool_]
    arc_sign: NDArray[np.int8]
    n_edges: int
    edge_ids: tuple[str, ...] | None = None
    edge_file: str = "edges"
    derived_names: tuple[str, ...] = ()
    cache: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    def category(self, index: int) -> str:
        """The category name of a node (``""`` when it has none of the vocabulary).

        :param index: position in :attr:`node_ids`.
        :returns: the category.
        """
        code = int(self.node_category_codes[index])
        return self.category_table[code] if code >= 0 else ""

    def index(self, node: str) -> int:
        """Position of a node id in :attr:`node_ids`.

        :param node: a node id.
        :returns: its index.
        :raises QueryError: when the graph has no such node.
        """
        position = int(np.searchsorted(self._id_array, node))
        if position < len(self.node_ids) and self.node_ids[position] == node:
            return position
        raise QueryError(f"unknown node {node!r}: not a node id of the graph")

    @property
    def _id_array(self) -> NDArray[Any]:
        if "id_array" not in self.cache:
            self.cache["id_array"] = np.array(self.node_ids, dtype=object)
        ids: NDArray[Any] = self.cache["id_array"]
        return ids

    def edge_name(self, edge: int) -> str:
        """The id of an edge, or ``FILE:ROW`` when ids were not kept (header = row 1).

        :param edge: the 0-based edge row.
        :returns: its name.
        """
        if self.edge_ids is not None:
            return self.edge_ids[edge]
        file_rows = self.n_edges - len(self.derived_names)
        if edge >= file_rows:
            return self.derived_names[edge - file_rows]
        return f"{self.edge_file}:{edge + 2}"

    def out_csr(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Arcs grouped by tail: ``order[indptr[u]:indptr[u + 1]]`` are the arcs leaving u.

        :returns: ``(indptr, order)``, computed once.
        """
        if "out_csr" not in self.cache:
            tail = self.arcs.tail
            order = np.argsort(tail, kind="stable").astype(np.int64)
            counts = np.bincount(tail, minlength=len(self.node_ids))
            indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
            self.cache["out_csr"] = (indptr, order)
        csr: tuple[NDArray[np.int64], NDArray[np.int64]] = self.cache["out_csr"]
        return csr

    def resolve(self, text: str) -> tuple[str, ...]:
        """Node ids named by a node id, a category name or a label (case-insensitive).

        :param text: what the user typed.
        :returns: one id, or every node of a category (sorted).
        :raises QueryError: when nothing matches or a label names several nodes.

        >>> from_curated(_tiny()).resolve("bone density")
        ('OBA:1000110',)
        """
        from gutbone.query.resolve import AmbiguousNodeError, UnknownNodeError, normalize_text

        stripped = text.strip()
        try:
            return (self.node_ids[self.index(stripped)],)
        except QueryError:
            pass
        key = normalize_text(stripped)
        categories = {name.casefold(): name for name in self.vocabulary.categories}
        if key in categories:
            members = self.members(categories[key])
            if len(members) == 0:
                raise QueryError(f"category {categories[key]!r} has no node in the graph")
            return tuple(self.node_ids[i] for i in members.tolist())
        if "labels_index" not in self.cache:
            index: dict[str, list[int]] = {}
            for i, label in enumerate(self.labels):
                index.setdefault(normalize_text(label), []).append(i)
            self.cache["labels_index"] = index
        found = self.cache["labels_index"].get(key, [])
        if len(found) == 1:
            return (self.node_ids[found[0]],)
        if found:
            candidates = tuple((self.node_ids[i], self.labels[i]) for i in found)
            raise AmbiguousNodeError(text, candidates)
        raise UnknownNodeError(text)


def _tiny() -> CuratedData:
    """The curated tables (doctest helper)."""
    from gutbone.curation import load_curated

    return load_curated()


def build_sparse_graph(
    node_ids: Sequence[str] | NDArray[Any],
    node_categories: Sequence[str] | NDArray[Any],
    subjects: NDArray[np.int64],
    predicates: Sequence[str] | NDArray[Any],
    objects: NDArray[np.int64],
    *,
    signs: NDArray[np.int64] | None = None,
    evidence_types: Sequence[str] | NDArray[Any] | None = None,
    labels: Sequence[str] | NDArray[Any] | None = None,
    edge_ids: Sequence[str] | None = None,
    edge_file: str = "edges",
    derived_names: Sequence[str] = (),
) -> SparseGraph:
    """Assemble a :class:`SparseGraph` from node and edge arrays.

    :param node_ids: node ids (any order, unique).
    :param node_categories: the gutbone category name of each node.
    :param subjects: index (in ``node_ids``) of each edge's subject.
    :param predicates: gutbone predicate name of each edge.
    :param objects: index of each edge's object.
    :param signs: sign of each edge (0 when not given).
    :param evidence_types: evidence type name of each edge (unknown names rank -1, weight 0).
    :param labels: node labels (default: the ids).
    :param edge_ids: edge ids to keep, in edge order (default: ``FILE:ROW`` names).
    :param edge_file: file name used in ``FILE:ROW`` names.
    :param derived_names: names of the last edges, when they come from no file row.
    :returns: the graph, nodes sorted by id.
    :raises QueryError: for duplicate node ids or unknown predicates.

    >>> g = build_sparse_graph(["b", "a"], ["Taxon", "Metabolite"], np.array([0]),
    ...                        ["produces"], np.array([1]))
    >>> g.node_ids, g.arcs.tail.tolist(), g.arcs.head.tolist()
    (('a', 'b'), [1], [0])
    """
    vocabulary = load_vocabulary()
    ids = np.asarray(node_ids, dtype=object)
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    if len(sorted_ids) > 1 and bool(np.any(sorted_ids[1:] == sorted_ids[:-1])):
        duplicated = sorted({str(x) for x in sorted_ids[1:][sorted_ids[1:] == sorted_ids[:-1]]})
        raise QueryError(f"duplicate node ids: {', '.join(duplicated[:5])}")
    position = np.empty(len(ids), dtype=np.int64)
    position[order] = np.arange(len(ids), dtype=np.int64)
    category_table = tuple(sorted(vocabulary.categories))
    category_code = {name: i for i, name in enumerate(category_table)}
    inverse, uniques = _factorize(node_categories)
    codes = np.array([category_code.get(str(u), -1) for u in uniques], dtype=np.int16)
    codes = codes[inverse][order] if len(uniques) else np.zeros(0, dtype=np.int16)
    predicate_names = tuple(sorted(vocabulary.predicates))
    predicate_inverse, predicate_uniques = _factorize(predicates)
    unknown = [str(p) for p in predicate_uniques if str(p) not in vocabulary.predicates]
    if unknown:
        raise QueryError(f"unknown predicate {', '.join(map(repr, unknown))}")
    predicate_code = np.array(
        [predicate_names.index(str(p)) for p in predicate_uniques], dtype=np.int16
    )[predicate_inverse]
    n = len(predicate_code)
    evidence_code = np.full(n, -1, dtype=np.int16)
    names = tuple(vocabulary.evidence_types)
    if evidence_types is not None:
        ev_inverse, ev_uniques = _factorize(evidence_types)
        lookup = np.array(
            [names.index(str(e)) if str(e) in names else -1 for e in ev_uniques] + [-1]
        )
        evidence_code = lookup[ev_inverse].astype(np.int16)
    sign = np.zeros(n, dtype=np.int8) if signs is None else np.asarray(signs, dtype=np.int8)
    return _assemble(
        vocabulary,
        node_ids=tuple(str(x) for x in sorted_ids),
        labels=tuple(str(x) for x in np.asarray(labels, dtype=object)[order])
        if labels is not None
        else tuple(str(x) for x in sorted_ids),
        category_table=category_table,
        codes=codes,
        predicate_names=predicate_names,
        subject=position[np.asarray(subjects, dtype=np.int64)],
        obj=position[np.asarray(objects, dtype=np.int64)],
        predicate=predicate_code,
        sign=sign,
        evidence=evidence_code,
        edge_ids=tuple(edge_ids) if edge_ids is not None else None,
        edge_file=edge_file,
        derived_names=tuple(derived_names),
    )


def _factorize(values: Sequence[str] | NDArray[Any]) -> tuple[NDArray[np.int64], list[str]]:
    """Codes and distinct values of a column of names (hash-based, fast on millions)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques]


def _assemble(
    vocabulary: Vocabulary,
    *,
    node_ids: tuple[str, ...],
    labels: tuple[str, ...],
    category_table: tuple[str, ...],
    codes: NDArray[np.int16],
    predicate_names: tuple[str, ...],
    subject: NDArray[np.int64],
    obj: NDArray[np.int64],
    predicate: NDArray[np.int16],
    sign: NDArray[np.int8],
    evidence: NDArray[np.int16],
    edge_ids: tuple[str, ...] | None,
    edge_file: str,
    derived_names: tuple[str, ...] = (),
) -> SparseGraph:
    evidence_names = tuple(vocabulary.evidence_types)
    weight_of = np.array(
        [float(vocabulary.evidence_types[e].weight) for e in evidence_names] + [0.0]
    )
    rank_of = np.array([vocabulary.evidence_types[e].rank for e in evidence_names] + [-1])
    symmetric = np.array([name in SYMMETRIC_PREDICATES for name in predicate_names])
    edges = np.arange(len(subject), dtype=np.int64)
    forward = subject != obj
    backward = forward & symmetric[predicate]
    arc_edge = np.concatenate([edges[forward], edges[backward]])
    arc_reverse = np.concatenate(
        [np.zeros(int(forward.sum()), dtype=bool), np.ones(int(backward.sum()), dtype=bool)]
    )
    tail = np.where(arc_reverse, obj[arc_edge], subject[arc_edge])
    head = np.where(arc_reverse, subject[arc_edge], obj[arc_edge])
    arc_evidence = evidence[arc_edge].astype(np.int64)  # -1 picks the trailing "unknown"
    arcs = ArcArrays(
        tail=tail.astype(np.int64),
        head=head.astype(np.int64),
        predicate=predicate[arc_edge].astype(np.int16),
        rank=rank_of[arc_evidence].astype(np.int16),
        weight=weight_of[arc_evidence].astype(np.float64),
        sign=sign[arc_edge].astype(np.int8),
    )
    return SparseGraph(
        vocabulary=vocabulary,
        node_ids=node_ids,
        labels=labels,
        category_table=category_table,
        node_category_codes=codes.astype(np.int16),
        predicate_names=predicate_names,
        arcs=arcs,
        arc_edge=arc_edge,
        arc_reverse=arc_reverse,
        arc_sign=arcs.sign,
        n_edges=len(subject),
        edge_ids=edge_ids,
        edge_file=edge_file,
        derived_names=derived_names,
    )


def from_curated(data: CuratedData) -> SparseGraph:
    """The curated tables as a :class:`SparseGraph` (edges in edge-id order, ids kept).

    :param data: checked curated tables (:func:`gutbone.curation.load_curated`).
    :returns: the graph; its arcs are those of :func:`~gutbone.query.projection.build_projection`
        (curated edges plus the ``subclass_of`` hops derived from ``broader``).

    >>> graph = from_curated(_tiny())
    >>> graph.n_edges >= len(_tiny().edges)
    True
    """
    node_ids = sorted(data.nodes)
    index = {node: i for i, node in enumerate(node_ids)}
    everything = dict(data.edges)
    for node in data.nodes.values():  # the is-a hops the projection derives from broader
        if node.broader and node.broader in data.nodes and node.broader != node.id:
            edge = classification_edge(node, data.nodes[node.broader].label)
            everything[edge.id] = edge
    edge_ids = sorted(everything)
    edges = [everything[e] for e in edge_ids]
    return build_sparse_graph(
        node_ids,
        [data.nodes[n].category for n in node_ids],
        np.array([index[e.subject] for e in edges], dtype=np.int64),
        [e.predicate for e in edges],
        np.array([index[e.object] for e in edges], dtype=np.int64),
        signs=np.array([e.sign for e in edges], dtype=np.int64),
        evidence_types=[e.evidence_type for e in edges],
        labels=[data.nodes[n].label for n in node_ids],
        edge_ids=edge_ids,
        edge_file="edges",
    )


# --- KGX -----------------------------------------------------------------------------------


@cache
def _biolink_matches() -> tuple[Mapping[str, str], Mapping[str, str]]:
    """Biolink CURIE -> gutbone category / predicate, where exactly one matches."""
    vocabulary = load_vocabulary()
    graph = ontology_graph()
    found: dict[str, dict[str, set[str]]] = {"category": {}, "predicate": {}}
    for kind, names in (("category", vocabulary.categories), ("predicate", vocabulary.predicates)):
        for relation in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch):
            table: dict[str, set[str]] = {}
            for name in names:
                for match in graph.objects(URIRef(VOCAB + name), relation):
                    text = str(match)
                    if text.startswith(_BIOLINK):
                        table.setdefault("biolink:" + text[len(_BIOLINK) :], set()).add(name)
            for curie, matched in table.items():
                if curie not in found[kind]:  # exact matches first, then close, then broad
                    found[kind][curie] = matched
    categories = {k: next(iter(v)) for k, v in found["category"].items() if len(v) == 1}
    predicates = {k: next(iter(v)) for k, v in found["predicate"].items() if len(v) == 1}
    return categories, predicates


def _strip(value: str) -> str:
    for prefix in ("gb:", "gutbone:", VOCAB):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def category_of(value: str) -> str | None:
    """The gutbone category a KGX ``category`` value stands for (None when unknown).

    :param value: ``Taxon``, ``gb:Taxon``, ``biolink:OrganismTaxon`` or several of these
        separated by ``|`` (the first one known wins).
    :returns: the category name, or None.

    >>> category_of("biolink:OrganismTaxon"), category_of("biolink:NamedThing|gb:Taxon")
    ('Taxon', 'Entity')
    """
    vocabulary = load_vocabulary()
    biolink, _ = _biolink_matches()
    for part in value.split("|"):
        part = part.strip()
        if _strip(part) in vocabulary.categories:
            return _strip(part)
        if part in biolink:
            return biolink[part]
    return None


def predicate_of(value: str, direction: str = "") -> str | None:
    """The gutbone predicate a KGX ``predicate`` value stands for (None when unknown).

    :param value: ``increases``, ``gb:increases`` or a Biolink predicate CURIE.
    :param direction: the ``object_direction_qualifier`` (``increased``/``decreased``
        turn ``biolink:affects`` into ``increases``/``decreases``).
    :returns: the predicate name, or None.

    >>> predicate_of("biolink:affects", "decreased"), predicate_of("biolink:produces")
    ('decreases', 'produces')
    """
    vocabulary = load_vocabulary()
    _, biolink = _biolink_matches()
    name = _strip(value.strip())
    if name in vocabulary.predicates:
        return name
    if value.strip() == "biolink:affects" and direction in ("increased", "decreased"):
        return "increases" if direction == "increased" else "decreases"
    return biolink.get(value.strip())


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").rstrip("\r").split("\t")


def _problems(file: Path, rows: NDArray[np.int64], column: str, values: Iterable[Any], what: str):
    return [
        Problem(str(file), int(row) + 2, column, f"{value!r} {what}")
        for row, value in zip(rows[:_MAX_PROBLEMS].tolist(), values, strict=False)
    ]


def read_kgx(
    folder: str | os.PathLike[str],
    *,
    nodes: str = "nodes.tsv",
    edges: str = "edges.tsv",
    keep_edge_ids: bool = False,
) -> SparseGraph:
    """Read a KGX TSV node/edge file pair into a :class:`SparseGraph`.

    :param folder: the folder holding both files.
    :param nodes: the node file name.
    :param edges: the edge file name.
    :param keep_edge_ids: keep the ``id`` column of the edges (memory: ~70 bytes an edge);
        otherwise an edge is named ``edges.tsv:ROW``.
    :returns: the graph.
    :raises InputError: naming file, row and column of every edge whose subject or object
        is not in the node file, of unknown predicates, and of nodes with no known
        category (at most 20 of each); a missing or unreadable file, or one not in UTF-8
        (with the row of the first bad byte).
    """
    import pandas as pd

    root = Path(folder)
    node_path, edge_path = root / nodes, root / edges
    for path in (node_path, edge_path):
        if not path.is_file():  # also refuses a FIFO or a device, without opening it
            what = "not a regular file" if path.exists() else "no such file"
            raise InputError([Problem(str(path), 0, "-", f"{what} (expected KGX TSV)")])
    try:
        return _read_kgx_files(node_path, edge_path, keep_edge_ids)
    except UnicodeDecodeError:
        found = (encoding_problem(path, str(path)) for path in (node_path, edge_path))
        problems = [problem for problem in found if problem is not None]
        raise InputError(problems or [Problem(str(root), 0, "-", "not UTF-8")]) from None
    except OSError as exc:
        name = str(exc.filename or root)
        raise InputError([Problem(name, 0, "-", f"cannot read the file: {exc.strerror}")]) from None
    except pd.errors.ParserError as exc:
        message = " ".join(str(exc).split())
        raise InputError([Problem(str(root), 0, "-", f"not valid KGX TSV: {message}")]) from None


def _read_kgx_files(node_path: Path, edge_path: Path, keep_edge_ids: bool) -> SparseGraph:
    import pandas as pd

    problems: list[Problem] = []
    node_header = _header(node_path)
    for required in ("id", "category"):
        if required not in node_header:
            problems.append(Problem(str(node_path), 1, required, "missing column"))
    edge_header = _header(edge_path)
    for required in ("subject", "predicate", "object"):
        if required not in edge_header:
            problems.append(Problem(str(edge_path), 1, required, "missing column"))
    if problems:
        raise InputError(problems)
    category_column = "gutbone_category" if "gutbone_category" in node_header else "category"
    node_columns = ["id", category_column] + [c for c in ("name", "broader") if c in node_header]
    table = pd.read_csv(
        node_path,
        sep="\t",
        usecols=node_columns,
        dtype={c: str for c in node_columns},
        keep_default_na=False,
        na_filter=False,
        quoting=3,
        engine="c",
    )
    ids = table["id"].to_numpy(dtype=object)
    raw_categories = pd.Categorical(table[category_column])
    mapped = np.array(
        [category_of(str(value)) or "" for value in raw_categories.categories], dtype=object
    )
    node_categories = mapped[raw_categories.codes] if len(mapped) else np.zeros(0, dtype=object)
    missing = np.flatnonzero(node_categories == "")
    problems.extend(
        _problems(
            node_path,
            missing,
            category_column,
            ids[missing[:_MAX_PROBLEMS]],
            "has no gutbone category (give gutbone_category or a mapped Biolink class)",
        )
    )
    labels = table["name"].to_numpy(dtype=object) if "name" in table else ids
    broader = table["broader"].to_numpy(dtype=object) if "broader" in table else None
    del table
    predicate_column = "gutbone_predicate" if "gutbone_predicate" in edge_header else "predicate"
    qualifier = (
        "object_direction_qualifier"
        if predicate_column == "predicate" and "object_direction_qualifier" in edge_header
        else None
    )
    wanted = ["subject", predicate_column, "object"]
    optional = [c for c in ("sign", "evidence_type", qualifier) if c and c in edge_header]
    if keep_edge_ids and "id" in edge_header:
        optional.append("id")
    dtypes: dict[str, Any] = {c: str for c in wanted + optional}
    for column in (predicate_column, "evidence_type", qualifier):
        if column in optional or column == predicate_column:
            dtypes[column] = "category"
    if "sign" in optional:
        dtypes["sign"] = np.int8
    index = pd.Index(ids)
    parts: dict[str, list[Any]] = {"subject": [], "object": [], "predicate": [], "sign": [],
                                   "evidence": [], "id": []}  # fmt: skip
    predicate_cache: dict[tuple[str, str], str] = {}
    offset = 0
    reader = pd.read_csv(
        edge_path,
        sep="\t",
        usecols=wanted + optional,
        dtype=dtypes,
        keep_default_na=False,
        na_filter=False,
        quoting=3,
        engine="c",
        chunksize=_CHUNK,
    )
    for frame in reader:
        rows = np.arange(offset, offset + len(frame), dtype=np.int64)
        for column in ("subject", "object"):
            values = frame[column].to_numpy(dtype=object)
            # hash each distinct id of the chunk once, then look the distinct ids up
            local, distinct = pd.factorize(values)
            codes = np.asarray(index.get_indexer(distinct), dtype=np.int64)[local]
            bad = np.flatnonzero(codes < 0)
            problems.extend(
                _problems(
                    edge_path,
                    rows[bad],
                    column,
                    values[bad[:_MAX_PROBLEMS]],
                    "is not an id of the node file",
                )  # fmt: skip
            )
            parts[column].append(codes)
        predicate = frame[predicate_column].astype(str)
        if qualifier is not None:
            predicate = predicate + "\t" + frame[qualifier].astype(str)
        keys = pd.Categorical(predicate)
        names = []
        for key in keys.categories:
            if key not in predicate_cache:
                value, _, direction = str(key).partition("\t")
                predicate_cache[key] = predicate_of(value, direction) or ""
            names.append(predicate_cache[key])
        mapped = np.array(names, dtype=object)[keys.codes]
        bad = np.flatnonzero(mapped == "")
        problems.extend(
            _problems(
                edge_path,
                rows[bad],
                predicate_column,
                frame[predicate_column].to_numpy(dtype=object)[bad[:_MAX_PROBLEMS]],
                "is not a gutbone predicate nor a mapped Biolink predicate",
            )  # fmt: skip
        )
        parts["predicate"].append(mapped)
        if "sign" in frame:
            parts["sign"].append(frame["sign"].to_numpy(dtype=np.int64))
        if "evidence_type" in frame:
            values = frame["evidence_type"].array
            stripped = np.array([_strip(str(v)) for v in values.categories], dtype=object)
            parts["evidence"].append(stripped[values.codes] if len(stripped) else values)
        if "id" in frame:
            parts["id"].extend(frame["id"].tolist())
        offset += len(frame)
        if len(problems) > 4 * _MAX_PROBLEMS:
            break
    if problems:
        raise InputError(problems)

    def joined(name: str, dtype: Any) -> Any:
        return np.concatenate(parts[name]) if parts[name] else np.zeros(0, dtype=dtype)

    subjects, objects = joined("subject", np.int64), joined("object", np.int64)
    predicate_names = joined("predicate", object)
    signs = joined("sign", np.int64) if parts["sign"] else None
    evidence = joined("evidence", object) if parts["evidence"] else None
    edge_ids = tuple(parts["id"]) if parts["id"] else None
    parts.clear()
    derived: list[str] = []
    if broader is not None:  # is-a hops, as the projection derives them from ``broader``
        parent = np.asarray(pd.Index(ids).get_indexer(broader), dtype=np.int64)
        child = np.flatnonzero((parent >= 0) & (parent != np.arange(len(ids))))
        derived = [f"is_a:{ids[i]}" for i in child.tolist()]
        subjects = np.concatenate([subjects, child])
        objects = np.concatenate([objects, parent[child]])
        predicate_names = np.concatenate(
            [predicate_names, np.full(len(child), CLASSIFICATION_PREDICATE, dtype=object)]
        )
        if signs is not None:
            signs = np.concatenate([signs, np.ones(len(child), dtype=np.int64)])
        else:
            signs = np.concatenate([np.zeros(len(subjects) - len(child)), np.ones(len(child))])
        if evidence is not None:
            evidence = np.concatenate(
                [evidence, np.full(len(child), CLASSIFICATION_EVIDENCE, dtype=object)]
            )
        if edge_ids is not None:
            edge_ids = edge_ids + tuple(derived)
    return build_sparse_graph(
        ids,
        node_categories,
        subjects,
        predicate_names,
        objects,
        signs=signs,
        evidence_types=evidence,
        labels=labels,
        edge_ids=edge_ids,
        edge_file=edge_path.name,
        derived_names=derived,
    )
