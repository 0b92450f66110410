"""Shared test settings and fixtures: Hypothesis profile; headless Chromium via Playwright.

Hypothesis runs derandomized (a fixed seed per test) so that property tests give the same
examples on every run, in CI as here; set ``HYPOTHESIS_PROFILE=explore`` to search with
fresh random examples.

Browser tests are marked ``@pytest.mark.browser``. They use Debian's ``chromium``
(``/usr/bin/chromium``, or ``$GUTBONE_CHROMIUM``), never a browser downloaded by
``playwright install``. When Playwright or Chromium is missing they FAIL under ``CI=true``
and are skipped locally, with the reason.

Every page blocks all requests that are not ``file://`` or ``data:`` and records them,
with dialogs (``alert``...), console errors and uncaught page errors, so a test can
assert that a page loads nothing from the network and runs no injected script.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("deterministic", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

CHROMIUM = os.environ.get("GUTBONE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def curated_data() -> Any:
    """The bundled curated tables, read once per run (tests must not change them)."""
    from gutbone.curation import load_curated

    return load_curated()


@pytest.fixture(scope="session")
def curated_store(curated_data: Any) -> Any:
    """The bundled curated graph in an in-memory Oxigraph store, built once per run."""
    from gutbone.rdf import build_graph
    from gutbone.store import memory_store

    return memory_store(build_graph(curated_data))


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped locally: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless system Chromium; fails under CI=true and skips locally when missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class PageLog:
    """What a page did besides rendering."""

    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(browser: Any, page_log: PageLog) -> Iterator[Any]:
    """A fresh page that only loads ``file://`` and ``data:`` URLs and records the rest."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    new_page = context.new_page()

    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            page_log.blocked.append(url)
            request_route.abort()

    def on_dialog(dialog: Any) -> None:
        page_log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    new_page.route("**/*", route)
    new_page.on("dialog", on_dialog)
    new_page.on("pageerror", lambda exc: page_log.errors.append(str(exc)))
    new_page.on(
        "console",
        lambda message: page_log.errors.append(message.text) if message.type == "error" else None,
    )
    try:
        yield new_page
    finally:
        context.close()


def wait_until_stable(page: Any, timeout_ms: int = 120_000) -> None:
    """Wait until a gutbone view has finished its layout (physics switched off)."""
    page.wait_for_function(
        # a function, not an expression string: the pages' CSP forbids eval()
        "() => window.gutboneView !== undefined && window.gutboneView.stable === true",
        timeout=timeout_ms,
    )


XSS_LABEL = "<img src=x onerror=alert(1)>"
XSS_QUOTE = "<script>alert(2)</script> & \"quoted\" 'text'"


@pytest.fixture
def xss_data(tmp_path: Path) -> Path:
    """The small fixture tables plus a node labelled with an HTML injection and an
    assertion whose quote and locator are HTML."""
    import shutil

    root = tmp_path / "data_xss"
    shutil.copytree(Path(__file__).parent / "fixtures" / "data_small", root)
    with (root / "nodes" / "core.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            f'gutbone:xss_node,"{XSS_LABEL}",Metabolite,,toy,,,"{XSS_QUOTE.replace(chr(34), 2 * chr(34))}"\n'
        )
    quote = XSS_QUOTE.replace('"', '""')
    with (root / "edges" / "core.csv").open("a", encoding="utf-8") as handle:
        handle.write(
            f'x1,gutbone:xss_node,increases,EFO:0003923,1,in_vitro,toy,<b>loc</b>,"{quote}"'
            ",,,,,,,,,,,,\n"
        )
    return root
