"""Catalog and Spark-cluster parts of the scale benchmark (``benchmarks/scale.py --part``).

* ``catalog``: every query of the SPARQL catalog (``data/queries/*.rq``, counted at run
  time) on the on-disk store of the generated graph (``benchmarks/generate.py``; ontology +
  graph.nt loaded with :func:`gutbone.store.load_files`, which writes the VoID counts), run
  as ``gutbone sparql`` runs it (:func:`run_query`, parameters bound as a VALUES block),
  next to a hand-written form of the same question in the same process: the query with
  its parameter values written in as constants, and for the three count queries the live
  aggregation they replaced (``COUNT`` over the association nodes instead of the VoID
  counts). Parameters are the highest-degree node of the category each expects. Each form
  runs up to 21 times or 10 s, the first run only warming the caches (left out of p50/p95
  when there are more: otherwise the form run first pays for the cold caches of both); a
  run past the 60 s limit is reported as such (the worker process then ends: an engine
  thread cannot be interrupted) and the next worker carries on.
* ``spark``: ``gutbone paths --kgx DIR --engine spark`` as a whole process, on
  ``local[2]`` and on a standalone cluster of one master and two 1-core workers started
  here from the pyspark package (as ``tests/test_spark_cluster.py`` does).

Run ``python benchmarks/scale.py --part catalog --sizes 1e6,1e7``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import scale_reach  # noqa: E402

REPEAT = 21  # the first run warms the caches; p50 of 20 resists the shared machine's noise
BUDGET = 10.0
LIMIT = 60.0

# the aggregations the VoID counts replaced (hand-written live forms)
LIVE = {
    "counts_by_predicate": """SELECT ?predicate ?sign (COUNT(?a) AS ?assertions)
WHERE { ?a a gb:Association ; rdf:predicate ?predicate ; gb:sign ?sign . }
GROUP BY ?predicate ?sign ORDER BY DESC(?assertions) ?predicate ?sign""",
    "counts_by_category": """SELECT ?category ?parent (COUNT(DISTINCT ?node) AS ?nodes)
WHERE { ?node gb:curie ?curie ; a ?category . OPTIONAL { ?category rdfs:subClassOf ?parent } }
GROUP BY ?category ?parent ORDER BY DESC(?nodes) ?category""",
    "counts_by_evidence": """SELECT ?evidence ?label ?rank ?weight (COUNT(?a) AS ?assertions)
  (COUNT(?effect) AS ?withEffect)
WHERE { ?a a gb:Association ; gb:evidenceType ?evidence . OPTIONAL { ?a gb:effect ?effect }
  ?evidence rdfs:label ?label ; gb:evidenceRank ?rank ; gb:evidenceWeight ?weight . }
