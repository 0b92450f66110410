"""Read the curated tables and check every row.

The tables are described in ``data/README.md``. :func:`load_curated` reads a data folder
(``sources.csv``, ``nodes/*.csv``, ``edges/*.csv``, optional ``outcomes.csv``), checks
every field and raises one :class:`~gutbone.errors.CurationError` listing *all*
problems, each as ``file:row:field: what is wrong`` (the header is row 1).

>>> data = load_curated()
>>> data.nodes["OBA:1000110"].category
'BoneOutcome'
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TypeVar

from gutbone.errors import CurationError, InputError, Problem
from gutbone.identifiers import check_curie, check_id
from gutbone.labels import LabelChecker, load_label_checker
from gutbone.resources import data_dir
from gutbone.suggest import unknown_value
from gutbone.tables import parse_count, parse_decimal, read_csv, within
from gutbone.vocabulary import MEASURES, MODEL_SYSTEMS, load_vocabulary

__all__ = [
    "Source",
    "Node",
    "Effect",
    "ReportedClaim",
    "Edge",
    "Outcome",
    "Discrepancy",
    "CuratedData",
    "load_curated",
    "SOURCE_COLUMNS",
    "SOURCE_PROVENANCE_COLUMNS",
    "NODE_COLUMNS",
    "EDGE_COLUMNS",
    "EDGE_PROVENANCE_COLUMNS",
    "OUTCOME_COLUMNS",
    "DISCREPANCY_COLUMNS",
    "DISCREPANCY_KINDS",
    "SOURCE_KINDS",
    "POOLING_MODELS",
    "TRANSLATION_COLUMNS",
    "has_cjk",
]

#: Provenance of a source resource (issue 12): PubMed id, ``infores:`` id of the primary
#: knowledge source, release/commit/revision, licence, and where to read it.
SOURCE_PROVENANCE_COLUMNS = ("pmid", "infores", "version", "license", "url")
SOURCE_COLUMNS = (
    "id", "kind", "title", "citation", "year", "doi", "seed_file", "note",
    *SOURCE_PROVENANCE_COLUMNS,
)  # fmt: skip
NODE_COLUMNS = ("id", "label", "category", "synonyms", "source", "broader", "xref", "note")
EFFECT_DECIMALS = ("estimate", "ci_lower", "ci_upper", "p", "i2", "tau2")
EFFECT_INTEGERS = ("k", "n")
#: Provenance of an assertion (issue 12): the evidence in the curator's own words, the
#: organism studied (NCBITaxon CURIE), the study system (``MODEL_SYSTEMS``) and the
#: record's id in its source.
EDGE_PROVENANCE_COLUMNS = ("statement", "species", "model_system", "original_id")
#: Biolink ``agent_type`` of an imported assertion, as its input gave it (issue 15;
#: empty: a curator read it, ``manual_agent``).
EDGE_AGENT_COLUMN = "agent_type"
EDGE_COLUMNS = (
    "id", "subject", "predicate", "object", "sign", "evidence_type", "source", "locator",
    "quote", "context", "measure", *EFFECT_DECIMALS, *EFFECT_INTEGERS, "model", "note",
    *("quote_en", "locator_en"),  # English renderings by the curator (see TRANSLATION_COLUMNS)
    *("reported_predicate", "reported_sign"),  # the source's own claim, when its data differ
    *EDGE_PROVENANCE_COLUMNS,
    EDGE_AGENT_COLUMN,
)  # fmt: skip
OUTCOME_COLUMNS = (
    "id", "edge", "study_file", "measure", "model", "reported_estimate", "reported_ci_lower",
    "reported_ci_upper", "reported_i2", "reported_p", "locator", "note",
    "locator_en",
)  # fmt: skip
#: English rendering column -> the column it translates; required when that one has Chinese.
TRANSLATION_COLUMNS = {"quote_en": "quote", "locator_en": "locator"}
_N = TypeVar("_N", Decimal, int)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
DISCREPANCY_COLUMNS = (
    "id", "source", "locator", "kind", "claim", "claim_en", "printed", "recomputed",
    "explanation", "edge", "outcome",
)  # fmt: skip
#: Kinds of discrepancy between what a source claims and what its own data show.
DISCREPANCY_KINDS = (
    "mislabelled_subgroup",  # a result reported under another subgroup's or site's name
    "mislabelled_outcome",  # a result reported under another outcome's name
    "no_comparative_test",  # a between-arm difference claimed without any comparison
    "missing_study_row",  # a pooled result that includes a study the figure does not print
    "interval_inconsistent",  # a confidence interval that cannot belong to its estimate
    "p_value_inconsistent",  # a p value that does not fit its estimate and interval
    "study_not_included",  # a pooled study that is not among the included studies
)
SOURCE_KINDS = ("review", "mr_study", "meta_analysis", "primary_study", "database")
POOLING_MODELS = ("FE", "DL", "REML", "PM", "MH")

_REQUIRED = {
    "sources": ("id", "kind", "title"),
    "nodes": ("id", "label", "category", "source"),
    "edges": (
        "id",
        "subject",
        "predicate",
        "object",
        "sign",
        "evidence_type",
        "source",
        "locator",
    ),  # fmt: skip
    "outcomes": ("id", "edge", "study_file", "measure", "model"),
    "discrepancies": (
        "id",
        "source",
        "locator",
        "kind",
        "claim",
        "claim_en",
        "printed",
        "recomputed",
        "explanation",
    ),  # fmt: skip
}


def has_cjk(text: str) -> bool:
    """Whether ``text`` contains Chinese (CJK unified ideographs), i.e. needs an English form.

    >>> has_cjk("sec. 研究結論"), has_cjk("sec. 4.2.1")
    (True, False)
    """
    return _CJK.search(text) is not None


@dataclass(frozen=True)
class Source:
    """A document curated facts come from."""

    id: str
    kind: str
    """One of :data:`SOURCE_KINDS`."""
    title: str
    citation: str = ""
    year: str = ""
    doi: str = ""
    seed_file: str = ""
    """A bundled text under ``seeds/``: rows citing the source quote it exactly."""
    note: str = ""
    pmid: str = ""
    """PubMed id(s), ``|``-separated."""
    infores: str = ""
    """``infores:`` id of the primary knowledge source (then version and license are due)."""
    version: str = ""
    license: str = ""
    url: str = ""


@dataclass(frozen=True)
class Node:
    """An entity of the graph, identified by a CURIE."""

    id: str
    label: str
    category: str
    synonyms: tuple[str, ...]
    sources: tuple[str, ...]
    broader: str = ""
    xrefs: tuple[str, ...] = ()
    note: str = ""
    record: str = ""


@dataclass(frozen=True)
class Effect:
    """Numbers behind an assertion, kept exactly as written (Decimal)."""

    measure: str
    estimate: Decimal | None = None
    ci_lower: Decimal | None = None
    ci_upper: Decimal | None = None
    p: Decimal | None = None
    i2: Decimal | None = None
    tau2: Decimal | None = None
    k: int | None = None
    n: int | None = None
    model: str = ""


@dataclass(frozen=True)
class ReportedClaim:
    """The source's own directional claim about an assertion whose data do not support it.

    The assertion carries what the data show (e.g. ``affects``, sign 0: the pooled interval
    includes no effect); the claim keeps the predicate and sign the source states, resting
    on the assertion's quote (the source's words). See docs/evidence.md.
    """

    predicate: str
    sign: int


@dataclass(frozen=True)
class Edge:
    """An assertion: subject predicate object, with sign, evidence and provenance."""

    id: str
    subject: str
    predicate: str
    object: str
    sign: int
    evidence_type: str
    sources: tuple[str, ...]
    locator: str
    quote: str
    context: str = ""
    effect: Effect | None = None
    note: str = ""
    record: str = ""
    #: the effect as printed by the source, when ``effect`` was recomputed at build time
    reported_effect: Effect | None = None
    #: the evidence in the curator's own words (required where no source has a seed text)
    statement: str = ""
    #: NCBITaxon CURIE of the organism studied
    species: str = ""
    #: one of :data:`gutbone.vocabulary.MODEL_SYSTEMS`
    model_system: str = ""
    #: the record's id in its source
    original_id: str = ""
    #: the curator's English rendering of a non-English ``quote`` ("" when it is English)
    quote_en: str = ""
    #: the English form of a ``locator`` naming a Chinese section or subgroup
    locator_en: str = ""
    #: the source's own claim (predicate, sign) when its data give another sign
    reported_claim: ReportedClaim | None = None
    #: Biolink agent_type of an imported assertion ("" for curated ones)
    agent_type: str = ""

    @property
    def english_quote(self) -> str:
        """The quote in English: the curator's rendering, or the quote when it is English."""
        return self.quote_en or self.quote

    @property
    def english_locator(self) -> str:
        """The locator in English: its English form, or the locator when it is English."""
        return self.locator_en or self.locator


