"""Hand-written forms of the catalog's two ``+``-path queries, for ``scale_catalog.py``.

Their constant-text SPARQL runs past the 60 s limit at 1e6 and 1e7 edges, so the form they
are compared with is what a programmer would write by hand for the same question on the
generated graph: the relation edges of ``edges.tsv`` in memory as scipy CSR matrices (read
with pandas before the timing, as gutbone's index is read before it),
``scipy.sparse.csgraph.breadth_first_order`` for the chains, and SPARQL written out with
its constants for the rest of the question (labels, categories, direct assertions, the
taxon and outcome hierarchies):

* ``downstream_of``: one search from the start; the nodes reached that the generated graph
  types with the category or one of its sub-classes (``nodes.tsv``) go into the query as
  a ``VALUES`` list;
* ``taxon_metabolite_outcome``: the query without its path, each row's ``?reached`` kept;
  one backward search per outcome reached; rows filtered, made distinct and sorted by
  their labels in Python.

Each returns its number of rows (the benchmark prints both forms' counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyoxigraph as ox
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import breadth_first_order

from gutbone.identifiers import expand

NAMES = ("downstream_of", "taxon_metabolite_outcome")
CAUSAL = ("increases", "decreases", "affects", "produces", "precursor_of", "binds")
RELATIONS = ("increases", "decreases", "affects", "associated_with", "produces", "precursor_of",
             "binds", "participates_in", "mediates", "part_of", "develops_into", "expressed_in",
             "treats")  # fmt: skip
# the generated graph's categories with sub-classes (benchmarks/generate.py)
SUBCATEGORIES = {"GeneProduct": ["GeneProduct", "Cytokine", "Receptor"]}
PREFIXES = """PREFIX gb: <https://w3id.org/gutbone/vocab#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
DOWNSTREAM = PREFIXES + """SELECT ?start ?category ?target ?label (COUNT(DISTINCT ?direct) AS ?directAssertions)
WHERE {{
  VALUES (?start ?category ?target) {{ {targets} }}
  ?target a/rdfs:subClassOf* ?category ; rdfs:label ?label .
  OPTIONAL {{ ?direct rdf:object ?target ; rdf:subject ?start }}
}}
GROUP BY ?start ?category ?target ?label
ORDER BY DESC(?directAssertions) ?label
"""  # noqa: E501
CHAINS = PREFIXES + """SELECT DISTINCT ?taxon ?member ?memberLabel ?firstHop ?metabolite ?metaboliteLabel ?via ?viaLabel ?outcome ?outcomeLabel ?reached
WHERE {{
  VALUES (?taxon ?outcome) {{ (<{taxon}> <{outcome}>) }}
  ?taxon skos:broader* ?member .
  ?member rdfs:label ?memberLabel ; ?firstHop ?metabolite .
  ?firstHop rdfs:subPropertyOf+ gb:relation .
  ?metabolite a/rdfs:subClassOf* gb:Chemical ; rdfs:label ?metaboliteLabel ; skos:broader* ?via .
  ?via rdfs:label ?viaLabel .
  ?reached skos:broader* ?outcome .
  ?outcome rdfs:label ?outcomeLabel .
}}
"""  # noqa: E501


@dataclass(frozen=True)
class Edges:
    """The generated graph's nodes and two CSR matrices of its relation edges."""

    iris: list[str]  # node number -> IRI
    number: dict[str, int]  # IRI -> node number
    category: np.ndarray
    causal: csr_matrix  # downstream_of's predicates, subject -> object
    relations_back: csr_matrix  # taxon_metabolite_outcome's chain predicates, object -> subject


