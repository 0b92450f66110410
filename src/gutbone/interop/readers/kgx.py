"""KGX TSV and JSON Lines files as reader records (streamed, one row at a time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

from gutbone.errors import Problem
from gutbone.interop.kgx import METADATA_FILE, loads_bounded, read_jsonl, read_tsv
from gutbone.interop.kgx_edges import ASSERTIONS, split_edge
from gutbone.interop.readers.records import Input, Item, declared
from gutbone.tables import encoding_problem

__all__ = ["kgx_inputs"]


def _kgx_reader(path: Path, name: str, problems: list[Problem]) -> Iterator[Item]:
    if path.exists() and not path.is_file():  # a FIFO or a device: never opened
        problems.append(Problem(name, 0, "-", "not a regular file"))
        return
    try:
        handle: TextIO = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        problems.append(Problem(name, 0, "-", f"cannot read file: {exc.strerror}"))
        return
    with handle:
        read = read_jsonl if path.suffix.lower() == ".jsonl" else read_tsv
        try:
            for line, record in read(handle, name, problems):
                yield name, line, record
        except UnicodeDecodeError:
            problems.append(encoding_problem(path, name) or Problem(name, 0, "-", "not UTF-8"))


def _assertions(items: Iterator[Item], problems: list[Problem]) -> Iterator[Item]:
    """Each assertion of an aggregated edge as a record of its own (same file and line)."""
    for name, line, record in items:
        try:
            split = split_edge(record)
        except ValueError as exc:
            problems.append(Problem(name, line, ASSERTIONS, str(exc)))
            continue
        for assertion in split:
            yield name, line, assertion


def _kgx_kind(path: Path) -> str:
    stem = path.name.lower()
    if "edge" in stem:
        return "edges"
    if "node" in stem:
        return "nodes"
    with path.open(encoding="utf-8", errors="replace") as handle:  # the reader checks UTF-8
        first = handle.readline()
    return "edges" if "subject" in first and "object" in first else "nodes"


def _kgx_metadata(folder: Path) -> dict[str, dict[str, str]]:
    file = folder / METADATA_FILE
    if not file.is_file():
        return {}
    try:
        document = loads_bounded(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):  # ValueError: not JSON, or too deep
        return {}
    sources = document.get("gutbone_sources") if isinstance(document, dict) else None
    return declared(sources)


def kgx_inputs(paths: Sequence[Path], problems: list[Problem]) -> list[Input]:
    """One input per KGX node or edge file (a folder gives its TSV files, else JSON Lines).

    Files are read lazily, record by record; problems (a file that cannot be read, a
    malformed row) are appended to ``problems``.
    """
    inputs: list[Input] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            chosen: list[Path] = []
            for suffix in (".tsv", ".jsonl"):
                chosen = sorted(
                    p
                    for p in path.glob(f"*{suffix}")
                    if p.is_file() and ("node" in p.name.lower() or "edge" in p.name.lower())
                )
                if chosen:
                    break
            if not chosen:
                problems.append(Problem(str(path), 0, "-", "no KGX nodes/edges .tsv or .jsonl"))
            files.extend(chosen)
        else:
            files.append(path)
    for file in files:
        name = str(file)
        item = Input(name=name, sources=_kgx_metadata(file.parent))
        if _kgx_kind(file) == "edges":
            item.edges = _assertions(_kgx_reader(file, name, problems), problems)
        else:
            item.nodes = _kgx_reader(file, name, problems)
        inputs.append(item)
    return inputs
