r"""Bulk-load large RDF files into an on-disk Oxigraph store, with time and memory figures.

``gutbone build --store DIR --add FILE.nt ...`` merges the curated graph with graphs of
millions of triples (Hetionet, PrimeKG, a KGX export converted to N-Triples). Each file is
streamed from its path by :meth:`pyoxigraph.Store.bulk_load` (``lenient=True``: IRIs are
not re-validated, which saves about a third of the time; the files are trusted dumps), so
memory stays bounded whatever the file size. The store is built in a sibling folder and
renamed into place, as :func:`gutbone.pipeline.write_store` does, so a failed load never
leaves a half-built store.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "a.nt").write_text('<http://e/a> <http://e/p> "x" .\n', encoding="utf-8")
32
>>> report = load_store(folder / "store", [folder / "a.nt"], base=b"")
>>> report.triples, report.files
(1, ('a.nt',))
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from gutbone.errors import InputError, Problem
from gutbone.io import replace_directory
from gutbone.pipeline import is_store_file

__all__ = ["LoadReport", "RDF_LOAD_FORMATS", "load_store", "peak_rss_bytes"]

#: File suffixes :func:`load_store` accepts, with their pyoxigraph format.
RDF_LOAD_FORMATS: dict[str, ox.RdfFormat] = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class LoadReport:
    """What :func:`load_store` did.

    :param store: the store folder.
    :param files: the names of the files loaded (after the base graph).
    :param triples: quads in the store at the end.
    :param seconds: wall time of the loading (bulk loads and flush).
    :param peak_rss_bytes: the process's peak resident memory so far (:func:`peak_rss_bytes`).
    """

    store: Path
    files: tuple[str, ...]
    triples: int
    seconds: float
    peak_rss_bytes: int


def peak_rss_bytes() -> int:
    """Peak resident set size of this process, in bytes (``getrusage``; Linux and macOS).

    :returns: the peak RSS.

    >>> peak_rss_bytes() > 0
    True
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _format(path: Path) -> ox.RdfFormat:
    fmt = RDF_LOAD_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(RDF_LOAD_FORMATS))
        raise InputError([Problem(str(path), 0, "-", f"unknown RDF file suffix (known: {known})")])
    return fmt


def load_store(
    store_dir: str | os.PathLike[str],
    files: Sequence[str | os.PathLike[str]],
    *,
    base: bytes | None = None,
    lenient: bool = True,
) -> LoadReport:
    """Build an on-disk store from an optional base graph and large RDF files.

    :param store_dir: the store folder (replaced when it exists).
    :param files: RDF files (:data:`RDF_LOAD_FORMATS`), each bulk-loaded from its path.
    :param base: N-Triples loaded first (the curated graph), or None.
    :param lenient: skip IRI validation while parsing (faster; for trusted dumps).
    :returns: the report.
    :raises InputError: for a missing file or an unknown suffix (before anything is built).
    :raises SyntaxError: when a file is not valid RDF (the store is then not replaced).
    """
    paths = [Path(f) for f in files]
    problems = [Problem(str(p), 0, "-", "no such file") for p in paths if not p.is_file()]
    if problems:
        raise InputError(problems)
    formats = [_format(p) for p in paths]
    target = Path(store_dir)
    start = time.perf_counter()
    with replace_directory(target, owned=is_store_file) as staging:
        store = ox.Store(str(staging))
        if base:
            store.bulk_load(base, format=ox.RdfFormat.N_TRIPLES)
        for path, fmt in zip(paths, formats, strict=True):
            store.bulk_load(path=str(path), format=fmt, lenient=lenient)
        store.flush()
        seconds = time.perf_counter() - start
        triples = len(store)
        del store
    return LoadReport(
        store=target,
        files=tuple(p.name for p in paths),
        triples=triples,
        seconds=seconds,
        peak_rss_bytes=peak_rss_bytes(),
    )
