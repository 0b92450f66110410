"""gutbone: a curated, evidence-weighted knowledge graph of gut-bone mechanisms.

The public API, by stage (names are imported on first use, so ``import gutbone`` stays
cheap for the endpoint's worker processes):

>>> import gutbone
>>> result = gutbone.build_knowledge_graph()
>>> result.validation.conforms
True
>>> hits = gutbone.find_paths(gutbone.build_projection(result.data), "CHEBI:26666", "OBA:1000110")
>>> hits[0].nodes[0], hits[0].nodes[-1]
('CHEBI:26666', 'OBA:1000110')
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_HOMES = {
    # errors
    "GutboneError": "errors",
    "InputError": "errors",
    "Problem": "errors",
    # curation: read and check tables
    "load_curated": "curation",
    "CuratedData": "curation",
    # rdf: build and serialise the graph
    "build_graph": "rdf",
    "serialize": "rdf",
    # validate: SHACL
    "validate_graph": "validate",
    # stats: meta-analysis, Mendelian randomization, mediation
    "pool": "stats.meta",
    "meta_analysis_from_csv": "stats.analysis",
    "analyse_csv": "stats.analysis",
    "MetaResult": "stats.results",
    "meta_regression": "stats.regression",
    "regression_from_csv": "stats.analysis",
    "MetaRegressionResult": "stats.results",
    "leave_one_out": "stats.leave_one_out",
    "pool_mh": "stats.mantel_haenszel",
    "mr_from_csv": "stats.mr",
    "MRResult": "stats.mr",
    "mediate": "stats.mediation",
    "MediationResult": "stats.mediation",
    # synthesis and the whole pipeline
    "check_outcomes": "synthesis",
    "build_knowledge_graph": "pipeline",
    "write_graph_files": "pipeline",
    # query: paths and SPARQL
    "build_projection": "query.projection",
    "resolve": "query.resolve",
    "find_paths": "query.paths",
    "PathHit": "query.paths",
    "metapath_dwpc": "query.metapaths",
    "load_catalog": "query.catalog",
    "run_query": "query.sparql",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gutbone' has no attribute {name!r}")
    return getattr(importlib.import_module(f"gutbone.{home}"), name)
