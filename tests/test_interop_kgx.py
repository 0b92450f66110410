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
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from gutbone.curation import load_curated
from gutbone.interop.biolink import schema_path
from gutbone.interop.exports import export_graph
from gutbone.interop.imports import import_graphs
from gutbone.interop.kgx import assertion_id, kgx_records
from gutbone.pipeline import build_knowledge_graph

pytestmark = pytest.mark.kgx

KGX_VERSION = "2.6.0"
RUNNER = Path(__file__).parent / "kgx_offline.py"
SMALL = Path(__file__).parent / "fixtures" / "data_small"
KG_MICROBE_DIRECTED = Path(__file__).parent / "fixtures" / "interop" / "kg_microbe_directed"
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


def _edge_ids(path: Path) -> list[str]:
    """The ``id`` of every edge of a KGX TSV or JSON Lines edge file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".jsonl":
        return [json.loads(line)["id"] for line in lines if line]
    column = lines[0].split("\t").index("id")
    return [line.split("\t")[column] for line in lines[1:] if line]


def test_kgx_transform_keeps_every_edge_in_stream_mode(kgx_python, curated_export):
    folder, _ = curated_export
    run = _kgx(kgx_python, folder, "transform", "--stream", "-i", "jsonl", "-f", "jsonl",
               "-o", "stream", "nodes.jsonl", "edges.jsonl")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    exported = _edge_ids(folder / "edges.jsonl")
    assert sorted(_edge_ids(folder / "stream_edges.jsonl")) == sorted(exported)


@pytest.mark.parametrize("serialization", ["tsv", "jsonl"])
def test_kgx_default_transform_keeps_every_edge(kgx_python, curated_export, serialization):
    """kgx keys edges on subject-predicate-object; the export has one edge per triple.

    kgx 2.6.0 (2.7.0 alike) keeps one edge per (subject, predicate, object) in default mode,
    whatever the ids and qualifiers (``generate_edge_key``); the export aggregates
    gutbone's parallel assertions (kgx_edges), so every exported edge survives, by id.
    """
    folder, data = curated_export
    out = f"default-{serialization}"
    run = _kgx(kgx_python, folder, "transform", "-i", serialization, "-f", serialization,
               "-o", out, f"nodes.{serialization}", f"edges.{serialization}")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    exported = _edge_ids(folder / f"edges.{serialization}")
    kept = _edge_ids(folder / f"{out}_edges.{serialization}")
    assert len(kept) == len(exported) and sorted(kept) == sorted(exported)
    assert len(exported) < len(data.edges)  # parallel assertions are aggregated


def _merge_config(folder: Path, name: str, sources: dict[str, list[str]]) -> Path:
    """A ``kgx merge`` YAML configuration: TSV sources, one TSV destination ``name``."""
    config = {
        "configuration": {"output_directory": name, "checkpoint": False},
        "merged_graph": {
            "name": name,
            "source": {
                key: {"name": key, "input": {"format": "tsv", "filename": files}}
                for key, files in sources.items()
            },
            "operations": [],
            "destination": {"out": {"format": "tsv", "filename": [name]}},
        },
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def _with_kg_microbe(folder: Path) -> list[str]:
    for kind in ("nodes", "edges"):
        (folder / f"kgm_{kind}.tsv").write_text(
            (KG_MICROBE_DIRECTED / f"{kind}.tsv").read_text(encoding="utf-8"), encoding="utf-8"
        )
    return ["kgm_nodes.tsv", "kgm_edges.tsv"]


def test_kgx_merge_keeps_every_edge(kgx_python, curated_export):
    """``kgx merge`` of the export with itself and with a KG-Microbe-style graph.

    Merged with itself, each edge meets its twin (same key) and stays one edge; the
    KG-Microbe-style graph's 4 edges (ids ``kgm:1``-``kgm:4``) are added to them.
    """
    folder, _ = curated_export
    gutbone = ["nodes.tsv", "edges.tsv"]
    config = _merge_config(folder, "merged", {"gutbone": gutbone, "again": gutbone,
                                              "kgm": _with_kg_microbe(folder)})  # fmt: skip
    run = _kgx(kgx_python, folder, "merge", "--merge-config", str(config))
    assert run.returncode == 0, run.stderr[-2000:]
    merged = _edge_ids(folder / "merged" / "merged_edges.tsv")
    exported = _edge_ids(folder / "edges.tsv")
    assert sorted(merged) == sorted([*exported, "kgm:1", "kgm:2", "kgm:3", "kgm:4"])


def _assertions(data) -> dict[str, tuple]:
    return {
        e.id: (
            e.subject, e.predicate, e.object, e.sign, e.evidence_type, tuple(e.sources),
            e.locator, e.quote, e.statement, e.species, e.original_id, e.context, e.note,
            e.quote_en, e.locator_en, e.model_system,
            e.agent_type or "manual_agent",  # what the export writes for an empty one
            None if e.effect is None else tuple(
                getattr(e.effect, name) for name in (
                    "measure", "estimate", "ci_lower", "ci_upper", "p", "i2", "tau2", "k", "n",
                )
            ),
        )
        for e in data.edges.values()
    }  # fmt: skip


def _sources_as_sets(values: dict[str, tuple]) -> dict[str, tuple]:
    """kgx sorts list fields (``gutbone_sources`` of an edge too): compare them as sets."""
    return {key: (*value[:5], tuple(sorted(value[5])), *value[6:]) for key, value in values.items()}


def _numbers_by_value(values: dict[str, tuple]) -> dict[str, tuple]:
    def plain(item):
        return float(item) if isinstance(item, Decimal) else item

    return {
        key: (*value[:-1], None if value[-1] is None else tuple(plain(v) for v in value[-1]))
        for key, value in values.items()
    }


def _through_kgx_tsv(kgx_python: Path, data, tmp_path: Path):
    """Export ``data`` as KGX TSV, run kgx's default transform on it, import the result."""
    export_graph(data, "kgx-tsv", tmp_path / "out")
    run = _kgx(kgx_python, tmp_path / "out", "transform", "-i", "tsv", "-f", "tsv",
               "-o", "kgx", "nodes.tsv", "edges.tsv")  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "out"
    report = import_graphs([out / "kgx_nodes.tsv", out / "kgx_edges.tsv"], base=None,
                           out=tmp_path / "back")  # fmt: skip
    assert report.problems == ()
    return report, load_curated(tmp_path / "back")


