"""The report's section "What the sources claim that their own data do not support".

One row per record of ``data/discrepancies.csv``
(:class:`~gutbone.curation.Discrepancy`): the claim as printed with its English rendering,
where it is printed, the printed value, what the source's own data give, the kind of
discrepancy and the explanation, with a link to the assertion it concerns. Every text that
comes from data is HTML-escaped.

>>> from gutbone.curation import load_curated
>>> html = discrepancy_section(load_curated(), lambda edge: edge)
>>> html.count('<tr id="disc-') >= 6
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape

from gutbone.curation import CuratedData, Discrepancy

__all__ = ["DISCREPANCY_TITLE", "discrepancy_section", "discrepancy_rows", "kind_text"]

#: Title of the report section.
DISCREPANCY_TITLE = "What the sources claim that their own data do not support"

_KIND_TEXT = {
    "mislabelled_subgroup": "result of another subgroup reported under this name",
    "mislabelled_outcome": "result reported under another outcome's name",
    "no_comparative_test": "difference claimed without a between-arm test",
    "missing_study_row": "pooled result includes a row the figure does not print",
    "interval_inconsistent": "interval does not fit its estimate",
    "p_value_inconsistent": "p value does not fit its estimate and interval",
    "study_not_included": "pools a study that is not among the included studies",
}


def kind_text(kind: str) -> str:
    """A reader's description of a discrepancy kind (the kind itself when unknown).

    >>> kind_text("no_comparative_test")
    'difference claimed without a between-arm test'
    """
    return _KIND_TEXT.get(kind, kind)


def _claim(item: Discrepancy) -> str:
    return (
        f'<span class="quote" lang="zh">{escape(item.claim)}</span><br>'
        f'<span class="en" lang="en">{escape(item.claim_en)}</span>'
    )


def discrepancy_rows(items: Iterable[Discrepancy], edge_link: Callable[[str], str]) -> list[str]:
    """Table rows (``<tr>``) of discrepancy records, in the order given.

    :param items: the records.
    :param edge_link: HTML linking an assertion id (already escaped).
    :returns: one ``<tr id="disc-...">`` per record.
    """
    rows = []
    for item in items:
        concerns = edge_link(item.edge) if item.edge else ""
        if item.outcome:
            anchor = escape(f"outcome-{item.outcome}", quote=True)
            concerns += f'<br><a href="#{anchor}">outcome {escape(item.outcome)}</a>'
        rows.append(
            f'<tr id="{escape(item.id, quote=True)}"><td>{_claim(item)}</td>'
            f"<td>{escape(item.source)}<br><small>{escape(item.locator)}</small></td>"
            f"<td>{escape(item.printed)}</td><td>{escape(item.recomputed)}</td>"
            f'<td><span class="bad">{escape(kind_text(item.kind))}</span><br>'
            f'<small class="note">{escape(item.explanation)}</small></td>'
            f"<td>{concerns}</td></tr>"
        )
    return rows


def discrepancy_section(data: CuratedData, edge_link: Callable[[str], str]) -> str:
    """The section body: an introduction and the table of every discrepancy record.

    :param data: the curated data (its ``discrepancies``).
    :param edge_link: HTML linking an assertion id (already escaped).
    :returns: HTML.
    """
    items = sorted(data.discrepancies.values(), key=lambda d: (d.source, d.kind, d.id))
    if not items:
        return "<p>No discrepancy recorded (<code>discrepancies.csv</code>).</p>"
    intro = (
        f"<p>{len(items)} claim(s) printed by the sources that their own data do not "
        "support: a headline taken from another subgroup, differences claimed without any "
        "comparison, pooled results that do not match the rows shown. Each row gives the claim "
        "as printed (with an English rendering), the printed value, what the source's own "
        "data give (recomputed by gutbone from the study rows, or read from the source's own "
        "figures), and why. The same records are in the graph (<code>gb:Discrepancy</code>; "
        "<code>gutbone sparql discrepancies</code>).</p>"
    )
    return (
        intro + '<table class="small" id="discrepancy-table"><thead><tr><th>claim (as '
        "printed; English)</th><th>source, where</th><th>printed</th><th>what its own data "
        "give</th><th>kind; explanation</th><th>assertion</th></tr></thead><tbody>"
        + "".join(discrepancy_rows(items, edge_link))
        + "</tbody></table>"
    )
