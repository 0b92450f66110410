"""Node labels checked against what offline sources call their identifier.

Two kinds of identifiers have a name source bundled with the data (``data/external/``),
so a label that contradicts its identifier is caught without any network access:

- ``CL:`` ids: the Cell Ontology (:mod:`gutbone.ingest.cell_ontology`): the label must
  be the term's name or an exact synonym;
- ``NCBITaxon:`` ids: the taxon names that bundled source files give for the ids they
  carry: the butyrate-producer table (``Name``/``Name_ID``, ``Family``/``Family_ID``) and
  the organism of each WikiPathways diagram (``Organism="Homo sapiens"``, mapped to its
  NCBITaxon id as the WikiPathways ingest does).

A taxon label agrees with a name when the two are equal after Unicode normalisation, case
folding and collapsing of spaces, or when one extends the other by more words and the
shorter has at least two words (a strain name such as ``Anaerostipes caccae DSM 14662``
for the species id labelled ``Anaerostipes caccae``). The node's synonyms count as well.
Identifiers no bundled source names are not checked.

The category is checked against the identifier's prefix with the Biolink Model: each
category's Biolink class accepts some CURIE prefixes and not others (the table
``ontology/biolink-prefixes.tsv``, generated from the installed ``biolink-model`` by
``scripts/biolink_prefixes.py``): an ``NCBITaxon:`` node cannot be a ``Metabolite``.

>>> taxa = TaxonNames({"NCBITaxon:9606": (("Homo sapiens", "WP12.gpml"),)})
>>> taxa.problem("NCBITaxon:9606", "Akkermansia muciniphila", ())
"label 'Akkermansia muciniphila' contradicts NCBITaxon:9606, which is 'Homo sapiens' in WP12.gpml"
>>> taxa.problem("NCBITaxon:9606", "human", ("Homo  Sapiens",)) is None
True
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

from gutbone.ingest.butyrate import RAW_FILE as BUTYRATE_FILE
from gutbone.ingest.cell_ontology import OBO_FILE, Ontology, load_obo
from gutbone.ingest.wikipathways import ORGANISMS
from gutbone.resources import data_dir, ontology_dir
from gutbone.suggest import normalize_text

__all__ = ["LabelMismatch", "TaxonNames", "CategoryPrefixes", "LabelChecker", "load_label_checker"]

_TAXON = re.compile(r"^NCBITaxon:[1-9][0-9]*$")
_ORGANISM = re.compile(r'<Pathway\b[^>]*\bOrganism="([^"]*)"')


class LabelMismatch(NamedTuple):
    """A label (or id) that an offline source contradicts: the column and the message."""

    field: str
    message: str


def _agrees(label: str, name: str) -> bool:
    """Whether a taxon label and a source's name for the same id agree (see module doc)."""
    if label == name:
        return True
    shorter, longer = sorted((label, name), key=len)
    return len(shorter.split()) >= 2 and longer.startswith(shorter + " ")


@dataclass(frozen=True)
class TaxonNames:
    """NCBITaxon names given by bundled source files.

    :param names: NCBITaxon CURIE -> ((name, where the source gives it), ...).
    """

    names: Mapping[str, tuple[tuple[str, str], ...]]

    def problem(self, curie: str, label: str, synonyms: Sequence[str]) -> str | None:
        """What is wrong with a taxon node labelled ``label``, or None.

        :returns: a message giving both the label and the source's name when neither the
            label nor a synonym agrees with any name the sources give for ``curie``.
        """
        found = self.names.get(curie)
        if not found or not label:
            return None
        given = [normalize_text(text) for text in (label, *synonyms)]
        if any(_agrees(text, normalize_text(name)) for text in given for name, _ in found):
            return None
        name, where = found[0]
        return f"label {label!r} contradicts {curie}, which is {name!r} in {where}"


def _display(path: Path, external: Path) -> str:
    """``path`` as named from the data folder's parent (``data/external/...``)."""
    return path.relative_to(external.parent.parent).as_posix()


@cache
def _taxon_names(external: str, stamp: tuple[int, ...]) -> TaxonNames:
    found: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    folder = Path(external)
    table = folder / "butyrate-producers" / BUTYRATE_FILE
    if table.is_file():
        with table.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle, delimiter="\t"), start=2):
                for name, ident in (("Name", "Name_ID"), ("Family", "Family_ID")):
                    curie, text = (row.get(ident) or "").strip(), (row.get(name) or "").strip()
                    if _TAXON.match(curie) and text:
                        found[curie].append((text, f"{_display(table, folder)}:{line}"))
    for diagram in sorted(folder.glob("wikipathways/*/*.gpml")):
        with diagram.open(encoding="utf-8") as handle:
            match = _ORGANISM.search(handle.read(4096))
        if match and match.group(1) in ORGANISMS:
            organism = match.group(1)
            found[ORGANISMS[organism]].append((organism, _display(diagram, folder)))
    return TaxonNames({curie: tuple(names) for curie, names in found.items()})


