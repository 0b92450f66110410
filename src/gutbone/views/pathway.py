"""Interactive pathway views: a pyvis (vis-network) HTML page that works offline.

A view is built in two steps, like every gutbone result: :func:`select` (or
:func:`neighbourhood`, :func:`whole_graph`) chooses a :class:`Subgraph` of the curated
data, and :func:`render_view` turns it into one HTML page. The page embeds vis-network
(the copy shipped inside pyvis) unless ``vis_src`` names a local script file, loads
nothing from the network, and escapes every text that comes from the data.

Styling: node colour and shape by category (a legend lists the categories drawn), edge
colour by sign (raises / lowers / associated), edge width by the weight of the evidence
type (``gb:evidenceWeight`` of the ontology), arrows from subject to object except for
symmetric associations. Tooltips give predicate, sign, evidence type, the effect
(estimate, CI, p, k, I²), sources, locator and quote.

Layout: nodes are laid out left to right by layer (taxa and interventions, metabolites,
receptors/genes/pathways/immune cells, bone cells and processes, bone outcomes; see
:mod:`gutbone.views.layers`), computed here, so the page draws at once without a physics
simulation (the "physics" button lets vis-network move the nodes vertically; x stays
fixed). The page opens fitted to the graph but never below a zoom at which labels are
readable. A search box finds a node by label, synonym (English or Chinese) or id,
selects it with its neighbours and centres it; check boxes filter by category, evidence
type, source and sign, and "group categories" collapses each category into one cluster
node. Chinese text uses a CJK-capable font stack (:data:`FONT_STACK`); tooltips show every
quote and locator with its English rendering beside it. A view with more than
``max_nodes`` nodes is refused (:class:`ViewTooLargeError`).

>>> from gutbone.curation import load_curated
>>> data = load_curated()
>>> sub = neighbourhood(data, ["HGNC:11926"], depth=1)
>>> "HGNC:11926" in sub.nodes and len(sub.nodes) > 1
True
>>> page = render_view(data, sub, title="RANKL")
>>> "new vis.Network" in page and 'src="http' not in page
True
"""

from __future__ import annotations

import json
import math
from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

import pyvis
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from pyvis.network import Network

from gutbone.curation import CuratedData, Edge, Effect, Node
from gutbone.errors import InputError, Problem, QueryError
from gutbone.query.projection import lookup_edge
from gutbone.views.csp import with_csp
from gutbone.views.layers import LAYER_NAMES, layered_positions
from gutbone.vocabulary import load_vocabulary

__all__ = [
    "DEFAULT_MAX_NODES",
    "CATEGORY_STYLES",
    "FONT_STACK",
    "MIN_READABLE_SCALE",
    "SIGN_STYLES",
    "CategoryStyle",
    "PathHighlight",
    "Subgraph",
    "ViewTooLargeError",
    "build_network",
    "category_style",
    "edge_tooltip",
    "edges_subgraph",
    "find_path_highlights",
    "paths_subgraph",
    "paths_view",
    "node_tooltip",
    "neighbourhood",
    "render_view",
    "resolve_nodes",
    "select",
    "vis_network_js",
    "whole_graph",
]

#: Views with more nodes than this are refused (``--max-nodes`` changes it). The layered
#: layout draws 2,000 nodes in about 3 s in headless Chromium (``benchmarks/views.py``), so
#: the whole bundled graph (curated + ingested, about 1,000 nodes) is drawn by default.
DEFAULT_MAX_NODES = 2000

_ASSETS = Path(__file__).parent / "assets"
_VIS_JS = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2" / "vis-network.min.js"


@dataclass(frozen=True)
class CategoryStyle:
    """How nodes of one category are drawn: fill colour and vis-network shape."""

    colour: str
    shape: str


#: Style of each category of the ontology; a category not listed here takes the style of
#: its nearest listed super-category (see :func:`category_style`).
CATEGORY_STYLES: Mapping[str, CategoryStyle] = {
    "Taxon": CategoryStyle("#2a9d8f", "dot"),
    "Chemical": CategoryStyle("#c9a227", "diamond"),
    "Metabolite": CategoryStyle("#e9a23b", "diamond"),
    "Hormone": CategoryStyle("#b5838d", "diamond"),
    "GeneProduct": CategoryStyle("#577590", "square"),
    "Cytokine": CategoryStyle("#4d908e", "square"),
    "Receptor": CategoryStyle("#3a6ea5", "square"),
    "Enzyme": CategoryStyle("#90be6d", "square"),
    "TranscriptionFactor": CategoryStyle("#277da1", "square"),
    "MicroRNA": CategoryStyle("#9c89b8", "square"),
    "CellType": CategoryStyle("#f9844a", "triangle"),
    "ImmuneCell": CategoryStyle("#e76f51", "triangle"),
    "Pathway": CategoryStyle("#6d597a", "hexagon"),
    "BiologicalProcess": CategoryStyle("#8e7dbe", "triangleDown"),
    "AnatomicalEntity": CategoryStyle("#a5a58d", "hexagon"),
    "Measurement": CategoryStyle("#bc4749", "star"),
    "BoneOutcome": CategoryStyle("#d62828", "star"),
    "Disease": CategoryStyle("#6a040f", "triangleDown"),
    "Phenotype": CategoryStyle("#9d4edd", "triangleDown"),
    "Intervention": CategoryStyle("#1d3557", "hexagon"),
    "Study": CategoryStyle("#999999", "dot"),
    "Entity": CategoryStyle("#97a3b6", "dot"),
}

