"""The module layout: no import cycles, and the generated architecture picture is current."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent


def _import_graph_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["import_graph"] = module
    spec.loader.exec_module(module)
    return module


def test_no_import_cycles_between_modules() -> None:
    graph = _import_graph_module().module_graph()
    assert len(graph) > 50  # every module was read
    assert any("gutbone.stats.results" in targets for targets in graph.values())
    digraph = nx.DiGraph((source, target) for source, targets in graph.items() for target in targets)
    assert list(nx.simple_cycles(digraph)) == []


def test_cycle_detection_sees_lazy_imports(tmp_path: Path) -> None:
    """A cycle made only by an import inside a function is still found."""
    import_graph = _import_graph_module()
    package = tmp_path / "src" / "gutbone"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from gutbone import b\n")
    (package / "b.py").write_text("def f():\n    from gutbone.a import x\n")
    import_graph.PACKAGE = package
    graph = import_graph.module_graph()
    assert "gutbone.b" in graph["gutbone.a"] and graph["gutbone.b"] == {"gutbone.a"}
    digraph = nx.DiGraph((s, t) for s, targets in graph.items() for t in targets)
    assert ["gutbone.a", "gutbone.b"] in [sorted(c) for c in nx.simple_cycles(digraph)]


def test_architecture_picture_is_current() -> None:
    import_graph = _import_graph_module()
    svg = ROOT / "docs" / "architecture-imports.svg"
    assert import_graph.main(["--check", str(svg)]) == 0, (
        "docs/architecture-imports.svg is stale: python scripts/import_graph.py "
        "docs/architecture-imports.svg"
    )
