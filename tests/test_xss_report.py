"""Issue 18, items 2 and 3: hostile identifiers in the report stay inert and inside --out.

An outcome id ``xo" onerror="alert('x')`` used to break out of the ``<img src>`` of the
forest and funnel plots, and so did the file name of an MR variant table; an outcome id
made of ``../`` segments made ``report`` write its plots outside ``--out``. Identifiers
that become file names are now slugged (:class:`gutbone.io.SafeNames`), every path is
checked before writing (:func:`gutbone.io.inside`) and every page has a CSP
(:mod:`gutbone.views.csp`).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import re
import shutil
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from gutbone.cli import main
from gutbone.curation import CuratedData, load_curated
from gutbone.errors import OutputError
from gutbone.io import SafeNames, inside, write_tree
from gutbone.validate import ValidationReport
from gutbone.views.csp import content_security_policy, with_csp
from gutbone.views.report import build_report, render_report
from gutbone.views.summary import summarize

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE_OUTCOME = "xo\" onerror=\"alert('x')"
HOSTILE_MR_FILE = "x\" onerror=\"alert('mr').csv"
TRAVERSAL = "../" * 30 + "tmp/gutbone-escaped"
OUTCOME_COLUMNS = (
    "id,edge,study_file,measure,model,reported_estimate,reported_ci_lower,reported_ci_upper,"
    "reported_i2,reported_p,locator,note"
).split(",")


def _hostile_tables(root: Path, outcome_ids: tuple[str, ...]) -> Path:
    """The small fixture, one study table pooled by outcomes named ``outcome_ids`` and an
    MR variant table whose file name is an attribute break-out."""
    data = root / "data"
    shutil.copytree(FIXTURES / "data_small", data)
    (data / "studies").mkdir()
    (data / "studies" / "s.csv").write_text(
        "study,yi,vi\nA,0.04,0.0004\nB,0.06,0.0009\nC,0.05,0.0006\n", encoding="utf-8"
    )
    with (data / "outcomes.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(OUTCOME_COLUMNS)
        for outcome_id in outcome_ids:
            writer.writerow([outcome_id, "e2", "s.csv", "MD", "DL", "0.05", "0.01", "0.1",
                             "", "", "Fig. 1", "toy"])  # fmt: skip
    (data / "mr").mkdir()
    shutil.copy(FIXTURES / "mr" / "ldlc_chd.csv", data / "mr" / HOSTILE_MR_FILE)
    return data


def _renamed_outcomes(data: CuratedData, ids: tuple[str, ...]) -> CuratedData:
    """``data`` with its one outcome cloned under each of ``ids`` (whatever validation
    accepts, the writers must cope with any identifier)."""
    (outcome,) = data.outcomes.values()
    outcomes = {i: dataclasses.replace(outcome, id=i) for i in ids}
    return dataclasses.replace(data, outcomes=outcomes)


def _files_outside(root: Path, allowed: Path) -> list[Path]:
    return [
        p for p in root.rglob("*")
        if p.is_file() and not p.is_relative_to(allowed) and "data" not in p.parts
    ]  # fmt: skip


@pytest.fixture
def hostile_report(tmp_path: Path) -> Path:
    """A report written from hostile identifiers through the library and the writer."""
    data = load_curated(_hostile_tables(tmp_path, ("safe",)))
    data = _renamed_outcomes(data, (HOSTILE_OUTCOME, TRAVERSAL))
    report = build_report(data, ValidationReport(True, ()))
    out = tmp_path / "out"
    write_tree(out, report.files)
    return out


def test_hostile_ids_are_slugged_and_escaped(hostile_report: Path) -> None:
    html = (hostile_report / "index.html").read_text(encoding="utf-8")
    # the payloads appear only escaped: no attribute break-out anywhere
    assert 'onerror="' not in html and "onerror='" not in html
    assert "xo&quot; onerror=&quot;alert(&#x27;x&#x27;)" in html
    sources = re.findall(r'<img class="plot" src="([^"]*)"', html)
    assert len(sources) == 7  # 2 outcomes x (forest, funnel), MR estimates, scatter, forest
    for src in sources:
        assert re.fullmatch(r"plots/[A-Za-z0-9._-]+\.svg", src), src
        assert (hostile_report / src).is_file()
    names = sorted(p.name for p in (hostile_report / "plots").iterdir())
    digest = hashlib.sha256(f"forest-{HOSTILE_OUTCOME}".encode()).hexdigest()[:8]
    assert f"forest-xo_onerror_alert_x-{digest}.svg" in names
    assert not any(".." in name for name in names)
    # the plots draw the hostile titles as text: well-formed SVG, no script, no handler
    for svg in (hostile_report / "plots").iterdir():
        root = ElementTree.parse(svg).getroot()
        for element in root.iter():
            assert not element.tag.endswith(("script", "foreignObject")), svg
            assert not any(k.lower().startswith("on") for k in element.attrib), svg
    forest = hostile_report / "plots" / f"forest-xo_onerror_alert_x-{digest}.svg"
    titles = "".join(ElementTree.parse(forest).getroot().itertext())
    assert HOSTILE_OUTCOME in titles  # shown verbatim, as text


def test_traversal_outcome_writes_nothing_outside_out(tmp_path: Path) -> None:
    data = _hostile_tables(tmp_path / "in", (TRAVERSAL, HOSTILE_OUTCOME))
    out = tmp_path / "work" / "out"
    code = main(["report", "--data", str(data), "--out", str(out)])
    # validation may refuse such ids (exit 1); either way nothing lands outside --out
    assert code in (0, 1)
    assert _files_outside(tmp_path, out) == []
    assert not Path("/tmp/gutbone-escaped.svg").exists()
    assert not list(Path("/tmp").glob("*gutbone-escaped*"))
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["out"]  # no staging left


def test_inside_refuses_paths_leaving_the_folder(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    for bad in ("../x.svg", "/etc/x", "plots/../../x", "link/x.svg", ""):
        with pytest.raises(OutputError, match="outside the output folder"):
            inside(tmp_path / "out", bad)
    with pytest.raises(OutputError):
        write_tree(tmp_path / "out", {"index.html": "ok", "../escape.html": "no"})
    assert not (tmp_path / "escape.html").exists()
    assert not (tmp_path / "out" / "index.html").exists()  # checked before writing anything


def test_safe_names_are_deterministic_and_collision_free() -> None:
    ids = ["a/b", "a_b", "A_B", "a:b", "", "..", "x" * 300, "..\\..\\win", "a b"]
    first, second = SafeNames(), SafeNames()
    names = [first.claim(i) for i in ids]
    assert names == [second.claim(i) for i in ids]  # same input order -> same names
    assert len({n.casefold() for n in names}) == len(ids)  # distinct, even case-folded
    for name in names:
        assert re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]*", name) and len(name) <= 100
    assert names[1] == "a_b"  # safe ids keep their name
    # an unsafe id gets the same name whichever order ids come in (hash suffix)
    assert SafeNames().claim("a/b") == first.claim("a/b")


def test_every_page_has_a_csp(tmp_path: Path) -> None:
    fixture = FIXTURES / "data_small"
    assert main(["report", "--data", str(fixture), "--out", str(tmp_path / "r")]) == 0
    assert main(["view", "--data", str(fixture), "--out", str(tmp_path / "v.html")]) == 0
    pages = [*(tmp_path / "r").rglob("*.html"), tmp_path / "v.html"]
    assert len(pages) >= 3
    for page in pages:
        html = page.read_text(encoding="utf-8")
        head = html[: html.index("<style>")]
        assert '<meta http-equiv="Content-Security-Policy"' in head, page
        policy = re.search(r'Content-Security-Policy" content="([^"]*)"', head)
        assert policy and "default-src 'none'" in policy.group(1)
        assert "unsafe-inline" not in policy.group(1) and "unsafe-eval" not in policy.group(1)
        assert "http" not in policy.group(1)  # no outside origin allowed


def test_csp_allows_only_declared_scripts() -> None:
    page = render_report(summarize(CuratedData(root=Path("."))), ValidationReport(True, ()),
                         sections=[("x", "X", "<script>alert(1)</script>")])  # fmt: skip
    policy = content_security_policy(page, [])
    assert "sha256" not in policy.split("; ")[1]  # the section's script is not allowed
    assert "script-src 'self';" in page  # render_report declared no script for this page
    with pytest.raises(ValueError, match="meta charset"):
        with_csp("<html><head></head></html>")


@pytest.mark.browser
def test_hostile_report_runs_no_script_in_the_browser(
    hostile_report: Path, page: Any, page_log: Any
) -> None:
    pages = [hostile_report / "index.html", *sorted((hostile_report / "views").glob("*.html"))]
    for html in pages:
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
    # the plots are there and decode (slugged names resolve)
    page.goto((hostile_report / "index.html").as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth > 0])"
    )
    assert len(images) == 7 and all(ok for _, ok in images), images
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    assert page_log.dialogs == []
    assert page_log.blocked == []
    assert page_log.errors == []  # includes CSP violations: nothing injected tried to run


@pytest.mark.browser
def test_cli_report_from_hostile_tables_is_inert(tmp_path: Path, page: Any, page_log: Any) -> None:
    data = _hostile_tables(tmp_path, (HOSTILE_OUTCOME,))
    out = tmp_path / "out"
    assert main(["report", "--data", str(data), "--out", str(out)]) in (0, 1)
    page.goto((out / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert page_log.dialogs == [] and page_log.blocked == [] and page_log.errors == []
