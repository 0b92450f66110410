r"""Run SPARQL queries on the embedded stores and format their results.

Results of every engine (pyoxigraph, rdflib, a remote endpoint) are converted to one
neutral form, :class:`QueryResult` made of :class:`Term` values, so that the command
line, the endpoint and the tests see the same thing whatever answered the query.

Parameters are never pasted into query text as given: they are checked RDF terms, written
escaped into a ``VALUES`` block at the start of the WHERE group for pyoxigraph (so that the
planner starts from them; :func:`inline_values`) and bound through rdflib's
``initBindings=``.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))
>>> result = run_query("SELECT ?s ?o WHERE { ?s <http://e/p> ?o }", store=store)
>>> result.variables, result.rows[0][1].value
(('s', 'o'), 'x')
>>> format_result(result, "csv")
's,o\r\nhttp://e/a,x\r\n'
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gutbone.errors import QueryError
from gutbone.io import spreadsheet_cell, spreadsheet_row
from gutbone.query.guard import (
    DEFAULT_LIMITS,
    SPARQL_WORDS,
    QueryLimits,
    QueryRefused,
    check_query,
    position,
    unknown_keyword,
)
from gutbone.resources import ASSERTION_BASE, SOURCE_BASE, VOCAB
from gutbone.suggest import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph as ox
    from rdflib import Graph

__all__ = [
    "Term",
    "QueryResult",
    "QueryLimitError",
    "QueryRefused",
    "QueryLimits",
    "Engine",
    "ENGINES",
    "OUTPUT_FORMATS",
    "DEFAULT_PREFIXES",
    "XSD",
    "run_query",
    "format_result",
    "results_json",
    "results_xml",
    "results_csv",
    "results_tsv",
    "results_table",
    "parse_results_json",
    "compact_iri",
    "prologue",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Engine = Literal["oxigraph", "rdflib"]
ENGINES: tuple[str, ...] = ("oxigraph", "rdflib")
OUTPUT_FORMATS: tuple[str, ...] = ("table", "csv", "tsv", "json")

#: Prefixes every query may use without declaring them (catalog files declare theirs, so
#: that they also run unchanged on a remote endpoint).
DEFAULT_PREFIXES: dict[str, str] = {
    "gb": VOCAB,
    "assertion": ASSERTION_BASE,
    "source": SOURCE_BASE,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": XSD,
    "dcterms": "http://purl.org/dc/terms/",
    "biolink": "https://w3id.org/biolink/vocab/",
}

# Characters an IRI reference may not contain (SPARQL 1.1 grammar, IRIREF production).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class QueryLimitError(QueryError):
    """A query exceeded a limit (rows or time) and was stopped."""


@dataclass(frozen=True, order=True)
class Term:
    r"""An RDF term as the SPARQL 1.1 results formats describe it.

    :param kind: ``uri``, ``literal`` or ``bnode`` (the ``type`` of SPARQL JSON results).
    :param value: the IRI, the lexical form or the blank node label.
    :param datatype: the datatype IRI of a typed literal (``None`` for simple and
        language-tagged literals; ``xsd:string`` is folded into ``None``).
    :param language: the language tag of a literal.

    >>> Term.literal('say "hi"\n').n3()
    '"say \\"hi\\"\\n"'
    >>> Term.iri("http://e/a b")
    Traceback (most recent call last):
    ...
    gutbone.errors.QueryError: 'http://e/a b' is not a valid IRI (no spaces, <>"{}|^`\ allowed)
    """

    kind: str
    value: str
    datatype: str | None = None
    language: str | None = None

    @staticmethod
    def iri(value: str) -> Term:
        """An IRI term, after checking it has no character an IRI may not hold."""
        if not value or _BAD_IRI.search(value) or ":" not in value:
            raise QueryError(f'{value!r} is not a valid IRI (no spaces, <>"{{}}|^`\\ allowed)')
        return Term("uri", value)

    @staticmethod
    def literal(value: str, datatype: str | None = None, language: str | None = None) -> Term:
        """A literal term (``xsd:string`` and ``rdf:langString`` datatypes are implied)."""
        if datatype in (_XSD_STRING, _RDF_LANG_STRING):
            datatype = None
        return Term("literal", value, datatype, language.lower() if language else None)

    def n3(self) -> str:
        """The term in N-Triples / SPARQL syntax, with every special character escaped."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        escaped = (
            self.value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if self.language:
            return f'"{escaped}"@{self.language}'
        if self.datatype:
            return f'"{escaped}"^^<{self.datatype}>'
        return f'"{escaped}"'

    def to_json(self) -> dict[str, str]:
        """The term as a SPARQL 1.1 Query Results JSON object."""
        out = {"type": self.kind, "value": self.value}
        if self.language:
            out["xml:lang"] = self.language
        elif self.datatype:
            out["datatype"] = self.datatype
        return out


Row = tuple[Term | None, ...]


@dataclass(frozen=True)
class QueryResult:
    """The answer to a query.

    :param kind: ``select`` (variables and rows), ``ask`` (``boolean``) or ``graph``
        (CONSTRUCT/DESCRIBE: rows of subject, predicate, object).
    :param variables: column names, without ``?``.
    :param rows: one tuple per solution, ``None`` where a variable is unbound.
    :param boolean: the answer of an ASK query.
    """

    kind: str
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None


# ---------------------------------------------------------------- parameters as VALUES

_KEYWORD_WHERE = re.compile(r"WHERE\b", re.I)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_?$:.-")


def _skip(text: str, i: int) -> int:
    """Index after a comment, string or IRI starting at ``i`` (or ``i`` itself)."""
    char = text[i]
    if char == "#":
        end = text.find("\n", i)
        return len(text) if end < 0 else end + 1
    if char in "'\"":
        quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else char
        j = i + len(quote)
        while j < len(text):
            if text[j] == "\\":
                j += 2
                continue
            if text.startswith(quote, j):
                return j + len(quote)
            j += 1
        return len(text)
    if char == "<":
        match = re.match(r"<[^<>\"{}|^`\\\x00-\x20]*>", text[i:])
        if match:
            return i + match.end()
    return i


def inline_values(
    text: str, bindings: Mapping[str, Term], values: Mapping[str, Sequence[Term]] | None = None
) -> str:
    r"""Put ``bindings`` as a VALUES block at the start of the query's WHERE group.

    The terms are written in N-Triples syntax with every special character escaped
    (:meth:`Term.n3`); they come from checked parameters, never from raw user text. A
    VALUES block is part of the pattern the planner orders, so a bound node is where
    evaluation starts (Oxigraph applies ``substitutions=`` after the joins, like a
    FILTER: 95 s instead of 1.1 s for ``nodes_in_category`` at 1e7 edges).

    :param text: the query.
    :param bindings: variable name (without ``?``) -> term.
    :param values: variable name -> the terms it may take (one VALUES block each, after
        the bindings' block; an empty list allows no solution).
    :returns: the query with the block (unchanged without bindings nor values).
    :raises QueryError: when the query has no WHERE group.

    >>> inline_values("SELECT ?x WHERE { ?x ?p ?o }", {"x": Term.iri("http://e/a")})
    'SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) } ?x ?p ?o }'
    >>> inline_values("ASK { ?x ?p ?o }", {}, {"x": [Term.iri("http://e/a"), Term.iri("http://e/b")]})
    'ASK { VALUES ?x { <http://e/a> <http://e/b> } ?x ?p ?o }'
    >>> inline_values("ASK { ?x ?p ?o }", {"o": Term.literal('> } ; DROP ALL ; "')})
    'ASK { VALUES (?o) { ("> } ; DROP ALL ; \\"") } ?x ?p ?o }'
    """
    if not bindings and not values:
        return text
    names = list(bindings)
    block = (
        f" VALUES ({' '.join('?' + n for n in names)}) "
        f"{{ ({' '.join(bindings[n].n3() for n in names)}) }}"
        if names
        else ""
    )
    for name, terms in (values or {}).items():
        block += f" VALUES ?{name} {{ {''.join(t.n3() + ' ' for t in terms)}}}"
    i = 0
    seen_where = False
    first_brace = -1
    while i < len(text):
        j = _skip(text, i)
        if j != i:
            i = j
            continue
        if _KEYWORD_WHERE.match(text, i) and (i == 0 or text[i - 1] not in _NAME_CHARS):
            seen_where = True
        elif text[i] == "{":
            if seen_where:
                return text[: i + 1] + block + text[i + 1 :]
            if first_brace < 0:
                first_brace = i
        i += 1
    if first_brace >= 0:
        return text[: first_brace + 1] + block + text[first_brace + 1 :]
    raise QueryError("cannot find the WHERE group of the query to bind its parameters")


# ---------------------------------------------------------------- engines


def _from_oxigraph(term: Any) -> Term | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, ox.Literal):
        return Term.literal(term.value, term.datatype.value, term.language)
    raise QueryError(f"unsupported RDF term in a result: {term!r}")


