"""Write the graph in the formats other tools read.

=============  =====================================================================
format         what is written
=============  =====================================================================
``ttl``        Turtle (the built graph, with the vocabulary), as ``gutbone build``
``nt``         N-Triples, the same triples
``jsonld``     JSON-LD with the published ``@context`` (:func:`jsonld_context`)
``kgx``        a folder: KGX TSV (``nodes.tsv``, ``edges.tsv``), KGX JSON Lines
               (``nodes.jsonl``, ``edges.jsonl``) and ``graph_metadata.json``
``kgx-tsv``    a folder with the TSV pair and the metadata only
``kgx-jsonl``  a folder with the JSON Lines pair and the metadata only
``graphml``    GraphML (networkx), KGX fields as attributes, for Gephi/Cytoscape/yEd
``cytoscape``  Cytoscape.js JSON: ``{"elements": {"nodes": [...], "edges": [...]}}``
=============  =====================================================================

Every writer is deterministic (nodes and edges sorted by id) and keeps the decimals
exactly as curated: as text in TSV and GraphML, as JSON numbers with the same digits in
JSON Lines, Cytoscape JSON and JSON-LD (typed ``xsd:decimal`` literals).

>>> sorted(EXPORT_FORMATS)
['cytoscape', 'graphml', 'jsonld', 'kgx', 'kgx-jsonl', 'kgx-tsv', 'nt', 'ttl']
>>> jsonld_context()["sign"]
{'@id': 'gb:sign', '@type': 'xsd:integer'}
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import Graph

from gutbone.curation import CuratedData
from gutbone.interop.biolink import biolink_prefix_map, load_biolink_schema
from gutbone.interop.kgx import (
    ASSERTION_PREFIX,
    GUTBONE_INFORES,
    KGX_EDGE_COLUMNS,
    KGX_NODE_COLUMNS,
    METADATA_FILE,
    Record,
    assertion_id,
    json_dumps_exact,
    kgx_records,
    source_record,
    write_jsonl,
    write_tsv,
)
from gutbone.interop.kgx_edges import EDGE_BASE, EDGE_PREFIX, aggregate_edges
from gutbone.io import atomic_directory, atomic_write
from gutbone.rdf import build_graph, jsonld_text, serialize
from gutbone.resources import ASSERTION_BASE

__all__ = [
    "EXPORT_FORMATS",
    "CONTEXT_FILE",
    "jsonld_context",
    "to_jsonld",
    "graph_metadata",
    "to_networkx",
    "to_graphml",
    "to_cytoscape",
    "CURIE_MAP_FILE",
    "curie_map",
    "export_graph",
]

EXPORT_FORMATS: dict[str, str] = {
    "ttl": "Turtle",
    "nt": "N-Triples",
    "jsonld": "JSON-LD with the gutbone @context",
    "kgx": "KGX folder: TSV and JSON Lines",
    "kgx-tsv": "KGX folder: TSV only",
    "kgx-jsonl": "KGX folder: JSON Lines only",
    "graphml": "GraphML",
    "cytoscape": "Cytoscape.js JSON",
}
#: The published JSON-LD context, shipped in the package.
CONTEXT_FILE = "context.jsonld"


@cache
def _context_document() -> dict[str, Any]:
    text = resources.files("gutbone.interop").joinpath(CONTEXT_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def jsonld_context() -> dict[str, Any]:
    """The ``@context`` gutbone's JSON-LD uses (a copy of ``gutbone/interop/context.jsonld``).

    Prefixes (``gb:``, ``biolink:``, the node prefixes of
    :data:`gutbone.identifiers.PREFIXES`...) and terms for the association and effect
    slots, with their datatypes (``sign`` is an ``xsd:integer``, ``estimate`` an
    ``xsd:decimal``...).
    """
    context: dict[str, Any] = json.loads(json.dumps(_context_document()["@context"]))
    return context


def to_jsonld(graph: Graph) -> str:
    """JSON-LD text of a graph, compacted with :func:`jsonld_context`, sorted.

    The context is written inline (no remote ``@context`` to fetch).
    """
    context = jsonld_context()
    document = json.loads(graph.serialize(format="json-ld", context=context))
    if "@graph" not in document:
        body = {key: value for key, value in document.items() if key != "@context"}
        document = {"@context": document.get("@context", context), "@graph": [body] if body else []}
    return jsonld_text(document)


def graph_metadata(data: CuratedData) -> dict[str, Any]:
    """Metadata written beside KGX files: knowledge source, Biolink version, sources."""
    return {
        "name": "gutbone",
        "description": "Curated, evidence-weighted knowledge graph of gut-bone mechanisms.",
        "primary_knowledge_source": GUTBONE_INFORES,
        "biolink_version": load_biolink_schema().version,
        "node_count": len(data.nodes),
        "edge_count": len(data.edges),
        "gutbone_sources": [source_record(data.sources[key]) for key in sorted(data.sources)],
    }


def _kgx_metadata(data: CuratedData, nodes: list[Record], edges: list[Record]) -> str:
    document = graph_metadata(data)
    document["edge_count"] = len(edges)  # KGX edges: parallel assertions aggregated
    document["assertion_count"] = len(data.edges)
    document["curie_map"] = curie_map(nodes)
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


#: GraphML attributes written as numbers (Gephi, Cytoscape and yEd size and colour by them).
_GRAPHML_INTEGERS = frozenset({"gutbone_sign", "effect_k", "effect_n", "reported_k", "reported_n"})
_GRAPHML_LEFT_OUT = frozenset({"id", "key", "has_attribute"})


def _graphml_value(key: str, value: Any) -> Any:
    if isinstance(value, list):
        return "|".join(str(item) for item in value)
    if key in _GRAPHML_INTEGERS:
        return int(value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def _graphml_attributes(record: Record) -> dict[str, Any]:
    return {
        key: _graphml_value(key, value)
        for key, value in record.items()
        if key not in _GRAPHML_LEFT_OUT
    }


def to_networkx(data: CuratedData) -> nx.MultiDiGraph:
    """The graph as a networkx ``MultiDiGraph``: KGX fields as node and edge attributes.

    Edges are keyed by their assertion id (also their attribute ``assertion_id``). Numbers
    are typed: ``gutbone_sign``, ``effect_k`` and ``effect_n`` are ``int``, the effect's
    decimals and ``gutbone_evidence_weight`` ``float`` (the exact curated digits are in
    the KGX and JSON exports); lists are ``|``-joined; nodes also get ``label`` (their
    name). The sources are in the graph attribute ``gutbone_sources`` (JSON).
    """
    nodes, edges = kgx_records(data)
    graph: nx.MultiDiGraph = nx.MultiDiGraph(
        name="gutbone",
        primary_knowledge_source=GUTBONE_INFORES,
        biolink_version=load_biolink_schema().version,
        gutbone_sources=json.dumps(graph_metadata(data)["gutbone_sources"], ensure_ascii=False),
    )
    for record in nodes:
        attributes = _graphml_attributes(record)
        attributes["label"] = record["name"]
        graph.add_node(record["id"], **attributes)
    for record in edges:
        ident = assertion_id(str(record["id"]))
        attributes = _graphml_attributes(record)
        attributes["assertion_id"] = ident
        graph.add_edge(record["subject"], record["object"], key=ident, **attributes)
    return graph


def to_graphml(data: CuratedData) -> str:
    """GraphML text of :func:`to_networkx` (Gephi and Cytoscape show ``label``).

    Every ``<key>`` has its own id (``d0``, ``d1``...; a name used by nodes and by edges
    gets one key for each); numbers are typed (``long``, ``double``); each edge has its
    assertion id as the GraphML edge id and as the attribute ``assertion_id``.
    """
    graph = to_networkx(data)
    buffer = io.BytesIO()
    nx.write_graphml(graph, buffer, encoding="utf-8", prettyprint=True, named_key_ids=False)
    return buffer.getvalue().decode("utf-8")


def to_cytoscape(data: CuratedData) -> dict[str, Any]:
    """Cytoscape.js JSON (``elements`` with ``nodes`` and ``edges``, each a ``data`` object).

    Node data: the KGX node fields plus ``label``; edge data: the KGX edge fields with
    ``source``/``target`` (Cytoscape's names for subject/object) instead of
    ``subject``/``object``. Decimals are :class:`~decimal.Decimal` (write with
    :func:`gutbone.interop.kgx.json_dumps_exact` to keep their digits).
    """
    nodes, edges = kgx_records(data)
    node_elements = []
    for record in nodes:
        node_data = dict(record)
        node_data["label"] = record["name"]
        node_elements.append({"data": node_data})
    edge_elements = []
    for record in edges:
        edge_data = {k: v for k, v in record.items() if k not in ("subject", "object")}
        edge_data["source"] = record["subject"]
        edge_data["target"] = record["object"]
        edge_elements.append({"data": edge_data})
    return {
        "format_version": "1.0",
        "generated_by": "gutbone",
        "target_cytoscapejs_version": "~3",
        "data": {key: value for key, value in graph_metadata(data).items()},
        "elements": {"nodes": node_elements, "edges": edge_elements},
    }


#: The CURIE map written beside a KGX export.
CURIE_MAP_FILE = "context.jsonld"


def curie_map(nodes: list[Record]) -> dict[str, str]:
    """Prefixes of the export that Biolink's prefix map does not declare, with their IRIs.

    ``kgx validate`` accepts only prefixes of a JSON-LD context it knows; this map (written
    as ``context.jsonld`` and in ``graph_metadata.json``) declares the local ``gutbone:``
    node prefix, the ``gutbone.assertion:`` and ``gutbone.edge:`` edge ids and any other
    prefix Biolink lacks (e.g. ``OBA``), with the IRIs of gutbone's RDF graph.
    """
    known = biolink_prefix_map()
    context = jsonld_context()
    used = {str(record["id"]).split(":", 1)[0] for record in nodes}
    found = {
        prefix: str(context[prefix])
        for prefix in sorted(used)
        if prefix not in known and isinstance(context.get(prefix), str)
    }
    found[ASSERTION_PREFIX] = ASSERTION_BASE
    found[EDGE_PREFIX] = EDGE_BASE
    return found


def _kgx_files(data: CuratedData, fmt: str) -> Mapping[str, str]:
    nodes, assertions = kgx_records(data)
    edges = aggregate_edges(assertions)
    files: dict[str, str] = {
        CURIE_MAP_FILE: json.dumps({"@context": curie_map(nodes)}, indent=1) + "\n"
    }
    if fmt in ("kgx", "kgx-tsv"):
        files["nodes.tsv"] = write_tsv(nodes, KGX_NODE_COLUMNS)
        files["edges.tsv"] = write_tsv(edges, KGX_EDGE_COLUMNS)
    if fmt in ("kgx", "kgx-jsonl"):
        files["nodes.jsonl"] = write_jsonl(nodes)
        files["edges.jsonl"] = write_jsonl(edges)
    files[METADATA_FILE] = _kgx_metadata(data, nodes, edges)
    return files


def export_graph(
    data: CuratedData,
    fmt: str,
    out: str | os.PathLike[str],
    *,
    graph: Graph | None = None,
) -> tuple[Path, ...]:
    """Write ``data`` in format ``fmt`` to ``out`` (a file, or a folder for KGX), atomically.

    :param data: checked tables (recomputed effects included, from a build).
    :param fmt: one of :data:`EXPORT_FORMATS`.
    :param out: output file (RDF, GraphML, Cytoscape) or folder (KGX).
    :param graph: the built RDF graph, if at hand (else built from ``data``).
    :returns: the files written.
    :raises ValueError: naming the format and the known ones when ``fmt`` is unknown.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(EXPORT_FORMATS)})")
    target = Path(out)
    if fmt.startswith("kgx"):
        files = _kgx_files(data, fmt)
        with atomic_directory(target) as staging:
            for name, text in files.items():
                (staging / name).write_text(text, encoding="utf-8")
        return tuple(target / name for name in files)
    if fmt in ("ttl", "nt", "jsonld"):
        rdf_graph = graph if graph is not None else build_graph(data)
        text = to_jsonld(rdf_graph) if fmt == "jsonld" else serialize(rdf_graph, fmt)  # type: ignore[arg-type]
    elif fmt == "graphml":
        text = to_graphml(data)
    else:
        text = json_dumps_exact(to_cytoscape(data), ensure_ascii=False, indent=1) + "\n"
    atomic_write(target, text)
    return (target,)