@dataclass(frozen=True)
class Outcome:
    """A pooled outcome whose study rows are recomputed at build time."""

    id: str
    edge: str
    study_file: Path
    measure: str
    model: str
    reported: Mapping[str, Decimal | None]
    locator: str = ""
    note: str = ""
    record: str = ""
    locator_en: str = ""


@dataclass(frozen=True)
class Discrepancy:
    """A source's printed claim that its own data do not support (``discrepancies.csv``).

    :param claim: the claim as printed (exact quote); ``claim_en`` its English rendering.
    :param printed: the printed value(s), as text.
    :param recomputed: what the source's own data give, as text.
    :param kind: one of :data:`DISCREPANCY_KINDS`.
    :param edge: the assertion it concerns, if any; ``outcome`` the pooled outcome, if any.
    """

    id: str
    source: str
    locator: str
    kind: str
    claim: str
    claim_en: str
    printed: str
    recomputed: str
    explanation: str
    edge: str = ""
    outcome: str = ""
    record: str = ""


@dataclass(frozen=True)
class CuratedData:
    """Every curated table of one data folder, checked."""

    root: Path
    sources: dict[str, Source] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[str, Edge] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    discrepancies: dict[str, Discrepancy] = field(default_factory=dict)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


@dataclass
class _Table:
    """Rows of one CSV file with a problem collector bound to the file name."""

    path: Path
    kind: str
    problems: list[Problem]
    root: Path
    #: set when the file itself could not be read (encoding, size, not a file...)
    unreadable: bool = False
    #: written by ``gutbone ingest`` (its nodes merge into nodes defined earlier)
    ingested: bool = False

    @property
    def name(self) -> str:
        """The file as the user can reach it from the working directory (error messages)."""
        return _display(self.path)

    @property
    def stable_name(self) -> str:
        """The file relative to the data folder's parent, e.g. ``data/edges/review.csv``.

        Used for the ``record`` of each row, which goes into the graph: it does not depend
        on the working directory, so builds from anywhere are byte-identical.
        """
        return self.path.relative_to(self.root.parent).as_posix()

    def record(self, row: int) -> str:
        """``stable_name:row`` of a row."""
        return f"{self.stable_name}:{row}"

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.name, row, column, message))

    def rows(self, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        """Checked rows as ``{column: stripped value}`` (see :func:`gutbone.tables.read_csv`)."""
        if not within(self.path, self.root):
            self.problem(0, "-", "the table lies outside the data folder (a symbolic link?)")
            self.unreadable = True
            return
        try:
            table = read_csv(self.path, self.name)
        except InputError as exc:
            self.problems.extend(exc.problems)
            self.unreadable = True
            return
        header = table.header
        missing = [name for name in _REQUIRED[self.kind] if name not in header]
        for name in missing:
            self.problem(1, name, f"missing required column {name!r}")
        for name in header:
            if name not in columns:
                self.problem(1, name, f"unknown column (expected: {', '.join(columns)})")
        if missing:
            return
        for number, values in table.rows:
            if len(values) != len(header):
                self.problem(number, "-", f"{len(values)} fields, the header has {len(header)}")
                continue
            row = dict(zip(header, values, strict=True))
            for name in _REQUIRED[self.kind]:
                if not row.get(name):
                    self.problem(number, name, "required field is empty")
            yield number, row


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split("|") if part.strip())