#: Colour and legend text of each sign.
SIGN_STYLES: Mapping[int, tuple[str, str]] = {
    1: ("#2e7d32", "raises / promotes (+1)"),
    -1: ("#c62828", "lowers / inhibits (-1)"),
    0: ("#8a8f98", "associated / unknown direction (0)"),
}

#: Predicates drawn without an arrow (symmetric).
_SYMMETRIC = frozenset({"associated_with"})
_HIGHLIGHT = "#ffb703"

#: CSS font stack of pages and canvas labels: system fonts first, then fonts with Chinese
#: glyphs (Noto CJK is Debian's ``fonts-noto-cjk``), so Chinese text never falls back to boxes.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
    '"Noto Sans CJK TC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)

#: Smallest zoom the page opens at: node labels (14 px) stay at least 10.5 px high.
MIN_READABLE_SCALE = 0.75
_LABEL_SIZE = 14
#: Above this many edges, edges are drawn straight (curves cost a lot to draw).
_CURVED_EDGE_LIMIT = 1500

_CSS = (
    "body{font-family:"
    + FONT_STACK
    + ";margin:0;color:#1d2733}"
    + """
header{padding:.5rem 1rem}h1{font-size:1.3rem;margin:.2rem 0}.desc{margin:.2rem 0;max-width:70rem}
.counts{margin:.2rem 0;font-size:.9rem}.status{color:#555;margin:0 .8rem}
button{font:inherit;font-size:.8rem;margin-left:.3rem}
.main{display:flex;gap:.5rem;padding:0 1rem}
#mynetwork{flex:1;height:78vh;min-height:420px;border:1px solid #d8dee6;background:#fff}
.legend{width:15rem;font-size:.8rem}.legend h2{font-size:.9rem;margin:.4rem 0}
.legend ul{list-style:none;padding:0;margin:0}.legend li{margin:.15rem 0;display:flex;
align-items:center;gap:.35rem}.legend svg{flex:none}.small{font-size:.78rem;color:#444}
.paths{padding:0 1rem 1rem}table{border-collapse:collapse;font-size:.85rem}
td,th{border:1px solid #d8dee6;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f8}tr.sel td{background:#fff3c4}#gb-paths tr[data-nodes]{cursor:pointer}
div.vis-tooltip{position:absolute;visibility:hidden;padding:6px 8px;white-space:normal;
max-width:28rem;font-size:12px;color:#1d2733;background:#fffef5;border:1px solid #b8b08d;
border-radius:4px;box-shadow:2px 2px 8px rgba(0,0,0,.2);pointer-events:none;z-index:5}
.gb-tip b{font-weight:600}.gb-tip q{font-style:italic}.gb-tip .k{color:#555}
.gb-tip .en{color:#234}.search{margin:.3rem 0}.search input{font:inherit;width:100%;
box-sizing:border-box;padding:.2rem .3rem}#gb-search-result{min-height:1.2em}
.filters fieldset{border:1px solid #d8dee6;margin:.3rem 0;padding:.1rem .4rem;max-height:11rem;
overflow:auto}.filters legend{font-weight:600}.filters label{display:block;white-space:nowrap}
"""
)


class ViewTooLargeError(QueryError):
    """A view would have more nodes than its limit; the message says how to narrow it."""

    def __init__(self, nodes: int, limit: int) -> None:
        self.nodes = nodes
        self.limit = limit
        super().__init__(
            f"the view has {nodes} nodes, more than the limit of {limit}: narrow it with "
            "--focus ID --depth 1, --category CATEGORY, --evidence TYPE or --from X --to Y, "
            "or raise --max-nodes"
        )


