r"""Checks made on SPARQL query text before any engine sees it.

Two rules hold for every query gutbone runs itself (the command line, :func:`run_query`,
``gutbone serve``), whatever the engine:

- **No network at run time.** ``SERVICE`` (federated query; also ``SERVICE SILENT``,
  nested, in any letter case) would make the engine open a connection to a URL named in
  the query, so it is refused before execution. With the rdflib engine, ``FROM`` and
  ``FROM NAMED`` are refused as well: rdflib loads those graphs from their IRIs.
- **Bounded parsing.** Engines parse and evaluate queries recursively; a query with
  thousands of nested groups or chained operators overflows the native stack (a crash,
  not an error). A query longer than :attr:`QueryLimits.max_chars` characters, nested
  deeper than :attr:`QueryLimits.max_depth` brackets (``{``, ``(``, ``[``) or with more
  than :attr:`QueryLimits.max_operators` operators (``OPTIONAL``, ``UNION``, ``MINUS``
  and path or expression operators) is refused.

The check reads the query with a small lexer that skips comments, strings and IRIs, after
expanding ``\u``/``\U`` escapes as SPARQL parsers do (SPARQL 1.1 section 19.2), so a
keyword cannot hide inside a string or behind an escape.

>>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' }")
>>> check_query("SELECT * WHERE { service silent <http://e/> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gutbone.query.guard.QueryRefused: query:1:18: SERVICE is refused: gutbone opens no network ...
>>> check_query("SELECT * WHERE " + "{" * 100 + "}" * 100)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
gutbone.query.guard.QueryRefused: query:1:80: the query is nested deeper than 64 levels ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gutbone.errors import QueryError

__all__ = [
    "QueryLimits",
    "QueryRefused",
    "check_query",
    "DEFAULT_LIMITS",
    "SPARQL_WORDS",
    "unknown_keyword",
    "position",
]


class QueryRefused(QueryError):
    """A query was refused before execution (network access or a parse-time limit)."""


@dataclass(frozen=True)
class QueryLimits:
    """Parse-time limits on query text.

    :param max_chars: longest query, in characters.
    :param max_depth: deepest nesting of ``{``, ``(`` and ``[``.
    :param max_operators: most ``OPTIONAL``/``UNION``/``MINUS`` keywords plus path and
        expression operators (``/ | ^ + - * ! && || = < >``).
    """

    max_chars: int = 100_000
    max_depth: int = 64
    max_operators: int = 1_000


DEFAULT_LIMITS = QueryLimits()

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_NAME = re.compile(r"[^\s{}()\[\]<>\"'#,;=!&|/^+*?$.]+(?:\.[^\s{}()\[\]<>\"'#,;=!&|/^+*?$.]+)*")
_VARIABLE = re.compile(r"[?$][^\s{}()\[\]<>\"'#,;=!&|/^+*?$.-]*")
_CHAIN_KEYWORDS = frozenset({"OPTIONAL", "UNION", "MINUS"})
_OPERATORS = frozenset("/|^+-*!&=<>")
#: Every bare word of SPARQL 1.1 (query and update keywords, built-in functions and
#: aggregates, ``a``, ``true``, ``false``), SPARQL 1.2 triple-term functions and Oxigraph's
#: ``LATERAL``, upper case.
SPARQL_WORDS = frozenset(
    """
    BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED ORDER BY ASC DESC LIMIT OFFSET
    DISTINCT REDUCED OPTIONAL UNION MINUS GRAPH SERVICE SILENT FILTER BIND AS VALUES UNDEF
    GROUP HAVING NOT IN EXISTS A TRUE FALSE LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE
    DATA WITH USING DEFAULT ALL INTO TO LATERAL STR LANG LANGMATCHES DATATYPE BOUND IRI URI
    BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS
    STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID
    MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
    ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR
    TRIPLE SUBJECT PREDICATE OBJECT ISTRIPLE LANGDIR HASLANG HASLANGDIR STRLANGDIR ADJUST
    """.split()
)
_OPENING = frozenset("{([")
_CLOSING = frozenset("})]")


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(replace, text)


def _string_end(text: str, i: int) -> int:
    """Index after the string literal starting at ``i`` (end of text when unterminated)."""
    quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else text[i]
    j = i + len(quote)
    while j < len(text):
        if text[j] == "\\":
            j += 2
        elif text.startswith(quote, j):
            return j + len(quote)
        elif len(quote) == 1 and text[j] == "\n":
            return j
        else:
            j += 1
    return len(text)


@dataclass
class _Scan:
    """What the lexer found: keywords with their offsets, nesting, operators."""

    keywords: list[tuple[str, int]]
    depth_at: int = -1
    operators: int = 0


def _scan(text: str, max_depth: int) -> _Scan:
    scan = _Scan(keywords=[])
    depth = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace() or char in ",;.":
            i += 1
        elif char == "#":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
        elif char in "'\"":
            i = _string_end(text, i)
        elif char == "<" and (iri := _IRIREF.match(text, i)):
            i = iri.end()
        elif char in "?$":
            i = _VARIABLE.match(text, i).end()  # type: ignore[union-attr]
        elif char in _OPENING:
            depth += 1
            if depth > max_depth and scan.depth_at < 0:
                scan.depth_at = i
            i += 1
        elif char in _CLOSING:
            depth -= 1
            i += 1
        elif char in _OPERATORS:
            scan.operators += 1
            i += 1
        else:
            name = _NAME.match(text, i)
            end = name.end() if name else i + 1
            word = text[i:end]
            if ":" not in word and not word[:1].isdigit():
                upper = word.upper()
                scan.keywords.append((upper, i))
                if upper in _CHAIN_KEYWORDS:
                    scan.operators += 1
            i = end
    return scan


def unknown_keyword(text: str) -> tuple[str, int] | None:
    """The first bare word of a query that is no SPARQL keyword or function, and its offset.

    Prefixed names (``gb:Taxon``), variables, strings, IRIs, numbers and language tags are
    not bare words. Used to explain a syntax error at the token that causes it.

    >>> unknown_keyword("SELEC ?x WHERE {}")
    ('SELEC', 0)
    >>> unknown_keyword("SELECT * WHERE { ?s a gb:Taxon FILTER(lang(?l) = 'en') }") is None
    True
    """
    plain = _unescape(text)
    for word, offset in _scan(plain, max_depth=len(plain) + 1).keywords:
        if word not in SPARQL_WORDS and not word.startswith("@"):
            return plain[offset : offset + len(word)], offset
    return None


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset of ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _where(text: str, offset: int, source: str) -> str:
    line, column = position(text, offset)
    return f"{source}:{line}:{column}"


def check_query(
    text: str,
    *,
    engine: str = "oxigraph",
    limits: QueryLimits = DEFAULT_LIMITS,
    source: str = "query",
) -> None:
    """Refuse a query that would open a connection or exceed a parse-time limit.

    :param text: the query text.
    :param engine: ``oxigraph`` or ``rdflib`` (rdflib also loads ``FROM`` graphs).
    :param limits: the parse-time limits.
    :param source: name used in error messages (``source:line:column: ...``).
    :raises QueryRefused: naming what is refused and where.
    """
    if len(text) > limits.max_chars:
        raise QueryRefused(
            f"{source}: the query has {len(text):,} characters, more than the limit of "
            f"{limits.max_chars:,}"
        )
    plain = _unescape(text)
    scan = _scan(plain, limits.max_depth)
    for word, offset in scan.keywords:
        if word == "SERVICE":
            raise QueryRefused(
                f"{_where(plain, offset, source)}: SERVICE is refused: gutbone opens no network "
                "connection at run time (federated queries are not run)"
            )
        if word == "FROM" and engine == "rdflib":
            raise QueryRefused(
                f"{_where(plain, offset, source)}: FROM / FROM NAMED is refused with the rdflib "
                "engine (rdflib would download the graph from its IRI); the query runs on the "
                "built graph only"
            )
    if scan.depth_at >= 0:
        raise QueryRefused(
            f"{_where(plain, scan.depth_at, source)}: the query is nested deeper than "
            f"{limits.max_depth} levels of brackets (the nesting limit)"
        )
    if scan.operators > limits.max_operators:
        raise QueryRefused(
            f"{source}: the query has {scan.operators:,} operators (OPTIONAL, UNION, MINUS, "
            f"path and expression operators), more than the limit of {limits.max_operators:,}"
        )