def _from_rdflib(term: Any) -> Term | None:
    from rdflib import BNode, URIRef
    from rdflib import Literal as RdfLiteral

    if term is None:
        return None
    if isinstance(term, URIRef):
        return Term("uri", str(term))
    if isinstance(term, BNode):
        return Term("bnode", str(term))
    if isinstance(term, RdfLiteral):
        datatype = str(term.datatype) if term.datatype is not None else None
        return Term.literal(str(term), datatype, term.language)
    raise QueryError(f"unsupported RDF term in a result: {term!r}")


def _to_rdflib(term: Term) -> Any:
    from rdflib import BNode, URIRef
    from rdflib import Literal as RdfLiteral

    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    if term.language:
        return RdfLiteral(term.value, lang=term.language)
    if term.datatype:
        return RdfLiteral(term.value, datatype=URIRef(term.datatype))
    return RdfLiteral(term.value)


_OX_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)


def _syntax_error(
    text: str, source: str, line: int | None, column: int | None, message: str
) -> QueryError:
    """The error for a query the engine cannot parse, at the token that causes it.

    An unknown bare word (``SELEC``) at or before the engine's position is named, with the
    closest SPARQL keyword; otherwise the engine's own message and position are given.
    """
    found = unknown_keyword(text)
    if found is not None:
        word, offset = found
        at = position(text, offset)
        if line is None or at <= (line, column or 0):
            hint = did_you_mean(word, SPARQL_WORDS)
            return QueryError(
                f"{source}:{at[0]}:{at[1]}: unknown keyword {word!r}{hint} (SPARQL syntax error)"
            )
    where = f"{source}:{line}:{column}" if line is not None else source
    return QueryError(f"{where}: SPARQL syntax error: {message.strip()}")