@dataclass(frozen=True)
class PathHighlight:
    """One ranked path to list under a view and highlight on click.

    :param rank: 1 for the best path.
    :param nodes: node ids along the path.
    :param edges: assertion ids along the path.
    :param sign: net sign of the path (product of the hop signs), None for an associative
        path (one with an association hop: no net sign, docs/evidence.md).
    :param score: the ranking score.
    :param kind: ``"mechanistic"`` or ``"associative"``.
    """

    rank: int
    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    sign: int | None
    score: float
    kind: str = "mechanistic"

    @property
    def sign_text(self) -> str:
        """The net sign as shown to a reader: ``+1``, ``-1``, ``0`` or ``none (associative)``.

        >>> PathHighlight(1, ("a", "b"), ("e",), None, 0.5, "associative").sign_text
        'none (associative)'
        """
        if self.sign is None:
            return "none (associative)"
        return f"{self.sign:+d}" if self.sign else "0"


@dataclass(frozen=True)
class Subgraph:
    """Nodes and assertions to draw (ids, sorted) and those to highlight.

    :param nodes: node ids.
    :param edges: assertion ids (both ends are in ``nodes``).
    :param highlight: node ids drawn with a highlighted border (focus nodes, path ends).
    :param paths: ranked paths listed under the view.
    :param description: one line saying how the subgraph was chosen.
    """

    nodes: tuple[str, ...]
    edges: tuple[str, ...]
    highlight: frozenset[str] = frozenset()
    paths: tuple[PathHighlight, ...] = ()
    description: str = ""


def category_style(category: str) -> CategoryStyle:
    """Style of a category: its own, or that of its nearest styled super-category.

    >>> category_style("ImmuneCell").shape, category_style("NoSuchCategory").shape
    ('triangle', 'dot')
    """
    for name in load_vocabulary().category_ancestors(category):
        if name in CATEGORY_STYLES:
            return CATEGORY_STYLES[name]
    return CATEGORY_STYLES["Entity"]


def resolve_nodes(data: CuratedData, text: str) -> tuple[str, ...]:
    """Node ids that ``text`` names: a CURIE, a category, a label or a synonym.

    The rules are those of :func:`gutbone.query.resolve.resolve` (shared with ``paths``).

    :raises QueryError: when nothing matches or a name is ambiguous.

    >>> from gutbone.curation import load_curated
    >>> resolve_nodes(load_curated(), "RANKL")
    ('HGNC:11926',)
    """
    from gutbone.query.projection import build_projection
    from gutbone.query.resolve import resolve

    return resolve(build_projection(data), text)


def edges_subgraph(
    data: CuratedData, edge_ids: Iterable[str], *, description: str = ""
) -> Subgraph:
    """The given assertions and their end nodes.

    :raises KeyError: an id is not an assertion of ``data``.
    """
    edges = sorted(set(edge_ids))
    looked_up = [lookup_edge(data, e) for e in edges]
    nodes = {edge.subject for edge in looked_up} | {edge.object for edge in looked_up}
    return Subgraph(nodes=tuple(sorted(nodes)), edges=tuple(edges), description=description)


def _edge_filter(
    data: CuratedData,
    categories: Collection[str] | None,
    evidence: Collection[str] | None,
) -> tuple[set[str], list[Edge]]:
    """Nodes allowed by the category filter and edges allowed by both filters."""
    vocabulary = load_vocabulary()
    if categories:
        unknown = sorted(c for c in categories if not vocabulary.is_category(c))
        if unknown:
            raise InputError(
                [
                    Problem(
                        "<arguments>",
                        0,
                        "category",
                        f"{c!r} is not a category (expected: {', '.join(vocabulary.categories)})",
                    )
                    for c in unknown
                ]
            )
        wanted = set(categories)
        nodes = {
            n.id for n in data.nodes.values()
            if wanted.intersection(vocabulary.category_ancestors(n.category))
        }  # fmt: skip
    else:
        nodes = set(data.nodes)
    if evidence:
        unknown = sorted(e for e in evidence if e not in vocabulary.evidence_types)
        if unknown:
            raise InputError(
                [
                    Problem(
                        "<arguments>",
                        0,
                        "evidence",
                        f"{e!r} is not an evidence type "
                        f"(expected: {', '.join(vocabulary.evidence_types)})",
                    )
                    for e in unknown
                ]
            )
    edges = [
        e
        for e in data.edges.values()
        if e.subject in nodes
        and e.object in nodes
        and (not evidence or e.evidence_type in evidence)
    ]
    return nodes, edges


def _describe_filters(categories: Collection[str] | None, evidence: Collection[str] | None) -> str:
    parts = []
    if categories:
        parts.append("categories " + ", ".join(sorted(categories)))
    if evidence:
        parts.append("evidence " + ", ".join(sorted(evidence)))
    return ("; " + "; ".join(parts)) if parts else ""


