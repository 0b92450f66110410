"""WikiPathways: GPML pathway diagrams -> gene/metabolite nodes and directed, signed edges.

Raw files per pathway ``WPnnnn/`` (CC0 1.0): ``WPnnnn.gpml`` (GenMAPP Pathway Markup
Language 2013a), ``WPnnnn-datanodes.tsv`` (WikiPathways' own BridgeDb mapping of each
DataNode's primary Xref to NCBI Gene, HGNC symbol, ChEBI...) and ``WPnnnn-info.json``.

What is read (docs/ingest.md has the full rules):

* DataNodes of type GeneProduct, Protein, Rna (genes) or Metabolite with an Xref. The Xref's
  database name is normalised with the Bioregistry; genes become ``NCBIGene:`` ids (from the
  Xref or the mapping table), or the curated ``HGNC:`` node whose label is the gene's HGNC
  symbol (so both layers meet in one node); metabolites become ``CHEBI:`` ids.
* Interactions (and GraphicalLines, which older diagrams use the same way) whose two ends
  are DataNodes, groups (one edge per mapped member) or anchors on another interaction (a
  regulator acting on a conversion is read as acting on its product). The arrow head gives
  predicate and sign (:data:`ARROWS`); a line with no arrow head states no direction and is
  skipped, as are ends that are labels, shapes or unmapped nodes (counted by reason).
* The pathway is the source of its edges: revision, licence, literature PMIDs.
"""

from __future__ import annotations

import csv
import re
import xml.parsers.expat
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

from gutbone.errors import IngestError, Problem
from gutbone.ingest.manifest import Manifest
from gutbone.ingest.transform import IngestedRows, RowCollector, Transform

__all__ = ["WikiPathways", "ARROWS", "Arrow", "parse_gpml", "Element", "ORGANISMS"]


@dataclass(frozen=True)
class Arrow:
    """What a GPML arrow head asserts: gutbone predicate, sign and a phrase for statements."""

    predicate: str
    sign: int
    phrase: str


#: GPML ArrowHead -> predicate and sign. ``Arrow`` between two metabolites is a conversion.
ARROWS: dict[str, Arrow] = {
    "Arrow": Arrow("increases", 1, "an activating arrow"),
    "mim-stimulation": Arrow("increases", 1, "a stimulation arrow"),
    "mim-necessary-stimulation": Arrow("increases", 1, "a necessary-stimulation arrow"),
    "mim-transcription-translation": Arrow("increases", 1, "a transcription-translation arrow"),
    "mim-catalysis": Arrow("increases", 1, "a catalysis arrow"),
    "mim-conversion": Arrow("precursor_of", 1, "a conversion arrow"),
    "TBar": Arrow("decreases", -1, "an inhibition bar"),
    "mim-inhibition": Arrow("decreases", -1, "an inhibition arrow"),
    "mim-binding": Arrow("binds", 0, "a binding arrow"),
    "mim-cleavage": Arrow("affects", 0, "a cleavage arrow"),
    "mim-modification": Arrow("affects", 0, "a modification arrow"),
}
_CONVERSION = Arrow("precursor_of", 1, "an arrow between two metabolites (a conversion)")
#: GPML database names the Bioregistry does not resolve, and the mapping table's prefix.
_DATABASES = {
    "Uniprot-TrEMBL": "uniprot",
    "HGNC": "hgnc.symbol",
    "HGNC Accession number": "hgnc",
    "Enzyme Nomenclature": "eccode",
}
#: GPML ``Organism`` attribute -> NCBITaxon id (also used to check taxon labels offline).
ORGANISMS = {
    "Homo sapiens": "NCBITaxon:9606",
    "Mus musculus": "NCBITaxon:10090",
    "Rattus norvegicus": "NCBITaxon:10116",
}
_WPID = re.compile(r"^WP[0-9]+$")


@dataclass
class Element:
    """An XML element with the line it starts on (expat gives line numbers; ElementTree not)."""

    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str) -> Element | None:
        """First child with this tag."""
        return next((child for child in self.children if child.tag == tag), None)

    def iter(self, tag: str) -> list[Element]:
        """Every descendant with this tag, in document order."""
        found: list[Element] = []
        for child in self.children:
            if child.tag == tag:
                found.append(child)
            found.extend(child.iter(tag))
        return found