def _number(
    table: _Table, row: int, column: str, value: str, parse: Callable[[str], _N]
) -> _N | None:
    """``parse(value)``, or None when the field is empty or (a problem recorded) invalid."""
    if not value:
        return None
    try:
        return parse(value)
    except ValueError as exc:
        table.problem(row, column, str(exc))
        return None


def _decimal(table: _Table, row: int, column: str, value: str) -> Decimal | None:
    return _number(table, row, column, value, parse_decimal)


def _check_choice(
    table: _Table, row: int, column: str, value: str, allowed: Sequence[str], what: str = ""
) -> None:
    """Record a problem when ``value`` is given and is none of ``allowed`` (with a hint)."""
    if value and value not in allowed:
        table.problem(row, column, unknown_value(value, allowed, what))


def _keep(table: _Table, row: int, kind: str, key: str, first: str | None) -> bool:
    """Whether a row with id ``key`` is kept: it has an id, safe and not seen before.

    A repeated id is a problem (``first`` says where the id was first seen); the row's
    other fields are checked all the same, so one duplicate hides no other mistake.
    """
    if not key:
        return False
    if first is not None:
        table.problem(row, "id", f"duplicate id {key!r} (first at {first})")
        return False
    problem = check_curie(key) if kind == "node" else check_id(kind, key)
    if problem:
        table.problem(row, "id", problem)
    return True