def whole_graph(
    data: CuratedData,
    *,
    categories: Collection[str] | None = None,
    evidence: Collection[str] | None = None,
) -> Subgraph:
    """Every node and assertion (within the optional category and evidence filters).

    With a filter, nodes left without any assertion are dropped.

    >>> from gutbone.curation import load_curated
    >>> data = load_curated()
    >>> len(whole_graph(data).edges) == len(data.edges)
    True
    """
    nodes, edges = _edge_filter(data, categories, evidence)
    if categories or evidence:
        nodes = {e.subject for e in edges} | {e.object for e in edges}
    return Subgraph(
        nodes=tuple(sorted(nodes)),
        edges=tuple(sorted(e.id for e in edges)),
        description="whole graph" + _describe_filters(categories, evidence),
    )


def neighbourhood(
    data: CuratedData,
    focus: Iterable[str],
    depth: int = 1,
    *,
    categories: Collection[str] | None = None,
    evidence: Collection[str] | None = None,
) -> Subgraph:
    """Nodes within ``depth`` hops of the focus nodes (edges in either direction).

    The filters apply first; the subgraph holds every kept assertion between the
    selected nodes.

    :param focus: node ids (see :func:`resolve_nodes`).
    :param depth: number of hops (0: the focus nodes alone).
    :raises InputError: a focus id is not a node, or ``depth`` is negative.
    """
    focus = tuple(focus)
    missing = [f for f in focus if f not in data.nodes]
    if missing or depth < 0:
        problems = [Problem("<arguments>", 0, "focus", f"{f!r} is not a node") for f in missing]
        if depth < 0:
            problems.append(Problem("<arguments>", 0, "depth", f"must be >= 0, got {depth}"))
        raise InputError(problems)
    allowed, edges = _edge_filter(data, categories, evidence)
    adjacency: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        adjacency[edge.subject].add(edge.object)
        adjacency[edge.object].add(edge.subject)
    seen = {f: 0 for f in focus}
    queue = deque(focus)
    while queue:
        current = queue.popleft()
        if seen[current] == depth:
            continue
        for other in sorted(adjacency[current]):
            if other not in seen:
                seen[other] = seen[current] + 1
                queue.append(other)
    kept = [e.id for e in edges if e.subject in seen and e.object in seen]
    labels = ", ".join(data.nodes[f].label for f in focus)
    return Subgraph(
        nodes=tuple(sorted(seen)),
        edges=tuple(sorted(kept)),
        highlight=frozenset(focus),
        description=f"neighbourhood of {labels}, depth {depth}"
        + _describe_filters(categories, evidence),
    )


def select(
    data: CuratedData,
    *,
    focus: Sequence[str] = (),
    depth: int = 1,
    categories: Collection[str] | None = None,
    evidence: Collection[str] | None = None,
) -> Subgraph:
    """The neighbourhood of ``focus`` (names resolved), or the whole graph without focus."""
    if not focus:
        return whole_graph(data, categories=categories, evidence=evidence)
    ids: list[str] = []
    for text in focus:
        ids.extend(i for i in resolve_nodes(data, text) if i not in ids)
    return neighbourhood(data, ids, depth, categories=categories, evidence=evidence)


def find_path_highlights(
    data: CuratedData,
    sources: str | Iterable[str],
    targets: str | Iterable[str],
    *,
    metapath: str | None = None,
    max_length: int = 4,
    min_evidence: str | None = None,
    top: int | None = None,
    projection: Any = None,
    predicates: Iterable[str] | None = None,
) -> list[PathHighlight]:
    """Ranked paths from :func:`gutbone.query.paths.find_paths`, as highlights (empty if none).

    :param projection: a projection of ``data`` to reuse (built when None).
    :param predicates: predicates a hop may use (all when None).
    :raises QueryError: unknown nodes, categories or evidence levels, or bad limits.
    """
    from gutbone.query.paths import NoPathError, find_paths
    from gutbone.query.projection import build_projection

    if projection is None:
        projection = build_projection(data)
    try:
        hits = find_paths(projection, sources, targets, metapath=metapath,
                          max_length=max_length, min_evidence=min_evidence, top=top,
                          predicates=predicates)  # fmt: skip
    except NoPathError:
        return []
    return [
        PathHighlight(
            rank=rank,
            nodes=tuple(hit.nodes),
            edges=tuple(hop.edge_id for hop in hit.hops),
            sign=hit.net_sign,
            score=hit.score,
            kind=hit.kind,
        )
        for rank, hit in enumerate(hits, start=1)
    ]


