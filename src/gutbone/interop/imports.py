"""Import KGX and RDF graphs, map them onto gutbone's vocabulary and merge them.

:func:`import_graphs` reads KGX TSV / JSON Lines (a folder or node and edge files), RDF
(Turtle, N-Triples, JSON-LD; gutbone's own model or plain Biolink-typed triples), GraphML
and Cytoscape.js JSON written by :mod:`gutbone.interop.exports`, and:

1. normalises identifiers: prefix case and synonyms through the Bioregistry
   (``ncbitaxon:816`` and ``taxonomy:816`` are ``NCBITaxon:816``), IRIs to CURIEs, then
   checks them as curation does (:func:`gutbone.identifiers.check_curie`);
2. maps Biolink categories and predicates onto gutbone's
   (:class:`gutbone.interop.biolink.BiolinkMapping`; ``biolink:affects`` with
   ``object_direction_qualifier: increased`` is ``increases``). gutbone's own columns
   (``gutbone_category``, ``gutbone_predicate``, ``sign``, ``evidence_type``...) win when
   present, so that a gutbone export comes back unchanged;
3. merges with a base data folder (the curated tables by default): a node whose id is
   already there is not duplicated (the curated row is kept), an edge already there (same
   id, same triple) is skipped;
4. keeps provenance: each external knowledge source (``primary_knowledge_source``, else
   the file) becomes a row of ``sources.csv`` (kind ``database``) that its edges cite, and
   external rows carry ``imported from FILE:LINE (SOURCE)`` in their note; edges without
   a locator or quote get ``FILE:LINE`` and the KGX statement itself.

What cannot be mapped (an identifier prefix gutbone does not accept, a predicate with no
gutbone counterpart, a negated edge, an edge to a node so dropped) is *unmapped*: counted
with an example in :attr:`ImportReport.unmapped`, never silently dropped. Malformed input
(a TSV row with the wrong number of fields, a category or predicate Biolink does not
know, a CURIE with no prefix, an edge to a node that is nowhere, a bad number) is a
*problem* (:class:`gutbone.errors.Problem`, ``file:line:field: message``); the row is
skipped and the import goes on, unless ``strict`` is set: then the first problem or
unmapped item stops the import and nothing is written.

The output (``out``) is a data folder in gutbone's table format: the base tables copied
unchanged, ``nodes/imported.csv``, ``edges/imported.csv``, the new sources appended to
``sources.csv`` and a manifest ``gutbone-import.json``. ``gutbone validate``, ``build``,
``paths --data`` and ``report --data`` accept it. It is written atomically: a failed
import leaves no folder, or the previous one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import bioregistry

from gutbone.curation import (
    EDGE_COLUMNS,
    NODE_COLUMNS,
    SOURCE_COLUMNS,
    CuratedData,
    load_curated,
)
from gutbone.errors import InputError, Problem
from gutbone.identifiers import PREFIXES, check_curie, check_id, compress
from gutbone.interop.biolink import (
    DIRECTION_SIGN,
    load_biolink_schema,
    load_mapping,
    predicate_of,
    predicate_sign,
)
from gutbone.interop.kgx import (
    GUTBONE_INFORES,
    KGX_EDGE_COLUMNS,
    KGX_NODE_COLUMNS,
    assertion_id,
)
from gutbone.interop.kgx_edges import AGGREGATE_ONLY
from gutbone.interop.readers.cytoscape import cytoscape_input
from gutbone.interop.readers.graphml import graphml_input
from gutbone.interop.readers.kgx import kgx_inputs
from gutbone.interop.readers.rdf import rdf_input
from gutbone.interop.readers.records import Input, first_value, list_value, text_value
from gutbone.io import replace_directory
from gutbone.rdf import TEXT_FORMATS
from gutbone.resources import data_dir
from gutbone.vocabulary import MEASURES, load_vocabulary

__all__ = [
    "IMPORT_FORMATS",
    "MANIFEST",
    "Unmapped",
    "ImportReport",
    "normalize_curie",
    "import_graphs",
]

IMPORT_FORMATS = ("kgx", "ttl", "nt", "jsonld", "graphml", "cytoscape")
MANIFEST = "gutbone-import.json"
_SUFFIX_FORMAT = {
    ".tsv": "kgx",
    ".jsonl": "kgx",
    ".ttl": "ttl",
    ".nt": "nt",
    ".jsonld": "jsonld",
    ".graphml": "graphml",
    ".cyjs": "cytoscape",
}
_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
_DECIMAL_EFFECT = ("estimate", "ci_lower", "ci_upper", "p", "i2", "tau2")


@dataclass(frozen=True)
class Unmapped:
    """Input rows left out because gutbone's vocabulary has no place for them.

    :param kind: ``prefix`` (identifier prefix not accepted), ``predicate`` (no gutbone
        predicate), ``negated`` (negated edge), ``endpoint`` (edge to a node left out);
        for rows that are imported but lose a field: ``property`` (a field gutbone keeps
        nowhere) and ``qualifier`` (a qualifier value gutbone cannot express).
    :param value: the prefix, predicate, node, property name or ``qualifier=value``.
    :param count: how many rows.
    :param example: ``file:line`` of the first one.
    """

    kind: str
    value: str
    count: int
    example: str

    def __str__(self) -> str:
        return f"unmapped {self.kind} {self.value!r}: {self.count} row(s), e.g. {self.example}"


@dataclass(frozen=True)
class ImportReport:
    """What an import read, added, merged and left out.

    :param inputs: the files read.
    :param nodes_read: node records read.
    :param nodes_added: new nodes (written to ``nodes/imported.csv``).
    :param nodes_merged: nodes already in the base tables (not duplicated).
    :param edges_read: edge records read.
    :param edges_added: new assertions.
    :param edges_duplicate: assertions already in the base tables (same id and triple).
    :param sources_added: ids of the sources created for the imported knowledge sources.
    :param unmapped: what was left out, by kind and value.
    :param problems: malformed input, one per row.
    :param output: the data folder written, or None.
    """

    inputs: tuple[str, ...]
    nodes_read: int
    nodes_added: int
    nodes_merged: int
    edges_read: int
    edges_added: int
    edges_duplicate: int
    sources_added: tuple[str, ...]
    unmapped: tuple[Unmapped, ...]
    problems: tuple[Problem, ...]
    output: Path | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (the manifest's ``report``)."""
        return {
            "inputs": list(self.inputs),
            "nodes_read": self.nodes_read,
            "nodes_added": self.nodes_added,
            "nodes_merged": self.nodes_merged,
            "edges_read": self.edges_read,
            "edges_added": self.edges_added,
            "edges_duplicate": self.edges_duplicate,
            "sources_added": list(self.sources_added),
            "unmapped": [vars(item) for item in self.unmapped],
            "problems": [str(problem) for problem in self.problems],
            "output": str(self.output) if self.output is not None else None,
        }