def _first(known: Mapping[str, Node | Edge | Outcome | Discrepancy], key: str) -> str | None:
    """The record (``file:row``) of the row that first used ``key``, if any."""
    return known[key].record if key in known else None


def load_curated(root: str | os.PathLike[str] | None = None) -> CuratedData:
    """Read and check every table of a data folder.

    :param root: the data folder; the bundled ``data/`` when omitted.
    :returns: the checked tables.
    :raises CurationError: listing every problem found, in file and row order.
    """
    folder = Path(root) if root is not None else data_dir()
    problems: list[Problem] = []
    data = CuratedData(root=folder)
    if not (folder / "sources.csv").is_file():
        raise CurationError([Problem(_display(folder), 0, "-", "no sources.csv in this folder")])

    sources = _Table(folder / "sources.csv", "sources", problems, folder)
    _read_sources(sources, data)
    if sources.unreadable:  # every row of every table would name an unknown source
        raise CurationError(problems)
    node_tables = [
        _Table(p, "nodes", problems, folder) for p in sorted((folder / "nodes").glob("*.csv"))
    ]
    edge_tables = [
        _Table(p, "edges", problems, folder) for p in sorted((folder / "edges").glob("*.csv"))
    ]
    ingested = _ingested_tables(folder, problems)
    for table in ingested["sources"]:
        _read_sources(table, data)
    node_tables += ingested["nodes"]
    edge_tables += ingested["edges"]
    labels = load_label_checker(folder)
    for table in node_tables:
        _read_nodes(table, data, labels)
    _check_broader(node_tables, data)
    for table in edge_tables:
        _read_edges(table, data)
    if (folder / "outcomes.csv").is_file():
        _read_outcomes(_Table(folder / "outcomes.csv", "outcomes", problems, folder), data)
    if (folder / "discrepancies.csv").is_file():
        table = _Table(folder / "discrepancies.csv", "discrepancies", problems, folder)
        _read_discrepancies(table, data)
    if problems:
        raise CurationError(sorted(problems, key=lambda p: (p.file, p.row)))
    return data


def _ingested_tables(folder: Path, problems: list[Problem]) -> dict[str, list[_Table]]:
    """Tables written by ``gutbone ingest``: ``ingested/<source>/{sources,nodes,edges}.csv``.

    Their nodes are merged into nodes defined earlier (see :func:`_read_nodes`).
    """
    found: dict[str, list[_Table]] = {"sources": [], "nodes": [], "edges": []}
    for kind, tables in found.items():
        for path in sorted((folder / "ingested").glob(f"*/{kind}.csv")):
            tables.append(_Table(path, kind, problems, folder, ingested=True))
    return found


def _read_sources(table: _Table, data: CuratedData) -> None:
    first_seen = {source_id: "another table" for source_id in data.sources}
    for row_number, row in table.rows(SOURCE_COLUMNS):
        source_id = row["id"]
        kept = _keep(table, row_number, "source", source_id, first_seen.get(source_id))
        _check_choice(table, row_number, "kind", row["kind"], SOURCE_KINDS)
        _check_source_provenance(table, row_number, row)
        if kept:
            first_seen[source_id] = f"row {row_number}"
            data.sources[source_id] = Source(**{name: row.get(name, "") for name in SOURCE_COLUMNS})