def parse_gpml(data: bytes, name: str) -> Element:
    r"""Parse XML into :class:`Element` s; a syntax error is reported as ``name:line``.

    >>> root = parse_gpml(b'<Pathway Name="x">\n<DataNode GraphId="a"/></Pathway>', "t.gpml")
    >>> root.children[0].tag, root.children[0].line
    ('DataNode', 2)
    >>> parse_gpml(b"<Pathway>\n<DataNode></Pathway>", "t.gpml")
    Traceback (most recent call last):
    gutbone.errors.IngestError: t.gpml:2:-: not well-formed XML: mismatched tag (column 12)
    """
    parser = xml.parsers.expat.ParserCreate()
    stack: list[Element] = [Element("#document", {}, 0)]

    def start(tag: str, attrs: dict[str, str]) -> None:
        element = Element(tag, attrs, parser.CurrentLineNumber)
        stack[-1].children.append(element)
        stack.append(element)

    def end(_: str) -> None:
        stack.pop()

    def text(value: str) -> None:
        stack[-1].text += value

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        problem = Problem(
            name, exc.lineno, "-", f"not well-formed XML: {message} (column {exc.offset})"
        )
        raise IngestError([problem]) from None
    return stack[0].children[0]


@cache
def _prefix(database: str) -> str:
    """Bioregistry prefix of a GPML Xref database name ('' when unknown)."""
    if database in _DATABASES:
        return _DATABASES[database]
    import bioregistry  # on use: importing it takes ~0.5 s, and only ingest needs it

    return bioregistry.normalize_prefix(database) or ""


@dataclass(frozen=True)
class _Mapped:
    """A DataNode mapped to a node of the graph."""

    curie: str
    label: str
    category: str
    text: str


@dataclass(frozen=True)
class _Pathway:
    """The parts of one GPML file the edges need."""

    wpid: str
    title: str
    version: str
    organism: str
    nodes: dict[str, _Mapped]
    groups: dict[str, list[str]]
    lines: list[Element]
    anchors: dict[str, Element]
    publications: dict[str, str]
    #: PMIDs the pathway as a whole cites
    pmids: tuple[str, ...]
    #: ``Last-Modified`` stamp of the GPML file (YYYYMMDDhhmmss)
    modified: str


def _read_mapping(path: Path, display: str) -> dict[str, dict[str, str]]:
    """``WPnnnn-datanodes.tsv`` rows by their ``Identifier`` (a CURIE like ``ensembl:ENSG...``)."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        needed = {"Identifier", "NCBI gene", "HGNC", "ChEBI"}
        if reader.fieldnames is None or not needed <= set(reader.fieldnames):
            missing = sorted(needed - set(reader.fieldnames or ()))
            raise IngestError([Problem(display, 1, "-", f"missing columns {missing}")])
        return {row["Identifier"]: row for row in reader if row.get("Identifier")}


def _one(value: str, prefix: str) -> str:
    """The single local id of ``prefix`` in a ``;``-separated mapping cell ('' when not one)."""
    found = sorted({v.split(":", 1)[1] for v in value.split(";") if v.startswith(prefix + ":")})
    return found[0] if len(found) == 1 else ""


#: GPML DataNode types ingested as gene products (the other ingested type: ``Metabolite``).
_GENE_TYPES = frozenset({"GeneProduct", "Protein", "Rna"})


def _map_node(
    node: Element, mapping: dict[str, dict[str, str]], hgnc: dict[str, str]
) -> _Mapped | str:
    """A DataNode's graph node, or the reason it is skipped."""
    kind = node.attrs.get("Type", "")
    xref = node.find("Xref")
    database, ident = (
        (xref.attrs.get("Database", ""), xref.attrs.get("ID", "").strip()) if xref else ("", "")
    )
    if not database or not ident:
        return "DataNode without Xref"
    prefix = _prefix(database)
    local = ident.split(":", 1)[1] if prefix == "chebi" and ":" in ident else ident
    row = mapping.get(f"{prefix}:{local}", {})
    text = " ".join(node.attrs.get("TextLabel", "").split())
    if kind == "Metabolite":
        chebi = local if prefix == "chebi" else _one(row.get("ChEBI", ""), "chebi")
        if chebi.isdigit():
            return _Mapped(f"CHEBI:{chebi}", text, "Metabolite", text)
        return f"metabolite without a ChEBI id ({database})"
    if kind not in _GENE_TYPES:
        return f"DataNode type {kind or 'none'} not ingested"
    symbol = ident if prefix == "hgnc.symbol" else _one(row.get("HGNC", ""), "hgnc.symbol")
    gene = ident if prefix == "ncbigene" else _one(row.get("NCBI gene", ""), "ncbigene")
    label = symbol or text
    if symbol in hgnc:
        return _Mapped(hgnc[symbol], symbol, "GeneProduct", text)
    if gene.isdigit():
        return _Mapped(f"NCBIGene:{gene}", label, "GeneProduct", text)
    if prefix == "hgnc" and ident.isdigit():
        return _Mapped(f"HGNC:{ident}", label, "GeneProduct", text)
    return f"gene product without an NCBI Gene id ({database})"


