"""SHACL validation of built graphs (pyshacl with ``ontology/shapes.ttl``).

Each violation is traced back to the table row the offending triple came from (through
``gb:curationRecord``), and cites the section of the SHACL specification that defines the
broken constraint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.term import Node as RdfNode

from gutbone.errors import InputError, Problem
from gutbone.jsonld import parse_jsonld
from gutbone.rdf import RDF_FORMATS, TEXT_FORMATS, format_of, suffixes
from gutbone.resources import ontology_dir
from gutbone.vocabulary import GB, ontology_graph

__all__ = [
    "Violation",
    "ValidationReport",
    "validate_graph",
    "load_rdf",
    "shapes_graph",
]

SH = Namespace("http://www.w3.org/ns/shacl#")
SHACL_SPEC = "https://www.w3.org/TR/shacl/"


@dataclass(frozen=True, order=True)
class Violation:
    """One SHACL result, located and explained.

    ``record`` is the ``file:row`` of the curated row behind the focus node (empty for
    graphs that did not come from tables); ``spec`` links the constraint's definition.
    """

    record: str
    focus: str
    path: str
    message: str
    value: str
    spec: str
    severity: str

    def __str__(self) -> str:
        where = self.record or self.focus
        path = self.path or "-"
        value = f" (value: {self.value})" if self.value else ""
        return f"{where}:{path}: {self.message}{value} [focus {self.focus}; {self.spec}]"


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of validating one graph."""

    conforms: bool
    violations: tuple[Violation, ...]


@cache
def shapes_graph() -> Graph:
    """The SHACL shapes (``ontology/shapes.ttl``)."""
    graph = Graph()
    graph.parse(ontology_dir() / "shapes.ttl", format="turtle")
    return graph


def _short(graph: Graph, term: RdfNode | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        try:
            return graph.namespace_manager.normalizeUri(term)
        except Exception:  # noqa: BLE001 - fall back to the full IRI
            return str(term)
    return str(term)


def _record(data: Graph, focus: RdfNode) -> str:
    record = data.value(focus, GB.curationRecord)
    if record is None:
        # effect nodes inherit the record of their association
        owner = data.value(None, GB.effect, focus)
        record = data.value(owner, GB.curationRecord) if owner is not None else None
    return str(record) if isinstance(record, Literal) else ""


def validate_graph(data: Graph, *, with_ontology: bool = True) -> ValidationReport:
    """Validate ``data`` against the gutbone shapes.

    :param data: the graph to check.
    :param with_ontology: add the vocabulary (class hierarchy, evidence types, required
        signs) before validating, as a built graph already contains it.
    :returns: the report; ``conforms`` is False when any violation was found.
    """
    graph = data
    if with_ontology:
        graph = Graph()
        for triple in data:
            graph.add(triple)
        for triple in ontology_graph():
            graph.add(triple)
        for prefix, namespace in data.namespaces():
            graph.bind(prefix, namespace, override=False)
    conforms, results, _ = shacl_validate(
        graph, shacl_graph=shapes_graph(), inference="none", advanced=True, allow_warnings=True
    )
    assert isinstance(results, Graph)
    violations = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        component = results.value(result, SH.sourceConstraintComponent)
        anchor = str(component).rsplit("#", 1)[-1] if component is not None else ""
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        violations.append(
            Violation(
                record=_record(graph, focus) if focus is not None else "",
                focus=_short(graph, focus),
                path=_short(graph, results.value(result, SH.resultPath)),
                message=str(message) if message is not None else anchor,
                value=_short(graph, results.value(result, SH.value)),
                spec=f"{SHACL_SPEC}#{anchor}" if anchor else SHACL_SPEC,
                severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            )
        )
    return ValidationReport(conforms=bool(conforms), violations=tuple(sorted(violations)))


def load_rdf(path: str | os.PathLike[str]) -> Graph:
    """Parse an RDF file, the format chosen from its extension.

    :raises InputError: unknown extension, or the parser's message with the file name.
    """
    file = Path(path)
    name = format_of(file, TEXT_FORMATS)
    if name is None:
        expected = ", ".join(suffixes(TEXT_FORMATS))
        problem = Problem(str(path), 0, "-", f"unknown RDF extension (expected {expected})")
        raise InputError([problem])
    fmt = RDF_FORMATS[name].rdflib
    if file.exists() and not file.is_file():  # a FIFO or a device would block the parser
        raise InputError([Problem(str(path), 0, "-", "not a regular file")])
    if fmt == "json-ld":
        return parse_jsonld(file)  # offline: remote contexts and @import are errors
    graph = Graph()
    try:
        graph.parse(file, format=fmt)
    except OSError as exc:
        raise InputError([Problem(str(path), 0, "-", f"cannot read file: {exc.strerror}")]) from exc
    except Exception as exc:  # noqa: BLE001 - rdflib parsers raise many types
        line = getattr(exc, "lineno", None) or getattr(exc, "line", None) or 0
        text = " ".join(str(exc).split())
        raise InputError(
            [Problem(str(path), int(line or 0), "-", f"not valid {fmt}: {text}")]
        ) from exc
    return graph
