"""The catalog of named SPARQL queries (``data/queries/*.rq``) and their parameters.

Each file starts with a comment header::

    # title: Metabolites linking a taxon to a bone outcome
    # description: What the query answers, on one or more lines; a continuation
    #   line starts with "#" and at least two spaces.
    # param: taxon curie default=NCBITaxon:186803 the taxon (sub-groups included)
    # param: outcome curie optional a bone outcome to restrict the answer to
    # example: gutbone sparql taxon_metabolite_bone --param taxon=NCBITaxon:186803

``param`` lines read ``NAME TYPE (required | optional | default=VALUE) DESCRIPTION``. A
parameter ``NAME`` is the query variable ``?NAME``; its value is checked according to its
TYPE and bound as an RDF term (never pasted into the query text):

- ``curie``: a node CURIE, checked with :func:`gutbone.identifiers.check_curie`, bound to
  its IRI;
- ``iri``: an absolute IRI;
- ``category`` / ``predicate`` / ``evidence``: a name of the vocabulary (``Taxon``,
  ``increases``, ``rct_meta_analysis``), bound to its ``gb:`` IRI;
- ``string``: a plain literal; ``integer`` / ``decimal``: a typed literal after parsing.

An ``optional`` parameter left out stays unbound.

>>> catalog = load_catalog()
>>> len(catalog) >= 15
True
>>> bind_parameters(catalog["neighbourhood"], {"node": "HGNC:11926"})["node"].value
'http://identifiers.org/hgnc/11926'
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from gutbone.errors import QueryError
from gutbone.identifiers import LOCAL_PREFIX, check_curie, expand
from gutbone.query.sparql import DEFAULT_PREFIXES, XSD, Term
from gutbone.resources import VOCAB, data_dir

__all__ = [
    "PARAMETER_TYPES",
    "QueryParameter",
    "CatalogQuery",
    "catalog_dir",
    "load_catalog",
    "read_query_file",
    "parse_query_text",
    "convert_value",
    "bind_parameters",
    "bind_adhoc",
    "bind",
]

PARAMETER_TYPES: tuple[str, ...] = (
    "curie",
    "iri",
    "category",
    "predicate",
    "evidence",
    "string",
    "integer",
    "decimal",
)
_HEADER_KEYS = ("title", "description", "param", "example")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)$")


@dataclass(frozen=True)
class QueryParameter:
    """One parameter of a catalog query.

    :param name: the variable name (without ``?``) and the ``--param`` key.
    :param type: one of :data:`PARAMETER_TYPES`.
    :param required: whether the caller must give it.
    :param default: the value used when it is not given (``None``: none).
    :param description: what it means.
    """

    name: str
    type: str
    required: bool
    default: str | None
    description: str


@dataclass(frozen=True)
class CatalogQuery:
    """A named, documented SPARQL query.

    :param name: the file stem (``gutbone sparql NAME``).
    :param title: one line.
    :param description: what it answers and how.
    :param parameters: its parameters, in header order.
    :param example: a command line that runs it.
    :param text: the full query text, header included.
    :param path: the file it was read from.
    """

    name: str
    title: str
    description: str
    parameters: tuple[QueryParameter, ...]
    example: str
    text: str
    path: str


def catalog_dir() -> Path:
    """The folder of the bundled catalog (``data/queries``)."""
    return data_dir() / "queries"


def _vocabulary_names(kind: str) -> dict[str, str]:
    from gutbone.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    if kind == "category":
        return {name: VOCAB + name for name in vocabulary.categories}
    if kind == "predicate":
        names = {name: p.iri for name, p in vocabulary.predicates.items()}
        names["relation"] = VOCAB + "relation"
        return names
    return {name: e.iri for name, e in vocabulary.evidence_types.items()}


def convert_value(name: str, kind: str, value: str) -> Term:
    """Check ``value`` against parameter type ``kind`` and return the RDF term to bind.

    :param name: the parameter (for messages).
    :param kind: one of :data:`PARAMETER_TYPES`.
    :param value: the text the user gave.
    :raises QueryError: naming the parameter, the value and what was expected.

    >>> convert_value("taxon", "curie", "NCBITaxon:816").value
    'http://purl.obolibrary.org/obo/NCBITaxon_816'
    >>> convert_value("k", "integer", "12").n3()
    '"12"^^<http://www.w3.org/2001/XMLSchema#integer>'
    >>> convert_value("taxon", "curie", "x> } ; DROP ALL ; #")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gutbone.errors.QueryError: parameter taxon: 'x> } ; DROP ALL ; #' is not a CURIE ...
    """
    if kind == "curie":
        problem = check_curie(value)
        if problem is not None:
            raise QueryError(f"parameter {name}: {problem}")
        return Term.iri(expand(value))
    if kind == "iri":
        try:
            return Term.iri(value)
        except QueryError as exc:
            raise QueryError(f"parameter {name}: {exc}") from None
    if kind in ("category", "predicate", "evidence"):
        names = _vocabulary_names(kind)
        local = value.removeprefix("gb:")
        if local not in names:
            raise QueryError(
                f"parameter {name}: {value!r} is not a known {kind} "
                f"(expected one of: {', '.join(sorted(names))})"
            )
        return Term.iri(names[local])
    if kind == "string":
        return Term.literal(value)
    if kind == "integer":
        if not _INTEGER.match(value.strip()):
            raise QueryError(f"parameter {name}: {value!r} is not an integer")
        return Term.literal(str(int(value)), XSD + "integer")
    if kind == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or not _DECIMAL.match(value.strip()):
            raise QueryError(f"parameter {name}: {value!r} is not a decimal number")
        return Term.literal(format(number, "f"), XSD + "decimal")
    raise QueryError(f"parameter {name}: unknown type {kind!r} ({', '.join(PARAMETER_TYPES)})")


def _parse_param(source: str, line: int, spec: str) -> QueryParameter:
    parts = spec.split(None, 3)
    if len(parts) < 3:
        raise QueryError(
            f"{source}:{line}: param line must read 'NAME TYPE required|optional|default=VALUE "
            f"DESCRIPTION', got {spec!r}"
        )
    name, kind, mode = parts[:3]
    description = parts[3] if len(parts) > 3 else ""
    if not _NAME.match(name):
        raise QueryError(f"{source}:{line}: {name!r} is not a valid parameter name")
    if kind not in PARAMETER_TYPES:
        raise QueryError(
            f"{source}:{line}: parameter {name}: unknown type {kind!r} "
            f"(expected one of: {', '.join(PARAMETER_TYPES)})"
        )
    if mode == "required":
        return QueryParameter(name, kind, True, None, description)
    if mode == "optional":
        return QueryParameter(name, kind, False, None, description)
    if mode.startswith("default="):
        default = mode.removeprefix("default=")
        try:
            convert_value(name, kind, default)
        except QueryError as exc:
            raise QueryError(f"{source}:{line}: default of {exc}") from None
        return QueryParameter(name, kind, False, default, description)
    raise QueryError(
        f"{source}:{line}: parameter {name}: expected required, optional or default=VALUE, "
        f"got {mode!r}"
    )


def parse_query_text(text: str, *, name: str, path: str = "") -> CatalogQuery:
    """Read the comment header of a query and check it against the query body.

    :param text: the file content.
    :param name: the query name.
    :param path: the file, for messages.
    :raises QueryError: on a malformed header or a parameter the query does not use.
    """
    source = path or name
    fields: dict[str, list[str]] = {key: [] for key in _HEADER_KEYS}
    params: list[QueryParameter] = []
    last: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        body = stripped[1:]
        match = re.match(r"^\s*([a-z]+):\s*(.*)$", body)
        if match and match.group(1) in _HEADER_KEYS and not body.startswith("  "):
            last = match.group(1)
            if last == "param":
                params.append(_parse_param(source, number, match.group(2).strip()))
            else:
                fields[last].append(match.group(2).strip())
        elif body.startswith("  ") and last is not None:
            if last == "param":
                previous = params[-1]
                params[-1] = QueryParameter(
                    previous.name,
                    previous.type,
                    previous.required,
                    previous.default,
                    f"{previous.description} {body.strip()}".strip(),
                )
            else:
                fields[last].append(body.strip())
        else:
            last = None
    title = " ".join(fields["title"])
    description = " ".join(fields["description"])
    example = " ".join(fields["example"])
    missing = [key for key in ("title", "description", "example") if not fields[key]]
    if missing:
        raise QueryError(f"{source}:1: the header has no {', '.join(missing)}")
    body_text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    seen: set[str] = set()
    for parameter in params:
        if parameter.name in seen:
            raise QueryError(f"{source}: parameter {parameter.name} is declared twice")
        seen.add(parameter.name)
        if not re.search(rf"[?$]{parameter.name}\b", body_text):
            raise QueryError(
                f"{source}: parameter {parameter.name} is not a variable of the query "
                f"(no ?{parameter.name})"
            )
    return CatalogQuery(name, title, description, tuple(params), example, text, path)


def read_query_file(path: str | os.PathLike[str]) -> CatalogQuery:
    """Read one ``.rq`` file (a header is optional for ad-hoc files).

    :raises QueryError: when the file cannot be read or its header is malformed.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise QueryError(f"{file}: cannot read the query file: {exc.strerror}") from None
    if text.lstrip().startswith("#") and re.search(r"^#\s*title:", text, re.M):
        return parse_query_text(text, name=file.stem, path=str(file))
    return CatalogQuery(file.stem, "", "", (), "", text, str(file))


