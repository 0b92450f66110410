"""Start-up of the command line: lazy imports, the command table, negative option values."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from gutbone.cli import COMMANDS, build_parser, main
from gutbone.identifiers import BIOREGISTRY_PATTERNS, PREFIXES

TOY = Path(__file__).resolve().parent / "fixtures" / "paths" / "toy"
HEAVY = ("pandas", "matplotlib", "pyshacl", "pyspark", "rdflib", "scipy", "bioregistry", "pyvis")

_PROBE = """
import json, sys
{setup}
heavy = {heavy!r}
loaded = sorted(name for name in sys.modules
                if name.split(".")[0] in heavy or name.startswith("gutbone.cli."))
print(json.dumps(loaded))
"""


def _modules_after(setup: str) -> list[str]:
    code = _PROBE.format(setup=setup, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_import_gutbone_cli_loads_no_heavy_module() -> None:
    assert _modules_after("import gutbone.cli, gutbone") == ["gutbone.cli.options"]


def test_help_loads_no_command_module_and_no_heavy_module() -> None:
    setup = (
        "from gutbone.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0"
    )
    assert _modules_after(setup) == ["gutbone.cli.options"]


def test_a_command_imports_only_its_own_module() -> None:
    setup = (
        "from gutbone.cli import main\n"
        "try:\n    main(['mediate', '--help'])\nexcept SystemExit as exc:\n    assert exc.code == 0"
    )
    loaded = _modules_after(setup)
    assert [m for m in loaded if m.startswith("gutbone.cli.")] == [
        "gutbone.cli.mr_command",
        "gutbone.cli.options",
    ]
    for name in ("pyshacl", "pyspark", "rdflib"):
        assert name not in loaded


def test_help_lists_every_command_with_the_help_its_module_registers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()  # every module registered
    subparsers = next(a for a in parser._actions if a.dest == "command")
    registered = {c.dest: c.help for c in subparsers._choices_actions}  # type: ignore[attr-defined]
    assert registered == {name: command.help for name, command in COMMANDS.items()}
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert f"\n    {name} " in out
    assert "--data DIR if given; else the current folder" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bulid"])
    assert exc.value.code == 2
    assert "invalid choice: 'bulid'" in capsys.readouterr().err


def test_copied_bioregistry_patterns_match_bioregistry() -> None:
    import bioregistry

    assert set(BIOREGISTRY_PATTERNS) == set(PREFIXES) - {"gutbone"}
    for prefix, pattern in BIOREGISTRY_PATTERNS.items():
        assert bioregistry.get_pattern(bioregistry.normalize_prefix(prefix)) == pattern, prefix


# ----------------------------------------------------------------- negative option values


def test_mediate_takes_negative_estimates(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["mediate", "--a", "-0.25,0.04", "--b", "0.35,0.05", "--total", "-0.5,0.1",
                 "--format", "json"])  # fmt: skip
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    # hand calculation (product of coefficients, delta method):
    # indirect = a*b = -0.25*0.35 = -0.0875
    # se = sqrt(b^2 se_a^2 + a^2 se_b^2) = sqrt(0.1225*0.0016 + 0.0625*0.0025) = sqrt(0.00035225)
    # direct = total - indirect = -0.5 + 0.0875 = -0.4125; proportion = -0.0875/-0.5 = 0.175
    assert math.isclose(result["indirect"], -0.0875, abs_tol=1e-12)
    assert math.isclose(result["indirect_se"], math.sqrt(0.00035225), rel_tol=1e-9)
    assert math.isclose(result["direct"], -0.4125, abs_tol=1e-12)
    assert math.isclose(result["proportion"], 0.175, abs_tol=1e-12)


def test_negative_value_in_a_bounded_option_fails_its_range_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["mediate", "--a", "0.1,0.01", "--b", "0.2,0.02", "--seed", "-1"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "expected an integer from 0 to" in err and "expected one argument" not in err


def test_an_option_name_after_an_option_is_still_an_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["mediate", "--a", "--b", "0.2,0.02"])
    assert exc.value.code == 2
    assert "argument --a: expected one argument" in capsys.readouterr().err


def test_reading_tables_and_a_warm_sparql_run_need_no_bioregistry(tmp_path: Path) -> None:
    # bioregistry takes ~0.5 s to import: CURIE patterns are copied (checked above), and
    # only `gutbone ingest` imports it
    setup = (
        "import os\n"
        f"os.environ['GUTBONE_CACHE_DIR'] = {str(tmp_path)!r}\n"
        "from gutbone.curation import load_curated\n"
        f"data = load_curated({str(TOY)!r})\n"
        "assert len(data.nodes) == 8\n"
        "from gutbone.query.source import load_source\n"
        f"load_source({str(TOY)!r}, with_graph=False)  # cold: builds\n"
    )
    assert "bioregistry" in _modules_after(setup + "import bioregistry")  # the probe sees it
    assert "bioregistry" not in _modules_after(setup)
    warm = (
        "from gutbone.cli import main\n"
        "import os\n"
        f"os.environ['GUTBONE_CACHE_DIR'] = {str(tmp_path)!r}\n"
        f"assert main(['sparql', 'counts_by_predicate', '--data', {str(TOY)!r}]) == 0\n"
    )
    loaded = _modules_after(warm)
    # (rdflib is still imported: the catalog checks category defaults against the ontology)
    for name in ("bioregistry", "pyshacl", "pandas", "matplotlib", "scipy"):
        assert name not in loaded, name
