"""RDF (Turtle, N-Triples, JSON-LD) as reader records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, SKOS, BNode, Graph, URIRef
from rdflib.namespace import DCTERMS

from gutbone.errors import InputError, Problem
from gutbone.identifiers import compress
from gutbone.interop.biolink import BIOLINK_IRI
from gutbone.interop.kgx import GUTBONE_INFORES
from gutbone.interop.readers.records import Input, Item, text_value
from gutbone.jsonld import parse_jsonld
from gutbone.rdf import RDF_FORMATS
from gutbone.resources import SOURCE_BASE, VOCAB
from gutbone.vocabulary import GB

__all__ = ["rdf_input"]


def _local(term: Any, base: str) -> str:
    text = str(term)
    return text[len(base) :] if text.startswith(base) else ""


def rdf_input(path: Path, fmt: str, problems: list[Problem]) -> Input | None:
    """Parse an RDF file (offline) into records, or append a problem and return None.

    :param path: the file.
    :param fmt: ``ttl``, ``nt`` or ``jsonld`` (:data:`gutbone.rdf.TEXT_FORMATS`).
    :param problems: collects a file that cannot be read or parsed.
    """
    name = str(path)
    graph = Graph()
    try:
        if fmt == "jsonld":
            parse_jsonld(path, graph)  # offline: remote contexts and @import are errors
        else:
            graph.parse(path, format=RDF_FORMATS[fmt].rdflib)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    except OSError as exc:
        problems.append(Problem(name, 0, "-", f"cannot read file: {exc.strerror}"))
        return None
    except Exception as exc:  # noqa: BLE001 - rdflib parsers raise many types
        line = getattr(exc, "lineno", None) or getattr(exc, "line", None) or 0
        text = " ".join(str(exc).split())
        problems.append(Problem(name, int(line or 0), "-", f"not valid {fmt}: {text}"))
        return None
    return _rdf_records(graph, name)


def _species(term: Any) -> str:
    """CURIE of a ``gb:species`` IRI (empty when absent)."""
    return "" if term is None else compress(str(term)) or str(term)


_SOURCE_SLOTS = (
    ("kind", GB.kind), ("title", RDFS.label), ("citation", DCTERMS.bibliographicCitation),
    ("year", DCTERMS.date), ("doi", GB.doi), ("seed_file", GB.seedFile), ("note", GB.note),
    ("pmid", GB.pmid), ("infores", GB.infores), ("version", GB.version),
    ("license", DCTERMS.license), ("url", GB.url),
)  # fmt: skip
_ASSERTION_TEXTS = (
    ("locator", GB.locator), ("quote", GB.quote), ("quote_en", GB.quoteEnglish),
    ("locator_en", GB.locatorEnglish), ("context", GB.context), ("statement", GB.statement),
    ("model_system", GB.modelSystem), ("original_id", GB.originalId), ("note", GB.note),
)  # fmt: skip
_EFFECT_SLOTS = (
    (GB.measure, "measure"), (GB.estimate, "estimate"), (GB.ciLower, "ci_lower"),
    (GB.ciUpper, "ci_upper"), (GB.pValue, "p"), (GB.i2, "i2"), (GB.tau2, "tau2"),
    (GB.k, "k"), (GB.n, "n"), (GB.model, "model"),
)  # fmt: skip
#: How other tools type a node with a Biolink class: ``rdf:type`` or (kgx) ``biolink:category``.
_TYPING = (RDF.type, URIRef(BIOLINK_IRI + "category"))


def _sources(graph: Graph) -> dict[str, dict[str, str]]:
    sources: dict[str, dict[str, str]] = {}
    for iri in sorted(graph.subjects(RDF.type, GB.Source), key=str):
        ident = text_value(graph.value(iri, DCTERMS.identifier)) or _local(iri, SOURCE_BASE)
        row = {"id": text_value(ident)}
        row.update((column, text_value(graph.value(iri, slot))) for column, slot in _SOURCE_SLOTS)
        sources[row["id"]] = row
    return sources


def _gutbone_nodes(graph: Graph, name: str, curie_of: dict[Any, str]) -> list[Item]:
    nodes: list[Item] = []
    for iri, curie in sorted(curie_of.items(), key=lambda item: item[1]):
        types = [_local(t, VOCAB) for t in graph.objects(iri, RDF.type)]
        record: dict[str, Any] = {
            "id": curie,
            "gutbone_category": next((t for t in sorted(types) if t), ""),
            "name": text_value(graph.value(iri, RDFS.label)),
            "synonym": sorted(str(s) for s in graph.objects(iri, SKOS.altLabel)),
            "xref": sorted(str(x) for x in graph.objects(iri, GB.xref)),
            "gutbone_sources": sorted(
                _local(s, SOURCE_BASE) for s in graph.objects(iri, GB.source)
            ),
            "note": text_value(graph.value(iri, GB.note)),
            "provided_by": [GUTBONE_INFORES],
        }
        broader = graph.value(iri, SKOS.broader)
        if broader is not None:
            record["broader"] = curie_of.get(broader) or compress(str(broader)) or str(broader)
        nodes.append((name, 0, record))
    return nodes


def _biolink_classes(graph: Graph, iri: Any) -> list[str]:
    return sorted(
        {str(o) for typing in _TYPING for o in graph.objects(iri, typing)
         if str(o).startswith(BIOLINK_IRI)}
    )  # fmt: skip


def _biolink_nodes(graph: Graph, name: str, curie_of: dict[Any, str]) -> list[Item]:
    """Resources typed with a Biolink class (``rdf:type`` or ``biolink:category``)."""
    typed = {
        s for typing in _TYPING for s, o in graph.subject_objects(typing)
        if str(o).startswith(BIOLINK_IRI) and not isinstance(s, BNode)
    } - set(curie_of)  # fmt: skip
    return [
        (name, 0, {
            "id": str(iri),
            "category": _biolink_classes(graph, iri),
            "name": text_value(graph.value(iri, RDFS.label)),
        })
        for iri in sorted(typed, key=str)
    ]  # fmt: skip


def _assertion(graph: Graph, assertion: Any, node_id: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": text_value(graph.value(assertion, DCTERMS.identifier)),
        "subject": node_id(graph.value(assertion, RDF.subject)),
        "object": node_id(graph.value(assertion, RDF.object)),
        "gutbone_predicate": _local(graph.value(assertion, RDF.predicate), VOCAB),
        "sign": text_value(graph.value(assertion, GB.sign)),
        "evidence_type": _local(graph.value(assertion, GB.evidenceType), VOCAB),
        "gutbone_sources": sorted(
            _local(s, SOURCE_BASE) for s in graph.objects(assertion, GB.source)
        ),
        "species_context_qualifier": _species(graph.value(assertion, GB.species)),
        "primary_knowledge_source": GUTBONE_INFORES,
    }
    record.update(
        (column, text_value(graph.value(assertion, slot))) for column, slot in _ASSERTION_TEXTS
    )
    effect = graph.value(assertion, GB.effect)
    if effect is not None:
        for slot, column in _EFFECT_SLOTS:
            value = graph.value(effect, slot)
            if value is not None:
                record[f"effect_{column}"] = str(value)
    return record


def _biolink_edges(graph: Graph, name: str, node_id: Any) -> list[Item]:
    """Plain triples whose predicate is a Biolink slot between two resources."""
    edges: list[Item] = []
    for s, p, o in sorted(graph):
        if not (str(p).startswith(BIOLINK_IRI) and isinstance(o, URIRef) and isinstance(s, URIRef)):
            continue
        if str(o).startswith(BIOLINK_IRI) or p in _TYPING:
            continue
        edges.append((name, 0, {"subject": node_id(s), "predicate": str(p), "object": node_id(o)}))
    return edges


def _rdf_records(graph: Graph, name: str) -> Input:
    curie_of: dict[Any, str] = {
        resource: str(literal) for resource, literal in graph.subject_objects(GB.curie)
    }

    def node_id(term: Any) -> str:
        return curie_of.get(term) or str(term)

    nodes = _gutbone_nodes(graph, name, curie_of) + _biolink_nodes(graph, name, curie_of)
    edges = [
        (name, 0, _assertion(graph, assertion, node_id))
        for assertion in sorted(graph.subjects(RDF.type, GB.Association), key=str)
    ]
    edges += _biolink_edges(graph, name, node_id)
    return Input(name=name, nodes=nodes, edges=edges, sources=_sources(graph))
