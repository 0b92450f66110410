"""Scale benchmark: gutbone's heavy operations on 1e5, 1e6 and 1e7 edges, against the anchors.

For each size (graphs from ``benchmarks/generate.py``, written once under
``benchmarks/_data/``) one run prints:

* store: bulk-load time and peak RSS of ``gutbone.store.load_files`` (ontology + graph.nt,
  pyoxigraph, streamed from the path) - in a fresh process so the RSS is the load's own;
  anchor rdflib ``Graph.parse`` at 1e5 only (at 1e6 it needs minutes and several GB, and
  queries on it take seconds each: the gap is already clear at 1e5);
* SPARQL: every catalog query (``data/queries/*.rq``, counted at run time) on the on-disk
  store, run as ``gutbone sparql`` runs it, p50/p95 next to the hand-written form of the
  same question and the ratio (``benchmarks/scale_catalog.py``, the one catalog path; also
  alone: ``--part catalog``); and one benchmark query (the routes taxon -> metabolite ->
  bone outcome of the top-k pair, on direct triples), up to 20 times or 30 s, which rdflib
  also runs at 1e5;
* paths (fresh process): ``read_kgx`` time (with the arcs grouped by category pair and by
  tail) and peak RSS; all taxa x all bone outcomes DWPC
  of ``Taxon>Metabolite>BoneOutcome`` (damping 0.4) with :func:`metapath_dwpc` on the
  :class:`SparseGraph` (cold = first call, step matrices built; warm = median of 5); top-10
  explained paths for a hub taxon and bone outcome with :func:`find_paths_sparse`;
  anchors: hetmatpy ``degree_weight.dwpc`` on a HetMat of the same step matrices (if
  hetmatpy imports), a typed pure-Python neighbour expansion (dict of lists; DWPC and
  top-k), and naive ``networkx.all_simple_paths`` enumeration at 1e5 only (building a
  1e7-edge networkx graph takes minutes and ~6.5 GB). Results are cross-checked: the
  DWPC of every anchor must equal gutbone's, the top-k scores must agree.

* engines (``print_engines``): at 1e6 edges, 100 DWPC permutations (XSwap per edge type) +
  DWPC in CPU seconds (goal <= 5 min) against one hetmatpy ``HetMat.permute_graph``
  permutation + DWPC times 100; at every size, ``gutbone paths --kgx DIR --engine sparse
  --top 10`` as a whole process (CPU, getrusage) against a plain pandas + scipy script giving
  the same top 10 (goal <= 1.5x), with the command's start-up shown apart;
* Spark (at 1e6 only): ``gutbone paths --kgx DIR --engine spark`` as a whole process on
  ``local[2]`` and on a standalone cluster of a master and two workers started from the
  pyspark package (:func:`scale_catalog.run_spark`), beside the sparse engine.

Ratios are gutbone / anchor (below 1: gutbone is faster). The in-process timings of the
paths worker are CPU seconds of that process (``time.process_time``): on the shared 2-core
machine wall times mostly measure the other jobs. Run:

    python benchmarks/scale.py                 # 1e5, 1e6, 1e7 (about 10 minutes here)
    python benchmarks/scale.py --sizes 1e5,1e6
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

METAPATH = "Taxon>Metabolite>BoneOutcome"
DAMPING = 0.4
TOP = 10
# SPARQL analogue of the top-k question: the routes from one taxon to one bone outcome
PAIR_QUERY = """PREFIX gb: <https://w3id.org/gutbone/vocab#>
SELECT ?taxon ?outcome ?metabolite ?effect WHERE {
  VALUES ?effect { gb:increases gb:decreases gb:affects }
  ?taxon gb:produces ?metabolite .
  ?metabolite ?effect ?outcome .
}"""
QUERY_BUDGET = 30.0  # seconds of repeats per query (at least one run)


# --- workers (run in fresh processes) --------------------------------------------------------


def _rss() -> int:
    from gutbone.store import peak_rss_bytes

    return peak_rss_bytes()


def worker_store(size: int) -> dict[str, Any]:
    from gutbone.resources import ontology_dir
    from gutbone.store import load_files

    folder = generate.folder(size)
    report = load_files(folder / "store", [ontology_dir() / "gutbone.ttl", folder / "graph.nt"])
    return {"seconds": report.seconds, "rss": report.peak_rss_bytes, "triples": report.triples}


def _queries(pair: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, text, parameters) of the benchmarked non-catalog queries.

    The catalog queries are measured by :func:`scale_catalog.run_catalog` (all of them,
    against their hand-written forms).
    """
    return [
        ("taxon>metabolite>outcome pair", PAIR_QUERY, {"taxon": pair[0], "outcome": pair[1]}),
    ]


