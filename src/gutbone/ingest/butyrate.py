"""Butyrate producers: gut strains whose genomes carry a butyrate-synthesis pathway.

Raw file: ``gold_standard_ids_manual.tsv`` of kg-microbe-paper (BSD 3-Clause), columns
``Family, Name, Family_ID, Name_ID``: the 222 genomes that Vital, Howe & Tiedje (2014,
mBio 5:e00889-14, PMID 24757212) found to carry a complete butyrate-synthesis pathway,
mapped to NCBITaxon by the kg-microbe-paper authors. Each row with a valid NCBITaxon id gives
``taxon produces butyrate (CHEBI:17968)``, evidence ``genome_prediction``.

Which records count (see docs/ingest.md): only this gold standard. The same repository's
``Gold_Standard_Species_Overlap_butyrate_produces.csv`` also flags species by proteome or
functional annotation, but those flags mark any genome with a butyrate-related protein name
(3,176 of 3,763 species), too permissive to call a producer, and the file has no names.
Rows whose ``Name_ID`` is not an NCBITaxon id (``not found``) are skipped and counted. A
strain's family becomes its ``broader`` node only when the family id is a valid NCBITaxon
id, the name ends in ``-aceae`` and no other family name uses the same id in the file.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path
from typing import ClassVar

from gutbone.errors import IngestError, Problem
from gutbone.ingest.manifest import Manifest
from gutbone.ingest.transform import IngestedRows, RowCollector, Transform

__all__ = ["ButyrateProducers", "BUTYRATE", "SOURCE_ID", "RAW_FILE"]

BUTYRATE = "CHEBI:17968"
SOURCE_ID = "kg_microbe_butyrate_producers"
RAW_FILE = "gold_standard_ids_manual.tsv"
_HEADER = ["Family", "Name", "Family_ID", "Name_ID"]
_TAXON = re.compile(r"^NCBITaxon:[1-9][0-9]*$")


def _read(path: Path, display: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of the TSV with their line numbers; a wrong header or row width is an error."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, [])
        if header != _HEADER:
            raise IngestError(
                [Problem(display, 1, "-", f"header {header} is not {_HEADER} (changed file?)")]
            )
        rows: list[tuple[int, dict[str, str]]] = []
        problems: list[Problem] = []
        for number, values in enumerate(reader, start=2):
            if len(values) != len(_HEADER):
                problems.append(Problem(display, number, "-", f"{len(values)} fields, expected 4"))
                continue
            rows.append((number, {k: v.strip() for k, v in zip(_HEADER, values, strict=True)}))
    if problems:
        raise IngestError(problems)
    return rows


def _families(rows: list[tuple[int, dict[str, str]]]) -> dict[str, str]:
    """Family id -> name, for ids that are valid, unambiguous and name an '-aceae' family."""
    names: defaultdict[str, set[str]] = defaultdict(set)
    for _, row in rows:
        names[row["Family_ID"]].add(row["Family"])
    return {
        ident: next(iter(found))
        for ident, found in names.items()
        if _TAXON.match(ident) and len(found) == 1 and next(iter(found)).endswith("aceae")
    }


class ButyrateProducers(Transform):
    """Genome-predicted butyrate producers (Vital et al. 2014 via kg-microbe-paper)."""

    name: ClassVar[str] = "butyrate-producers"
    description: ClassVar[str] = "butyrate-producing strains from genome analysis (BSD-3-Clause)"

    def transform(self, raw: Path, manifest: Manifest, display: str, data: Path) -> IngestedRows:
        """Rows: one source, taxon and family nodes, one ``produces`` edge per strain."""
        rows = _read(raw / RAW_FILE, f"{display}/{RAW_FILE}")
        families = _families(rows)
        out = RowCollector()
        out.sources[SOURCE_ID] = {
            "id": SOURCE_ID, "kind": "database",
            "title": "Butyrate-producing bacteria: genomes with a butyrate-synthesis pathway "
            "(Vital et al. 2014 gold standard, mapped to NCBITaxon by kg-microbe-paper)",
            "citation": "Vital M, Howe AC, Tiedje JM. Revealing the bacterial butyrate synthesis "
            "pathways by analyzing (meta)genomic data. mBio 2014;5(2):e00889-14",
            "year": "2014", "doi": "10.1128/mBio.00889-14", "pmid": "24757212",
            "infores": "infores:kg-microbe", "version": manifest.version,
            "license": manifest.license, "url": f"https://github.com/{manifest.origin}",
            "note": f"Ingested by gutbone.ingest.butyrate from external/{self.name}/{RAW_FILE}; "
            "taxon ids as mapped by the kg-microbe-paper authors.",
        }  # fmt: skip
        out.node(
            {"id": BUTYRATE, "label": "butyrate", "category": "Metabolite", "source": SOURCE_ID}
        )
        for ident, family in families.items():
            out.node({"id": ident, "label": family, "category": "Taxon", "source": SOURCE_ID})
        lines: defaultdict[str, list[int]] = defaultdict(list)
        for number, row in rows:
            taxon = row["Name_ID"]
            if not _TAXON.match(taxon):
                out.skipped[f"Name_ID is not an NCBITaxon id ({taxon!r})"] += 1
                continue
            broader = row["Family_ID"] if row["Family_ID"] in families else ""
            if not broader:
                out.skipped["family not used as broader (invalid, ambiguous or not -aceae)"] += 1
            out.node(
                {"id": taxon, "label": row["Name"], "category": "Taxon", "source": SOURCE_ID,
                 "broader": broader}
            )  # fmt: skip
            lines[taxon].append(number)
        for taxon, numbers in lines.items():
            self._edge(out, taxon, numbers, display)
        return out.rows()

    @staticmethod
    def _edge(out: RowCollector, taxon: str, numbers: list[int], display: str) -> None:
        label = out.nodes[taxon]["label"]
        where = ", ".join(str(n) for n in numbers)
        out.edge(
            {
                "id": f"bp-{taxon.split(':')[1]}", "subject": taxon, "predicate": "produces",
                "object": BUTYRATE, "sign": "1", "evidence_type": "genome_prediction",
                "source": SOURCE_ID, "locator": f"{RAW_FILE} line {where}",
                "statement": f"The sequenced genome of {label} encodes a complete "
                "butyrate-synthesis pathway, so the strain is predicted to produce butyrate; "
                "production was not measured.",
                "species": taxon, "model_system": "genome_analysis", "original_id": taxon,
            }
        )  # fmt: skip
