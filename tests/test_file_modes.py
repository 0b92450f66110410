"""Every file a command writes gets the mode the umask gives (0644 under 022)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gutbone.cli import main

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "paths" / "toy"
STUDIES = ROOT / "data" / "studies" / "bmd_all_sites.csv"


@pytest.fixture(params=[0o022, 0o027])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield int(request.param)
    finally:
        os.umask(old)


def _modes(root: Path) -> dict[str, int]:
    paths = [root] if root.is_file() else [root, *root.rglob("*")]
    return {p.relative_to(root.parent).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in paths}


@pytest.mark.parametrize(
    ("args", "written"),
    [
        (["view", "--data", str(TOY), "--out", "{out}/v.html"], "v.html"),
        (["export", "--data", str(TOY), "--format", "graphml", "--out", "{out}/g.graphml"],
         "g.graphml"),
        (["export", "--data", str(TOY), "--format", "kgx", "--out", "{out}/kgx"], "kgx"),
        (["meta", str(STUDIES), "--forest", "{out}/forest.svg", "--funnel", "{out}/funnel.svg"],
         "forest.svg"),
        (["build", "--data", str(TOY), "--out", "{out}/build"], "build"),
        (["init", "{out}/mydata"], "mydata"),
    ],
)  # fmt: skip
def test_written_files_respect_the_umask(
    tmp_path: Path, umask: int, args: list[str], written: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert main([a.replace("{out}", str(out)) for a in args]) == 0, capsys.readouterr().err
    modes = _modes(out / written)
    assert modes, written
    for name, mode in modes.items():
        is_dir = (out / name).is_dir()
        expected = (0o777 if is_dir else 0o666) & ~umask
        assert mode == expected, f"{name}: {oct(mode)} != {oct(expected)}"
    for extra in out.iterdir():  # the funnel plot and anything else written beside
        for name, mode in _modes(extra).items():
            assert mode & ~(0o777 & ~umask) == 0, f"{name}: {oct(mode)}"