def _collect(
    variables: Sequence[str], solutions: Iterable[Row], max_rows: int | None
) -> tuple[Row, ...]:
    rows: list[Row] = []
    for row in solutions:
        rows.append(row)
        if max_rows is not None and len(rows) > max_rows:
            raise QueryLimitError(f"the result has more than {max_rows} rows (the row limit)")
    return tuple(rows)


def _run_oxigraph(
    text: str,
    store: ox.Store,
    bindings: Mapping[str, Term],
    max_rows: int | None,
    source: str,
    values: Mapping[str, Sequence[Term]] | None = None,
) -> QueryResult:
    import pyoxigraph as ox

    try:
        answer = store.query(inline_values(text, bindings, values), prefixes=DEFAULT_PREFIXES)
    except SyntaxError as exc:
        match = _OX_POSITION.match(str(exc))
        if match:
            raise _syntax_error(
                text, source, int(match.group(1)), int(match.group(2)), match.group(3)
            ) from None
        raise _syntax_error(text, source, None, None, str(exc)) from None
    except RuntimeError as exc:
        raise QueryError(f"{source}: {exc}") from None
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QueryTriples):
        rows = _collect(
            ("subject", "predicate", "object"),
            (
                (_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object))
                for t in answer
            ),
            max_rows,
        )
        return QueryResult("graph", ("subject", "predicate", "object"), rows)
    variables = tuple(v.value for v in answer.variables)
    # rows repeat few distinct terms (a label on every row of its node): convert each once;
    # a solution iterates its values in the order of the variables (None when unbound), 3x
    # faster than looking each variable up
    convert = functools.cache(_from_oxigraph)
    try:
        rows = _collect(variables, (tuple(map(convert, solution)) for solution in answer), max_rows)
    except OSError as exc:  # pragma: no cover - storage failure
        raise QueryError(f"{source}: {exc}") from None
    return QueryResult("select", variables, rows)


