"""The HTML report (``gutbone report``): a self-contained, offline set of pages.

:func:`build_report` takes the answers of :mod:`gutbone.views.answers` (every analysis the
report shows: path searches, recomputed outcomes, meta-regressions, MR) and renders them with
the Jinja templates ``assets/report.html`` (the page, :func:`render_report`) and
``assets/report_sections.html`` (one macro per section): the front page with the headline
answers, the triangulation table, the reported-versus-recomputed table of the meta-analysis
with its forest and funnel plots, the MR and mediation summaries and the sortable evidence
table, plus the interactive views (``views/*.html``), the plots (``plots/*.svg``) and the one
shared copy of vis-network (``assets/vis-network.min.js``). It returns the files as a mapping
of relative path to content and writes nothing: the command writes them atomically.

Every text that comes from data is HTML-escaped: the templates autoescape, and every value
they print goes through :func:`html.escape` (quotes included) unless it is markup the
templates built themselves.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from gutbone.curation import CuratedData, Discrepancy, Edge
from gutbone.errors import GutboneError, Problem
from gutbone.io import SafeNames
from gutbone.query.projection import lookup_edge
from gutbone.stats.analysis import MIN_STUDIES_REGRESSION, ModeratorCheck
from gutbone.synthesis import OutcomeCheck
from gutbone.validate import ValidationReport
from gutbone.views.answers import (
    MECHANISTIC_PREDICATES,
    REPORT_PERMUTATIONS,
    REPORT_SEED,
    ModeratorAnswer,
    ReportAnswers,
    answer_questions,
)
from gutbone.views.csp import with_csp
from gutbone.views.discrepancies import DISCREPANCY_TITLE, discrepancy_section, kind_text
from gutbone.views.pathway import (
    DEFAULT_MAX_NODES,
    FONT_STACK,
    PathHighlight,
    Subgraph,
    ViewTooLargeError,
    edges_subgraph,
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
_VIS_SRC = "../assets/vis-network.min.js"
_ASSETS = Path(__file__).parent / "assets"


def _quiet(_: str) -> None:
    return None


def _escaped(value: Any) -> Any:
    """Every printed text through :func:`html.escape` (quotes too); markup passes as is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(escape(value))  # noqa: S704 - escaped here
    return value


def _num(value: Decimal | float | int | None, digits: int = 3) -> str:
    """A number for display: curated decimals as written, computed ones to ``digits``.

    >>> _num(Decimal("0.030")), _num(0.123456), _num(None), _num(float("nan"))
    ('0.030', '0.123', '', 'NA')
    """
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


def _printed(check: OutcomeCheck) -> str:
    """What the source prints for a pooled outcome."""
    rep = check.reported
    if rep.get("estimate") is None:
        return "not printed"
    text = f"{_num(rep.get('estimate'))} [{_num(rep.get('ci_lower'))}, {_num(rep.get('ci_upper'))}]"
    if rep.get("i2") is not None:
        text += f", I² {_num(rep.get('i2'))}%"
    return text


def _recomputed(check: OutcomeCheck) -> str:
    rec = check.recomputed
    return (
        f"{rec['estimate']:.3f} [{rec['ci_lower']:.3f}, {rec['ci_upper']:.3f}], "
        f"I² {max(rec['i2'], 0.0):.1f}%, p = {rec['p']:.3g}"
    )


@dataclass(frozen=True)
class _Route:
    hops: str
    signs: str
    score: str
    paths: tuple[PathHighlight, ...]


def _routes(page: _Page, paths: Sequence[PathHighlight]) -> list[_Route]:
    """Ranked paths grouped by route (node sequence), best score first.

    Parallel assertions between the same nodes give several paths along one route; the row
    lists how many, the net signs they give, and the assertions of each.
    """
    routes: dict[tuple[str, ...], list[PathHighlight]] = {}
    for path in paths:
        routes.setdefault(tuple(path.nodes), []).append(path)
    found = []
    for nodes, group in routes.items():
        signs = sorted({p.sign for p in group}, key=lambda sign: -2 if sign is None else -sign)
        counts = {sign: sum(p.sign == sign for p in group) for sign in signs}
        sign_text = " / ".join(
            f"{_sign(sign)} ({counts[sign]})" if len(group) > 1 else _sign(sign) for sign in signs
        )
        found.append(_Route(page.route(nodes), sign_text, f"{group[0].score:.3g}", tuple(group)))
    return found


