"""The HTML report (``gutbone report``): a self-contained, offline page.

Every text that comes from data is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

from gutbone.errors import Problem
from gutbone.validate import ValidationReport
from gutbone.views.summary import GraphSummary

__all__ = ["render_report"]

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:72rem;color:#1d2733;line-height:1.45;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d8dee6}
table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #d8dee6;padding:.25rem .6rem;
text-align:left;vertical-align:top}th{background:#f1f4f8}td.num{text-align:right;
font-variant-numeric:tabular-nums}
.ok{color:#17653b;font-weight:600}.bad{color:#a3161a;font-weight:600}nav a{margin-right:1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #d8dee6;
border-radius:.4rem;padding:.6rem 1rem}
.card b{display:block;font-size:1.5rem}code{background:#f1f4f8;padding:0 .2rem}
"""


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
) -> str:
    """Render the report page.

    :param summary: counts of the graph.
    :param validation: the SHACL report.
    :param problems: curation problems (when the tables did not load).
    :param graph_files: relative links to the written graph files.
    :param sections: extra ``(anchor, title, html)`` sections, already escaped.
    :returns: the HTML text.
    """
    status_ok = validation.conforms and not problems
    status = (
        '<span class="ok">valid: tables checked, graph conforms to the SHACL shapes</span>'
        if status_ok
        else f'<span class="bad">{len(problems) + len(validation.violations)} problem(s)</span>'
    )
    nav = [("summary", "Summary"), ("counts", "Counts"), ("problems", "Problems")]
    nav += [(anchor, title) for anchor, title, _ in sections]
    cards = "".join(
        f'<div class="card"><b>{value}</b>{escape(label)}</div>'
        for label, value in (
            ("nodes", summary.nodes),
            ("assertions", summary.assertions),
            ("sources", summary.sources),
            ("triples", summary.triples),
            ("local gutbone: ids", summary.local_ids),
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
        '<h2 id="counts">Counts</h2><div class="cards">',
        _table("category", summary.by_category),
        _table("predicate", summary.by_predicate),
        _table("evidence type", summary.by_evidence),
        _table("source", summary.by_source),
        "</div>",
        '<h2 id="problems">Problems</h2>',
        _list(issues) if issues else "<p>None.</p>",
    ]
    for anchor, title, body in sections:
        parts.append(f'<h2 id="{escape(anchor, quote=True)}">{escape(title)}</h2>{body}')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