# --------------------------------------------------------------------------- identifiers


def _prefix_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for prefix in PREFIXES:
        table[prefix.lower()] = prefix
        normalized = bioregistry.normalize_prefix(prefix)
        if normalized:
            table[normalized] = prefix
    return table


_PREFIX_TABLE: dict[str, str] = {}


def _gutbone_prefix(prefix: str) -> str | None:
    if prefix in PREFIXES:
        return prefix
    if not _PREFIX_TABLE:
        _PREFIX_TABLE.update(_prefix_table())
    found = _PREFIX_TABLE.get(prefix.lower())
    if found is None:
        normalized = bioregistry.normalize_prefix(prefix)
        found = _PREFIX_TABLE.get(normalized) if normalized else None
    return found


def normalize_curie(text: str) -> tuple[str | None, str, str]:
    """Normalise an identifier to a gutbone CURIE.

    :param text: a CURIE in any prefix case or synonym, or an IRI.
    :returns: ``(curie, "", "")`` when accepted; ``(None, "problem", message)`` when
        malformed; ``(None, "prefix", prefix)`` when its prefix is not one gutbone accepts.

    >>> normalize_curie("ncbitaxon:816")
    ('NCBITaxon:816', '', '')
    >>> normalize_curie("http://purl.obolibrary.org/obo/CHEBI_17968")
    ('CHEBI:17968', '', '')
    >>> normalize_curie("butyrate")
    (None, 'problem', "'butyrate' is not a CURIE (expected PREFIX:ID)")
    >>> normalize_curie("EC:2.7.1.1")
    (None, 'prefix', 'EC')
    """
    text = text.strip()
    if text.startswith(("http://", "https://")):
        curie = compress(text)
        if curie is None:
            parsed = bioregistry.parse_iri(text)
            if parsed is None:
                return None, "prefix", text.rsplit("/", 1)[0] + "/"
            prefix, local = parsed
            text = f"{prefix}:{local}"
        else:
            text = curie
    if ":" not in text:
        return None, "problem", f"{text!r} is not a CURIE (expected PREFIX:ID)"
    prefix, local = text.split(":", 1)
    if not prefix or not local:
        return None, "problem", f"{text!r} is not a CURIE (expected PREFIX:ID)"
    known = _gutbone_prefix(prefix)
    if known is None:
        return None, "prefix", prefix
    curie = f"{known}:{local}"
    message = check_curie(curie)
    if message is not None:
        return None, "problem", message
    return curie, "", ""


