"""Ingestion transforms on small real excerpts: exact rows, corrupted files, determinism.

The excerpts in ``tests/fixtures/ingest/external/`` are cut from the bundled raw files
(WP2366 butyrate-induced histone acetylation; 8 rows of the butyrate-producer gold standard)
without any other change; the expected rows below were written out by hand from them.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.errors import IngestError
from gutbone.ingest import TRANSFORMS, run_ingest
from gutbone.ingest.cell_ontology import parse_obo
from gutbone.resources import data_dir

FIXTURE = Path(__file__).parent / "fixtures" / "ingest"
WP = "wikipathways/wikipathways-database@c0aa5fdb57bcce8171cbb02030f7f1fee80b5919"
KGM = "bsantan/kg-microbe-paper@bb3e2e0d2228959d39d81c41724bf8080ff63d23"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE, tmp_path / "data")
    return tmp_path / "data"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: v for k, v in row.items() if v} for row in csv.DictReader(handle)]


def test_wikipathways_excerpt_gives_these_rows(data: Path) -> None:
    (report,) = run_ingest(data, [TRANSFORMS["wikipathways"]])
    out = data / "ingested" / "wikipathways"
    # WP2366: Glucose -Arrow-> AKT; Butyrate -mim-conversion-> Acetyl CoA. Skipped: the
    # conversion drawn from one butyrate box to another (same CHEBI id: a self loop), the
    # TBar from butyrate to "HDACs" (an InterPro family, no gene id), and HDACs itself.
    assert _rows(out / "edges.csv") == [
        {"id": "wp-WP2366-id6dc40e6d", "subject": "CHEBI:17634", "predicate": "increases",
         "object": "NCBIGene:207", "sign": "1", "evidence_type": "pathway_database",
         "source": "wikipathways_WP2366", "locator": "WP2366 Interaction id6dc40e6d",
         "statement": "WikiPathways WP2366 (Butyrate-induced histone acetylation) draws an "
         "activating arrow (Arrow) from Glucose to AKT.",
         "species": "NCBITaxon:9606", "model_system": "pathway_diagram",
         "original_id": "WP2366:id6dc40e6d"},
        {"id": "wp-WP2366-ida4a53531", "subject": "CHEBI:17968", "predicate": "precursor_of",
         "object": "CHEBI:15351", "sign": "1", "evidence_type": "pathway_database",
         "source": "wikipathways_WP2366", "locator": "WP2366 Interaction ida4a53531",
         "statement": "WikiPathways WP2366 (Butyrate-induced histone acetylation) draws a "
         "conversion arrow (mim-conversion) from Butyrate to Acetyl CoA.",
         "species": "NCBITaxon:9606", "model_system": "pathway_diagram",
         "original_id": "WP2366:ida4a53531"},
    ]  # fmt: skip
    # AKT's UniProt xref P31749 maps to NCBI Gene 207 / HGNC symbol AKT1 in the mapping table
    assert _rows(out / "nodes.csv") == [
        {"id": "CHEBI:15351", "label": "Acetyl CoA", "category": "Metabolite", "source": "wikipathways_WP2366"},
        {"id": "CHEBI:17634", "label": "Glucose", "category": "Metabolite", "source": "wikipathways_WP2366"},
        {"id": "CHEBI:17968", "label": "Butyrate", "category": "Metabolite", "source": "wikipathways_WP2366"},
        {"id": "NCBIGene:207", "label": "AKT1", "category": "GeneProduct", "synonyms": "AKT", "source": "wikipathways_WP2366"},
    ]  # fmt: skip
    (source,) = _rows(out / "sources.csv")
    assert source["version"] == f"WP2366_r141022 ({WP})"
    assert (source["license"], source["infores"], source["pmid"]) == (
        "CC0-1.0",
        "infores:wikipathways",
        "23063526",
    )
    assert source["year"] == "2025"
    assert report.skipped == {
        "edge from a node to itself": 1,
        "end is not connected to a mapped DataNode, group or anchor": 1,
        "gene product without an NCBI Gene id (InterPro)": 1,
    }


def test_butyrate_producers_excerpt_gives_these_rows(data: Path) -> None:
    (report,) = run_ingest(data, [TRANSFORMS["butyrate-producers"]])
    out = data / "ingested" / "butyrate-producers"
    edges = _rows(out / "edges.csv")
    # 8 rows: 'not found' skipped; NCBITaxon:1000568 on two rows (two names) -> one edge
    assert [(e["id"], e["subject"], e["locator"]) for e in edges] == [
        ("bp-1000568", "NCBITaxon:1000568", "gold_standard_ids_manual.tsv line 8, 9"),
        ("bp-105841", "NCBITaxon:105841", "gold_standard_ids_manual.tsv line 3"),
        ("bp-411490", "NCBITaxon:411490", "gold_standard_ids_manual.tsv line 2"),
        ("bp-457570", "NCBITaxon:457570", "gold_standard_ids_manual.tsv line 6"),
        ("bp-555088", "NCBITaxon:555088", "gold_standard_ids_manual.tsv line 5"),
        ("bp-572479", "NCBITaxon:572479", "gold_standard_ids_manual.tsv line 7"),
    ]
    assert {(e["predicate"], e["object"], e["sign"], e["evidence_type"]) for e in edges} == {
        ("produces", "CHEBI:17968", "1", "genome_prediction")
    }
    assert edges[2]["statement"] == (
        "The sequenced genome of Anaerostipes caccae DSM 14662 encodes a complete "
        "butyrate-synthesis pathway, so the strain is predicted to produce butyrate; "
        "production was not measured."
    )
    nodes = {row["id"]: row for row in _rows(out / "nodes.csv")}
    # family id 972 is used by two family names in the file: ambiguous, no broader
    assert nodes["NCBITaxon:411490"]["broader"] == "NCBITaxon:186803"
    assert "broader" not in nodes["NCBITaxon:555088"]
    assert nodes["NCBITaxon:1000568"]["synonyms"] == "Megasphaera genomosp. UPII 199-6"
    assert sorted(n for n in nodes if n.startswith("NCBITaxon:") and "broader" not in nodes[n]) == [
        "NCBITaxon:186803", "NCBITaxon:31977", "NCBITaxon:457570", "NCBITaxon:555088",
        "NCBITaxon:572479",
    ]  # fmt: skip
    (source,) = _rows(out / "sources.csv")
    assert (source["version"], source["license"], source["pmid"]) == (KGM, "BSD-3-Clause", "24757212")
    assert report.skipped["Name_ID is not an NCBITaxon id ('not found')"] == 1


def test_rerun_is_byte_identical_and_check_mode_sees_no_change(data: Path) -> None:
    transforms = [TRANSFORMS["wikipathways"], TRANSFORMS["butyrate-producers"]]
    run_ingest(data, transforms)
    first = {p: p.read_bytes() for p in sorted((data / "ingested").rglob("*.csv"))}
    reports = run_ingest(data, transforms)
    assert {p: p.read_bytes() for p in sorted((data / "ingested").rglob("*.csv"))} == first
    assert all(report.changed == () for report in reports)


def test_changed_raw_file_is_reported_with_file_and_manifest_line(data: Path) -> None:
    raw = data / "external" / "butyrate-producers" / "gold_standard_ids_manual.tsv"
    raw.write_text(raw.read_text().replace("DSM 14662", "DSM 14663"))
    with pytest.raises(IngestError) as info:
        run_ingest(data, [TRANSFORMS["butyrate-producers"]])
    (problem,) = info.value.problems
    assert str(problem).startswith(
        "data/external/butyrate-producers/gold_standard_ids_manual.tsv:0:sha256: "
    )
    assert "recorded at data/external/butyrate-producers/MANIFEST:9" in str(problem)


def test_corrupted_gpml_gives_file_and_line_and_exit_1(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpml = data / "external" / "wikipathways" / "WP2366" / "WP2366.gpml"
    lines = gpml.read_text().splitlines(keepends=True)
    assert lines[20] == "  </DataNode>\n"  # line 21 closes the HDACs DataNode
    lines[20] = "  </DataNod>\n"
    gpml.write_text("".join(lines))
    manifest = data / "external" / "wikipathways" / "MANIFEST"
    from gutbone.ingest.manifest import sha256

    text = manifest.read_text().splitlines()
    text[8] = f"{sha256(gpml)}  WP2366/WP2366.gpml  pathways/WP2366/WP2366.gpml"  # re-recorded
    manifest.write_text("\n".join(text) + "\n")
    assert main(["ingest", "wikipathways", "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "error: data/external/wikipathways/WP2366/WP2366.gpml:21:-: not well-formed XML: mismatched tag" in err
    assert "Traceback" not in err


def test_bundled_ingested_rows_are_current() -> None:
    """``gutbone ingest --check`` on the bundled data: the committed rows are what the raw
    files (and the curated node tables the WikiPathways transform reads) give."""
    run = subprocess.run(
        [sys.executable, "-m", "gutbone", "ingest", "--check", "--data", str(data_dir())],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


def test_ingested_rows_merge_into_the_curated_tables(data: Path) -> None:
    curated = load_curated()
    butyrate = curated.nodes["CHEBI:17968"]
    assert butyrate.label == "butyrate"  # the hand-curated node wins ...
    assert "kg_microbe_butyrate_producers" in butyrate.sources  # ... and gains the source
    assert "wikipathways_WP2366" in butyrate.sources
    edge = curated.edges["bp-411490"]
    assert (edge.subject, edge.predicate, edge.object) == ("NCBITaxon:411490", "produces", "CHEBI:17968")
    assert curated.sources["kg_microbe_butyrate_producers"].license == "BSD-3-Clause"


def test_cell_ontology_label_mismatch_and_obsolete_ids_are_reported(data: Path) -> None:
    obo = [
        "format-version: 1.2", "data-version: cl/releases/2022-09-15/cl-base.owl", "",
        "[Term]", "id: CL:0000092", "name: osteoclast", "",
        "[Term]", "id: CL:0000111", "name: obsolete peripheral neuron", "is_obsolete: true", "",
    ]  # fmt: skip
    ontology = parse_obo(obo, "cl.obo")
    assert ontology.version == "2022-09-15"
    assert ontology.problem("CL:0000092", "bone-resorbing cell") == (
        "label 'bone-resorbing cell' differs from the Cell Ontology label 'osteoclast' of "
        "CL:0000092 (release 2022-09-15)"
    )
    assert ontology.problem("CL:0000111", "peripheral neuron") == (
        "CL:0000111 (obsolete peripheral neuron) is obsolete in the Cell Ontology"
    )
    assert ontology.problem("CL:9999999", "x") == (
        "CL:9999999 is not in the Cell Ontology (release 2022-09-15)"
    )


def test_validate_checks_cl_ids_against_the_bundled_ontology(tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(data_dir(), root, ignore=shutil.ignore_patterns("ingested", "studies"))
    nodes = root / "nodes" / "review.csv"
    text = nodes.read_text(encoding="utf-8")
    assert "CL:0000092,osteoclast," in text
    nodes.write_text(text.replace("CL:0000092,osteoclast,", "CL:0000092,bone eater,"), encoding="utf-8")
    (root / "outcomes.csv").unlink()
    with pytest.raises(Exception) as info:
        load_curated(root)
    assert any(
        p.field == "label" and "'bone eater' differs from the Cell Ontology label 'osteoclast'" in p.message
        for p in info.value.problems  # type: ignore[attr-defined]
    )


def test_every_cl_id_of_the_bundled_tables_is_current() -> None:
    """No obsolete or unknown CL id (offline, against the bundled cl-basic.obo)."""
    ontology = load_curated()  # load_curated raises on any CL problem
    assert sum(node.startswith("CL:") for node in ontology.nodes) >= 15


#: Identifiers known to be obsolete, with where that was read (offline list; CL ids are checked
#: against the whole bundled Cell Ontology by load_curated).
OBSOLETE = {
    # EFO 'bone density': exactMatch OBA:1000110 in obophenotype/bio-attribute-ontology
    # src/mappings/oba-efo.sssom.tsv (human-curated 2022-06-08); obsolete in EFO (issue 12 audit)
    "EFO:0003923": "OBA:1000110",
}


def test_no_obsolete_identifier_in_the_bundled_tables() -> None:
    data = load_curated()
    used = set(data.nodes) | {n.broader for n in data.nodes.values()}
    used |= {e.subject for e in data.edges.values()} | {e.object for e in data.edges.values()}
    assert not used & set(OBSOLETE), sorted(used & set(OBSOLETE))
    assert set(OBSOLETE.values()) <= set(data.nodes)
