"""Net signs through association hops, in every path engine (``fixtures/paths/signs``).

The rule (docs/evidence.md): a path's net sign is the product of its hop signs only when no
hop is an association (``associated_with``, marked ``gb:associative`` in the ontology); a
path with an association hop is *associative* and has no net sign. Mechanistic paths are
ranked first.

Fixture edges (id: subject predicate object, sign, evidence weight):

    s1 Lactobacillus associated_with osteoporosis        +1  human_observational 0.6
    s2 osteoporosis associated_with bone density          -1  review_claim 0.3
    s3 Lachnospiraceae produces butyrate                  +1  review_claim 0.3
    s4 butyrate increases bone density                    +1  animal 0.5
    s5 Bacteroides associated_with TMAO                   +1  human_observational 0.6
    s6 TMAO decreases bone density                        -1  animal 0.5
    s7 Lactobacillus produces butyrate                    +1  review_claim 0.3
    s8 Lachnospiraceae produces TMAO                      +1  review_claim 0.3

Worked out by hand:

* Lactobacillus -> bone density: [s7, s4] mechanistic, 0.3 x 0.5 = 0.15, net +1;
  [s1, s2] associative, 0.6 x 0.3 = 0.18, no net sign (the product (+1)(-1) = -1 would read
  "Lactobacillus lowers BMD"). Mechanistic first: [s7, s4], then [s1, s2].
* Bacteroides -> bone density: [s5, s6] associative, 0.3, no net sign (product -1).
* Metapath Taxon>Metabolite>BoneOutcome, per pair (paths; mechanistic; +1; -1):
  Lachnospiraceae (2; 2; 1 via butyrate; 1 via TMAO) -> net sign 0 (they differ);
  Lactobacillus (1; 1; 1; 0) -> +1; Bacteroides (1; 0; 0; 0) -> associative, none.
* Metapath Taxon>Disease>BoneOutcome: Lactobacillus (1; 0; 0; 0) -> associative, none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.query.metapaths import DwpcMatrix, metapath_dwpc
from gutbone.query.paths import find_paths
from gutbone.query.projection import build_projection
from gutbone.query.sparse_graph import from_curated

SIGNS = Path(__file__).parent / "fixtures" / "paths" / "signs"
LACTO, BACTEROIDES, LACHNO, BMD = (
    "NCBITaxon:1578",
    "NCBITaxon:816",
    "NCBITaxon:186803",
    "EFO:0003923",
)

#: (source, target) -> (path_count, mechanistic, positive, negative, kind, net_sign), by hand
EXPECTED_PAIRS = {
    "Taxon>Metabolite>BoneOutcome": {
        (LACHNO, BMD): (2, 2, 1, 1, "mechanistic", 0),
        (LACTO, BMD): (1, 1, 1, 0, "mechanistic", 1),
        (BACTEROIDES, BMD): (1, 0, 0, 0, "associative", None),
    },
    "Taxon>Disease>BoneOutcome": {(LACTO, BMD): (1, 0, 0, 0, "associative", None)},
}


def _edges(hit) -> list[str]:  # type: ignore[no-untyped-def]
    return [hop.edge_id for hop in hit.hops]


def test_graph_engine_no_sign_through_an_association() -> None:
    projection = build_projection(load_curated(SIGNS))
    hits = find_paths(projection, "乳杆菌", "骨密度")
    assert [_edges(h) for h in hits] == [["s7", "s4"], ["s1", "s2"]]
    assert [(h.kind, h.net_sign) for h in hits] == [("mechanistic", 1), ("associative", None)]
    assert [h.score for h in hits] == pytest.approx([0.15, 0.18])
    by_score = find_paths(projection, "乳杆菌", "骨密度", mechanisms_first=False)
    assert [_edges(h) for h in by_score] == [["s1", "s2"], ["s7", "s4"]]
    (bacteroides,) = find_paths(projection, BACTEROIDES, BMD)
    assert (bacteroides.kind, bacteroides.net_sign, bacteroides.score) == (
        "associative", None, pytest.approx(0.3)
    )  # fmt: skip


def test_sparse_path_search_same_rule() -> None:
    graph = from_curated(load_curated(SIGNS))
    hits = find_paths(graph, "Taxon", BMD, metapath="Taxon>Metabolite>BoneOutcome")
    found = {(h.nodes[0], tuple(_edges(h))): (h.kind, h.net_sign) for h in hits}
    assert found == {
        (LACHNO, ("s3", "s4")): ("mechanistic", 1),
        (LACHNO, ("s8", "s6")): ("mechanistic", -1),
        (LACTO, ("s7", "s4")): ("mechanistic", 1),
        (BACTEROIDES, ("s5", "s6")): ("associative", None),
    }
    assert hits[-1].kind == "associative"  # the best-scoring path (0.3), ranked last
    assert [h.hops[0].associative for h in hits] == [False, False, False, True]


def check_pairs(scores: DwpcMatrix, metapath: str) -> None:
    """Assert the hand-worked pair counts, kinds and net signs (shared with Spark tests)."""
    found = {
        (p.source, p.target): (
            p.path_count, p.mechanistic_path_count, p.positive_path_count,
            p.negative_path_count, p.kind, p.net_sign,
        )
        for p in scores.pairs()
    }  # fmt: skip
    assert found == EXPECTED_PAIRS[metapath]


@pytest.mark.parametrize("metapath", sorted(EXPECTED_PAIRS))
@pytest.mark.parametrize("method", ["auto", "enumeration"])
def test_dwpc_counts_mechanistic_and_signed_paths(metapath: str, method: str) -> None:
    for graph in (build_projection(load_curated(SIGNS)), from_curated(load_curated(SIGNS))):
        check_pairs(metapath_dwpc(graph, metapath, damping=0.0, method=method), metapath)


def test_dwpc_mechanisms_first_order() -> None:
    scores = metapath_dwpc(from_curated(load_curated(SIGNS)), "Taxon>Metabolite>BoneOutcome")
    ordered = scores.pairs(mechanisms_first=True)
    assert [p.kind for p in ordered] == ["mechanistic", "mechanistic", "associative"]


@pytest.mark.parametrize(
    ("name", "node"), [("乳杆菌", LACTO), ("Bacteroides", BACTEROIDES), ("TMAO", "CHEBI:15724")]
)
def test_cli_issue_examples_to_bone_density_bundled(
    name: str, node: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The examples of issue 13 on the bundled graph: no +/- net sign through an association."""
    assert main(["paths", "--from", name, "--to", "骨密度", "--format", "json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and hits[0]["nodes"][0] == node
    for hit in hits:
        through_association = any(hop["predicate"] == "associated_with" for hop in hit["hops"])
        assert hit["kind"] == ("associative" if through_association else "mechanistic")
        if through_association:
            assert hit["net_sign"] is None
    kinds = [hit["kind"] for hit in hits]
    assert kinds == sorted(kinds, key=lambda kind: kind == "associative")
    assert main(["paths", "--from", name, "--to", "骨密度"]) == 0
    table = capsys.readouterr().out.split("== associative paths")
    # e.g. Lactobacillus -> osteoporosis -> bone density (+1, -1): listed as associative
    assert len(table) == 2 and "net sign none (associative)" in table[1]
    assert "net sign -1" not in table[1] and "net sign +1" not in table[1]


def test_sparse_engine_bundled_lactobacillus(capsys: pytest.CaptureFixture[str]) -> None:
    # Lactobacillus -associated_with(+1)-> osteoporosis -associated_with(-1)-> bone mass
    # (seed 000 sec. 1: OP is a disease of "骨量减少", reduced bone mass)
    args = ["paths", "--from", "乳杆菌", "--to", "骨量", "--metapath",
            "Taxon>Disease>BoneOutcome", "--engine", "sparse", "--format", "json"]  # fmt: skip
    assert main(args) == 0
    (pair,) = json.loads(capsys.readouterr().out)
    assert (pair["source"], pair["kind"], pair["net_sign"]) == (LACTO, "associative", None)
    assert pair["path_count"] >= 1 and pair["mechanistic_path_count"] == 0


@pytest.mark.parametrize("engine", ["graph", "sparse"])
def test_cli_engines_show_no_sign_for_associative(
    engine: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["paths", "--data", str(SIGNS), "--from", "Taxon", "--to", "骨密度", "--metapath",
            "Taxon>Metabolite>BoneOutcome", "--engine", engine, "--format", "json"]  # fmt: skip
    assert main(args) == 0
    records = json.loads(capsys.readouterr().out)
    if engine == "graph":
        signs = {(r["nodes"][0], r["kind"], r["net_sign"]) for r in records}
        assert (BACTEROIDES, "associative", None) in signs
        assert all(r["net_sign"] is None for r in records if r["kind"] == "associative")
    else:
        signs = {(r["source"], r["kind"], r["net_sign"]) for r in records}
        assert signs == {(LACHNO, "mechanistic", 0), (LACTO, "mechanistic", 1),
                         (BACTEROIDES, "associative", None)}  # fmt: skip
        assert records[-1]["source"] == BACTEROIDES  # mechanistic pairs first
