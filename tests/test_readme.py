"""The README's Python examples run as written (doctest of the ``pycon`` blocks)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(README.parent)  # gutbone.load() then reads ./data, as a reader would
    results = doctest.testfile(
        str(README), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False
    )
    assert results.attempted >= 10  # the "In Python" section is there and was run
    assert results.failed == 0