GROUP BY ?evidence ?label ?rank ?weight ORDER BY DESC(?rank)""",
}


def hubs(folder: Path) -> dict[str, str]:
    """The highest-degree node of each category of the generated graph."""
    import pandas as pd

    edges = pd.read_csv(folder / "edges.tsv", sep="\t", usecols=["subject", "object"])
    nodes = pd.read_csv(folder / "nodes.tsv", sep="\t", usecols=["id", "gutbone_category"])
    degree = pd.concat([edges["subject"], edges["object"]]).value_counts()
    nodes["degree"] = nodes["id"].map(degree).fillna(0)
    top = nodes.sort_values("degree", ascending=False).groupby("gutbone_category")["id"].first()
    return {str(k): str(v) for k, v in top.items()}


def parameters(hub: dict[str, str]) -> dict[str, dict[str, str]]:
    """Parameter values per query (the rest use their defaults)."""
    return {
        "edge_evidence": {"subject": hub["Metabolite"]},
        "search_nodes": {"text": "taxon 1000001"},
        "neighbourhood": {"node": hub["GeneProduct"]},
        "nodes_in_category": {"category": "BoneOutcome"},
        "evidence_for_outcome": {"outcome": hub["BoneOutcome"]},
        "taxon_metabolite_outcome": {"taxon": hub["Taxon"], "outcome": hub["BoneOutcome"]},
        "taxon_mechanism_chains": {"taxon": hub["Taxon"]},
        "downstream_of": {"start": hub["Metabolite"]},
        "metabolite_pathways": {"metabolite": hub["Metabolite"]},
        "metabolite_receptors": {"metabolite": hub["Metabolite"]},
        "taxa_abundance_in_disease": {"disease": hub["Disease"]},
        "mr_estimates": {"outcome": hub["BoneOutcome"]},
    }


# the parameters of the two `+`-path queries, in the order their hand forms take them
CATALOG_DEFAULTS = {
    "downstream_of": {"start": "CHEBI:15724", "category": "BiologicalProcess"},
    "taxon_metabolite_outcome": {"taxon": "NCBITaxon:186803", "outcome": "OBA:1000110"},
}


def hand_written(name: str, text: str, bindings: dict[str, Any]) -> str:
    """The query with its parameter values written in as constants (or the live count)."""
    if name in LIVE:
        return LIVE[name]
    head, _, rest = text.partition("WHERE")
    end = rest.rindex("}") + 1  # the WHERE group; GROUP BY / ORDER BY keep the variables
    body = rest[:end]
    for variable, term in bindings.items():
        body = body.replace(f"?{variable} ", f"{term.n3()} ").replace(
            f"?{variable})", f"{term.n3()})"
        )
    return f"{head}WHERE{body}{rest[end:]}"


def _hand(name: str, text: str, bindings: dict[str, Any], store: Any, edges: Any,
          given: dict[str, str]) -> Callable[[], int]:  # fmt: skip
    """The hand-written form of ``name``: a function returning its number of rows."""
    from gutbone.query.sparql import run_query

    if name in scale_reach.NAMES:  # the constant text runs past the limit: scipy + SPARQL
        function = getattr(scale_reach, name)
        query = CATALOG_DEFAULTS[name] | given
        return lambda: function(edges, store, *query.values())
    constant = hand_written(name, text, bindings)
    return lambda: len(run_query(constant, store=store, timeout=LIMIT).rows)


def worker(size: int, names: list[str], hub: dict[str, str]) -> None:
    """Time each query's two forms; print one JSON line per query (stops after a timeout)."""
    from gutbone.query.catalog import bind_parameters, load_catalog
    from gutbone.query.closure import run_catalog_query
    from gutbone.query.reachability import load_index
    from gutbone.query.sparql import QueryLimitError
    from gutbone.store import open_store

    folder = generate.folder(size)
    store = open_store(folder / "store")
    index = load_index(folder / "store")  # as `gutbone sparql --store` reads it
    edges = scale_reach.load(folder) if set(names) & set(scale_reach.NAMES) else None
    catalog = load_catalog()
    given = parameters(hub)
    for name in names:
        query = catalog[name]
        bindings = bind_parameters(query, given.get(name, {}))
        forms: dict[str, Callable[[], int]] = {
            "catalog": lambda q=query, b=bindings: len(  # type: ignore[misc]
                run_catalog_query(q, store=store, bindings=b, index=index, timeout=LIMIT).rows
            ),
            "hand": _hand(name, query.text, bindings, store, edges, given.get(name, {})),
        }
        record: dict[str, Any] = {"name": name}
        for form, run in forms.items():
            times: list[float] = []
            while len(times) < REPEAT and sum(times) < BUDGET:
                start = time.perf_counter()
                try:
                    rows = run()
                except QueryLimitError:
                    record[form] = {"timeout": LIMIT}
                    print(json.dumps(record), flush=True)
                    os._exit(0)
                times.append(time.perf_counter() - start)
                record[form] = {"times": times, "rows": rows}
        print(json.dumps(record), flush=True)


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cell(entry: dict[str, Any]) -> tuple[str, float | None]:
    if "timeout" in entry:
        return f"> {entry['timeout']:.0f} s (limit)".rjust(22), None
    times = entry["times"][1:] or entry["times"]  # the first run warms the caches
    p50, p95 = _p(times, 0.5), _p(times, 0.95)
    return f"{p50 * 1e3:9.1f} / {p95 * 1e3:9.1f}", p50


