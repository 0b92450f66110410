"""Build the RDF knowledge graph from checked tables, and serialise it deterministically.

Each assertion becomes both a direct triple (``subject gb:increases object``, for simple
SPARQL and property paths) and an association node (``gb:Association``) carrying
``rdf:subject/predicate/object``, sign, evidence type, source, locator, quote (``@zh``
when Chinese, with the curator's English rendering as ``gb:quoteEnglish`` ``@en``; likewise
``gb:locatorEnglish``) and an effect node with the numbers: the reified-edge pattern of Biolink/KGX.

Numbers are ``xsd:decimal`` literals written exactly as curated, so they survive a
round trip unchanged (rdflib would print ``xsd:double`` with 7 significant digits).

>>> from gutbone.curation import load_curated
>>> graph = build_graph(load_curated())
>>> len(graph) > 1000
True
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePath
from typing import Any
from typing import Literal as TypingLiteral

import pyoxigraph as ox
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node as RdfTerm

from gutbone.curation import CuratedData, Discrepancy, Edge, Effect, Node, Source, has_cjk
from gutbone.identifiers import PREFIXES, expand
from gutbone.resources import ASSERTION_BASE, DISCREPANCY_BASE, SOURCE_BASE, VOCAB
from gutbone.vocabulary import GB, ontology_graph

__all__ = [
    "GB",
    "BIOLINK",
    "RdfFormat",
    "RdfSyntax",
    "RDF_FORMATS",
    "TEXT_FORMATS",
    "format_of",
    "suffixes",
    "build_graph",
    "node_iri",
    "assertion_iri",
    "source_iri",
    "discrepancy_iri",
    "serialize",
    "jsonld_text",
    "decimal_literal",
]

BIOLINK = Namespace("https://w3id.org/biolink/vocab/")
RdfFormat = TypingLiteral["ttl", "nt", "jsonld"]


@dataclass(frozen=True)
class RdfSyntax:
    """One RDF serialisation: its rdflib parser name, its pyoxigraph format, its file suffixes.

    :param rdflib: the name rdflib's ``Graph.parse`` knows it by.
    :param oxigraph: the :class:`pyoxigraph.RdfFormat` (bulk loads into a store).
    :param suffixes: the file suffixes that select it, lower case with the dot.
    """

    rdflib: str
    oxigraph: ox.RdfFormat
    suffixes: tuple[str, ...]


#: The one table of RDF serialisations gutbone reads or writes, by short name. ``build``,
#: :func:`serialize`, ``validate`` and ``import`` use :data:`TEXT_FORMATS`; bulk loads into
#: an on-disk store (:func:`gutbone.store.load_files`) accept every row.
RDF_FORMATS: dict[str, RdfSyntax] = {
    "ttl": RdfSyntax("turtle", ox.RdfFormat.TURTLE, (".ttl",)),
    "nt": RdfSyntax("nt", ox.RdfFormat.N_TRIPLES, (".nt",)),
    "jsonld": RdfSyntax("json-ld", ox.RdfFormat.JSON_LD, (".jsonld", ".json")),
    "nq": RdfSyntax("nquads", ox.RdfFormat.N_QUADS, (".nq",)),
    "trig": RdfSyntax("trig", ox.RdfFormat.TRIG, (".trig",)),
    "rdfxml": RdfSyntax("xml", ox.RdfFormat.RDF_XML, (".rdf", ".owl")),
}
#: The formats written by :func:`serialize` (and ``build --format``), read by ``validate``.
TEXT_FORMATS: tuple[RdfFormat, ...] = ("ttl", "nt", "jsonld")


def suffixes(formats: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The file suffixes of ``formats`` (every row of :data:`RDF_FORMATS` when None).

    >>> suffixes(TEXT_FORMATS)
    ('.ttl', '.nt', '.jsonld', '.json')
    """
    names = RDF_FORMATS if formats is None else formats
    return tuple(suffix for name in names for suffix in RDF_FORMATS[name].suffixes)