def _stamp(external: Path) -> tuple[int, ...]:
    files = [external / "butyrate-producers" / BUTYRATE_FILE]
    files += sorted(external.glob("wikipathways/*/*.gpml"))
    return tuple(path.stat().st_mtime_ns for path in files if path.is_file())


def _names_in(external: str | os.PathLike[str]) -> TaxonNames:
    """The NCBITaxon names of the bundled sources in an ``external/`` folder (cached).

    :param external: the folder holding ``butyrate-producers/`` and ``wikipathways/``.
    """
    folder = Path(external)
    return _taxon_names(str(folder), _stamp(folder))


@dataclass(frozen=True)
class CategoryPrefixes:
    """CURIE prefixes each category's Biolink class accepts (``biolink-prefixes.tsv``).

    :param biolink: category -> its Biolink class.
    :param compatible: category -> prefixes a related Biolink class lists.
    :param incompatible: category -> prefixes only unrelated Biolink classes list.

    >>> table = _category_prefixes()
    >>> print(table.problem("NCBITaxon:9606", "Metabolite"))  # doctest: +NORMALIZE_WHITESPACE
    category 'Metabolite' (biolink:SmallMolecule) does not take NCBITaxon ids in the
    Biolink Model; categories that do: Taxon
    >>> table.problem("NCBIGene:8600", "Cytokine") is None
    True
    """

    biolink: Mapping[str, str]
    compatible: Mapping[str, frozenset[str]]
    incompatible: Mapping[str, frozenset[str]]

    def problem(self, curie: str, category: str) -> str | None:
        """What is wrong with a node ``curie`` of ``category``, or None."""
        prefix = curie.split(":", 1)[0]
        if prefix not in self.incompatible.get(category, ()):
            return None
        others = sorted(name for name, ok in self.compatible.items() if prefix in ok)
        return (
            f"category {category!r} ({self.biolink[category]}) does not take {prefix} ids in "
            f"the Biolink Model; categories that do: {', '.join(others) or 'none'}"
        )


@cache
def _category_prefixes() -> CategoryPrefixes:
    """The table of ``ontology/biolink-prefixes.tsv`` (see :class:`CategoryPrefixes`)."""
    path = ontology_dir() / "biolink-prefixes.tsv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()[2:] if line]
    rows = [line.split("\t") for line in lines]
    return CategoryPrefixes(
        biolink={row[0]: row[1] for row in rows},
        compatible={row[0]: frozenset(row[2].split()) for row in rows},
        incompatible={row[0]: frozenset(row[3].split()) for row in rows},
    )


@dataclass(frozen=True)
class LabelChecker:
    """The offline name sources of one data folder."""

    cell_ontology: Ontology | None
    taxa: TaxonNames
    categories: CategoryPrefixes

    def category_problem(self, curie: str, category: str) -> str | None:
        """What the Biolink Model says is wrong with a node ``curie`` of ``category``."""
        return self.categories.problem(curie, category)

    def problem(self, curie: str, label: str, synonyms: Sequence[str]) -> LabelMismatch | None:
        """What an offline source says is wrong with node ``curie`` labelled ``label``."""
        if curie.startswith("CL:") and self.cell_ontology is not None:
            message = self.cell_ontology.problem(curie, label)
            column = "label" if message and "label" in message else "id"
            if message is None or (column == "label" and not label):
                return None
            return LabelMismatch(column, message)
        message = self.taxa.problem(curie, label, synonyms)
        return LabelMismatch("label", message) if message else None


def _external(folder: Path, part: str) -> Path | None:
    """``external/`` of the data folder when it holds ``part``, else gutbone's own."""
    for root in (folder, data_dir()):
        if (root / "external" / part).exists():
            return root / "external"
    return None


def load_label_checker(folder: str | os.PathLike[str]) -> LabelChecker:
    """The name sources bundled with a data folder (or with gutbone, when it has none).

    :param folder: the data folder.
    """
    root = Path(folder)
    cell = _external(root, f"cell-ontology/{OBO_FILE}")
    ontology = None
    if cell is not None:
        path = cell / "cell-ontology" / OBO_FILE
        ontology = load_obo(path, _display(path, cell))
    taxa = _external(root, "butyrate-producers") or _external(root, "wikipathways")
    names = _names_in(taxa) if taxa else TaxonNames({})
    return LabelChecker(ontology, names, _category_prefixes())