def _detect(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    if path.is_dir():
        return "kgx"
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            head = path.read_text(encoding="utf-8", errors="replace")
            return "cytoscape" if '"elements"' in head else "jsonld"
        except OSError:
            return "jsonld"
    return _SUFFIX_FORMAT.get(suffix, "")


# --------------------------------------------------------------------------- the importer


class _Stop(Exception):
    """Raised in strict mode at the first problem or unmapped row."""


@dataclass
class _Importer:
    base: CuratedData | None
    strict: bool
    problems: list[Problem] = field(default_factory=list)
    unmapped_counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    unmapped_examples: dict[tuple[str, str], str] = field(default_factory=dict)
    node_category: dict[str, str] = field(default_factory=dict)
    dropped_nodes: set[str] = field(default_factory=set)
    node_rows: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)
    edge_ids: set[str] = field(default_factory=set)
    declared: dict[str, dict[str, str]] = field(default_factory=dict)
    new_sources: dict[str, dict[str, str]] = field(default_factory=dict)
    source_files: dict[str, list[str]] = field(default_factory=dict)
    nodes_read: int = 0
    nodes_merged: int = 0
    edges_read: int = 0
    edges_added: int = 0
    edges_duplicate: int = 0

    def __post_init__(self) -> None:
        self.vocabulary = load_vocabulary()
        self.schema = load_biolink_schema()
        self.mapping = load_mapping()
        self.curie_cache: dict[str, tuple[str | None, str, str]] = {}
        if self.base is not None:
            for node in self.base.nodes.values():
                self.node_category[node.id] = node.category

    # -- reporting
    def problem(self, file: str, line: int, column: str, message: str) -> None:
        item = Problem(file, line, column, message)
        self.problems.append(item)
        if self.strict:
            raise _Stop(str(item))

    def unmapped(self, kind: str, value: str, file: str, line: int) -> None:
        key = (kind, value)
        self.unmapped_counts[key] += 1
        self.unmapped_examples.setdefault(key, f"{file}:{line}")
        if self.strict:
            raise _Stop(f"{file}:{line}:-: unmapped {kind} {value!r} (--strict)")

    def dropped_fields(
        self, file: str, line: int, record: dict[str, Any], known: frozenset[str]
    ) -> None:
        """Count the fields of an imported record that gutbone keeps nowhere.

        Not an unmapped *row* (the row is imported, so ``--strict`` goes on): the report
        lists each dropped property, and each qualifier value gutbone cannot express.
        """
        for name, value in record.items():
            if value in (None, "", []):
                continue
            text = text_value(value)
            if name in _QUALIFIERS_KEPT:
                if text in _QUALIFIERS_KEPT[name]:
                    continue
                key = ("qualifier", f"{name}={text}")
            elif name in known:
                continue
            elif name.endswith("_qualifier"):
                key = ("qualifier", f"{name}={text}")
            else:
                key = ("property", name)
            self.unmapped_counts[key] += 1
            self.unmapped_examples.setdefault(key, f"{file}:{line}")

    def curie(self, text: str) -> tuple[str | None, str, str]:
        found = self.curie_cache.get(text)
        if found is None:
            found = normalize_curie(text)
            if len(self.curie_cache) < 2_000_000:
                self.curie_cache[text] = found
        return found

    # -- sources
    def known_source(self, source_id: str) -> bool:
        return bool(
            (self.base is not None and source_id in self.base.sources)
            or source_id in self.new_sources
        )

    def safe_sources(self, file: str, line: int, sources: list[str]) -> bool:
        """Report (and refuse the row) when a source id is not a safe id (an IRI, a name)."""
        for source_id in sources:
            problem = check_id("source", source_id)
            if problem:
                self.problem(file, line, "primary_knowledge_source", problem)
                return False
        return True

    def use_source(self, source_id: str, file: str, *, named: bool) -> None:
        if self.known_source(source_id):
            files = self.source_files.get(source_id)
            if files is not None and file not in files:
                files.append(file)
            return
        declared = self.declared.get(source_id)
        if declared is not None:
            self.new_sources[source_id] = dict(declared)
            return
        title = f"{source_id} (named by {file})" if named else f"{source_id} (imported)"
        self.new_sources[source_id] = {
            "id": source_id, "kind": "database", "title": title, "citation": "", "year": "",
            "doi": "", "seed_file": "", "note": "",
        }  # fmt: skip
        if _INFORES.match(source_id):  # a Translator knowledge source, re-exported as such
            self.new_sources[source_id].update(
                infores=source_id, version=f"not given by {Path(file).name}",
                license=f"not given by {Path(file).name}",
            )  # fmt: skip
        self.source_files[source_id] = [file]

    def _infores(self, source_id: str) -> str:
        if self.base is not None and source_id in self.base.sources:
            return self.base.sources[source_id].infores
        found = self.new_sources.get(source_id) or self.declared.get(source_id) or {}
        # an undeclared infores id is made a source with that infores (use_source)
        return found.get("infores", "") or (source_id if _INFORES.match(source_id) else "")

    def primary_first(self, sources: list[str], primary: str) -> list[str]:
        """``gutbone_sources`` with the primary knowledge source's before other infores ones.

        The export makes the first source with an ``infores`` id the primary knowledge
        source; kgx sorts list fields, so that order is restored from
        ``primary_knowledge_source`` (a list kgx did not touch is returned unchanged).
        """
        with_infores = [i for i, s in enumerate(sources) if self._infores(s)]
        match = [i for i in with_infores if primary in (sources[i], self._infores(sources[i]))]
        if not match or match[0] == with_infores[0]:
            return sources
        moved = sources[match[0]]
        rest = [s for s in sources if s != moved]
        rest.insert(with_infores[0], moved)
        return rest

    def publications(self, record: dict[str, Any], file: str) -> list[str]:
        """Sources for the PMIDs and DOIs an external edge cites (its ``publications``)."""
        found = []
        for publication in list_value(record.get("publications")):
            prefix, _, local = publication.partition(":")
            if prefix.upper() == "PMID" and local.isdigit():
                source_id, column = f"PMID:{local}", "pmid"
            elif prefix.lower() == "doi" and local.startswith("10."):
                digest = hashlib.sha1(local.encode()).hexdigest()[:12]  # noqa: S324 - an id
                source_id, column = f"doi-{digest}", "doi"
            else:
                continue  # kept nowhere: not a PMID or DOI (counted with the record's fields)
            if not self.known_source(source_id):
                self.new_sources[source_id] = {
                    "id": source_id, "kind": "primary_study", "citation": "", "year": "",
                    "title": f"{publication} (cited by {Path(file).name}; kind not given)",
                    "doi": "", "seed_file": "", "note": "", column: local,
                }  # fmt: skip
            found.append(source_id)
        return found

    def knowledge_source(self, record: dict[str, Any], file: str) -> str:
        source = first_value(record.get("primary_knowledge_source"))
        source = source or first_value(record.get("provided_by"))
        return source or "import:" + _SLUG.sub("_", Path(file).name)

    # -- nodes
    def category(self, file: str, line: int, record: dict[str, Any]) -> str | None:
        own = text_value(record.get("gutbone_category"))
        if own:
            if self.vocabulary.is_category(own):
                return own
            self.problem(file, line, "gutbone_category", f"{own!r} is not a gutbone category")
            return None
        categories = list_value(record.get("category"))
        if not categories:
            self.problem(file, line, "category", "missing category (KGX requires one)")
            return None
        best: str | None = None
        for category in categories:
            curie = self.schema.normalize(category)
            if curie not in self.schema.classes:
                self.problem(
                    file, line, "category", f"unknown category {category!r} (not a Biolink class)"
                )
                return None
            mapped = self.mapping.category_from_biolink(curie)
            if mapped is None:
                continue
            depth = len(self.vocabulary.category_ancestors(mapped))
            if best is None or depth > len(self.vocabulary.category_ancestors(best)):
                best = mapped
        return best or "Entity"

    def node(self, file: str, line: int, record: dict[str, Any]) -> None:
        self.nodes_read += 1
        raw = text_value(record.get("id"))
        if not raw:
            self.problem(file, line, "id", "missing node id")
            return
        curie, kind, detail = self.curie(raw)
        if curie is None:
            if kind == "prefix":
                self.dropped_nodes.add(raw)
                self.unmapped("prefix", detail, file, line)
            else:
                self.problem(file, line, "id", detail)
            return
        category = self.category(file, line, record)
        if category is None:
            self.dropped_nodes.add(raw)
            return
        if curie in self.node_category:
            self.nodes_merged += 1
            return
        external = "gutbone_category" not in record
        self.dropped_fields(file, line, record, _NODE_FIELDS)
        source = self.knowledge_source(record, file)
        sources = list_value(record.get("gutbone_sources")) or [source]
        if not self.safe_sources(file, line, sources):
            return
        for item in sources:
            self.use_source(item, file, named=not external)
        note = text_value(record.get("note"))
        if external:
            note = "; ".join(filter(None, (note, f"imported from {file}:{line} ({source})")))
        elif curie.startswith("gutbone:") and not note:
            note = f"local id imported from {file}:{line}"
        self.node_category[curie] = category
        self.node_rows.append(
            (file, line, {
                "id": curie,
                "label": text_value(record.get("name")) or curie,
                "category": category,
                "synonyms": "|".join(list_value(record.get("synonym"))),
                "source": "|".join(sources),
                "broader": text_value(record.get("broader")),
                "xref": "|".join(list_value(record.get("xref"))),
                "note": note,
            })
        )  # fmt: skip

    def finish_nodes(self) -> list[dict[str, str]]:
        rows = []
        for file, line, row in self.node_rows:
            if row["broader"]:
                broader, _, _ = self.curie(row["broader"])
                if broader is None or broader not in self.node_category:
                    self.problem(file, line, "broader", f"{row['broader']!r} is not a node")
                    row["broader"] = ""
                else:
                    row["broader"] = broader
            rows.append(row)
        return rows

    # -- edges
    def endpoint(self, file: str, line: int, column: str, raw: str) -> str | None:
        if not raw:
            self.problem(file, line, column, f"missing {column}")
            return None
        curie, kind, detail = self.curie(raw)
        if curie is None:
            if kind == "prefix":
                self.unmapped("endpoint", raw, file, line)
            else:
                self.problem(file, line, column, detail)
            return None
        if curie not in self.node_category:
            if raw in self.dropped_nodes or curie in self.dropped_nodes:
                self.unmapped("endpoint", raw, file, line)
            else:
                self.problem(file, line, column, f"{raw!r} is not a node of any input or the base")
            return None
        return curie

    def predicate(self, file: str, line: int, record: dict[str, Any]) -> tuple[str, int] | None:
        own = text_value(record.get("gutbone_predicate"))
        direction = text_value(record.get("object_direction_qualifier"))
        qualifier_sign = DIRECTION_SIGN.get(direction, 0)
        if own:
            if own in self.vocabulary.predicates:
                return own, qualifier_sign
            self.problem(file, line, "gutbone_predicate", f"{own!r} is not a gutbone predicate")
            return None
        raw = text_value(record.get("predicate"))
        if not raw:
            self.problem(file, line, "predicate", "missing predicate")
            return None
        curie = self.schema.normalize(raw)
        if curie not in self.schema.predicates:
            self.problem(
                file, line, "predicate", f"unknown predicate {raw!r} (not a Biolink predicate)"
            )
            return None
        if text_value(record.get("negated")).lower() in ("true", "1", "yes"):
            self.unmapped("negated", curie, file, line)
            return None
        mapped = predicate_of(curie, direction)
        if mapped is None:
            self.unmapped("predicate", curie, file, line)
            return None
        return mapped, predicate_sign(curie, direction)

    def effect(self, file: str, line: int, record: dict[str, Any], row: dict[str, str]) -> bool:
        values = {name: record.get(f"effect_{name}") for name in (
            "measure", *_DECIMAL_EFFECT, "k", "n", "model")}  # fmt: skip
        given = {k: v for k, v in values.items() if v is not None and text_value(v) != ""}
        if not given:
            return True
        numbers: dict[str, Decimal] = {}
        for name in _DECIMAL_EFFECT:
            if name in given:
                value = given[name]
                text = repr(value) if isinstance(value, float) else text_value(value)
                try:
                    number = Decimal(text)
                except InvalidOperation:
                    number = Decimal("NaN")
                if not number.is_finite():
                    self.problem(file, line, f"effect_{name}", f"{text!r} is not a finite number")
                    return False
                numbers[name] = number
                row[name] = text
        for name in ("k", "n"):
            if name in given:
                text = text_value(given[name])
                if not text.isdigit() or int(text) < 1:
                    self.problem(
                        file, line, f"effect_{name}", f"{text!r} is not a positive integer"
                    )
                    return False
                row[name] = text
        measure = text_value(given.get("measure"))
        if measure not in MEASURES:
            expected = f"{measure!r} is not one of {', '.join(MEASURES)}"
            message = expected if measure else "required when numbers are given"
            self.problem(file, line, "effect_measure", message)
            return False
        row["measure"], row["model"] = measure, text_value(given.get("model"))
        out_of_range = _range_problem(numbers)
        if out_of_range:
            self.problem(file, line, f"effect_{out_of_range[0]}", out_of_range[1])
            return False
        return True

    def edge_id(
        self, file: str, line: int, record: dict[str, Any], triple: tuple[str, str, str]
    ) -> str | None:
        """The id of a new assertion (its own when safe, else a stable ``kgx-`` hash).

        None (counted as a duplicate, or reported) when the base or an input has it already.
        """
        subject, predicate, obj = triple
        edge_id = assertion_id(text_value(record.get("id")))
        if not edge_id or check_id("edge", edge_id) is not None:
            digest = hashlib.sha1(  # noqa: S324 - an id, not security
                f"{Path(file).name}|{line}|{subject}|{predicate}|{obj}|{edge_id}".encode()
            ).hexdigest()[:16]
            edge_id = f"kgx-{digest}"
        if self.base is not None and edge_id in self.base.edges:
            existing = self.base.edges[edge_id]
            if (existing.subject, existing.predicate, existing.object) == (subject, predicate, obj):
                self.edges_duplicate += 1
                return None
            self.problem(
                file, line, "id", f"edge id {edge_id!r} is already used ({existing.record})"
            )
            return None
        if edge_id in self.edge_ids:
            self.problem(file, line, "id", f"duplicate edge id {edge_id!r}")
            return None
        return edge_id

    def edge(self, file: str, line: int, record: dict[str, Any]) -> dict[str, str] | None:
        self.edges_read += 1
        record = _own_names(record)
        subject = self.endpoint(file, line, "subject", text_value(record.get("subject")))
        obj = self.endpoint(file, line, "object", text_value(record.get("object")))
        if subject is None or obj is None:
            return None
        found = self.predicate(file, line, record)
        if found is None:
            return None
        predicate, sign = found
        if subject == obj and self.vocabulary.predicates[predicate].irreflexive:
            message = f"self-loop: {predicate!r} never relates a node to itself"
            self.problem(file, line, "object", message)
            return None
        if "sign" in record and text_value(record["sign"]) != "":
            text = text_value(record["sign"])
            if text not in ("-1", "0", "1", "+1"):
                self.problem(file, line, "sign", f"{text!r} is not one of -1, 0, 1")
                return None
            sign = int(text)
            required = self.vocabulary.predicates[predicate].required_sign
            if required is not None and sign != required:
                self.problem(
                    file, line, "sign", f"predicate {predicate!r} requires sign {required}"
                )
                return None
        required = self.vocabulary.predicates[predicate].required_sign
        if required is not None:
            sign = required
        evidence = text_value(record.get("evidence_type"))
        if evidence and evidence not in self.vocabulary.evidence_types:
            self.problem(
                file, line, "evidence_type",
                f"{evidence!r} is not one of {', '.join(self.vocabulary.evidence_types)}",
            )  # fmt: skip
            return None
        if not evidence:
            level = text_value(record.get("knowledge_level"))
            evidence = "hypothesis" if level == "prediction" else "review_claim"
        source = self.knowledge_source(record, file)
        external = "gutbone_predicate" not in record
        sources = self.primary_first(list_value(record.get("gutbone_sources")), source) or [
            *_knowledge_sources(record, source), *self.publications(record, file)
        ]
        if not self.safe_sources(file, line, sources):
            return None
        self.dropped_fields(file, line, record, _EDGE_FIELDS)
        statement = " ".join(
            text_value(record.get(k)) for k in ("subject", "predicate", "object")
        ).strip()
        row = dict.fromkeys(EDGE_COLUMNS, "")
        if not self.effect(file, line, record, row):
            return None
        edge_id = self.edge_id(file, line, record, (subject, predicate, obj))
        if edge_id is None:
            return None
        self.edge_ids.add(edge_id)
        for item in sources:
            self.use_source(item, file, named=not external)
        note = text_value(record.get("note"))
        if external:
            note = "; ".join(filter(None, (note, f"imported from {file}:{line} ({source})")))
        quote = text_value(record.get("quote")) or first_value(record.get("supporting_text"))
        own_words = text_value(record.get("statement"))
        row.update(
            id=edge_id, subject=subject, predicate=predicate, object=obj, sign=str(sign),
            evidence_type=evidence, source="|".join(sources),
            locator=text_value(record.get("locator")) or f"{file}:{line}",
            quote=quote or ("" if own_words else statement), statement=own_words,
            context=text_value(record.get("context")), note=note,
            quote_en=text_value(record.get("quote_en")),
            locator_en=text_value(record.get("locator_en")),
            model_system=text_value(record.get("model_system")),
            original_id=text_value(record.get("original_id")),
            species=text_value(record.get("species_context_qualifier")),
            agent_type=text_value(record.get("agent_type")),
        )  # fmt: skip
        self.edges_added += 1
        return row


