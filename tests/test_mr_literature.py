"""The published two-sample MR estimates of gut taxa on site-specific BMD (issue 12, section 3).

``data/edges/mr_literature.csv`` stores MR estimates exactly as a paper prints them; without the
variant-level summary statistics nothing can be recomputed, so these tests check what can be
checked from the printed numbers alone, by hand:

* every printed 95% CI is symmetric around its beta, and the Wald P implied by beta and the CI
  agrees with the printed P once the rounding of all four numbers is allowed for;
* every row says that it cannot be recomputed, names IVW, and cites an MR study by PMID and DOI;
* the taxa carry checked identifiers (NCBI taxid and MiBioGen id) and reach the report's
  triangulation of MR x mechanisms x trials.
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import pytest

from gutbone.curation import CuratedData, Edge
from gutbone.views.answers import answer_questions, bmd_nodes

MR_FILE = "mr_literature.csv"
HUMAN = "NCBITaxon:9606"
Z95 = 1.959963984540054  # two-sided 95% normal quantile
HALF_UNIT = 0.0005  # beta, CI bounds and P are printed to 3 decimals

# Written out by hand from the abstract of Chen et al. 2023 (Front Endocrinol 14:1178831,
# doi:10.3389/fendo.2023.1178831, PMID 37645419), IVW, MiBioGen exposure, GEFOS outcome:
# (edge, beta, lower, upper, printed P, Wald P from beta and the CI computed by hand below)
#   SE = (upper - lower) / (2 * 1.95996); z = beta / SE; P = 2 * (1 - Phi(|z|))
#   Prevotella 9 -> LS-BMD   : SE = 0.150 / 3.91993 = 0.03827, z = 3.267, P = 0.00109
#   Prevotella 9 -> FA-BMD   : SE = 0.244 / 3.91993 = 0.06225, z = 2.072, P = 0.0382
#   Prevotellaceae -> FA-BMD : SE = 0.268 / 3.91993 = 0.06837, z = 2.252, P = 0.0243
#   Prevotellaceae -> FN-BMD : SE = 0.130 / 3.91993 = 0.03316, z = 2.412, P = 0.0159
CHEN_2023 = [
    ("lit-mr-chen-01", "0.125", "0.050", "0.200", "0.001", 0.00109),
    ("lit-mr-chen-02", "0.129", "0.007", "0.251", "0.039", 0.0382),
    ("lit-mr-chen-03", "0.154", "0.020", "0.288", "0.025", 0.0243),
    ("lit-mr-chen-04", "0.080", "0.015", "0.145", "0.016", 0.0159),
]


def _mr_edges(curated_data: CuratedData) -> list[Edge]:
    edges = [e for e in curated_data.edges.values() if e.record.split(":")[0].endswith(MR_FILE)]
    assert edges, "no rows read from data/edges/mr_literature.csv"
    return sorted(edges, key=lambda e: e.id)


def _wald_p(beta: float, lower: float, upper: float) -> float:
    """Two-sided P of beta given a symmetric 95% CI (normal approximation)."""
    z = abs(beta) / ((upper - lower) / (2 * Z95))
    return math.erfc(z / math.sqrt(2))


def _wald_p_range(beta: Decimal, lower: Decimal, upper: Decimal) -> tuple[float, float]:
    """Smallest and largest Wald P over the rounding box of the three printed numbers."""
    ps = [
        _wald_p(float(beta) + db, float(lower) + dl, float(upper) + du)
        for db, dl, du in itertools.product((-HALF_UNIT, HALF_UNIT), repeat=3)
    ]
    return min(ps), max(ps)


@pytest.mark.parametrize(("edge_id", "beta", "lower", "upper", "p", "wald"), CHEN_2023)
def test_chen_2023_rows_and_their_wald_p(
    curated_data: CuratedData, edge_id: str, beta: str, lower: str, upper: str, p: str, wald: float
) -> None:
    effect = curated_data.edges[edge_id].effect
    assert effect is not None
    assert (effect.estimate, effect.ci_lower, effect.ci_upper, effect.p) == (
        Decimal(beta), Decimal(lower), Decimal(upper), Decimal(p)
    )  # fmt: skip
    # the hand calculation above, to its 3 significant figures
    assert _wald_p(float(beta), float(lower), float(upper)) == pytest.approx(wald, rel=5e-3)


def test_every_printed_ci_and_p_are_consistent(curated_data: CuratedData) -> None:
    """A transcription slip in beta, a CI bound or P breaks symmetry or the Wald P check."""
    checked = 0
    for edge in _mr_edges(curated_data):
        effect = edge.effect
        assert effect is not None and effect.estimate is not None, edge.id
        if effect.ci_lower is None or effect.ci_upper is None:
            continue
        assert effect.ci_lower < effect.estimate < effect.ci_upper, edge.id
        midpoint = (effect.ci_lower + effect.ci_upper) / 2
        assert abs(midpoint - effect.estimate) <= Decimal("0.001"), edge.id
        if effect.p is not None:
            low, high = _wald_p_range(effect.estimate, effect.ci_lower, effect.ci_upper)
            printed = float(effect.p)
            assert low - HALF_UNIT <= printed <= high + HALF_UNIT, (edge.id, low, high, printed)
        checked += 1
    assert checked >= len(CHEN_2023)


def test_the_wald_check_catches_a_slipped_digit() -> None:
    # Chen 2023 FA-BMD, Prevotella 9, with P mistyped 0.093 instead of 0.039: rejected
    low, high = _wald_p_range(Decimal("0.129"), Decimal("0.007"), Decimal("0.251"))
    assert low - HALF_UNIT <= 0.039 <= high + HALF_UNIT
    assert not low - HALF_UNIT <= 0.093 <= high + HALF_UNIT


def test_every_mr_row_is_an_as_printed_ivw_estimate_on_a_bmd_site(
    curated_data: CuratedData,
) -> None:
    bmd = set(bmd_nodes(curated_data))
    for edge in _mr_edges(curated_data):
        assert edge.evidence_type == "mendelian_randomization", edge.id
        assert edge.effect is not None and edge.effect.measure == "MR_beta", edge.id
        assert edge.effect.model == "IVW", edge.id
        assert "IVW" in edge.context and "MiBioGen" in edge.context, edge.id
        # the edge says that nothing is recomputed, and why
        assert "No recomputation is possible" in edge.note, edge.id
        assert "variant-level summary statistics" in edge.note, edge.id
        assert edge.reported_effect is None, edge.id  # nothing was recomputed at build time
        assert edge.object in bmd and edge.object != "EFO:0003923", edge.id
        assert edge.sign == (1 if edge.effect.estimate and edge.effect.estimate > 0 else -1)
        assert edge.species == HUMAN and edge.model_system == "human_genetic", edge.id
        assert edge.statement and not edge.quote, edge.id
        for source_id in edge.sources:
            source = curated_data.sources[source_id]
            assert source.kind == "mr_study" and source.pmid and source.doi, source_id
    chen = curated_data.sources["chen2023_frontendocrinol"]
    assert (chen.pmid, chen.doi) == ("37645419", "10.3389/fendo.2023.1178831")


def test_mr_taxa_have_checked_identifiers(curated_data: CuratedData) -> None:
    # MetaPhlAn 4 taxpath k__Bacteria|p__Bacteroidetes|c__Bacteroidia|o__Bacteroidales|
    # f__Prevotellaceae|g__Prevotella = 2|976|200643|171549|171552|838; MiBioGen file names
    # family.Prevotellaceae.id.960 and genus.Prevotella9.id.11183 (public MR scripts)
    family = curated_data.nodes["NCBITaxon:171552"]
    assert family.label == "Prevotellaceae" and family.category == "Taxon"
    assert family.xrefs == ("family.Prevotellaceae.id.960",)
    assert "NOT verified" not in family.note
    genus_group = curated_data.nodes["gutbone:mibiogen_prevotella_9"]
    assert genus_group.broader == "NCBITaxon:838"
    assert genus_group.xrefs == ("genus.Prevotella9.id.11183",)
    exposures = {e.subject for e in _mr_edges(curated_data)}
    assert exposures == {"NCBITaxon:171552", "gutbone:mibiogen_prevotella_9"}


def test_triangulation_covers_every_published_mr_taxon(curated_data: CuratedData) -> None:
    answers = answer_questions(curated_data, permutations=0)
    rows = {row.edge.id: row for row in answers.triangulation}
    for edge_id, beta, *_ in CHEN_2023:
        row = rows[edge_id]
        assert row.beta == Decimal(beta) and row.mr_sign == 1
    taxa = {row.edge.subject for row in answers.triangulation}
    assert {"NCBITaxon:171552", "gutbone:mibiogen_prevotella_9"} <= taxa
