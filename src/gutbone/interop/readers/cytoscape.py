"""Cytoscape.js JSON (``elements`` with ``data`` objects) as reader records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gutbone.errors import Problem
from gutbone.interop.kgx import JSONDepthError, loads_bounded
from gutbone.interop.readers.records import Input, Item, declared

__all__ = ["cytoscape_input"]


def _cytoscape_groups(document: Any) -> dict[str, list[Any]] | str:
    """The ``nodes`` and ``edges`` element lists of a Cytoscape.js document, or what is wrong."""
    elements = document.get("elements") if isinstance(document, dict) else None
    if isinstance(elements, list):
        groups: dict[str, list[Any]] = {"nodes": [], "edges": []}
        for element in elements:
            data = element.get("data") if isinstance(element, dict) else None
            kind = element.get("group") if isinstance(element, dict) else None
            if kind not in ("nodes", "edges"):
                kind = "edges" if isinstance(data, dict) and "source" in data else "nodes"
            groups[kind].append(element)
        return groups
    if not isinstance(elements, dict):
        return "no Cytoscape.js 'elements' object or list"
    found = {kind: elements.get(kind, []) for kind in ("nodes", "edges")}
    for kind, items in found.items():
        if not isinstance(items, list):
            return f"'elements.{kind}' is a {type(items).__name__}, expected a list"
    return found


def _cytoscape_records(
    groups: dict[str, list[Any]], name: str, problems: list[Problem]
) -> tuple[list[Item], list[Item]]:
    records: dict[str, list[Item]] = {"nodes": [], "edges": []}
    for kind, items in groups.items():
        for index, element in enumerate(items):
            where = f"elements.{kind}[{index}]"
            data = element.get("data") if isinstance(element, dict) else None
            if not isinstance(data, dict):
                problems.append(Problem(name, 0, where, "expected an object with a 'data' object"))
                continue
            record = dict(data)
            if kind == "edges":
                if not all(isinstance(record.get(k), str) for k in ("source", "target")):
                    problems.append(Problem(name, 0, where, "an edge needs 'source' and 'target'"))
                    continue
                record["subject"], record["object"] = record.pop("source"), record.pop("target")
            records[kind].append((name, 0, record))
    return records["nodes"], records["edges"]


def cytoscape_input(path: Path, problems: list[Problem]) -> Input | None:
    """Read a Cytoscape.js JSON file into records, or append a problem and return None."""
    name = str(path)
    try:
        document = loads_bounded(path.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(Problem(name, 0, "-", f"cannot read file: {exc.strerror}"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, 0, "-", f"not UTF-8 (byte {exc.start})"))
        return None
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, exc.lineno, "-", f"not valid JSON: {exc.msg}"))
        return None
    except JSONDepthError as exc:
        problems.append(Problem(name, 0, "-", str(exc)))
        return None
    groups = _cytoscape_groups(document)
    if isinstance(groups, str):
        problems.append(Problem(name, 0, "elements", groups))
        return None
    nodes, edges = _cytoscape_records(groups, name, problems)
    metadata = document.get("data")
    sources = metadata.get("gutbone_sources") if isinstance(metadata, dict) else None
    return Input(name=name, nodes=nodes, edges=edges, sources=declared(sources))
