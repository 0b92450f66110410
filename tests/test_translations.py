"""English beside every Chinese text: curated quotes, locators and study names (issue 13)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from gutbone.curation import has_cjk, load_curated
from gutbone.errors import CurationError
from gutbone.query.paths import find_paths
from gutbone.query.projection import build_projection
from gutbone.rdf import build_graph
from gutbone.resources import data_dir
from gutbone.stats.study_table import read_study_table


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build_graph(load_curated(), include_ontology=False)


def test_every_chinese_quote_and_locator_has_an_english_rendering() -> None:
    edges = load_curated().edges.values()
    chinese = [edge for edge in edges if has_cjk(edge.quote)]
    assert len(chinese) > 400  # the review and the meta-analysis are in Chinese
    for edge in chinese:
        assert edge.quote_en, edge.record
        # an English rendering: at most a Chinese term cited "as printed", never the sentence
        assert sum(map(has_cjk, edge.quote_en)) <= 4, edge.record
        assert edge.english_quote == edge.quote_en
    for edge in edges:
        if has_cjk(edge.locator):
            assert edge.locator_en and not has_cjk(edge.locator_en), edge.record
        else:
            assert edge.english_locator == edge.locator


def test_renderings_keep_the_standard_english_names() -> None:
    edges = load_curated().edges
    # seed 000 sec. 1: "骨质疏松症(osteoporosis, OP)是因破骨细胞功能上调引起..."
    assert "osteoclast" in edges["rev-1-001"].quote_en
    assert edges["rev-1-001"].quote_en.startswith("osteoporosis (OP) is a chronic disease")
    # seed 001: "sec. 研究結論" is the section "Research conclusions"
    assert edges["hyp-001"].locator_en == "sec. Research conclusions (seed 001)"
    assert edges["hyp-001"].quote_en == (
        "butyrate produced by Lachnospiraceae can directly activate the intestinal vagus nerve"
    )


def _blank(path: Path, row: int, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[row - 1][rows[0].index(column)] = ""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.parametrize(
    ("file", "column", "original"),
    [("edges/review.csv", "quote_en", "quote"), ("edges/clinical.csv", "locator_en", "locator"),
     ("outcomes.csv", "locator_en", "locator")],
)  # fmt: skip
def test_a_missing_english_rendering_is_a_validation_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, column: str, original: str
) -> None:
    shutil.copytree(data_dir(), tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    rows = list(csv.DictReader((tmp_path / "data" / file).open(encoding="utf-8")))
    row = next(n for n, r in enumerate(rows, start=2) if has_cjk(r[original]))
    _blank(tmp_path / "data" / file, row, column)
    with pytest.raises(CurationError) as info:
        load_curated(tmp_path / "data")
    assert [str(p) for p in info.value.problems] == [
        f"data/{file}:{row}:{column}: required when {original} is not English "
        f"(write the curator's English rendering of the {original})"
    ]


def test_an_english_quote_needs_no_rendering() -> None:
    edge = load_curated().edges["meta-bmd-all-sites"]
    assert edge.quote == "Overall (I-squared=94.9%, p=0)"
    assert edge.quote_en == "" and edge.english_quote == edge.quote


def test_the_graph_carries_the_quote_in_both_languages(graph: Graph) -> None:
    rows = list(
        graph.query(
            """
            SELECT ?zh ?en ?locator ?locatorEn WHERE {
                ?a dcterms:identifier "hyp-001" ; gb:quote ?zh ; gb:quoteEnglish ?en ;
                   gb:locator ?locator ; gb:locatorEnglish ?locatorEn .
                FILTER (lang(?zh) = "zh" && lang(?en) = "en" && lang(?locatorEn) = "en")
            }
            """
        )
    )
    assert [tuple(map(str, row)) for row in rows] == [
        (
            "Lachnospiraceae產生的丁酸能直接激活腸道迷走神經",
            "butyrate produced by Lachnospiraceae can directly activate the intestinal vagus nerve",
            "sec. 研究結論 (seed 001)",
            "sec. Research conclusions (seed 001)",
        )
    ]


def test_every_chinese_quote_in_the_graph_has_an_english_literal(graph: Graph) -> None:
    missing = graph.query(
        """
        SELECT ?a WHERE {
            ?a a gb:Association ; gb:quote ?q . FILTER (lang(?q) = "zh")
            FILTER NOT EXISTS { ?a gb:quoteEnglish ?en . FILTER (lang(?en) = "en") }
        }
        """
    )
    assert list(missing) == []


def test_study_tables_give_pinyin_study_names() -> None:
    table = read_study_table(data_dir() / "studies" / "bone_alp.csv")
    assert table.studies == ("张加芳 (2020)", "李锋 (2021)", "Sadegh Jafarnejad (2017)")
    assert table.studies_en == (
        "Zhang Jiafang (2020)",
        "Li Feng (2021)",
        "Sadegh Jafarnejad (2017)",
    )
    for path in sorted((data_dir() / "studies").glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name = row.get("study") or row.get("outcome_as_printed", "")
                english = row.get("study_en", row.get("outcome_en", ""))
                if has_cjk(name):
                    assert english and not has_cjk(english), (path.name, name)


def test_path_hops_carry_the_english_rendering() -> None:
    projection = build_projection(load_curated())
    hits = find_paths(projection, "Taxon", "bone mass", metapath="Taxon>Metabolite>BoneOutcome")
    hops = [hop for hit in hits for hop in hit.hops if has_cjk(hop.quote)]
    assert hops
    curated = load_curated().edges
    for hop in hops:
        assert hop.quote_en == curated[hop.edge_id].quote_en != ""
        assert hop.to_dict()["quote_en"] == hop.quote_en