def paths_subgraph(
    data: CuratedData, paths: Sequence[PathHighlight], *, description: str = ""
) -> Subgraph:
    """The nodes and assertions of ranked paths, with the path ends highlighted."""
    edges = sorted({e for p in paths for e in p.edges})
    nodes = {n for p in paths for n in p.nodes}
    ends = {p.nodes[0] for p in paths} | {p.nodes[-1] for p in paths}
    return Subgraph(
        nodes=tuple(sorted(nodes)),
        edges=tuple(edges),
        highlight=frozenset(ends),
        paths=tuple(paths),
        description=description,
    )


def paths_view(
    data: CuratedData,
    sources: str,
    targets: str,
    *,
    metapath: str | None = None,
    max_length: int = 4,
    min_evidence: str | None = None,
    top: int | None = 20,
    categories: Collection[str] | None = None,
    evidence: Collection[str] | None = None,
) -> Subgraph:
    """The best ``top`` paths from ``sources`` to ``targets`` (names resolved by the path search).

    ``categories`` and ``evidence`` keep only the paths whose every node (every hop) passes
    the filter, before the ``top`` best are taken.

    :raises QueryError: unknown names or bad limits; no path at all is an empty subgraph.

    >>> from gutbone.curation import load_curated
    >>> sub = paths_view(load_curated(), "Lachnospiraceae", "butyrate", max_length=1)
    >>> sub.paths[0].nodes, sub.paths[0].sign
    (('NCBITaxon:186803', 'CHEBI:17968'), 1)
    """
    allowed_nodes, allowed_edges = _edge_filter(data, categories, evidence)
    edge_ids = {e.id for e in allowed_edges}
    filtered = bool(categories or evidence)
    hits = find_path_highlights(data, sources, targets, metapath=metapath,
                                max_length=max_length, min_evidence=min_evidence,
                                top=None if filtered else top)  # fmt: skip
    if filtered:
        hits = [h for h in hits if set(h.nodes) <= allowed_nodes and set(h.edges) <= edge_ids]
        hits = hits[:top] if top is not None else hits
        hits = [replace(h, rank=i) for i, h in enumerate(hits, 1)]
    how = f"metapath {metapath}" if metapath else f"at most {max_length} hops"
    text = f"{len(hits)} best paths from {sources} to {targets} ({how})"
    return paths_subgraph(data, hits, description=text + _describe_filters(categories, evidence))


# ----------------------------------------------------------------------------- tooltips


def _fmt(value: object) -> str:
    return escape(str(value))


def _effect_html(effect: Effect) -> str:
    parts = [f"<b>{_fmt(effect.measure)}</b>"]
    if effect.estimate is not None:
        parts.append(_fmt(effect.estimate))
    if effect.ci_lower is not None and effect.ci_upper is not None:
        parts.append(f"[{_fmt(effect.ci_lower)}, {_fmt(effect.ci_upper)}]")
    extra = []
    if effect.p is not None:
        extra.append(f"p = {_fmt(effect.p)}")
    if effect.k is not None:
        extra.append(f"k = {effect.k}")
    if effect.n is not None:
        extra.append(f"n = {effect.n}")
    if effect.i2 is not None:
        extra.append(f"I² = {_fmt(effect.i2)}%")
    if effect.tau2 is not None:
        extra.append(f"τ² = {_fmt(effect.tau2)}")
    if effect.model:
        extra.append(f"model {_fmt(effect.model)}")
    return " ".join(parts) + ("; " + ", ".join(extra) if extra else "")


def _row(key: str, value_html: str) -> str:
    return f'<div><span class="k">{escape(key)}:</span> {value_html}</div>'


def node_tooltip(node: Node) -> str:
    """HTML tooltip of a node; every data field is escaped.

    >>> from gutbone.curation import Node
    >>> node_tooltip(Node("X:1", "<b>x</b>", "Taxon", (), ("s",)))[:40]
    '<div><b>&lt;b&gt;x&lt;/b&gt;</b></div><d'
    """
    rows = [f"<div><b>{_fmt(node.label)}</b></div>", _row("id", _fmt(node.id)),
            _row("category", _fmt(node.category))]  # fmt: skip
    if node.synonyms:
        rows.append(_row("synonyms", _fmt("; ".join(node.synonyms))))
    if node.broader:
        rows.append(_row("broader", _fmt(node.broader)))
    rows.append(_row("sources", _fmt(", ".join(node.sources))))
    if node.note:
        rows.append(_row("note", _fmt(node.note)))
    return "".join(rows)


def _with_english(text: str, english: str) -> str:
    """``text`` escaped, followed by its English form in brackets when that differs.

    >>> _with_english("sec. 研究結論", "sec. Research conclusions")
    'sec. 研究結論 <span class="en" lang="en">[sec. Research conclusions]</span>'
    """
    if not english or english == text:
        return _fmt(text)
    return f'{_fmt(text)} <span class="en" lang="en">[{_fmt(english)}]</span>'


