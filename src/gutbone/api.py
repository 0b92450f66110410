"""The Python API: :func:`load` a data folder, then query it like the command line does.

>>> kg = load()
>>> kg.sparql("counts_by_category").variables
('category', 'parent', 'nodes')
>>> hits = kg.paths("Lachnospiraceae", "bone density", top=3)
>>> hits[0].nodes[0], hits[0].nodes[-1]
('NCBITaxon:186803', 'OBA:1000110')

Every method reads the tables once (:attr:`KnowledgeGraph.data`) and builds what it
needs on first use: the SPARQL store (from the on-disk cache of :mod:`gutbone.cache`),
the path projection, the validated build for exports.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gutbone.datafolder import resolve_data_folder
from gutbone.errors import GutboneError

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph as ox

    from gutbone.curation import CuratedData
    from gutbone.pipeline import BuildResult
    from gutbone.query.catalog import CatalogQuery
    from gutbone.query.paths import PathHit
    from gutbone.query.projection import Projection
    from gutbone.query.sparql import QueryResult

__all__ = ["KnowledgeGraph", "GraphInvalidError", "load", "find_paths"]


class GraphInvalidError(GutboneError):
    """The built graph violates the SHACL shapes (the message lists every violation)."""


class KnowledgeGraph:
    """The curated graph of one data folder, ready to query, draw and export.

    Make one with :func:`load`. Node names are accepted wherever the command line takes
    them: a CURIE, a label or synonym (English or Chinese, any case) or a category.

    :param folder: the data folder the tables were read from.
    :param data: the checked tables.
    """

    def __init__(self, folder: Path, data: CuratedData) -> None:
        self.folder = folder
        self.data = data

    def __repr__(self) -> str:
        return (
            f"<KnowledgeGraph {self.folder}: {len(self.data.nodes)} nodes, "
            f"{len(self.data.edges)} assertions>"
        )

    # ------------------------------------------------------------------ built on first use

    @cached_property
    def store(self) -> ox.Store:
        """The pyoxigraph store SPARQL queries run on (loaded from the on-disk cache)."""
        from gutbone.query.source import load_source

        return load_source(self.folder, with_graph=False).store

    @cached_property
    def projection(self) -> Projection:
        """The typed directed graph that path searches walk."""
        from gutbone.query.projection import build_projection

        return build_projection(self.data)

    @cached_property
    def build(self) -> BuildResult:
        """The full build: recomputed outcomes, RDF graph and SHACL report."""
        from gutbone.pipeline import build_knowledge_graph

        return build_knowledge_graph(self.folder)

    # ------------------------------------------------------------------ questions

    def sparql(self, name_or_text: str, *, timeout: float | None = 60.0, **params: object
               ) -> QueryResult:  # fmt: skip
        """Run a catalog query (by name), a ``.rq`` file or SPARQL text.

        :param name_or_text: a catalog query name (``gutbone queries``), a path ending in
            ``.rq``, or the text of a query.
        :param timeout: seconds the query may run.
        :param params: parameter values, as ``--param NAME=VALUE`` takes them (converted
            with ``str``; a catalog query checks them against its declared types).
        :returns: variables and rows (or the boolean of an ASK query).
        :raises QueryError: unknown query or parameter, bad value, syntax error, timeout.

        >>> rows = load().sparql("nodes_in_category", category="BoneOutcome").rows
        >>> len(rows) > 3
        True
        """
        from gutbone.query.catalog import bind
        from gutbone.query.closure import run_catalog_query, uses_index
        from gutbone.query.reachability import build_index

        query = _find_query(name_or_text)
        given = {name: str(value) for name, value in params.items()}
        bindings = bind(query, given)
        index = build_index(self.store) if uses_index(query) else None  # `+` paths natively
        return run_catalog_query(
            query, store=self.store, bindings=bindings, index=index, timeout=timeout
        )

    def paths(
        self,
        source: str | Iterable[str],
        target: str | Iterable[str],
        *,
        metapath: str | Sequence[str] | None = None,
        max_length: int = 4,
        min_evidence: str | None = None,
        predicates: Iterable[str] | None = None,
        top: int | None = 20,
    ) -> list[PathHit]:
        """Explained paths from ``source`` to ``target``, as ``gutbone paths`` lists them.

        :param source: node name(s): CURIE, label, synonym or category.
        :param target: the same, for the ends of the paths.
        :param metapath: categories to follow, e.g. ``"Taxon>Metabolite>BoneOutcome"``.
        :param max_length: most hops without a metapath.
        :param min_evidence: weakest evidence type allowed (e.g. ``animal``).
        :param predicates: predicates allowed (sub-predicates included).
        :param top: keep the best ``top`` paths (``None``: all).
        :returns: :class:`~gutbone.query.paths.PathHit` results, mechanistic paths first.
        :raises QueryError: unknown node, category, predicate or level; no path.
        """
        from gutbone.query.paths import find_paths as search

        return search(
            self.projection,
            source,
            target,
            metapath=metapath,
            max_length=max_length,
            min_evidence=min_evidence,
            predicates=predicates,
            top=top,
        )

    def view(
        self,
        *,
        focus: Sequence[str] = (),
        depth: int = 1,
        source: str | None = None,
        target: str | None = None,
        categories: Collection[str] | None = None,
        evidence: Collection[str] | None = None,
        title: str | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> str:
        """An interactive HTML view (offline), as ``gutbone view`` draws it.

        :param focus: centre nodes of a neighbourhood (empty: the whole graph).
        :param depth: hops around ``focus``.
        :param source: with ``target``: draw the best paths between them instead.
        :param target: see ``source``.
        :param categories: keep nodes of these categories (or below).
        :param evidence: keep assertions of these evidence types.
        :param title: page title.
        :param path: also write the page to this file (atomically).
        :returns: the HTML page.
        """
        from gutbone.io import atomic_write
        from gutbone.views.pathway import paths_view, render_view, select

        if (source is None) != (target is None):
            raise GutboneError("give both source and target, or neither")
        if source is not None and target is not None:
            sub = paths_view(
                self.data, source, target, categories=categories, evidence=evidence
            )
            title = title or f"Paths from {source} to {target}"
        else:
            sub = select(
                self.data, focus=focus, depth=depth, categories=categories, evidence=evidence
            )
            title = title or (f"Neighbourhood of {', '.join(focus)}" if focus else "gutbone graph")
        html = render_view(self.data, sub, title=title)
        if path is not None:
            atomic_write(path, html)
        return html

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph as a networkx ``MultiDiGraph``, as ``export("graphml", ...)`` writes it.

        KGX fields are node and edge attributes; edges are keyed by assertion id.
        """
        from gutbone.interop.exports import to_networkx

        return to_networkx(self.data)

    def export(self, fmt: str, path: str | os.PathLike[str]) -> tuple[Path, ...]:
        """Write the validated graph as ``gutbone export --format FMT --out PATH`` does.

        :param fmt: ``ttl``, ``nt``, ``jsonld``, ``kgx`` (a folder), ``graphml``,
            ``cytoscape``...
        :param path: the output file (folder for KGX).
        :returns: the files written.
        :raises GraphInvalidError: the graph violates the SHACL shapes.
        :raises ValueError: an unknown format (the message lists the known ones).
        """
        from gutbone.interop.exports import export_graph

        build = self.build
        if not build.validation.conforms:
            lines = "\n".join(str(v) for v in build.validation.violations)
            raise GraphInvalidError(f"the graph does not conform to its shapes:\n{lines}")
        return export_graph(build.data, fmt, path, graph=build.graph)


