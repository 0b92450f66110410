"""Time to a settled layout of pathway views in headless Chromium: layered vs force-directed.

Usage: .venv/bin/python benchmarks/views.py [--sizes 200 2000 5000] [--edges-per-node 2]

Graphs are synthetic (seeded): nodes spread over the categories of the ontology, edges
between random pairs with random signs and evidence types. "generate" is
``render_view`` (layered positions, pyvis network, HTML); "layered" is the time from
navigation until the page reports its layout settled (positions given, first drawing
done, view fitted). The baseline, measured in the same run on the same page, is the
force-directed layout views used before the layered one (a new vis-network on the same
nodes and edges with barnesHut stabilisation, 1000 / 400 / 200 iterations for up to
300 / 1000 / more nodes; timed from construction, so page loading is not counted in the
baseline but is in "layered"); "ratio" is baseline / layered. Goal: 2,000 nodes settled
in under 5 s.
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


#: The force-directed baseline: the same nodes and edges in a new vis-network with the
#: options views had before the layered layout (barnesHut, stabilisation), timed from
#: construction until stabilisation is done (ms).
_FORCE_DIRECTED = """(iterations) => new Promise((done) => {
  const v = window.gutboneView;
  const container = document.getElementById("mynetwork");
  v.network.destroy();
  const nodes = new vis.DataSet(v.nodes.get().map(n => ({id: n.id, label: n.label,
    shape: n.shape, color: n.color, size: n.size})));
  const edges = new vis.DataSet(v.edges.get().map(e => ({id: e.id, from: e.from, to: e.to,
    arrows: e.arrows, color: e.color, width: e.width})));
  const options = {layout: {randomSeed: 7, improvedLayout: nodes.length <= 150},
    physics: {enabled: true, solver: "barnesHut", minVelocity: 1.0,
      barnesHut: {gravitationalConstant: -6000, springLength: 140, springConstant: 0.03,
                  damping: 0.3, avoidOverlap: 0.2},
      stabilization: {enabled: true, iterations: iterations, updateInterval: 25, fit: true}}};
  const t0 = performance.now();
  const network = new vis.Network(container, {nodes: nodes, edges: edges}, options);
  network.once("stabilizationIterationsDone", () => {
    network.setOptions({physics: false});
    network.fit();
    done(performance.now() - t0);
  });
})"""


def _iterations(size: int) -> int:
    """Stabilisation iterations of the former force-directed views."""
    return 1000 if size <= 300 else 400 if size <= 1000 else 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 5000])
    parser.add_argument("--edges-per-node", type=float, default=2.0)
    parser.add_argument("--baseline-max", type=int, default=2000,
                        help="measure the force-directed baseline up to this many nodes "
                        "(it takes minutes beyond)")  # fmt: skip
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"{'nodes':>6} {'edges':>6} {'generate s':>10} {'MB':>6} {'layered s':>9} "
          f"{'baseline s':>10} {'ratio':>6} {'goal':>5}")  # fmt: skip
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
            layered = time.perf_counter() - start
            baseline = (
                page.evaluate(_FORCE_DIRECTED, _iterations(size)) / 1000.0
                if size <= args.baseline_max
                else None
            )
            page.close()
            goal = "" if size != 2000 else ("met" if layered < 5.0 else "MISSED")
            base = (f"{baseline:>10.2f} {baseline / layered:>6.1f}"
                    if baseline is not None else f"{'skipped':>10} {'':>6}")  # fmt: skip
            print(f"{size:>6} {len(data.edges):>6} {generate:>10.2f} {len(html) / 1e6:>6.2f} "
                  f"{layered:>9.2f} {base} {goal:>5}", flush=True)  # fmt: skip
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
