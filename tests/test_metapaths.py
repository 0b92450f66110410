"""Sparse metapath DWPC against Himmelstein & Baranzini (2015) Fig. 2D and hand counts.

References
----------
* Himmelstein DS, Baranzini SE (2015) Heterogeneous Network Edge Prediction: A Data
  Integration Approach to Prioritize Disease-Associated Genes. PLoS Comput Biol 11(7):
  e1004259, Fig. 2D (doi:10.1371/journal.pcbi.1004259.g002): with damping w = 0.5 the
  GiGaD DWPC from IRF1 to multiple sclerosis is 0.25 + 0.25 + 32**-0.5 over 3 paths (also
  described at https://het.io/hnep, step 4, for the GeTlD and GiGaD features).
* The graph of that figure: hetio/hetnetpy ``test/data/disease-gene-example-graph.json``
  (commit a0e904ab), copied as ``tests/fixtures/paths/gigad``.
* The full matrices in ``HETMATPY_MATRICES`` are the expected values of hetmatpy's
  ``hetmatpy/tests/test_degree_weight.py::test_no_and_short_repeat`` (commit 2e74c65b),
  computed on the same graph with damping 0.5; rows and columns there are in name order
  (CXCR4, IL2RA, IRF1, IRF8, ITCH, STAT3, SUMO1 / Crohn's Disease, Multiple Sclerosis /
  Leukocyte, Lung).
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest

from gutbone.curation import load_curated
from gutbone.errors import QueryError
from gutbone.query.metapaths import (
    DEFAULT_DAMPING,
    DwpcMatrix,
    metaedge_adjacency,
    metapath_dwpc,
    parse_metapath,
)
from gutbone.query.paths import NoPathError, find_paths
from gutbone.query.projection import Projection, build_projection
from gutbone.vocabulary import load_vocabulary

FIXTURES = Path(__file__).parent / "fixtures" / "paths"

GENES = {
    "CXCR4": "HGNC:2561",
    "IL2RA": "HGNC:6008",
    "IRF1": "HGNC:6116",
    "IRF8": "HGNC:5358",
    "ITCH": "HGNC:13890",
    "STAT3": "HGNC:11364",
    "SUMO1": "HGNC:12502",
}
DISEASES = {"Crohn's Disease": "MONDO:0005011", "Multiple Sclerosis": "MONDO:0005301"}
TISSUES = {"Leukocyte": "CL:0000738", "Lung": "UBERON:0002048"}
KINDS = {
    "G": ("GeneProduct", GENES),
    "D": ("Disease", DISEASES),
    "T": ("AnatomicalEntity", TISSUES),
}

# hetmatpy test_degree_weight.py::test_no_and_short_repeat (damping 0.5), name order.
HETMATPY_MATRICES = {
    "DaGeT": [[0.5, 0.5], [0, 0]],
    "GaDlT": [[0.5, 0], [0.5, 0], [0, 0], [0.5, 0], [0, 0], [0.35355339, 0], [0, 0]],
    "TeGaD": [[0.5, 0], [0.5, 0]],
    "TlDaG": [[0.5, 0.5, 0, 0.5, 0, 0.35355339, 0], [0, 0, 0, 0, 0, 0, 0]],
    "GiG": [
        [0.0, 0.0, 0.35355339, 0.0, 0.70710678, 0.0, 0.0],
        [0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
        [0.35355339, 0.5, 0.0, 0.5, 0.0, 0.0, 0.5],
        [0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
        [0.70710678, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.0],
    ],
    "GaDaG": [
        [0.0, 0.25, 0.0, 0.25, 0.0, 0.1767767, 0.0],
        [0.25, 0.0, 0.0, 0.25, 0.0, 0.1767767, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.35355339, 0.0],
        [0.25, 0.25, 0.0, 0.0, 0.0, 0.1767767, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [0.1767767, 0.1767767, 0.35355339, 0.1767767, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    ],
    "GiGiG": [
        [0, 0.1767767, 0, 0.1767767, 0, 0, 0.1767767],
        [0.1767767, 0, 0, 0.25, 0, 0, 0.25],
        [0, 0, 0, 0, 0.25, 0, 0],
        [0.1767767, 0.25, 0, 0, 0, 0, 0.25],
        [0, 0, 0.25, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0.1767767, 0.25, 0, 0.25, 0, 0, 0],
    ],
}
# hetmatpy prints 8 decimals (and 7 for 0.1767767)
PRINTED = 5e-8


@pytest.fixture(scope="module")
def gigad() -> Projection:
    return build_projection(load_curated(FIXTURES / "gigad"))


@pytest.fixture(scope="module")
def repeats() -> Projection:
    return build_projection(load_curated(FIXTURES / "repeats"))


@pytest.fixture(scope="module")
def toy() -> Projection:
    return build_projection(load_curated(FIXTURES / "toy"))


def _metapath(abbrev: str) -> str:
    return ">".join(KINDS[letter][0] for letter in abbrev[::2])


def _valid_methods(length: int, overlapping: bool) -> list[str]:
    methods = ["enumeration"]
    if not overlapping:
        methods.append("product")
    if length <= 3:
        methods.append("inclusion-exclusion")
    return methods


def _pdp_sum(projection: Projection, metapath: str, source: str, target: str, w: float) -> float:
    """DWPC from explained paths and step degrees: an independent route to the same number."""
    categories = parse_metapath(projection.vocabulary, metapath)
    steps = [metaedge_adjacency(projection, a, b) for a, b in itertools.pairwise(categories)]
    try:
        hits = find_paths(projection, [source], [target], metapath=metapath)
    except NoPathError:
        return 0.0
    total = 0.0
    for hit in hits:
        pdp = 1.0
        for step, (u, v) in zip(steps, itertools.pairwise(hit.nodes), strict=True):
            matrix = step.matrix.toarray()
            out_degree = matrix[step.rows.index(u)].sum()
            in_degree = matrix[:, step.columns.index(v)].sum()
            pdp *= (out_degree * in_degree) ** -w
        total += pdp
    return total


@pytest.mark.parametrize("method", ["auto", "product", "enumeration", "inclusion-exclusion"])
def test_fig2d_gigad_irf1_multiple_sclerosis(gigad: Projection, method: str) -> None:
    # Fig. 2D: PDPs 0.25 (IL2RA), 0.25 (IRF8) and 32**-0.5 (CXCR4), damping 0.5
    scores = metapath_dwpc(gigad, "GeneProduct>GeneProduct>Disease", 0.5, method=method)
    assert scores.value(GENES["IRF1"], DISEASES["Multiple Sclerosis"]) == pytest.approx(
        0.25 + 0.25 + 32**-0.5, rel=1e-12
    )
    assert scores.count(GENES["IRF1"], DISEASES["Multiple Sclerosis"]) == 3
    assert scores.rows == tuple(sorted(GENES.values()))
    assert scores.columns == tuple(sorted(DISEASES.values()))


def test_fig2d_from_explained_paths(gigad: Projection) -> None:
    value = _pdp_sum(
        gigad, "GeneProduct>GeneProduct>Disease", GENES["IRF1"], DISEASES["Multiple Sclerosis"], 0.5
    )
    assert value == pytest.approx(0.25 + 0.25 + 32**-0.5, rel=1e-12)


def test_fig2d_getld(gigad: Projection) -> None:
    # het.io/hnep step 4 and hetmatpy GeTlD: IRF1 -> Leukocyte -> MS = (2*1)**-0.5 * (1*1)**-0.5
    scores = metapath_dwpc(gigad, "GeneProduct>AnatomicalEntity>Disease", 0.5)
    assert scores.value(GENES["IRF1"], DISEASES["Multiple Sclerosis"]) == pytest.approx(2**-0.5)
    assert scores.dwpc.nnz == 1


@pytest.mark.parametrize("abbrev", sorted(HETMATPY_MATRICES))
def test_hetmatpy_reference_matrices(gigad: Projection, abbrev: str) -> None:
    source_ids = KINDS[abbrev[0]][1]
    target_ids = KINDS[abbrev[-1]][1]
    expected = np.array(HETMATPY_MATRICES[abbrev])
    length = len(abbrev) // 2
    overlapping = any(
        abbrev[2 * i] == abbrev[2 * j] for i in range(length + 1) for j in range(i + 2, length + 1)
    )
    methods = _valid_methods(length, overlapping)
    assert len(methods) >= 2  # every reference matrix is checked by two implementations or more
    for method in methods:
        scores = metapath_dwpc(gigad, _metapath(abbrev), 0.5, method=method)
        got = scores.dwpc.toarray()
        for i, source_name in enumerate(sorted(source_ids)):
            for j, target_name in enumerate(sorted(target_ids)):
                r = scores.rows.index(source_ids[source_name])
                c = scores.columns.index(target_ids[target_name])
                assert got[r, c] == pytest.approx(expected[i, j], abs=PRINTED), (
                    method,
                    source_name,
                    target_name,
                )


def test_repeated_category_length_3_by_hand(repeats: Projection) -> None:
    # Triangle A-B-C with tail C-D-E. Simple 3-hop paths: A-B-C-D, B-A-C-D and their
    # reversals D-C-A-B, D-C-B-A; B-C-D-E, A-C-D-E and reversals E-D-C-B, E-D-C-A.
    # Walks such as A-B-A-C are not paths.
    metapath = "GeneProduct>GeneProduct>GeneProduct>GeneProduct"
    a, b, c, d, e = (f"gutbone:gene_{x}" for x in "abcde")
    expected = {(a, d): 1, (b, d): 1, (d, b): 1, (d, a): 1, (b, e): 1, (a, e): 1,
                (e, b): 1, (e, a): 1}  # fmt: skip
    # Degrees (all one step type): A 2, B 2, C 3, D 2, E 1.
    # PDP(A-B-C-D) = (2*2)^-w (2*3)^-w (3*2)^-w ; PDP(B-C-D-E) = (2*3)^-w (3*2)^-w (2*1)^-w
    w = 0.5
    pdp_abcd = (2 * 2) ** -w * (2 * 3) ** -w * (3 * 2) ** -w
    pdp_bcde = (2 * 3) ** -w * (3 * 2) ** -w * (2 * 1) ** -w
    for method in ("auto", "inclusion-exclusion", "enumeration"):
        scores = metapath_dwpc(repeats, metapath, w, method=method)
        found = {(p.source, p.target): p.path_count for p in scores.pairs()}
        assert found == expected, method
        assert scores.value(a, d) == pytest.approx(pdp_abcd)
        assert scores.value(d, a) == pytest.approx(pdp_abcd)
        assert scores.value(b, e) == pytest.approx(pdp_bcde)
        assert scores.value(a, a) == 0.0
    assert metapath_dwpc(repeats, metapath, w).method == "inclusion-exclusion"
    with pytest.raises(QueryError, match="repeat a node"):
        metapath_dwpc(repeats, metapath, w, method="product")


def test_repeated_category_length_4_by_hand(repeats: Projection) -> None:
    # 4-hop simple paths need 5 distinct nodes: A-B-C-D-E, B-A-C-D-E and reversals.
    scores = metapath_dwpc(repeats, ">".join(["GeneProduct"] * 5), 0.0)
    assert scores.method == "enumeration"
    a, b, e = "gutbone:gene_a", "gutbone:gene_b", "gutbone:gene_e"
    assert {(p.source, p.target): p.path_count for p in scores.pairs()} == {
        (a, e): 1, (b, e): 1, (e, a): 1, (e, b): 1,
    }  # fmt: skip
    with pytest.raises(QueryError, match="lengths 2 and 3"):
        metapath_dwpc(repeats, ">".join(["GeneProduct"] * 5), method="inclusion-exclusion")


def test_damping_zero_gives_path_counts(gigad: Projection) -> None:
    scores = metapath_dwpc(gigad, "GeneProduct>GeneProduct>Disease", 0.0)
    assert np.array_equal(scores.dwpc.toarray(), scores.path_counts.toarray())
    # IRF1 -> {SUMO1, IL2RA, IRF8, CXCR4}; of those IL2RA, IRF8, CXCR4 -> MS; none -> Crohn's
    assert scores.count(GENES["IRF1"], DISEASES["Crohn's Disease"]) == 0
    assert scores.count(GENES["ITCH"], DISEASES["Multiple Sclerosis"]) == 1


def test_path_enumeration_agrees_with_sparse_counts(
    gigad: Projection, toy: Projection, repeats: Projection
) -> None:
    cases = [
        (gigad, "GeneProduct>GeneProduct>Disease"),
        (gigad, "GeneProduct>Disease>GeneProduct"),
        (gigad, "Disease>GeneProduct>GeneProduct>Disease"),
        (gigad, "GeneProduct>Entity>Entity"),
        (toy, "Taxon>Metabolite>Entity>BiologicalProcess>BoneOutcome"),
        (toy, "Taxon>Chemical>BoneOutcome"),
        (repeats, "GeneProduct>GeneProduct>GeneProduct>GeneProduct"),
    ]
    checked = 0
    for projection, metapath in cases:
        scores = metapath_dwpc(projection, metapath, 0.0)
        for source, target in itertools.product(scores.rows, scores.columns):
            try:
                count = len(find_paths(projection, [source], [target], metapath=metapath))
            except NoPathError:
                count = 0
            assert count == scores.count(source, target), (metapath, source, target)
            checked += count
    assert checked > 20


def test_dwpc_matches_explained_paths_on_toy(toy: Projection) -> None:
    metapath = "Taxon>Metabolite>Entity>BiologicalProcess>BoneOutcome"
    scores = metapath_dwpc(toy, metapath, DEFAULT_DAMPING)
    value = _pdp_sum(toy, metapath, "NCBITaxon:186803", "EFO:0003923", DEFAULT_DAMPING)
    assert value > 0
    assert scores.value("NCBITaxon:186803", "EFO:0003923") == pytest.approx(value, rel=1e-12)


def test_metaedge_adjacency_is_labelled_and_counts_parallel_edges(toy: Projection) -> None:
    step = metaedge_adjacency(toy, "Metabolite", "Entity")
    assert step.rows == ("CHEBI:16412", "CHEBI:17968")
    assert step.columns == tuple(sorted(toy.node_ids))
    dense = step.matrix.toarray()
    # butyrate -> Treg (e2), -> BMD (e5), -> RANKL (e7); LPS -> osteoclast differentiation (e9)
    assert dense[1].sum() == 3 and dense[0].sum() == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.rows = ()  # type: ignore[misc]
    only = metaedge_adjacency(toy, "Metabolite", "Entity", predicates=["decreases"])
    assert only.matrix.nnz == 1


def test_dwpc_matrix_is_frozen_and_sorted(toy: Projection) -> None:
    scores = metapath_dwpc(toy, "Taxon>Metabolite>BoneOutcome")
    assert isinstance(scores, DwpcMatrix)
    assert scores.rows == tuple(sorted(scores.rows))
    with pytest.raises(dataclasses.FrozenInstanceError):
        scores.damping = 1.0  # type: ignore[misc]
    assert scores.damping == DEFAULT_DAMPING == 0.4


def test_min_evidence_and_predicates_filter_steps(toy: Projection) -> None:
    # e1 (produces, review_claim) is the only Taxon -> Metabolite edge
    with pytest.raises(QueryError, match="no Taxon -> Metabolite edge"):
        metapath_dwpc(toy, "Taxon>Metabolite>BoneOutcome", min_evidence="animal")
    with pytest.raises(QueryError, match="no Taxon -> Metabolite edge"):
        metapath_dwpc(toy, "Taxon>Metabolite>BoneOutcome", predicates=["affects"])
    assert (
        metapath_dwpc(toy, "Taxon>BoneOutcome", min_evidence="animal").count(
            "NCBITaxon:186803", "EFO:0003923"
        )
        == 1
    )


def test_errors_name_the_value(toy: Projection) -> None:
    with pytest.raises(QueryError, match="unknown category 'Bacteria'"):
        metapath_dwpc(toy, "Taxon>Bacteria>BoneOutcome")
    with pytest.raises(QueryError, match="impossible metapath 'Taxon>BoneOutcome>Metabolite'"):
        metapath_dwpc(toy, "Taxon>BoneOutcome>Metabolite")
    with pytest.raises(QueryError, match="at least two categories"):
        metapath_dwpc(toy, "Taxon")
    with pytest.raises(QueryError, match="unknown predicate 'makes'"):
        metapath_dwpc(toy, "Taxon>Metabolite", predicates=["makes"])
    with pytest.raises(QueryError, match="unknown evidence level 'strong'"):
        metapath_dwpc(toy, "Taxon>Metabolite", min_evidence="strong")
    with pytest.raises(QueryError, match="damping"):
        metapath_dwpc(toy, "Taxon>Metabolite", -1.0)
    with pytest.raises(QueryError, match="unknown DWPC method"):
        metapath_dwpc(toy, "Taxon>Metabolite", method="magic")


def test_parse_metapath_forms() -> None:
    vocabulary = load_vocabulary()
    assert parse_metapath(vocabulary, "taxon>METABOLITE -> BoneOutcome") == (
        "Taxon",
        "Metabolite",
        "BoneOutcome",
    )
    assert parse_metapath(vocabulary, ["Taxon", "BoneOutcome"]) == ("Taxon", "BoneOutcome")
