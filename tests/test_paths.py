"""Path enumeration, scores, signs and filters on the hand-made graph ``fixtures/paths/toy``.

Evidence weights (ontology/gutbone.ttl): mendelian_randomization 0.8, animal 0.5,
in_vitro 0.4, review_claim 0.3. The toy graph (edge id: subject predicate object, sign,
evidence):

    e1 Lachnospiraceae produces butyrate                 +1 review_claim
    e2 butyrate increases Treg                            +1 animal
    e3 Treg decreases osteoclast differentiation          -1 in_vitro
    e4 osteoclast differentiation decreases BMD           -1 review_claim
    e5 butyrate increases BMD                             +1 animal
    e6 Lachnospiraceae associated_with BMD                +1 mendelian_randomization
    e7 butyrate decreases RANKL                           -1 animal
    e8 RANKL increases osteoclast differentiation         +1 review_claim
    e9 LPS affects osteoclast differentiation              0 review_claim

Paths Lachnospiraceae -> BMD, worked out by hand (score = product of weights,
net sign = product of signs, none for a path through an association hop):

    [e6]             0.8                     = 0.8     associative (associated_with): none
    [e1, e5]         0.3 * 0.5               = 0.15    +1
    [e1, e2, e3, e4] 0.3 * 0.5 * 0.4 * 0.3   = 0.018   (+1)(+1)(-1)(-1) = +1
    [e1, e7, e8, e4] 0.3 * 0.5 * 0.3 * 0.3   = 0.0135  (+1)(-1)(+1)(-1) = +1

By default (a mechanism question) the three mechanistic paths come first, then [e6].
"""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from gutbone.curation import CuratedData, Edge, Node, Source, load_curated
from gutbone.errors import QueryError
from gutbone.query.paths import NoPathError, PathHit, find_paths, net_sign, path_score
from gutbone.query.projection import SYMMETRIC_PREDICATES, build_projection
from gutbone.query.resolve import UnknownNodeError

FIXTURES = Path(__file__).parent / "fixtures" / "paths"
LACHNO, BUTYRATE, BMD = "NCBITaxon:186803", "CHEBI:17968", "EFO:0003923"
TREG, OCD, RANKL, LPS, VITK = "CL:0000815", "GO:0030316", "HGNC:11926", "CHEBI:16412", "CHEBI:28384"


@pytest.fixture(scope="module")
def toy():  # type: ignore[no-untyped-def]
    return build_projection(load_curated(FIXTURES / "toy"))


def _edges(hit: PathHit) -> list[str]:
    return [hop.edge_id for hop in hit.hops]


def test_all_paths_ranked_with_hand_scores_and_signs(toy) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(toy, LACHNO, BMD, mechanisms_first=False)
    assert [_edges(hit) for hit in hits] == [
        ["e6"],
        ["e1", "e5"],
        ["e1", "e2", "e3", "e4"],
        ["e1", "e7", "e8", "e4"],
    ]
    assert [hit.score for hit in hits] == pytest.approx([0.8, 0.15, 0.018, 0.0135], rel=1e-12)
    assert [hit.net_sign for hit in hits] == [None, 1, 1, 1]
    assert [hit.kind for hit in hits] == ["associative"] + ["mechanistic"] * 3
    assert hits[2].nodes == (LACHNO, BUTYRATE, TREG, OCD, BMD)
    assert hits[2].labels[2] == "regulatory T cell"
    assert hits[2].categories[2] == "ImmuneCell"


def test_mechanistic_paths_first_and_no_sign_through_an_association(toy) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(toy, LACHNO, BMD)
    assert [_edges(hit) for hit in hits] == [
        ["e1", "e5"],
        ["e1", "e2", "e3", "e4"],
        ["e1", "e7", "e8", "e4"],
        ["e6"],
    ]
    assert [hit.net_sign for hit in hits] == [1, 1, 1, None]
    association = hits[-1].to_dict()
    assert association["kind"] == "associative" and association["net_sign"] is None
    assert association["hops"][0]["associative"] is True and association["hops"][0]["sign"] == 1
    # the best-scoring path overall is still found when only one is kept by score
    assert _edges(find_paths(toy, LACHNO, BMD, top=1, mechanisms_first=False)[0]) == ["e6"]
    assert _edges(find_paths(toy, LACHNO, BMD, top=1)[0]) == ["e1", "e5"]


def test_hops_carry_provenance_and_effect(toy) -> None:  # type: ignore[no-untyped-def]
    hit = find_paths(toy, LACHNO, BMD, max_length=2)[0]
    first, second = hit.hops
    assert (first.predicate, first.sign, first.evidence_type, first.evidence_weight) == (
        "produces",
        1,
        "review_claim",
        0.3,
    )
    assert second.sources == ("toy",) and second.locator == "Table 2"
    assert second.quote == "Butyrate raises BMD, in mice."
    assert second.effect is not None and str(second.effect.estimate) == "0.050"
    record = hit.to_dict()
    assert json.loads(json.dumps(record))["hops"][1]["effect"]["ci_upper"] == 0.1
    assert record["hops"][1]["effect"]["n"] == 340
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.score = 1.0  # type: ignore[misc]


