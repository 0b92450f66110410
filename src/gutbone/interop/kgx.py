"""KGX records of the curated graph, and KGX TSV / JSON Lines reading and writing.

A KGX graph is two tables, nodes and edges, one record a row (TSV, multivalued fields
joined by ``|``) or a line (JSON Lines, multivalued fields as lists). gutbone writes the
Biolink slots first, then its own fields as extra columns (KGX keeps unknown columns):

* nodes: ``id, category, name, synonym, xref, provided_by`` (Biolink), then
  ``gutbone_category, gutbone_sources, broader, note``;
* edges: ``id, subject, predicate, object, qualified_predicate, object_aspect_qualifier,
  object_direction_qualifier, primary_knowledge_source, knowledge_level, agent_type,
  publications`` (Biolink), then ``gutbone_predicate, sign, evidence_type,
  evidence_weight, gutbone_sources, locator, quote, context, note, curation_record,
  quote_en, locator_en`` (the curator's English renderings) and
  the effect (``effect_measure ... effect_model``) and the effect as printed by the source
  when it was recomputed (``reported_measure ... reported_model``), then the provenance
  of ingested and literature edges (``aggregator_knowledge_source, statement,
  species_context_qualifier, model_system, original_id``), and the columns of edges that
  aggregate parallel assertions (``supporting_data_source, gutbone_assertions``:
  :mod:`gutbone.interop.kgx_edges`). An edge whose source names an
  ``infores:`` id has it as ``primary_knowledge_source`` and ``infores:gutbone`` as
  aggregator; PMIDs of sources are written to ``publications`` as ``PMID:nnn``.

Direction of effect follows Biolink 4.x: ``increases`` / ``decreases`` (and ``affects``
with a sign) become ``biolink:affects`` with ``qualified_predicate: biolink:causes``,
``object_direction_qualifier: increased|decreased`` and, when the object is a chemical or
a gene product, ``object_aspect_qualifier: activity_or_abundance``.

>>> from pathlib import Path
>>> from gutbone.curation import CuratedData, Edge, Node
>>> data = CuratedData(root=Path("."), nodes={
...     "CHEBI:17968": Node("CHEBI:17968", "butyrate", "Metabolite", (), ("s",)),
...     "PR:000002107": Node("PR:000002107", "TNFSF11", "Cytokine", (), ("s",))})
>>> data.edges["e1"] = Edge("e1", "CHEBI:17968", "decreases", "PR:000002107", -1,
...     "animal", ("s",), "sec. 1", "Butyrate lowers RANKL.")
>>> nodes, edges = kgx_records(data)
>>> nodes[0]["category"], edges[0]["predicate"], edges[0]["qualified_predicate"]
(['biolink:SmallMolecule'], 'biolink:affects', 'biolink:causes')
>>> edges[0]["object_aspect_qualifier"], edges[0]["object_direction_qualifier"]
('activity_or_abundance', 'decreased')
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any, TextIO

from gutbone.curation import CuratedData, Edge, Effect, Node, Source
from gutbone.errors import Problem
from gutbone.interop.biolink import load_biolink_schema, load_mapping
from gutbone.io import spreadsheet_cell, unspreadsheet_cell
from gutbone.vocabulary import load_vocabulary

__all__ = [
    "GUTBONE_INFORES",
    "AGENT_TYPE",
    "KGX_NODE_COLUMNS",
    "KGX_EDGE_COLUMNS",
    "MULTIVALUED",
    "EFFECT_FIELDS",
    "ASSERTION_PREFIX",
    "assertion_curie",
    "assertion_id",
    "has_attribute",
    "METADATA_FILE",
    "MAX_JSON_DEPTH",
    "JSONDepthError",
    "loads_bounded",
    "Record",
    "knowledge_level",
    "node_record",
    "edge_record",
    "kgx_records",
    "source_record",
    "knowledge_sources",
    "write_tsv",
    "write_jsonl",
    "json_dumps_exact",
    "json_item",
    "read_tsv",
    "read_jsonl",
]

#: The ``infores:`` id gutbone writes as ``primary_knowledge_source`` (not registered in
#: the Translator infores catalog; see docs/interop.md).
GUTBONE_INFORES = "infores:gutbone"
#: Every gutbone assertion was read from a document by a person.
AGENT_TYPE = "manual_agent"
METADATA_FILE = "graph_metadata.json"

#: Effect fields in table order (decimals, then counts, then model).
EFFECT_FIELDS = (
    "measure",
    "estimate",
    "ci_lower",
    "ci_upper",
    "p",
    "i2",
    "tau2",
    "k",
    "n",
    "model",
)

KGX_NODE_COLUMNS = (
    "id", "category", "name", "synonym", "xref", "provided_by",
    "gutbone_category", "gutbone_sources", "broader", "note",
)  # fmt: skip
#: Provenance columns of ingested and literature edges (issue 12); ``species`` is written
#: as Biolink's ``species_context_qualifier``.
PROVENANCE_EDGE_COLUMNS = (
    "aggregator_knowledge_source", "statement", "species_context_qualifier", "model_system",
    "original_id",
)  # fmt: skip
KGX_EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "qualified_predicate", "object_aspect_qualifier",
    "object_direction_qualifier", "primary_knowledge_source", "knowledge_level", "agent_type",
    "publications", "gutbone_predicate", "gutbone_sign", "gutbone_evidence_type",
    "gutbone_evidence_weight",
    "gutbone_sources", "locator", "quote", "context", "note", "curation_record",
    "quote_en", "locator_en",
    *(f"effect_{name}" for name in EFFECT_FIELDS),
    *(f"reported_{name}" for name in EFFECT_FIELDS),
    *PROVENANCE_EDGE_COLUMNS,
    "supporting_data_source", "gutbone_assertions",
)  # fmt: skip
#: Columns holding lists (``|``-joined in TSV).
MULTIVALUED = frozenset(
    {
        "category", "synonym", "xref", "provided_by", "publications", "gutbone_sources",
        "aggregator_knowledge_source", "supporting_data_source", "gutbone_assertions",
    }
)  # fmt: skip

Value = str | int | Decimal | list[str] | list[dict[str, Any]]
Record = dict[str, Value]

_DIRECTION = {1: "increased", -1: "decreased"}
#: Prefix of assertion ids in KGX (``gutbone.assertion:ID``), declared in the export's
#: ``curie_map`` as the assertion IRIs of the RDF graph.
ASSERTION_PREFIX = "gutbone.assertion"
_ASPECT_CLASSES = ("biolink:ChemicalEntity", "biolink:GeneOrGeneProduct")
_DIRECTED = frozenset({"affects", "increases", "decreases"})


#: Biolink ``has_attribute`` type of each effect field, where a verified id exists:
#: Biolink slots (``p_value``, ``effect_size``...) and STATO's confidence limits
#: (STATO:0000315 lower confidence limit, STATO:0000314 upper confidence limit). I², tau²
#: and the pooling model have no attribute here (no verified id): flat columns only.
ATTRIBUTE_TYPES = {
    "estimate": "biolink:effect_size",
    "ci_lower": "STATO:0000315",
    "ci_upper": "STATO:0000314",
    "p": "biolink:p_value",
    "k": "biolink:evidence_count",
    "n": "biolink:supporting_study_size",
}
#: gutbone effect measures that are values of Biolink's ``EffectTypeEnum``.
EFFECT_TYPES = {"SMD": "standardized_mean_difference", "OR": "odds_ratio", "RR": "relative_risk"}


def has_attribute(effect: Effect | None) -> list[dict[str, Any]]:
    """Biolink ``has_attribute`` objects of an effect (written to KGX JSON Lines).

    >>> from gutbone.curation import Effect
    >>> found = has_attribute(Effect("SMD", Decimal("-0.3"), Decimal("-0.5"), Decimal("-0.1"),
    ...     p=Decimal("0.004"), k=3))
    >>> [a["attribute_type_id"] for a in found][:4]
    ['biolink:effect_type', 'biolink:effect_size', 'STATO:0000315', 'STATO:0000314']
    >>> found[0]["value"], found[-1]["attribute_type_id"], found[-1]["value"]
    ('standardized_mean_difference', 'biolink:evidence_count', 3)
    """
    if effect is None:
        return []
    found: list[dict[str, Any]] = []
    if effect.measure in EFFECT_TYPES:
        found.append(_attribute("biolink:effect_type", EFFECT_TYPES[effect.measure], "measure"))
    for name, type_id in ATTRIBUTE_TYPES.items():
        value = getattr(effect, name)
        if value is not None and value != "":
            found.append(_attribute(type_id, value, name))
    return found


def _attribute(type_id: str, value: Any, name: str) -> dict[str, Any]:
    return {
        "attribute_type_id": type_id,
        "value": value,
        "original_attribute_name": f"effect_{name}",
        "attribute_source": GUTBONE_INFORES,
    }


def knowledge_level(predicate: str, evidence_type: str) -> str:
    """Biolink ``knowledge_level`` of a gutbone assertion.

    ``associated_with`` reports a statistical association; ``hypothesis`` is a
    prediction; every other curated assertion is a knowledge assertion read from a source.

    >>> knowledge_level("associated_with", "mendelian_randomization")
    'statistical_association'
    >>> knowledge_level("increases", "hypothesis"), knowledge_level("increases", "animal")
    ('prediction', 'knowledge_assertion')
    """
    if evidence_type in ("hypothesis", "genome_prediction"):
        return "prediction"
    if predicate == "associated_with":
        return "statistical_association"
    return "knowledge_assertion"


def _aspect_applies(category: str) -> bool:
    mapping, schema = load_mapping(), load_biolink_schema()
    target = mapping.category_to_biolink.get(category, "")
    levels = schema.ancestors(target) if target else []
    return any(term in _ASPECT_CLASSES for level in levels for term in level)


def assertion_curie(edge_id: str) -> str:
    """The KGX id of an assertion.

    >>> assertion_curie("lit-ahroc-01"), assertion_id("gutbone.assertion:lit-ahroc-01")
    ('gutbone.assertion:lit-ahroc-01', 'lit-ahroc-01')
    """
    return f"{ASSERTION_PREFIX}:{edge_id}"


def assertion_id(curie: str) -> str:
    """The gutbone id of an assertion's KGX id (other ids unchanged)."""
    return curie.removeprefix(f"{ASSERTION_PREFIX}:")