def format_of(path: str | os.PathLike[str], formats: tuple[str, ...] | None = None) -> str | None:
    """The short name of the RDF format a file's suffix selects, or None.

    :param path: the file (only its suffix is read, case-insensitively).
    :param formats: the short names allowed (every row of :data:`RDF_FORMATS` when None).

    >>> format_of("graph.NT"), format_of("a.owl"), format_of("a.owl", TEXT_FORMATS)
    ('nt', 'rdfxml', None)
    """
    suffix = PurePath(path).suffix.lower()
    names = RDF_FORMATS if formats is None else formats
    return next((name for name in names if suffix in RDF_FORMATS[name].suffixes), None)


def node_iri(curie: str) -> URIRef:
    """IRI of a node, from its CURIE."""
    return URIRef(expand(curie))


def assertion_iri(edge_id: str) -> URIRef:
    """IRI of the association node of an assertion."""
    return URIRef(ASSERTION_BASE + edge_id)


def source_iri(source_id: str) -> URIRef:
    """IRI of a source document."""
    return URIRef(SOURCE_BASE + source_id)


def discrepancy_iri(discrepancy_id: str) -> URIRef:
    """IRI of a discrepancy record."""
    return URIRef(DISCREPANCY_BASE + discrepancy_id)


def decimal_literal(value: Decimal) -> Literal:
    """An ``xsd:decimal`` literal whose lexical form is ``value`` in plain notation.

    >>> decimal_literal(Decimal("1.50E-3"))
    rdflib.term.Literal('0.00150', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
    """
    return Literal(format(value, "f"), datatype=XSD.decimal)


def _text(value: str) -> Literal:
    return Literal(value, lang="zh") if has_cjk(value) else Literal(value)


def _bind_prefixes(graph: Graph) -> None:
    graph.bind("gb", GB)
    graph.bind("biolink", BIOLINK)
    graph.bind("skos", SKOS)
    graph.bind("dcterms", DCTERMS)
    graph.bind("assertion", Namespace(ASSERTION_BASE))
    graph.bind("source", Namespace(SOURCE_BASE))
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, Namespace(iri), override=True)


#: Optional text columns of each table and the predicate each is written with (an empty
#: cell writes nothing).
_SOURCE_TEXTS = {
    "citation": DCTERMS.bibliographicCitation,
    "year": DCTERMS.date,
    "doi": GB.doi,
    "seed_file": GB.seedFile,
    "note": GB.note,
    "pmid": GB.pmid,
    "infores": GB.infores,
    "version": GB.version,
    "license": DCTERMS.license,
    "url": GB.url,
}
_EDGE_TEXTS = {
    "quote": GB.quote,
    "context": GB.context,
    "note": GB.note,
    "statement": GB.statement,
    "model_system": GB.modelSystem,
    "original_id": GB.originalId,
}
#: The numbers of an effect and their predicates: decimals, then counts.
_EFFECT_DECIMALS = {
    "estimate": GB.estimate,
    "ci_lower": GB.ciLower,
    "ci_upper": GB.ciUpper,
    "p": GB.pValue,
    "i2": GB.i2,
    "tau2": GB.tau2,
}
_EFFECT_COUNTS = {"k": GB.k, "n": GB.n}


def _add_resource(graph: Graph, iri: URIRef, rdf_type: URIRef, identifier: str) -> None:
    """Add ``iri`` as a resource of class ``rdf_type`` with its ``dcterms:identifier``."""
    graph.add((iri, RDF.type, rdf_type))
    graph.add((iri, DCTERMS.identifier, Literal(identifier)))


def _add_texts(graph: Graph, iri: URIRef, row: object, predicates: dict[str, URIRef]) -> None:
    """Add ``iri predicate text`` for each column of ``row`` in ``predicates`` that is not empty."""
    for column, predicate in predicates.items():
        value = getattr(row, column)
        if value:
            graph.add((iri, predicate, _text(value)))


def _add_source(graph: Graph, source: Source) -> None:
    iri = source_iri(source.id)
    _add_resource(graph, iri, GB.Source, source.id)
    graph.add((iri, RDFS.label, _text(source.title)))
    graph.add((iri, GB.kind, Literal(source.kind)))
    _add_texts(graph, iri, source, _SOURCE_TEXTS)