def worker_sparql(size: int, engine: str, pair: list[str], repeat: int) -> dict[str, Any]:
    from gutbone.query.catalog import bind_adhoc
    from gutbone.query.sparql import run_query
    from gutbone.store import open_store

    folder = generate.folder(size)
    start = time.perf_counter()
    store = graph = None
    if engine == "rdflib":
        from rdflib import Graph

        from gutbone.resources import ontology_dir

        graph = Graph()
        graph.parse(ontology_dir() / "gutbone.ttl", format="turtle")
        graph.parse(folder / "graph.nt", format="nt")
    else:
        store = open_store(folder / "store")
    load = time.perf_counter() - start
    results: dict[str, Any] = {"load": load, "queries": {}}
    for name, query_text, params in _queries(pair):
        bindings = bind_adhoc({k: f"<{_iri(v)}>" for k, v in params.items()})
        times: list[float] = []
        rows = 0
        while len(times) < repeat and (not times or sum(times) < QUERY_BUDGET):
            t = time.perf_counter()
            result = run_query(
                query_text, store=store, graph=graph, engine=engine, bindings=bindings
            )
            times.append(time.perf_counter() - t)
            rows = len(result.rows)
        results["queries"][name] = {"times": times, "rows": rows}
    results["rss"] = _rss()
    return results


def _iri(curie: str) -> str:
    from gutbone.identifiers import expand

    return expand(curie)