_PMID = re.compile(r"^[1-9][0-9]{0,8}(\|[1-9][0-9]{0,8})*$")
_INFORES = re.compile(r"^infores:[a-z0-9][a-z0-9_.-]*$")
_URL = re.compile(r"^https?://\S+$")
_SPECIES = re.compile(r"^NCBITaxon:[1-9][0-9]*$")


def _check_source_provenance(table: _Table, row_number: int, row: dict[str, str]) -> None:
    checks = (
        ("pmid", _PMID, "is not a PubMed id (digits only, no 'PMID:'; several: '|'-separated)"),
        ("infores", _INFORES, "is not an infores id (infores:lowercase_name)"),
        ("url", _URL, "is not an http(s) URL"),
    )
    for column, pattern, message in checks:
        value = row.get(column, "")
        if value and not pattern.match(value):
            table.problem(row_number, column, f"{value!r} {message}")
    if row.get("infores"):
        for column in ("version", "license"):
            if not row.get(column):
                table.problem(row_number, column, "required for a source with an infores id")


def _check_sources(table: _Table, row_number: int, value: str, data: CuratedData) -> None:
    for source in _split(value):
        if source not in data.sources:
            table.problem(row_number, "source", f"unknown source {source!r} (not in sources.csv)")


def _read_nodes(table: _Table, data: CuratedData, labels: LabelChecker) -> None:
    """Read node rows; a row of an ingested table whose id is already a node is merged.

    Merging keeps the earlier node (hand-curated nodes come first) and adds the ingested
    row's sources to it. Labels are checked against the offline name sources
    (:mod:`gutbone.labels`).
    """
    categories = tuple(load_vocabulary().categories)
    for row_number, row in table.rows(NODE_COLUMNS):
        node_id = row["id"]
        merged = table.ingested and node_id in data.nodes
        first = None if merged else _first(data.nodes, node_id)
        kept = _keep(table, row_number, "node", node_id, first)
        _check_choice(table, row_number, "category", row["category"], categories, "category")
        if (kept or merged) and not check_curie(node_id):
            _check_labels(table, row_number, row, labels)
        _check_sources(table, row_number, row["source"], data)
        if node_id.startswith("gutbone:") and not row.get("note"):
            table.problem(row_number, "note", "a local gutbone: id needs a note saying why")
        if merged:
            known = data.nodes[node_id]
            added = tuple(s for s in _split(row["source"]) if s not in known.sources)
            data.nodes[node_id] = replace(known, sources=known.sources + added)
        elif kept:
            data.nodes[node_id] = Node(
                id=node_id,
                label=row["label"],
                category=row["category"],
                synonyms=_split(row.get("synonyms", "")),
                sources=_split(row["source"]),
                broader=row.get("broader", ""),
                xrefs=_split(row.get("xref", "")),
                note=row.get("note", ""),
                record=table.record(row_number),
            )


def _check_labels(
    table: _Table, row_number: int, row: dict[str, str], labels: LabelChecker
) -> None:
    """The label and category of a node row against the offline sources (gutbone.labels)."""
    mismatch = labels.problem(row["id"], row["label"], _split(row.get("synonyms", "")))
    if mismatch:
        table.problem(row_number, mismatch.field, mismatch.message)
    wrong_category = labels.category_problem(row["id"], row["category"])
    if wrong_category:
        table.problem(row_number, "category", wrong_category)


def _check_broader(tables: list[_Table], data: CuratedData) -> None:
    by_name = {table.stable_name: table for table in tables}

    def problem(node: Node, message: str) -> None:
        file, row = node.record.rsplit(":", 1)
        by_name[file].problem(int(row), "broader", message)

    for node in data.nodes.values():
        if node.broader and node.broader not in data.nodes:
            problem(node, f"{node.broader!r} is not a node")
    for cycle in _broader_cycles(data.nodes):
        for position, node_id in enumerate(cycle):
            loop = [*cycle[position:], *cycle[:position], node_id]
            problem(data.nodes[node_id], f"broader cycle: {' -> '.join(loop)}")