def node_category(node: Node) -> str:
    """The Biolink class of a node: its category's class, made concrete for its id prefix.

    A mixin (``GeneOrGeneProduct``) or a class whose ``id_prefixes`` leave out the node's
    prefix (an ``HGNC`` id typed ``Protein``) is replaced by the nearest class that fits
    (:meth:`~gutbone.interop.biolink.BiolinkSchema.concrete_class`: ``biolink:Gene``).
    """
    base = load_mapping().category_to_biolink.get(node.category, "biolink:NamedThing")
    return load_biolink_schema().concrete_class(base, node.id.split(":", 1)[0])


def node_record(node: Node) -> Record:
    """The KGX record of a node (empty fields left out)."""
    record: Record = {
        "id": node.id,
        "category": [node_category(node)],
        "name": node.label,
        "synonym": list(node.synonyms),
        "xref": list(node.xrefs),
        "provided_by": [GUTBONE_INFORES],
        "gutbone_category": node.category,
        "gutbone_sources": list(node.sources),
        "broader": node.broader,
        "note": node.note,
    }
    return {key: value for key, value in record.items() if value not in ("", [], None)}


def _effect_fields(prefix: str, effect: Effect | None) -> Record:
    if effect is None:
        return {}
    out: Record = {}
    for name in EFFECT_FIELDS:
        value = getattr(effect, name)
        if value is not None and value != "":
            out[f"{prefix}{name}"] = value
    return out


