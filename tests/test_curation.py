"""Every check of gutbone.curation, each with a malformed row and its exact message."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gutbone.curation import (
    EDGE_COLUMNS,
    EDGE_PROVENANCE_COLUMNS,
    NODE_COLUMNS,
    SOURCE_COLUMNS,
    SOURCE_PROVENANCE_COLUMNS,
    load_curated,
)
from gutbone.errors import CurationError

# The rows below give the columns up to `note`; the optional provenance columns are tested
# on their own (test_provenance_*), with a header that names them.
BASE_SOURCE_COLUMNS = SOURCE_COLUMNS[: SOURCE_COLUMNS.index("note") + 1]
SOURCES = ",".join(BASE_SOURCE_COLUMNS) + "\nsrc1,review,A review,,,,,\n"
NODES_OK = [
    "CHEBI:17968,butyrate,Metabolite,丁酸,src1,,,",
    "EFO:0003923,bone density,BoneOutcome,BMD,src1,,,",
    "NCBITaxon:186803,Lachnospiraceae,Taxon,,src1,,,",
]
#: the edge columns up to ``note``; the optional English columns (quote_en...) are left out
BASE_EDGE_COLUMNS = EDGE_COLUMNS[: EDGE_COLUMNS.index("note") + 1]
EDGE_OK = "e1,CHEBI:17968,increases,EFO:0003923,1,animal,src1,sec. 1,quote,,,,,,,,,,,,"


def write_tables(
    root: Path,
    nodes: list[str],
    edges: list[str],
    sources: str = SOURCES,
    edge_columns: tuple[str, ...] = BASE_EDGE_COLUMNS,
) -> Path:
    (root / "nodes").mkdir(parents=True)
    (root / "edges").mkdir()
    (root / "sources.csv").write_text(sources, encoding="utf-8")
    (root / "nodes" / "n.csv").write_text(
        ",".join(NODE_COLUMNS) + "\n" + "\n".join(nodes) + "\n", encoding="utf-8"
    )
    (root / "edges" / "e.csv").write_text(
        ",".join(edge_columns) + "\n" + "\n".join(edges) + "\n", encoding="utf-8"
    )
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(CurationError) as info:
        load_curated(root)
    return [str(p) for p in info.value.problems]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data"


def test_valid_tables_load_with_exact_numbers(data: Path) -> None:
    edge = "e2,NCBITaxon:186803,associated_with,EFO:0003923,-1,mendelian_randomization,src1,Fig. 2,q,,MR_beta,-0.0400,-0.07,-0.01,0.003,,,,,IVW,"
    loaded = load_curated(write_tables(data, NODES_OK, [EDGE_OK, edge]))
    assert sorted(loaded.nodes) == ["CHEBI:17968", "EFO:0003923", "NCBITaxon:186803"]
    assert loaded.nodes["CHEBI:17968"].synonyms == ("丁酸",)
    effect = loaded.edges["e2"].effect
    assert effect is not None and effect.estimate == Decimal("-0.0400")
    assert str(effect.estimate) == "-0.0400"  # kept exactly as written
    assert loaded.edges["e2"].sign == -1
    assert loaded.edges["e1"].record == "data/edges/e.csv:2"


@pytest.mark.parametrize(
    ("node_row", "expected"),
    [
        (
            "FOO:123,foo,Metabolite,,src1,,,",
            "data/nodes/n.csv:5:id: unknown CURIE prefix 'FOO'",
        ),
        (
            "chebi:15361,pyruvate,Metabolite,,src1,,,",
            "data/nodes/n.csv:5:id: prefix 'chebi' must be written 'CHEBI'",
        ),
        (
            "CL:92,osteoclast,CellType,,src1,,,",
            "data/nodes/n.csv:5:id: '92' does not match the CL identifier pattern ^\\d{7}$",
        ),
        ("CHEBI:17968,again,Metabolite,,src1,,,", "data/nodes/n.csv:5:id: duplicate id 'CHEBI:17968' (first at data/nodes/n.csv:2)"),
        ("CL:0000092,osteoclast,Cell,,src1,,,", "data/nodes/n.csv:5:category: 'Cell' is not a known category"),
        ("CL:0000092,osteoclast,CellType,,nosuch,,,", "data/nodes/n.csv:5:source: unknown source 'nosuch' (not in sources.csv)"),
        ("CL:0000092,,CellType,,src1,,,", "data/nodes/n.csv:5:label: required field is empty"),
        ("gutbone:group_x,group x,Taxon,,src1,,,", "data/nodes/n.csv:5:note: a local gutbone: id needs a note saying why"),
        ("gutbone:group_x,group x,Taxon,,src1,NCBITaxon:999,,why", "data/nodes/n.csv:5:broader: 'NCBITaxon:999' is not a node"),
        ("CL:0000092,osteoclast,CellType,src1", "data/nodes/n.csv:5:-: 4 fields, the header has 8"),
    ],
)
def test_node_checks(data: Path, node_row: str, expected: str) -> None:
    problems = problems_of(write_tables(data, [*NODES_OK, node_row], [EDGE_OK]))
    assert any(problem.startswith(expected) for problem in problems), problems


EDGE_CASES = [
    ("e9,CHEBI:17968,increases,CL:0000092,1,animal,src1,s,q,,,,,,,,,,,,", "object: 'CL:0000092' is not a node (define it in nodes/)"),
    ("e9,CHEBI:17968,increses,EFO:0003923,1,animal,src1,s,q,,,,,,,,,,,,", "predicate: 'increses' is not a known predicate"),
    ("e9,CHEBI:17968,affects,EFO:0003923,2,animal,src1,s,q,,,,,,,,,,,,", "sign: '2' is not one of -1, 0, 1"),
    ("e9,CHEBI:17968,decreases,EFO:0003923,1,animal,src1,s,q,,,,,,,,,,,,", "sign: predicate 'decreases' requires sign -1"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,anecdote,src1,s,q,,,,,,,,,,,,", "evidence_type: 'anecdote' is not one of classification, rct_meta_analysis"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src9,s,q,,,,,,,,,,,,", "source: unknown source 'src9' (not in sources.csv)"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,,,,,,,,,,,,,", "statement: required when quote is empty"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.05x,,,,,,,,,", "estimate: '0.05x' is not a number"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.50,0.01,0.10,,,,,,,", "estimate: CI [0.01, 0.10] does not contain estimate 0.50"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.05,0.10,0.01,,,,,,,", "ci_lower: CI lower 0.10 is above CI upper 0.01"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.05,,,1.2,,,,,,", "p: p = 1.2 is outside [0, 1]"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.05,,,,,-0.1,,,,", "tau2: tau2 = -0.1 is negative"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,0.05,,,,,,2.5,,,", "k: '2.5' is not a positive integer"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,,0.05,,,,,,,,,", "measure: required when estimate is given"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,HR,0.05,,,,,,,,,", "measure: 'HR' is not one of MD"),
    ("e1,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,,,,,,,,,,,", "id: duplicate id 'e1' (first at data/edges/e.csv:2)"),
    ("e9,CHEBI:17968,affects,EFO:0003923,NaN,animal,src1,s,q,,,,,,,,,,,,", "sign: 'NaN' is not one of -1, 0, 1"),
    ("e9,CHEBI:17968,affects,EFO:0003923,1,animal,src1,s,q,,MD,nan,,,,,,,,,", "estimate: 'nan' is not a finite number"),
]


@pytest.mark.parametrize(("edge_row", "expected"), EDGE_CASES)
def test_edge_checks(data: Path, edge_row: str, expected: str) -> None:
    problems = problems_of(write_tables(data, NODES_OK, [EDGE_OK, edge_row]))
    assert any(p.startswith(f"data/edges/e.csv:3:{expected}") for p in problems), problems


def test_all_problems_are_collected_not_only_the_first(data: Path) -> None:
    rows = [row for row, _ in EDGE_CASES[:6]]
    rows = [row.replace("e9,", f"e{9 + i},", 1) for i, row in enumerate(rows)]
    problems = problems_of(write_tables(data, [*NODES_OK, "FOO:1,x,Taxon,,src1,,,"], [EDGE_OK, *rows]))
    assert len(problems) == 7
    assert problems[0].startswith("data/edges/e.csv:3:object:")
    assert problems[-1].startswith("data/nodes/n.csv:5:id: unknown CURIE prefix")


def test_missing_and_unknown_columns(data: Path) -> None:
    root = write_tables(data, NODES_OK, [EDGE_OK])
    (root / "nodes" / "n.csv").write_text("id,label,colour\nCHEBI:17968,butyrate,red\n")
    problems = problems_of(root)
    assert "data/nodes/n.csv:1:category: missing required column 'category'" in problems
    assert any(p.startswith("data/nodes/n.csv:1:colour: unknown column") for p in problems)


def test_unknown_source_kind_and_missing_sources_file(data: Path, tmp_path: Path) -> None:
    root = write_tables(data, NODES_OK, [EDGE_OK], sources=",".join(BASE_SOURCE_COLUMNS) + "\nsrc1,blog,A,,,,,\n")
    assert problems_of(root)[0].startswith("data/sources.csv:2:kind: 'blog' is not one of review")
    (tmp_path / "empty").mkdir()
    assert problems_of(tmp_path / "empty") == ["empty:0:-: no sources.csv in this folder"]


DISCREPANCY_HEADER = "id,source,locator,kind,claim,claim_en,printed,recomputed,explanation,edge,outcome"
DISCREPANCY_OK = "d1,src1,Fig. 1,interval_inconsistent,0.1 (0.3),x,0.1 [0.3],\"0.1 [0, 0.2]\",why,e1,"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("d2,src9,Fig. 1,interval_inconsistent,c,x,p,r,why,,", "source: unknown source 'src9'"),
        ("d2,src1,Fig. 1,typo,c,x,p,r,why,,", "kind: 'typo' is not one of mislabelled_subgroup"),
        ("d2,src1,Fig. 1,interval_inconsistent,c,x,p,r,why,e7,", "edge: 'e7' is not an edge id"),
        ("d2,src1,Fig. 1,interval_inconsistent,c,x,p,r,why,,o1", "outcome: 'o1' is not an outcome id"),
        ("d2,src1,Fig. 1,interval_inconsistent,c,,p,r,why,,", "claim_en: required field is empty"),
        ("d2,src1,Fig. 1,interval_inconsistent,c,x,p,,why,,", "recomputed: required field is empty"),
        ("d1,src1,Fig. 1,interval_inconsistent,c,x,p,r,why,,", "id: duplicate id 'd1'"),
    ],
)  # fmt: skip
def test_discrepancy_checks(data: Path, row: str, expected: str) -> None:
    write_tables(data, NODES_OK, [EDGE_OK])
    (data / "discrepancies.csv").write_text(
        f"{DISCREPANCY_HEADER}\n{DISCREPANCY_OK}\n{row}\n", encoding="utf-8"
    )
    problems = problems_of(data)
    assert any(p.startswith(f"data/discrepancies.csv:3:{expected}") for p in problems), problems


def test_discrepancy_loads(data: Path) -> None:
    write_tables(data, NODES_OK, [EDGE_OK])
    (data / "discrepancies.csv").write_text(
        f"{DISCREPANCY_HEADER}\n{DISCREPANCY_OK}\n", encoding="utf-8"
    )
    item = load_curated(data).discrepancies["d1"]
    assert (item.kind, item.edge, item.recomputed, item.record) == (
        "interval_inconsistent", "e1", "0.1 [0, 0.2]", "data/discrepancies.csv:2"
    )  # fmt: skip


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (("decreases", ""), "reported_sign: required with the other reported_ column"),
        (("", "-1"), "reported_predicate: required with the other reported_ column"),
        (("lowers", "-1"), "reported_predicate: 'lowers' is not a known predicate"),
        (("decreases", "1"), "reported_sign: predicate 'decreases' requires sign -1"),
        (("affects", "0"), "reported_sign: the reported claim has the assertion's own sign 0"),
    ],
)
def test_reported_claim_checks(data: Path, columns: tuple[str, str], expected: str) -> None:
    values = {"id": "e9", "subject": "CHEBI:17968", "predicate": "affects",
              "object": "EFO:0003923", "sign": "0", "evidence_type": "rct", "source": "src1",
              "locator": "Fig. 1", "quote": "q", "reported_predicate": columns[0],
              "reported_sign": columns[1]}  # fmt: skip
    row = ",".join(values.get(name, "") for name in EDGE_COLUMNS)
    write_tables(data, NODES_OK, [])
    (data / "edges" / "e.csv").write_text(f"{','.join(EDGE_COLUMNS)}\n{row}\n", encoding="utf-8")
    problems = problems_of(data)
    assert any(p.startswith(f"data/edges/e.csv:2:{expected}") for p in problems), problems


# ------------------------------------------------------------ provenance columns (issue 12)

PROVENANCE_SOURCES = (
    ",".join(SOURCE_COLUMNS)
    + "\nsrc1,review,A review,,,,,,,,,,"
    + "\nseeded,review,A seed,,,,000.txt,,,,,,"
    + "\nwp,database,WikiPathways WP2018,,,,,,21742767,infores:wikipathways,r137624,CC0-1.0,"
    + "https://www.wikipathways.org/pathways/WP2018\n"
)
# 21 base fields, then statement, species, model_system, original_id
PROVENANCE_EDGE = (
    "e2,CHEBI:17968,increases,EFO:0003923,1,animal,wp,Fig. 1,,,,,,,,,,,,,,"
    "Butyrate raised bone density in the drawn pathway.,NCBITaxon:10090,ovariectomised_mouse,id1"
)


def _provenance_tables(data: Path, edge: str) -> Path:
    return write_tables(
        data,
        NODES_OK,
        [edge],
        sources=PROVENANCE_SOURCES,
        edge_columns=BASE_EDGE_COLUMNS + EDGE_PROVENANCE_COLUMNS,
    )


def test_provenance_columns_load(data: Path) -> None:
    assert len(EDGE_PROVENANCE_COLUMNS) == 4 and len(SOURCE_PROVENANCE_COLUMNS) == 5
    loaded = load_curated(_provenance_tables(data, PROVENANCE_EDGE))
    edge = loaded.edges["e2"]
    assert (edge.quote, edge.statement) == (
        "",
        "Butyrate raised bone density in the drawn pathway.",
    )
    assert (edge.species, edge.model_system, edge.original_id) == (
        "NCBITaxon:10090",
        "ovariectomised_mouse",
        "id1",
    )
    source = loaded.sources["wp"]
    assert (source.pmid, source.infores, source.version, source.license) == (
        "21742767",
        "infores:wikipathways",
        "r137624",
        "CC0-1.0",
    )
    assert source.url == "https://www.wikipathways.org/pathways/WP2018"


PROVENANCE_CASES = [
    (
        ("Butyrate raised bone density in the drawn pathway.", ""),
        "statement: required when quote is empty",
    ),
    ((",wp,", ",seeded,"), "quote: required: source 'seeded' has a seed text to quote"),
    (
        ("NCBITaxon:10090", "NCBITaxon:mouse"),
        "species: 'NCBITaxon:mouse' is not an NCBITaxon CURIE (NCBITaxon:digits)",
    ),
    (
        ("NCBITaxon:10090", "CHEBI:17968"),
        "species: 'CHEBI:17968' is not an NCBITaxon CURIE (NCBITaxon:digits)",
    ),
    (
        ("ovariectomised_mouse", "zebrafish"),
        "model_system: 'zebrafish' is not one of human, human_rct",
    ),
    (
        ("NCBITaxon:10090", "NCBITaxon:9606"),
        "species: 'NCBITaxon:9606' contradicts model_system 'ovariectomised_mouse' (NCBITaxon:10090)",
    ),
]


@pytest.mark.parametrize(("change", "expected"), PROVENANCE_CASES)
def test_provenance_edge_checks(data: Path, change: tuple[str, str], expected: str) -> None:
    problems = problems_of(_provenance_tables(data, PROVENANCE_EDGE.replace(*change)))
    assert any(p.startswith(f"data/edges/e.csv:2:{expected}") for p in problems), problems


SOURCE_CASES = [
    (("21742767", "PMID:21742767"), "pmid: 'PMID:21742767' is not a PubMed id"),
    (("infores:wikipathways", "wikipathways"), "infores: 'wikipathways' is not an infores id"),
    (
        ("https://www.wikipathways.org", "ftp://www.wikipathways.org"),
        "url: 'ftp://www.wikipathways.org/pathways/WP2018' is not an http(s) URL",
    ),
    ((",r137624,", ",,"), "version: required for a source with an infores id"),
    ((",CC0-1.0,", ",,"), "license: required for a source with an infores id"),
]


@pytest.mark.parametrize(("change", "expected"), SOURCE_CASES)
def test_provenance_source_checks(data: Path, change: tuple[str, str], expected: str) -> None:
    root = write_tables(
        data,
        NODES_OK,
        [PROVENANCE_EDGE],
        sources=PROVENANCE_SOURCES.replace(*change),
        edge_columns=BASE_EDGE_COLUMNS + EDGE_PROVENANCE_COLUMNS,
    )
    problems = problems_of(root)
    assert any(p.startswith(f"data/sources.csv:4:{expected}") for p in problems), problems
