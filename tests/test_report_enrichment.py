"""The report's enrichment of each headline metapath over its permutation null (issue 19).

The tiny graph (written below, real identifiers of the bundled tables) has two taxa, three
metabolites and two bone outcomes, no ``broader`` link (so no is-a hop)::

    Lachnospiraceae --produces--> butyrate   --increases--> bone density
    Lachnospiraceae --produces--> propionate --increases--> bone density
    Bacteroides     --produces--> acetate    --increases--> bone measurement

Hand calculation (DWPC, Himmelstein et al. 2017, damping w = 0.4): every metabolite has one
edge in and one out, so a path T -> M -> B weighs ``(deg T)^-w (deg B)^-w`` with deg T the
taxon's number of metabolites and deg B the outcome's number of metabolites. Observed:
``2 * (2 * 2)^-w + (1 * 1)^-w`` = 2.1487. A degree-preserving shuffle (XSwap per edge type)
keeps those degrees and only chooses which metabolite Bacteroides produces and which one
raises bone measurement: when it is the same metabolite the sum is again 2.1487, otherwise
``(2 * 2)^-w + 2 * (2 * 1)^-w`` = 2.0901. Which of the two each permuted graph is, is read
from the permutation module's own permuted graphs
(:func:`gutbone.query.permutations.permuted_graph`); everything else is the formulas above.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.query.metapaths import metapath_dwpc
from gutbone.query.permutations import dwpc_null, null_task, permuted_graph
from gutbone.query.sparse_graph import from_curated
from gutbone.validate import ValidationReport
from gutbone.views.answers import answer_questions
from gutbone.views.report import build_report

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
W = 0.4
SAME = 2 * 4**-W + 1.0  # Bacteroides' metabolite is the one raising bone measurement
APART = 4**-W + 2 * 2**-W
NODES = """id,label,category,synonyms,source,broader,xref,note
NCBITaxon:186803,Lachnospiraceae,Taxon,,toy,,,
NCBITaxon:816,Bacteroides,Taxon,,toy,,,
CHEBI:17968,butyrate,Metabolite,,toy,,,
CHEBI:17272,propionate,Metabolite,,toy,,,
CHEBI:30089,acetate,Metabolite,,toy,,,
OBA:1000110,bone density,BoneOutcome,,toy,,,
EFO:0004512,bone measurement,BoneOutcome,,toy,,,
"""
EDGE_HEADER = (
    "id,subject,predicate,object,sign,evidence_type,source,locator,quote,context,measure,"
    "estimate,ci_lower,ci_upper,p,i2,tau2,k,n,model,note"
)
EDGES = [
    ("e1", "NCBITaxon:186803", "produces", "CHEBI:17968"),
    ("e2", "NCBITaxon:186803", "produces", "CHEBI:17272"),
    ("e3", "NCBITaxon:816", "produces", "CHEBI:30089"),
    ("e4", "CHEBI:17968", "increases", "OBA:1000110"),
    ("e5", "CHEBI:17272", "increases", "OBA:1000110"),
    ("e6", "CHEBI:30089", "increases", "EFO:0004512"),
]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    (data / "nodes").mkdir(parents=True)
    (data / "edges").mkdir()
    shutil.copy(FIXTURE / "sources.csv", data / "sources.csv")
    (data / "nodes" / "core.csv").write_text(NODES, encoding="utf-8")
    rows = [f"{i},{s},{p},{o},1,review_claim,toy,sec. 1,A toy claim.,,,,,,,,,,,," for i, s, p, o
            in EDGES]  # fmt: skip
    (data / "edges" / "core.csv").write_text("\n".join([EDGE_HEADER, *rows, ""]), "utf-8")
    return data


def _hand_null(data: Path, permutations: int, seed: int) -> list[float]:
    """The permuted sums by the hand formula, each graph's state read from the permutation
    module's permuted graph ``k``."""
    graph = from_curated(load_curated(data))
    task = null_task(graph, metapath_dwpc(graph, "Taxon>Metabolite>BoneOutcome"), seed=seed)
    index = {node: i for i, node in enumerate(graph.node_ids)}
    sums = []
    for k in range(permutations):
        permuted = permuted_graph(task, k)
        tail, head = permuted.arcs.tail, permuted.arcs.head
        made = head[tail == index["NCBITaxon:816"]]  # Bacteroides' one metabolite
        raising = tail[head == index["EFO:0004512"]]  # the one raising bone measurement
        assert len(made) == 1 and len(raising) == 1  # degrees kept
        sums.append(SAME if made[0] == raising[0] else APART)
    return sums