def load_catalog(folder: str | os.PathLike[str] | None = None) -> dict[str, CatalogQuery]:
    """Read every ``*.rq`` file of the catalog folder, sorted by name.

    :param folder: the folder (``data/queries`` when omitted).
    """
    root = Path(folder) if folder is not None else catalog_dir()
    catalog: dict[str, CatalogQuery] = {}
    for file in sorted(root.glob("*.rq")):
        catalog[file.stem] = parse_query_text(
            file.read_text(encoding="utf-8"), name=file.stem, path=str(file)
        )
    return catalog


def bind_parameters(query: CatalogQuery, given: Mapping[str, str]) -> dict[str, Term]:
    """Check the values given for ``query``'s parameters and turn them into RDF terms.

    Defaults fill in what was not given; optional parameters without a value stay
    unbound.

    :raises QueryError: on an unknown parameter name, a missing required one or a value
        of the wrong form.
    """
    declared = {p.name: p for p in query.parameters}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        expected = ", ".join(declared) or "none"
        raise QueryError(
            f"{query.name}: unknown parameter(s) {', '.join(unknown)} (parameters: {expected})"
        )
    bound: dict[str, Term] = {}
    for parameter in query.parameters:
        value = given.get(parameter.name, parameter.default)
        if value is None:
            if parameter.required:
                raise QueryError(
                    f"{query.name}: missing required parameter {parameter.name} "
                    f"({parameter.type}: {parameter.description}); "
                    f"give it with --param {parameter.name}=VALUE"
                )
            continue
        bound[parameter.name] = convert_value(parameter.name, parameter.type, value)
    return bound