def _timed(function: Any, repeat: int = 1) -> tuple[float, Any]:
    """Median CPU seconds of this process (single-threaded work: comparable on a shared
    machine, where wall time depends on the other jobs) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def worker_paths(size: int, small: bool) -> dict[str, Any]:
    import numpy as np

    from gutbone.interop.readers.sparse_kgx import read_kgx
    from gutbone.query.metapaths import arc_blocks, metapath_dwpc
    from gutbone.query.paths import find_paths

    folder = generate.folder(size)
    out: dict[str, Any] = {}
    start = time.perf_counter()
    graph = read_kgx(folder)
    arc_blocks(graph)  # part of loading: arcs grouped by category pair
    graph.out_csr()  # and by tail (CSR), for path enumeration
    out["load"] = time.perf_counter() - start
    out["load_rss"] = _rss()
    out["arcs"] = len(graph.arcs.tail)
    out["dwpc_cold"], scores = _timed(lambda: metapath_dwpc(graph, METAPATH, DAMPING))
    out["dwpc_warm"], scores = _timed(lambda: metapath_dwpc(graph, METAPATH, DAMPING), 5)
    out["pairs"] = int(scores.dwpc.nnz)
    out["shape"] = [len(scores.rows), len(scores.columns)]

    # hubs: highest-degree node of each category; the pair for top-k: a hub taxon and the
    # bone outcome it reaches by most paths
    degree = np.bincount(graph.arcs.tail, minlength=len(graph.node_ids)) + np.bincount(
        graph.arcs.head, minlength=len(graph.node_ids)
    )
    hubs = {}
    for category in ("Taxon", "Metabolite", "GeneProduct", "BoneOutcome"):
        members = graph.members(category)
        hubs[category] = graph.node_ids[int(members[np.argmax(degree[members])])]
    counts = scores.path_counts.tocsr()
    row = scores.rows.index(hubs["Taxon"])
    line = counts[[row]].tocoo()
    target = scores.columns[int(line.col[np.argmax(line.data)])]
    source = hubs["Taxon"]
    out["hubs"], out["pair"] = hubs, [source, target, int(line.data.max())]
    out["topk_cold"], hits = _timed(
        lambda: find_paths(graph, source, target, metapath=METAPATH, top=TOP)
    )
    out["topk_warm"], hits = _timed(
        lambda: find_paths(graph, source, target, metapath=METAPATH, top=TOP), 5
    )
    top_scores = [round(h.score, 12) for h in hits]

    # anchor: typed pure-Python neighbour expansion (what one writes with dicts)
    start = time.perf_counter()
    adjacency, category = _python_adjacency(graph)
    out["python_build"] = time.perf_counter() - start
    out["python_dwpc"], python_scores = _timed(lambda: _python_dwpc(adjacency, category))
    worst = max(
        abs(scores.value(s, t) - v) / max(abs(v), 1e-300) for (s, t), v in python_scores.items()
    )
    assert worst < 1e-9 and len(python_scores) == out["pairs"], (worst, len(python_scores))
    out["python_topk"], python_hits = _timed(
        lambda: _python_top(adjacency, category, source, target), 5
    )
    assert [round(s, 12) for s, _ in python_hits] == top_scores, (python_hits, top_scores)

    # anchor: hetmatpy on a HetMat holding the same step matrices
    out["hetmatpy"] = _hetmatpy(graph, scores)

    if small:  # anchor: naive networkx enumeration (1e5 only)
        out["networkx"] = _networkx(graph, source, target, top_scores)
    out["rss"] = _rss()
    return out


def _python_adjacency(graph: Any) -> tuple[dict[str, list[tuple[str, float]]], dict[str, str]]:
    """node -> [(neighbour, evidence weight)] over all arcs, plus node -> category."""
    import numpy as np

    adjacency: dict[str, list[tuple[str, float]]] = defaultdict(list)
    ids = graph.node_ids
    category = {node: graph.category(i) for i, node in enumerate(ids)}
    arcs = graph.arcs
    wanted = {"Taxon", "Metabolite", "BoneOutcome"}
    codes = {i for i, name in enumerate(graph.category_table) if name in wanted}
    keep = np.isin(graph.node_category_codes[arcs.tail], list(codes))
    for t, h, w in zip(
        arcs.tail[keep].tolist(), arcs.head[keep].tolist(), arcs.weight[keep].tolist(), strict=True
    ):
        adjacency[ids[t]].append((ids[h], w))
    return adjacency, category


def _python_dwpc(
    adjacency: dict[str, list[tuple[str, float]]], category: dict[str, str]
) -> dict[tuple[str, str], float]:
    out1: dict[str, int] = defaultdict(int)
    in1: dict[str, int] = defaultdict(int)
    out2: dict[str, int] = defaultdict(int)
    in2: dict[str, int] = defaultdict(int)
    for u, neighbours in adjacency.items():
        cu = category[u]
        for v, _ in neighbours:
            cv = category[v]
            if cu == "Taxon" and cv == "Metabolite":
                out1[u] += 1
                in1[v] += 1
            elif cu == "Metabolite" and cv == "BoneOutcome":
                out2[u] += 1
                in2[v] += 1
    scores: dict[tuple[str, str], float] = defaultdict(float)
    for taxon in out1:
        for metabolite, _ in adjacency[taxon]:
            if category[metabolite] != "Metabolite":
                continue
            first = (out1[taxon] * in1[metabolite]) ** -DAMPING
            for outcome, _ in adjacency[metabolite]:
                if category[outcome] == "BoneOutcome":
                    scores[taxon, outcome] += first * (out2[metabolite] * in2[outcome]) ** -DAMPING
    return scores


def _python_top(
    adjacency: dict[str, list[tuple[str, float]]],
    category: dict[str, str],
    source: str,
    target: str,
) -> list[tuple[float, tuple[str, ...]]]:
    found = []
    for metabolite, w1 in adjacency[source]:
        if category[metabolite] != "Metabolite":
            continue
        for outcome, w2 in adjacency[metabolite]:
            if outcome == target:
                found.append((w1 * w2, (source, metabolite, target)))
    found.sort(key=lambda item: (-item[0], item[1]))
    return found[:TOP]


def _hetmat(graph: Any, binary: bool = False) -> tuple[Any, Any, Path]:
    """A HetMat holding the two step matrices of METAPATH, its metapath and its folder.

    ``binary``: 0/1 matrices (hetmatpy's XSwap keeps no parallel edges: it checks that row
    sums are kept, which fails on counts above 1).
    """
    import hetmatpy.hetmat
    import hetnetpy.hetnet

    from gutbone.query.metapaths import metaedge_adjacency

    directory = Path(tempfile.mkdtemp(prefix="hetmat-", dir=generate.DATA))
    hetmat = hetmatpy.hetmat.HetMat(directory, initialize=True)
    metagraph = hetnetpy.hetnet.MetaGraph.from_edge_tuples(
        [
            ("Taxon", "Metabolite", "produces", "both"),
            ("Metabolite", "BoneOutcome", "affects", "both"),
        ],
        {"Taxon": "T", "Metabolite": "M", "BoneOutcome": "B", "produces": "p", "affects": "a"},
    )
    hetmat.metagraph = metagraph
    steps = [
        metaedge_adjacency(graph, "Taxon", "Metabolite"),
        metaedge_adjacency(graph, "Metabolite", "BoneOutcome"),
    ]
    for name, ids in (("Taxon", steps[0].rows), ("Metabolite", steps[0].columns),
                      ("BoneOutcome", steps[1].columns)):  # fmt: skip
        path = hetmat.get_nodes_path(name)
        path.write_text("position\tidentifier\tname\n" + "".join(
            f"{i}\t{node}\t{node}\n" for i, node in enumerate(ids)), encoding="utf-8")  # fmt: skip
    for abbrev, step in (("TpM", steps[0]), ("MaB", steps[1])):
        matrix = step.matrix.tocsc().astype(float)
        if binary:
            matrix.data[:] = 1.0
        hetmatpy.hetmat.save_matrix(matrix, hetmat.edges_directory / abbrev)
    return hetmat, metagraph.metapath_from_abbrev("TpMaB"), directory


def _hetmatpy(graph: Any, scores: Any) -> dict[str, Any]:
    try:
        import hetmatpy.degree_weight
        import hetmatpy.hetmat  # noqa: F401 - imported by _hetmat
    except Exception as exc:  # noqa: BLE001 - report any import failure and go on
        return {"error": f"hetmatpy unavailable: {type(exc).__name__}: {exc}"}
    hetmat, metapath, directory = _hetmat(graph)
    run = lambda: hetmatpy.degree_weight.dwpc(  # noqa: E731
        hetmat, metapath, damping=DAMPING, dense_threshold=1
    )
    try:
        cold, (rows, cols, matrix) = _timed(run)
        warm, (rows, cols, matrix) = _timed(run, 5)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    import numpy as np
    from scipy import sparse

    diff = abs(sparse.csr_array(matrix) - scores.dwpc).max()
    assert list(rows) == list(scores.rows) and list(cols) == list(scores.columns)
    assert diff < 1e-12 * max(1.0, float(np.abs(scores.dwpc).max())), diff
    return {"cold": cold, "warm": warm, "max_diff": float(diff)}


def _networkx(graph: Any, source: str, target: str, top_scores: list[float]) -> dict[str, Any]:
    import networkx as nx

    start = time.perf_counter()
    nxg = nx.MultiDiGraph()
    ids = graph.node_ids
    nxg.add_nodes_from((node, {"category": graph.category(i)}) for i, node in enumerate(ids))
    arcs = graph.arcs
    nxg.add_edges_from(
        (ids[t], ids[h], {"weight": w})
        for t, h, w in zip(
            arcs.tail.tolist(), arcs.head.tolist(), arcs.weight.tolist(), strict=True
        )
    )
    build = time.perf_counter() - start

    def naive() -> list[float]:
        found = []
        for path in nx.all_simple_edge_paths(nxg, source, target, cutoff=2):
            nodes = [path[0][0]] + [edge[1] for edge in path]
            if len(nodes) != 3 or nxg.nodes[nodes[1]]["category"] != "Metabolite":
                continue
            found.append(math.prod(nxg.edges[edge]["weight"] for edge in path))
        return sorted(found, reverse=True)[:TOP]

    seconds, found = _timed(naive)
    assert [round(s, 12) for s in found] == top_scores, (found, top_scores)
    return {"build": build, "topk": seconds}


# --- engines: permutation nulls and the whole `paths` process (engines helper) ---------------

PERMUTATIONS = 100
PERMUTATION_GOAL = 300.0  # seconds for 100 permutations + DWPC at 1e6 edges
#: the plain pandas + scipy script `paths --kgx --engine sparse --top 10` is compared with
PLAIN_SCRIPT = """
import sys
import numpy as np
import pandas as pd
from scipy import sparse

