"""Local ``gutbone:`` identifiers: replaced where a standard id was seen, noted where not.

Issue 12, audit item (f). Every local id of the curated node tables was searched again; the
ones whose standard id was seen next to its label are replaced (the old id kept as an xref,
every edge moved), the others keep a note saying what was searched. The expected ids and
labels are written out by hand:

- EFO measurements: from the EFO term list bundled unchanged in ``data/external/oba/``
  (``oba-efo-unmapped.sssom.tsv``), so they are checked again here, offline;
- MeSH descriptors: from FamPlex (sorgerlab/famplex, ``export/famplex.obo`` and
  ``equivalences.csv``, commit e19b3a9), whose families Wnt, Cyclin, HTR and PKA carry the MeSH
  xref and quote the MeSH scope note, and from a MeSH keyword page for D020845 (SERMs); these
  sources are not bundled, so the test checks that each note names its source.
"""

from __future__ import annotations

import csv

import pyoxigraph as ox
import pytest

from gutbone.curation import CuratedData
from gutbone.rdf import node_iri
from gutbone.resources import data_dir

EFO_LIST = data_dir() / "external" / "oba" / "oba-efo-unmapped.sssom.tsv"

# old local id -> (new id, label, category, the source the note must name)
REPLACED = {
    "gutbone:hrv_rmssd": (
        "EFO:0009257", "root mean square of the successive differences of inter beat intervals",
        "Measurement", "oba-efo-unmapped.sssom.tsv"),
    "gutbone:hrv_pvrsa_hf": (
        "EFO:0009258", "peak-valley respiratory sinus arrhythmia or high frequency power",
        "Measurement", "oba-efo-unmapped.sssom.tsv"),
    "gutbone:intestinal_permeability": (
        "EFO:0011031", "intestinal permeability measurement", "Measurement",
        "oba-efo-unmapped.sssom.tsv"),
    "gutbone:protein_kinase_a": ("MESH:D017868", "protein kinase A", "Enzyme", "famplex"),
    "gutbone:cyclin": ("MESH:D016213", "cyclins", "GeneProduct", "famplex"),
    "gutbone:wnt_ligand": ("MESH:D051153", "Wnt proteins", "GeneProduct", "famplex"),
    "gutbone:serotonin_receptor": ("MESH:D011985", "serotonin receptors", "Receptor", "famplex"),
    "gutbone:selective_estrogen_receptor_modulator": (
        "MESH:D020845", "selective estrogen receptor modulator", "Chemical", "keywordSummaryD020845"),
}  # fmt: skip
# Replaced in the first pass of the audit (tests/test_knowledge_outcomes.py checks them too).
REPLACED_BEFORE = {
    "gutbone:bone_mass": "OBA:VT1000111",
    "gutbone:forearm_bone_mineral_density": "EFO:0007933",
    "gutbone:hip_bone_mineral_density": "EFO:0007702",
    "gutbone:galactooligosaccharide": "CHEBI:24151",
    "gutbone:gut_dysbiosis": "MESH:D064806",
    "gutbone:host_microrna": "MESH:D035683",
}
# Every local id of the curated node tables after the second pass (41): each note says what
# was searched this time and why the id stays local.
KEPT_LOCAL = """
bone_alp_measurement bone_turnover_marker serum_ctx serum_p1np total_body_bone_mineral_density
bone_specific_alkaline_phosphatase cervical_spine_bone_mineral_density femur_bone_mineral_density
mibiogen_coprococcus_2 mibiogen_lachnospiraceae_nc2004_group mibiogen_ruminococcaceae_nk4a214_group
probiotic_adjuvant_therapy choline_tma_lyase clostridium_cluster_iv mibiogen_prevotella_9
spore_forming_bacteria tibia_total_volumetric_bmd trabecular_bone_volume bisphosphonate claudin
clostridium_xiva dietary_fiber estrogen_deficiency intestinal_barrier intestinal_ph
osteoclast_precursor rankl_opg_ratio antimicrobial_peptide bacteroides_fragilis_toxin denosumab
fracture_healing fructooligosaccharide glp_1 human_milk_oligosaccharide mir_133 mir_194
mir_433_3p prebiotic secondary_bile_acid segmented_filamentous_bacteria teriparatide
""".split()
RECHECKED = "Checked again (issue 12 remainder"