def _publications(root: Element) -> dict[str, str]:
    """BioPAX PublicationXref ids -> PubMed ids."""
    found: dict[str, str] = {}
    for ref in root.iter("bp:PublicationXref"):
        database = ref.find("bp:DB")
        ident = ref.find("bp:ID")
        if database and ident and database.text.strip().lower() == "pubmed":
            pmid = ident.text.strip()
            if pmid.isdigit():
                found[ref.attrs.get("rdf:id", "")] = pmid
    return found


def _read_pathway(folder: Path, display: str, hgnc: dict[str, str], out: RowCollector) -> _Pathway:
    wpid = folder.name
    name = f"{display}/{wpid}/{wpid}.gpml"
    root = parse_gpml((folder / f"{wpid}.gpml").read_bytes(), name)
    if root.tag != "Pathway" or not root.attrs.get("Version", "").startswith(f"{wpid}_"):
        raise IngestError([Problem(name, root.line, "Version", f"not a GPML pathway {wpid}")])
    mapping = _read_mapping(
        folder / f"{wpid}-datanodes.tsv", f"{display}/{wpid}/{wpid}-datanodes.tsv"
    )
    nodes: dict[str, _Mapped] = {}
    members: defaultdict[str, list[str]] = defaultdict(list)
    for node in root.iter("DataNode"):
        mapped = _map_node(node, mapping, hgnc)
        if isinstance(mapped, str):
            out.skipped[mapped] += 1
        elif "GraphId" in node.attrs:
            nodes[node.attrs["GraphId"]] = mapped
        if "GroupRef" in node.attrs and "GraphId" in node.attrs:
            members[node.attrs["GroupRef"]].append(node.attrs["GraphId"])
    groups = {
        group.attrs["GraphId"]: members.get(group.attrs.get("GroupId", ""), [])
        for group in root.iter("Group")
        if "GraphId" in group.attrs
    }
    lines = root.iter("Interaction") + root.iter("GraphicalLine")
    anchors = {
        anchor.attrs["GraphId"]: line
        for line in lines
        for anchor in line.iter("Anchor")
        if "GraphId" in anchor.attrs
    }
    organism = root.attrs.get("Organism", "")
    publications = _publications(root)
    cited = {c.text.strip() for c in root.children if c.tag == "BiopaxRef"}
    return _Pathway(
        wpid=wpid,
        title=root.attrs.get("Name", wpid),
        version=root.attrs["Version"],
        organism=ORGANISMS.get(organism, ""),
        nodes=nodes,
        groups=groups,
        lines=sorted(lines, key=lambda line: line.line),
        anchors=anchors,
        publications=publications,
        pmids=tuple(sorted({publications[r] for r in cited if r in publications}, key=int)),
        modified=root.attrs.get("Last-Modified", ""),
    )


def _target(line: Element) -> Element | None:
    """The end of a line that carries the arrow head (the last point when none does)."""
    graphics = line.find("Graphics")
    points = [c for c in graphics.children if c.tag == "Point"] if graphics else []
    if not points:
        return None
    if not points[-1].attrs.get("ArrowHead") and points[0].attrs.get("ArrowHead"):
        return points[0]
    return points[-1]


def _ends(pathway: _Pathway, ref: str, seen: frozenset[str] = frozenset()) -> list[_Mapped] | str:
    """Graph nodes at one end of a line: a DataNode, a group's members, or an anchored product."""
    if ref in pathway.nodes:
        return [pathway.nodes[ref]]
    if ref in pathway.groups:
        found = [pathway.nodes[m] for m in pathway.groups[ref] if m in pathway.nodes]
        return found or "group without mapped members"
    if ref in pathway.anchors and ref not in seen:
        target = _target(pathway.anchors[ref])
        if target is None or not target.attrs.get("GraphRef"):
            return "anchor on a line whose target is not connected"
        return _ends(pathway, target.attrs["GraphRef"], seen | {ref})
    return "end is not connected to a mapped DataNode, group or anchor" if ref else "free end"


def _literature(pathway: _Pathway, element: Element) -> list[str]:
    refs = [child.text.strip() for child in element.children if child.tag == "BiopaxRef"]
    return sorted({pathway.publications[r] for r in refs if r in pathway.publications}, key=int)


