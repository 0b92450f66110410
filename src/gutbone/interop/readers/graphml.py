"""GraphML (as gutbone exports it, or from Gephi, yEd, networkx) as reader records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from gutbone.errors import Problem
from gutbone.interop.kgx import MULTIVALUED, loads_bounded
from gutbone.interop.readers.records import Input, declared, list_value

__all__ = ["graphml_input"]


def _split_lists(attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        key: list_value(value) if key in MULTIVALUED and isinstance(value, str) else value
        for key, value in attributes.items()
    }


def graphml_input(path: Path, problems: list[Problem]) -> Input | None:
    """Read a GraphML file into records, or append a problem and return None."""
    name = str(path)
    try:
        graph = nx.read_graphml(path, force_multigraph=True)
    except OSError as exc:
        problems.append(Problem(name, 0, "-", f"cannot read file: {exc.strerror}"))
        return None
    except Exception as exc:  # noqa: BLE001 - networkx/ElementTree raise many types
        problems.append(Problem(name, 0, "-", f"not valid GraphML: {exc}"))
        return None
    sources = {}
    if "gutbone_sources" in graph.graph:
        try:
            sources = declared(loads_bounded(str(graph.graph["gutbone_sources"])))
        except ValueError:  # not JSON, or nested too deeply
            problems.append(Problem(name, 0, "gutbone_sources", "not valid JSON"))
    nodes = [(name, 0, {"id": n, **_split_lists(a)}) for n, a in graph.nodes(data=True)]
    edges = [
        (name, 0, {**_split_lists(a), "id": key, "subject": u, "object": v})
        for u, v, key, a in graph.edges(keys=True, data=True)
    ]
    return Input(name=name, nodes=nodes, edges=edges, sources=sources)