folder, damping, top = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
nodes = pd.read_csv(f"{folder}/nodes.tsv", sep="\\t", usecols=["id", "gutbone_category"])
edges = pd.read_csv(f"{folder}/edges.tsv", sep="\\t",
                    usecols=["subject", "gutbone_predicate", "object"])
both = edges["gutbone_predicate"].isin(["associated_with", "expressed_in", "part_of"])
tails = np.concatenate([edges["subject"], edges["object"][both]])
heads = np.concatenate([edges["object"], edges["subject"][both]])
category = pd.Series(nodes["gutbone_category"].to_numpy(), index=nodes["id"])
tail_cat = category.reindex(tails).to_numpy()
head_cat = category.reindex(heads).to_numpy()
keep = tails != heads

def step(a, b):
    rows = np.sort(nodes["id"][nodes["gutbone_category"] == a].to_numpy())
    cols = np.sort(nodes["id"][nodes["gutbone_category"] == b].to_numpy())
    sel = keep & (tail_cat == a) & (head_cat == b)
    r = np.searchsorted(rows, tails[sel])
    c = np.searchsorted(cols, heads[sel])
    m = sparse.csr_array((np.ones(len(r)), (r, c)), shape=(len(rows), len(cols)))
    m.sum_duplicates()
    out_degree = m.sum(axis=1) ** -damping
    in_degree = m.sum(axis=0) ** -damping
    return rows, cols, sparse.csr_array(m * out_degree[:, None] * in_degree[None, :])