def test_tiny_graph_enrichment_is_the_hand_calculation(tiny: Path) -> None:
    data = load_curated(tiny)
    answers = answer_questions(data, permutations=30, seed=5)
    first, second = answers.enrichment
    assert first.metapath == ("Taxon", "Metabolite", "BoneOutcome")
    assert first.question == "q-taxon-metabolite-bmd"
    assert (first.pairs, first.computable, first.with_path, first.seed) == (4, 4, 2, 5)
    assert first.observed == pytest.approx(SAME, rel=1e-12)
    null = _hand_null(tiny, 30, 5)
    same = sum(value == SAME for value in null)
    assert 0 < same < 30  # both states occur: the null has a spread
    mean = (same * SAME + (30 - same) * APART) / 30
    sd = (SAME - APART) * math.sqrt(same / 30 * (1 - same / 30))  # a two-point distribution
    assert first.null_sums == pytest.approx(null, rel=1e-12)
    assert first.null_mean == pytest.approx(mean, rel=1e-12)
    assert first.null_sd == pytest.approx(sd, rel=1e-9)
    assert first.z == pytest.approx((SAME - mean) / sd, rel=1e-9)
    assert first.p_value == (1 + same) / 31  # every "same" graph reaches the observed sum
    assert first.enrichment == pytest.approx(SAME / mean, rel=1e-12)
    # the permutation module's null of the whole metapath (here: the question's four pairs)
    module = dwpc_null(from_curated(data), metapath_dwpc(from_curated(data), first.metapath),
                       permutations=30, seed=5)  # fmt: skip
    assert first.null_sums == pytest.approx(module.null_sums, rel=1e-12)
    assert first.p_value == pytest.approx(module.metapath_p_value, rel=1e-12)
    # Taxon > Metabolite > Entity > BoneOutcome: no metabolite reaches a node that reaches a
    # bone outcome, on this graph or on any shuffle of it
    assert second.metapath == ("Taxon", "Metabolite", "Entity", "BoneOutcome")
    assert (second.observed, second.with_path, second.enrichment) == (0.0, 0, None)
    assert set(second.null_sums) == {0.0} and second.z is None and second.p_value == 1.0
    # no immune cell: the immune question has no enrichment
    assert [n.question for n in answers.enrichment] == ["q-taxon-metabolite-bmd"] * 2


def _enrichment_rows(html: str, question: str) -> list[list[str]]:
    start = html.index(f'<h4 id="{question}-enrichment">')
    table = html[start : html.index("</table>", start)]
    rows = re.findall(r"<tr><td>(.*?)</td></tr>", table, re.S)
    return [[re.sub(r"<[^>]+>", "", cell) for cell in row.split("</td><td")] for row in rows]


def test_report_shows_the_hand_numbers(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    code = main(["report", "--data", str(tiny), "--out", str(out), "--permutations", "30",
                 "--seed", "5"])  # fmt: skip
    assert code == 0
    html = (out / "index.html").read_text(encoding="utf-8")
    null = np.array(_hand_null(tiny, 30, 5))
    same = int((null == SAME).sum())
    mean, sd = null.mean(), null.std()
    (row, zero) = _enrichment_rows(html, "q-taxon-metabolite-bmd")
    cells = [re.sub(r'^ class="num">', "", cell) for cell in row]
    assert cells[:4] == ["Taxon → Metabolite → BoneOutcome", "4", "4", "2"]
    assert cells[4] == f"{SAME:.4g}" == "2.149"
    assert cells[5] == f"{mean:.4g} ± {sd:.3g}"
    assert cells[6] == f"{(SAME - mean) / sd:.3g}"
    assert cells[7] == f"{SAME / mean:.3g}"
    assert cells[8] == f"{(1 + same) / 31:.3g}"
    assert zero[7].endswith("no path when shuffled") and zero[9].endswith("no path to compare")
    assert "30 shuffled copies of the graph (permutation seed 5)" in html
    assert "What it does not mean" in html


def test_report_permutations_option(tiny: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "report"
    assert main(["report", "--data", str(tiny), "--out", str(out), "--permutations", "0"]) == 0
    assert "-enrichment" not in (out / "index.html").read_text(encoding="utf-8")
    for bad in (["--permutations", "-1"], ["--seed", "x"]):
        with pytest.raises(SystemExit) as info:
            main(["report", "--data", str(tiny), "--out", str(out), *bad])
        assert info.value.code == 2
    assert "expected an integer" in capsys.readouterr().err


def test_curated_report_has_every_headline_metapath() -> None:
    data = load_curated()
    report = build_report(data, ValidationReport(True, ()), permutations=3, seed=1)
    html = str(report.files["index.html"])
    taxon = _enrichment_rows(html, "q-taxon-metabolite-bmd")
    immune = _enrichment_rows(html, "q-immune-rankl-opg")
    assert [row[0] for row in taxon] == [
        "Taxon → Metabolite → BoneOutcome", "Taxon → Metabolite → Entity → BoneOutcome"
    ]  # fmt: skip
    assert [row[0] for row in immune] == [
        "ImmuneCell → GeneProduct", "ImmuneCell → Entity → GeneProduct",
        "ImmuneCell → Entity → Entity → GeneProduct",
    ]  # fmt: skip
    # p = (1 + b) / 4 with 3 permutations; every row names pairs with a path
    for row in taxon + immune:
        p = float(row[8].split(">")[-1])
        assert p in (0.25, 0.5, 0.75, 1.0)
        assert int(row[3].split(">")[-1]) > 0
    assert "3 shuffled copies of the graph (permutation seed 1)" in html
