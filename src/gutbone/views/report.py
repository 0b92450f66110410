"""The HTML report (``gutbone report``): a self-contained, offline set of pages.

:func:`render_report` renders the front page (summary, counts, validation status and the
sections given to it). :func:`build_report` assembles the whole report from a build
result: the front page with the headline answers, the triangulation table, the
reported-versus-recomputed table of the meta-analysis with its forest and funnel plots,
the MR and mediation summaries and the sortable evidence table, plus the interactive
views (``views/*.html``), the plots (``plots/*.svg``) and the one shared copy of
vis-network (``assets/vis-network.min.js``). It returns the files as a mapping of
relative path to content and writes nothing: the command writes them atomically.

Every text that comes from data is HTML-escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from html import escape
from typing import Any

from gutbone.curation import CuratedData, Edge
from gutbone.errors import GutboneError, InputError, Problem
from gutbone.io import SafeNames
from gutbone.query.coverage import named_taxa
from gutbone.query.projection import lookup_edge
from gutbone.synthesis import OutcomeCheck, check_outcomes
from gutbone.validate import ValidationReport
from gutbone.views.csp import with_csp
from gutbone.views.discrepancies import DISCREPANCY_TITLE, discrepancy_section, kind_text
from gutbone.views.pathway import (
    DEFAULT_MAX_NODES,
    FONT_STACK,
    PathHighlight,
    Subgraph,
    ViewTooLargeError,
    edges_subgraph,
    find_path_highlights,
    neighbourhood,
    paths_subgraph,
    render_view,
    vis_network_js,
    whole_graph,
)
from gutbone.views.summary import GraphSummary, summarize

__all__ = ["Report", "render_report", "build_report", "FILTER_SCRIPT", "SORT_SCRIPT"]

_STYLE = (
    "body{font-family:"
    + FONT_STACK
    + """;margin:2rem auto;