rows, _, first = step("Taxon", "Metabolite")
_, cols, second = step("Metabolite", "BoneOutcome")
dwpc = sparse.coo_array(first @ second)
best = np.argpartition(-dwpc.data, min(top, dwpc.nnz - 1))[:top]
best = best[np.lexsort((cols[dwpc.col[best]], rows[dwpc.row[best]], -dwpc.data[best]))]
for k in best:
    print(rows[dwpc.row[k]], cols[dwpc.col[k]], repr(float(dwpc.data[k])), sep="\\t")
"""


def worker_permutations(size: int) -> dict[str, Any]:
    """100 permutations + DWPC with the sparse engine; one hetmatpy permutation."""
    from gutbone.interop.readers.sparse_kgx import read_kgx
    from gutbone.query.engines import dwpc, dwpc_null
    from gutbone.query.metapaths import arc_blocks

    graph = read_kgx(generate.folder(size))
    arc_blocks(graph)
    start, cpu = time.perf_counter(), time.process_time()
    scores = dwpc(graph, METAPATH, DAMPING)
    null = dwpc_null(graph, scores, permutations=PERMUTATIONS, seed=0)
    out: dict[str, Any] = {"seconds": time.perf_counter() - start, "pairs": int(scores.dwpc.nnz),
                           "cpu": time.process_time() - cpu}  # fmt: skip
    print(f"sparse engine: {out['seconds']:.1f} s wall, {out['cpu']:.1f} s CPU",
          file=sys.stderr, flush=True)  # fmt: skip
    out["enrichment"], out["metapath_p"] = null.enrichment, null.metapath_p_value
    out["hetmatpy"] = _hetmatpy_permutation(graph)
    return out


def _hetmatpy_permutation(graph: Any) -> dict[str, Any]:
    """One hetmatpy permutation (``HetMat.permute_graph``, XSwap) + its DWPC, timed."""
    try:
        import hetmatpy.degree_weight
    except Exception as exc:  # noqa: BLE001 - report any import failure and go on
        return {"error": f"hetmatpy unavailable: {type(exc).__name__}: {exc}"}
    hetmat, metapath, directory = _hetmat(graph, binary=True)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        hetmat.permute_graph(1, seed=0)
        permuted = hetmat.permutations["001"]
        hetmatpy.degree_weight.dwpc(permuted, metapath, damping=DAMPING, dense_threshold=1)
        return {"one": time.perf_counter() - start, "one_cpu": time.process_time() - cpu}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _cpu_run(command: list[str]) -> tuple[float, float, str]:
    """Whole-process CPU seconds (user + system), wall seconds and stdout of a command."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def cli_vs_script(size: int) -> dict[str, Any]:
    """`gutbone paths --kgx --engine sparse --top 10` against the plain script, same answer."""
    folder = generate.folder(size)
    cli = [sys.executable, "-m", "gutbone", "paths", "--kgx", str(folder), "--engine", "sparse",
           "--from", "Taxon", "--to", "BoneOutcome", "--metapath", METAPATH, "--damping",
           str(DAMPING), "--top", str(TOP), "--format", "json"]  # fmt: skip
    script = Path(tempfile.mkdtemp(prefix="plain-", dir=generate.DATA)) / "plain.py"
    script.write_text(PLAIN_SCRIPT, encoding="utf-8")
    try:
        cli_cpu, cli_wall, cli_out = _cpu_run(cli)
        startup_cpu, _, _ = _cpu_run([sys.executable, "-m", "gutbone", "paths", "--help"])
        plain_cpu, plain_wall, plain_out = _cpu_run(
            [sys.executable, str(script), str(folder), str(DAMPING), str(TOP)]
        )
    finally:
        shutil.rmtree(script.parent, ignore_errors=True)
    got = [(r["source"], r["target"], r["dwpc"]) for r in json.loads(cli_out)]
    plain = [line.split("\t") for line in plain_out.splitlines()]
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in plain], (got, plain)
    assert all(math.isclose(x, float(y), rel_tol=1e-9) for (_, _, x), (_, _, y) in
               zip(got, plain, strict=True))  # fmt: skip
    return {"cli_cpu": cli_cpu, "cli_wall": cli_wall, "plain_cpu": plain_cpu,
            "plain_wall": plain_wall, "startup_cpu": startup_cpu}  # fmt: skip