_INFORES = re.compile(r"^infores:[a-z0-9][a-z0-9_.-]*$")
#: Qualifier values gutbone keeps (as the sign, or as its own encoding of direction).
_QUALIFIERS_KEPT: dict[str, frozenset[str]] = {
    "object_direction_qualifier": frozenset(DIRECTION_SIGN),
    "qualified_predicate": frozenset({"biolink:causes"}),
    "object_aspect_qualifier": frozenset({"activity_or_abundance"}),
}
#: Edge fields the importer reads or that gutbone's export derives from what it keeps.
#: (``supporting_data_source`` of another graph is not kept: counted as unmapped.)
_EDGE_FIELDS = frozenset(KGX_EDGE_COLUMNS) - set(AGGREGATE_ONLY) | {
    "sign", "evidence_type", "evidence_weight", "has_attribute", "supporting_text", "negated",
    "category", "provided_by", "knowledge_source", "species_context_qualifier", "assertion_id",
}  # fmt: skip
#: Node fields the importer reads.
_NODE_FIELDS = frozenset(KGX_NODE_COLUMNS) | {"label", "iri", "knowledge_source"}


def _knowledge_sources(record: dict[str, Any], primary: str) -> list[str]:
    """The primary knowledge source, then the aggregators (without gutbone itself)."""
    aggregators = list_value(record.get("aggregator_knowledge_source"))
    return list(dict.fromkeys([primary, *(a for a in aggregators if a != GUTBONE_INFORES)]))


