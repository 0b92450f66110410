r"""CURIE prefixes gutbone accepts, their identifier patterns and their IRIs.

Patterns come from the Bioregistry (installed, offline); IRI prefixes follow the OBO
PURL convention for OBO ontologies and the Biolink Model prefix map otherwise.

>>> check_curie("NCBITaxon:816")
>>> check_curie("ncbitaxon:816")
"prefix 'ncbitaxon' must be written 'NCBITaxon'"
>>> check_curie("CL:92")
"'92' does not match the CL identifier pattern ^\\d{7}$"
>>> expand("CHEBI:17968")
'http://purl.obolibrary.org/obo/CHEBI_17968'
>>> compress("http://purl.obolibrary.org/obo/CHEBI_17968")
'CHEBI:17968'
"""

from __future__ import annotations

import re
from functools import cache

import bioregistry
import curies

from gutbone.resources import NODE_BASE

__all__ = ["PREFIXES", "LOCAL_PREFIX", "check_curie", "expand", "compress", "converter"]

LOCAL_PREFIX = "gutbone"
_OBO = "http://purl.obolibrary.org/obo/"

#: Accepted prefixes (as written in CURIEs) and the IRI prefix each expands to.
PREFIXES: dict[str, str] = {
    "NCBITaxon": _OBO + "NCBITaxon_",
    "CHEBI": _OBO + "CHEBI_",
    "CL": _OBO + "CL_",
    "GO": _OBO + "GO_",
    "UBERON": _OBO + "UBERON_",
    "MONDO": _OBO + "MONDO_",
    "HP": _OBO + "HP_",
    "OBA": _OBO + "OBA_",
    "NCIT": _OBO + "NCIT_",
    "MAXO": _OBO + "MAXO_",
    "PR": _OBO + "PR_",
    "DOID": _OBO + "DOID_",
    "PATO": _OBO + "PATO_",
    "EFO": "http://www.ebi.ac.uk/efo/EFO_",
    "HGNC": "http://identifiers.org/hgnc/",
    "NCBIGene": "http://identifiers.org/ncbigene/",
    "UniProtKB": "http://purl.uniprot.org/uniprot/",
    "MESH": "http://id.nlm.nih.gov/mesh/",
    "REACT": "https://reactome.org/content/detail/",
    LOCAL_PREFIX: NODE_BASE,
}

_LOCAL_PATTERN = r"^[a-z0-9][a-z0-9_]*$"
_BY_LOWER = {prefix.lower(): prefix for prefix in PREFIXES}


@cache
def _pattern(prefix: str) -> re.Pattern[str]:
    if prefix == LOCAL_PREFIX:
        return re.compile(_LOCAL_PATTERN)
    normalized = bioregistry.normalize_prefix(prefix)
    pattern = bioregistry.get_pattern(normalized) if normalized else None
    return re.compile(pattern or r"^\S+$")


def check_curie(curie: str) -> str | None:
    """Return what is wrong with ``curie``, or ``None`` when it is acceptable.

    :param curie: a compact identifier such as ``NCBITaxon:816``.
    :returns: a message naming the problem (no prefix, unknown prefix, wrong case,
        identifier not matching the prefix's pattern), or ``None``.
    """
    if ":" not in curie:
        return f"{curie!r} is not a CURIE (expected PREFIX:ID)"
    prefix, local = curie.split(":", 1)
    if prefix not in PREFIXES:
        known = _BY_LOWER.get(prefix.lower())
        if known is not None:
            return f"prefix {prefix!r} must be written {known!r}"
        return f"unknown CURIE prefix {prefix!r} (known: {', '.join(sorted(PREFIXES))})"
    pattern = _pattern(prefix)
    if not pattern.fullmatch(local):
        return f"{local!r} does not match the {prefix} identifier pattern {pattern.pattern}"
    return None


@cache
def converter() -> curies.Converter:
    """A :class:`curies.Converter` for the accepted prefixes (offline)."""
    return curies.Converter.from_prefix_map(PREFIXES)


def expand(curie: str) -> str:
    """Expand a CURIE to its IRI (raises :class:`ValueError` for an unknown prefix)."""
    return converter().expand(curie, strict=True)


def compress(iri: str) -> str | None:
    """Compress an IRI to a CURIE, or ``None`` when no accepted prefix matches."""
    return converter().compress(iri)