def edge_record(edge: Edge, data: CuratedData) -> Record:
    """The KGX record of an assertion (empty fields left out).

    :param edge: the assertion.
    :param data: the tables it belongs to (for the object's category and sources' DOIs).
    """
    mapping = load_mapping()
    vocabulary = load_vocabulary()
    predicate = mapping.predicate_to_biolink.get(edge.predicate, "biolink:related_to")
    record: Record = {
        "id": assertion_curie(edge.id),
        "subject": edge.subject,
        "predicate": load_biolink_schema().concrete_predicate(predicate),
        "object": edge.object,
    }
    if edge.predicate in _DIRECTED and edge.sign in _DIRECTION:
        record["qualified_predicate"] = "biolink:causes"
        target = data.nodes.get(edge.object)
        if target is not None and _aspect_applies(target.category):
            record["object_aspect_qualifier"] = "activity_or_abundance"
        record["object_direction_qualifier"] = _DIRECTION[edge.sign]
    sources = [data.sources[s] for s in edge.sources if s in data.sources]
    record.update(knowledge_sources(sources))
    record["knowledge_level"] = knowledge_level(edge.predicate, edge.evidence_type)
    record["agent_type"] = edge.agent_type or AGENT_TYPE
    record["publications"] = [f"doi:{s.doi}" for s in sources if s.doi] + [
        f"PMID:{pmid}" for s in sources for pmid in s.pmid.split("|") if pmid
    ]
    record["gutbone_predicate"] = edge.predicate
    record["gutbone_sign"] = edge.sign
    record["gutbone_evidence_type"] = edge.evidence_type
    evidence = vocabulary.evidence_types.get(edge.evidence_type)
    if evidence is not None:
        record["gutbone_evidence_weight"] = evidence.weight
    record["gutbone_sources"] = list(edge.sources)
    record["locator"] = edge.locator
    record["quote"] = edge.quote
    record["context"] = edge.context
    record["note"] = edge.note
    record["curation_record"] = edge.record
    record["quote_en"] = edge.quote_en
    record["locator_en"] = edge.locator_en
    record["statement"] = edge.statement
    record["species_context_qualifier"] = edge.species
    record["model_system"] = edge.model_system
    record["original_id"] = edge.original_id
    record.update(_effect_fields("effect_", edge.effect))
    record.update(_effect_fields("reported_", edge.reported_effect))
    attributes = has_attribute(edge.effect)
    if attributes:
        record["has_attribute"] = attributes
    return {key: value for key, value in record.items() if value not in ("", [], None)}