def load(data: str | os.PathLike[str] | None = None) -> KnowledgeGraph:
    """Read and check the tables of a data folder.

    :param data: the data folder; when ``None``, the rule of :mod:`gutbone.datafolder`
        (the current folder or ``./data`` when it holds gutbone tables, else the bundled
        tables) picks it, as the command line does.
    :raises CurationError: listing every problem of the tables.

    >>> kg = load()
    >>> kg.folder.name, len(kg.data.nodes) > 500
    ('data', True)
    """
    from gutbone.curation import load_curated

    folder = resolve_data_folder(data).path
    return KnowledgeGraph(folder, load_curated(folder))


def _find_query(name_or_text: str) -> CatalogQuery:
    """A catalog query by name, a ``.rq`` file, or ad-hoc query text."""
    from gutbone.query.catalog import CatalogQuery, load_catalog, read_query_file

    catalog = load_catalog()
    if name_or_text in catalog:
        return catalog[name_or_text]
    if name_or_text.endswith(".rq") and "\n" not in name_or_text:
        return read_query_file(name_or_text)
    return CatalogQuery("query", "", "", (), "", name_or_text, "")


def _as_projection(graph: Any) -> Projection:
    from gutbone.curation import CuratedData
    from gutbone.pipeline import BuildResult
    from gutbone.query.projection import Projection, build_projection

    if isinstance(graph, KnowledgeGraph):
        return graph.projection
    if isinstance(graph, Projection):
        return graph
    if isinstance(graph, BuildResult):
        return build_projection(graph.data)
    if isinstance(graph, CuratedData):
        return build_projection(graph)
    raise TypeError(
        f"find_paths needs a KnowledgeGraph (gutbone.load()), a build result, curated data "
        f"or a projection, not {type(graph).__name__}"
    )


def find_paths(
    graph: KnowledgeGraph | BuildResult | CuratedData | Projection,
    sources: str | Iterable[str],
    targets: str | Iterable[str],
    **options: Any,
) -> list[PathHit]:
    """Explained paths; ``graph`` may be what :func:`load` or ``build_knowledge_graph`` return.

    The options are those of :func:`gutbone.query.paths.find_paths`.

    >>> import gutbone
    >>> hits = find_paths(gutbone.build_knowledge_graph(validate=False), "Lachnospiraceae",
    ...                   "bone density", top=1)
    >>> hits[0].nodes[-1]
    'OBA:1000110'
    """
    from gutbone.query.paths import find_paths as search

    return search(_as_projection(graph), sources, targets, **options)