max-width:80rem;color:#1d2733;line-height:1.45;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dee6}
h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #d8dee6;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f1f4f8}td.num{text-align:right;
font-variant-numeric:tabular-nums}
.ok{color:#17653b;font-weight:600}.bad{color:#a3161a;font-weight:600}.na{color:#666}
nav a{margin-right:1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start}.card{border:1px solid #d8dee6;
border-radius:.4rem;padding:.6rem 1rem}
.card b{display:block;font-size:1.5rem}code{background:#f1f4f8;padding:0 .2rem}
iframe.view{width:100%;height:640px;border:1px solid #d8dee6}
img.plot{max-width:100%;height:auto;border:1px solid #eef1f5;margin:.3rem 0}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th:after{content:" \\2195";color:#999}
table.small td,table.small th{font-size:.85rem}td.quote{max-width:28rem}
details{margin:.4rem 0}.note{font-size:.85rem;color:#444;max-width:60rem}
td,th{overflow-wrap:anywhere}#evidence-table{width:100%}.en{color:#2b4a6b}
td .en{display:block;margin-top:.15rem}pre{overflow-x:auto}
.filter{margin:.4rem 0}.filter input{font:inherit;width:22rem;max-width:100%;padding:.15rem .3rem}
.filter-count{margin-left:.6rem;font-size:.85rem;color:#555}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.3}
nav,iframe.view,.filter{display:none}a{color:inherit;text-decoration:none}
h2,h3{break-after:avoid}tr,img.plot,.card{break-inside:avoid}thead{display:table-header-group}
table.sortable th:after{content:""}h2{margin-top:1.2rem}}
"""
)

#: Inline script that makes every ``table.sortable`` sortable by clicking a header
#: (numbers compare as numbers; a second click reverses the order).
SORT_SCRIPT = """
(function () {
  "use strict";
  function key(cell) {
    var text = (cell.getAttribute("data-sort") || cell.textContent).trim();
    var number = parseFloat(text);
    return isNaN(number) || !/^[-+]?[0-9.]/.test(text) ? text.toLowerCase() : number;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, column) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var up = th.getAttribute("data-order") !== "asc";
        table.querySelectorAll("thead th").forEach(function (h) {
          h.removeAttribute("data-order");
        });
        th.setAttribute("data-order", up ? "asc" : "desc");
        rows.sort(function (a, b) {
          var x = key(a.cells[column]), y = key(b.cells[column]);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""

#: Inline script that puts a filter box above every table with an id and at least five
#: rows (tables with merged cells excepted): rows not containing the typed text (case and
#: width folded, so English or Chinese) are hidden.
FILTER_SCRIPT = """
(function () {
  "use strict";
  function norm(text) { return String(text).normalize("NFKC").toLowerCase(); }
  document.querySelectorAll("table[id]").forEach(function (table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length < 5 || body.querySelector("[rowspan]")) { return; }
    var wrap = document.createElement("div");
    wrap.className = "filter";
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = "filter rows (English or 中文)";
    box.setAttribute("aria-label", "filter the rows of this table");
    box.setAttribute("data-table", table.id);
    var count = document.createElement("span");
    count.className = "filter-count";
    wrap.appendChild(box);
    wrap.appendChild(count);
    table.parentNode.insertBefore(wrap, table);
    box.addEventListener("input", function () {
      var query = norm(box.value.trim());
      var shown = 0;
      Array.prototype.forEach.call(body.rows, function (row) {
        var hit = !query || norm(row.textContent).indexOf(query) >= 0;
        row.hidden = !hit;
        shown += hit ? 1 : 0;
      });
      count.textContent = query ? shown + " of " + body.rows.length + " rows" : "";
    });
  });
})();
"""

Progress = Callable[[str], None]

#: Evidence types counted as randomized evidence.
RCT_EVIDENCE = ("rct_meta_analysis", "rct")
#: Bone mineral density: the current OBA term, and the obsolete EFO term that tables curated
#: before the switch (and other graphs) still use.
_BMD_ROOTS = ("OBA:1000110", "EFO:0003923")
_RANKL_OPG = ("HGNC:11926", "HGNC:11909")
_VIS_SRC = "../assets/vis-network.min.js"
#: Mechanistic paths listed per taxon in the triangulation table (best first).
_TRIANGULATION_TOP = 5


def _quiet(_: str) -> None:
    return None


def _table(title: str, counts: Mapping[str, int]) -> str:
    rows = "".join(
        f'<tr><td>{escape(name)}</td><td class="num">{count}</td></tr>'
        for name, count in counts.items()
    )
    return f"<table><tr><th>{escape(title)}</th><th>count</th></tr>{rows}</table>"


def _list(items: Iterable[str]) -> str:
    body = "".join(f"<li><code>{escape(item)}</code></li>" for item in items)
    return f"<ul>{body}</ul>" if body else ""


def render_report(
    summary: GraphSummary,
    validation: ValidationReport,
    problems: Sequence[Problem] = (),
    *,
    graph_files: Sequence[str] = (),
    sections: Sequence[tuple[str, str, str]] = (),
    lead_sections: Sequence[tuple[str, str, str]] = (),
    discrepancies: int = 0,
) -> str:
    """Render the report page.

    :param summary: counts of the graph.
    :param validation: the SHACL report.
    :param problems: curation problems (when the tables did not load).
    :param graph_files: relative links to the written graph files.
    :param sections: extra ``(anchor, title, html)`` sections, already escaped.
    :param lead_sections: sections placed right after the summary (before the counts).
    :param discrepancies: number of source claims that their own data do not support
        (counted under "Problems" and linked to the ``discrepancies`` section).
    :returns: the HTML text.
    """
    status_ok = validation.conforms and not problems
    status = (
        '<span class="ok">valid: tables checked, graph conforms to the SHACL shapes</span>'
        if status_ok
        else f'<span class="bad">{len(problems) + len(validation.violations)} problem(s)</span>'
    )
    nav = [("summary", "Summary")]
    nav += [(anchor, title) for anchor, title, _ in lead_sections]
    nav += [("counts", "Counts"), ("problems", "Problems")]
    nav += [(anchor, title) for anchor, title, _ in sections]
    cards = "".join(
        f'<div class="card"><b>{value}</b>{escape(label)}</div>'
        for label, value in (
            ("nodes", summary.nodes),
            ("assertions", summary.assertions),
            ("sources", summary.sources),
            ("triples", summary.triples),
            ("local gutbone: ids", summary.local_ids),
            ("source claims their data do not support", discrepancies),
        )
    )
    files = "".join(
        f'<li><a href="{escape(name, quote=True)}">{escape(name)}</a></li>' for name in graph_files
    )
    issues = [str(p) for p in problems] + [str(v) for v in validation.violations]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>gutbone report</title><style>{_STYLE}</style></head><body>",
        "<h1>gutbone: gut-bone knowledge graph report</h1>",
        "<nav>" + "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t in nav) + "</nav>",
        f'<h2 id="summary">Summary</h2><p>Status: {status}</p><div class="cards">{cards}</div>',
        f"<p>Graph files:</p><ul>{files}</ul>" if files else "",
        *(
            f'<h2 id="{escape(anchor, quote=True)}">{escape(title)}</h2>{body}'
            for anchor, title, body in lead_sections
        ),
        '<h2 id="counts">Counts</h2><div class="cards">',
        _table("category", summary.by_category),
        _table("predicate", summary.by_predicate),
        _table("evidence type", summary.by_evidence),
        _table("source", summary.by_source),
        "</div>",
        '<h2 id="problems">Problems</h2>',
        _problems_text(issues, discrepancies),
    ]
    for anchor, title, body in sections:
        parts.append(f'<h2 id="{escape(anchor, quote=True)}">{escape(title)}</h2>{body}')
    scripts = [SORT_SCRIPT] if any("sortable" in body for _, _, body in sections) else []
    if any("<table" in body for _, _, body in (*lead_sections, *sections)):
        scripts.append(FILTER_SCRIPT)
    parts.extend(f"<script>{script}</script>" for script in scripts)
    parts.append("</body></html>")
    # only the scripts written here run (CSP hashes): data cannot add one
    return with_csp("\n".join(parts) + "\n", scripts)


def _problems_text(issues: Sequence[str], discrepancies: int) -> str:
    """The "Problems" section: source discrepancies first, then table and SHACL problems."""
    parts = []
    if discrepancies:
        parts.append(
            f'<p class="bad" id="problems-discrepancies">{discrepancies} claim(s) of the '
            'sources that their own data do not support: see <a href="#discrepancies">'
            f"{escape(DISCREPANCY_TITLE)}</a>.</p>"
        )
    if issues:
        parts.append(_list(issues))
    elif discrepancies:
        parts.append("<p>No problem in the curated tables or the graph.</p>")
    return "".join(parts) or "<p>None.</p>"


# ----------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Report:
    """Every file of a report, by path relative to the report folder.

    :param files: ``index.html``, ``views/*.html``, ``plots/*.svg``, ``assets/...``.
    :param notes: things a reader should know (sections left out and why).
    """

    files: Mapping[str, str | bytes]
    notes: tuple[str, ...] = ()


@dataclass
class _Builder:
    data: CuratedData
    max_nodes: int
    progress: Progress
    files: dict[str, str | bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    projection: Any = None
    names: SafeNames = field(default_factory=SafeNames)

    def label(self, node_id: str) -> str:
        node = self.data.nodes.get(node_id)
        return node.label if node else node_id

    def node_link(self, node_id: str) -> str:
        return f"{escape(self.label(node_id))} <code>{escape(node_id)}</code>"

    def edge_link(self, edge_id: str) -> str:
        if edge_id not in self.data.edges:  # a derived is-a hop: no row in the evidence table
            edge = lookup_edge(self.data, edge_id)
            return f'<span title="{escape(edge.quote, quote=True)}">is a</span>'
        return f'<a href="#edge-{escape(edge_id, quote=True)}">{escape(edge_id)}</a>'

    def view(self, name: str, sub: Subgraph, title: str) -> str:
        """Write ``views/<name>.html`` (``name`` slugged) and return the HTML that embeds it."""
        path = f"views/{self.names.claim(name)}.html"
        link = escape(path, quote=True)
        try:
            html = render_view(self.data, sub, title=title, max_nodes=self.max_nodes,
                               vis_src=_VIS_SRC)  # fmt: skip
        except ViewTooLargeError as exc:
            self.notes.append(f"{title}: {exc}")
            return f'<p class="na">View not drawn: {escape(str(exc))}.</p>'
        self.files[path] = html
        return (
            f'<p><a href="{link}">Open the view &ldquo;{escape(title)}&rdquo;</a> '
            f"({len(sub.nodes)} nodes, {len(sub.edges)} assertions; hover for the evidence)."
            f'</p><iframe class="view" src="{link}" loading="lazy" '
            f'title="{escape(title, quote=True)}">'
            "</iframe>"
        )

    def plot(self, name: str, figure: Any, alt: str) -> str:
        from gutbone.views.mr_plots import figure_bytes

        path = f"plots/{self.names.claim(name)}.svg"  # ids are slugged: no path, no markup
        self.files[path] = figure_bytes(figure, "svg")
        src, text = escape(path, quote=True), escape(alt, quote=True)
        return f'<img class="plot" src="{src}" alt="{text}">'


#: Predicates a triangulation path may use: causal or mechanistic links only.
MECHANISTIC_PREDICATES: tuple[str, ...] = (
    "increases", "decreases", "affects", "produces", "precursor_of", "binds", "mediates",
    "participates_in", "develops_into",
)  # fmt: skip


def _num(value: Decimal | float | int | None, digits: int = 3) -> str:
    """A number for display: curated decimals as written, computed ones to ``digits``."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if len(value.normalize().as_tuple().digits) <= 4:
            return str(value)
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NA"
    return f"{value:.{digits}g}" if isinstance(value, float) else str(value)


def _effect_text(edge: Edge) -> str:
    effect = edge.effect
    if effect is None:
        return ""
    text = f"{effect.measure} {_num(effect.estimate)}"
    if effect.ci_lower is not None and effect.ci_upper is not None:
        text += f" [{_num(effect.ci_lower)}, {_num(effect.ci_upper)}]"
    if effect.p is not None:
        text += f", p = {_num(effect.p)}"
    if effect.k is not None:
        text += f", k = {effect.k}"
    if effect.i2 is not None:
        text += f", I² = {_num(effect.i2)}%"
    return text


def _sign(value: int | None) -> str:
    if value is None:
        return "none (associative)"
    return {1: "+", -1: "−"}.get(value, "0")


def _sign_cell(edge: Edge) -> str:
    """The sign of an assertion, with the source's own claim when its data do not support it."""
    text = _sign(edge.sign)
    claim = edge.reported_claim
    if claim is not None:
        text += (
            f'<br><small class="reported">source claims {escape(claim.predicate)} '
            f"({_sign(claim.sign)}); not supported by its data</small>"
        )
    return text


def _bmd_nodes(data: CuratedData) -> tuple[str, ...]:
    """Bone mineral density (OBA:1000110, or obsolete EFO:0003923) and the nodes narrower."""
    found = {root for root in _BMD_ROOTS if root in data.nodes}
    if not found:
        return ()
    changed = True
    while changed:
        changed = False
        for node in data.nodes.values():
            if node.broader in found and node.id not in found:
                found.add(node.id)
                changed = True
    return tuple(sorted(found))


def _ancestors(data: CuratedData, node_id: str) -> list[str]:
    chain: list[str] = []
    current = data.nodes[node_id].broader if node_id in data.nodes else ""
    while current and current in data.nodes and current not in chain:
        chain.append(current)
        current = data.nodes[current].broader
    return chain


# ----------------------------------------------------------------------------- path search


def _path_search(
    builder: _Builder,
    sources: Sequence[str],
    targets: Sequence[str],
    *,
    metapath: str | None = None,
    max_length: int = 4,
    top: int | None = 25,
    predicates: Sequence[str] | None = None,
) -> list[PathHighlight]:
    """Ranked paths (:mod:`gutbone.query.paths`) on the builder's projection."""
    if builder.projection is None:
        from gutbone.query.projection import build_projection

        builder.projection = build_projection(builder.data)
    return find_path_highlights(builder.data, sources, targets, metapath=metapath,
                                max_length=max_length, top=top,
                                projection=builder.projection,
                                predicates=predicates)  # fmt: skip


def _path_tables(builder: _Builder, paths: Sequence[PathHighlight]) -> str:
    """Mechanistic paths, then associative paths, each as a :func:`_path_table`."""
    mechanistic = [p for p in paths if p.kind != "associative"]
    associative = [p for p in paths if p.kind == "associative"]
    parts = [
        '<p class="paths-kind">Mechanistic paths (causal or mechanistic hops only; net sign '
        "= product of the hop signs)</p>",
        _path_table(builder, mechanistic) if mechanistic else
        '<p class="na">No mechanistic path within these limits.</p>',
    ]  # fmt: skip
    if associative:
        parts.append(
            '<p class="paths-kind">Associative paths (through an association, such as an '
            "abundance change in a disease: a correlation, not a mechanism, so no net sign)</p>"
        )
        parts.append(_path_table(builder, associative))
    return "".join(parts)


def _path_table(builder: _Builder, paths: Sequence[PathHighlight]) -> str:
    """Ranked paths grouped by route: one row per node sequence, best score first.

    Parallel assertions between the same nodes give several paths along one route; the row
    lists how many, the net signs they give, and the assertions of each.
    """
    routes: dict[tuple[str, ...], list[PathHighlight]] = {}
    for path in paths:
        routes.setdefault(tuple(path.nodes), []).append(path)
    rows = []
    for number, (nodes, group) in enumerate(routes.items(), start=1):
        hops = " → ".join(escape(builder.label(n)) for n in nodes)
        signs = sorted({p.sign for p in group}, key=lambda sign: -2 if sign is None else -sign)
        counts = {sign: sum(p.sign == sign for p in group) for sign in signs}
        sign_text = " / ".join(
            f"{_sign(sign)} ({counts[sign]})" if len(group) > 1 else _sign(sign) for sign in signs
        )
        alternatives = "<br>".join(
            f"{_sign(p.sign)}: " + ", ".join(_hop_with_source(builder, e) for e in p.edges)
            for p in group
        )
        rows.append(
            f'<tr><td class="num">{number}</td><td>{hops}</td><td>{sign_text}</td>'
            f'<td class="num">{group[0].score:.3g}</td><td class="num">{len(group)}</td>'
            f"<td><small>{alternatives}</small></td></tr>"
        )
    return (
        f'<table class="small {escape(paths[0].kind, quote=True)}"><thead><tr><th>#</th>'
        "<th>route</th><th>net sign</th><th>best score</th><th>paths</th>"
        "<th>assertions (net sign: hops)</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _hop_with_source(builder: _Builder, edge_id: str) -> str:
    """An assertion link followed by the source(s) it comes from."""
    edge = builder.data.edges.get(edge_id)
    if edge is None:  # an is-a hop derived from the node table
        return builder.edge_link(edge_id)
    return f"{builder.edge_link(edge_id)} ({escape(', '.join(edge.sources))})"


def _question_paths(
    builder: _Builder,
    name: str,
    title: str,
    sources: Sequence[str],
    targets: Sequence[str],
    *,
    metapaths: Sequence[str | None],
    max_length: int,
    top: int = 25,
) -> str:
    if not sources or not targets:
        return '<p class="na">The graph has no node for this question.</p>'
    found: list[PathHighlight] = []
    for metapath in metapaths:
        found.extend(_path_search(builder, sources, targets, metapath=metapath,
                                  max_length=max_length, top=top))  # fmt: skip
    found.sort(key=lambda p: (p.kind == "associative", -p.score, len(p.edges), p.nodes, p.edges))
    paths = [replace(p, rank=i) for i, p in enumerate(found[:top], start=1)]
    if not paths:
        return "<p>No path found.</p>"
    how = (
        "metapath " + " or ".join(m for m in metapaths if m)
        if all(metapaths)
        else f"at most {max_length} hops"
    )
    intro = (
        f"<p>{len(paths)} best path(s) ({escape(how)}): mechanistic paths first, then "
        "associative ones, each ranked by the path search score (product of the evidence "
        "weights of the hops; see docs/evidence.md) and grouped by route: parallel assertions "
        "between the same nodes give several paths along one route, possibly with different "
        "net signs.</p>"
    )
    sub = paths_subgraph(builder.data, paths, description=f"{title}: {len(paths)} ranked paths")
    return intro + _path_tables(builder, paths) + builder.view(name, sub, title)


# ----------------------------------------------------------------------------- sections


def _graph_section(builder: _Builder) -> str:
    sub = whole_graph(builder.data)
    return builder.view("graph", sub, "Whole graph")


def _questions_section(builder: _Builder) -> str:
    data = builder.data
    parts = []
    bmd = _bmd_nodes(data)
    # named taxa only: the umbrella "Gastrointestinal Microbiome" would crowd them out
    taxa = named_taxa(data)
    parts.append('<h3 id="q-taxon-metabolite-bmd">Which metabolites link gut taxa to bone '
                 "mineral density?</h3>")  # fmt: skip
    parts.append(
        _question_paths(
            builder,
            "q-taxon-metabolite-bmd",
            "Taxon → metabolite → BMD",
            taxa,
            bmd,
            metapaths=("Taxon>Metabolite>BoneOutcome", "Taxon>Metabolite>Entity>BoneOutcome"),
            max_length=3,
        )  # fmt: skip
    )
    parts.append('<h3 id="q-immune-rankl-opg">Immune routes to RANKL / OPG</h3>')
    immune = tuple(
        sorted(
            n.id for n in data.nodes.values() if "ImmuneCell" in _category_chain(n.category)
        )  # fmt: skip
    )
    targets = tuple(t for t in _RANKL_OPG if t in data.nodes)
    parts.append(
        _question_paths(
            builder,
            "q-immune-rankl-opg",
            "Immune cells → RANKL / OPG",
            immune,
            targets,
            metapaths=(None,),
            max_length=3,
        )  # fmt: skip
    )
    if targets:
        parts.append("<p>The RANKL / OPG neighbourhood (one hop):</p>")
        parts.append(
            builder.view(
                "rankl-opg-neighbourhood",
                neighbourhood(data, targets, 1),
                "RANKL / OPG neighbourhood",
            )  # fmt: skip
        )
    parts.append('<h3 id="q-probiotic-rct">What does the randomized evidence say about '
                 "probiotics?</h3>")  # fmt: skip
    parts.append(_rct_answer(builder))
    return "\n".join(parts)


def _category_chain(category: str) -> tuple[str, ...]:
    from gutbone.vocabulary import load_vocabulary

    return load_vocabulary().category_ancestors(category)


def _rct_edges(data: CuratedData) -> list[Edge]:
    return sorted(
        (e for e in data.edges.values() if e.evidence_type in RCT_EVIDENCE), key=lambda e: e.id
    )


def _rct_answer(builder: _Builder) -> str:
    edges = _rct_edges(builder.data)
    if not edges:
        return "<p>No randomized evidence in the graph.</p>"
    bmd = set(_bmd_nodes(builder.data))
    rows = []
    for edge in edges:
        marker = " (BMD)" if edge.object in bmd else ""
        rows.append(
            f"<tr><td>{builder.edge_link(edge.id)}</td><td>{builder.node_link(edge.subject)}</td>"
            f"<td>{escape(edge.predicate)}</td><td>{builder.node_link(edge.object)}"
            f"{escape(marker)}</td><td>{_sign_cell(edge)}</td><td>{escape(_effect_text(edge))}"
            f"</td><td>{escape(edge.locator)}</td></tr>"
        )
    table = (
        '<table class="small"><thead><tr><th>assertion</th><th>intervention</th><th>predicate</th>'
        "<th>outcome</th><th>sign</th><th>effect (as curated)</th><th>locator</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    text = (
        f"<p>{len(edges)} assertion(s) rest on randomized trials. The pooled numbers are "
        'recomputed from the study rows in <a href="#meta">the meta-analysis section</a>; '
        "sign 0 means the pooled interval includes no effect; where the source nevertheless "
        "claims a direction, the claim is shown under the sign (docs/evidence.md).</p>"
    )
    sub = edges_subgraph(builder.data, (e.id for e in edges),
                         description="assertions resting on randomized trials")  # fmt: skip
    return text + table + builder.view("q-probiotic-rct", sub, "Randomized evidence")


def _net_sign(data: CuratedData, edges: Sequence[str]) -> int:
    sign = 1
    for edge_id in edges:
        sign *= lookup_edge(data, edge_id).sign
    return sign


def _agreement(expected: int, observed: int) -> str:
    if expected == 0 or observed == 0:
        return '<span class="na">undetermined</span>'
    if expected == observed:
        return '<span class="ok">agrees</span>'
    return '<span class="bad">disagrees</span>'


def _rct_sign_for(builder: _Builder, taxa: Sequence[str], bmd: set[str]) -> tuple[int, str] | None:
    """Direction of randomized evidence on BMD for interventions linked to ``taxa``."""
    data = builder.data
    linked = set()
    for edge in data.edges.values():
        for a, b in ((edge.subject, edge.object), (edge.object, edge.subject)):
            if a in taxa and data.nodes[b].category == "Intervention":
                linked.add(b)
    signs = [
        e for e in data.edges.values()
        if e.subject in linked and e.object in bmd and e.evidence_type in RCT_EVIDENCE
    ]  # fmt: skip
    if not signs:
        return None
    nonzero = {e.sign for e in signs if e.sign}
    sign = nonzero.pop() if len(nonzero) == 1 else 0
    return sign, ", ".join(e.id for e in signs)


def _triangulation_section(builder: _Builder) -> str:
    data = builder.data
    bmd = set(_bmd_nodes(data))
    mr_edges = sorted(
        (
            e for e in data.edges.values()
            if e.effect is not None and e.effect.measure == "MR_beta"
            and e.evidence_type == "mendelian_randomization" and e.object in bmd
            and "Taxon" in _category_chain(data.nodes[e.subject].category)
        ),
        key=lambda e: e.id,
    )  # fmt: skip
    intro = (
        "<p>For each taxon with a Mendelian-randomization estimate on bone mineral density: "
        "its mechanistic paths to BMD (path search from the taxon and, where it has none, from "
        "its broader taxa; at most 4 hops, the 5 best by evidence score; the MR assertion itself "
        "excluded; only causal or mechanistic predicates, "
        f"{', '.join(MECHANISTIC_PREDICATES)}: statistical associations such as abundance "
        "changes in osteoporosis are not mechanisms), the net sign of "
        "each path (product of the hop signs; 0 when a hop is an association of unknown "
        "direction), and whether it agrees in direction with the MR estimate and with "
        "randomized evidence on interventions linked to the taxon.</p>"
    )
    if not mr_edges:
        return intro + "<p>No MR estimate of a taxon on BMD in the graph.</p>"
    rows = []
    for edge in mr_edges:
        assert edge.effect is not None and edge.effect.estimate is not None
        beta = edge.effect.estimate
        mr_sign = (beta > 0) - (beta < 0)
        origins = [edge.subject, *_ancestors(data, edge.subject)]
        rct = _rct_sign_for(builder, origins, bmd)
        found: list[tuple[str, PathHighlight]] = []
        for origin in origins:
            paths = _path_search(builder, [origin], sorted(bmd), max_length=4,
                                 top=_TRIANGULATION_TOP + 1,
                                 predicates=MECHANISTIC_PREDICATES)  # fmt: skip
            paths = [p for p in paths if edge.id not in p.edges and len(p.edges) >= 1
                     and not (len(p.edges) == 1 and lookup_edge(data, p.edges[0]).evidence_type
                              == "mendelian_randomization")][:_TRIANGULATION_TOP]  # fmt: skip
            found.extend((origin, p) for p in paths)
            if found:
                break
        count = max(len(found), 1)
        head = (
            f'<td rowspan="{count}">{builder.node_link(edge.subject)}</td>'
            f'<td rowspan="{count}">{builder.edge_link(edge.id)}: '
            f"β = {escape(str(beta))} ({_sign(mr_sign)})</td>"
        )
        rct_text = (
            f"{_sign(rct[0])} ({escape(rct[1])})" if rct else
            '<span class="na">no RCT on an intervention linked to this taxon</span>'
        )  # fmt: skip
        if not found:
            rows.append(
                f'<tr>{head}<td colspan="4" class="na">no mechanistic path in the graph</td>'
                f"<td>{rct_text}</td></tr>"
            )
            continue
        for number, (origin, path) in enumerate(found):
            sign = _net_sign(data, path.edges)
            via = (
                "" if origin == edge.subject
                else f" (via broader taxon {escape(builder.label(origin))})"
            )  # fmt: skip
            hops = " → ".join(escape(builder.label(n)) for n in path.nodes)
            links = ", ".join(builder.edge_link(e) for e in path.edges)
            rct_cell = _agreement(rct[0], sign) if rct else rct_text
            rows.append(
                f"<tr>{head if number == 0 else ''}<td>{hops}{via}<br><small>{links}</small></td>"
                f"<td>{_sign(sign)}</td><td>{_agreement(mr_sign, sign)}</td>"
                f"<td>{len(path.edges)}</td><td>{rct_cell}</td></tr>"
            )
    table = (
        '<table class="small" id="triangulation-table"><thead><tr><th>taxon</th><th>MR estimate '
        "on BMD</th><th>mechanistic path</th><th>net sign</th><th>agrees with MR?</th>"
        "<th>hops</th><th>agrees with RCT evidence?</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return intro + table + _rct_reference(builder, bmd)


def _rct_reference(builder: _Builder, bmd: set[str]) -> str:
    edges = [e for e in _rct_edges(builder.data) if e.object in bmd]
    if not edges:
        return ""
    items = "".join(
        f"<li>{builder.edge_link(e.id)}: {escape(builder.label(e.subject))} → "
        f"{escape(builder.label(e.object))}: sign {_sign(e.sign)}; {escape(_effect_text(e))}</li>"
        for e in edges
    )
    return (
        '<p class="note">Randomized evidence on BMD in the graph, for reference:</p>'
        f'<ul class="note">{items}</ul>'
    )


def _meta_section(builder: _Builder) -> str:
    from gutbone.views.meta_plots import forest_plot, funnel_plot

    if not builder.data.outcomes:
        return "<p>The graph has no pooled outcome to recompute.</p>"
    try:
        checks = check_outcomes(builder.data)
    except InputError as exc:
        return '<p class="bad">The study tables have problems:</p>' + _list(
            str(p) for p in exc.problems
        )
    rows, plots = [], []
    for check in checks:
        rep = check.reported
        rec = check.recomputed
        if rep.get("estimate") is None:
            printed = "not printed"
        else:
            printed = (
                f"{_num(rep.get('estimate'))} [{_num(rep.get('ci_lower'))}, "
                f"{_num(rep.get('ci_upper'))}]"
            )
            if rep.get("i2") is not None:
                printed += f", I² {_num(rep.get('i2'))}%"
        recomputed = (
            f"{rec['estimate']:.3f} [{rec['ci_lower']:.3f}, {rec['ci_upper']:.3f}], "
            f"I² {max(rec['i2'], 0.0):.1f}%, p = {rec['p']:.3g}"
        )
        if check.agrees is None:
            verdict = '<span class="na">nothing printed to compare</span>'
        elif check.agrees:
            verdict = '<span class="ok">agrees</span>'
        else:
            verdict = '<span class="bad">differs</span>: ' + escape("; ".join(check.differences))
        anchor = f"outcome-{check.outcome_id}"
        rows.append(
            f'<tr><td><a href="#{escape(anchor, quote=True)}">{escape(check.outcome_id)}</a></td>'
            f"<td>{builder.edge_link(check.edge_id)}</td><td>{escape(check.measure)}</td>"
            f'<td>{escape(check.model)}</td><td class="num">{check.result.k}</td>'
            f"<td>{escape(printed)}</td><td>{escape(recomputed)}</td><td>{verdict}</td></tr>"
        )
        rows.extend(_claim_rows(builder, check.outcome_id))
        builder.progress(f"plotting outcome {check.outcome_id}")
        label = check.outcome_id
        title = f"{label} ({check.measure}, {check.model})"
        forest = builder.plot(
            f"forest-{label}",
            forest_plot(check.result, title=title, study_labels=_study_labels(builder, check)),
            f"forest plot of {label}",
        )
        try:
            figure = funnel_plot(check.result, title=f"{label}: funnel")
            funnel = builder.plot(f"funnel-{label}", figure, f"funnel plot of {label}")
        except (ValueError, GutboneError) as exc:  # pragma: no cover - defensive
            funnel = f'<p class="na">No funnel plot: {escape(str(exc))}</p>'
        plots.append(
            f'<h3 id="{escape(anchor, quote=True)}">{escape(label)}</h3>'
            f'<p class="note">{escape(check.note)}</p>{forest}{funnel}'
        )
    table = (
        '<table class="small" id="meta-table"><thead><tr><th>outcome</th><th>assertion</th>'
        "<th>measure</th><th>model</th><th>k</th><th>reported</th><th>recomputed</th>"
        f"<th>comparison</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    intro = (
        "<p>Every pooled outcome of the meta-analysis, recomputed from its study rows with the "
        "model the source names, next to the numbers the source prints. A difference beyond "
        "rounding is shown, not hidden; the curation note below each plot explains it.</p>"
    )
    return intro + table + "".join(plots)


def _claim_rows(builder: _Builder, outcome_id: str) -> list[str]:
    """Reported-vs-recomputed rows of the claims about an outcome that its data contradict.

    E.g. the abstract's hip headline: its own row, marked as a discrepancy.
    """
    rows = []
    for item in sorted(builder.data.discrepancies.values(), key=lambda d: d.id):
        if item.outcome != outcome_id:
            continue
        edge = builder.edge_link(item.edge) if item.edge else ""
        rows.append(
            f'<tr class="discrepancy"><td><a href="#{escape(item.id, quote=True)}">claim: '
            f"{escape(item.locator)}</a></td><td>{edge}"
            f'</td><td colspan="3"><small>{escape(item.claim_en)}</small></td>'
            f"<td>{escape(item.printed)}</td><td>{escape(item.recomputed)}</td>"
            f'<td><span class="bad">discrepancy</span>: {escape(kind_text(item.kind))}</td></tr>'
        )
    return rows


def _study_labels(builder: _Builder, check: OutcomeCheck) -> list[str] | None:
    """Forest-plot labels: the Chinese study name with its pinyin form (``study_en``) below."""
    from gutbone.stats.study_table import read_study_table

    outcome = builder.data.outcomes.get(check.outcome_id)
    if outcome is None:
        return None
    table = read_study_table(outcome.study_file)
    if table.studies_en is None or tuple(table.studies) != tuple(check.result.studies):
        return None
    return [
        zh if en == zh else f"{zh}\n{en}"
        for zh, en in zip(table.studies, table.studies_en, strict=True)
    ]


def _moderator_section(builder: _Builder) -> str:
    """Meta-regression of each pooled outcome on its curated moderator columns."""
    from gutbone.stats.analysis import MIN_STUDIES_REGRESSION, moderator_checks
    from gutbone.views.meta_plots import bubble_plot

    parts = []
    for outcome in builder.data.outcomes.values():
        checks = moderator_checks(str(outcome.study_file), model=outcome.model)
        if not any(c.moderator != "subgroup" for c in checks):
            continue  # no study characteristics curated for this outcome
        rows = []
        for check in checks:
            fit = check.result
            plot = ""
            if fit is None:
                verdict = f"not estimable: {check.reason}"
            else:
                r2 = "NA" if math.isnan(fit.r2) else f"{fit.r2:.0f}%"
                verdict = f"QM = {fit.qm:.2f} (df {fit.qm_df}), p = {fit.qm_p:.3g}; R² = {r2}"
                builder.progress(f"plotting meta-regression {outcome.id} ~ {check.moderator}")
                name = re.sub(r"[^A-Za-z0-9_-]", "_", f"bubble-{outcome.id}-{check.moderator}")
                plot = builder.plot(name, bubble_plot(fit), f"bubble plot of {name}")
            if check.too_few:
                what = "study" if check.k == 1 else "studies"
                verdict += (
                    f" — only {check.k} {what} with a value (fewer than "
                    f"{MIN_STUDIES_REGRESSION}): too few to conclude anything"
                )
            rows.append(
                f'<tr><td>{escape(check.moderator)}</td><td class="num">{check.k}</td>'
                f"<td>{escape(verdict)}{plot}</td></tr>"
            )
        parts.append(
            f"<h3>{escape(outcome.id)} ({escape(outcome.model)})</h3>"
            '<table class="small"><thead><tr><th>moderator</th><th>k</th><th>meta-regression'
            f"</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )
    if not parts:
        return "<p>No study characteristics are curated as moderator columns.</p>"
    intro = (
        "<p>Does the effect depend on study characteristics? One meta-regression per "
        "moderator column of the study table (the curated characteristics of the trials), "
        "with the outcome's own tau² estimator. A characteristic that takes one value, or is "
        "known for too few rows, cannot be estimated; fewer than "
        f"{MIN_STUDIES_REGRESSION} studies cannot support a conclusion.</p>"
    )
    return intro + "".join(parts)


def _mr_section(builder: _Builder) -> str:
    from gutbone.views.mr_plots import estimate_forest, mediation_diagram

    data = builder.data
    mr = sorted(
        (e for e in data.edges.values() if e.effect is not None and e.effect.measure == "MR_beta"),
        key=lambda e: e.id,
    )
    parts = []
    if mr:
        rows = "".join(
            f"<tr><td>{builder.edge_link(e.id)}</td><td>{builder.node_link(e.subject)}</td>"
            f'<td>{builder.node_link(e.object)}</td><td class="num">{_num(e.effect.estimate)}'
            f"</td><td>{_num(e.effect.ci_lower)} {_num(e.effect.ci_upper)}</td>"
            f'<td class="num">{_num(e.effect.p)}</td><td>{escape(e.locator)}</td></tr>'
            for e in mr
            if e.effect is not None
        )
        parts.append(
            '<table class="small" id="mr-table"><thead><tr><th>assertion</th><th>exposure</th>'
            "<th>outcome</th><th>β</th><th>95% CI</th><th>p</th><th>locator</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        with_estimate = [e for e in mr if e.effect is not None and e.effect.estimate is not None]
        if with_estimate:
            fig = estimate_forest(
                [builder.label(e.subject) for e in with_estimate],
                [float(e.effect.estimate) for e in with_estimate],  # type: ignore[union-attr,arg-type]
                [_float(e.effect.ci_lower) for e in with_estimate],  # type: ignore[union-attr]
                [_float(e.effect.ci_upper) for e in with_estimate],  # type: ignore[union-attr]
                xlabel="MR β (outcome units per unit of exposure)",
                title="Reported MR estimates",
            )
            parts.append(builder.plot("mr-estimates", fig, "reported MR estimates"))
    else:
        parts.append("<p>No MR estimate in the graph.</p>")
    parts.append(_variant_level_mr(builder))
    mediation = sorted(
        (e for e in data.edges.values()
         if e.effect is not None and e.effect.measure == "proportion_mediated"),
        key=lambda e: e.id,
    )  # fmt: skip
    parts.append('<h3 id="mediation">Mediation</h3>')
    if not mediation:
        parts.append("<p>No mediation estimate in the graph.</p>")
    for edge in mediation:
        assert edge.effect is not None
        exposures = sorted(
            e.subject for e in data.edges.values()
            if e.object == edge.subject and e.evidence_type == "mendelian_randomization"
            and "Taxon" in _category_chain(data.nodes[e.subject].category)
        )  # fmt: skip
        exposure = ", ".join(builder.label(x) for x in exposures) or "exposure"
        scale = 100.0 if edge.effect.estimate is not None and abs(edge.effect.estimate) > 1 else 1.0
        ci = (
            (float(edge.effect.ci_lower) / scale, float(edge.effect.ci_upper) / scale)
            if edge.effect.ci_lower is not None and edge.effect.ci_upper is not None
            else None
        )
        fig = mediation_diagram(
            exposure=exposure,
            mediator=builder.label(edge.subject),
            outcome=builder.label(edge.object),
            proportion=_float(edge.effect.estimate, scale),
            proportion_ci=ci,
            proportion_p=_float(edge.effect.p),
            title=f"Mediation as reported ({edge.id})",
        )
        parts.append(
            f"<p>{builder.edge_link(edge.id)}: {escape(exposure)} → "
            f"{escape(builder.label(edge.subject))} → {escape(builder.label(edge.object))}, "
            f"{escape(_effect_text(edge))} ({escape(edge.locator)}). The source reports only "
            "the proportion mediated; a and b are not given.</p>"
        )
        parts.append(builder.plot(f"mediation-{edge.id}", fig, f"mediation diagram {edge.id}"))
    return "\n".join(parts)


def _float(value: Decimal | None, scale: float = 1.0) -> float | None:
    return None if value is None else float(value) / scale


def _variant_level_mr(builder: _Builder) -> str:
    """MR scatter and method forest for variant tables in ``<data>/mr/*.csv`` (if any)."""
    folder = builder.data.root / "mr"
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return (
            '<p class="note">No variant-level MR table in the data folder (<code>mr/*.csv</code>):'
            " the estimates above are as reported; <code>gutbone mr FILE.csv</code> recomputes "
            "them from variant data.</p>"
        )
    from gutbone.stats.mr import mr_all
    from gutbone.stats.variant_table import read_variant_table
    from gutbone.views.mr_plots import mr_forest, mr_scatter

    parts = []
    for path in files:
        builder.progress(f"MR on {path.name}")
        try:
            table = read_variant_table(path)
            result = mr_all(table.beta_exposure, table.se_exposure, table.beta_outcome,
                            table.se_outcome, source=path.name)  # fmt: skip
        except InputError as exc:
            parts.append(
                f'<p class="bad">{escape(path.name)}:</p>' + _list(str(p) for p in exc.problems)
            )
            continue
        stem = path.stem
        parts.append(f"<h3>{escape(path.name)}</h3>")
        parts.append(builder.plot(f"mr-scatter-{stem}", mr_scatter(
            table.beta_exposure, table.se_exposure, table.beta_outcome, table.se_outcome, result,
            title=path.name), f"MR scatter {path.name}"))  # fmt: skip
        parts.append(builder.plot(f"mr-forest-{stem}", mr_forest(result, title=path.name),
                                  f"MR methods {path.name}"))  # fmt: skip
    return "".join(parts)


def _bilingual(text: str, english: str) -> str:
    """``text`` escaped, with its English rendering below it when that differs.

    >>> _bilingual("研究結論", "Research conclusions")
    '研究結論<span class="en" lang="en">Research conclusions</span>'
    >>> _bilingual("sec. 2", "")
    'sec. 2'
    """
    if not english or english == text:
        return escape(text)
    return f'{escape(text)}<span class="en" lang="en">{escape(english)}</span>'


def _evidence_section(builder: _Builder) -> str:
    from gutbone.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    rows = []
    for edge in sorted(builder.data.edges.values(), key=lambda e: e.id):
        evidence = vocabulary.evidence_types.get(edge.evidence_type)
        rank = evidence.rank if evidence else -1
        rows.append(
            f'<tr id="edge-{escape(edge.id, quote=True)}"><td>{escape(edge.id)}</td>'
            f"<td>{escape(builder.label(edge.subject))}</td><td>{escape(edge.predicate)}</td>"
            f'<td>{escape(builder.label(edge.object))}</td><td data-sort="{edge.sign}">'
            f'{_sign_cell(edge)}</td><td data-sort="{rank}">{escape(edge.evidence_type)}</td>'
            f"<td>{escape(_effect_text(edge))}</td><td>{escape(', '.join(edge.sources))}</td>"
            f"<td>{_bilingual(edge.locator, edge.locator_en)}</td>"
            f'<td class="quote">{_bilingual(edge.quote, edge.quote_en)}</td></tr>'
        )
    return (
        f"<p>All {len(rows)} assertions. Click a column header to sort; type in the box to "
        "filter. Chinese quotes and locators have the curator's English rendering below.</p>"
        '<table class="sortable small" id="evidence-table"><thead><tr><th>id</th><th>subject</th>'
        "<th>predicate</th><th>object</th><th>sign</th><th>evidence</th><th>effect</th>"
        "<th>source</th><th>locator</th><th>quote</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def build_report(
    data: CuratedData,
    validation: ValidationReport,
    *,
    triples: int = 0,
    graph_files: Sequence[str] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    progress: Progress = _quiet,
) -> Report:
    """Assemble every file of the report (nothing is written).

    :param data: the curated data.
    :param validation: its SHACL report.
    :param triples: number of triples of the built graph (for the summary).
    :param graph_files: relative paths of graph files written next to the report.
    :param max_nodes: views larger than this are left out (with a note).
    :param progress: called with a short message before each step.
    :returns: the files, ``index.html`` first.
    """
    builder = _Builder(data=data, max_nodes=max_nodes, progress=progress)
    builder.files["assets/vis-network.min.js"] = vis_network_js()
    steps: list[tuple[str, str, Callable[[_Builder], str]]] = [
        ("graph", "Whole graph", _graph_section),
        ("questions", "Headline questions", _questions_section),
        ("triangulation", "Triangulation: MR, mechanisms and trials", _triangulation_section),
        ("meta", "Meta-analysis: reported vs recomputed", _meta_section),
        ("moderators", "Meta-regression on study characteristics", _moderator_section),
        ("mr", "Mendelian randomization and mediation", _mr_section),
        ("evidence", "Evidence table", _evidence_section),
    ]
    sections = []
    for anchor, title, make in steps:
        progress(f"report: {title.lower()}")
        sections.append((anchor, title, make(builder)))
    if builder.notes:
        sections.append(("notes", "Notes", _list(builder.notes)))
    lead = [("discrepancies", DISCREPANCY_TITLE, discrepancy_section(data, builder.edge_link))]
    html = render_report(
        summarize(data, triples), validation, graph_files=graph_files, sections=sections,
        lead_sections=lead, discrepancies=len(data.discrepancies),
    )  # fmt: skip
    files = {"index.html": html, **builder.files}
    return Report(files=files, notes=tuple(builder.notes))
