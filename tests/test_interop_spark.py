"""Spark reads gutbone's KGX export with its aggregated edges split into their assertions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gutbone.curation import load_curated
from gutbone.interop.exports import export_graph
from gutbone.query.spark_engine import read_kgx_frames
from test_spark import spark  # noqa: F401 - the session fixture

SMALL = Path(__file__).parent / "fixtures" / "data_small"


def test_spark_reads_each_assertion_of_an_aggregated_edge(spark: Any, tmp_path: Path) -> None:  # noqa: F811
    data = load_curated(SMALL)
    e2 = data.edges["e2"]  # butyrate increases bone density
    data.edges["e2b"] = type(e2)(**{**vars(e2), "id": "e2b", "predicate": "decreases",
                                    "sign": -1, "effect": None, "evidence_type": "in_vitro"})  # fmt: skip
    export_graph(data, "kgx-tsv", tmp_path)
    assert "gutbone_assertions" in (tmp_path / "edges.tsv").read_text(encoding="utf-8")
    _, edges = read_kgx_frames(spark, str(tmp_path))
    rows = sorted(
        (r["subject"], r["predicate"], r["object"], r["sign"], r["evidence_type"])
        for r in edges.collect()
    )
    assert rows == sorted(
        (e.subject, e.predicate, e.object, e.sign, e.evidence_type) for e in data.edges.values()
    )