def _line_edges(pathway: _Pathway, line: Element, source: str, out: RowCollector) -> None:
    graphics = line.find("Graphics")
    points = [c for c in graphics.children if c.tag == "Point"] if graphics else []
    if len(points) < 2:
        out.skipped["line with fewer than two points"] += 1
        return
    first, last = points[0], points[-1]
    directions = [(first, last, "")] if last.attrs.get("ArrowHead") else []
    if first.attrs.get("ArrowHead"):
        directions.append((last, first, "-r"))
    if not directions:
        out.skipped["line without arrow head (no direction stated)"] += 1
    graph_id = line.attrs.get("GraphId") or f"line{line.line}"
    for start, end, reverse in directions:
        head = end.attrs["ArrowHead"]
        arrow = ARROWS.get(head)
        subjects = _ends(pathway, start.attrs.get("GraphRef", ""))
        objects = _ends(pathway, end.attrs.get("GraphRef", ""))
        if arrow is None:
            out.skipped[f"arrow head {head} (no relation stated)"] += 1
            continue
        if isinstance(subjects, str) or isinstance(objects, str):
            out.skipped[subjects if isinstance(subjects, str) else str(objects)] += 1
            continue
        pairs = sorted({(s.curie, o.curie): (s, o) for s in subjects for o in objects}.items())
        anchored = end.attrs.get("GraphRef", "") in pathway.anchors
        for number, (_, (subject, obj)) in enumerate(pairs, start=1):
            if subject.curie == obj.curie:
                out.skipped["edge from a node to itself"] += 1
                continue
            metabolites = subject.category == obj.category == "Metabolite"
            used = _CONVERSION if head == "Arrow" and metabolites else arrow
            suffix = f"-{number}" if len(pairs) > 1 else ""
            where = " (acting on the conversion that yields it)" if anchored else ""
            pmids = _literature(pathway, line)
            out.edge(
                {
                    "id": f"wp-{pathway.wpid}-{graph_id}{reverse}{suffix}",
                    "subject": subject.curie, "predicate": used.predicate, "object": obj.curie,
                    "sign": str(used.sign), "evidence_type": "pathway_database",
                    "source": source, "locator": f"{pathway.wpid} {line.tag} {graph_id}",
                    "statement": f"WikiPathways {pathway.wpid} ({pathway.title}) draws "
                    f"{used.phrase} ({head}) from {subject.text or subject.label} to "
                    f"{obj.text or obj.label}{where}.",
                    "note": "Literature cited on this interaction: "
                    + ", ".join(f"PMID:{p}" for p in pmids) if pmids else "",
                    "species": pathway.organism, "model_system": "pathway_diagram",
                    "original_id": f"{pathway.wpid}:{graph_id}",
                }
            )  # fmt: skip


def _curated_hgnc(data: Path) -> dict[str, str]:
    """HGNC symbol -> curated ``HGNC:`` node id, from the curated node tables' labels."""
    found: dict[str, str] = {}
    for path in sorted((data / "nodes").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                ident = (row.get("id") or "").strip()
                if ident.startswith("HGNC:"):
                    found.setdefault((row.get("label") or "").strip(), ident)
    return found


def _source_row(pathway: _Pathway, manifest: Manifest) -> dict[str, str]:
    revision = pathway.version.split("_", 1)[1]
    return {
        "id": f"wikipathways_{pathway.wpid}", "kind": "database",
        "title": f"WikiPathways {pathway.wpid}: {pathway.title}",
        "citation": f"WikiPathways community-curated pathway {pathway.wpid}, revision {revision}",
        "year": pathway.modified[:4],
        "pmid": "|".join(pathway.pmids), "infores": "infores:wikipathways",
        "version": f"{pathway.version} ({manifest.version})", "license": manifest.license,
        "url": f"https://www.wikipathways.org/pathways/{pathway.wpid}.html",
        "note": "Ingested by gutbone.ingest.wikipathways from external/wikipathways/"
        f"{pathway.wpid}/{pathway.wpid}.gpml; pmid lists the literature cited by the pathway "
        "as a whole.",
    }  # fmt: skip


class WikiPathways(Transform):
    """Pathway diagrams of WikiPathways (CC0), one source row per pathway."""

    name: ClassVar[str] = "wikipathways"
    description: ClassVar[str] = (
        "WikiPathways GPML pathways (CC0): genes, metabolites, interactions"
    )
    data_inputs: ClassVar[tuple[str, ...]] = ("nodes/*.csv",)

    def transform(self, raw: Path, manifest: Manifest, display: str, data: Path) -> IngestedRows:
        """Rows of every pathway whose GPML file the MANIFEST lists."""
        hgnc = _curated_hgnc(data)
        out = RowCollector()
        wpids = sorted(
            {Path(f.path).parts[0] for f in manifest.files if f.path.endswith(".gpml")},
            key=lambda wpid: int(wpid[2:]) if _WPID.match(wpid) else 0,
        )
        for wpid in wpids:
            pathway = _read_pathway(raw / wpid, display, hgnc, out)
            source = f"wikipathways_{wpid}"
            out.sources[source] = _source_row(pathway, manifest)
            for mapped in sorted(pathway.nodes.values(), key=lambda m: m.curie):
                out.node(
                    {"id": mapped.curie, "label": mapped.label, "category": mapped.category,
                     "synonyms": mapped.text if mapped.text != mapped.label else "",
                     "source": source}
                )  # fmt: skip
            for line in pathway.lines:
                _line_edges(pathway, line, source, out)
        return out.rows()