def _efo_labels() -> dict[str, str]:
    with EFO_LIST.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {
            r["id"]: r["value"].removesuffix("@en") for r in rows if r["predicate"] == "rdfs:label"
        }


def test_at_least_thirteen_local_ids_replaced() -> None:
    assert len(REPLACED) + len(REPLACED_BEFORE) == 14


@pytest.mark.parametrize("old", sorted(REPLACED))
def test_replaced_id_has_label_category_note_and_old_id_as_xref(
    curated_data: CuratedData, old: str
) -> None:
    new, label, category, source = REPLACED[old]
    assert old not in curated_data.nodes
    node = curated_data.nodes[new]
    assert (node.label, node.category) == (label, category)
    assert old in node.xrefs
    assert source in node.note
    assert f"Replaces the local id {old}" in node.note
    assert not any(old in (e.subject, e.object) for e in curated_data.edges.values())


@pytest.mark.parametrize("old", sorted(o for o, v in REPLACED.items() if v[0].startswith("EFO:")))
def test_efo_replacements_are_current_terms_of_the_bundled_list(old: str) -> None:
    new, label, _, _ = REPLACED[old]
    efo = _efo_labels()
    assert efo[new] == label and not label.startswith("obsolete")


def test_edges_moved_with_the_ids(curated_data: CuratedData) -> None:
    # seed 001 Fig. 3: RMSSD mediates part of the NC2004 effect on heel BMD
    assert curated_data.edges["mr-007"].subject == "EFO:0009257"
    assert curated_data.edges["mr-008"].subject == "EFO:0009258"
    # seed 000 sec. 4.1: barrier damage raises osteoporosis risk; 4.3.2: Wnt -> beta-catenin
    assert curated_data.edges["rev-4.1-001"].subject == "EFO:0011031"
    assert curated_data.edges["rev-4.3.2-007"].subject == "MESH:D051153"
    # sec. 4.4.3: 5-HT via HTR1B lowers PKA and the cyclins; serotonin receptors on osteoblasts
    assert curated_data.edges["rev-4.4.3-016"].object == "MESH:D017868"
    assert curated_data.edges["rev-4.4.3-018"].object == "MESH:D016213"
    assert curated_data.edges["rev-4.4.3-001"].subject == "MESH:D011985"
    assert curated_data.edges["rev-1-009"].subject == "MESH:D020845"


def test_sparql_finds_the_new_ids_and_keeps_the_old_as_xref(curated_store: ox.Store) -> None:
    query = f"""
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?label ?xref WHERE {{
      <{node_iri("MESH:D051153")}> rdfs:label ?label ; ?p ?xref .
      FILTER(STR(?xref) = "gutbone:wnt_ligand")
    }}"""
    rows = list(curated_store.query(query))
    assert [row["label"].value for row in rows] == ["Wnt proteins"]
    old = f"ASK {{ <{node_iri('gutbone:wnt_ligand')}> ?p ?o }}"
    assert not curated_store.query(old)


@pytest.mark.parametrize("local", KEPT_LOCAL)
def test_every_remaining_local_id_says_what_was_searched(
    curated_data: CuratedData, local: str
) -> None:
    node = curated_data.nodes[f"gutbone:{local}"]
    assert RECHECKED in node.note
    assert len(node.note.split(RECHECKED, 1)[1]) > 30


def test_no_other_local_ids(curated_data: CuratedData) -> None:
    curated = {
        row["id"]
        for path in sorted((data_dir() / "nodes").glob("*.csv"))
        for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())
    }
    assert {c for c in curated if c.startswith("gutbone:")} == {f"gutbone:{k}" for k in KEPT_LOCAL}


def test_fos_is_fructooligosaccharide_not_the_fos_gene(curated_data: CuratedData) -> None:
    """'FOS' in the review is fructooligosaccharide; HGNC:3796 is the FOS proto-oncogene."""
    node = curated_data.nodes["gutbone:fructooligosaccharide"]
    assert "FOS" in node.synonyms and "HGNC:3796" in node.note
    assert "HGNC:3796" not in curated_data.nodes