def print_engines(size: int) -> None:
    """The engines lines of one size: permutations (1e6 only) and CLI vs plain script."""
    if size == 1_000_000:
        perm = _worker("permutations", size, {})
        print(f"  {PERMUTATIONS} permutations (XSwap, multiplier 10) + DWPC "
              f"{perm['cpu']:8.1f} s CPU, {perm['seconds']:.1f} s wall   ({perm['pairs']:,} "
              f"pairs; goal <= {PERMUTATION_GOAL:.0f} s; metapath enrichment "
              f"{perm['enrichment']:.3g}, p {perm['metapath_p']:.3g})")  # fmt: skip
        het = perm["hetmatpy"]
        if "error" in het:
            print(f"    anchor hetmatpy: {het['error']}")
        else:
            estimate = het["one_cpu"] * PERMUTATIONS
            print(f"    anchor hetmatpy permute_graph+dwpc {het['one_cpu']:8.1f} s CPU for one "
                  f"(0/1 matrices), {estimate:.0f} s for {PERMUTATIONS} (x{PERMUTATIONS})   "
                  f"ratio {perm['cpu'] / estimate:.3f} CPU")  # fmt: skip
    run = cli_vs_script(size)
    print(f"  paths --kgx --engine sparse --top {TOP} (whole process) "
          f"{run['cli_cpu']:6.1f} s CPU, {run['cli_wall']:.1f} s wall; of which "
          f"{run['startup_cpu']:.1f} s CPU start-up (`gutbone paths --help`)")  # fmt: skip
    print(f"    anchor plain pandas+scipy script   {run['plain_cpu']:6.1f} s CPU, "
          f"{run['plain_wall']:.1f} s wall   ratio {run['cli_cpu'] / run['plain_cpu']:.3f} CPU "
          f"(goal <= 1.5); same top {TOP}")  # fmt: skip