def test_max_length_limits_hops(toy) -> None:  # type: ignore[no-untyped-def]
    assert [_edges(hit) for hit in find_paths(toy, LACHNO, BMD, max_length=3)] == [
        ["e1", "e5"],
        ["e6"],
    ]
    with pytest.raises(QueryError, match="max_length"):
        find_paths(toy, LACHNO, BMD, max_length=0)


def test_top_keeps_the_best(toy) -> None:  # type: ignore[no-untyped-def]
    assert [_edges(hit) for hit in find_paths(toy, LACHNO, BMD, top=2)] == [
        ["e1", "e5"],
        ["e1", "e2", "e3", "e4"],
    ]
    with pytest.raises(QueryError, match="top"):
        find_paths(toy, LACHNO, BMD, top=0)


def test_min_evidence_drops_weaker_hops(toy) -> None:  # type: ignore[no-untyped-def]
    # rank: mendelian_randomization 5 >= animal 3 > review_claim 1: only e6 remains
    assert [_edges(hit) for hit in find_paths(toy, LACHNO, BMD, min_evidence="animal")] == [["e6"]]
    with pytest.raises(NoPathError) as info:
        find_paths(toy, LACHNO, BMD, min_evidence="rct")
    assert "unreachable" not in str(info.value)
    assert "evidence rank >= 6" in str(info.value)


def test_predicates_with_sub_predicates(toy) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(toy, LACHNO, BMD, predicates=["produces", "increases"])
    assert [_edges(hit) for hit in hits] == [["e1", "e5"]]
    # 'affects' includes increases and decreases but not produces: e1 is the only way out
    # of Lachnospiraceae besides e6 (associated_with)
    with pytest.raises(NoPathError):
        find_paths(toy, LACHNO, BMD, predicates=["affects"])
    hits = find_paths(toy, BUTYRATE, BMD, predicates=["affects"])
    assert [_edges(hit) for hit in hits] == [["e5"], ["e2", "e3", "e4"], ["e7", "e8", "e4"]]


def test_metapath_and_subclass_matching(toy) -> None:  # type: ignore[no-untyped-def]
    def edges(metapath: str) -> list[list[str]]:
        return [_edges(hit) for hit in find_paths(toy, LACHNO, BMD, metapath=metapath)]

    assert edges("Taxon>Metabolite>BoneOutcome") == [["e1", "e5"]]
    # Metabolite is a sub-class of Chemical
    assert edges("Taxon>Chemical>BoneOutcome") == [["e1", "e5"]]
    # Treg is an ImmuneCell, a sub-class of CellType; RANKL a Cytokine, a GeneProduct
    assert edges("Taxon>Metabolite>CellType>BiologicalProcess>BoneOutcome") == [
        ["e1", "e2", "e3", "e4"]
    ]
    assert edges("Taxon>Metabolite>GeneProduct>BiologicalProcess>BoneOutcome") == [
        ["e1", "e7", "e8", "e4"]
    ]
    assert edges("Taxon>BoneOutcome") == [["e6"]]
    # the metapath fixes the length; max_length is not used
    assert len(find_paths(toy, LACHNO, BMD, metapath="Taxon>Entity>Entity>Entity>Entity")) == 2


def test_metapath_errors(toy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError, match="unknown category 'Bacteria'"):
        find_paths(toy, LACHNO, BMD, metapath="Taxon>Bacteria>BoneOutcome")
    with pytest.raises(QueryError, match="no BoneOutcome -> Metabolite edge"):
        find_paths(toy, LACHNO, BMD, metapath="Taxon>BoneOutcome>Metabolite>BoneOutcome")
    with pytest.raises(QueryError, match="starts at Metabolite, but none of 'Lachnospiraceae'"):
        find_paths(toy, LACHNO, BMD, metapath="Metabolite>BoneOutcome")


def test_category_sources(toy) -> None:  # type: ignore[no-untyped-def]
    hits = find_paths(toy, "Metabolite", "BoneOutcome", max_length=2)
    # e5: 0.5; e9 then e4: 0.3 * 0.3 = 0.09
    assert [_edges(hit) for hit in hits] == [["e5"], ["e9", "e4"]]
    hits = find_paths(toy, "Metabolite", "BoneOutcome")
    assert {hit.nodes[0] for hit in hits} == {BUTYRATE, LPS}
    lps = [hit for hit in hits if hit.nodes[0] == LPS]
    # e9 has sign 0: the route's direction is unknown
    assert [(_edges(hit), hit.net_sign) for hit in lps] == [(["e9", "e4"], 0)]


def test_paths_stop_at_the_first_target(toy) -> None:  # type: ignore[no-untyped-def]
    # targets BMD and osteoclast differentiation: no path passes through one to the other
    hits = find_paths(toy, BUTYRATE, [BMD, OCD])
    assert all(OCD not in hit.nodes[1:-1] for hit in hits)
    assert ["e2", "e3"] in [_edges(hit) for hit in hits]
    assert ["e2", "e3", "e4"] not in [_edges(hit) for hit in hits]