def _run_rdflib(
    text: str,
    graph: Graph,
    bindings: Mapping[str, Term],
    max_rows: int | None,
    source: str,
) -> QueryResult:
    from pyparsing import ParseException

    init = {name: _to_rdflib(term) for name, term in bindings.items()}
    try:
        answer = graph.query(text, initNs=DEFAULT_PREFIXES, initBindings=init)
    except ParseException as exc:
        raise _syntax_error(text, source, exc.lineno, exc.col, exc.msg) from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises bare Exceptions on bad queries
        raise QueryError(f"{source}: {type(exc).__name__}: {exc}") from None
    if answer.type == "ASK":
        return QueryResult("ask", boolean=bool(answer.askAnswer))
    if answer.type in ("CONSTRUCT", "DESCRIBE"):
        rows = _collect(
            ("subject", "predicate", "object"),
            (tuple(_from_rdflib(t) for t in triple) for triple in answer),  # type: ignore[union-attr]
            max_rows,
        )
        return QueryResult("graph", ("subject", "predicate", "object"), rows)
    variables = tuple(str(v) for v in (answer.vars or ()))
    rows = _collect(
        variables,
        (tuple(_from_rdflib(value) for value in solution) for solution in answer),  # type: ignore[union-attr]
        max_rows,
    )
    return QueryResult("select", variables, rows)


#: Stack size of the thread that runs a query: engines recurse over the query's syntax
#: tree, and a larger stack gives a wide margin above the parse-time limits.
QUERY_STACK_BYTES = 256 * 1024 * 1024
_STACK_LOCK = threading.Lock()


