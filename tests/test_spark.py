"""The Spark engine (DataFrame join chain) against Fig. 2D and the in-process engines.

One ``local[2]`` session serves the module (starting the JVM takes ~10 s). When pyspark
(the ``spark`` extra) or Java is missing these tests FAIL under ``CI=true`` and are skipped
locally, with the reason.

References
----------
* Himmelstein DS, Baranzini SE (2015) PLoS Comput Biol 11(7):e1004259, Fig. 2D
  (doi:10.1371/journal.pcbi.1004259.g002): GiGaD DWPC from IRF1 to multiple sclerosis with
  damping 0.5 is 0.25 + 0.25 + 32**-0.5 over 3 paths (``tests/fixtures/paths/gigad``).
* ``tests/fixtures/paths/repeats``: simple-path counts worked out by hand in
  tests/test_metapaths.py (walks such as A-B-A-C are not paths).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.errors import QueryError
from gutbone.query.metapaths import metapath_dwpc
from gutbone.query.sparse_graph import from_curated

FIXTURES = Path(__file__).parent / "fixtures" / "paths"


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark (the spark extra) is not installed"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java not on PATH, JAVA_HOME unset)"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Spark tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from gutbone.query.spark_engine import spark_session

    session = spark_session("local[2]", partitions=2)
    yield session
    session.stop()


def test_fig2d_with_spark(spark: Any) -> None:
    from gutbone.query.spark_engine import spark_dwpc

    graph = from_curated(load_curated(FIXTURES / "gigad"))
    scores = spark_dwpc(graph, "GeneProduct>GeneProduct>Disease", 0.5, spark=spark)
    assert scores.method == "spark"
    assert scores.value("HGNC:6116", "MONDO:0005301") == pytest.approx(
        0.25 + 0.25 + 32**-0.5, rel=1e-12
    )
    assert scores.count("HGNC:6116", "MONDO:0005301") == 3
    expected = metapath_dwpc(graph, "GeneProduct>GeneProduct>Disease", 0.5)
    assert np.allclose(scores.dwpc.toarray(), expected.dwpc.toarray(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("fixture", "metapath", "damping", "filters"),
    [
        # repeated category, length 3: in process by inclusion-exclusion
        ("repeats", "GeneProduct>GeneProduct>GeneProduct>GeneProduct", 0.5, {}),
        # length 4: in process by enumeration
        ("repeats", "GeneProduct>GeneProduct>GeneProduct>GeneProduct>GeneProduct", 0.4, {}),
        # sub-classes, symmetric predicates walked backwards, evidence filter
        ("toy", "Taxon>Metabolite>Entity>BiologicalProcess>BoneOutcome", 0.4, {}),
        ("toy", "Taxon>BoneOutcome", 0.0, {"min_evidence": "animal"}),
    ],
)
def test_spark_agrees_with_scipy(
    spark: Any, fixture: str, metapath: str, damping: float, filters: dict[str, str]
) -> None:
    from gutbone.query.spark_engine import spark_dwpc

    graph = from_curated(load_curated(FIXTURES / fixture))
    expected = metapath_dwpc(graph, metapath, damping, **filters)  # type: ignore[arg-type]
    got = spark_dwpc(graph, metapath, damping, spark=spark, **filters)  # type: ignore[arg-type]
    assert got.rows == expected.rows and got.columns == expected.columns
    assert np.array_equal(got.path_counts.toarray(), expected.path_counts.toarray())
    assert np.allclose(got.dwpc.toarray(), expected.dwpc.toarray(), rtol=1e-12, atol=1e-15)
    assert expected.path_counts.sum() > 0
    for name in ("mechanistic_counts", "positive_counts", "negative_counts"):
        assert np.array_equal(getattr(got, name).toarray(), getattr(expected, name).toarray())


@pytest.mark.parametrize("metapath", ["Taxon>Metabolite>BoneOutcome", "Taxon>Disease>BoneOutcome"])
def test_spark_no_sign_through_an_association(spark: Any, metapath: str) -> None:
    """Hand-worked counts of tests/test_path_signs.py (fixture ``signs``), by Spark joins."""
    from gutbone.query.spark_engine import spark_dwpc

    graph = from_curated(load_curated(FIXTURES / "signs"))
    pairs = {(p.source, p.target): p for p in spark_dwpc(graph, metapath, spark=spark).pairs()}
    lacto, bacteroides, lachno, bmd = (
        "NCBITaxon:1578", "NCBITaxon:816", "NCBITaxon:186803", "EFO:0003923"
    )  # fmt: skip
    if metapath == "Taxon>Disease>BoneOutcome":
        # Lactobacillus -associated_with(+1)-> osteoporosis -associated_with(-1)-> BMD
        assert (pairs[lacto, bmd].kind, pairs[lacto, bmd].net_sign) == ("associative", None)
        return
    counts = {
        key: (p.path_count, p.mechanistic_path_count, p.positive_path_count,
              p.negative_path_count, p.net_sign)
        for key, p in pairs.items()
    }  # fmt: skip
    assert counts == {
        (lachno, bmd): (2, 2, 1, 1, 0),
        (lacto, bmd): (1, 1, 1, 0, 1),
        (bacteroides, bmd): (1, 0, 0, 0, None),
    }


def test_spark_impossible_metapath(spark: Any) -> None:
    from gutbone.query.spark_engine import spark_dwpc

    graph = from_curated(load_curated(FIXTURES / "toy"))
    with pytest.raises(QueryError, match="no BoneOutcome -> Metabolite edge"):
        spark_dwpc(graph, "Taxon>BoneOutcome>Metabolite", spark=spark)


def test_cli_spark_equals_sparse(spark: Any, capsys: pytest.CaptureFixture[str]) -> None:
    toy = str(FIXTURES / "toy")
    common = ["paths", "--data", toy, "--from", "Taxon", "--to", "BoneOutcome",
              "--metapath", "Taxon>Metabolite>Entity>BiologicalProcess>BoneOutcome",
              "--format", "csv"]  # fmt: skip
    assert main([*common, "--engine", "sparse"]) == 0
    sparse_out = capsys.readouterr()
    assert main([*common, "--engine", "spark", "--master", "local[2]"]) == 0
    spark_out = capsys.readouterr()
    assert spark_out.out == sparse_out.out and spark_out.out.count("\n") >= 2
    assert "(spark, damping 0.4)" in spark_out.err


def test_kgx_read_by_spark(spark: Any, tmp_path: Path) -> None:
    # the cluster route: Spark reads the KGX TSV pair itself (no driver-side graph)
    from gutbone.interop.readers.sparse_kgx import read_kgx
    from gutbone.query.spark_engine import dwpc_frame, read_kgx_frames

    (tmp_path / "nodes.tsv").write_text(
        "id\tcategory\tname\tgutbone_category\n"
        "NCBITaxon:1\tbiolink:OrganismTaxon\tt1\tTaxon\n"
        "NCBITaxon:2\tbiolink:OrganismTaxon\tt2\tTaxon\n"
        "CHEBI:1\tbiolink:SmallMolecule\tm1\tMetabolite\n"
        "CHEBI:2\tbiolink:SmallMolecule\tm2\tMetabolite\n"
        "EFO:0000001\tbiolink:ClinicalAttribute\tb1\tBoneOutcome\n",
        encoding="utf-8",
    )
    (tmp_path / "edges.tsv").write_text(
        "subject\tpredicate\tobject\tgutbone_predicate\tsign\tevidence_type\n"
        "NCBITaxon:1\tbiolink:produces\tCHEBI:1\tproduces\t1\trct\n"
        "NCBITaxon:1\tbiolink:produces\tCHEBI:2\tproduces\t1\tanimal\n"
        "NCBITaxon:2\tbiolink:produces\tCHEBI:1\tproduces\t1\tanimal\n"
        "CHEBI:1\tbiolink:affects\tEFO:0000001\tincreases\t1\tanimal\n"
        "CHEBI:2\tbiolink:affects\tEFO:0000001\tdecreases\t-1\tin_vitro\n"
        "CHEBI:2\tbiolink:affects\tEFO:0000001\taffects\t0\thypothesis\n",
        encoding="utf-8",
    )
    graph = read_kgx(tmp_path)
    metapath = "Taxon>Metabolite>BoneOutcome"
    nodes, edges = read_kgx_frames(spark, str(tmp_path))
    rows = dwpc_frame(nodes, edges, graph.vocabulary, metapath, 0.4).collect()
    got = {(r["source"], r["target"]): (r["path_count"], r["dwpc"]) for r in rows}
    expected = metapath_dwpc(graph, metapath, 0.4)
    assert (
        {k: v[0] for k, v in got.items()}
        == {(p.source, p.target): p.path_count for p in expected.pairs()}
        == {("NCBITaxon:1", "EFO:0000001"): 3, ("NCBITaxon:2", "EFO:0000001"): 1}
    )
    for (source, target), (_, dwpc) in got.items():
        assert dwpc == pytest.approx(expected.value(source, target), rel=1e-12)


# --- engines: permutations spread over executors (engines helper) --------------------------


def test_spark_permutations_equal_the_sparse_engine(spark: Any) -> None:
    from gutbone.query.engines import dwpc_null
    from gutbone.query.spark_engine import spark_dwpc_null

    graph = from_curated(load_curated())
    scores = metapath_dwpc(graph, "Taxon>Metabolite>BoneOutcome")
    expected = dwpc_null(graph, scores, permutations=8, seed=5)
    got = spark_dwpc_null(graph, scores, permutations=8, seed=5, spark=spark)
    # permutation k is seeded [5, k] on whichever executor runs it: the same permuted graphs
    assert np.array_equal(got.sums.exceed, expected.sums.exceed)
    assert np.array_equal(got.sums.nonzero, expected.sums.nonzero)
    assert np.allclose(got.sums.total, expected.sums.total, rtol=1e-12, atol=0)
    assert got.null_sums == pytest.approx(expected.null_sums, rel=1e-12)
