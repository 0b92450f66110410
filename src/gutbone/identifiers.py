r"""CURIE prefixes gutbone accepts, their identifier patterns and their IRIs.

Patterns come from the Bioregistry (installed, offline); IRI prefixes follow the OBO
PURL convention for OBO ontologies and the Biolink Model prefix map otherwise.

>>> check_curie("NCBITaxon:816")
>>> check_curie("ncbitaxon:816")
"prefix 'ncbitaxon' must be written 'NCBITaxon'"
>>> check_curie("NCBITaxn:816")  # doctest: +ELLIPSIS
"unknown CURIE prefix 'NCBITaxn'; did you mean 'NCBITaxon'? (known: CHEBI, CL, ...)"
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
from typing import TYPE_CHECKING

from gutbone.resources import NODE_BASE
from gutbone.suggest import did_you_mean

if TYPE_CHECKING:  # imported on first use: bioregistry alone takes ~0.5 s to import
    import curies

__all__ = [
    "PREFIXES",
    "LOCAL_PREFIX",
    "ID_PATTERNS",
    "MAX_ID_CHARS",
    "check_curie",
    "check_id",
    "expand",
    "compress",
    "converter",
]

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
#: Bioregistry's identifier pattern of each prefix, copied so that checking a CURIE does
#: not import bioregistry (~0.5 s); tests/test_cli_startup.py checks it against bioregistry.
BIOREGISTRY_PATTERNS: dict[str, str] = {
    "NCBITaxon": r"^(\d+)|([a-zA-Z_]+)$",
    "CHEBI": r"^\d+$",
    "CL": r"^\d{7}$",
    "GO": r"^\d{7}$",
    "UBERON": r"^\d+$",
    "MONDO": r"^\d{7}$",
    "HP": r"^\d{7}$",
    "OBA": r"^(VT)?\d{7}$",
    "NCIT": r"^(C|R|P|A|NHC)\d+$",
    "MAXO": r"^\d{7}$",
    "PR": r"^(?:\d{9}|[OPQ][0-9][A-Z0-9]{3}[0-9](?:-\d+)?"
    r"|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2}(?:-\d+)?)$",
    "DOID": r"^\d+$",
    "PATO": r"^\d{7}$",
    "EFO": r"^\d{7}$",
    "HGNC": r"^\d{1,5}$",
    "NCBIGene": r"^\d+$",
    "UniProtKB": r"^([OPQ]\d[A-Z0-9]{3}\d|[A-NR-Z]\d([A-Z][A-Z0-9]{2}\d){1,2})$",
    "MESH": r"^(C|D|Q)\d+$",
    "REACT": r"^R-[A-Z]{3}-\d+(-\d+)?(\.\d+)?$",
}
_BY_LOWER = {prefix.lower(): prefix for prefix in PREFIXES}

#: Longest identifier of any kind, in characters.
MAX_ID_CHARS = 128
#: The safe character set of each kind of identifier that is not a CURIE, starting with a
#: letter or digit: no space, quote, ``<>``, slash or ``..`` path segment can get through.
#: Edge, source and discrepancy ids become IRIs: ASCII letters, digits and ``._:~-``
#: (imported ``urn:uuid:...`` edge ids, ``infores:...`` sources). Outcome ids also name
#: files (plots): ASCII letters, digits and ``._-``.
ID_PATTERNS: dict[str, str] = {
    "edge": r"[A-Za-z0-9][A-Za-z0-9._:~-]*",
    "outcome": r"[A-Za-z0-9][A-Za-z0-9._-]*",
    "source": r"[A-Za-z0-9][A-Za-z0-9._:~-]*",
    "discrepancy": r"[A-Za-z0-9][A-Za-z0-9._:~-]*",
}
#: Characters a CURIE's local identifier may hold, whatever its prefix's pattern allows
#: (IRI-safe, no space, quote, ``<>``, slash or backslash).
_CURIE_LOCAL_SAFE = re.compile(r"[A-Za-z0-9._~:+-]+")


@cache
def _pattern(prefix: str) -> re.Pattern[str]:
    if prefix == LOCAL_PREFIX:
        return re.compile(_LOCAL_PATTERN)
    pattern = BIOREGISTRY_PATTERNS.get(prefix)
    if pattern is None:
        import bioregistry

        normalized = bioregistry.normalize_prefix(prefix)
        pattern = bioregistry.get_pattern(normalized) if normalized else None
    # ASCII: \\d must not match full-width or Arabic-Indic digits (NCBITaxon:８１６)
    return re.compile(pattern or r"^\S+$", re.ASCII)


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
        hint = did_you_mean(prefix, PREFIXES)
        return f"unknown CURIE prefix {prefix!r}{hint} (known: {', '.join(sorted(PREFIXES))})"
    if not local.isascii():
        char = next(c for c in local if not c.isascii())
        return (
            f"{local!r} contains the non-ASCII character {char!r} (U+{ord(char):04X}); "
            "identifiers are ASCII (write digits as 0-9)"
        )
    pattern = _pattern(prefix)
    if not pattern.fullmatch(local):
        return f"{local!r} does not match the {prefix} identifier pattern {pattern.pattern}"
    if len(curie) > MAX_ID_CHARS or not _CURIE_LOCAL_SAFE.fullmatch(local):
        return _unsafe(curie, "CURIE", "ASCII letters, digits and ._~:+-")
    return None


def check_id(kind: str, value: str) -> str | None:
    """Return what is wrong with an edge, outcome, source or discrepancy id, or ``None``.

    :param kind: ``edge``, ``outcome``, ``source`` or ``discrepancy`` (a key of
        :data:`ID_PATTERNS`).
    :param value: the id as written.

    >>> check_id("edge", "rev-4.3.1-001")
    >>> print(check_id("edge", "../x").split(" (")[0])
    unsafe character '/' in '../x': not a safe edge id
    """
    if len(value) <= MAX_ID_CHARS and re.fullmatch(ID_PATTERNS[kind], value, re.ASCII):
        return None
    allowed = "._-" if kind == "outcome" else "._:~-"
    rule = f"ASCII letters, digits and {allowed}, starting with a letter or digit"
    return _unsafe(value, f"{kind} id", rule)


def _unsafe(value: str, what: str, allowed: str) -> str:
    rule = f"at most {MAX_ID_CHARS} characters: {allowed}"
    bad = next((c for c in value if not (c.isascii() and (c.isalnum() or c in "._~:+-"))), None)
    shown = repr(value) if len(value) <= 80 else repr(value[:80]) + "..."
    if bad is not None:
        return f"unsafe character {bad!r} in {shown}: not a safe {what} ({rule})"
    return f"{shown} is not a safe {what} ({rule})"


@cache
def converter() -> curies.Converter:
    """A :class:`curies.Converter` for the accepted prefixes (offline)."""
    import curies

    return curies.Converter.from_prefix_map(PREFIXES)


def expand(curie: str) -> str:
    """Expand a CURIE to its IRI (raises :class:`ValueError` for an unknown prefix)."""
    return converter().expand(curie, strict=True)


def compress(iri: str) -> str | None:
    """Compress an IRI to a CURIE, or ``None`` when no accepted prefix matches."""
    return converter().compress(iri)