def _ensure_index(store_dir: Path) -> None:
    """Write the reachability index of a store loaded before gutbone wrote one."""
    from gutbone.query.reachability import StaleIndexError, build_index, load_index, write_index
    from gutbone.store import open_store

    try:
        load_index(store_dir)
    except StaleIndexError as exc:
        start = time.perf_counter()
        store = open_store(store_dir)
        index = build_index(store)
        del store
        write_index(index, store_dir)
        print(f"  ({exc}: written in {time.perf_counter() - start:.0f} s)")


def run_catalog(size: int, only: list[str] | None = None) -> None:
    """Print every catalog query's (or ``only`` those) p50/p95 next to its hand-written form."""
    from gutbone.query.catalog import load_catalog

    folder = generate.folder(size)
    if not (folder / "store").is_dir():
        print(f"  (no store at {folder / 'store'}: run benchmarks/scale.py --sizes first)")
        return
    _ensure_index(folder / "store")
    hub = hubs(folder)
    names = [n for n in sorted(load_catalog()) if only is None or n in only]
    print(f"  {len(names)} catalog queries (up to {REPEAT - 1} runs after a warm-up, "
          f"or {BUDGET:.0f} s; limit {LIMIT:.0f} s): p50 / p95 ms, gutbone vs hand-written; "
          "goal <= 2 s, ratio <= 2")  # fmt: skip
    done: list[str] = []
    met = 0
    while len(done) < len(names):
        rest = [n for n in names if n not in done]
        command = [sys.executable, str(HERE / "scale_catalog.py"), str(size), json.dumps(rest),
                   json.dumps(hub)]  # fmt: skip
        done_run = subprocess.run(  # noqa: S603 - this interpreter, this script
            command, capture_output=True, text=True, check=False
        )
        lines = done_run.stdout.splitlines()
        if not lines:
            print(f"    {rest[0]:27s} failed: {done_run.stderr.strip().splitlines()[-1:]}")
            done.append(rest[0])
        for line in lines:
            record = json.loads(line)
            done.append(record["name"])
            text, p50 = _cell(record["catalog"])
            hand_text, hand = _cell(record.get("hand", {"timeout": 0.0}))
            ratio = f"{p50 / hand:6.2f}" if p50 is not None and hand else "     -"
            rows = record["catalog"].get("rows", "-")
            hand_rows = record.get("hand", {}).get("rows", rows)
            if hand_rows != rows:
                rows = f"{rows} (hand-written: {hand_rows})"
            ok = (
                "ok"
                if p50 is not None and p50 <= 2.0 and (hand is None or p50 <= 2 * hand)
                else "--"
            )
            met += ok == "ok"
            print(f"    {record['name']:27s} {text}  hand {hand_text}  ratio {ratio}  "
                  f"{rows} rows  {ok}")  # fmt: skip
    print(f"    {met} of {len(names)} queries meet both goals")


def run_spark(size: int) -> None:
    """``paths --engine spark`` on local[2] and on a 2-worker standalone cluster."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import test_spark_cluster as cluster_test

    folder = generate.ensure(size)
    args = ["paths", "--kgx", str(folder), "--from", "Taxon", "--to", "BoneOutcome",
            "--metapath", "Taxon>Metabolite>BoneOutcome", "--top", "10"]  # fmt: skip
    with cluster_test.standalone_cluster(Path(tempfile.mkdtemp(prefix="spark-"))) as running:
        timings = {}
        for label, extra in (("sparse", ["--engine", "sparse"]),
                             ("spark local[2]", ["--engine", "spark", "--master", "local[2]"]),
                             ("spark 2-worker cluster", ["--engine", "spark", "--master",
                                                         running.master])):  # fmt: skip
            start = time.perf_counter()
            done = cluster_test._gutbone(running.env, *args, *extra)
            timings[label] = time.perf_counter() - start
            assert done.returncode == 0, done.stderr[-2000:]
        base = timings["spark local[2]"]
        for label, seconds in timings.items():
            print(
                f"    {label:27s} {seconds:8.1f} s whole process   vs local[2] {seconds / base:.2f}"
            )


if __name__ == "__main__":
    worker(int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]))