# --- driver ----------------------------------------------------------------------------------


def _worker(kind: str, size: int, extra: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--worker", kind, "--size", str(size),
               "--extra", json.dumps(extra)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise RuntimeError(f"worker {kind} {size} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _p(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _gb(value: int) -> str:
    return f"{value / 2**30:.2f} GiB"


def run(sizes: list[int]) -> None:
    print(f"scale benchmark: metapath {METAPATH}, damping {DAMPING}, top-{TOP}; "
          f"ratios are gutbone/anchor (< 1: gutbone faster)")  # fmt: skip
    for size in sizes:
        start = time.perf_counter()
        folder = generate.ensure(size)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        ready = time.perf_counter() - start
        print(f"\n== {meta['edges']:,} edges, {meta['nodes']:,} nodes, {meta['triples']:,} "
              f"N-Triples ({folder.name}, ready in {ready:.1f} s)")  # fmt: skip
        small = size <= 100_000
        paths = _worker("paths", size, {"small": small})
        store = _worker("store", size, {})
        print(f"  store load (pyoxigraph bulk_load)   {store['seconds']:8.1f} s   peak RSS "
              f"{_gb(store['rss'])}   {store['triples']:,} triples "
              f"({store['triples'] / store['seconds'] / 1e6:.2f} M triples/s)")  # fmt: skip
        repeat = 20
        ends = paths["pair"][:2]
        sparql = _worker(
            "sparql",
            size,
            {"engine": "oxigraph", "pair": ends, "repeat": repeat},
        )
        anchor = None
        if small:
            anchor = _worker(
                "sparql",
                size,
                {"engine": "rdflib", "pair": ends, "repeat": 3},
            )
            print(
                f"    anchor rdflib Graph.parse          {anchor['load']:8.1f} s   peak RSS "
                f"{_gb(anchor['rss'])}   ratio {store['seconds'] / anchor['load']:.3f}"
            )  # noqa: E501
        else:
            print("    anchor rdflib: not run (1e5 only: 1e6+ triples take minutes and GBs)")
        print(
            f"  SPARQL on the store (up to {repeat} runs or {QUERY_BUDGET:.0f} s each): p50 / p95"
        )
        for name, result in sparql["queries"].items():
            p50, p95 = _p(result["times"], 0.5), _p(result["times"], 0.95)
            line = (
                f"    {name:34s} {p50 * 1e3:9.1f} / {p95 * 1e3:9.1f} ms  ({result['rows']:,} rows)"
            )
            if anchor is not None and name in anchor["queries"]:
                other = anchor["queries"][name]
                assert other["rows"] == result["rows"], (name, other["rows"], result["rows"])
                ratio = p50 / _p(other["times"], 0.5)
                line += f"  rdflib p50 {_p(other['times'], 0.5) * 1e3:9.1f} ms  ratio {ratio:.3f}"
            print(line)
        # --- catalog part: every catalog query vs its hand-written form ---
        import scale_catalog

        scale_catalog.run_catalog(size)
        print(f"  sparse graph load (read_kgx)         {paths['load']:8.1f} s   peak RSS "
              f"{_gb(paths['load_rss'])}   {paths['arcs']:,} arcs")  # fmt: skip
        goal = {1_000_000: 0.1, 10_000_000: 1.0}.get(size)
        goal_text = f"; goal < {goal} s" if goal else ""
        print(f"  DWPC all {paths['shape'][0]:,} taxa x {paths['shape'][1]:,} outcomes "
              f"{paths['dwpc_warm']:8.4f} s warm, {paths['dwpc_cold']:.4f} s cold "
              f"({paths['pairs']:,} pairs{goal_text})")  # fmt: skip
        het = paths["hetmatpy"]
        if "error" in het:
            print(f"    anchor hetmatpy: {het['error']}")
        else:
            print(f"    anchor hetmatpy dwpc (sparse)      {het['warm']:8.4f} s warm, "
                  f"{het['cold']:.4f} s cold   ratio {paths['dwpc_warm'] / het['warm']:.3f} warm "
                  f"(goal <= 1.0), max |diff| {het['max_diff']:.1e}")  # fmt: skip
        print(f"    anchor pure-Python expansion       {paths['python_dwpc']:8.4f} s "
              f"(+{paths['python_build']:.1f} s dicts)   ratio "
              f"{paths['dwpc_warm'] / paths['python_dwpc']:.3f}")  # fmt: skip
        source, target, count = paths["pair"]
        print(f"  top-{TOP} paths {source} -> {target} ({count:,} paths)   "
              f"{paths['topk_warm']:8.4f} s warm, {paths['topk_cold']:.4f} s cold")  # fmt: skip
        print(f"    anchor pure-Python expansion       {paths['python_topk']:8.4f} s   ratio "
              f"{paths['topk_warm'] / paths['python_topk']:.3f}")  # fmt: skip
        if "networkx" in paths:
            nx_result = paths["networkx"]
            print(f"    anchor networkx all_simple_paths   {nx_result['topk']:8.4f} s "
                  f"(+{nx_result['build']:.1f} s graph)   ratio "
                  f"{paths['topk_warm'] / nx_result['topk']:.3f}")  # fmt: skip
        else:
            print("    anchor networkx: not run (1e5 only: 1e7 edges take minutes and ~6.5 GB)")
        print_engines(size)
        if size == 1_000_000:  # Spark local vs standalone cluster, at the size the issue names
            print("  Spark paths --kgx (whole process): local[2] vs a 2-worker cluster")
            scale_catalog.run_spark(size)
        print(f"  paths process peak RSS {_gb(paths['rss'])}; size done in "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="edge counts (default all three)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--extra", default="{}", help=argparse.SUPPRESS)
    # --- catalog / Spark-cluster parts (benchmarks/scale_catalog.py) ---
    parser.add_argument(
        "--part",
        choices=("all", "catalog", "spark"),
        default="all",
        help="catalog: every catalog query vs its hand-written form (stores must exist); "
        "spark: paths --engine spark on local[2] vs a 2-worker standalone cluster",
    )
    parser.add_argument(
        "--queries", help="with --part catalog: only these catalog queries (comma-separated)"
    )
    # --- catalog / Spark-cluster parts ---
    args = parser.parse_args(argv)
    if args.part != "all":
        import scale_catalog

        for size in (generate.parse_size(s) for s in args.sizes.split(",")):
            print(f"\n== {size:,} edges: {args.part}")
            if args.part == "catalog":
                only = args.queries.split(",") if args.queries else None
                scale_catalog.run_catalog(size, only)
            else:
                scale_catalog.run_spark(size)
        return 0
    if args.worker:
        extra = json.loads(args.extra)
        if args.worker == "store":
            result = worker_store(args.size)
        elif args.worker == "sparql":
            result = worker_sparql(args.size, extra["engine"], extra["pair"], extra["repeat"])
        elif args.worker == "permutations":
            result = worker_permutations(args.size)
        else:
            result = worker_paths(args.size, extra["small"])
        print(json.dumps(result))
        return 0
    start = time.perf_counter()
    run([generate.parse_size(s) for s in args.sizes.split(",")])
    print(f"\ntotal {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