def bind(query: CatalogQuery, given: Mapping[str, str]) -> dict[str, Term]:
    """The terms for ``given``: checked against the header of a documented query.

    A query with a header (every catalog query; a ``.rq`` file with ``# title:``) takes
    exactly the parameters it declares, none when it declares none; a query without one
    (ad-hoc text or file) takes any name, as :func:`bind_adhoc` checks it.

    :raises QueryError: as :func:`bind_parameters` or :func:`bind_adhoc`.
    """
    if query.title or query.parameters:
        return bind_parameters(query, given)
    return bind_adhoc(given)


_EXTRA_PREFIXES = {name: iri for name, iri in DEFAULT_PREFIXES.items() if name != LOCAL_PREFIX}


def bind_adhoc(given: Mapping[str, str]) -> dict[str, Term]:
    """Terms for the parameters of an ad-hoc query (no declared types).

    ``<IRI>`` is an IRI; ``PREFIX:ID`` with a node prefix is a checked CURIE and with a
    query prefix (``gb:``, ``rdfs:``...) a vocabulary IRI; ``"text"`` is a string; an
    integer or decimal number is a typed literal; anything else is a string.

    >>> bind_adhoc({"a": "CHEBI:17968", "b": "gb:increases", "c": "3", "d": '"3"'})["b"].value
    'https://w3id.org/gutbone/vocab#increases'
    """
    from gutbone.identifiers import PREFIXES

    bound: dict[str, Term] = {}
    for name, value in given.items():
        if not _NAME.match(name):
            raise QueryError(f"{name!r} is not a valid parameter name")
        if value.startswith("<") and value.endswith(">"):
            bound[name] = convert_value(name, "iri", value[1:-1])
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            bound[name] = Term.literal(value[1:-1])
        elif _INTEGER.match(value):
            bound[name] = convert_value(name, "integer", value)
        elif _DECIMAL.match(value):
            bound[name] = convert_value(name, "decimal", value)
        elif re.match(r"^[A-Za-z][\w.-]*:\S+$", value) and value.split(":", 1)[0] in PREFIXES:
            bound[name] = convert_value(name, "curie", value)
        elif re.match(r"^[a-z]+:\S+$", value) and value.split(":", 1)[0] in _EXTRA_PREFIXES:
            prefix, local = value.split(":", 1)
            bound[name] = convert_value(name, "iri", _EXTRA_PREFIXES[prefix] + local)
        else:
            bound[name] = Term.literal(value)
    return bound