def _broader_cycles(nodes: Mapping[str, Node]) -> list[list[str]]:
    """Every cycle of the ``broader`` links, each once (linear: each node is walked once)."""
    done: set[str] = set()
    cycles = []
    for start in nodes:
        path: list[str] = []
        on_path: set[str] = set()
        current = start
        while current in nodes and current not in done and current not in on_path:
            path.append(current)
            on_path.add(current)
            current = nodes[current].broader
        if current in on_path:
            cycles.append(path[path.index(current) :])
        done.update(path)
    return cycles


def _identified_rows(
    table: _Table, kind: str, known: Mapping[str, Edge | Outcome | Discrepancy]
) -> Iterator[tuple[int, dict[str, str], bool]]:
    """Rows of an edge, outcome or discrepancy table, each with whether it is kept."""
    columns = {"edge": EDGE_COLUMNS, "outcome": OUTCOME_COLUMNS}.get(kind, DISCREPANCY_COLUMNS)
    for row_number, row in table.rows(columns):
        yield row_number, row, _keep(table, row_number, kind, row["id"], _first(known, row["id"]))


def _read_edges(table: _Table, data: CuratedData) -> None:
    for row_number, row, kept in _identified_rows(table, "edge", data.edges):
        edge = _edge(table, row_number, row, data)
        if kept:
            data.edges[edge.id] = edge


def _edge(table: _Table, row_number: int, row: dict[str, str], data: CuratedData) -> Edge:
    """Check every field of an edge row (but its id) and return the edge it describes."""
    vocabulary = load_vocabulary()
    for column in ("subject", "object"):
        value = row[column]
        problem = check_curie(value) if value else None
        if problem:
            table.problem(row_number, column, problem)
        elif value and value not in data.nodes:
            table.problem(row_number, column, f"{value!r} is not a node (define it in nodes/)")
    sign = _signed_predicate(table, row_number, row, "predicate", "sign")
    predicate = vocabulary.predicates.get(row["predicate"])
    if predicate and predicate.irreflexive and row["subject"] == row["object"]:
        table.problem(
            row_number, "object", f"self-loop: {predicate.name!r} never relates a node to itself"
        )
    evidence = row["evidence_type"]
    _check_choice(table, row_number, "evidence_type", evidence, tuple(vocabulary.evidence_types))
    _check_sources(table, row_number, row["source"], data)
    _check_translations(table, row_number, row)
    _check_edge_provenance(table, row_number, row, data)
    return Edge(
        id=row["id"],
        subject=row["subject"],
        predicate=row["predicate"],
        object=row["object"],
        sign=sign,
        evidence_type=evidence,
        sources=_split(row["source"]),
        locator=row["locator"],
        quote=row.get("quote", ""),
        context=row.get("context", ""),
        effect=_read_effect(table, row_number, row),
        note=row.get("note", ""),
        record=table.record(row_number),
        quote_en=row.get("quote_en", ""),
        locator_en=row.get("locator_en", ""),
        reported_claim=_reported_claim(table, row_number, row, sign),
        statement=row.get("statement", ""),
        species=row.get("species", ""),
        model_system=row.get("model_system", ""),
        original_id=row.get("original_id", ""),
        agent_type=_agent_type(table, row_number, row),
    )


_AGENT_TYPE = re.compile(r"^[a-z][a-z_]{0,63}$")


def _agent_type(table: _Table, row_number: int, row: Mapping[str, str]) -> str:
    value = row.get(EDGE_AGENT_COLUMN, "")
    if value and not _AGENT_TYPE.match(value):
        table.problem(row_number, EDGE_AGENT_COLUMN, f"{value!r} is not a Biolink agent_type name")
    return value