#: gutbone's own edge fields as KGX exports name them (older exports: the plain names).
_OWN_NAMES = {"gutbone_sign": "sign", "gutbone_evidence_type": "evidence_type"}


def _own_names(record: dict[str, Any]) -> dict[str, Any]:
    if not any(name in record for name in _OWN_NAMES):
        return record
    renamed = dict(record)
    for name, plain in _OWN_NAMES.items():
        if name in renamed:
            renamed[plain] = renamed.pop(name)
    return renamed


def _range_problem(numbers: dict[str, Decimal]) -> tuple[str, str] | None:
    lower, upper, estimate = (
        numbers.get("ci_lower"),
        numbers.get("ci_upper"),
        numbers.get("estimate"),
    )
    if (lower is None) != (upper is None):
        return ("ci_lower" if lower is None else "ci_upper", "CI needs both bounds")
    if lower is not None and upper is not None:
        if lower > upper:
            return ("ci_lower", f"CI lower {lower} is above CI upper {upper}")
        if estimate is not None and not lower <= estimate <= upper:
            return ("estimate", f"CI [{lower}, {upper}] does not contain estimate {estimate}")
    p = numbers.get("p")
    if p is not None and not 0 <= p <= 1:
        return ("p", f"p = {p} is outside [0, 1]")
    i2 = numbers.get("i2")
    if i2 is not None and not 0 <= i2 <= 100:
        return ("i2", f"I2 = {i2} is outside [0, 100] (percent)")
    tau2 = numbers.get("tau2")
    if tau2 is not None and tau2 < 0:
        return ("tau2", f"tau2 = {tau2} is negative")
    return None


