"""`gutbone report` and `gutbone.views.report.build_report`: content of the report files."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import XSS_LABEL, XSS_QUOTE
from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.validate import ValidationReport
from gutbone.views.report import build_report

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
OK = ValidationReport(True, ())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            if values.get(name) and tag in ("a", "img", "iframe", "script", "link"):
                self.refs.append(values[name] or "")


def _links(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<h2 id="{anchor}">')
    end = html.find("<h2 id=", start + 5)
    return html[start : end if end > 0 else len(html)]


def test_fixture_report_sections_and_triangulation() -> None:
    data = load_curated(FIXTURE)
    report = build_report(data, OK)
    html = str(report.files["index.html"])
    for anchor in ("summary", "graph", "questions", "triangulation", "meta", "mr", "evidence"):
        assert f'<h2 id="{anchor}">' in html and f'href="#{anchor}"' in html
    # triangulation: the NC2004 group has an MR beta of -0.04 on BMD (e3); its broader taxon
    # Lachnospiraceae produces butyrate (+1), which raises BMD (+1): net +1, against the MR sign
    tri = _section(html, "triangulation")
    assert "Lachnospiraceae NC2004 group" in tri and "β = -0.04 (−)" in tri
    assert "Lachnospiraceae → butyrate → bone density (via broader taxon Lachnospiraceae)" in tri
    assert '<span class="bad">disagrees</span>' in tri
    assert "no RCT on an intervention linked to this taxon" in tri
    # the headline question: taxon -> metabolite -> BMD finds the same path
    questions = _section(html, "questions")
    assert "Lachnospiraceae → butyrate → bone density" in questions
    # evidence table: one row per assertion with its anchor
    evidence = _section(html, "evidence")
    assert sorted(re.findall(r'<tr id="edge-([^"]+)">', evidence)) == ["e1", "e2", "e3"]
    assert 'class="sortable' in evidence and "<script>" in html
    # every internal link and file reference resolves
    links = _links(html)
    for ref in links.refs:
        assert not re.match(r"https?:|//", ref), ref
        if ref.startswith("#"):
            assert ref[1:] in links.ids, ref
        else:
            assert ref in report.files, ref
    for name, content in report.files.items():
        if name.startswith("views/"):
            assert '<script src="../assets/vis-network.min.js"></script>' in str(content)
            assert "http://" not in re.sub(r"<script>.*?</script>", "", str(content), flags=re.S)


def test_report_escapes_data(xss_data: Path) -> None:
    report = build_report(load_curated(xss_data), OK)
    for name, content in report.files.items():
        if name.endswith(".html"):
            assert XSS_LABEL not in str(content), name
            assert XSS_QUOTE not in str(content), name
    assert "&lt;img src=x onerror=alert(1)&gt;" in str(report.files["index.html"])


def test_curated_report_meta_and_mr(tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert main(["report", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "report: triangulation" in err and "plotting outcome" in err  # progress
    html = (out / "index.html").read_text(encoding="utf-8")
    data = load_curated()
    meta = _section(html, "meta")
    rows = re.findall(r'<tr><td><a href="#outcome-([^"]+)">', meta)
    assert sorted(rows) == sorted(data.outcomes)
    for outcome in data.outcomes:
        assert (out / "plots" / f"forest-{outcome}.svg").is_file()
        assert (out / "plots" / f"funnel-{outcome}.svg").is_file()
    # data/outcomes.csv: the printed BALP pool (-1.06) cannot be reproduced from the 3
    # printed trial rows (a 4th is missing from the extraction) -> "differs";
    # PTH recomputes to the printed 1.24 (-6.65, 9.13), I2 82.3% -> "agrees"
    balp = re.search(r'<tr><td><a href="#outcome-balp">.*?</tr>', meta, re.S)
    pth = re.search(r'<tr><td><a href="#outcome-pth">.*?</tr>', meta, re.S)
    assert balp and '<span class="bad">differs</span>' in balp.group(0)
    assert pth and '<span class="ok">agrees</span>' in pth.group(0)
    assert "1.24 [-6.65, 9.13], I² 82.3%" in pth.group(0)
    # discrepancies (data/discrepancies.csv): the first section after the summary
    headings = re.findall(r'<h2 id="([^"]+)">', html)
    assert headings[:3] == ["summary", "discrepancies", "counts"]
    section = _section(html, "discrepancies")
    assert "What the sources claim that their own data do not support" in html
    assert set(re.findall(r'<tr id="(disc-[^"]+)">', section)) == set(data.discrepancies)
    # the abstract's hip claim 0.05 (0.01, 0.10) has its own row in the meta table, next to
    # the hip rows' 0.04 (-0.06, 0.14) (seed 002 abstract and Fig. 4), marked a discrepancy
    hip = re.search(r'<tr class="discrepancy"><td><a href="#disc-hip-headline">.*?</tr>', meta)
    assert hip and "0.05 [0.01, 0.10]" in hip.group(0) and "0.04 [-0.06, 0.14]" in hip.group(0)
    assert '<span class="bad">discrepancy</span>' in hip.group(0)
    problems = _section(html, "problems")
    assert f"{len(data.discrepancies)} claim(s) of the sources" in problems
    assert "<p>None.</p>" not in problems
    # MR section: seed 001 reports Coprococcus 2 beta = 0.03 (P = 0.02) on BMD, and ~40%
    # (95% CI 21.1%-58.9%) of the NC2004 effect mediated by RMSSD
    mr = _section(html, "mr")
    assert "Coprococcus 2" in mr and ">0.03<" in mr
    svg = (out / "plots" / "mediation-mr-007.svg").read_text(encoding="utf-8")
    assert "proportion mediated 40% (95% CI 21.1% to 58.9%), p = 0.030" in svg
    # triangulation has one block per MR taxon on BMD (mr-001..mr-004 in data/edges/clinical.csv)
    tri = _section(html, "triangulation")
    mr_taxa = {e.id for e in data.edges.values() if e.effect and e.effect.measure == "MR_beta"
               and e.evidence_type == "mendelian_randomization"}  # fmt: skip
    assert {m for m in mr_taxa if f'href="#edge-{m}"' in tri} == mr_taxa
    # meta-regression of BMD on the curated characteristics (data/studies/bmd_all_sites.csv):
    # duration is 6 months for every row that has it, age is known for one row only
    mods = _section(html, "moderators")
    assert "duration_months" in mods and "takes a single value" in mods
    assert "only 5 studies with a value (fewer than 10): too few to conclude" in mods
    assert "only 1 study with a value" in mods
    assert (out / "plots" / "bubble-bmd-all-sites-subgroup.svg").is_file()
    # the files the page links to exist
    links = _links(html)
    for ref in links.refs:
        if not ref.startswith("#"):
            assert (out / ref).is_file(), ref
    assert (out / "assets" / "vis-network.min.js").is_file()
    assert not list(out.glob(".*"))  # no staging folder left behind


@pytest.mark.parametrize("max_nodes", [2])
def test_small_view_limit_leaves_views_out(max_nodes: int) -> None:
    report = build_report(load_curated(FIXTURE), OK, max_nodes=max_nodes)
    assert "views/graph.html" not in report.files
    assert any("more than the limit of 2" in note for note in report.notes)
    assert 'id="notes"' in str(report.files["index.html"])


def test_answers_take_the_outcomes_of_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report reuses BuildResult.outcome_checks; it recomputes them only when not given."""
    from gutbone.pipeline import build_knowledge_graph
    from gutbone.views import answers

    result = build_knowledge_graph(validate=False)
    assert {c.outcome_id for c in result.outcome_checks} == set(result.data.outcomes)

    def refuse(_data: object) -> None:
        raise AssertionError("the report recomputed the pooled outcomes")

    with monkeypatch.context() as patch:
        patch.setattr(answers, "check_outcomes", refuse)
        given = answers.answer_questions(result.data, outcome_checks=result.outcome_checks)
    assert given.outcome_checks == result.outcome_checks
    recomputed = answers.answer_questions(result.data).outcome_checks
    assert [(c.outcome_id, c.recomputed) for c in recomputed] == [
        (c.outcome_id, c.recomputed) for c in result.outcome_checks
    ]  # a library caller without a build gets the same numbers
