"""Read a large KGX TSV pair straight into numpy arrays (a :class:`SparseGraph`).

:func:`read_kgx` reads ``nodes.tsv`` (``id``, ``category``, ``name``) and ``edges.tsv``
(``subject``, ``predicate``, ``object``, optional ``sign``, ``evidence_type``) with pandas'
C parser, a million edge rows at a time; a 10-million-edge file takes about half a minute
and 1-2 GB.

A node's category is read from the column ``gutbone_category`` when the file has one,
otherwise from ``category``; a predicate from ``gutbone_predicate``, otherwise from
``predicate`` with ``object_direction_qualifier``. Both go through the one Biolink mapping
(:func:`gutbone.interop.biolink.category_of`, :func:`~gutbone.interop.biolink.predicate_of`),
the same the importer uses. A ``broader`` node column (as ``gutbone export --format kgx``
writes it) gives the same ``subclass_of`` hops (evidence ``classification``) the
projection derives from the curated ``broader`` column. An edge that aggregates parallel
assertions (``gutbone_assertions``, :mod:`gutbone.interop.kgx_edges`) is read as its
assertions, each with its own predicate, sign, evidence type and id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gutbone.errors import InputError, Problem
from gutbone.interop.biolink import category_of, local_name, predicate_of
from gutbone.interop.kgx import assertion_id
from gutbone.interop.kgx_edges import ASSERTIONS, split_edge
from gutbone.query.projection import CLASSIFICATION_EVIDENCE, CLASSIFICATION_PREDICATE
from gutbone.query.sparse_graph import SparseGraph, build_sparse_graph
from gutbone.tables import encoding_problem

__all__ = ["read_kgx"]

_MAX_PROBLEMS = 20
_CHUNK = 1_000_000
_TSV: dict[str, Any] = {
    "sep": "\t", "keep_default_na": False, "na_filter": False, "quoting": 3, "engine": "c"
}  # fmt: skip


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().rstrip("\n").rstrip("\r").split("\t")


def _problems(
    file: Path, rows: NDArray[np.int64], column: str, values: Iterable[Any], what: str
) -> list[Problem]:
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
    :param keep_edge_ids: keep the ``id`` column of the edges (memory: ~70 bytes an edge;
        gutbone's ``gutbone.assertion:ID`` read as ``ID``); otherwise an edge is named
        ``edges.tsv:ROW``.
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


@dataclass
class _Nodes:
    """The node file as arrays."""

    ids: NDArray[Any]
    categories: NDArray[Any]
    labels: NDArray[Any]
    broader: NDArray[Any] | None


@dataclass
class _Edges:
    """The edge file as arrays, gathered chunk by chunk."""

    subject: list[Any] = field(default_factory=list)
    object: list[Any] = field(default_factory=list)
    predicate: list[Any] = field(default_factory=list)
    sign: list[Any] = field(default_factory=list)
    evidence: list[Any] = field(default_factory=list)
    id: list[str] = field(default_factory=list)

    def joined(self, name: str, dtype: Any) -> Any:
        parts = getattr(self, name)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)


def _check_headers(node_header: list[str], node_path: Path, edge_header: list[str],
                   edge_path: Path) -> None:  # fmt: skip
    problems = [
        Problem(str(path), 1, required, "missing column")
        for path, header, columns in (
            (node_path, node_header, ("id", "category")),
            (edge_path, edge_header, ("subject", "predicate", "object")),
        )
        for required in columns
        if required not in header
    ]
    if problems:
        raise InputError(problems)


def _read_nodes(node_path: Path, header: list[str], problems: list[Problem]) -> _Nodes:
    import pandas as pd

    category_column = "gutbone_category" if "gutbone_category" in header else "category"
    columns = ["id", category_column] + [c for c in ("name", "broader") if c in header]
    table = pd.read_csv(node_path, usecols=columns, dtype=dict.fromkeys(columns, str), **_TSV)
    ids = table["id"].to_numpy(dtype=object)
    raw = pd.Categorical(table[category_column])
    mapped = np.array([category_of(str(value)) or "" for value in raw.categories], dtype=object)
    categories = mapped[raw.codes] if len(mapped) else np.zeros(0, dtype=object)
    missing = np.flatnonzero(categories == "")
    what = "has no gutbone category (give gutbone_category or a mapped Biolink class)"
    problems.extend(
        _problems(node_path, missing, category_column, ids[missing[:_MAX_PROBLEMS]], what)
    )
    labels = table["name"].to_numpy(dtype=object) if "name" in table else ids
    broader = table["broader"].to_numpy(dtype=object) if "broader" in table else None
    return _Nodes(ids, categories, labels, broader)


def _edge_reader(edge_path: Path, header: list[str], keep_edge_ids: bool) -> tuple[Any, str, str]:
    import pandas as pd

    predicate_column = "gutbone_predicate" if "gutbone_predicate" in header else "predicate"
    qualifier = "object_direction_qualifier"
    if predicate_column != "predicate" or qualifier not in header:
        qualifier = ""
    wanted = ["subject", predicate_column, "object"]
    sign = "gutbone_sign" if "gutbone_sign" in header else "sign"
    evidence = "gutbone_evidence_type" if "gutbone_evidence_type" in header else "evidence_type"
    optional = [c for c in (sign, evidence, qualifier) if c and c in header]
    if keep_edge_ids and "id" in header:
        optional.append("id")
    aggregated = ASSERTIONS in header
    if aggregated:
        optional.append(ASSERTIONS)
    dtypes: dict[str, Any] = {c: str for c in wanted + optional}
    for column in (predicate_column, evidence, qualifier):
        if column in dtypes and not aggregated:
            dtypes[column] = "category"
    if sign in optional and not aggregated:
        dtypes[sign] = np.int8
    names = {sign: "sign", evidence: "evidence_type"}
    reader = pd.read_csv(
        edge_path, usecols=wanted + optional, dtype=dtypes, chunksize=_CHUNK, **_TSV
    )
    return (frame.rename(columns=names) for frame in reader), predicate_column, qualifier


def _assertion_rows(edge: Any, wanted: list[str], fields: dict[str, str]) -> list[dict[str, Any]]:
    """The frame rows of the assertions of one aggregated edge (:class:`ValueError` if bad)."""
    record = {"subject": edge["subject"], "object": edge["object"],
              ASSERTIONS: edge[ASSERTIONS].split("|")}  # fmt: skip
    found = []
    for item in split_edge(record):
        row: dict[str, Any] = {c: str(item.get(fields.get(c, c), "")) for c in wanted}
        if "sign" in row:
            row["sign"] = int(row["sign"])
        found.append(row)
    return found


def _split_assertions(
    frame: Any,
    rows: NDArray[np.int64],
    columns: tuple[str, str],
    edge_path: Path,
    problems: list[Problem],
) -> tuple[Any, NDArray[np.int64]]:
    """The chunk with each aggregated edge replaced by its assertions (same row number).

    An aggregated edge whose assertions cannot be read is a problem (and left out).
    """
    import pandas as pd

    mask = (frame[ASSERTIONS] != "").to_numpy()
    predicate_column, qualifier = columns
    fields = {  # frame column -> field of an assertion record
        predicate_column: predicate_column, "sign": "gutbone_sign",
        "evidence_type": "gutbone_evidence_type", "id": "id", qualifier: qualifier,
    }  # fmt: skip
    wanted = [c for c in frame.columns if c != ASSERTIONS]
    split, split_rows = [], []
    for position in np.flatnonzero(mask).tolist():
        try:
            found = _assertion_rows(frame.iloc[position], wanted, fields)
        except ValueError as exc:
            row = int(rows[position]) + 2
            problems.append(Problem(str(edge_path), row, ASSERTIONS, str(exc)))
            continue
        split.extend(found)
        split_rows.extend([rows[position]] * len(found))
    joined = pd.concat([frame.loc[~mask, wanted], pd.DataFrame(split, columns=wanted)])
    if "sign" in joined:
        joined["sign"] = joined["sign"].astype(np.int64)
    for column in (predicate_column, "evidence_type", qualifier):
        if column in joined:
            joined[column] = joined[column].astype("category")
    order = np.concatenate([rows[~mask], np.array(split_rows, dtype=np.int64)])
    return joined.reset_index(drop=True), order


def _endpoints(frame: Any, rows: NDArray[np.int64], index: Any, edge_path: Path,
               edges: _Edges, problems: list[Problem]) -> None:  # fmt: skip
    import pandas as pd

    for column in ("subject", "object"):
        values = frame[column].to_numpy(dtype=object)
        # hash each distinct id of the chunk once, then look the distinct ids up
        local, distinct = pd.factorize(values)
        codes = np.asarray(index.get_indexer(distinct), dtype=np.int64)[local]
        bad = np.flatnonzero(codes < 0)
        problems.extend(
            _problems(edge_path, rows[bad], column, values[bad[:_MAX_PROBLEMS]],
                      "is not an id of the node file")  # fmt: skip
        )
        getattr(edges, column).append(codes)


def _predicates(frame: Any, rows: NDArray[np.int64], columns: tuple[str, str], edge_path: Path,
                cache: dict[str, str], problems: list[Problem]) -> NDArray[Any]:  # fmt: skip
    import pandas as pd

    predicate_column, qualifier = columns
    predicate = frame[predicate_column].astype(str)
    if qualifier:
        predicate = predicate + "\t" + frame[qualifier].astype(str)
    keys = pd.Categorical(predicate)
    names = []
    for key in keys.categories:
        if key not in cache:
            value, _, direction = str(key).partition("\t")
            cache[key] = predicate_of(value, direction) or ""
        names.append(cache[key])
    mapped: NDArray[Any] = np.array(names, dtype=object)[keys.codes]
    bad = np.flatnonzero(mapped == "")
    problems.extend(
        _problems(edge_path, rows[bad], predicate_column,
                  frame[predicate_column].to_numpy(dtype=object)[bad[:_MAX_PROBLEMS]],
                  "is not a gutbone predicate nor a mapped Biolink predicate")  # fmt: skip
    )
    return mapped


def _read_edges(edge_path: Path, header: list[str], node_ids: NDArray[Any], keep_edge_ids: bool,
                problems: list[Problem]) -> _Edges:  # fmt: skip
    import pandas as pd

    reader, predicate_column, qualifier = _edge_reader(edge_path, header, keep_edge_ids)
    index = pd.Index(node_ids)
    edges = _Edges()
    cache: dict[str, str] = {}
    offset = 0
    for frame in reader:
        rows = np.arange(offset, offset + len(frame), dtype=np.int64)
        offset += len(frame)
        if ASSERTIONS in frame:
            columns = (predicate_column, qualifier)
            frame, rows = _split_assertions(frame, rows, columns, edge_path, problems)
        _endpoints(frame, rows, index, edge_path, edges, problems)
        edges.predicate.append(
            _predicates(frame, rows, (predicate_column, qualifier), edge_path, cache, problems)
        )
        if "sign" in frame:
            edges.sign.append(frame["sign"].to_numpy(dtype=np.int64))
        if "evidence_type" in frame:
            values = frame["evidence_type"].array
            stripped = np.array([local_name(str(v)) for v in values.categories], dtype=object)
            edges.evidence.append(stripped[values.codes] if len(stripped) else values)
        if "id" in frame:
            edges.id.extend(assertion_id(ident) for ident in frame["id"].tolist())
        if len(problems) > 4 * _MAX_PROBLEMS:
            break
    return edges


def _read_kgx_files(node_path: Path, edge_path: Path, keep_edge_ids: bool) -> SparseGraph:
    node_header, edge_header = _header(node_path), _header(edge_path)
    _check_headers(node_header, node_path, edge_header, edge_path)
    problems: list[Problem] = []
    nodes = _read_nodes(node_path, node_header, problems)
    edges = _read_edges(edge_path, edge_header, nodes.ids, keep_edge_ids, problems)
    if problems:
        raise InputError(problems)
    arrays = {
        "subjects": edges.joined("subject", np.int64),
        "objects": edges.joined("object", np.int64),
        "predicates": edges.joined("predicate", object),
        "signs": edges.joined("sign", np.int64) if edges.sign else None,
        "evidence": edges.joined("evidence", object) if edges.evidence else None,
    }
    edge_ids = tuple(edges.id) if edges.id else None
    derived: list[str] = []
    if nodes.broader is not None:
        derived = _add_broader_hops(nodes, arrays)
        if edge_ids is not None:
            edge_ids = edge_ids + tuple(derived)
    return build_sparse_graph(
        nodes.ids,
        nodes.categories,
        arrays["subjects"],
        arrays["predicates"],
        arrays["objects"],
        signs=arrays["signs"],
        evidence_types=arrays["evidence"],
        labels=nodes.labels,
        edge_ids=edge_ids,
        edge_file=edge_path.name,
        derived_names=derived,
    )


def _add_broader_hops(nodes: _Nodes, arrays: dict[str, Any]) -> list[str]:
    """Append the is-a hops of the ``broader`` column (as the projection derives them)."""
    import pandas as pd

    ids = nodes.ids
    parent = np.asarray(pd.Index(ids).get_indexer(nodes.broader), dtype=np.int64)
    child = np.flatnonzero((parent >= 0) & (parent != np.arange(len(ids))))
    count = len(child)
    arrays["subjects"] = np.concatenate([arrays["subjects"], child])
    arrays["objects"] = np.concatenate([arrays["objects"], parent[child]])
    arrays["predicates"] = np.concatenate(
        [arrays["predicates"], np.full(count, CLASSIFICATION_PREDICATE, dtype=object)]
    )
    if arrays["signs"] is not None:
        arrays["signs"] = np.concatenate([arrays["signs"], np.ones(count, dtype=np.int64)])
    else:
        before = len(arrays["subjects"]) - count
        arrays["signs"] = np.concatenate([np.zeros(before), np.ones(count)])
    if arrays["evidence"] is not None:
        arrays["evidence"] = np.concatenate(
            [arrays["evidence"], np.full(count, CLASSIFICATION_EVIDENCE, dtype=object)]
        )
    return [f"is_a:{ids[i]}" for i in child.tolist()]
