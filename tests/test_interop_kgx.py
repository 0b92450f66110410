"""The KGX export checked by the real ``kgx`` (2.6.0, Biolink 4.4.6), offline.

``kgx`` runs in its own virtual environment (it pins libraries gutbone's environment does not
need), created on first use at ``$GUTBONE_KGX_VENV`` or ``~/.cache/gutbone/kgx-venv`` with
``pip install kgx==2.6.0`` from the package index (about 1.5 min cold; reused afterwards).
``tests/kgx_offline.py`` runs kgx's own command line with the Biolink schema and prefix map
of the ``biolink-model`` package instead of the copies kgx downloads from GitHub, plus the
``context.jsonld`` curie map gutbone writes beside the export; any network access fails.

Documented kgx false positive: ``Category 'MicroRNA' is not in CamelCase form`` (kgx's
regular expression rejects the two adjacent capitals of Biolink's own class name).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from gutbone.curation import load_curated
from gutbone.interop.biolink import schema_path
from gutbone.interop.exports import export_graph
from gutbone.interop.imports import import_graphs
from gutbone.pipeline import build_knowledge_graph

pytestmark = pytest.mark.kgx

KGX_VERSION = "2.6.0"
RUNNER = Path(__file__).parent / "kgx_offline.py"
SMALL = Path(__file__).parent / "fixtures" / "data_small"
#: The only error kgx reports on the export (see the module docstring).
FALSE_POSITIVE = ("INVALID_CATEGORY", "Category 'MicroRNA' is not in CamelCase form")


@pytest.fixture(scope="session")
def kgx_python() -> Path:
    """Python of a virtual environment holding kgx (created once, then reused)."""
    default = Path.home() / ".cache" / "gutbone" / "kgx-venv"
    venv = Path(os.environ.get("GUTBONE_KGX_VENV", default))
    python = venv / "bin" / "python"
    ready = venv / f".kgx-{KGX_VERSION}"
    if not ready.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"kgx=={KGX_VERSION}"], check=True
        )
        ready.touch()
    return python


def _kgx(python: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    package = schema_path().parent.parent
    command = [
        str(python), str(RUNNER),
        "--schema", str(package / "schema" / "biolink_model.yaml"),
        "--prefixes", str(package / "prefixmaps" / "biolink_model_prefix_map.json"),
        "--context", str(folder / "context.jsonld"),
        "--", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=folder)


def _errors(run: subprocess.CompletedProcess[str]) -> dict[tuple[str, str], set[str]]:
    """(level:type, message) -> entities, from the JSON report ``kgx validate`` logs."""
    output = run.stdout + run.stderr
    start, end = output.find("{\n"), output.rfind("}")
    report = json.loads(output[start : end + 1]) if start >= 0 else {}
    return {
        (f"{level}:{kind}", message): set(entities)
        for level, kinds in report.items()
        for kind, messages in kinds.items()
        for message, entities in messages.items()
    }


@pytest.fixture(scope="module")
def curated_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    result = build_knowledge_graph(validate=False)
    folder = tmp_path_factory.mktemp("kgx") / "curated"
    export_graph(result.data, "kgx", folder, graph=result.graph)
    return folder, result.data


@pytest.mark.parametrize("serialization", ["tsv", "jsonl"])
def test_kgx_validate_accepts_the_export(kgx_python, curated_export, serialization):
    folder, data = curated_export
    run = _kgx(kgx_python, folder, "validate", "-i", serialization,
               f"nodes.{serialization}", f"edges.{serialization}")  # fmt: skip
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    errors = _errors(run)
    micro_rnas = {n.id for n in data.nodes.values() if n.category == "MicroRNA"}
    # nothing but the documented false positive, on MicroRNA nodes only
    assert set(errors) == {("ERROR:" + FALSE_POSITIVE[0], FALSE_POSITIVE[1])}, errors
    assert set().union(*errors.values()) <= micro_rnas


def test_kgx_validate_is_really_checking(kgx_python, curated_export, tmp_path):
    """Negative control: the offline validator flags a mixin category and an unknown prefix."""
    folder, _ = curated_export
    broken = tmp_path / "broken"
    broken.mkdir()
    nodes = (folder / "nodes.tsv").read_text(encoding="utf-8").splitlines()
    header = nodes[0].split("\t")
    row = nodes[1].split("\t")
    row[header.index("category")] = "biolink:GeneOrGeneProduct"
    extra = ["NOSUCHPREFIX:1"] + [""] * (len(header) - 1)
    extra[header.index("category")] = "biolink:NamedThing"
    lines = [nodes[0], "\t".join(row), "\t".join(extra), *nodes[2:]]
    (broken / "nodes.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (broken / "edges.tsv").write_text((folder / "edges.tsv").read_text(encoding="utf-8"))
    (broken / "context.jsonld").write_text((folder / "context.jsonld").read_text())
    errors = _errors(_kgx(kgx_python, broken, "validate", "-i", "tsv",
                          "nodes.tsv", "edges.tsv"))  # fmt: skip
    messages = " ".join(message for _, message in errors)
    assert "'GeneOrGeneProduct' is a mixin" in messages
    assert "CURIE prefix 'NOSUCHPREFIX'" in messages


def _triple_counts(folder: Path) -> Counter[tuple[str, str, str]]:
    rows = (folder / "edges.tsv").read_text(encoding="utf-8").splitlines()
    header = rows[0].split("\t")
    s, p, o = (header.index(c) for c in ("subject", "predicate", "object"))
    return Counter(
        (r.split("\t")[s], r.split("\t")[p], r.split("\t")[o]) for r in rows[1:] if r
    )


def test_kgx_transform_keeps_every_edge_in_stream_mode(kgx_python, curated_export):
    folder, data = curated_export
    run = _kgx(kgx_python, folder, "transform", "--stream", "-i", "jsonl", "-f", "jsonl",
               "-o", "stream", "nodes.jsonl", "edges.jsonl")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    lines = (folder / "stream_edges.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(data.edges)
    assert {json.loads(line)["id"] for line in lines} == {
        f"gutbone.assertion:{key}" for key in data.edges
    }


def test_kgx_default_transform_keys_edges_on_subject_predicate_object(
    kgx_python, curated_export
):
    """kgx 2.6.0 keeps one edge per (subject, predicate, object) in its graph (the limit).

    Parallel assertions of one triple (the same claim from several sources, or an
    ``increases`` and a ``decreases`` from different studies) are one kgx edge in default
    mode, whatever their ids and qualifiers; a ``key`` property, which kgx's graph sink
    reads, makes kgx 2.6.0 fail (``add_edge() got multiple values for keyword 'key'``).
    """
    folder, data = curated_export
    run = _kgx(kgx_python, folder, "transform", "-i", "tsv", "-f", "tsv", "-o", "default",
               "nodes.tsv", "edges.tsv")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    triples = _triple_counts(folder)
    kept = (folder / "default_edges.tsv").read_text(encoding="utf-8").splitlines()[1:]
    assert len(kept) == len(triples)  # 1 per distinct triple
    assert sum(triples.values()) == len(data.edges)


def _assertions(data) -> dict[str, tuple]:
    return {
        e.id: (
            e.subject, e.predicate, e.object, e.sign, e.evidence_type, tuple(e.sources),
            e.locator, e.quote, e.statement, e.species, e.original_id,
            None if e.effect is None else tuple(
                getattr(e.effect, name) for name in (
                    "measure", "estimate", "ci_lower", "ci_upper", "p", "i2", "tau2", "k", "n",
                )
            ),
        )
        for e in data.edges.values()
    }  # fmt: skip


def _numbers_by_value(values: dict[str, tuple]) -> dict[str, tuple]:
    def plain(item):
        return float(item) if isinstance(item, Decimal) else item

    return {
        key: (*value[:-1], None if value[-1] is None else tuple(plain(v) for v in value[-1]))
        for key, value in values.items()
    }


def test_round_trip_through_kgx_default_mode_keeps_assertions_exactly(kgx_python, tmp_path):
    """gutbone -> kgx transform (TSV, default mode) -> gutbone: digits, signs, provenance."""
    data = load_curated(SMALL)
    export_graph(data, "kgx-tsv", tmp_path / "out")
    run = _kgx(kgx_python, tmp_path / "out", "transform", "-i", "tsv", "-f", "tsv",
               "-o", "kgx", "nodes.tsv", "edges.tsv")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "out"
    report = import_graphs([out / "kgx_nodes.tsv", out / "kgx_edges.tsv"], base=None,
                           out=tmp_path / "back")  # fmt: skip
    assert report.problems == ()
    back = load_curated(tmp_path / "back")
    assert _assertions(back) == _assertions(data)
    assert str(back.edges["e2"].effect.estimate) == "0.050"  # digits kept through kgx TSV
    # what kgx added (its own knowledge_source column) is reported, not silently dropped
    assert {(u.kind, u.value) for u in report.unmapped} <= {("property", "knowledge_source")}


def test_round_trip_of_the_curated_graph_through_kgx_stream_mode(
    kgx_python, curated_export, tmp_path
):
    """Every curated assertion comes back; kgx's JSON reader turns decimals into floats."""
    folder, data = curated_export
    if not (folder / "stream_edges.jsonl").exists():
        _kgx(kgx_python, folder, "transform", "--stream", "-i", "jsonl", "-f", "jsonl",
             "-o", "stream", "nodes.jsonl", "edges.jsonl")  # fmt: skip
    report = import_graphs([folder / "stream_nodes.jsonl", folder / "stream_edges.jsonl"],
                           base=None, out=tmp_path / "back")  # fmt: skip
    assert report.problems == ()
    back = load_curated(tmp_path / "back")
    assert len(back.edges) == len(data.edges)
    assert _numbers_by_value(_assertions(back)) == _numbers_by_value(_assertions(data))


def test_rdf_written_by_kgx_is_imported(kgx_python, tmp_path):
    """kgx's N-Triples type nodes with biolink:category (not rdf:type): all come back."""
    data = load_curated(SMALL)
    export_graph(data, "kgx-tsv", tmp_path / "out")
    run = _kgx(kgx_python, tmp_path / "out", "transform", "-i", "tsv", "-f", "nt",
               "-o", "graph.nt", "nodes.tsv", "edges.tsv")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    nt = tmp_path / "out" / "graph.nt"
    assert re.search(r"biolink/vocab/category> <https://w3id.org/biolink/vocab/SmallMolecule>",
                     nt.read_text(encoding="utf-8"))  # fmt: skip
    report = import_graphs([nt], base=None, out=tmp_path / "back")
    back = load_curated(tmp_path / "back")
    assert set(back.nodes) == set(data.nodes)
    assert back.nodes["CHEBI:17968"].category == "Metabolite"  # biolink:SmallMolecule
    assert report.nodes_added == len(data.nodes)