def test_round_trip_through_kgx_default_mode_keeps_assertions_exactly(kgx_python, tmp_path):
    """gutbone -> kgx transform (TSV, default mode) -> gutbone: digits, signs, provenance."""
    data = load_curated(SMALL)
    report, back = _through_kgx_tsv(kgx_python, data, tmp_path)
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


_KNOWLEDGE = ("primary_knowledge_source", "aggregator_knowledge_source", "publications",
              "agent_type", "knowledge_level", "object_direction_qualifier")  # fmt: skip


def _knowledge(data, ids=None) -> dict[str, tuple]:
    """Biolink provenance and direction of each assertion as gutbone exports it."""
    _, records = kgx_records(data)
    return {
        assertion_id(str(r["id"])): tuple(str(r.get(name, "")) for name in _KNOWLEDGE)
        for r in records
        if ids is None or assertion_id(str(r["id"])) in ids
    }


def test_round_trip_of_the_curated_graph_through_kgx_default_mode(
    kgx_python, curated_export, tmp_path
):
    """gutbone -> kgx transform (TSV, default mode) -> gutbone, assertion by assertion.

    Subject, predicate, sign, evidence, sources, locator, quote, statement, species, the
    effect numbers digit for digit, and the Biolink provenance the assertion re-exports with.
    """
    folder, data = curated_export
    if not (folder / "default-tsv_edges.tsv").exists():
        _kgx(kgx_python, folder, "transform", "-i", "tsv", "-f", "tsv", "-o", "default-tsv",
             "nodes.tsv", "edges.tsv")  # fmt: skip
    report = import_graphs([folder / "default-tsv_nodes.tsv", folder / "default-tsv_edges.tsv"],
                           base=None, out=tmp_path / "back")  # fmt: skip
    assert report.problems == ()
    assert {(u.kind, u.value) for u in report.unmapped} <= {("property", "knowledge_source")}
    back = load_curated(tmp_path / "back")
    want, have = _sources_as_sets(_assertions(data)), _sources_as_sets(_assertions(back))
    assert set(have) == set(want)
    assert [key for key in want if have[key] != want[key]] == []
    assert _knowledge(back) == _knowledge(data)