def knowledge_sources(sources: Sequence[Source]) -> Record:
    """Biolink knowledge sources of an assertion from the sources it cites, in order.

    The first source with an ``infores`` id is the primary knowledge source, the others
    with one are aggregators (as an import keeps them), and gutbone is the last
    aggregator; an assertion citing none (a curator read the documents) has gutbone as
    its primary knowledge source.

    >>> found = knowledge_sources([
    ...     Source("kg", "database", "KG-Microbe", infores="infores:kg-microbe"),
    ...     Source("p", "paper", "A paper")])
    >>> found["primary_knowledge_source"], found["aggregator_knowledge_source"]
    ('infores:kg-microbe', ['infores:gutbone'])
    """
    infores = [i for i in dict.fromkeys(s.infores for s in sources) if i and i != GUTBONE_INFORES]
    if not infores:
        return {"primary_knowledge_source": GUTBONE_INFORES}
    return {
        "primary_knowledge_source": infores[0],
        "aggregator_knowledge_source": [*infores[1:], GUTBONE_INFORES],
    }


def source_record(source: Source) -> dict[str, str]:
    """A source document as a mapping of the ``sources.csv`` columns."""
    return {f.name: getattr(source, f.name) for f in fields(Source)}


def kgx_records(data: CuratedData) -> tuple[list[Record], list[Record]]:
    """KGX node and edge records of curated tables, sorted by id."""
    nodes = [node_record(data.nodes[key]) for key in sorted(data.nodes)]
    edges = [edge_record(data.edges[key], data) for key in sorted(data.edges)]
    return nodes, edges


_BREAKS = re.compile(r"[\t\r\n]+")


_ESCAPED = re.compile(r'\\(["\\])')


def json_item(value: Any) -> str:
    r"""A list item of a TSV cell: a dict as compact JSON (exact numbers), else its text.

    ``"`` and ``\`` inside strings are written ``\u0022`` and ``\u005c`` (kgx's TSV writer
    deletes the two characters ``\"``), ``|`` as ``\u007c`` (the list separator).

    >>> print(json_item({"quote": 'a "b" | c', "p": Decimal("0.050")}))
    {"quote":"a \u0022b\u0022 \u007c c","p":0.050}
    """
    if not isinstance(value, dict):
        return str(value)
    text = json_dumps_exact(value, ensure_ascii=False, separators=(",", ":"))
    text = _ESCAPED.sub(lambda m: f"\\u{ord(m.group(1)):04x}", text)
    return text.replace("|", "\\u007c")


def _cell(value: Value) -> str:
    if isinstance(value, list):
        text = "|".join(json_item(item) for item in value)
    else:
        text = str(value)
    return spreadsheet_cell(_BREAKS.sub(" ", text))


def write_tsv(records: Iterable[Mapping[str, Value]], columns: Sequence[str]) -> str:
    r"""KGX TSV text: a header row, then one row per record (``|`` joins lists).

    Written as kgx reads it: no CSV quoting (a ``"`` is an ordinary character), so a tab
    or line break inside a value would end the field: it is written as a space (curated
    texts have none). A text cell a spreadsheet would run as a formula (leading ``=``,
    ``+``, ``-``, ``@``) gets a leading ``'`` (:func:`gutbone.io.spreadsheet_cell`);
    numbers are left as they are, and :func:`read_tsv` removes the quote again.

    >>> write_tsv([{"id": "X:1", "name": 'a "b"', "category": ["biolink:Gene"]}],
    ...           ("id", "name", "category")).splitlines()
    ['id\tname\tcategory', 'X:1\ta "b"\tbiolink:Gene']
    """
    lines = ["\t".join(columns)]
    for record in records:
        lines.append("\t".join(_cell(record[c]) if c in record else "" for c in columns))
    return "\n".join(lines) + "\n"