@cache
def _environment() -> Environment:
    # every printed value escaped (_escaped), block tags take no line of their own
    env = Environment(loader=FileSystemLoader(str(_ASSETS)), autoescape=True, finalize=_escaped,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)  # fmt: skip
    env.globals.update(
        sign=_sign, num=_num, effect_text=_effect_text, printed=_printed, recomputed=_recomputed,
        routes=_routes, kind_text=kind_text, joined=lambda items, sep: sep.join(items),
    )  # fmt: skip
    return env


def _macros() -> Any:
    """The section macros of ``assets/report_sections.html``."""
    return _environment().get_template("report_sections.html").module


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
    issues = [str(p) for p in problems] + [str(v) for v in validation.violations]
    scripts = [SORT_SCRIPT] if any("sortable" in body for _, _, body in sections) else []
    if any("<table" in body for _, _, body in (*lead_sections, *sections)):
        scripts.append(FILTER_SCRIPT)
    nav = [("summary", "Summary")]
    nav += [(anchor, title) for anchor, title, _ in lead_sections]
    nav += [("counts", "Counts"), ("problems", "Problems")]
    nav += [(anchor, title) for anchor, title, _ in sections]
    cards = (
        ("nodes", summary.nodes),
        ("assertions", summary.assertions),
        ("sources", summary.sources),
        ("triples", summary.triples),
        ("local gutbone: ids", summary.local_ids),
        ("source claims their data do not support", discrepancies),
    )
    counts = (
        ("category", summary.by_category),
        ("predicate", summary.by_predicate),
        ("evidence type", summary.by_evidence),
        ("source", summary.by_source),
    )
    style = Markup(_STYLE)  # noqa: S704 - a constant
    html = _environment().get_template("report.html").render(
        style=style, nav=nav, status_ok=validation.conforms and not problems,
        issues=issues, cards=cards, graph_files=graph_files, count_tables=counts,
        discrepancies=discrepancies, discrepancy_title=DISCREPANCY_TITLE,
        lead_sections=[(a, t, Markup(body)) for a, t, body in lead_sections],  # noqa: S704
        sections=[(a, t, Markup(body)) for a, t, body in sections],  # noqa: S704 - built here
        scripts=[Markup(script) for script in scripts],  # noqa: S704 - constants
    )  # fmt: skip
    # only the scripts written here run (CSP hashes): data cannot add one
    return with_csp(html, scripts)


@dataclass(frozen=True)
class Report:
    """Every file of a report, by path relative to the report folder.

    :param files: ``index.html``, ``views/*.html``, ``plots/*.svg``, ``assets/...``.
    :param notes: things a reader should know (sections left out and why).
    """

    files: Mapping[str, str | bytes]
    notes: tuple[str, ...] = ()