def test_symmetric_predicates_walk_both_ways(toy) -> None:  # type: ignore[no-untyped-def]
    assert "associated_with" in SYMMETRIC_PREDICATES and "binds" not in SYMMETRIC_PREDICATES
    hits = find_paths(toy, BMD, LACHNO, max_length=1)
    assert [(_edges(hit), hit.hops[0].reverse, hit.hops[0].tail) for hit in hits] == [
        (["e6"], True, BMD)
    ]
    # butyrate reaches Lachnospiraceae only through BMD and e6 walked backwards
    hits = find_paths(toy, BUTYRATE, LACHNO)
    assert [(_edges(hit), [hop.reverse for hop in hit.hops]) for hit in hits][0] == (
        ["e5", "e6"],
        [False, True],
    )
    with pytest.raises(NoPathError) as info:
        find_paths(toy, BUTYRATE, LACHNO, predicates=["increases", "decreases", "produces"])
    assert "unreachable" not in str(info.value)
    # directed predicates are not walked backwards: e9 (LPS affects osteoclast
    # differentiation) is LPS's only edge
    with pytest.raises(NoPathError, match="unreachable"):
        find_paths(toy, OCD, LPS)


def test_unreachable_and_unknown(toy) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoPathError) as info:
        find_paths(toy, VITK, BMD)
    assert "'vitamin K' (CHEBI:28384)" in str(info.value)
    assert "unreachable" in str(info.value)
    with pytest.raises(UnknownNodeError, match="'NCBITaxon:0000'"):
        find_paths(toy, "NCBITaxon:0000", BMD)


def test_net_sign_rule() -> None:
    assert net_sign([1, 1]) == 1
    assert net_sign([1, -1]) == -1
    assert net_sign([-1, -1]) == 1
    assert net_sign([-1, -1, -1]) == -1
    assert net_sign([1, 0, -1]) == 0
    assert net_sign([0]) == 0
    assert net_sign([]) == 1


def test_path_score_rule() -> None:
    assert path_score([0.8]) == pytest.approx(0.8)
    assert path_score([0.3, 0.5, 0.4, 0.3]) == pytest.approx(0.018)
    assert path_score([1.0, 0.1]) == pytest.approx(0.1)


def _random_data(seed: int) -> CuratedData:
    """A seeded random typed graph with parallel edges, cycles and symmetric predicates."""
    rng = random.Random(seed)
    categories = ["Taxon", "Metabolite", "GeneProduct", "Pathway", "BoneOutcome"]
    nodes = {
        f"gutbone:n{i}": Node(
            id=f"gutbone:n{i}", label=f"n{i}", category=categories[i % 5], synonyms=(),
            sources=("s",),
        )
        for i in range(30)
    }  # fmt: skip
    evidence = ["rct", "animal", "in_vitro", "review_claim", "hypothesis"]
    predicates = [("increases", 1), ("decreases", -1), ("associated_with", 0), ("produces", 1)]
    edges = {}
    for k in range(120):
        u, v = rng.sample(sorted(nodes), 2)
        predicate, sign = rng.choice(predicates)
        edges[f"x{k:03d}"] = Edge(
            id=f"x{k:03d}", subject=u, predicate=predicate, object=v, sign=sign,
            evidence_type=rng.choice(evidence), sources=("s",), locator="-", quote="-",
        )  # fmt: skip
    return CuratedData(
        root=Path("."), sources={"s": Source("s", "review", "random")}, nodes=nodes, edges=edges
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mechanisms_first", [True, False])
def test_top_k_pruning_equals_full_ranking(seed: int, mechanisms_first: bool) -> None:
    projection = build_projection(_random_data(seed))
    options = {"max_length": 3, "mechanisms_first": mechanisms_first}
    everything = find_paths(projection, "Taxon", "BoneOutcome", **options)  # type: ignore[arg-type]
    assert len(everything) > 10
    for k in (1, 3, 10):
        best = find_paths(projection, "Taxon", "BoneOutcome", top=k, **options)  # type: ignore[arg-type]
        assert [(h.nodes, _edges(h)) for h in best] == [
            (h.nodes, _edges(h)) for h in everything[:k]
        ]
    kinds = [hit.kind == "associative" and mechanisms_first for hit in everything]
    assert kinds == sorted(kinds)  # every mechanistic path before every associative one
    keys = [(kind, -hit.score) for kind, hit in zip(kinds, everything, strict=True)]
    assert keys == sorted(keys)
    for hit in everything:
        assert len(set(hit.nodes)) == len(hit.nodes)  # simple
        assert hit.score == pytest.approx(path_score(h.evidence_weight for h in hit.hops))


def test_docs_evidence_table_matches_the_ontology() -> None:
    from gutbone.vocabulary import load_vocabulary

    text = (Path(__file__).parent.parent / "docs" / "evidence.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[2], int(cells[3]))
    vocabulary = load_vocabulary()
    assert rows == {name: (str(e.weight), e.rank) for name, e in vocabulary.evidence_types.items()}