def _in_query_thread(task: Any, timeout: float | None) -> QueryResult:
    """Run ``task()`` in a thread with a large stack; stop waiting after ``timeout`` s.

    A query past its time limit cannot be interrupted inside the engine: its daemon thread
    is abandoned (it ends with the process) and :class:`QueryLimitError` is raised.
    """
    outcome: list[Any] = []

    def body() -> None:
        try:
            outcome.append(("ok", task()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            # drop the tracebacks here: their frames hold engine objects that must be
            # released on the thread that made them
            cause: BaseException | None = exc
            while cause is not None:
                cause.__traceback__ = None
                cause = cause.__context__
            outcome.append(("error", exc))

    with _STACK_LOCK:
        previous = threading.stack_size(QUERY_STACK_BYTES)
        try:
            thread = threading.Thread(target=body, name="gutbone-query", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    thread.join(timeout)
    if not outcome:
        raise QueryLimitError(f"the query ran longer than the time limit of {timeout:g} s")
    status, value = outcome[0]
    if status == "error":
        raise value
    result: QueryResult = value
    return result


def run_query(
    text: str,
    *,
    store: ox.Store | None = None,
    graph: Graph | None = None,
    engine: Engine = "oxigraph",
    bindings: Mapping[str, Term] | None = None,
    max_rows: int | None = None,
    timeout: float | None = None,
    limits: QueryLimits = DEFAULT_LIMITS,
    source: str = "query",
    values: Mapping[str, Sequence[Term]] | None = None,
) -> QueryResult:
    """Run one SPARQL query on a pyoxigraph store or an rdflib graph.

    The text is checked first (:func:`~gutbone.query.guard.check_query`): ``SERVICE``
    (and, with rdflib, ``FROM``) is refused, since gutbone opens no connection at run
    time, and so is a query beyond the parse-time ``limits``. The query then runs in a
    thread with a large stack.

    :param text: the query (the prefixes of :data:`DEFAULT_PREFIXES` need no declaration).
    :param store: the store (engine ``oxigraph``; made from ``graph`` when only that is given).
    :param graph: the graph (engine ``rdflib``).
    :param engine: ``oxigraph`` (default) or ``rdflib``.
    :param bindings: variable name (without ``?``) -> term, bound before evaluation.
    :param max_rows: stop with :class:`QueryLimitError` beyond this many rows.
    :param timeout: seconds to wait for the answer (``None``: no limit); past it
        :class:`QueryLimitError` is raised and the engine's thread is left to end with
        the process (engines cannot be interrupted).
    :param limits: parse-time limits on the text.
    :param source: name used in error messages (a catalog name or a file).
    :param values: engine ``oxigraph``: variable name -> the terms it may take, as a
        VALUES block (e.g. the nodes a name index found,
        :meth:`gutbone.query.source.QuerySource.index_values`).
    :returns: the result in neutral form.
    :raises QueryRefused: SERVICE, FROM with rdflib, or a parse-time limit.
    :raises QueryError: on a syntax error (message ``source:line:column: ...``) or a
        failed evaluation.
    """
    bindings = dict(bindings or {})
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (expected: {', '.join(ENGINES)})")
    check_query(text, engine=engine, limits=limits, source=source)
    if engine == "oxigraph":
        if store is None and graph is not None:
            from gutbone.store import memory_store

            store = memory_store(graph)  # an rdflib graph given: load it into a store
        if store is None:
            raise QueryError("the oxigraph engine needs a store (or an rdflib graph)")
        oxigraph_store = store
        return _in_query_thread(
            lambda: _run_oxigraph(text, oxigraph_store, bindings, max_rows, source, values),
            timeout,
        )
    if values:
        raise QueryError("VALUES blocks from an index are for the oxigraph engine")
    if graph is None:
        raise QueryError("the rdflib engine needs a graph")
    rdflib_graph = graph
    return _in_query_thread(
        lambda: _run_rdflib(text, rdflib_graph, bindings, max_rows, source), timeout
    )


def prologue(prefixes: Mapping[str, str] = DEFAULT_PREFIXES) -> str:
    r"""PREFIX declarations for ``prefixes`` (used before queries sent to remote endpoints).

    >>> prologue({"gb": "https://w3id.org/gutbone/vocab#"})
    'PREFIX gb: <https://w3id.org/gutbone/vocab#>\n'
    """
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in prefixes.items())


# ---------------------------------------------------------------- output formats


def results_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (CONSTRUCT results as rows of subject/predicate/object)."""
    if result.kind == "ask":
        document: dict[str, Any] = {"head": {}, "boolean": bool(result.boolean)}
    else:
        bindings = [
            {
                name: term.to_json()
                for name, term in zip(result.variables, row, strict=True)
                if term is not None
            }
            for row in result.rows
        ]
        document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def results_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format (second edition).

    >>> print(results_xml(QueryResult("ask", boolean=True)), end="")
    <?xml version="1.0"?>
    <sparql xmlns="http://www.w3.org/2005/sparql-results#">
     <head/>
     <boolean>true</boolean>
    </sparql>
    """
    lines = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        lines += [" <head/>", f" <boolean>{'true' if result.boolean else 'false'}</boolean>"]
    else:
        lines.append(" <head>")
        lines += [f'  <variable name="{_xml_escape(v)}"/>' for v in result.variables]
        lines += [" </head>", " <results>"]
        for row in result.rows:
            lines.append("  <result>")
            for name, term in zip(result.variables, row, strict=True):
                if term is None:
                    continue
                value = _xml_escape(term.value)
                if term.kind == "uri":
                    inner = f"<uri>{value}</uri>"
                elif term.kind == "bnode":
                    inner = f"<bnode>{value}</bnode>"
                elif term.language:
                    inner = f'<literal xml:lang="{term.language}">{value}</literal>'
                elif term.datatype:
                    inner = f'<literal datatype="{_xml_escape(term.datatype)}">{value}</literal>'
                else:
                    inner = f"<literal>{value}</literal>"
                lines.append(f'   <binding name="{_xml_escape(name)}">{inner}</binding>')
            lines.append("  </result>")
        lines.append(" </results>")
    lines.append("</sparql>")
    return "\n".join(lines) + "\n"


def results_csv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results CSV: plain values, IRIs without brackets, CRLF line ends.

    A value a spreadsheet would run as a formula gets a leading ``'``
    (:func:`gutbone.io.spreadsheet_cell`); numbers are left as they are.
    """
    if result.kind == "ask":
        return "boolean\r\n" + ("true" if result.boolean else "false") + "\r\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(
            spreadsheet_row(
                "" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value) for t in row
            )
        )
    return buffer.getvalue()


def results_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results TSV: terms in N-Triples syntax, ``?var`` header."""
    if result.kind == "ask":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if t is None else _tsv_term(t) for t in row))
    return "\n".join(lines) + "\n"