def _add_node(graph: Graph, node: Node) -> None:
    iri = node_iri(node.id)
    graph.add((iri, RDF.type, URIRef(VOCAB + node.category)))
    graph.add((iri, RDFS.label, _text(node.label)))
    graph.add((iri, GB.curie, Literal(node.id)))
    graph.add((iri, GB.curationRecord, Literal(node.record)))
    for synonym in node.synonyms:
        graph.add((iri, SKOS.altLabel, _text(synonym)))
    for source in node.sources:
        graph.add((iri, GB.source, source_iri(source)))
    if node.broader:
        graph.add((iri, SKOS.broader, node_iri(node.broader)))
    for xref in node.xrefs:
        graph.add((iri, GB.xref, Literal(xref)))
    if node.note:
        graph.add((iri, GB.note, _text(node.note)))


def _add_edge(graph: Graph, edge: Edge) -> None:
    subject, obj = node_iri(edge.subject), node_iri(edge.object)
    predicate = GB[edge.predicate]
    graph.add((subject, predicate, obj))
    iri = assertion_iri(edge.id)
    _add_resource(graph, iri, GB.Association, edge.id)
    graph.add((iri, RDF.subject, subject))
    graph.add((iri, RDF.predicate, predicate))
    graph.add((iri, RDF.object, obj))
    graph.add((iri, GB.sign, Literal(edge.sign, datatype=XSD.integer)))
    graph.add((iri, GB.evidenceType, GB[edge.evidence_type]))
    for source in edge.sources:
        graph.add((iri, GB.source, source_iri(source)))
    graph.add((iri, GB.locator, Literal(edge.locator)))
    for slot, english in ((GB.quoteEnglish, edge.quote_en), (GB.locatorEnglish, edge.locator_en)):
        if english:
            graph.add((iri, slot, Literal(english, lang="en")))
    graph.add((iri, GB.curationRecord, Literal(edge.record)))
    _add_texts(graph, iri, edge, _EDGE_TEXTS)
    if edge.species:
        graph.add((iri, GB.species, node_iri(edge.species)))
    if edge.effect is not None:
        _add_effect(graph, iri, GB.effect, URIRef(f"{iri}/effect"), edge.effect)
    if edge.reported_effect is not None:
        _add_effect(graph, iri, GB.reportedEffect, URIRef(f"{iri}/reported"), edge.reported_effect)
    if edge.reported_claim is not None:
        _add_claim(graph, iri, edge)


def _add_claim(graph: Graph, assertion: URIRef, edge: Edge) -> None:
    """The source's own claim about ``edge`` as a ``gb:ReportedClaim`` node (no direct triple)."""
    assert edge.reported_claim is not None
    iri = URIRef(f"{assertion}/claim")
    graph.add((assertion, GB.reportedClaim, iri))
    graph.add((iri, GB.claimOf, assertion))
    _add_resource(graph, iri, GB.ReportedClaim, f"{edge.id}/claim")
    graph.add((iri, RDF.subject, node_iri(edge.subject)))
    graph.add((iri, RDF.predicate, GB[edge.reported_claim.predicate]))
    graph.add((iri, RDF.object, node_iri(edge.object)))
    graph.add((iri, GB.sign, Literal(edge.reported_claim.sign, datatype=XSD.integer)))
    for source in edge.sources:
        graph.add((iri, GB.source, source_iri(source)))
    graph.add((iri, GB.locator, Literal(edge.locator)))
    graph.add((iri, GB.quote, _text(edge.quote)))
    if edge.quote_en:
        graph.add((iri, GB.quoteEnglish, Literal(edge.quote_en, lang="en")))


def _add_discrepancy(graph: Graph, item: Discrepancy) -> None:
    iri = discrepancy_iri(item.id)
    _add_resource(graph, iri, GB.Discrepancy, item.id)
    graph.add((iri, GB.source, source_iri(item.source)))
    graph.add((iri, GB.locator, _text(item.locator)))
    graph.add((iri, GB.discrepancyKind, Literal(item.kind)))
    graph.add((iri, GB.claim, _text(item.claim)))
    graph.add((iri, GB.claim, Literal(item.claim_en, lang="en")))
    for slot, value in (
        (GB.printedValue, item.printed),
        (GB.recomputedValue, item.recomputed),
        (GB.explanation, item.explanation),
    ):
        graph.add((iri, slot, _text(value)))
    graph.add((iri, GB.curationRecord, Literal(item.record)))
    if item.edge:
        graph.add((iri, GB.concerns, assertion_iri(item.edge)))
    if item.outcome:
        graph.add((iri, GB.outcome, Literal(item.outcome)))


