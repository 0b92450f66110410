"""The Cell Ontology (basic OBO edition), read offline to check the CL ids of the tables.

``validate`` (through :func:`gutbone.curation.load_curated`) checks that every ``CL:`` node
exists in the bundled ``data/external/cell-ontology/cl-basic.obo``, is not obsolete, and that
its label is the ontology's name or one of its exact synonyms (case-insensitive). The file is
CC BY 4.0 (stated in its header); see its MANIFEST for origin and checksum.

>>> terms = parse_obo(["[Term]", "id: CL:0000092", "name: osteoclast", ""], "cl.obo")
>>> terms.terms["CL:0000092"].name
'osteoclast'
>>> terms.problem("CL:0000092", "Osteoclast") is None
True
>>> terms.problem("CL:0000092", "bone cell")
"label 'bone cell' differs from the Cell Ontology label 'osteoclast' of CL:0000092 (release ?)"
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import ClassVar

from gutbone.errors import IngestError, Problem
from gutbone.ingest.manifest import Manifest
from gutbone.ingest.transform import IngestedRows, Transform

__all__ = ["OboTerm", "Ontology", "parse_obo", "load_obo", "CellOntology", "OBO_FILE"]

#: The ontology file inside its source folder.
OBO_FILE = "cl-basic.obo"
_SYNONYM = re.compile(r'^"((?:[^"\\]|\\.)*)"\s+(EXACT|BROAD|NARROW|RELATED)')


@dataclass(frozen=True)
class OboTerm:
    """One ``[Term]`` stanza: id, name, exact synonyms, obsolete flag and replacement."""

    id: str
    name: str
    exact_synonyms: tuple[str, ...] = ()
    obsolete: bool = False
    replaced_by: str = ""


@dataclass(frozen=True)
class Ontology:
    """Terms of one OBO file, by id."""

    version: str
    terms: dict[str, OboTerm] = field(default_factory=dict)

    def problem(self, curie: str, label: str) -> str | None:
        """What is wrong with a node ``curie`` labelled ``label``, or None.

        :returns: a message when the id is unknown or obsolete, or when the label is neither
            the term's name nor an exact synonym (both labels are given).
        """
        term = self.terms.get(curie)
        release = self.version or "?"
        if term is None:
            return f"{curie} is not in the Cell Ontology (release {release})"
        if term.obsolete:
            instead = f"; replaced by {term.replaced_by}" if term.replaced_by else ""
            return f"{curie} ({term.name}) is obsolete in the Cell Ontology{instead}"
        accepted = {term.name.casefold(), *(s.casefold() for s in term.exact_synonyms)}
        if label.casefold() not in accepted:
            return (
                f"label {label!r} differs from the Cell Ontology label {term.name!r} of {curie}"
                f" (release {release})"
            )
        return None


def _stanzas(lines: Iterable[str], name: str) -> Iterable[tuple[int, dict[str, list[str]]]]:
    """Yield (line, tags) of each stanza; the header is yielded first, as line 0."""
    current: dict[str, list[str]] | None = {}
    start = 0
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n")
        if line.startswith("["):
            if current is not None:
                yield start, current
            current = {} if line == "[Term]" else None
            start = number
        elif current is not None and line.strip() and not line.startswith("!"):
            tag, colon, value = line.partition(":")
            if not colon or " " in tag.strip():
                raise IngestError(
                    [Problem(name, number, "-", f"not an OBO tag line: {line[:60]!r}")]
                )
            current.setdefault(tag.strip(), []).append(value.strip())
    if current is not None:
        yield start, current


def parse_obo(lines: Iterable[str], name: str) -> Ontology:
    """Read the ``[Term]`` stanzas and the ``data-version`` header of an OBO file.

    :param lines: the file's lines.
    :param name: the file as error messages name it.
    :raises IngestError: ``name:line`` of a malformed tag line or of a term without id or name.
    """
    terms: dict[str, OboTerm] = {}
    version = ""
    for start, tags in _stanzas(lines, name):
        if start == 0:
            version = tags.get("data-version", [""])[0].split("/releases/")[-1].split("/")[0]
            continue
        ident, label = tags.get("id", [""])[0], tags.get("name", [""])[0]
        if not ident or not label:
            raise IngestError([Problem(name, start, "-", "term without id or name")])
        synonyms = tuple(
            match.group(1)
            for value in tags.get("synonym", [])
            if (match := _SYNONYM.match(value)) and match.group(2) == "EXACT"
        )
        terms[ident] = OboTerm(
            id=ident,
            name=label,
            exact_synonyms=synonyms,
            obsolete=tags.get("is_obsolete", ["false"])[0] == "true",
            replaced_by=tags.get("replaced_by", [""])[0],
        )
    return Ontology(version=version, terms=terms)


@cache
def _load(path: str, mtime_ns: int, display: str) -> Ontology:
    with open(path, encoding="utf-8") as handle:
        return parse_obo(handle, display)


def load_obo(path: str | os.PathLike[str], display: str = "") -> Ontology:
    """Parse an OBO file (cached while the file is unchanged).

    :param path: the file.
    :param display: the file as error messages name it (default: ``path``).
    """
    file = Path(path)
    return _load(str(file), file.stat().st_mtime_ns, display or str(file))


class CellOntology(Transform):
    """The Cell Ontology is bundled for offline checks; it yields no rows."""

    name: ClassVar[str] = "cell-ontology"
    description: ClassVar[str] = "Cell Ontology basic OBO (CC BY 4.0): checks CL ids offline"

    def transform(self, raw: Path, manifest: Manifest, display: str, data: Path) -> IngestedRows:
        """Parse the ontology (so a corrupted file is reported) and return no rows."""
        load_obo(raw / OBO_FILE, f"{display}/{OBO_FILE}")
        return IngestedRows(sources=(), nodes=(), edges=())
