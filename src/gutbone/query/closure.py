r"""Catalog queries with a ``+`` property path, answered with the reachability index.

Two catalog queries ask for chains of any length: ``downstream_of``
(``?start (...)+ ?target``) and ``taxon_metabolite_outcome`` (``?via (...)+ ?reached``).
Their SPARQL text is the definition (a remote endpoint runs it as written); on gutbone's
own stores the closure ``?a (p1|...|pn)+ ?b`` is computed by
:class:`~gutbone.query.reachability.ReachIndex` and the rest of the query stays SPARQL,
in the first of three forms that applies:

1. *from a parameter* (``downstream_of``): one breadth-first search from the bound end;
   when the rest requires the other end to be ``a/rdfs:subClassOf*`` a class, only its
   instances are kept; if at most :data:`MAX_REACHED` nodes remain, the query runs with
   the closure line replaced by ``VALUES (?a ?b) { pairs }``;
2. *filtered* (``taxon_metabolite_outcome``: a projection without aggregates, LIMIT or
   OFFSET): the query runs once without the closure line, with ``?a ?b`` added to its
   projection; the rows whose pair has no chain are dropped (one search per distinct
   end, from the side with fewer values), the added columns removed, DISTINCT and an
   ``ORDER BY`` of labels applied (:func:`_filtered`); with DISTINCT, a top-level
   ``?v a/rdfs:subClassOf* C`` is checked with the index too (:func:`_type_check`);
3. *candidates*: ``SELECT DISTINCT ?a ?b`` over the rest of the WHERE group, the pairs
   with a chain kept, then the query with them as ``VALUES``.

Each gives the text's solutions when the closure pattern is a top-level triple of the
WHERE group before any ``OPTIONAL`` and the rest binds both ends in every solution (the
forms fall back to the text otherwise): a ``+`` path yields each pair once (SPARQL 1.1
section 18.5, ArbitraryLengthPath), and each solution of the rest joins at most one pair.
It is applied only to the bundled catalog text of :data:`NATIVE_QUERIES` (a changed or
ad-hoc query runs as written), and ``tests/test_catalog_reach.py`` checks both queries row
for row against their text. Rows tied on every ``ORDER BY`` key may come in another order
than the text's plan gives them (SPARQL leaves that order open).

>>> text = "SELECT * WHERE {\n  ?x rdfs:label ?l .\n  ?x (gb:binds|<http://e/p>)+ ?y .\n}"
>>> closure = find_closure(text)
>>> closure.subject, closure.object, closure.predicates
('x', 'y', ('https://w3id.org/gutbone/vocab#binds', 'http://e/p'))
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gutbone.errors import QueryError
from gutbone.query.catalog import CatalogQuery, catalog_dir
from gutbone.query.guard import DEFAULT_LIMITS, check_query
from gutbone.query.reachability import RDF_TYPE, SUBCLASS_OF, ReachIndex
from gutbone.query.sparql import (
    DEFAULT_PREFIXES,
    Engine,
    QueryLimitError,
    QueryResult,
    Term,
    run_query,
)

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox
    from rdflib import Graph

__all__ = [
    "NATIVE_QUERIES",
    "MAX_REACHED",
    "Closure",
    "find_closure",
    "uses_index",
    "run_catalog_query",
]

#: Catalog queries whose ``+`` path is answered with the reachability index.
NATIVE_QUERIES: frozenset[str] = frozenset({"downstream_of", "taxon_metabolite_outcome"})

#: Past this many nodes reached from a parameter, the rest of the query picks the candidates.
MAX_REACHED = 200_000

_TERM = r"(?:[A-Za-z][\w-]*)?:[\w-]+|<[^<>\s]+>"
_CLOSURE = re.compile(
    rf"^[ \t]*\?(\w+)[ \t]+\(((?:{_TERM})(?:\|(?:{_TERM}))*)\)\+[ \t]+\?(\w+)[ \t]*\.[ \t]*$\n?",
    re.M,
)
_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>", re.M | re.I)
_WHERE = re.compile(r"\bWHERE\s*\{", re.I)


@dataclass(frozen=True)
class Closure:
    """A ``?subject (p1|...|pn)+ ?object .`` line of a query.

    :param subject: the variable the chains start from (without ``?``).
    :param predicates: the IRIs of ``p1 ... pn``.
    :param object: the variable they reach.
    :param start: where the line starts in the text.
    :param end: where it ends (after its newline).
    """

    subject: str
    predicates: tuple[str, ...]
    object: str
    start: int
    end: int


def _iri(name: str, prefixes: Mapping[str, str]) -> str | None:
    if name.startswith("<"):
        return name[1:-1]
    prefix, local = name.split(":", 1)
    base = prefixes.get(prefix)
    return None if base is None else base + local


def _prefixes(text: str) -> dict[str, str]:
    """The prefixes a query's names expand with: gutbone's defaults and its PREFIX lines."""
    prefixes = dict(DEFAULT_PREFIXES)
    prefixes.update({m.group(1) or "": m.group(2) for m in _PREFIX.finditer(text)})
    return prefixes


def find_closure(text: str) -> Closure | None:
    """The one top-level ``+`` path pattern of ``text``'s WHERE group, before any OPTIONAL.

    :param text: a SELECT query.
    :returns: the pattern, or None when there is none, more than one, or one nested in a
        group or preceded by an ``OPTIONAL``.
    """
    matches = list(_CLOSURE.finditer(text))
    where = _WHERE.search(text)
    if len(matches) != 1 or where is None:
        return None
    match = matches[0]
    before = text[where.end() : match.start()]
    if before.count("{") != before.count("}") or re.search(r"\bOPTIONAL\b", before, re.I):
        return None
    prefixes = _prefixes(text)
    iris = [_iri(name, prefixes) for name in match.group(2).split("|")]
    if any(iri is None for iri in iris):
        return None
    return Closure(
        match.group(1), tuple(i for i in iris if i is not None), match.group(3),
        match.start(), match.end(),
    )  # fmt: skip


def uses_index(query: CatalogQuery) -> bool:
    """True for a query of :data:`NATIVE_QUERIES` whose text is the bundled catalog's.

    >>> from gutbone.query.catalog import load_catalog
    >>> catalog = load_catalog()
    >>> uses_index(catalog["downstream_of"]), uses_index(catalog["neighbourhood"])
    (True, False)
    """
    if query.name not in NATIVE_QUERIES:
        return False
    bundled = catalog_dir() / f"{query.name}.rq"  # read as load_catalog reads it
    same = bundled.is_file() and bundled.read_text(encoding="utf-8") == query.text
    return same and find_closure(query.text) is not None


@dataclass(frozen=True)
class _Parts:
    """A SELECT query cut around its closure line."""

    head: str  # the prologue (PREFIX lines) before SELECT
    select: str  # between SELECT and WHERE: [DISTINCT] and the projection
    body: str  # the WHERE group's content without the closure line
    tail: str  # after the WHERE group: GROUP BY, ORDER BY...


def _parts(text: str, closure: Closure) -> _Parts:
    where = _WHERE.search(text)
    assert where is not None  # find_closure found it
    depth, position = 1, where.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        position += 1
    select = text.upper().rindex("SELECT", 0, where.start())
    return _Parts(
        text[:select],
        text[select + len("SELECT") : where.start()],
        text[where.end() : closure.start] + text[closure.end : position - 1],
        text[position:],
    )


def _chained(
    subjects: Sequence[Term], objects: Sequence[Term], closure: Closure, index: ReachIndex
) -> NDArray[np.bool_]:
    """Per row ``i``: True when a chain of edges leads ``subjects[i]`` to ``objects[i]``.

    One search per distinct subject, or backwards per distinct object when there are fewer;
    each distinct term is looked up once (a result repeats few terms over many rows).
    """
    a, b = _node_numbers(subjects, index), _node_numbers(objects, index)
    forward = len(np.unique(a)) <= len(np.unique(b))
    starts, ends = (a, b) if forward else (b, a)
    chained = np.zeros(len(a), dtype=np.bool_)
    rows = np.flatnonzero((a >= 0) & (b >= 0))  # a node without an indexed edge has no chain
    rows = rows[np.argsort(starts[rows], kind="stable")]
    for group in np.split(rows, np.flatnonzero(np.diff(starts[rows])) + 1):
        if group.size:
            mask = index.reached_mask(starts[group[:1]], closure.predicates, backward=not forward)
            chained[group] = mask[ends[group]]
    return chained


def _node_numbers(terms: Sequence[Term], index: ReachIndex) -> NDArray[np.int64]:
    """The index numbers of ``terms``; -1 for a term without an indexed edge."""
    known = {term: index.number(term.n3()) for term in set(terms)}
    numbers = (-1 if known[term] is None else known[term] for term in terms)
    return np.fromiter(numbers, dtype=np.int64, count=len(terms))


def _remaining(deadline: float | None, timeout: float | None) -> float | None:
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryLimitError(f"the query ran longer than the time limit of {timeout:g} s")
    return left


_PLAIN_SELECT = re.compile(r"^\s*(DISTINCT\s+)?((?:\?\w+\s+)*\?\w+)\s*$", re.I)
_SOLUTION_MODIFIERS = re.compile(r"\b(GROUP|HAVING|LIMIT|OFFSET)\b", re.I)
_ORDER = re.compile(r"^\s*ORDER\s+BY((?:\s*(?:(?:ASC|DESC)\s*\(\s*\?\w+\s*\)|\?\w+))+)\s*$", re.I)
_ORDER_KEY = re.compile(r"(ASC|DESC)?\s*\(?\s*\?(\w+)", re.I)


def _order_keys(tail: str) -> list[tuple[str, bool]] | None:
    """``(variable, descending)`` of an ``ORDER BY`` made of plain variables; None otherwise."""
    match = _ORDER.match(tail)
    if match is None:
        return None
    return [
        (m.group(2), (m.group(1) or "").upper() == "DESC")
        for m in _ORDER_KEY.finditer(match.group(1))
    ]


def _sorted_rows(
    rows: list[tuple[Term | None, ...]], columns: list[int], descending: list[bool]
) -> list[tuple[Term | None, ...]] | None:
    """Rows sorted as SPARQL orders simple literals (by code point); None for other terms."""
    for column in columns:
        for row in rows:
            term = row[column]
            if term is None or term.kind != "literal" or term.datatype or term.language:
                return None
    ordered = list(rows)
    for column, down in reversed(list(zip(columns, descending, strict=True))):
        ordered.sort(key=lambda row: row[column].value, reverse=down)  # type: ignore[union-attr]
    return ordered


_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
# ``?v a/rdfs:subClassOf* C`` followed by ``.`` or by ``;`` and more of the subject's pairs
_TYPE_CHECK = re.compile(rf"\?(\w+)(\s+)a/rdfs:subClassOf\*\s+({_TERM})\s*(?:(;)(?!\s*[.}}])|\.)")


def _type_check(body: str, head: str) -> tuple[str, tuple[str, str] | None]:
    """``body`` without its first top-level ``?v a/rdfs:subClassOf* C``, and ``(v, <C>)``.

    ``C`` is an IRI or prefixed name. The index answers the check
    (:meth:`~gutbone.query.reachability.ReachIndex.instances`) without reading the store
    once per candidate row (0.3-0.6 s of ``taxon_metabolite_outcome`` at 1e7). The body
    is returned unchanged, with None, when there is no such pattern.
    """
    prefixes = _prefixes(head)
    for found in _TYPE_CHECK.finditer(body):
        before = body[: found.start()]
        category = _iri(found.group(3), prefixes)
        if before.count("{") != before.count("}") or category is None:
            continue
        if prefixes.get("rdfs") != _RDFS:
            break
        kept = f"?{found.group(1)}{found.group(2)}" if found.group(4) else ""
        return body[: found.start()] + kept + body[found.end() :], (found.group(1), f"<{category}>")
    return body, None


def _filtered(
    parts: _Parts,
    closure: Closure,
    index: ReachIndex,
    run: Callable[[str], QueryResult],
    *,
    sort_here: bool = True,
) -> QueryResult | None:
    """A projection without aggregates, LIMIT or OFFSET: one query, the chains checked after.

    The query runs without the closure line and with ``?a ?b`` added to its projection;
    the rows whose pair has no chain are dropped, the added columns removed and, for
    DISTINCT, repeated rows after the first. Each solution of the rest joins at most one
    pair of the path (both ends bound), so these are the text's rows. An ``ORDER BY`` of
    plain variables whose values are all simple literals (labels) is applied here, by
    code point as SPARQL compares strings (Oxigraph's sort took 3 of the 6 s of
    ``taxon_metabolite_outcome`` at 1e7); any other is left to the query. None when the
    query is not of this form.
    """
    plain = _PLAIN_SELECT.match(parts.select)
    if plain is None or _SOLUTION_MODIFIERS.search(parts.tail):
        return None
    variables = plain.group(2).replace("?", "").split()
    extended = variables + [v for v in (closure.subject, closure.object) if v not in variables]
    keys = _order_keys(parts.tail) if sort_here else None
    if keys is not None:
        extended += [v for v, _ in keys if v not in extended]
    distinct = plain.group(1) or ""
    # a type check adds no column: with DISTINCT, the index may answer it (no repeats to keep)
    typed = distinct and index.covers([RDF_TYPE, SUBCLASS_OF])
    body, check = _type_check(parts.body, parts.head) if typed else (parts.body, None)
    if check is not None and check[0] not in extended:
        extended.append(check[0])
    projection = " ".join(f"?{v}" for v in extended)
    tail = "\n" if keys is not None else parts.tail
    answer = run(f"{parts.head}SELECT {distinct}{projection} WHERE {{{body}}}{tail}")
    ends = [extended.index(v) for v in (closure.subject, closure.object)]
    ends += [extended.index(check[0])] if check is not None else []
    if any(row[c] is None for row in answer.rows for c in ends):
        return None
    columns = [[row[c] for row in answer.rows] for c in ends]
    kept = _chained(columns[0], columns[1], closure, index)  # type: ignore[arg-type]
    if check is not None:
        numbers = _node_numbers(columns[2], index)  # type: ignore[arg-type]
        kept &= (numbers >= 0) & index.instances(check[1])[numbers]
    rows = list(itertools.compress(answer.rows, kept))
    if keys is not None:
        ordered = _sorted_rows(rows, [extended.index(v) for v, _ in keys], [d for _, d in keys])
        if ordered is None:  # not all labels: let the engine order them
            return _filtered(parts, closure, index, run, sort_here=False)
        rows = ordered
    projected = [row[: len(variables)] for row in rows]
    removed = range(len(variables), len(extended))
    if distinct and any(len({row[c] for row in rows}) > 1 for c in removed):
        projected = list(dict.fromkeys(projected))  # rows told apart only by a removed column
    return QueryResult("select", tuple(variables), tuple(projected))


def _node_term(node: str) -> Term:
    """The term of an index node (its N-Triples form: ``<IRI>`` or ``_:label``)."""
    return Term("uri", node[1:-1]) if node.startswith("<") else Term("bnode", node[2:])


def _writable(term: Term) -> bool:
    """True for an IRI a query text can hold.

    VALUES takes no blank node, and an IRI loaded leniently may hold characters SPARQL
    does not allow.
    """
    try:
        return term.kind == "uri" and Term.iri(term.value) == term
    except QueryError:
        return False


def _with_values(
    query: CatalogQuery, closure: Closure, pairs: Iterable[tuple[Term, Term]],
    run: Callable[[str], QueryResult],
) -> QueryResult | None:  # fmt: skip
    """The query with its closure line replaced by ``VALUES (?a ?b) { pairs }``.

    None when a term cannot be written into the query (the text then runs as written).
    """
    chosen = sorted(pairs)
    if not all(_writable(a) and _writable(b) for a, b in chosen):
        return None
    values = " ".join(f"({a.n3()} {b.n3()})" for a, b in chosen)
    block = f"  VALUES (?{closure.subject} ?{closure.object}) {{ {values} }}\n"
    return run(query.text[: closure.start] + block + query.text[closure.end :])


def _category(body: str, variable: str, bindings: Mapping[str, Term]) -> str | None:
    """``C`` of a top-level ``?variable a/rdfs:subClassOf* C`` (a parameter or an IRI)."""
    found = re.search(rf"\?{variable}\s+a/rdfs:subClassOf\*\s+(\?\w+|<[^<>\s]+>)", body)
    if found is None or body[: found.start()].count("{") != body[: found.start()].count("}"):
        return None
    name = found.group(1)
    if name.startswith("<"):
        return name
    term = bindings.get(name[1:])
    return term.n3() if term is not None and term.kind == "uri" else None


def _from_bound_end(
    query: CatalogQuery,
    parts: _Parts,
    closure: Closure,
    index: ReachIndex,
    bindings: Mapping[str, Term],
    run: Callable[[str], QueryResult],
) -> QueryResult | None:
    """A path from (or to) a parameter: one search, the nodes reached as ``VALUES``.

    When the rest of the query requires the other end to be an instance of a class
    (``?b a/rdfs:subClassOf* ?category``, a top-level pattern), only the instances are
    kept (the query checks it again). None when neither end is a parameter or more than
    :data:`MAX_REACHED` nodes are reached (the rest of the query then picks candidates).
    """
    backward = closure.subject not in bindings
    bound = bindings.get(closure.object if backward else closure.subject)
    if bound is None or bound.kind not in ("uri", "bnode"):
        return None
    mask = index.reached_mask(index.numbers([bound.n3()]), closure.predicates, backward=backward)
    category = _category(parts.body, closure.subject if backward else closure.object, bindings)
    if category is not None and index.covers([RDF_TYPE, SUBCLASS_OF]):
        mask &= index.instances(category)
    if int(mask.sum()) > MAX_REACHED:
        return None
    reached = [_node_term(index.nodes[i]) for i in np.flatnonzero(mask)]
    pairs = [(node, bound) if backward else (bound, node) for node in reached]
    return _with_values(query, closure, pairs, run)


def _from_candidates(
    query: CatalogQuery, parts: _Parts, closure: Closure, index: ReachIndex,
    run: Callable[[str], QueryResult],
) -> QueryResult | None:  # fmt: skip
    """Any SELECT: the candidate pairs of the rest of the query, those with a chain as VALUES."""
    ends = f"?{closure.subject} ?{closure.object}"
    candidates = run(f"{parts.head}SELECT DISTINCT {ends} WHERE {{{parts.body}}}\n")
    if any(a is None or b is None for a, b in candidates.rows):
        return None
    pairs = candidates.rows
    chained = _chained([a for a, _ in pairs], [b for _, b in pairs], closure, index)  # type: ignore[misc]
    return _with_values(query, closure, itertools.compress(pairs, chained), run)  # type: ignore[arg-type]


def run_catalog_query(
    query: CatalogQuery,
    *,
    store: ox.Store | None = None,
    graph: Graph | None = None,
    engine: Engine = "oxigraph",
    bindings: Mapping[str, Term] | None = None,
    index: ReachIndex | None = None,
    max_rows: int | None = None,
    timeout: float | None = None,
    values: Mapping[str, Sequence[Term]] | None = None,
) -> QueryResult:
    """Run a catalog query as :func:`~gutbone.query.sparql.run_query` does, its ``+`` path natively.

    The index is used for the oxigraph engine and a query :func:`uses_index` accepts, when
    ``index`` covers the path's predicates; otherwise the text runs as written.

    :param query: the query.
    :param store: the store the index was built from (engine ``oxigraph``).
    :param graph: the rdflib graph (engine ``rdflib``).
    :param engine: ``oxigraph`` or ``rdflib``.
    :param bindings: the parameter terms (:func:`gutbone.query.catalog.bind`).
    :param index: the store's reachability index, or None.
    :param max_rows: as :func:`~gutbone.query.sparql.run_query`.
    :param timeout: seconds for the whole answer (the queries and the search).
    :param values: VALUES blocks from the store's name index, as
        :func:`~gutbone.query.sparql.run_query` takes them.
    :returns: the result: the same rows as the text gives.
    :raises QueryError: as :func:`~gutbone.query.sparql.run_query`.
    """
    source = query.path or query.name
    closure = find_closure(query.text) if index is not None and uses_index(query) else None
    native = engine == "oxigraph" and index is not None and closure is not None
    if not native or index is None or closure is None or not index.covers(closure.predicates):
        return run_query(
            query.text, store=store, graph=graph, engine=engine, bindings=bindings,
            max_rows=max_rows, timeout=timeout, source=source, values=values,
        )  # fmt: skip
    deadline = None if timeout is None else time.monotonic() + timeout

    def run(text: str) -> QueryResult:
        # a VALUES block is made of checked terms: only the query's own text is limited
        limits = replace(DEFAULT_LIMITS, max_chars=DEFAULT_LIMITS.max_chars + len(text))
        return run_query(
            text, store=store, bindings=bindings, timeout=_remaining(deadline, timeout),
            limits=limits, source=source, values=values,
        )  # fmt: skip

    check_query(query.text, source=source)
    parts = _parts(query.text, closure)
    result = (
        _from_bound_end(query, parts, closure, index, bindings or {}, run)
        or _filtered(parts, closure, index, run)
        or _from_candidates(query, parts, closure, index, run)
    )
    if result is None:  # an end left unbound, or a term no query text can hold
        return run_query(
            query.text, store=store, bindings=bindings, max_rows=max_rows,
            timeout=_remaining(deadline, timeout), source=source, values=values,
        )  # fmt: skip
    if max_rows is not None and len(result.rows) > max_rows:
        raise QueryLimitError(f"the result has more than {max_rows} rows (the row limit)")
    return result