def _sign_text(sign: int) -> str:
    return {1: "+1 (raises)", -1: "-1 (lowers)"}.get(sign, "0 (associated)")


def edge_tooltip(edge: Edge, data: CuratedData) -> str:
    """HTML tooltip of an assertion: predicate, sign, evidence, effect, provenance, quote.

    Every data field is escaped.
    """
    vocabulary = load_vocabulary()
    subject = data.nodes[edge.subject].label if edge.subject in data.nodes else edge.subject
    obj = data.nodes[edge.object].label if edge.object in data.nodes else edge.object
    evidence = vocabulary.evidence_types.get(edge.evidence_type)
    evidence_text = (
        f"{evidence.label} (weight {evidence.weight})" if evidence else edge.evidence_type
    )
    rows = [
        f"<div><b>{_fmt(subject)}</b> {_fmt(edge.predicate.replace('_', ' '))} "
        f"<b>{_fmt(obj)}</b></div>",
        _row("assertion", _fmt(edge.id)),
        _row("predicate", _fmt(edge.predicate)),
        _row("sign", _fmt(_sign_text(edge.sign))),
        _row("evidence", _fmt(evidence_text)),
    ]
    claim = edge.reported_claim
    if claim is not None:
        claimed = f"{claim.predicate}, {_sign_text(claim.sign)}: not supported by its own data"
        rows.append(_row("source claims", _fmt(claimed)))
    if edge.effect is not None:
        rows.append(_row("effect", _effect_html(edge.effect)))
    sources = []
    for key in edge.sources:
        source = data.sources.get(key)
        sources.append(f"{key}: {source.title}" if source else key)
    rows.append(_row("source", _fmt("; ".join(sources))))
    rows.append(_row("locator", _with_english(edge.locator, edge.locator_en)))
    rows.append(_row("quote", f"<q>{_fmt(edge.quote)}</q>"))
    if edge.quote_en and edge.quote_en != edge.quote:
        rows.append(_row("English", f'<q class="en" lang="en">{_fmt(edge.quote_en)}</q>'))
    if edge.context:
        rows.append(_row("context", _fmt(edge.context)))
    if edge.note:
        rows.append(_row("note", _fmt(edge.note)))
    return "".join(rows)


# ----------------------------------------------------------------------------- rendering


@cache
def vis_network_js() -> str:
    """The vis-network script shipped inside pyvis (embedded in views, or copied next to them)."""
    text = _VIS_JS.read_text(encoding="utf-8")
    if "</script" in text.lower():  # pragma: no cover - a guard for a changed pyvis copy
        raise RuntimeError(f"{_VIS_JS} contains '</script' and cannot be inlined")
    return text


@cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(_ASSETS)), autoescape=select_autoescape(["html"]))
    # tojson escapes <, >, & and ' (safe inside <script>); keep non-ASCII text as is
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    return env


_SVG_SHAPES = {
    "dot": '<circle cx="8" cy="8" r="6" fill="{c}"/>',
    "diamond": '<polygon points="8,1 15,8 8,15 1,8" fill="{c}"/>',
    "square": '<rect x="2" y="2" width="12" height="12" fill="{c}"/>',
    "triangle": '<polygon points="8,1 15,14 1,14" fill="{c}"/>',
    "triangleDown": '<polygon points="1,2 15,2 8,15" fill="{c}"/>',
    "star": '<polygon points="8,1 10,6 15,6 11,9.5 12.5,15 8,11.5 3.5,15 5,9.5 1,6 6,6" '
    'fill="{c}"/>',
    "hexagon": '<polygon points="4,2 12,2 15,8 12,14 4,14 1,8" fill="{c}"/>',
}


def _icon(shape: str, colour: str) -> Markup:
    body = _SVG_SHAPES.get(shape, _SVG_SHAPES["dot"]).format(c=colour)
    svg = f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">{body}</svg>'
    return Markup(svg)  # noqa: S704 - built from constants only


def _line_icon(colour: str, dashed: bool = False) -> Markup:
    dash = ' stroke-dasharray="3,2"' if dashed else ""
    return Markup(  # noqa: S704 - constants only
        f'<svg width="22" height="10" viewBox="0 0 22 10" aria-hidden="true"><line x1="1" y1="5" '
        f'x2="21" y2="5" stroke="{colour}" stroke-width="3"{dash}/></svg>'
    )