def _signed_predicate(
    table: _Table, row_number: int, row: Mapping[str, str], predicate_column: str, column: str
) -> int:
    """The sign in ``column`` (0 when empty), checked with the predicate it goes with."""
    vocabulary = load_vocabulary()
    name = row.get(predicate_column, "")
    predicate = vocabulary.predicates.get(name)
    _check_choice(
        table, row_number, predicate_column, name, tuple(vocabulary.predicates), "predicate"
    )
    value = row.get(column, "")
    if not value:
        return 0
    if value not in ("-1", "0", "1", "+1"):
        table.problem(row_number, column, f"{value!r} is not one of -1, 0, 1")
        return 0
    sign = int(value)
    if predicate and predicate.required_sign not in (None, sign):
        required = predicate.required_sign
        table.problem(row_number, column, f"predicate {predicate.name!r} requires sign {required}")
    return sign


def _reported_claim(
    table: _Table, row_number: int, row: Mapping[str, str], sign: int
) -> ReportedClaim | None:
    """The source's own claim of a row (``reported_predicate``, ``reported_sign``), if any."""
    predicate, given = row.get("reported_predicate", ""), row.get("reported_sign", "")
    if not predicate and not given:
        return None
    if not predicate or not given:
        missing = "reported_sign" if predicate else "reported_predicate"
        table.problem(row_number, missing, "required with the other reported_ column")
        return None
    reported = _signed_predicate(table, row_number, row, "reported_predicate", "reported_sign")
    if reported == sign:
        table.problem(
            row_number,
            "reported_sign",
            f"the reported claim has the assertion's own sign {sign}: leave both reported_ "
            "columns empty (they keep a source claim that its data do not support)",
        )
    return ReportedClaim(predicate, reported)


def _check_translations(table: _Table, row_number: int, row: Mapping[str, str]) -> None:
    """An English rendering is required beside every Chinese quote or locator of a row."""
    for english, original in TRANSLATION_COLUMNS.items():
        if original in row and has_cjk(row[original]) and not row.get(english):
            table.problem(
                row_number,
                english,
                f"required when {original} is not English "
                f"(write the curator's English rendering of the {original})",
            )


def _check_edge_provenance(
    table: _Table, row_number: int, row: dict[str, str], data: CuratedData
) -> None:
    """Quote or statement, species and model system of one edge row.

    A row citing a source with a bundled seed text needs the exact ``quote``; any other
    row needs a ``quote`` or a ``statement`` (the curator's own words).
    """
    sources = [data.sources[s] for s in _split(row["source"]) if s in data.sources]
    if not row.get("quote"):
        seeded = [s.id for s in sources if s.seed_file]
        if seeded:
            table.problem(
                row_number, "quote", f"required: source {seeded[0]!r} has a seed text to quote"
            )
        elif not row.get("statement"):
            table.problem(row_number, "statement", "required when quote is empty")
    species = row.get("species", "")
    if species and not _SPECIES.match(species):
        table.problem(
            row_number, "species", f"{species!r} is not an NCBITaxon CURIE (NCBITaxon:digits)"
        )
    system_name = row.get("model_system", "")
    if system_name:
        system = MODEL_SYSTEMS.get(system_name)
        _check_choice(table, row_number, "model_system", system_name, tuple(MODEL_SYSTEMS))
        if system is not None and system.species and species and species != system.species:
            table.problem(
                row_number,
                "species",
                f"{species!r} contradicts model_system {system_name!r} ({system.species})",
            )


def _read_effect(table: _Table, row_number: int, row: dict[str, str]) -> Effect | None:
    numbers = {
        name: _decimal(table, row_number, name, row.get(name, "")) for name in EFFECT_DECIMALS
    }
    counts = {
        name: _number(table, row_number, name, row.get(name, ""), parse_count)
        for name in EFFECT_INTEGERS
    }
    measure = row.get("measure", "")
    given = [name for name in (*EFFECT_DECIMALS, *EFFECT_INTEGERS) if row.get(name)]
    if not measure:
        if given:
            table.problem(row_number, "measure", f"required when {given[0]} is given")
        return None
    _check_choice(table, row_number, "measure", measure, MEASURES)
    _check_effect_ranges(table, row_number, numbers)
    return Effect(
        measure=measure,
        estimate=numbers["estimate"],
        ci_lower=numbers["ci_lower"],
        ci_upper=numbers["ci_upper"],
        p=numbers["p"],
        i2=numbers["i2"],
        tau2=numbers["tau2"],
        k=counts["k"],
        n=counts["n"],
        model=row.get("model", ""),
    )


