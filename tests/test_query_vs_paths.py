"""A named query and a path search asking the same question give the same answer.

Question: "which metabolites link this taxon to bone mass?" (and to the root of all bone
outcomes, bone measurement) — the catalog query
``taxon_metabolite_outcome`` (SPARQL property paths, skos:broader inheritance) against
``find_paths`` (typed path search with is-a hops). SPARQL follows assertions forward only,
so path-search routes that walk a symmetric predicate backwards are left out of the
comparison. Both follow ``broader`` from the outcome reached to the outcome asked (SPARQL
``skos:broader*``, path search is-a hops), so asking for the root finds the same metabolites.
The review's 骨量 (bone mass) claims point at bone mass (OBA:VT1000111), not bone density.
"""

from __future__ import annotations

import pytest

from gutbone.curation import load_curated
from gutbone.identifiers import compress
from gutbone.query.catalog import bind_parameters, load_catalog
from gutbone.query.paths import NoPathError, find_paths
from gutbone.query.projection import build_projection
from gutbone.query.source import load_source
from gutbone.query.sparql import run_query

BONE_MASS = "OBA:VT1000111"
BONE_MEASUREMENT = "EFO:0004512"  # root: bone density, bone mass, markers...


@pytest.fixture(scope="module")
def setting():
    data = load_curated()
    return build_projection(data), load_source(), load_catalog()["taxon_metabolite_outcome"]


def sparql_metabolites(source, query, taxon: str, outcome: str) -> set[str]:
    bindings = bind_parameters(query, {"taxon": taxon, "outcome": outcome})
    result = run_query(query.text, store=source.store, bindings=bindings)
    column = result.variables.index("metabolite")
    return {compress(row[column].value) for row in result.rows}


def path_metabolites(projection, taxon: str, outcome: str) -> set[str]:
    try:
        hits = find_paths(projection, taxon, outcome, max_length=7)
    except NoPathError:
        return set()
    found = set()
    for hit in hits:
        if any(hop.reverse for hop in hit.hops):
            continue
        for hop, node in zip(hit.hops, hit.nodes[1:], strict=True):
            if hop.predicate != "subclass_of":  # the first hop that is not inheritance
                if "Chemical" in projection.nodes[node].categories:
                    found.add(node)
                break
    return found


@pytest.mark.parametrize(
    ("taxon", "expected"),
    [
        # seed 001: "Lachnospiraceae ... butyrate" (hypothesis), inherited by the MiBioGen group;
        # reichardt2014_ismej (literature layer): propanediol/acrylate propionate pathways
        ("gutbone:mibiogen_lachnospiraceae_nc2004_group", {"CHEBI:17968", "CHEBI:17272"}),
        ("NCBITaxon:186803", {"CHEBI:17968", "CHEBI:17272"}),
        # seed 000 sec. 4.3.1 / 4.5.1: B. fragilis toxin; Bacteroides and HMOs (inherited by the
        # species); reichardt2014_ismej: succinate-pathway propionate in Bacteroidetes (inherited)
        ("NCBITaxon:817", {"gutbone:bacteroides_fragilis_toxin", "gutbone:human_milk_oligosaccharide",
                           "CHEBI:17272"}),
        # seed 000 sec. 2, 4.2: the gut microbiota produces SCFA (acetate, propionate), TMA, 5-HT...
        ("MESH:D000069196", None),
    ],
)
@pytest.mark.parametrize("outcome", [BONE_MASS, BONE_MEASUREMENT])
def test_same_metabolites(setting, taxon, expected, outcome) -> None:
    projection, source, query = setting
    from_sparql = sparql_metabolites(source, query, taxon, outcome)
    from_paths = path_metabolites(projection, taxon, outcome)
    assert from_sparql == from_paths
    if expected is not None:
        assert from_sparql == expected
    else:
        assert {"CHEBI:26666", "CHEBI:30089", "CHEBI:17272"} <= from_sparql  # SCFA, acetate, propionate