def _options(node_count: int) -> dict[str, Any]:
    """vis-network options: positions are given (physics off until the user turns it on)."""
    return {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": False},
        "nodes": {
            "font": {"size": _LABEL_SIZE, "face": FONT_STACK},
            "borderWidth": 1,
            "widthConstraint": {"maximum": 170},
        },
        "edges": {"selectionWidth": 2, "hoverWidth": 1.5},
        "interaction": {
            "hover": node_count <= 1000,
            "tooltipDelay": 150,
            "navigationButtons": False,
            "multiselect": True,
            "hideEdgesOnDrag": node_count > 1000,
        },  # fmt: skip
        "physics": {
            "enabled": False,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -6000,
                "springLength": 140,
                "springConstant": 0.03,
                "damping": 0.3,
                "avoidOverlap": 0.2,
            },
            "stabilization": {"enabled": False},
            "minVelocity": 1.0,
        },  # fmt: skip
        "gutbone": {"minScale": MIN_READABLE_SCALE},
    }


def _add_edges(net: Network, data: CuratedData, edges: Sequence[Edge], *, curved: bool) -> None:
    """Add the assertions, coloured by sign, as wide as their evidence weight.

    Parallel assertions between the same two nodes curve apart.
    """
    vocabulary = load_vocabulary()
    pair_count: dict[tuple[str, str], int] = defaultdict(int)
    for edge in edges:
        evidence = vocabulary.evidence_types.get(edge.evidence_type)
        weight = float(evidence.weight) if evidence else 0.1
        key = (min(edge.subject, edge.object), max(edge.subject, edge.object))
        index = pair_count[key]
        pair_count[key] += 1
        colour = SIGN_STYLES.get(edge.sign, SIGN_STYLES[0])[0]
        net.add_edge(
            edge.subject,
            edge.object,
            id=edge.id,
            title=edge_tooltip(edge, data),
            color={"color": colour, "highlight": "#000000", "hover": colour},
            width=round(1.0 + 5.0 * weight, 2),
            arrows="" if edge.predicate in _SYMMETRIC else "to",
            dashes=edge.evidence_type == "hypothesis",
            smooth={"enabled": True, "type": "curvedCW", "roundness": round(0.08 + 0.12 * index, 2)}
            if index
            else {"enabled": curved, "type": "continuous", "roundness": 0.2},
            predicate=edge.predicate,
            sign=edge.sign,
            evidence=edge.evidence_type,
            sources=list(edge.sources),
            weight=weight,
        )


def build_network(data: CuratedData, sub: Subgraph) -> Network:
    """A pyvis network holding the styled nodes and assertions of ``sub``.

    ``network.nodes`` and ``network.edges`` are the vis-network items of the page: ids,
    labels (raw text: vis-network draws them on a canvas), ``title`` (escaped HTML),
    colours, shapes, widths and arrows, plus ``category``, ``predicate``, ``sign``,
    ``evidence``, ``sources`` and ``weight``; nodes also carry their layered position
    (``x``, ``y``, ``layer``; x fixed) and ``synonyms`` (searched by the page).
    """
    net = Network(directed=True, cdn_resources="in_line")
    path_nodes = {n for p in sub.paths for n in p.nodes}
    looked_up = [lookup_edge(data, e) for e in sub.edges]
    positions = layered_positions(
        {n: (data.nodes[n].category, data.nodes[n].label) for n in sub.nodes},
        ((e.subject, e.object) for e in looked_up),
    )
    for node_id in sub.nodes:
        node = data.nodes[node_id]
        style = category_style(node.category)
        marked = node_id in sub.highlight or node_id in path_nodes
        where = positions[node_id]
        net.add_node(
            node_id,
            label=node.label,
            x=where.x,
            y=where.y,
            fixed={"x": True, "y": False},
            layer=where.layer,
            synonyms=list(node.synonyms),
            sources=list(node.sources),
            title=node_tooltip(node),
            shape=style.shape,
            color={
                "background": style.colour,
                "border": _HIGHLIGHT if marked else "#33415c",
                "highlight": {"background": style.colour, "border": "#000000"},
                "hover": {"background": style.colour, "border": "#000000"},
            },
            borderWidth=4 if marked else 1,
            size=22 if node.category == "BoneOutcome" else 15,
            category=node.category,
        )
    _add_edges(net, data, looked_up, curved=len(looked_up) <= _CURVED_EDGE_LIMIT)
    return net


