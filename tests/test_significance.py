"""Significance-aware signs (docs/evidence.md, "Signs of computed effects").

An assertion whose effect interval includes no effect (0 for differences and MR betas, 1 for
risk and odds ratios) has sign 0; the source's own directional claim is kept as a reported
claim (``reported_predicate``, ``reported_sign``) resting on the source's words. The rule is
a SHACL shape, so ``validate`` and ``build`` both enforce it, on recomputed pooled effects
too.

Reference numbers: data/outcomes.csv notes for seed 002 (Figs. 14, 15; Table 2 counts):
nausea probiotic 1/73 + 0/46 vs control 2/73 + 1/46, Mantel-Haenszel RR 0.33 (0.04, 3.16);
diarrhoea 1/73 + 1/46 vs 2/73 + 3/46, RR 0.40 (0.08, 2.02). Hand check of the nausea MH RR:
sum(a d / N) / sum(b c / N) with N = 146 and 92: (1*71/146 + 0) / (72*2/146 + 46*1/92)
= 0.4863 / 1.4863 = 0.327.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.curation import EDGE_COLUMNS, load_curated
from gutbone.pipeline import build_knowledge_graph
from gutbone.query.paths import find_paths
from gutbone.query.projection import build_projection

SMALL = Path(__file__).parent / "fixtures" / "data_small"
#: edge -> (recomputed RR, CI) as in the outcomes notes (two decimals)
NOT_SIGNIFICANT = {"meta-nausea": (0.33, 0.04, 3.16), "meta-diarrhoea": (0.40, 0.08, 2.02)}


@pytest.fixture(scope="module")
def built():  # type: ignore[no-untyped-def]
    return build_knowledge_graph()


@pytest.mark.parametrize("edge_id", sorted(NOT_SIGNIFICANT))
def test_nausea_and_diarrhoea_have_sign_0_and_keep_the_reported_claim(built, edge_id: str) -> None:  # type: ignore[no-untyped-def]
    edge = built.data.edges[edge_id]
    assert (edge.predicate, edge.sign) == ("affects", 0)
    assert edge.reported_claim is not None
    assert (edge.reported_claim.predicate, edge.reported_claim.sign) == ("decreases", -1)
    assert edge.quote == "并且可以降低恶心和腹泻的发生率"  # the abstract's words, seed 002
    assert edge.effect is not None and edge.effect.measure == "RR"
    estimate, lower, upper = NOT_SIGNIFICANT[edge_id]
    assert float(edge.effect.estimate) == pytest.approx(estimate, abs=0.005)
    assert float(edge.effect.ci_lower) == pytest.approx(lower, abs=0.005)
    assert float(edge.effect.ci_upper) == pytest.approx(upper, abs=0.005)
    assert float(edge.effect.ci_lower) < 1 < float(edge.effect.ci_upper)
    assert built.validation.conforms


def test_both_are_queryable(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sparql", "reported_claims", "--format", "csv"]) == 0
    rows = {row["id"]: row for row in csv.DictReader(capsys.readouterr().out.splitlines())}
    assert set(rows) >= set(NOT_SIGNIFICANT)
    for edge_id in NOT_SIGNIFICANT:
        row = rows[edge_id]
        assert row["predicate"].endswith("#affects") and row["sign"] == "0"
        assert row["reportedPredicate"].endswith("#decreases") and row["reportedSign"] == "-1"
        assert float(row["ciLower"]) < 1 < float(row["ciUpper"])
        assert row["quoteEnglish"] == "and can lower the incidence of nausea and diarrhoea"
    # what the graph asserts (direct triples) no longer says probiotics lower nausea
    query = (
        "PREFIX gb: <https://w3id.org/gutbone/vocab#> SELECT ?o WHERE { "
        "<https://w3id.org/gutbone/node/probiotic_adjuvant_therapy> gb:decreases ?o }"
    )
    assert main(["sparql", "--query", query, "--format", "csv"]) == 0
    objects = capsys.readouterr().out
    assert "HP_0002018" not in objects and "HP_0002014" not in objects


def test_path_search_gives_no_sign_for_a_non_significant_effect(built) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(build_projection(built.data), "gutbone:probiotic_adjuvant_therapy",
                      "HP:0002018", max_length=1)  # fmt: skip
    assert [(h.hops[0].predicate, h.net_sign) for h in hits] == [("affects", 0)]


def _with_mr_row(tmp_path: Path, sign: str, reported: tuple[str, str]) -> Path:
    """data_small plus an MR estimate whose 95% CI (-0.01, 0.05) crosses 0."""
    root = tmp_path / "data"
    shutil.copytree(SMALL, root)
    path = root / "edges" / "core.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    predicate = {"1": "increases", "0": "affects"}[sign]
    rows.append(
        {"id": "mr-x", "subject": "NCBITaxon:186803", "predicate": predicate,
         "object": "EFO:0003923", "sign": sign, "evidence_type": "mendelian_randomization",
         "source": "toy", "locator": "Fig. 9", "quote": "beta = 0.02 (-0.01, 0.05)",
         "measure": "MR_beta", "estimate": "0.02", "ci_lower": "-0.01", "ci_upper": "0.05",
         "reported_predicate": reported[0], "reported_sign": reported[1]}
    )  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(EDGE_COLUMNS), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return root


def test_mr_estimate_crossing_0_must_have_sign_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _with_mr_row(tmp_path / "bad", "1", ("", ""))
    assert main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "edges/core.csv:" in err and "includes no effect, so the sign must be 0" in err
    assert main(["build", "--data", str(bad), "--out", str(tmp_path / "out")]) == 1
    capsys.readouterr()
    good = _with_mr_row(tmp_path / "good", "0", ("increases", "1"))
    assert main(["validate", str(good)]) == 0
    claim = load_curated(good).edges["mr-x"].reported_claim
    assert claim is not None and (claim.predicate, claim.sign) == ("increases", 1)