def _check_effect_ranges(
    table: _Table, row_number: int, numbers: Mapping[str, Decimal | None]
) -> None:
    estimate, lower, upper = numbers["estimate"], numbers["ci_lower"], numbers["ci_upper"]
    if (lower is None) != (upper is None):
        table.problem(
            row_number, "ci_lower" if lower is None else "ci_upper", "CI needs both bounds"
        )
    if lower is not None and upper is not None:
        if lower > upper:
            table.problem(row_number, "ci_lower", f"CI lower {lower} is above CI upper {upper}")
        elif estimate is not None and not lower <= estimate <= upper:
            table.problem(
                row_number,
                "estimate",
                f"CI [{lower}, {upper}] does not contain estimate {estimate}",
            )
    p = numbers["p"]
    if p is not None and not 0 <= p <= 1:
        table.problem(row_number, "p", f"p = {p} is outside [0, 1]")
    i2 = numbers["i2"]
    if i2 is not None and not 0 <= i2 <= 100:
        table.problem(row_number, "i2", f"I2 = {i2} is outside [0, 100] (percent)")
    tau2 = numbers["tau2"]
    if tau2 is not None and tau2 < 0:
        table.problem(row_number, "tau2", f"tau2 = {tau2} is negative")


def _read_outcomes(table: _Table, data: CuratedData) -> None:
    for row_number, row, kept in _identified_rows(table, "outcome", data.outcomes):
        outcome_id = row["id"]
        if row["edge"] and row["edge"] not in data.edges:
            table.problem(row_number, "edge", f"{row['edge']!r} is not an edge id")
        study_file = _study_file(table, row_number, row["study_file"], data.root)
        _check_choice(table, row_number, "measure", row["measure"], MEASURES)
        _check_choice(table, row_number, "model", row["model"], POOLING_MODELS)
        reported = {
            name.removeprefix("reported_"): _decimal(table, row_number, name, row.get(name, ""))
            for name in OUTCOME_COLUMNS
            if name.startswith("reported_")
        }
        _check_translations(table, row_number, row)
        if kept:
            data.outcomes[outcome_id] = Outcome(
                id=outcome_id,
                edge=row["edge"],
                study_file=study_file,
                measure=row["measure"],
                model=row["model"],
                reported=reported,
                locator=row.get("locator", ""),
                note=row.get("note", ""),
                record=table.record(row_number),
                locator_en=row.get("locator_en", ""),
            )


def _read_discrepancies(table: _Table, data: CuratedData) -> None:
    for row_number, row, kept in _identified_rows(table, "discrepancy", data.discrepancies):
        key = row["id"]
        if row["source"] and row["source"] not in data.sources:
            table.problem(row_number, "source", f"unknown source {row['source']!r}")
        _check_choice(table, row_number, "kind", row["kind"], DISCREPANCY_KINDS)
        for column, known in (("edge", data.edges), ("outcome", data.outcomes)):
            if row.get(column) and row[column] not in known:
                table.problem(row_number, column, f"{row[column]!r} is not an {column} id")
        if kept:
            values = {name: row.get(name, "") for name in DISCREPANCY_COLUMNS}
            data.discrepancies[key] = Discrepancy(**values, record=table.record(row_number))


def _study_file(table: _Table, row_number: int, name: str, root: Path) -> Path:
    """The path of an outcome's study table, checked to be a file inside ``studies/``.

    Absolute paths, ``..`` segments and links that lead outside the data folder are refused
    before anything is opened, so no file outside the data folder is ever read (and its
    content never shown in a message).
    """
    folder = root / "studies"
    path = folder / name
    if not name:
        return path
    parts = name.replace("\\", "/").split("/")
    if PurePosixPath(name).is_absolute() or PureWindowsPath(name).anchor or ".." in parts:
        table.problem(
            row_number,
            "study_file",
            f"{name!r} is not a file name inside studies/ (no absolute path, no '..')",
        )
    elif not within(path, folder):
        table.problem(row_number, "study_file", f"{name!r} leads outside studies/ (a link?)")
    elif not path.is_file():
        table.problem(row_number, "study_file", f"{name!r} is not a file in studies/")
    return path
