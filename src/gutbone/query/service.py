"""Media types, content negotiation and the SPARQL 1.1 service description of the endpoint.

CONSTRUCT and DESCRIBE results, and the service description, are offered as Turtle,
N-Triples, RDF/XML and JSON-LD (pyoxigraph's serialisers); SELECT and ASK results as
SPARQL results JSON, XML, CSV and TSV. The service description follows SPARQL 1.1
Service Description (https://www.w3.org/TR/sparql11-service-description/): the endpoint
IRI, the language (``sd:SPARQL11Query``), the result formats (W3C format IRIs,
https://www.w3.org/ns/formats/) and the size of the default graph (``void:triples``).

>>> choose(accepted("application/rdf+xml"), GRAPH_MEDIA_TYPES)
'application/rdf+xml'
>>> choose(accepted("text/html;q=0.9, */*;q=0.1"), GRAPH_MEDIA_TYPES)
'text/turtle'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gutbone.query.sparql import (
    QueryResult,
    Term,
    results_csv,
    results_json,
    results_tsv,
    results_xml,
)

__all__ = [
    "RESULT_MEDIA_TYPES",
    "GRAPH_MEDIA_TYPES",
    "SENT_AS",
    "accepted",
    "choose",
    "graph_text",
    "service_description",
]

#: Media types of SELECT/ASK results, the first is the default.
RESULT_MEDIA_TYPES: dict[str, Any] = {
    "application/sparql-results+json": results_json,
    "application/json": results_json,
    "application/sparql-results+xml": results_xml,
    "application/xml": results_xml,
    "text/xml": results_xml,
    "text/csv": results_csv,
    "text/tab-separated-values": results_tsv,
}
#: Media types of graphs (CONSTRUCT/DESCRIBE, service description), the first is the default.
GRAPH_MEDIA_TYPES: tuple[str, ...] = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/x-turtle",
    "text/plain",
    "application/xml",
    "text/xml",
    "application/json",
)
_FORMAT_OF = {
    "text/turtle": "TURTLE",
    "application/x-turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "text/plain": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "application/xml": "RDF_XML",
    "text/xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
    "application/json": "JSON_LD",
}
#: The type a graph is sent as, for each accepted media type (RDF/XML for XML, ...).
SENT_AS = {
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/json": "application/ld+json",
}
_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
_RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def accepted(header: str | None) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured, 0 excluded)."""
    if not header:
        return ["*/*"]
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        quality = 1.0
        for parameter in parts[1:]:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if parts[0] and quality > 0:
            ranked.append((-quality, position, parts[0].lower()))
    return [media for _, _, media in sorted(ranked)]


def choose(accept: list[str], offered: Sequence[str]) -> str | None:
    """The first offered media type the client accepts (wildcards give the default)."""
    for media in accept:
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            family = media.split("/")[0]
            for candidate in offered:
                if family == "*" or candidate.startswith(family + "/"):
                    return candidate
    return None


def _ox_term(value: Term | None) -> Any:
    import pyoxigraph as ox

    assert value is not None
    if value.kind == "uri":
        return ox.NamedNode(value.value)
    if value.kind == "bnode":
        return ox.BlankNode(value.value)
    if value.language:
        return ox.Literal(value.value, language=value.language)
    if value.datatype:
        return ox.Literal(value.value, datatype=ox.NamedNode(value.datatype))
    return ox.Literal(value.value)


def graph_text(result: QueryResult, media: str) -> str:
    """Serialise CONSTRUCT/DESCRIBE rows in the format of ``media`` (a graph media type)."""
    import pyoxigraph as ox

    triples = [ox.Triple(_ox_term(s), _ox_term(p), _ox_term(o)) for s, p, o in result.rows]
    fmt = getattr(ox.RdfFormat, _FORMAT_OF[media])
    data = ox.serialize(triples, format=fmt)
    return (data or b"").decode("utf-8")


def service_description(endpoint: str, triples: int, comment: str) -> QueryResult:
    """The SPARQL 1.1 service description of an endpoint, as graph rows.

    :param endpoint: the endpoint IRI (``http://host:port/query``).
    :param triples: triples in the default graph.
    :param comment: a human-readable note (limits, read-only).
    """
    service, dataset, graph = (Term("bnode", name) for name in ("service", "dataset", "graph"))
    count = Term.literal(str(triples), "http://www.w3.org/2001/XMLSchema#integer")

    def iri(value: str) -> Term:
        return Term("uri", value)

    rows: list[tuple[Term | None, ...]] = [
        (service, iri(_RDF_TYPE), iri(_SD + "Service")),
        (service, iri(_SD + "endpoint"), iri(endpoint)),
        (service, iri(_SD + "supportedLanguage"), iri(_SD + "SPARQL11Query")),
        (service, iri(_RDFS_COMMENT), Term.literal(comment)),
        (service, iri(_SD + "defaultDataset"), dataset),
        (dataset, iri(_RDF_TYPE), iri(_SD + "Dataset")),
        (dataset, iri(_SD + "defaultGraph"), graph),
        (graph, iri(_RDF_TYPE), iri(_SD + "Graph")),
        (graph, iri(_VOID_TRIPLES), count),
    ]
    for name in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "JSON-LD",
    ):
        rows.append((service, iri(_SD + "resultFormat"), iri(_FORMATS + name)))
    return QueryResult("graph", ("subject", "predicate", "object"), tuple(rows))