# --------------------------------------------------------------------------- output


def _prepare_out(out: Path) -> None:
    if out.exists() and (
        not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file())
    ):
        raise InputError(
            [Problem(str(out), 0, "-", f"output exists and is not an empty folder or an earlier "
                     f"import (no {MANIFEST}); choose another --out")]
        )  # fmt: skip


def _copy_base(base: CuratedData, staging: Path) -> None:
    root = base.root
    shutil.copy2(root / "sources.csv", staging / "sources.csv")
    for folder in ("nodes", "edges", "studies", "ingested"):
        source = root / folder
        if source.is_dir():
            shutil.copytree(source, staging / folder)
    if (root / "outcomes.csv").is_file():
        shutil.copy2(root / "outcomes.csv", staging / "outcomes.csv")


def _free_name(folder: Path, stem: str) -> Path:
    candidate, number = folder / f"{stem}.csv", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}_{number}.csv"
    return candidate


def _inputs(paths: Sequence[Path], fmt: str | None, problems: list[Problem]) -> list[Input]:
    inputs: list[Input] = []
    kgx: list[Path] = []
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 0, "-", "no such file or folder"))
            continue
        kind = _detect(path, fmt)
        if kind == "kgx":
            kgx.append(path)
        elif kind in TEXT_FORMATS:
            found = rdf_input(path, kind, problems)
            if found is not None:
                inputs.append(found)
        elif kind == "graphml":
            found = graphml_input(path, problems)
            if found is not None:
                inputs.append(found)
        elif kind == "cytoscape":
            found = cytoscape_input(path, problems)
            if found is not None:
                inputs.append(found)
        else:
            problems.append(
                Problem(
                    str(path),
                    0,
                    "-",
                    f"unknown input format (use --format: {', '.join(IMPORT_FORMATS)})",
                )
            )
    inputs.extend(kgx_inputs(kgx, problems))
    return inputs


