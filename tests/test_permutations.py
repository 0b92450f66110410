"""DWPC permutation nulls: XSwap keeps every degree per edge type; p-values behave.

References
----------
* Himmelstein DS et al. (2017) eLife 6:e26726, "Permuted hetnets"
  (doi:10.7554/eLife.26726): degree-preserving permutations per metaedge, with XSwap
  (Hanhijärvi et al. 2009, doi:10.1137/1.9781611972795.67) as ``hetnetpy.permute`` does it.
* Phipson B, Smyth GK (2010) Stat Appl Genet Mol Biol 9:39 (doi:10.2202/1544-6115.1585):
  the permutation p-value (1 + b) / (1 + n), never 0; with 99 permutations its smallest
  value is 0.01.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.errors import QueryError
from gutbone.query.engines import dwpc, dwpc_null, open_graph
from gutbone.query.metapaths import metapath_dwpc
from gutbone.query.permutations import null_task, permuted_graph, xswap
from gutbone.query.sparse_graph import SparseGraph, build_sparse_graph

METAPATH = "Taxon>Metabolite>BoneOutcome"


def _graph(seed: int, planted: bool) -> SparseGraph:
    """20 taxa x 30 metabolites x 8 outcomes, random; optionally T0 -> M0..M7 -> B0."""
    rng = np.random.default_rng(seed)
    ids = [f"T{i}" for i in range(20)] + [f"M{i}" for i in range(30)] + [f"B{i}" for i in range(8)]
    categories = ["Taxon"] * 20 + ["Metabolite"] * 30 + ["BoneOutcome"] * 8
    edges = set()
    for t in range(20):
        edges.update((f"T{t}", f"M{m}", "produces") for m in rng.choice(30, 6, replace=False))
    for m in range(30):
        edges.update((f"M{m}", f"B{b}", "increases") for b in rng.choice(8, 3, replace=False))
    if planted:  # the motif: T0 produces eight metabolites that all raise B0
        for m in range(8):
            edges.update({("T0", f"M{m}", "produces"), (f"M{m}", "B0", "increases")})
    ordered = sorted(edges)
    index = {node: i for i, node in enumerate(ids)}
    return build_sparse_graph(
        ids,
        categories,
        np.array([index[s] for s, _, _ in ordered]),
        [p for _, _, p in ordered],
        np.array([index[o] for _, o, _ in ordered]),
    )


def _degrees(graph: SparseGraph) -> Counter[tuple[int, int, str, str]]:
    """(node, direction, predicate, other end's category) -> number of arcs."""
    arcs = graph.arcs
    found: Counter[tuple[int, int, str, str]] = Counter()
    for t, h, p in zip(
        arcs.tail.tolist(), arcs.head.tolist(), arcs.predicate.tolist(), strict=False
    ):
        name = graph.predicate_names[p]
        found[(t, 0, name, graph.category(h))] += 1
        found[(h, 1, name, graph.category(t))] += 1
    return found


def test_two_edges_swap_by_hand() -> None:
    # (0, 2) and (1, 3) of one type: the only swap gives (0, 3) and (1, 2); 20 rounds of
    # attempts each flip the pair, so the result is one of the two, never anything else
    subjects, objects = np.array([0, 1]), np.array([2, 3])
    seen = set()
    for seed in range(20):
        new = xswap(np.zeros(2, np.int64), subjects, objects, np.array([False]),
                    np.random.default_rng(seed))  # fmt: skip
        seen.add(tuple(new.tolist()))
    assert seen == {(2, 3), (3, 2)}
    # a swap that would create a self-loop ((0, 1), (1, 0) -> (0, 0), (1, 1)) never happens
    new = xswap(np.zeros(2, np.int64), np.array([0, 1]), np.array([1, 0]), np.array([False]),
                np.random.default_rng(0))  # fmt: skip
    assert new.tolist() == [1, 0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 7), st.integers(0, 7)),
        min_size=2,
        max_size=40,
        unique=True,
    ),
    st.integers(0, 2**32 - 1),
)
def test_xswap_keeps_degrees_per_type(edges: list[tuple[int, int, int]], seed: int) -> None:
    edges = [(k, s, o) for k, s, o in edges if s != o]
    if len(edges) < 2:
        return
    types = np.array([k for k, _, _ in edges], dtype=np.int64)
    subjects = np.array([s for _, s, _ in edges], dtype=np.int64)
    objects = np.array([o for _, _, o in edges], dtype=np.int64)
    symmetric = np.array([False, False, True])  # type 2 is undirected
    new = xswap(types, subjects, objects, symmetric, np.random.default_rng(seed))
    # every node keeps its out- and in-degree within every type
    assert Counter(zip(types.tolist(), new.tolist(), strict=False)) == Counter(
        zip(types.tolist(), objects.tolist(), strict=False)
    )
    # no self-loop, and no duplicate edge (undirected type: in either orientation)
    assert all(s != o for s, o in zip(subjects.tolist(), new.tolist(), strict=False))
    keys = [
        (k, min(s, o), max(s, o)) if k == 2 else (k, s, o)
        for k, s, o in zip(types.tolist(), subjects.tolist(), new.tolist(), strict=False)
    ]
    before = [(k, min(s, o), max(s, o)) if k == 2 else (k, s, o) for k, s, o in edges]
    assert len(set(keys)) == len(keys) or len(set(before)) < len(before)