def load(folder: Path) -> Edges:
    """Read ``nodes.tsv`` and ``edges.tsv`` into matrices (not timed)."""
    nodes = pd.read_csv(folder / "nodes.tsv", sep="\t", usecols=["id", "gutbone_category"])
    ids = pd.Index(nodes["id"])
    kind = pd.CategoricalDtype(ids)
    edges = pd.read_csv(folder / "edges.tsv", sep="\t", usecols=["subject", "object",
                        "gutbone_predicate"], dtype={"subject": kind, "object": kind})  # fmt: skip
    size = len(ids)

    def matrix(predicates: tuple[str, ...], backward: bool) -> csr_matrix:
        chosen = edges[edges["gutbone_predicate"].isin(predicates)]
        rows, cols = chosen["subject"].cat.codes.to_numpy(), chosen["object"].cat.codes.to_numpy()
        if backward:
            rows, cols = cols, rows
        return csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))

    iris = [expand(str(curie)) for curie in ids]
    return Edges(iris, {iri: i for i, iri in enumerate(iris)}, nodes["gutbone_category"].to_numpy(),
                 matrix(CAUSAL, False), matrix(RELATIONS, True))  # fmt: skip


def _one_or_more(matrix: csr_matrix, start: int) -> np.ndarray:
    """Nodes reached from ``start`` in one or more steps (start only round a cycle)."""
    order = breadth_first_order(matrix, start, directed=True, return_predecessors=False)
    if matrix[order].getcol(start).nnz == 0:
        order = order[order != start]
    return order


def downstream_of(edges: Edges, store: ox.Store, start: str, category: str) -> int:
    """Rows of ``downstream_of`` for ``start`` (CURIE) and ``category`` (gutbone name)."""
    reached = _one_or_more(edges.causal, edges.number[expand(start)])
    targets = reached[np.isin(edges.category[reached], SUBCATEGORIES.get(category, [category]))]
    fixed = f"<{expand(start)}> <https://w3id.org/gutbone/vocab#{category}>"
    values = " ".join(f"({fixed} <{edges.iris[i]}>)" for i in targets)
    text = DOWNSTREAM.format(targets=values)
    return len(list(store.query(text)))  # type: ignore[arg-type]


def taxon_metabolite_outcome(edges: Edges, store: ox.Store, taxon: str, outcome: str) -> int:
    """Rows of ``taxon_metabolite_outcome`` for a taxon and an outcome (CURIEs)."""
    solutions = store.query(CHAINS.format(taxon=expand(taxon), outcome=expand(outcome)))
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    rows = [tuple(s[n] for n in names) for s in solutions]  # type: ignore[union-attr]
    via, reached = names.index("via"), names.index("reached")
    chains: dict[str, np.ndarray] = {}
    for node in {row[reached].value for row in rows}:
        mask = np.zeros(len(edges.iris), dtype=bool)
        if node in edges.number:
            mask[_one_or_more(edges.relations_back, edges.number[node])] = True
        chains[node] = mask
    number = edges.number
    kept = [
        row[:reached]
        for row in rows
        if row[via].value in number and chains[row[reached].value][number[row[via].value]]
    ]
    labels = [names.index(n) for n in ("memberLabel", "metaboliteLabel", "viaLabel")]
    kept.sort(key=lambda row: tuple(row[i].value for i in labels))
    return len(dict.fromkeys(kept))


def main(size: int, category: str, repeat: int = 5) -> None:
    """``downstream_of`` from the hub metabolite to ``category``: both forms, p50 of ``repeat``."""
    import json
    import statistics
    import time

    import generate
    import scale_catalog

    from gutbone.query.catalog import bind_parameters, load_catalog
    from gutbone.query.closure import run_catalog_query
    from gutbone.query.reachability import load_index
    from gutbone.store import open_store

    folder = generate.folder(size)
    hub = scale_catalog.hubs(folder)
    store, index, edges = open_store(folder / "store"), load_index(folder / "store"), load(folder)
    query = load_catalog()["downstream_of"]
    given = {"start": hub["Metabolite"], "category": category}
    bindings = bind_parameters(query, given)
    forms = {
        "gutbone": lambda: len(run_catalog_query(query, store=store, bindings=bindings,
                                                 index=index).rows),  # fmt: skip
        "hand-written": lambda: downstream_of(edges, store, given["start"], category),
    }
    for name, run in forms.items():
        times, rows = [], 0
        for _ in range(repeat + 1):  # the first run warms the caches
            start = time.perf_counter()
            rows = run()
            times.append(time.perf_counter() - start)
        p50 = statistics.median(times[1:])
        print(json.dumps({"form": name, "category": category, "rows": rows, "p50_s": p50}))


if __name__ == "__main__":
    import sys

    main(int(float(sys.argv[1])), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
