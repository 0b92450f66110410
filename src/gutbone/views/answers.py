"""The report's questions and their answers, as data: :mod:`gutbone.views.report` renders them.

:func:`answer_questions` runs every analysis the report shows, through the library: ranked
path searches (:mod:`gutbone.query.paths`) for the headline questions and the triangulation
table, the recomputed pooled outcomes (taken from the build, :attr:`BuildResult.outcome_checks
<gutbone.pipeline.BuildResult>`, when given), the meta-regressions on study characteristics,
and variant-level Mendelian randomization (:func:`gutbone.stats.mr.mr_all`). Nothing here
draws, formats or escapes.

>>> from gutbone.curation import load_curated
>>> answers = answer_questions(load_curated(), permutations=0)
>>> "OBA:1000110" in answers.bmd and len(answers.rct_edges) > 0
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gutbone.curation import CuratedData, Edge, Outcome
from gutbone.errors import InputError, Problem, QueryError
from gutbone.query.coverage import named_taxa
from gutbone.query.metapaths import (
    ArcGraph,
    DwpcMatrix,
    metapath_dwpc,
    parse_metapath,
    step_arcs,
)
from gutbone.query.permutations import null_task, permuted_graph
from gutbone.query.projection import lookup_edge
from gutbone.stats.analysis import ModeratorCheck, moderator_checks
from gutbone.stats.mr import MRResult, mr_all
from gutbone.stats.variant_table import VariantTable, read_variant_table
from gutbone.synthesis import OutcomeCheck, check_outcomes
from gutbone.views.pathway import PathHighlight, find_path_highlights
from gutbone.vocabulary import load_vocabulary

__all__ = [
    "MECHANISTIC_PREDICATES",
    "RCT_EVIDENCE",
    "PathAnswer",
    "TriangulationPath",
    "TriangulationRow",
    "MediationAnswer",
    "VariantMR",
    "ModeratorAnswer",
    "MetapathNull",
    "ReportAnswers",
    "REPORT_PERMUTATIONS",
    "REPORT_SEED",
    "answer_questions",
    "bmd_nodes",
    "metapath_null",
]

#: Evidence types of randomized trials.
RCT_EVIDENCE = ("rct_meta_analysis", "rct")
#: Predicates a triangulation path may use: causal or mechanistic links only.
MECHANISTIC_PREDICATES: tuple[str, ...] = (
    "increases", "decreases", "affects", "produces", "precursor_of", "binds", "mediates",
    "participates_in", "develops_into",
)  # fmt: skip
#: Mechanistic paths listed per taxon in the triangulation table (best first).
TRIANGULATION_TOP = 5
#: Bone outcomes: bone measurement (EFO:0004512, over BMD at every site, bone mass and BV/TV,
#: fracture and turnover markers) where the graph has it, bone mineral density (OBA:1000110),
#: and the obsolete EFO term that older tables (and other graphs) still use.
_BMD_ROOTS = ("EFO:0004512", "OBA:1000110", "EFO:0003923")
_RANKL_OPG = ("HGNC:11926", "HGNC:11909")
#: Metapaths whose enrichment the report shows for the immune question (it searches any path
#: of at most 3 hops: these are its 1-, 2- and 3-hop forms; RANKL is a Cytokine and OPG a
#: Receptor, both gene products).
_IMMUNE_METAPATHS = (
    "ImmuneCell>GeneProduct", "ImmuneCell>Entity>GeneProduct",
    "ImmuneCell>Entity>Entity>GeneProduct",
)  # fmt: skip
#: Permuted graphs per headline metapath (``gutbone report --permutations``): the smallest
#: permutation p-value is then 1/51; about 6 s CPU on the bundled data for all five metapaths.
REPORT_PERMUTATIONS = 50
#: Base seed of the report's permutations (``gutbone report --seed``).
REPORT_SEED = 0
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class PathAnswer:
    """The ranked paths that answer one question.

    :param name: the question's anchor (and the name of its view).
    :param question: the question, in words.
    :param title: the view's title.
    :param metapaths: the metapaths searched (``None``: any path up to ``max_length`` hops).
    :param max_length: the most hops.
    :param paths: the best paths, mechanistic first, ranked (``rank`` 1, 2...).
    :param has_nodes: the graph has nodes at both ends of the question.
    """

    name: str
    question: str
    title: str
    metapaths: tuple[str | None, ...]
    max_length: int
    paths: tuple[PathHighlight, ...]
    has_nodes: bool

    @property
    def how(self) -> str:
        """How the paths were searched, in words."""
        if all(self.metapaths):
            return "metapath " + " or ".join(m for m in self.metapaths if m)
        return f"at most {self.max_length} hops"


@dataclass(frozen=True)
class TriangulationPath:
    """One mechanistic path of a taxon to BMD, with its net sign.

    :param origin: where the path starts: the taxon or one of its broader taxa.
    :param path: the path. :param sign: product of the hop signs.
    """

    origin: str
    path: PathHighlight
    sign: int


@dataclass(frozen=True)
class TriangulationRow:
    """A taxon's MR estimate on BMD next to its mechanistic paths and the trial evidence.

    :param edge: the MR assertion. :param beta: its estimate. :param mr_sign: its sign.
    :param rct: sign and assertion ids of randomized evidence on interventions linked to the
        taxon (None: there is none).
    :param paths: the best mechanistic paths (from the taxon, or else its broader taxa).
    """

    edge: Edge
    beta: Decimal
    mr_sign: int
    rct: tuple[int, str] | None
    paths: tuple[TriangulationPath, ...]


@dataclass(frozen=True)
class MediationAnswer:
    """A reported proportion mediated, with the exposures of its mediator.

    :param edge: the mediation assertion. :param exposures: taxa with an MR estimate on the
        mediator. :param scale: 100 when the proportion is curated in percent, else 1.
    """

    edge: Edge
    exposures: tuple[str, ...]
    scale: float


@dataclass(frozen=True)
class VariantMR:
    """MR recomputed from one variant table of ``<data>/mr/``.

    :param path: the table. :param table: its rows (None when it has problems).
    :param result: every MR method (None when the table has problems).
    :param problems: what is wrong with the table.
    """

    path: Path
    table: VariantTable | None
    result: MRResult | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class ModeratorAnswer:
    """Meta-regressions of one pooled outcome, one per curated moderator column."""

    outcome: Outcome
    checks: tuple[ModeratorCheck, ...]


@dataclass(frozen=True)
class MetapathNull:
    """A headline metapath's DWPC over the pairs of its question, against permuted graphs.

    The permuted graphs are those of :mod:`gutbone.query.permutations` (XSwap per edge type:
    every node keeps its number of edges of each type, the edges are shuffled); permutation
    ``k`` is seeded ``[seed, k]``, so the null is the one ``gutbone paths --engine sparse
    --permutations N --seed S`` computes for each pair.

    :param question: the anchor of the question (:attr:`PathAnswer.name`).
    :param metapath: the categories.
    :param observed: the DWPC summed over the question's pairs.
    :param null_sums: that sum on each permuted graph, in permutation order.
    :param seed: the base seed.
    :param pairs: the question's (source, target) pairs.
    :param computable: pairs whose source has an edge of the first step and whose target has
        one of the last: every permuted graph keeps those degrees, so only these pairs can
        have a path in any of them.
    :param with_path: pairs with a path in the curated graph.
    """

    question: str
    metapath: tuple[str, ...]
    observed: float
    null_sums: tuple[float, ...]
    seed: int
    pairs: int
    computable: int
    with_path: int

    @property
    def permutations(self) -> int:
        """The number of permuted graphs."""
        return len(self.null_sums)

    @property
    def null_mean(self) -> float:
        """Mean of the permuted sums."""
        return float(np.mean(self.null_sums))

    @property
    def null_sd(self) -> float:
        """Standard deviation of the permuted sums (population, as for single pairs)."""
        return float(np.std(self.null_sums))

    @property
    def z(self) -> float | None:
        """``(observed - null mean) / null sd``; None when every permuted sum is the same."""
        sd = self.null_sd
        if sd <= 1e-12 * max(abs(self.null_mean), 1e-300):
            return None
        return (self.observed - self.null_mean) / sd

    @property
    def p_value(self) -> float:
        """``(1 + #{permuted sum >= observed}) / (1 + permutations)`` (never 0)."""
        exceed = sum(value >= self.observed * (1 - 1e-12) for value in self.null_sums)
        return (1 + exceed) / (1 + self.permutations)

    @property
    def enrichment(self) -> float | None:
        """``observed / null mean``; None when no permuted graph has a path."""
        mean = self.null_mean
        return self.observed / mean if mean > 0 else None


@dataclass(frozen=True)
class ReportAnswers:
    """Everything the report shows that is computed, not curated.

    :param bmd: bone mineral density and the nodes narrower than it.
    :param questions: the headline path questions (taxon → metabolite → BMD, immune cells →
        RANKL / OPG).
    :param rankl_opg: the RANKL and OPG nodes present in the graph.
    :param rct_edges: assertions resting on randomized trials, by id.
    :param triangulation: one row per MR estimate of a taxon on BMD.
    :param outcome_checks: every pooled outcome, reported vs recomputed.
    :param outcome_problems: why the outcomes could not be recomputed (bad study tables).
    :param moderators: meta-regressions of outcomes with curated moderator columns.
    :param mr_edges: assertions with an MR estimate. :param mediation: reported mediation.
    :param variant_mr: MR recomputed from the variant tables of the data folder.
    :param enrichment: each headline metapath against its permutation null (empty when the
        report was asked for no permutations), in question order.
    """

    bmd: tuple[str, ...]
    questions: tuple[PathAnswer, ...]
    rankl_opg: tuple[str, ...]
    rct_edges: tuple[Edge, ...]
    triangulation: tuple[TriangulationRow, ...]
    outcome_checks: tuple[OutcomeCheck, ...]
    outcome_problems: tuple[Problem, ...]
    moderators: tuple[ModeratorAnswer, ...]
    mr_edges: tuple[Edge, ...]
    mediation: tuple[MediationAnswer, ...]
    variant_mr: tuple[VariantMR, ...]
    enrichment: tuple[MetapathNull, ...] = ()


def bmd_nodes(data: CuratedData) -> tuple[str, ...]:
    """The bone outcomes (:data:`_BMD_ROOTS` present in the graph) and the nodes narrower."""
    found = {root for root in _BMD_ROOTS if root in data.nodes}
    if not found:
        return ()
    changed = True
    while changed:
        changed = False
        for node in data.nodes.values():
            if node.broader in found and node.id not in found:
                found.add(node.id)
                changed = True
    return tuple(sorted(found))


def _ancestors(data: CuratedData, node_id: str) -> list[str]:
    chain: list[str] = []
    current = data.nodes[node_id].broader if node_id in data.nodes else ""
    while current and current in data.nodes and current not in chain:
        chain.append(current)
        current = data.nodes[current].broader
    return chain


def _is_a(data: CuratedData, node_id: str, category: str) -> bool:
    return category in load_vocabulary().category_ancestors(data.nodes[node_id].category)


class _Searcher:
    """Path searches on one projection of the data, built on first use."""

    def __init__(self, data: CuratedData) -> None:
        self.data = data
        self.projection: Any = None

    def graph(self) -> Any:
        """The projection of the data (built on first use)."""
        if self.projection is None:
            from gutbone.query.projection import build_projection

            self.projection = build_projection(self.data)
        return self.projection

    def search(
        self,
        sources: Sequence[str],
        targets: Sequence[str],
        *,
        metapath: str | None = None,
        max_length: int = 4,
        top: int | None = 25,
        predicates: Sequence[str] | None = None,
    ) -> list[PathHighlight]:
        """Ranked paths (:mod:`gutbone.query.paths`)."""
        return find_path_highlights(self.data, sources, targets, metapath=metapath,
                                    max_length=max_length, top=top,
                                    projection=self.graph(),
                                    predicates=predicates)  # fmt: skip

    def question(
        self,
        name: tuple[str, str],
        title: str,
        ends: tuple[Sequence[str], Sequence[str]],
        metapaths: tuple[str | None, ...],
        max_length: int,
        top: int = 25,
    ) -> PathAnswer:
        """The best ``top`` paths over every metapath: mechanistic first, then by score."""
        sources, targets = ends
        if not sources or not targets:
            return PathAnswer(*name, title, metapaths, max_length, (), has_nodes=False)
        found: list[PathHighlight] = []
        for metapath in metapaths:
            found.extend(self.search(sources, targets, metapath=metapath,
                                     max_length=max_length, top=top))  # fmt: skip
        found.sort(
            key=lambda p: (p.kind == "associative", -p.score, len(p.edges), p.nodes, p.edges)
        )
        paths = tuple(replace(p, rank=i) for i, p in enumerate(found[:top], start=1))
        return PathAnswer(*name, title, metapaths, max_length, paths, has_nodes=True)


@dataclass(frozen=True)
class _Headline:
    """A headline question: what it searches, and the metapaths tested against their null."""

    name: tuple[str, str]
    title: str
    ends: tuple[tuple[str, ...], tuple[str, ...]]
    metapaths: tuple[str | None, ...]
    max_length: int
    null_metapaths: tuple[str, ...]


def _headlines(data: CuratedData, bmd: tuple[str, ...]) -> tuple[_Headline, ...]:
    # named taxa only: the umbrella "Gastrointestinal Microbiome" would crowd them out
    taxon_metapaths = ("Taxon>Metabolite>BoneOutcome", "Taxon>Metabolite>Entity>BoneOutcome")
    metabolites = _Headline(
        ("q-taxon-metabolite-bmd",
         "Which metabolites link gut taxa to bone outcomes (BMD at every site, bone mass)?"),
        "Taxon → metabolite → bone outcome",
        (named_taxa(data), bmd),
        taxon_metapaths,
        3,
        taxon_metapaths,
    )  # fmt: skip
    immune = tuple(sorted(n for n in data.nodes if _is_a(data, n, "ImmuneCell")))
    rankl = _Headline(
        ("q-immune-rankl-opg", "Immune routes to RANKL / OPG"),
        "Immune cells → RANKL / OPG",
        (immune, tuple(t for t in _RANKL_OPG if t in data.nodes)),
        (None,),
        3,
        _IMMUNE_METAPATHS,
    )
    return metabolites, rankl


def _positions(ids: tuple[str, ...], wanted: Sequence[str]) -> NDArray[np.int64]:
    """Positions in ``ids`` (sorted) of the wanted ids it holds."""
    index = {node: i for i, node in enumerate(ids)}
    return np.array(sorted(index[w] for w in wanted if w in index), dtype=np.int64)


def _pair_sum(scores: DwpcMatrix, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> float:
    """The DWPC summed over the rows x columns block."""
    return float(scores.dwpc.tocsr()[rows, :][:, cols].sum())


def _computable(
    graph: ArcGraph, scores: DwpcMatrix, rows: Sequence[str], cols: Sequence[str]
) -> int:
    """Pairs whose source has an arc of the first step and whose target one of the last."""
    categories = scores.metapath
    tails = graph.arcs.tail[step_arcs(graph, categories[0], categories[1])]
    heads = graph.arcs.head[step_arcs(graph, categories[-2], categories[-1])]
    sources = {graph.node_ids[i] for i in np.unique(tails).tolist()}
    targets = {graph.node_ids[i] for i in np.unique(heads).tolist()}
    return len(sources.intersection(rows)) * len(targets.intersection(cols))


def metapath_null(
    graph: ArcGraph,
    metapath: str,
    ends: tuple[Sequence[str], Sequence[str]],
    *,
    permutations: int,
    seed: int,
    question: str = "",
) -> MetapathNull:
    """A metapath's DWPC summed over some pairs, on the graph and on permuted graphs.

    :param graph: a projection or a sparse graph.
    :param metapath: ``"Taxon>Metabolite>BoneOutcome"``.
    :param ends: the sources and the targets (those outside the metapath's end categories are
        left out).
    :param permutations: how many permuted graphs
        (:func:`gutbone.query.permutations.permuted_graph` ``0 .. permutations - 1``).
    :param seed: the base seed.
    :param question: the anchor of the question it answers.
    :returns: the observed sum and its null; all zero when a step of the metapath has no edge.
    :raises QueryError: for fewer than one permutation.

    >>> from gutbone.curation import load_curated
    >>> from gutbone.query.projection import build_projection
    >>> null = metapath_null(build_projection(load_curated()), "Taxon>Metabolite",
    ...                      (("NCBITaxon:186803",), ("CHEBI:17968",)), permutations=3, seed=0)
    >>> null.pairs, null.with_path, null.permutations, null.p_value in (0.25, 0.5, 0.75, 1.0)
    (1, 1, 3, True)
    """
    if permutations < 1:
        raise QueryError(f"permutations must be at least 1, not {permutations}")
    try:
        scores = metapath_dwpc(graph, metapath)
    except QueryError:  # a step with no edge: no path, on this graph or a permuted one
        categories = parse_metapath(graph.vocabulary, metapath)
        return MetapathNull(question, categories, 0.0, (0.0,) * permutations, seed, 0, 0, 0)
    rows = _positions(scores.rows, ends[0])
    cols = _positions(scores.columns, ends[1])
    row_ids = [scores.rows[i] for i in rows.tolist()]
    col_ids = [scores.columns[j] for j in cols.tolist()]
    task = null_task(graph, scores, seed=seed)
    sums = tuple(
        _pair_sum(metapath_dwpc(permuted_graph(task, index), scores.metapath, scores.damping,
                                method=scores.method), rows, cols)
        for index in range(permutations)
    )  # fmt: skip
    return MetapathNull(
        question=question,
        metapath=scores.metapath,
        observed=_pair_sum(scores, rows, cols),
        null_sums=sums,
        seed=seed,
        pairs=len(rows) * len(cols),
        computable=_computable(graph, scores, row_ids, col_ids),
        with_path=scores.count_pairs(row_ids, col_ids),
    )


def _enrichment(
    graph: ArcGraph,
    headlines: Sequence[_Headline],
    permutations: int,
    seed: int,
    progress: Progress,
) -> tuple[MetapathNull, ...]:
    found: list[MetapathNull] = []
    for headline in headlines if permutations > 0 else ():
        if not all(headline.ends):
            continue
        for metapath in headline.null_metapaths:
            progress(f"permutation null of {metapath}: {permutations} permuted graphs")
            found.append(metapath_null(graph, metapath, headline.ends, permutations=permutations,
                                       seed=seed, question=headline.name[0]))  # fmt: skip
    return tuple(found)


def _rct_sign_for(data: CuratedData, taxa: Sequence[str], bmd: set[str]) -> tuple[int, str] | None:
    """Direction of randomized evidence on BMD for interventions linked to ``taxa``."""
    linked = set()
    for edge in data.edges.values():
        for a, b in ((edge.subject, edge.object), (edge.object, edge.subject)):
            if a in taxa and data.nodes[b].category == "Intervention":
                linked.add(b)
    signs = [
        e for e in data.edges.values()
        if e.subject in linked and e.object in bmd and e.evidence_type in RCT_EVIDENCE
    ]  # fmt: skip
    if not signs:
        return None
    nonzero = {e.sign for e in signs if e.sign}
    sign = nonzero.pop() if len(nonzero) == 1 else 0
    return sign, ", ".join(e.id for e in signs)


def _net_sign(data: CuratedData, edges: Sequence[str]) -> int:
    sign = 1
    for edge_id in edges:
        sign *= lookup_edge(data, edge_id).sign
    return sign


def _mechanistic_paths(
    searcher: _Searcher, edge: Edge, origins: Sequence[str], bmd: set[str]
) -> tuple[TriangulationPath, ...]:
    """The best paths to BMD from the first origin that has any, the MR hop itself left out."""
    data = searcher.data
    for origin in origins:
        paths = searcher.search([origin], sorted(bmd), max_length=4, top=TRIANGULATION_TOP + 1,
                                predicates=MECHANISTIC_PREDICATES)  # fmt: skip
        kept = [
            p for p in paths
            if edge.id not in p.edges and len(p.edges) >= 1
            and not (len(p.edges) == 1 and lookup_edge(data, p.edges[0]).evidence_type
                     == "mendelian_randomization")
        ][:TRIANGULATION_TOP]  # fmt: skip
        if kept:
            return tuple(TriangulationPath(origin, p, _net_sign(data, p.edges)) for p in kept)
    return ()


def _triangulation(searcher: _Searcher, bmd: set[str]) -> tuple[TriangulationRow, ...]:
    data = searcher.data
    mr_edges = sorted(
        (
            e for e in data.edges.values()
            if e.effect is not None and e.effect.measure == "MR_beta"
            and e.evidence_type == "mendelian_randomization" and e.object in bmd
            and _is_a(data, e.subject, "Taxon")
        ),
        key=lambda e: e.id,
    )  # fmt: skip
    rows = []
    for edge in mr_edges:
        assert edge.effect is not None and edge.effect.estimate is not None
        beta = edge.effect.estimate
        origins = [edge.subject, *_ancestors(data, edge.subject)]
        rct = _rct_sign_for(data, origins, bmd)
        paths = _mechanistic_paths(searcher, edge, origins, bmd)
        rows.append(TriangulationRow(edge, beta, (beta > 0) - (beta < 0), rct, paths))
    return tuple(rows)


def _outcomes(
    data: CuratedData, checks: Sequence[OutcomeCheck] | None
) -> tuple[tuple[OutcomeCheck, ...], tuple[Problem, ...]]:
    if checks is not None or not data.outcomes:
        return tuple(checks or ()), ()
    try:
        return check_outcomes(data), ()
    except InputError as exc:
        return (), tuple(exc.problems)


def _moderators(data: CuratedData) -> tuple[ModeratorAnswer, ...]:
    found = []
    for outcome in data.outcomes.values():
        checks = moderator_checks(str(outcome.study_file), model=outcome.model)
        if any(c.moderator != "subgroup" for c in checks):  # study characteristics curated
            found.append(ModeratorAnswer(outcome, checks))
    return tuple(found)


def _mediation(data: CuratedData) -> tuple[MediationAnswer, ...]:
    edges = sorted(
        (e for e in data.edges.values()
         if e.effect is not None and e.effect.measure == "proportion_mediated"),
        key=lambda e: e.id,
    )  # fmt: skip
    found = []
    for edge in edges:
        assert edge.effect is not None
        exposures = sorted(
            e.subject for e in data.edges.values()
            if e.object == edge.subject and e.evidence_type == "mendelian_randomization"
            and _is_a(data, e.subject, "Taxon")
        )  # fmt: skip
        estimate = edge.effect.estimate
        scale = 100.0 if estimate is not None and abs(estimate) > 1 else 1.0
        found.append(MediationAnswer(edge, tuple(exposures), scale))
    return tuple(found)


def _variant_mr(data: CuratedData, progress: Progress) -> tuple[VariantMR, ...]:
    """MR on every variant table in ``<data>/mr/*.csv`` (none when there is no such folder)."""
    folder = data.root / "mr"
    found = []
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        progress(f"MR on {path.name}")
        try:
            table = read_variant_table(path)
            result = mr_all(table.beta_exposure, table.se_exposure, table.beta_outcome,
                            table.se_outcome, source=path.name)  # fmt: skip
        except InputError as exc:
            found.append(VariantMR(path, None, None, tuple(exc.problems)))
            continue
        found.append(VariantMR(path, table, result))
    return tuple(found)


def answer_questions(
    data: CuratedData,
    *,
    outcome_checks: Sequence[OutcomeCheck] | None = None,
    permutations: int = REPORT_PERMUTATIONS,
    seed: int = REPORT_SEED,
    progress: Progress = _quiet,
) -> ReportAnswers:
    """Run every analysis the report shows.

    :param data: the curated data (as built: recomputed effects applied).
    :param outcome_checks: the build's recomputed outcomes
        (:attr:`gutbone.pipeline.BuildResult.outcome_checks`); recomputed here when None.
    :param permutations: permuted graphs per headline metapath (0: no enrichment).
    :param seed: their base seed.
    :param progress: called with a short message before each long step.
    :returns: the answers.
    :raises InputError: a study table with moderator columns is malformed.
    """
    bmd = bmd_nodes(data)
    searcher = _Searcher(data)
    progress("answering the report's questions (path search, pooled outcomes, MR)")
    headlines = _headlines(data, bmd)
    questions = [
        searcher.question(h.name, h.title, h.ends, h.metapaths, h.max_length) for h in headlines
    ]
    triangulation = _triangulation(searcher, set(bmd))
    checks, problems = _outcomes(data, outcome_checks)
    edges = sorted(data.edges.values(), key=lambda e: e.id)
    return ReportAnswers(
        bmd=bmd,
        questions=tuple(questions),
        rankl_opg=tuple(t for t in _RANKL_OPG if t in data.nodes),
        rct_edges=tuple(e for e in edges if e.evidence_type in RCT_EVIDENCE),
        triangulation=triangulation,
        outcome_checks=checks,
        outcome_problems=problems,
        moderators=_moderators(data),
        mr_edges=tuple(e for e in edges if e.effect is not None and e.effect.measure == "MR_beta"),
        mediation=_mediation(data),
        variant_mr=_variant_mr(data, progress),
        enrichment=_enrichment(searcher.graph(), headlines, permutations, seed, progress),
    )