def test_kgx_merge_with_another_graph_keeps_every_assertion(kgx_python, curated_export, tmp_path):
    """``kgx merge`` of the export and a KG-Microbe-style graph -> gutbone: nothing lost."""
    folder, data = curated_export
    config = _merge_config(folder, "merged2", {"gutbone": ["nodes.tsv", "edges.tsv"],
                                               "kgm": _with_kg_microbe(folder)})  # fmt: skip
    run = _kgx(kgx_python, folder, "merge", "--merge-config", str(config))
    assert run.returncode == 0, run.stderr[-2000:]
    merged = folder / "merged2"
    # the source documents (with their infores ids) travel in gutbone's graph_metadata.json,
    # which kgx does not carry: kept beside kgx's output (docs/interop.md)
    (merged / "graph_metadata.json").write_text((folder / "graph_metadata.json").read_text())
    report = import_graphs([merged / "merged2_nodes.tsv", merged / "merged2_edges.tsv"],
                           base=None, out=tmp_path / "back")  # fmt: skip
    assert report.problems == ()
    back = load_curated(tmp_path / "back")
    want, have = _sources_as_sets(_assertions(data)), _sources_as_sets(_assertions(back))
    assert set(have) == set(want) | {"kgm:1", "kgm:2", "kgm:3", "kgm:4"}
    assert [key for key in want if have[key] != want[key]] == []
    assert _knowledge(back, set(want)) == _knowledge(data)


def test_kg_microbe_style_graph_keeps_its_knowledge_sources_through_kgx(kgx_python, tmp_path):
    """Imported into the curated graph, exported, through kgx (default mode), imported again.

    The KG-Microbe-style edges re-export with the knowledge sources, agent types and
    directions they came with (test_interop checks the first import), gutbone an aggregator.
    """
    import_graphs([KG_MICROBE_DIRECTED], out=tmp_path / "m")
    merged = load_curated(tmp_path / "m")
    _, back = _through_kgx_tsv(kgx_python, merged, tmp_path)
    assert len(back.edges) == len(merged.edges)
    kgm = {"kgm:1", "kgm:2", "kgm:3", "kgm:4"}
    assert _knowledge(back, kgm) == _knowledge(merged, kgm)
    # kgx sorts list fields (gutbone_sources too): the sources are the same, the primary
    # knowledge source first among the infores ones again (from primary_knowledge_source)
    for key in kgm:
        want, have = _assertions(merged)[key], _assertions(back)[key]
        assert have[:5] + have[6:] == want[:5] + want[6:], key
        assert sorted(have[5]) == sorted(want[5]), key
        infores = [[s for s in value[5] if s.startswith("infores:")] for value in (want, have)]
        assert infores[1][:1] == infores[0][:1], key
    found = _knowledge(back, kgm)
    # as the fixture gives them (tests/fixtures/interop/kg_microbe_directed/edges.tsv)
    assert found["kgm:1"][:4] == ("infores:disbiome", "['infores:kg-microbe', 'infores:gutbone']",
                                  "['PMID:31258331']", "manual_agent")  # fmt: skip
    assert found["kgm:2"][3] == "text_mining_agent"
    assert found["kgm:3"][0] == "infores:kg-microbe-function"
    assert (found["kgm:3"][3], found["kgm:3"][5]) == ("automated_agent", "increased")


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