@dataclass
class _Page:
    """The report being rendered: the files it writes and the links the templates call."""

    data: CuratedData
    max_nodes: int
    progress: Progress
    files: dict[str, str | bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    names: SafeNames = field(default_factory=SafeNames)

    def label(self, node_id: str) -> str:
        """A node's label (its id when it is not in the graph)."""
        node = self.data.nodes.get(node_id)
        return node.label if node else node_id

    def route(self, nodes: Sequence[str]) -> str:
        """The labels of a path's nodes, joined by arrows."""
        return " → ".join(self.label(n) for n in nodes)

    def node_link(self, node_id: str) -> Markup:
        """A node's label with its id."""
        return Markup(_macros().node_link(self.label(node_id), node_id))  # noqa: S704

    def edge_link(self, edge_id: str) -> Markup:
        """A link to an assertion's row of the evidence table (a derived is-a hop: no row)."""
        quote = None if edge_id in self.data.edges else lookup_edge(self.data, edge_id).quote
        return Markup(_macros().edge_link(edge_id, quote))  # noqa: S704 - template output

    def hop(self, edge_id: str) -> Markup:
        """An assertion link followed by the source(s) it comes from."""
        edge = self.data.edges.get(edge_id)
        if edge is None:  # an is-a hop derived from the node table
            return self.edge_link(edge_id)
        return self.edge_link(edge_id) + f" ({', '.join(edge.sources)})"

    def claims(self, outcome_id: str) -> list[Discrepancy]:
        """The claims about an outcome that its data contradict (e.g. an abstract's headline)."""
        items = sorted(self.data.discrepancies.values(), key=lambda d: d.id)
        return [item for item in items if item.outcome == outcome_id]

    def rank(self, edge: Edge) -> int:
        """The evidence rank of an assertion (sort key of the evidence column)."""
        from gutbone.vocabulary import load_vocabulary

        evidence = load_vocabulary().evidence_types.get(edge.evidence_type)
        return evidence.rank if evidence else -1

    def view(self, name: str, sub: Subgraph, title: str) -> Markup:
        """Write ``views/<name>.html`` (``name`` slugged) and return the HTML that embeds it."""
        path = f"views/{self.names.claim(name)}.html"
        try:
            html = render_view(self.data, sub, title=title, max_nodes=self.max_nodes,
                               vis_src=_VIS_SRC)  # fmt: skip
        except ViewTooLargeError as exc:
            self.notes.append(f"{title}: {exc}")
            return Markup(_macros().view_missing(str(exc)))  # noqa: S704 - template output
        self.files[path] = html
        embed = _macros().view_embed(path, title, len(sub.nodes), len(sub.edges))
        return Markup(embed)  # noqa: S704 - template output

    def plot(self, name: str, figure: Any, alt: str) -> Markup:
        """Write ``plots/<name>.svg`` (``name`` slugged) and return the image tag."""
        from gutbone.views.mr_plots import figure_bytes

        path = f"plots/{self.names.claim(name)}.svg"  # ids are slugged: no path, no markup
        self.files[path] = figure_bytes(figure, "svg")
        return Markup(_macros().plot_img(path, alt))  # noqa: S704 - template output


# ----------------------------------------------------------------------------- sections


def _graph_section(page: _Page, _answers: ReportAnswers) -> str:
    return page.view("graph", whole_graph(page.data), "Whole graph")


def _questions_section(page: _Page, answers: ReportAnswers) -> str:
    data = page.data
    views: dict[str, Markup] = {}
    for answer in answers.questions:
        if answer.paths:
            description = f"{answer.title}: {len(answer.paths)} ranked paths"
            sub = paths_subgraph(data, answer.paths, description=description)
            views[answer.name] = page.view(answer.name, sub, answer.title)
        else:
            views[answer.name] = Markup()
    if answers.rankl_opg:
        sub = neighbourhood(data, answers.rankl_opg, 1)
        views["rankl-opg-neighbourhood"] = page.view(
            "rankl-opg-neighbourhood", sub, "RANKL / OPG neighbourhood"
        )
    views["q-probiotic-rct"] = Markup()
    if answers.rct_edges:
        sub = edges_subgraph(data, (e.id for e in answers.rct_edges),
                             description="assertions resting on randomized trials")  # fmt: skip
        views["q-probiotic-rct"] = page.view("q-probiotic-rct", sub, "Randomized evidence")
    return str(_macros().questions(page, answers, views))


def _triangulation_section(page: _Page, answers: ReportAnswers) -> str:
    reference = [e for e in answers.rct_edges if e.object in answers.bmd]
    predicates = ", ".join(MECHANISTIC_PREDICATES)
    return str(_macros().triangulation(page, answers.triangulation, predicates, reference))


def _outcome_plots(page: _Page, check: OutcomeCheck) -> Markup:
    """The forest and funnel plots of one pooled outcome."""
    from gutbone.views.meta_plots import forest_plot, funnel_plot

    page.progress(f"plotting outcome {check.outcome_id}")
    label = check.outcome_id
    title = f"{label} ({check.measure}, {check.model})"
    labels = _study_labels(page, check)
    figure = forest_plot(check.result, title=title, study_labels=labels)
    forest = page.plot(f"forest-{label}", figure, f"forest plot of {label}")
    try:
        figure = funnel_plot(check.result, title=f"{label}: funnel")
        funnel = page.plot(f"funnel-{label}", figure, f"funnel plot of {label}")
    except (ValueError, GutboneError) as exc:  # pragma: no cover - defensive
        funnel = Markup('<p class="na">No funnel plot: ') + str(exc) + Markup("</p>")
    return forest + funnel


def _meta_section(page: _Page, answers: ReportAnswers) -> str:
    checks = answers.outcome_checks
    plots = {check.outcome_id: _outcome_plots(page, check) for check in checks}
    problems = [str(p) for p in answers.outcome_problems]
    return str(_macros().meta(page, checks, problems, plots))


def _study_labels(page: _Page, check: OutcomeCheck) -> list[str] | None:
    """Forest-plot labels: the Chinese study name with its pinyin form (``study_en``) below."""
    from gutbone.stats.study_table import read_study_table

    outcome = page.data.outcomes.get(check.outcome_id)
    if outcome is None:
        return None
    table = read_study_table(outcome.study_file)
    if table.studies_en is None or tuple(table.studies) != tuple(check.result.studies):
        return None
    return [
        zh if en == zh else f"{zh}\n{en}"
        for zh, en in zip(table.studies, table.studies_en, strict=True)
    ]


@dataclass(frozen=True)
class _ModeratorRow:
    moderator: str
    k: int
    verdict: str
    plot: Markup


def _moderator_row(page: _Page, outcome_id: str, check: ModeratorCheck) -> _ModeratorRow:
    from gutbone.views.meta_plots import bubble_plot

    fit = check.result
    plot = Markup()
    if fit is None:
        verdict = f"not estimable: {check.reason}"
    else:
        r2 = "NA" if math.isnan(fit.r2) else f"{fit.r2:.0f}%"
        verdict = f"QM = {fit.qm:.2f} (df {fit.qm_df}), p = {fit.qm_p:.3g}; R² = {r2}"
        page.progress(f"plotting meta-regression {outcome_id} ~ {check.moderator}")
        name = re.sub(r"[^A-Za-z0-9_-]", "_", f"bubble-{outcome_id}-{check.moderator}")
        plot = page.plot(name, bubble_plot(fit), f"bubble plot of {name}")
    if check.too_few:
        what = "study" if check.k == 1 else "studies"
        verdict += (
            f" — only {check.k} {what} with a value (fewer than "
            f"{MIN_STUDIES_REGRESSION}): too few to conclude anything"
        )
    return _ModeratorRow(check.moderator, check.k, verdict, plot)


def _moderator_section(page: _Page, answers: ReportAnswers) -> str:
    """Meta-regression of each pooled outcome on its curated moderator columns."""
    parts: list[tuple[Any, list[_ModeratorRow]]] = []
    for item in answers.moderators:
        assert isinstance(item, ModeratorAnswer)
        rows = [_moderator_row(page, item.outcome.id, check) for check in item.checks]
        parts.append((item.outcome, rows))
    return str(_macros().moderators(parts, MIN_STUDIES_REGRESSION))


def _float(value: Decimal | None, scale: float = 1.0) -> float | None:
    return None if value is None else float(value) / scale


def _mr_estimates_plot(page: _Page, edges: Sequence[Edge]) -> Markup:
    from gutbone.views.mr_plots import estimate_forest

    effects = [(e, e.effect) for e in edges if e.effect and e.effect.estimate is not None]
    if not effects:
        return Markup()
    fig = estimate_forest(
        [page.label(e.subject) for e, _ in effects],
        [float(effect.estimate) for _, effect in effects],  # type: ignore[arg-type]
        [_float(effect.ci_lower) for _, effect in effects],
        [_float(effect.ci_upper) for _, effect in effects],
        xlabel="MR β (outcome units per unit of exposure)",
        title="Reported MR estimates",
    )
    return page.plot("mr-estimates", fig, "reported MR estimates")


def _mediation_plots(page: _Page, answers: ReportAnswers) -> list[tuple[Any, str, Markup]]:
    from gutbone.views.mr_plots import mediation_diagram

    found = []
    for item in answers.mediation:
        edge, effect = item.edge, item.edge.effect
        assert effect is not None
        exposure = ", ".join(page.label(x) for x in item.exposures) or "exposure"
        ci = (
            (float(effect.ci_lower) / item.scale, float(effect.ci_upper) / item.scale)
            if effect.ci_lower is not None and effect.ci_upper is not None
            else None
        )
        fig = mediation_diagram(
            exposure=exposure,
            mediator=page.label(edge.subject),
            outcome=page.label(edge.object),
            proportion=_float(effect.estimate, item.scale),
            proportion_ci=ci,
            proportion_p=_float(effect.p),
            title=f"Mediation as reported ({edge.id})",
        )
        plot = page.plot(f"mediation-{edge.id}", fig, f"mediation diagram {edge.id}")
        found.append((item, exposure, plot))
    return found


def _variant_plots(page: _Page, answers: ReportAnswers) -> Markup:
    """MR scatter and method forest for each variant table of ``<data>/mr/``."""
    from gutbone.views.mr_plots import mr_forest, mr_scatter

    found = []
    for item in answers.variant_mr:
        plots = Markup()
        if item.table is not None and item.result is not None:
            table, name = item.table, item.path.name
            scatter = mr_scatter(table.beta_exposure, table.se_exposure, table.beta_outcome,
                                 table.se_outcome, item.result, title=name)  # fmt: skip
            plots = page.plot(f"mr-scatter-{item.path.stem}", scatter, f"MR scatter {name}")
            forest = mr_forest(item.result, title=name)
            plots += page.plot(f"mr-forest-{item.path.stem}", forest, f"MR methods {name}")
        found.append((item, plots))
    return Markup(_macros().variant_mr(found))  # noqa: S704 - template output


def _mr_section(page: _Page, answers: ReportAnswers) -> str:
    estimates = _mr_estimates_plot(page, answers.mr_edges)
    variant_level = _variant_plots(page, answers)
    mediation = _mediation_plots(page, answers)
    return str(_macros().mr(page, answers.mr_edges, estimates, variant_level, mediation))


def _evidence_section(page: _Page, _answers: ReportAnswers) -> str:
    edges = sorted(page.data.edges.values(), key=lambda e: e.id)
    return str(_macros().evidence(page, edges))


_SECTIONS: tuple[tuple[str, str, Callable[[_Page, ReportAnswers], str]], ...] = (
    ("graph", "Whole graph", _graph_section),
    ("questions", "Headline questions", _questions_section),
    ("triangulation", "Triangulation: MR, mechanisms and trials", _triangulation_section),
    ("meta", "Meta-analysis: reported vs recomputed", _meta_section),
    ("moderators", "Meta-regression on study characteristics", _moderator_section),
    ("mr", "Mendelian randomization and mediation", _mr_section),
    ("evidence", "Evidence table", _evidence_section),
)


def build_report(
    data: CuratedData,
    validation: ValidationReport,
    *,
    outcome_checks: Sequence[OutcomeCheck] | None = None,
    triples: int = 0,
    graph_files: Sequence[str] = (),
    max_nodes: int = DEFAULT_MAX_NODES,
    permutations: int = REPORT_PERMUTATIONS,
    seed: int = REPORT_SEED,
    progress: Progress = _quiet,
) -> Report:
    """Assemble every file of the report (nothing is written).

    :param data: the curated data.
    :param validation: its SHACL report.
    :param outcome_checks: the build's recomputed outcomes
        (:attr:`gutbone.pipeline.BuildResult.outcome_checks`); recomputed when None.
    :param triples: number of triples of the built graph (for the summary).
    :param graph_files: relative paths of graph files written next to the report.
    :param max_nodes: views larger than this are left out (with a note).
    :param permutations: permuted graphs per headline metapath (0: no enrichment shown).
    :param seed: their base seed.
    :param progress: called with a short message before each step.
    :returns: the files, ``index.html`` first.
    """
    answers = answer_questions(data, outcome_checks=outcome_checks, permutations=permutations,
                               seed=seed, progress=progress)  # fmt: skip
    page = _Page(data=data, max_nodes=max_nodes, progress=progress)
    page.files["assets/vis-network.min.js"] = vis_network_js()
    sections = []
    for anchor, title, render in _SECTIONS:
        progress(f"report: {title.lower()}")
        sections.append((anchor, title, render(page, answers)))
    if page.notes:
        sections.append(("notes", "Notes", str(_macros().code_list(page.notes))))
    # discrepancy_section appends markup of its own to the link: hand it a plain str
    discrepancies = discrepancy_section(data, lambda edge_id: str(page.edge_link(edge_id)))
    lead = [("discrepancies", DISCREPANCY_TITLE, discrepancies)]
    html = render_report(
        summarize(data, triples), validation, graph_files=graph_files, sections=sections,
        lead_sections=lead, discrepancies=len(data.discrepancies),
    )  # fmt: skip
    files = {"index.html": html, **page.files}
    return Report(files=files, notes=tuple(page.notes))
