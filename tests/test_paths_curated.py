"""Path search on the curated graph: facts the seed documents state, not incidental counts.

* Review (seed 000, sec. 4.2.1 and 4.4.1): the gut microbiota ferments fibre into SCFA
  ("被摄入的膳食纤维在肠道被 GM 发酵成 SCFA") and SCFA given to antibiotic-treated mice
  restores bone mass ("补充 GM 的代谢产物 SCFA 时，可以将 IGF-1和骨量恢复到正常小鼠的水平"):
  a taxon -> metabolite -> bone mass route that raises bone mass (骨量 is bone mass,
  OBA:VT1000111, not bone density).
* MR study (seed 001, Fig. 2 as reported): Acidaminococcaceae is negatively associated with
  (heel) bone density ("Acidaminococcaceae(β=-0.03,P=0.01)...與骨密度呈負相關"); Coprococcus 2
  positively.
"""

from __future__ import annotations

import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.query.metapaths import metapath_dwpc
from gutbone.query.paths import find_paths
from gutbone.query.projection import Projection, build_projection
from gutbone.query.resolve import resolve

GM, SCFA, BONE_MASS, HEEL_BMD = "MESH:D000069196", "CHEBI:26666", "OBA:VT1000111", "EFO:0009270"


@pytest.fixture(scope="module")
def curated() -> Projection:
    return build_projection(load_curated())


def test_taxon_metabolite_bone_mass_through_scfa(curated: Projection) -> None:
    hits = find_paths(curated, "Taxon", "bone mass", metapath="Taxon>Metabolite>BoneOutcome")
    via_scfa = [hit for hit in hits if hit.nodes == (GM, SCFA, BONE_MASS)]
    assert via_scfa, "the review's GM -> SCFA -> bone mass route is missing"
    for hit in via_scfa:
        assert hit.net_sign == 1
        assert [hop.predicate for hop in hit.hops][1] == "increases"
        assert all(hop.sources and hop.locator for hop in hit.hops)
    # the review's own route quotes the seed at every hop (the same pair also has primary-
    # literature support, lucas2018_natcommun, whose hops carry a statement instead)
    review = [hit for hit in via_scfa if hit.hops[1].sources == ("review_gm_op",)]
    assert review and all(hop.quote for hit in review for hop in hit.hops)
    assert any("SCFA" in hit.hops[1].quote for hit in review)
    # the sparse engine sees the same pair, with the same number of paths
    scores = metapath_dwpc(curated, "Taxon>Metabolite>BoneOutcome")
    assert scores.count(GM, BONE_MASS) == sum(
        1 for hit in hits if hit.nodes[0] == GM and hit.nodes[-1] == BONE_MASS
    )
    assert scores.value(GM, BONE_MASS) > 0


def test_mr_taxa_signs(curated: Projection) -> None:
    (acidaminococcaceae,) = resolve(curated, "Acidaminococcaceae")
    best = find_paths(curated, acidaminococcaceae, HEEL_BMD, max_length=1)[0]
    assert best.net_sign == -1
    assert best.hops[0].evidence_type == "mendelian_randomization"
    coprococcus = find_paths(curated, "Coprococcus2", HEEL_BMD, max_length=1)[0]
    assert coprococcus.net_sign == 1


def test_cli_on_curated_graph(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["paths", "--from", "gut microbiota", "--to", "骨量",
         "--metapath", "Taxon>Metabolite>BoneOutcome", "--format", "csv", "--top", "0"]
    )  # fmt: skip
    assert code == 0
    out = capsys.readouterr().out
    assert f"{GM},Gastrointestinal Microbiome,produces,False,{SCFA}" in out