def _tsv_term(term: Term) -> str:
    """A term in N-Triples syntax for TSV, inert in a spreadsheet.

    A literal whose text starts like a formula has that first character written as a
    Unicode escape (U+003D for ``=``): the same RDF term, but no longer text that a
    spreadsheet runs.
    """
    text = term.n3().replace("\t", "\\t")
    first = term.value[:1]
    if term.kind == "literal" and first in "=+-@'" and spreadsheet_cell(term.value) != term.value:
        text = f'"\\u{ord(first):04X}{text[2:]}'  # n3() starts with the quote, then `first`
    return text


def compact_iri(iri: str) -> str:
    """A CURIE for ``iri`` when a known prefix matches, else the IRI itself.

    >>> compact_iri("http://purl.obolibrary.org/obo/CHEBI_17968")
    'CHEBI:17968'
    >>> compact_iri("https://w3id.org/gutbone/vocab#increases")
    'gb:increases'
    """
    for name, base in DEFAULT_PREFIXES.items():
        if iri.startswith(base) and len(iri) > len(base):
            return f"{name}:{iri[len(base) :]}"
    from gutbone.identifiers import compress

    return compress(iri) or iri


def _cell(term: Term | None, width: int) -> str:
    if term is None:
        text = ""
    elif term.kind == "uri":
        text = compact_iri(term.value)
    elif term.kind == "bnode":
        text = f"_:{term.value}"
    else:
        text = term.value
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text


def results_table(result: QueryResult, *, max_width: int = 60) -> str:
    """Aligned columns for people: IRIs as CURIEs, literals as plain text, long cells cut.

    >>> node = Term.iri("http://purl.obolibrary.org/obo/CL_0000092")
    >>> r = QueryResult("select", ("node", "n"), ((node, Term.literal("2", XSD + "integer")),))
    >>> print(results_table(r), end="")
    node        n
    ----------  -
    CL:0000092  2
    (1 row)
    """
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    header = list(result.variables)
    body = [[_cell(term, max_width) for term in row] for row in result.rows]
    widths = [len(h) for h in header]
    for cells in body:
        widths = [max(w, len(c)) for w, c in zip(widths, cells, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [line(header), line(["-" * w for w in widths])]
    lines += [line(cells) for cells in body]
    count = len(result.rows)
    lines.append(f"({count} row{'' if count == 1 else 's'})")
    return "\n".join(lines) + "\n"


def format_result(result: QueryResult, fmt: str) -> str:
    """Format ``result`` as ``table``, ``csv``, ``tsv``, ``json`` or ``xml``."""
    formatters = {
        "table": results_table,
        "csv": results_csv,
        "tsv": results_tsv,
        "json": results_json,
        "xml": results_xml,
    }
    if fmt not in formatters:
        raise QueryError(f"unknown output format {fmt!r} (expected: {', '.join(formatters)})")
    return formatters[fmt](result)


def parse_results_json(text: str | bytes) -> QueryResult:
    """Read SPARQL 1.1 Query Results JSON into a :class:`QueryResult`.

    >>> text = (
    ...     '{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", '
    ...     '"value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}'
    ... )
    >>> parse_results_json(text).rows[0][0].n3()
    '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise QueryError(f"the endpoint answered with invalid JSON: {exc}") from None
    if "boolean" in document:
        return QueryResult("ask", boolean=bool(document["boolean"]))
    variables = tuple(document.get("head", {}).get("vars", []))
    rows: list[Row] = []
    for binding in document.get("results", {}).get("bindings", []):
        row: list[Term | None] = []
        for name in variables:
            value = binding.get(name)
            if value is None:
                row.append(None)
                continue
            kind = value["type"]
            if kind == "typed-literal":  # SPARQL 1.0 JSON
                kind = "literal"
            if kind == "literal":
                row.append(
                    Term.literal(value["value"], value.get("datatype"), value.get("xml:lang"))
                )
            else:
                row.append(Term(kind, value["value"]))
        rows.append(tuple(row))
    return QueryResult("select", variables, tuple(rows))
