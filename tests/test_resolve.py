"""Resolution of CURIEs, labels, synonyms (English and Chinese) and categories."""

from __future__ import annotations

from pathlib import Path

import pytest

from gutbone.curation import load_curated
from gutbone.errors import QueryError
from gutbone.query.projection import Projection, build_projection
from gutbone.query.resolve import AmbiguousNodeError, UnknownNodeError, normalize_text, resolve

FIXTURES = Path(__file__).parent / "fixtures" / "paths"


@pytest.fixture(scope="module")
def toy() -> Projection:
    return build_projection(load_curated(FIXTURES / "toy"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NCBITaxon:186803", "NCBITaxon:186803"),  # CURIE
        ("  NCBITaxon:186803 ", "NCBITaxon:186803"),
        ("Lachnospiraceae", "NCBITaxon:186803"),  # label
        ("LACHNOSPIRACEAE", "NCBITaxon:186803"),  # any case
        ("bone   density", "EFO:0003923"),  # white space collapsed
        ("BMD", "EFO:0003923"),  # synonym
        ("bmd", "EFO:0003923"),
        ("ＢＭＤ", "EFO:0003923"),  # full-width letters (NFKC)
        ("骨密度", "EFO:0003923"),  # Chinese synonym
        ("毛螺菌科", "NCBITaxon:186803"),
        ("丁酸", "CHEBI:17968"),
        ("维生素 K", "CHEBI:28384"),
        ("RANKL", "HGNC:11926"),
    ],
)
def test_single_node(toy: Projection, text: str, expected: str) -> None:
    assert resolve(toy, text) == (expected,)


def test_category_gives_every_node_of_it_and_its_subclasses(toy: Projection) -> None:
    assert resolve(toy, "Taxon") == ("NCBITaxon:186803",)
    assert resolve(toy, "metabolite") == ("CHEBI:16412", "CHEBI:17968")
    # Chemical includes its sub-class Metabolite
    assert resolve(toy, "Chemical") == ("CHEBI:16412", "CHEBI:17968", "CHEBI:28384")
    assert resolve(toy, "CellType") == ("CL:0000815",)  # an ImmuneCell
    with pytest.raises(QueryError, match="category 'Hormone' has no node"):
        resolve(toy, "Hormone")


def test_ambiguous_lists_candidates(toy: Projection) -> None:
    with pytest.raises(AmbiguousNodeError) as info:
        resolve(toy, "gut metabolite")
    assert info.value.candidates == (
        ("CHEBI:16412", "lipopolysaccharide"),
        ("CHEBI:17968", "butyrate"),
    )
    message = str(info.value)
    assert "'gut metabolite'" in message
    assert "CHEBI:16412 (lipopolysaccharide)" in message and "CHEBI:17968 (butyrate)" in message


def test_unknown_names_the_value(toy: Projection) -> None:
    with pytest.raises(UnknownNodeError, match="unknown node 'Bifidobacterium'"):
        resolve(toy, "Bifidobacterium")
    with pytest.raises(UnknownNodeError, match="unknown node 'NCBITaxon:1678'"):
        resolve(toy, "NCBITaxon:1678")
    with pytest.raises(UnknownNodeError) as info:
        resolve(toy, "butyrat")
    assert info.value.suggestions == ("'butyrate' (CHEBI:17968)",)
    with pytest.raises(UnknownNodeError):
        resolve(toy, "   ")


def test_normalize_text() -> None:
    assert normalize_text("  Bone\tDensity ") == "bone density"
    assert normalize_text("ＴＮＦ－α") == "tnf-α"