def import_graphs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    base: str | os.PathLike[str] | None | bool = True,
    strict: bool = False,
    out: str | os.PathLike[str] | None = None,
) -> ImportReport:
    """Import graphs and merge them with a base data folder.

    :param paths: KGX folders or files, RDF, GraphML or Cytoscape files.
    :param fmt: force the format of every path (one of :data:`IMPORT_FORMATS`); by
        default it comes from the extension (a folder is KGX).
    :param base: the data folder to merge into: ``True`` for the bundled curated tables,
        a path, or ``None``/``False`` to import alone.
    :param strict: stop at the first problem or unmapped row and write nothing.
    :param out: data folder to write (see the module docstring); None only checks.
    :returns: the report (problems included: the rows they name were skipped).
    :raises InputError: in strict mode, the first problem; when ``out`` is a folder that
        is neither empty nor an earlier import; when the base tables are invalid.
    """
    if fmt is not None and fmt not in IMPORT_FORMATS:
        raise ValueError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})")
    base_data: CuratedData | None = None
    if base is True:
        base_data = load_curated(data_dir())
    elif base not in (None, False):
        base_data = load_curated(base)  # type: ignore[arg-type]
    target = Path(out) if out is not None else None
    if target is not None:
        _prepare_out(target)
    importer = _Importer(base=base_data, strict=strict)
    # the whole output folder is staged beside the target and swapped in at the end
    writing = replace_directory(target) if target is not None else nullcontext(None)
    try:
        with writing as staging:
            inputs = _inputs([Path(p) for p in paths], fmt, importer.problems)
            if strict and importer.problems:
                raise _Stop(str(importer.problems[0]))
            for item in inputs:
                for source_id, row in item.sources.items():
                    importer.declared.setdefault(source_id, row)
            _run(importer, inputs, staging)
            report = _report(importer, inputs, target)
            if staging is not None:
                manifest = json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n"
                (staging / MANIFEST).write_text(manifest, encoding="utf-8")
        return report
    except _Stop:
        raise InputError(importer.problems[:1] or [_unmapped_problem(importer)]) from None