_MARK = "\x00dec:"
_MARKED = re.compile(r'"\\u0000dec:([^"\\]*)"')


def _marked(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_MARK}{value}"
    if isinstance(value, dict):
        return {key: _marked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_marked(item) for item in value]
    return value


def json_dumps_exact(value: Any, **options: Any) -> str:
    """``json.dumps`` that writes :class:`~decimal.Decimal` as a JSON number, digit for digit.

    >>> json_dumps_exact({"p": Decimal("0.0500")})
    '{"p": 0.0500}'
    """
    return _MARKED.sub(r"\1", json.dumps(_marked(value), **options))


def write_jsonl(records: Iterable[Mapping[str, Value]]) -> str:
    """KGX JSON Lines text: one JSON object per record, numbers exact."""
    return "".join(json_dumps_exact(dict(r), ensure_ascii=False) + "\n" for r in records)


def read_tsv(
    handle: TextIO, name: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Value]]]:
    """Yield ``(line, record)`` for each data row of a KGX TSV file.

    Fields are split on tabs only (no CSV quoting, as kgx reads TSV); lists are split on
    ``|`` in the multivalued columns. A row with fewer fields than the header is read
    with the missing trailing fields empty (as kgx does); a row with more is reported in
    ``problems`` (``file:line``) and skipped.

    :param handle: the open file.
    :param name: the file name used in problems.
    :param problems: collects malformed rows.
    """
    previous = csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        yield from _tsv_records(handle, name, problems)
    finally:
        csv.field_size_limit(previous)  # the limit is process-wide: give it back


def _tsv_records(
    handle: TextIO, name: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Value]]]:
    reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if header is None:
        problems.append(Problem(name, 1, "-", "empty file (expected a KGX header row)"))
        return
    header = [column.strip() for column in header]
    multi = [column in MULTIVALUED for column in header]
    end = reader.line_num
    for values in reader:
        line = end + 1
        end = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            problems.append(
                Problem(name, line, "-", f"{len(values)} fields, the header has {len(header)}")
            )
            continue
        record: dict[str, Value] = {}
        for column, is_list, value in zip(header, multi, values, strict=False):
            if value == "":
                continue
            value = unspreadsheet_cell(value)
            if is_list:
                record[column] = [part for part in value.split("|") if part]
            else:
                record[column] = value
        yield line, record


#: Deepest nesting of JSON arrays and objects accepted in inputs (KGX records are flat;
#: Cytoscape and JSON-LD documents use a few levels).
MAX_JSON_DEPTH = 64


class JSONDepthError(ValueError):
    """A JSON input nests arrays or objects deeper than :data:`MAX_JSON_DEPTH`."""


def _deeper_than(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` (decimals as :class:`~decimal.Decimal`) with a bounded nesting depth.

    Deeply nested input is refused with a message instead of a ``RecursionError`` in the
    parser or in the code that walks the result.

    :raises json.JSONDecodeError: not JSON.
    :raises JSONDepthError: nested deeper than ``max_depth``.

    >>> loads_bounded('{"a": [1.50]}')
    {'a': [Decimal('1.50')]}
    >>> loads_bounded("[" * 100000 + "]" * 100000)
    Traceback (most recent call last):
    gutbone.interop.kgx.JSONDepthError: JSON nested deeper than 64 levels
    """
    try:
        value = json.loads(text, parse_float=Decimal)
    except RecursionError:
        value = None
    else:
        if not isinstance(value, dict | list) or not _deeper_than(value, max_depth):
            return value
    raise JSONDepthError(f"JSON nested deeper than {max_depth} levels")


def read_jsonl(
    handle: TextIO, name: str, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Value]]]:
    """Yield ``(line, record)`` for each line of a KGX JSON Lines file (numbers as Decimal).

    :param handle: the open file.
    :param name: the file name used in problems.
    :param problems: collects lines that are not JSON objects.
    """
    for line, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        try:
            record = loads_bounded(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(name, line, "-", f"not valid JSON: {exc.msg}"))
            continue
        except JSONDepthError as exc:
            problems.append(Problem(name, line, "-", str(exc)))
            continue
        if not isinstance(record, dict):
            problems.append(Problem(name, line, "-", "expected a JSON object"))
            continue
        yield line, record
