"""gutbone: a curated, evidence-weighted knowledge graph of gut-bone mechanisms.

The public API, by stage (names are imported on first use, so ``import gutbone`` stays
cheap for the command line and the endpoint's worker processes). Most users need only
:func:`load`:

>>> import gutbone
>>> kg = gutbone.load()
>>> hits = kg.paths("Lachnospiraceae", "bone density", top=1)
>>> hits[0].nodes[0], hits[0].nodes[-1]
('NCBITaxon:186803', 'OBA:1000110')

The stages are there too, for other pipelines:

>>> result = gutbone.build_knowledge_graph()
>>> result.validation.conforms
True
>>> hits = gutbone.find_paths(result, "CHEBI:26666", "OBA:1000110")
>>> hits[0].nodes[0], hits[0].nodes[-1]
('CHEBI:26666', 'OBA:1000110')
"""

__version__ = "0.1.0"

_HOMES = {
    # the API: load a data folder, then ask it questions
    "load": "api",
    "KnowledgeGraph": "api",
    "resolve_data_folder": "datafolder",
    "init_data_folder": "datafolder",
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
    "find_paths": "api",
    "PathHit": "query.paths",
    "metapath_dwpc": "query.metapaths",
    "load_catalog": "query.catalog",
    "run_query": "query.sparql",
    "QueryResult": "query.sparql",
}

__all__ = ["__version__", *_HOMES]


def __getattr__(name: str) -> object:
    """Import a public name from its module on first use."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gutbone' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"gutbone.{home}"), name)


def __dir__() -> list[str]:
    """The public API (``__all__``), as ``dir(gutbone)`` shows it."""
    return sorted(__all__)