def test_permuted_graph_keeps_degrees_and_moves_edges() -> None:
    graph = _graph(1, planted=True)
    task = null_task(graph, metapath_dwpc(graph, METAPATH), seed=3)
    pairs = set(zip(graph.arcs.tail.tolist(), graph.arcs.head.tolist(), strict=False))
    for index in range(5):
        permuted = permuted_graph(task, index)
        assert _degrees(permuted) == _degrees(graph)
        moved = pairs - set(
            zip(permuted.arcs.tail.tolist(), permuted.arcs.head.tolist(), strict=False)
        )
        assert len(moved) > len(pairs) // 2  # most edges end up elsewhere


def test_curated_graph_permutation_keeps_degrees() -> None:
    graph = open_graph("sparse", load_curated())
    scores = dwpc(graph, METAPATH)
    task = null_task(graph, scores, seed=0)
    assert _degrees(permuted_graph(task, 0)) == _degrees(task.graph)


def test_planted_motif_is_significant_and_random_pairs_are_not() -> None:
    graph = _graph(1, planted=True)
    null = dwpc_null(graph, metapath_dwpc(graph, METAPATH), permutations=99, seed=0)
    planted = null.pair("T0", "B0")
    # tolerance: the planted pair must beat (almost) every permutation: p <= 0.03 means at
    # most 2 of 99 permuted DWPCs reach it; it also has a path in every permutation
    assert planted.p_value <= 0.03 and planted.z is not None and planted.z > 2.5
    assert planted.permutations == 99 and planted.nonzero == 99
    p_values = []
    for seed in (2, 3):  # two random graphs with no motif: every pair with a path
        random_graph = _graph(seed, planted=False)
        scores = metapath_dwpc(random_graph, METAPATH)
        random_null = dwpc_null(random_graph, scores, permutations=99, seed=seed)
        p_values += [random_null.pair(p.source, p.target).p_value for p in scores.pairs()]
    p = np.array(p_values)
    # uniform-ish (about 300 dependent p-values): mean 0.5 +- 0.08, below 0.05 for at most
    # 10 % of the pairs, and half of them (+- 0.12) below 0.5
    assert len(p) > 250
    assert abs(p.mean() - 0.5) < 0.08
    assert (p <= 0.05).mean() <= 0.10
    assert abs((p <= 0.5).mean() - 0.5) < 0.12


def test_null_is_the_same_whatever_the_order() -> None:
    graph = _graph(4, planted=False)
    scores = metapath_dwpc(graph, METAPATH)
    first = dwpc_null(graph, scores, permutations=6, seed=7)
    again = dwpc_null(graph, scores, permutations=6, seed=7)
    other = dwpc_null(graph, scores, permutations=6, seed=8)
    assert np.array_equal(first.sums.total, again.sums.total)
    assert not np.array_equal(first.sums.total, other.sums.total)
    with pytest.raises(QueryError, match="at least 1"):
        dwpc_null(graph, scores, permutations=0)


def test_cli_permutations(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["paths", "--from", "Taxon", "--to", "BoneOutcome", "--metapath", METAPATH,
                 "--engine", "sparse", "--permutations", "20", "--seed", "1", "--top", "3",
                 "--format", "json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    records = json.loads(captured.out)
    assert len(records) == 3
    for record in records:
        assert record["permutations"] == 20
        # (1 + b) / 21 for an integer b in 0..20
        assert round(record["p_value"] * 21, 9) == round(record["p_value"] * 21)
        assert 1 / 21 <= record["p_value"] <= 1
        assert 0 <= record["null_nonzero"] <= 20
    assert "permutation 20/20" in captured.err and "its mean over 20 permutations" in captured.err
    code = main(["paths", "--from", "Taxon", "--to", "BMD", "--permutations", "5"])
    assert code == 2 and "--permutations needs --engine sparse" in capsys.readouterr().err
