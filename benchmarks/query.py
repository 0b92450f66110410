"""Latency of every catalog query on the embedded Oxigraph store and on rdflib.

Usage: python benchmarks/query.py [--repeat N] [--rdflib-repeat N]

Prints p50/p95 latency (ms) of each catalog query (default parameters; the required ones
as in the tests) on the in-memory pyoxigraph store and on rdflib, their ratio, and the p95
over all catalog runs on Oxigraph. Goal from the Queries issue: catalog p95 under 20 ms on
the curated graph (printed, not asserted). Then runs the path-search benchmarks of
benchmarks/paths_bench.py when that module exists.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

from gutbone.query.catalog import bind_parameters, load_catalog
from gutbone.query.source import load_source
from gutbone.query.sparql import run_query

REQUIRED = {"edge_evidence": {"subject": "CHEBI:26666"}, "search_nodes": {"text": "RANKL"}}
GOAL_MS = 20.0


def percentile(values: list[float], q: float) -> float:
    """Percentile by linear interpolation (numpy's default, R type 7)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timings(run, repeat: int) -> list[float]:
    run()  # warm-up (parsing caches, lazy imports)
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="runs per query on Oxigraph")
    parser.add_argument("--rdflib-repeat", type=int, default=5, help="runs per query on rdflib")
    args = parser.parse_args()

    start = time.perf_counter()
    source = load_source()
    print(
        f"curated graph: {len(source.store)} triples, built and loaded in "
        f"{time.perf_counter() - start:.2f} s"
    )
    catalog = load_catalog()
    print(
        f"{'query':28} {'rows':>5} {'ox p50':>8} {'ox p95':>8} "
        f"{'rdflib p50':>11} {'rdflib p95':>11} {'ratio':>7}"
    )
    every: list[float] = []
    for name, query in catalog.items():
        bindings = bind_parameters(query, REQUIRED.get(name, {}))

        def on_oxigraph(text=query.text, b=bindings):
            return run_query(text, store=source.store, bindings=b)

        def on_rdflib(text=query.text, b=bindings):
            return run_query(text, graph=source.graph, engine="rdflib", bindings=b)

        rows = len(on_oxigraph().rows)
        ox_ms = timings(on_oxigraph, args.repeat)
        rdf_ms = timings(on_rdflib, args.rdflib_repeat)
        every.extend(ox_ms)
        ox50, ox95 = percentile(ox_ms, 0.5), percentile(ox_ms, 0.95)
        rd50, rd95 = percentile(rdf_ms, 0.5), percentile(rdf_ms, 0.95)
        print(
            f"{name:28} {rows:5d} {ox50:8.2f} {ox95:8.2f} {rd50:11.1f} {rd95:11.1f} "
            f"{rd50 / ox50:6.0f}x"
        )
    p95 = percentile(every, 0.95)
    print(
        f"catalog on Oxigraph: p50 {statistics.median(every):.2f} ms, p95 {p95:.2f} ms over "
        f"{len(every)} runs (goal p95 < {GOAL_MS:g} ms: {'met' if p95 < GOAL_MS else 'NOT met'})"
    )

    paths_bench = Path(__file__).with_name("paths_bench.py")
    if paths_bench.is_file():
        spec = importlib.util.spec_from_file_location("paths_bench", paths_bench)
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            sys.modules["paths_bench"] = module
            try:
                spec.loader.exec_module(module)
                run = getattr(module, "run", None)
            except ImportError as exc:
                print(f"paths_bench skipped: {exc}")
                run = None
            if callable(run):
                print()
                run()


if __name__ == "__main__":
    main()
