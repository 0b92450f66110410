"""Which data folder commands read (one rule), ``gutbone init``, and the curator's path
after a non-editable install (a wheel in a fresh virtual environment)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.datafolder import (
    DataFolderError,
    bundled_data_dir,
    init_data_folder,
    resolve_data_folder,
)

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "paths" / "toy"


def _tables(folder: Path) -> Path:
    shutil.copytree(TOY, folder)
    return folder


# ----------------------------------------------------------------------------- the rule


def test_rule_given_then_current_then_data_then_bundled(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert resolve_data_folder(None, cwd=empty).path == bundled_data_dir()
    assert resolve_data_folder(None, cwd=empty).reason == "bundled"
    project = tmp_path / "project"
    _tables(project / "data")
    assert resolve_data_folder(None, cwd=project).path == project / "data"
    assert resolve_data_folder(None, cwd=project).reason == "./data"
    inside = project / "data"
    assert resolve_data_folder(None, cwd=inside).path == inside
    assert resolve_data_folder(None, cwd=inside).reason == "current folder"
    assert resolve_data_folder(empty, cwd=inside).path == empty  # --data wins, as given
    (empty / "data").mkdir()  # a data/ folder without tables is not a data folder
    assert resolve_data_folder(None, cwd=empty).reason == "bundled"


def test_every_data_command_says_which_folder_it_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    _tables(project / "data")
    monkeypatch.chdir(project)
    assert main(["paths", "--from", "Lachnospiraceae", "--to", "bone density"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0] == f"gutbone: data folder {project / 'data'} (./data)"
    assert "NCBITaxon:186803" in captured.out or "Lachnospiraceae" in captured.out
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    assert err.count("gutbone: data folder") == 1
    assert f"gutbone: data folder {project / 'data'} (./data)" in err
    # commands that read no curated tables print nothing about them
    assert main(["queries"]) == 0
    assert "data folder" not in capsys.readouterr().err


def test_validate_inside_an_edited_copy_reports_its_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _tables(tmp_path / "mine")
    edges = copy / "edges" / "toy.csv"
    text = edges.read_text(encoding="utf-8")
    edges.write_text(text.replace("e1,NCBITaxon:186803,produces", "e1,NCBITaxon:186803,makes"),
                     encoding="utf-8")  # fmt: skip
    monkeypatch.chdir(copy)
    assert main(["validate"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"gutbone: data folder {copy} (current folder)"
    assert any(line.startswith("error: edges/toy.csv:2:predicate: 'makes'") for line in err), err


# ----------------------------------------------------------------------------- init


def test_init_copies_every_bundled_table(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        made = init_data_folder(tmp_path / "new" / "mydata")
    finally:
        os.umask(old)
    bundled = bundled_data_dir()
    expected = sorted(
        p.relative_to(bundled).as_posix()
        for p in bundled.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )
    copied = sorted(p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file())
    assert copied == expected
    assert (made / "sources.csv").read_bytes() == (bundled / "sources.csv").read_bytes()
    assert stat.S_IMODE((made / "sources.csv").stat().st_mode) == 0o644
    assert stat.S_IMODE(made.stat().st_mode) == 0o755
    assert [p.name for p in made.parent.iterdir()] == ["mydata"]  # no staging folder left


def test_init_refuses_a_folder_with_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(taken)]) == 1
    assert capsys.readouterr().err == f"error: {taken}: exists and is not empty; give a new folder\n"
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    with pytest.raises(DataFolderError):
        init_data_folder(taken / "notes.txt")  # a file is not a folder either
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["init", str(empty)]) == 0  # an empty folder is fine
    assert (empty / "sources.csv").is_file()


# ----------------------------------------------------------------------------- wheel


def _source_hash() -> str:
    digest = hashlib.sha256()
    for top in ("pyproject.toml", "README.md", "src", "data", "ontology"):
        for path in sorted([ROOT / top] if (ROOT / top).is_file() else (ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _wheel() -> Path:
    """The project's wheel, built once per source state (cached in the temp folder)."""
    cache = Path(tempfile.gettempdir()) / "gutbone-test-wheels" / _source_hash()
    found = sorted(cache.glob("gutbone-*.whl"))
    if found:
        return found[0]
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache.parent))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", str(staging), str(ROOT)],
        check=True, timeout=600, env=_clean_env(),
    )  # fmt: skip
    try:
        staging.rename(cache)
    except OSError:  # another run built it first
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(cache.glob("gutbone-*.whl"))[0]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def test_curating_works_after_a_non_editable_install(tmp_path: Path) -> None:
    wheel = _wheel()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    # dependencies come from the project's environment as plain paths: its .pth files (the
    # editable install of gutbone) are not processed, so only the wheel provides gutbone
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "project-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    python, env = venv / "bin" / "python", _clean_env()
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True, env=env, timeout=300)  # fmt: skip
    where = subprocess.run([str(python), "-c", "import gutbone; print(gutbone.__file__)"],
                           capture_output=True, text=True, check=True, env=env)  # fmt: skip
    assert where.stdout.strip() == str(site / "gutbone" / "__init__.py")
    gutbone = str(venv / "bin" / "gutbone")

    # README "Curating": gutbone init mydata; cd mydata; edit; gutbone validate
    work = tmp_path / "work"
    work.mkdir()
    made = subprocess.run([gutbone, "init", "mydata"], cwd=work, capture_output=True,
                          text=True, env=env, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stderr
    mydata = work / "mydata"
    assert (mydata / "sources.csv").read_bytes() == (
        site / "gutbone" / "_bundled" / "data" / "sources.csv"
    ).read_bytes()
    edges = mydata / "edges" / "review.csv"
    lines = edges.read_text(encoding="utf-8").split("\n")
    assert lines[1].startswith("rev-1-001,CL:0000092,increases,")
    lines[1] = lines[1].replace(",increases,", ",increses,", 1)
    edges.write_text("\n".join(lines), encoding="utf-8")
    checked = subprocess.run([gutbone, "validate"], cwd=mydata, capture_output=True, text=True,
                             env=env, timeout=300)  # fmt: skip
    assert checked.returncode == 1, checked.stderr
    err = checked.stderr.splitlines()
    assert err[0] == f"gutbone: data folder {mydata} (current folder)"
    assert any(
        line.startswith("error: edges/review.csv:2:predicate: 'increses'") for line in err
    ), err
    # outside any data folder the bundled tables are used, and the line says so
    outside = subprocess.run(
        [gutbone, "paths", "--from", "Lachnospiraceae", "--to", "bone density", "--top", "1"],
        cwd=work, capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert outside.returncode == 0, outside.stderr
    bundled = site / "gutbone" / "_bundled" / "data"
    assert outside.stderr.splitlines()[0] == f"gutbone: data folder {bundled} (bundled)"