def _path_rows(data: CuratedData, paths: Sequence[PathHighlight]) -> list[dict[str, Any]]:
    rows = []
    vocabulary = load_vocabulary()
    for path in paths:
        labels = [data.nodes[n].label if n in data.nodes else n for n in path.nodes]
        evidence = [
            vocabulary.evidence_types[lookup_edge(data, e).evidence_type].label
            if lookup_edge(data, e).evidence_type in vocabulary.evidence_types
            else "?"
            for e in path.edges
        ]
        rows.append(
            {
                "rank": path.rank,
                "text": " → ".join(labels),
                "sign": path.sign_text,
                "score": f"{path.score:.3g}" if math.isfinite(path.score) else "",
                "evidence": ", ".join(evidence),
                "nodes_json": json.dumps(list(path.nodes)),
                "edges_json": json.dumps(list(path.edges)),
            }
        )
    return rows


def _legend(
    data: CuratedData, sub: Subgraph, categories: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Legend entries: one per category drawn, one per sign drawn (and hypotheses)."""
    legend_nodes = [
        {"icon": _icon(category_style(c).shape, category_style(c).colour), "label": c}
        for c in categories
    ]
    signs = sorted({lookup_edge(data, e).sign for e in sub.edges}, reverse=True)
    legend_edges = [
        {"icon": _line_icon(SIGN_STYLES[s][0]), "label": SIGN_STYLES[s][1]} for s in signs
    ]
    if any(lookup_edge(data, e).evidence_type == "hypothesis" for e in sub.edges):
        legend_edges.append({"icon": _line_icon("#555", dashed=True), "label": "hypothesis"})
    return legend_nodes, legend_edges


def render_view(
    data: CuratedData,
    sub: Subgraph,
    *,
    title: str = "gutbone view",
    max_nodes: int = DEFAULT_MAX_NODES,
    vis_src: str | None = None,
) -> str:
    """Render ``sub`` as one HTML page.

    :param data: the curated data the ids refer to.
    :param sub: what to draw.
    :param title: page title (escaped).
    :param max_nodes: refuse views with more nodes than this.
    :param vis_src: a *relative* URL of ``vis-network.min.js`` to load instead of embedding
        it (the report shares one copy); None embeds the script.
    :returns: the HTML text.
    :raises ViewTooLargeError: ``sub`` has more than ``max_nodes`` nodes.
    :raises ValueError: ``vis_src`` is not a relative path.
    """
    if len(sub.nodes) > max_nodes:
        raise ViewTooLargeError(len(sub.nodes), max_nodes)
    if vis_src is not None and ("//" in vis_src or ":" in vis_src):
        raise ValueError(f"vis_src must be a relative path, got {vis_src!r}")
    net = build_network(data, sub)
    nodes, edges, _heading, _height, _width, _options_json = net.get_network_data()
    categories = sorted({data.nodes[n].category for n in sub.nodes})
    legend_nodes, legend_edges = _legend(data, sub, categories)
    vocabulary = load_vocabulary()
    weight_text = ", ".join(f"{t.label} {t.weight}" for t in vocabulary.evidence_types.values())
    layers = sorted({n["layer"] for n in nodes})
    template = _environment().get_template("view.html")
    page = template.render(
        title=title,
        description=sub.description,
        css=Markup(_CSS),  # noqa: S704 - a constant
        vis_src=vis_src,
        vis_js=Markup(vis_network_js()) if vis_src is None else "",  # noqa: S704 - pyvis's file
        nodes=nodes,
        edges=edges,
        options=_options(len(nodes)),
        node_count=len(nodes),
        edge_count=len(edges),
        legend_nodes=legend_nodes,
        legend_edges=legend_edges,
        weight_text=weight_text,
        paths=_path_rows(data, sub.paths),
        filters=_filters(data, edges, categories),
        layers=[f"{i + 1}. {LAYER_NAMES[i]}" for i in layers],
    )
    # autoescaped template: its own <script> blocks are the only ones, all allowed by hash
    return with_csp(page)


def _filters(
    data: CuratedData, edges: Sequence[Mapping[str, Any]], categories: Sequence[str]
) -> list[dict[str, Any]]:
    """The filter groups of the page: key of the item field, title, (value, text) choices."""
    vocabulary = load_vocabulary()
    evidence = sorted({e["evidence"] for e in edges})
    sources = sorted({s for e in edges for s in e["sources"]})
    signs = sorted({e["sign"] for e in edges}, reverse=True)
    return [
        {"key": "category", "title": "Category", "items": [(c, c) for c in categories]},
        {"key": "evidence", "title": "Evidence type", "items": [
            (e, vocabulary.evidence_types[e].label if e in vocabulary.evidence_types else e)
            for e in evidence]},
        {"key": "sources", "title": "Source", "items": [
            (s, f"{s}: {data.sources[s].title}" if s in data.sources else s) for s in sources]},
        {"key": "sign", "title": "Sign", "items": [
            (str(s), SIGN_STYLES.get(s, SIGN_STYLES[0])[1]) for s in signs]},
    ]  # fmt: skip