def _add_effect(
    graph: Graph, assertion: URIRef, slot: URIRef, effect_iri: URIRef, effect: Effect
) -> None:
    graph.add((assertion, slot, effect_iri))
    graph.add((effect_iri, RDF.type, GB.EffectEstimate))
    graph.add((effect_iri, GB.measure, Literal(effect.measure)))
    for column, number_slot in _EFFECT_DECIMALS.items():
        number = getattr(effect, column)
        if number is not None:
            graph.add((effect_iri, number_slot, decimal_literal(number)))
    for column, count_slot in _EFFECT_COUNTS.items():
        count = getattr(effect, column)
        if count is not None:
            graph.add((effect_iri, count_slot, Literal(count, datatype=XSD.integer)))
    if effect.model:
        graph.add((effect_iri, GB.model, Literal(effect.model)))


def build_graph(data: CuratedData, *, include_ontology: bool = True) -> Graph:
    """Build the knowledge graph of checked tables.

    :param data: tables from :func:`gutbone.curation.load_curated`.
    :param include_ontology: also add the vocabulary (classes, properties, evidence
        weights), so that queries can follow ``rdfs:subClassOf`` and read weights.
    :returns: an rdflib graph.
    """
    graph = Graph()
    _bind_prefixes(graph)
    if include_ontology:
        for triple in ontology_graph():
            graph.add(triple)
    for source in data.sources.values():
        _add_source(graph, source)
    for node in data.nodes.values():
        _add_node(graph, node)
    for edge in data.edges.values():
        _add_edge(graph, edge)
    for discrepancy in data.discrepancies.values():
        _add_discrepancy(graph, discrepancy)
    return graph


def _oxigraph_term(term: RdfTerm) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def _sorted_triples(graph: Graph) -> list[ox.Triple]:
    return [
        ox.Triple(_oxigraph_term(s), _oxigraph_term(p), _oxigraph_term(o))  # type: ignore[arg-type]
        for s, p, o in sorted(graph)
    ]


def jsonld_text(document: dict[str, Any]) -> str:
    """A JSON-LD document as deterministic text (``document`` is sorted in place).

    ``@graph`` nodes are sorted by ``@id``, list values and keys are sorted.

    >>> print(jsonld_text({"@graph": [{"@id": "b", "x": [2, 1]}, {"@id": "a"}]}), end="")
    {
     "@graph": [
      {
       "@id": "a"
      },
      {
       "@id": "b",
       "x": [
        1,
        2
       ]
      }
     ]
    }
    """
    nodes = document.get("@graph", [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=lambda item: json.dumps(item, sort_keys=True))
    document["@graph"] = sorted(nodes, key=lambda item: str(item.get("@id", "")))
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def serialize(graph: Graph, fmt: RdfFormat) -> str:
    """Serialise deterministically: the same graph gives the same text, byte for byte.

    Triples are written in sorted order (Turtle and N-Triples through pyoxigraph's
    serialiser, which keeps literals' lexical forms); JSON-LD nodes and keys are sorted.

    :param graph: the graph.
    :param fmt: ``ttl``, ``nt`` or ``jsonld``.
    """
    if fmt not in TEXT_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r} (expected: {', '.join(TEXT_FORMATS)})")
    if fmt == "jsonld":
        context = {prefix: iri for prefix, iri in sorted(graph.namespaces()) if prefix}
        return jsonld_text(json.loads(graph.serialize(format="json-ld", context=context)))
    triples = _sorted_triples(graph)
    if fmt == "nt":
        data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    else:
        prefixes = {prefix: str(iri) for prefix, iri in sorted(graph.namespaces()) if prefix}
        data = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
    assert data is not None  # no output file given: pyoxigraph returns the bytes
    return data.decode("utf-8")
