"""Ingestion: licensed raw files of outside sources -> table rows with provenance.

One transform per source (KG-Hub style), each behind :class:`Transform`: it reads the raw
files bundled in ``data/external/<name>/`` (unchanged, with licence and MANIFEST), maps
identifiers to CURIEs and returns rows that ``gutbone ingest`` writes to
``data/ingested/<name>/`` and the build merges with the curated tables. Nothing here opens a
network connection.

>>> sorted(TRANSFORMS)
['butyrate-producers', 'cell-ontology', 'wikipathways']
"""

from __future__ import annotations

from gutbone.ingest.butyrate import ButyrateProducers
from gutbone.ingest.cell_ontology import CellOntology, Ontology, load_obo
from gutbone.ingest.manifest import Manifest, read_manifest, verify_files
from gutbone.ingest.runner import EXTERNAL_DIR, INGESTED_DIR, IngestReport, run_ingest
from gutbone.ingest.transform import IngestedRows, Transform
from gutbone.ingest.wikipathways import WikiPathways

__all__ = [
    # the interface and the runner
    "Transform",
    "IngestedRows",
    "IngestReport",
    "run_ingest",
    "TRANSFORMS",
    "EXTERNAL_DIR",
    "INGESTED_DIR",
    # raw-file checks
    "Manifest",
    "read_manifest",
    "verify_files",
    # sources
    "WikiPathways",
    "ButyrateProducers",
    "CellOntology",
    "Ontology",
    "load_obo",
]

#: Every source ``gutbone ingest`` knows, by folder name.
TRANSFORMS: dict[str, Transform] = {
    transform.name: transform for transform in (WikiPathways(), ButyrateProducers(), CellOntology())
}
