"""Every third-party module the package imports is declared in pyproject.toml.

A module imported at module level must be a core dependency (``[project] dependencies``): it
runs on every ``import gutbone.x``. A module imported lazily inside a function may come from an
optional extra (``spark``...), since only the command that needs it imports it.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "gutbone"


def _requirement_name(requirement: str) -> str:
    name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {_requirement_name(r) for r in project["dependencies"]}
    extras = {
        _requirement_name(r) for group in project["optional-dependencies"].values() for r in group
    }
    return core, extras


def _third_party_imports() -> dict[str, dict[str, list[str]]]:
    """``{top-level module: {"module": [where...], "lazy": [where...]}}`` for non-stdlib imports."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "gutbone":
                    continue
                kind = "module" if id(node) in top_level else "lazy"
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(top, {"module": [], "lazy": []})[kind].append(where)
    return found


def test_every_imported_module_is_declared() -> None:
    core, extras = _declared()
    distributions = packages_distributions()
    problems = []
    for module, places in sorted(_third_party_imports().items()):
        names = {_requirement_name(d) for d in distributions.get(module, [module])}
        if places["module"] and not names & core:
            problems.append(f"{module} ({places['module'][0]}): not a core dependency")
        elif places["lazy"] and not names & (core | extras):
            problems.append(f"{module} ({places['lazy'][0]}): not declared in pyproject.toml")
    assert not problems, "\n".join(problems)


def test_the_check_sees_imports() -> None:
    """The scan finds the project's known third-party imports (guards against a vacuous pass)."""
    imports = _third_party_imports()
    assert {"rdflib", "pyoxigraph", "numpy", "scipy"} <= set(imports)
    assert imports["pyspark"]["lazy"] and not imports["pyspark"]["module"]
