"""The report's questions and their answers, as data: :mod:`gutbone.views.report` renders them.

:func:`answer_questions` runs every analysis the report shows, through the library: ranked
path searches (:mod:`gutbone.query.paths`) for the headline questions and the triangulation
table, the recomputed pooled outcomes (taken from the build, :attr:`BuildResult.outcome_checks
<gutbone.pipeline.BuildResult>`, when given), the meta-regressions on study characteristics,
and variant-level Mendelian randomization (:func:`gutbone.stats.mr.mr_all`). Nothing here
draws, formats or escapes.

>>> from gutbone.curation import load_curated
>>> answers = answer_questions(load_curated())
>>> "OBA:1000110" in answers.bmd and len(answers.rct_edges) > 0
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from gutbone.curation import CuratedData, Edge, Outcome
from gutbone.errors import InputError, Problem
from gutbone.query.coverage import named_taxa
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
    "ReportAnswers",
    "answer_questions",
    "bmd_nodes",
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
        if self.projection is None:
            from gutbone.query.projection import build_projection

            self.projection = build_projection(self.data)
        return find_path_highlights(self.data, sources, targets, metapath=metapath,
                                    max_length=max_length, top=top,
                                    projection=self.projection,
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


def _questions(data: CuratedData, searcher: _Searcher, bmd: tuple[str, ...]) -> list[PathAnswer]:
    # named taxa only: the umbrella "Gastrointestinal Microbiome" would crowd them out
    metabolites = searcher.question(
        ("q-taxon-metabolite-bmd",
         "Which metabolites link gut taxa to bone outcomes (BMD at every site, bone mass)?"),
        "Taxon → metabolite → bone outcome",
        (named_taxa(data), bmd),
        ("Taxon>Metabolite>BoneOutcome", "Taxon>Metabolite>Entity>BoneOutcome"),
        max_length=3,
    )
    immune = tuple(sorted(n for n in data.nodes if _is_a(data, n, "ImmuneCell")))
    targets = tuple(t for t in _RANKL_OPG if t in data.nodes)
    rankl = searcher.question(
        ("q-immune-rankl-opg", "Immune routes to RANKL / OPG"),
        "Immune cells → RANKL / OPG",
        (immune, targets),
        (None,),
        max_length=3,
    )
    return [metabolites, rankl]


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
    progress: Progress = _quiet,
) -> ReportAnswers:
    """Run every analysis the report shows.

    :param data: the curated data (as built: recomputed effects applied).
    :param outcome_checks: the build's recomputed outcomes
        (:attr:`gutbone.pipeline.BuildResult.outcome_checks`); recomputed here when None.
    :param progress: called with a short message before each long step.
    :returns: the answers.
    :raises InputError: a study table with moderator columns is malformed.
    """
    bmd = bmd_nodes(data)
    searcher = _Searcher(data)
    progress("answering the report's questions (path search, pooled outcomes, MR)")
    questions = _questions(data, searcher, bmd)
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
    )
