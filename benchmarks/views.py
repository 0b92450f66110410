"""Time to generate and to render (layout stabilised, headless Chromium) pathway views.

Usage: .venv/bin/python benchmarks/views.py [--sizes 100 500 2000] [--edges-per-node 2]

Graphs are synthetic (seeded): nodes spread over the categories of the ontology, edges
between random pairs with random signs and evidence types. "generate" is
``render_view`` (pyvis network + HTML); "render" is the time from navigation until the
page reports that vis-network's stabilisation finished and physics was switched off.
Needs Playwright and /usr/bin/chromium (as the browser tests).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from gutbone.curation import CuratedData, Edge, Node, Source
from gutbone.views.pathway import render_view, whole_graph
from gutbone.vocabulary import load_vocabulary

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PREDICATES = {1: "increases", -1: "decreases", 0: "associated_with"}


def synthetic(n_nodes: int, edges_per_node: float, seed: int = 1) -> CuratedData:
    rng = random.Random(seed)
    vocabulary = load_vocabulary()
    categories = [c for c in vocabulary.categories if c != "Entity"]
    evidence = list(vocabulary.evidence_types)
    nodes = {
        f"gutbone:n{i}": Node(f"gutbone:n{i}", f"node {i}", rng.choice(categories), (), ("bench",))
        for i in range(n_nodes)
    }
    ids = list(nodes)
    edges = {}
    for j in range(int(n_nodes * edges_per_node)):
        a, b = rng.sample(ids, 2)
        sign = rng.choice((1, -1, 0))
        edges[f"b{j}"] = Edge(f"b{j}", a, PREDICATES[sign], b, sign, rng.choice(evidence),
                              ("bench",), "sec. 1", f"quote {j}")  # fmt: skip
    return CuratedData(root=Path("."), sources={"bench": Source("bench", "review", "bench")},
                       nodes=nodes, edges=edges)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--edges-per-node", type=float, default=2.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"{'nodes':>6} {'edges':>6} {'generate s':>10} {'MB':>6} {'render s':>9} {'layout s':>9}")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for size in args.sizes:
            data = synthetic(size, args.edges_per_node)
            start = time.perf_counter()
            html = render_view(data, whole_graph(data), title=f"{size} nodes", max_nodes=size)
            generate = time.perf_counter() - start
            path = Path(folder) / f"view_{size}.html"
            path.write_text(html, encoding="utf-8")
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route(
                "**/*",
                lambda r: (
                    r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort()
                ),
            )
            start = time.perf_counter()
            page.goto(path.as_uri())
            page.wait_for_function(
                "window.gutboneView && window.gutboneView.stable", timeout=600_000
            )
            render = time.perf_counter() - start
            layout = page.evaluate("gutboneView.seconds")
            page.close()
            print(f"{size:>6} {len(data.edges):>6} {generate:>10.2f} {len(html) / 1e6:>6.2f} "
                  f"{render:>9.2f} {layout:>9.2f}", flush=True)  # fmt: skip
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