def _unmapped_problem(importer: _Importer) -> Problem:
    (kind, value), example = next(iter(importer.unmapped_examples.items()))
    file, line = example.rsplit(":", 1)
    return Problem(file, int(line), "-", f"unmapped {kind} {value!r} (--strict stops here)")


def _check_strict(importer: _Importer) -> None:
    if importer.strict and importer.problems:
        raise _Stop(str(importer.problems[0]))


def _run(importer: _Importer, inputs: list[Input], staging: Path | None) -> None:
    for item in inputs:
        for file, line, record in item.nodes:
            importer.node(file, line, record)
            _check_strict(importer)
        _check_strict(importer)
    node_rows = importer.finish_nodes()
    if staging is None:
        for item in inputs:
            for file, line, record in item.edges:
                importer.edge(file, line, record)
                _check_strict(importer)
            _check_strict(importer)
        return
    if importer.base is not None:
        _copy_base(importer.base, staging)
    edge_path = _free_name(staging / "edges", "imported")
    edge_path.parent.mkdir(parents=True, exist_ok=True)
    with edge_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EDGE_COLUMNS)
        for item in inputs:
            for file, line, record in item.edges:
                row = importer.edge(file, line, record)
                if row is not None:
                    writer.writerow([row[c] for c in EDGE_COLUMNS])
                _check_strict(importer)
            _check_strict(importer)
    node_path = _free_name(staging / "nodes", "imported")
    buffer = io.StringIO()
    node_writer = csv.writer(buffer, lineterminator="\n")
    node_writer.writerow(NODE_COLUMNS)
    for row in node_rows:
        node_writer.writerow([row[c] for c in NODE_COLUMNS])
    node_path.parent.mkdir(parents=True, exist_ok=True)
    node_path.write_text(buffer.getvalue(), encoding="utf-8")
    _write_sources(importer, staging)


def _write_sources(importer: _Importer, staging: Path) -> None:
    path = staging / "sources.csv"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns: list[str] = list(SOURCE_COLUMNS)
    if not text:
        writer.writerow(columns)
    else:
        columns = [name.strip() for name in next(csv.reader(io.StringIO(text)))]
        if not text.endswith("\n"):
            buffer.write("\n")
    for source_id in sorted(importer.new_sources):
        row = importer.new_sources[source_id]
        files = importer.source_files.get(source_id)
        if files and not row.get("note"):
            row["note"] = "imported by gutbone import from " + ", ".join(files)
        writer.writerow([row.get(c, "") for c in columns])
    path.write_text(text + buffer.getvalue(), encoding="utf-8")


def _report(importer: _Importer, inputs: list[Input], target: Path | None) -> ImportReport:
    unmapped = tuple(
        Unmapped(kind, value, count, importer.unmapped_examples[(kind, value)])
        for (kind, value), count in sorted(
            importer.unmapped_counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1])
        )
    )
    return ImportReport(
        inputs=tuple(item.name for item in inputs),
        nodes_read=importer.nodes_read,
        nodes_added=len(importer.node_rows),
        nodes_merged=importer.nodes_merged,
        edges_read=importer.edges_read,
        edges_added=importer.edges_added,
        edges_duplicate=importer.edges_duplicate,
        sources_added=tuple(sorted(importer.new_sources)),
        unmapped=unmapped,
        problems=tuple(importer.problems),
        output=target,
    )
