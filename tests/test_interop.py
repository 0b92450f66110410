"""Export and import: KGX/Biolink, RDF, GraphML, Cytoscape; mapping, merge, paths, bad input."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest
import yaml
from rdflib import Graph
from rdflib.compare import isomorphic

from gutbone.cli import main
from gutbone.curation import CuratedData, Source, load_curated
from gutbone.errors import InputError
from gutbone.identifiers import PREFIXES
from gutbone.interop.biolink import load_biolink_schema, load_mapping, schema_path
from gutbone.interop.exports import (
    EXPORT_FORMATS,
    export_graph,
    jsonld_context,
    to_cytoscape,
    to_jsonld,
)
from gutbone.interop.imports import MANIFEST, import_graphs, normalize_curie
from gutbone.interop.kgx import KGX_EDGE_COLUMNS, KGX_NODE_COLUMNS, assertion_id, kgx_records
from gutbone.interop.kgx_edges import aggregate_edges
from gutbone.interop.readers.sparse_kgx import read_kgx
from gutbone.pipeline import build_knowledge_graph
from gutbone.query.paths import find_paths
from gutbone.query.projection import build_projection
from gutbone.query.sparse_graph import from_curated
from gutbone.rdf import build_graph

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "data_small"
KG_MICROBE = FIXTURES / "interop" / "kg_microbe"
BAD = FIXTURES / "interop" / "bad"
OUT_NAMES = {
    "ttl": "g.ttl",
    "nt": "g.nt",
    "jsonld": "g.jsonld",
    "kgx": "kgx",
    "kgx-tsv": "kgx_tsv",
    "kgx-jsonl": "kgx_jsonl",
    "graphml": "g.graphml",
    "cytoscape": "g.cyjs",
}


# ---------------------------------------------------------------- helpers


def _text(value: object) -> str:
    """Numbers compared by their digits, not only their value (``0.050`` stays ``0.050``)."""
    return "" if value is None else str(value)


def _snapshot(data: CuratedData, *, numeric: bool = False) -> tuple[dict, dict, dict]:
    """Nodes, assertions and sources; ``numeric``: effect numbers compared as doubles."""
    nodes = {
        n.id: (
            n.label, n.category, tuple(sorted(n.synonyms)), tuple(sorted(n.sources)),
            n.broader, tuple(sorted(n.xrefs)), n.note,
        )
        for n in data.nodes.values()
    }  # fmt: skip
    edges = {}
    for e in data.edges.values():
        effect = None
        if e.effect is not None:
            effect = tuple(
                _number(getattr(e.effect, name)) if numeric else _text(getattr(e.effect, name))
                for name in ("measure", "estimate", "ci_lower", "ci_upper", "p", "i2", "tau2",
                             "k", "n", "model")
            )  # fmt: skip
        edges[e.id] = (
            e.subject, e.predicate, e.object, e.sign, e.evidence_type, tuple(sorted(e.sources)),
            e.locator, e.quote, e.context, e.note, effect,
        )  # fmt: skip
    return nodes, edges, dict(data.sources)


def _number(value: object) -> object:
    return float(value) if isinstance(value, Decimal) else value


def _raw_biolink() -> dict:
    """The Biolink schema read straight from the installed YAML (independent of biolink.py)."""
    with schema_path().open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _camel(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.split())


# ---------------------------------------------------------------- Biolink schema and mapping


def test_schema_is_read_offline_from_the_installed_package():
    schema = load_biolink_schema()
    assert schema_path().name == "biolink_model.yaml"
    assert "site-packages" in str(schema_path())
    assert schema.version == str(_raw_biolink()["version"])
    assert schema.version.split(".")[0] == "4"


def test_export_mapping_is_read_from_the_ontology():
    # ontology/gutbone.ttl: gb:Taxon skos:exactMatch biolink:OrganismTaxon; gb:Hormone
    # skos:closeMatch biolink:MolecularEntity; gb:increases skos:broadMatch biolink:affects
    mapping = load_mapping()
    assert mapping.category_to_biolink["Taxon"] == "biolink:OrganismTaxon"
    assert mapping.category_to_biolink["Metabolite"] == "biolink:SmallMolecule"
    assert mapping.category_to_biolink["Hormone"] == "biolink:MolecularEntity"
    assert mapping.predicate_to_biolink["increases"] == "biolink:affects"
    assert mapping.predicate_to_biolink["precursor_of"] == "biolink:has_metabolite"
    assert mapping.predicate_to_biolink["binds"] == "biolink:directly_physically_interacts_with"


@pytest.mark.parametrize(
    ("biolink", "gutbone"),
    [
        ("biolink:SmallMolecule", "Metabolite"),  # exactMatch
        ("biolink:OrganismTaxon", "Taxon"),
        ("OrganismTaxon", "Taxon"),  # bare name
        ("https://w3id.org/biolink/vocab/Cell", "CellType"),  # exact beats ImmuneCell's close
        ("biolink:Protein", "GeneProduct"),  # close to 4 categories -> their common parent
        ("biolink:ClinicalAttribute", "Measurement"),  # close to Measurement and BoneOutcome
        ("biolink:Gene", "GeneProduct"),  # mixin biolink:GeneOrGeneProduct is an exactMatch
        (
            "biolink:Drug",
            "Chemical",
        ),  # is_a MolecularEntity (close, not inherited) -> ChemicalEntity
        ("biolink:Bacterium", "Entity"),  # nearest exact ancestor: NamedThing
    ],
)
def test_biolink_classes_map_to_gutbone_categories(biolink, gutbone):
    assert load_mapping().category_from_biolink(biolink) == gutbone


@pytest.mark.parametrize(
    ("biolink", "gutbone"),
    [
        ("biolink:produces", "produces"),
        ("biolink:has_metabolite", "precursor_of"),
        ("biolink:regulates", "affects"),  # is_a affects
        (
            "biolink:positively_correlated_with",
            "associated_with",
        ),  # -> correlated_with -> associated_with
        ("biolink:related_to", None),  # exact match of gb:relation, not a usable predicate
        ("biolink:develops_from", None),  # only reaches related_to_at_instance_level (close)
        ("biolink:not_a_predicate", None),
    ],
)
def test_biolink_predicates_map_to_gutbone_predicates(biolink, gutbone):
    assert load_mapping().predicate_from_biolink(biolink) == gutbone


# ---------------------------------------------------------------- KGX against the schema


def _check_kgx_against_biolink(nodes: list[dict], edges: list[dict]) -> None:
    raw = _raw_biolink()
    classes = {_camel(name): spec or {} for name, spec in raw["classes"].items()}
    slots = {name.replace(" ", "_"): spec or {} for name, spec in raw["slots"].items()}

    def descends_from_related_to(slot: str) -> bool:
        seen = set()
        while slot and slot not in seen:
            if slot == "related_to":
                return True
            seen.add(slot)
            parent = slots.get(slot, {}).get("is_a")
            slot = parent.replace(" ", "_") if parent else ""
        return False

    def enum(name: str) -> set[str]:
        return set(raw["enums"][name]["permissible_values"])

    assert nodes and edges
    prefix_map = json.loads(
        (schema_path().parent.parent / "prefixmaps" / "biolink_model_prefix_map.json").read_text()
    )
    for record in nodes:
        prefix = record["id"].split(":")[0]
        for category in record["category"]:
            name = category.removeprefix("biolink:")
            assert category.startswith("biolink:") and name in classes, category
            assert not classes[name].get("deprecated"), category
            assert not classes[name].get("mixin"), f"{category} is a mixin ({record['id']})"
            allowed = classes[name].get("id_prefixes") or []
            # a prefix Biolink does not know (the local gutbone:, OBA:) is in no class's
            # id_prefixes: the documented exception; every other one fits its class
            if allowed and prefix in prefix_map:
                assert prefix in allowed, f"{record['id']} typed {category}"
    for record in edges:
        for column in ("predicate", "qualified_predicate"):
            if column in record:
                name = record[column].removeprefix("biolink:")
                assert name in slots and descends_from_related_to(name), record[column]
                assert not slots[name].get("deprecated"), record[column]
                assert not slots[name].get("mixin"), record[column]
        if "object_direction_qualifier" in record:
            assert record["object_direction_qualifier"] in enum("DirectionQualifierEnum")
        if "object_aspect_qualifier" in record:
            assert record["object_aspect_qualifier"] in enum(
                "GeneOrGeneProductOrChemicalEntityAspectEnum"
            )
        assert record["knowledge_level"] in enum("KnowledgeLevelEnum")
        assert record["agent_type"] in enum("AgentTypeEnum")
        assert record["primary_knowledge_source"].startswith("infores:")
        assert all(s.startswith("infores:") for s in record.get("supporting_data_source", []))
        assert all(p.startswith(("doi:", "PMID:")) for p in record.get("publications", []))
    # every column is either a Biolink slot (not deprecated) or a gutbone extra that no
    # Biolink slot is named like, so that no tool misreads it
    biolink_columns = {
        "id", "category", "name", "synonym", "xref", "provided_by", "subject", "predicate",
        "object", "qualified_predicate", "object_aspect_qualifier", "object_direction_qualifier",
        "primary_knowledge_source", "knowledge_level", "agent_type", "publications",
        "aggregator_knowledge_source", "species_context_qualifier", "supporting_data_source",
    }  # fmt: skip
    for column in (*KGX_NODE_COLUMNS, *KGX_EDGE_COLUMNS):
        if column in biolink_columns:
            assert column in slots and not slots[column].get("deprecated"), column
        else:
            assert column not in slots, f"extra column {column!r} is a Biolink slot name"


def test_kgx_of_the_small_fixture_conforms_to_biolink():
    nodes, edges = kgx_records(load_curated(SMALL))
    _check_kgx_against_biolink(nodes, edges)
    by_id = {assertion_id(e["id"]): e for e in edges}
    assert all(e["id"].startswith("gutbone.assertion:") for e in edges)
    # e2: butyrate increases bone density (sign 1) -> affects/causes/increased; the object
    # is a ClinicalAttribute, not a chemical or gene product: no aspect qualifier
    assert by_id["e2"]["predicate"] == "biolink:affects"
    assert by_id["e2"]["qualified_predicate"] == "biolink:causes"
    assert by_id["e2"]["object_direction_qualifier"] == "increased"
    assert "object_aspect_qualifier" not in by_id["e2"]
    # e3: MR association -> statistical_association
    assert by_id["e3"]["knowledge_level"] == "statistical_association"
    assert by_id["e3"]["predicate"] == "biolink:associated_with"


def test_kgx_of_the_curated_graph_conforms_to_biolink():
    result = build_knowledge_graph(validate=False)
    nodes, edges = kgx_records(result.data)
    _check_kgx_against_biolink(nodes, edges)
    assert len(nodes) == len(result.data.nodes) and len(edges) == len(result.data.edges)
    _check_kgx_against_biolink(nodes, aggregate_edges(edges))  # the edges the export writes
    for record in edges:
        if record["gutbone_predicate"] in ("increases", "decreases"):
            expected = "increased" if record["gutbone_predicate"] == "increases" else "decreased"
            assert record["object_direction_qualifier"] == expected
            assert record["predicate"] == "biolink:affects"


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", sorted(EXPORT_FORMATS))
@pytest.mark.parametrize("which", ["small", "curated"])
def test_export_then_import_gives_the_same_graph(fmt, which, tmp_path):
    result = build_knowledge_graph(SMALL if which == "small" else None, validate=False)
    path = tmp_path / OUT_NAMES[fmt]
    export_graph(result.data, fmt, path, graph=result.graph)
    report = import_graphs([path], base=None, out=tmp_path / "back")
    assert report.problems == () and report.unmapped == ()
    back = load_curated(tmp_path / "back")
    numeric = fmt == "graphml"  # GraphML numbers are typed doubles: compared as such
    got, expected = _snapshot(back, numeric=numeric), _snapshot(result.data, numeric=numeric)
    assert got[0] == expected[0]  # nodes
    assert got[1] == expected[1]  # assertions, numbers digit for digit
    assert got[2] == expected[2]  # sources


def test_round_trip_keeps_decimal_digits(tmp_path):
    # tests/fixtures/data_small/edges/core.csv row 3: estimate 0.050, p 0.0123456789012345
    data = load_curated(SMALL)
    # (GraphML numbers are typed doubles, for Gephi and yEd: their digits are not kept)
    for fmt in ("kgx-jsonl", "kgx-tsv", "cytoscape", "ttl"):
        path = tmp_path / OUT_NAMES[fmt]
        export_graph(data, fmt, path)
        import_graphs([path], base=None, out=tmp_path / f"back-{fmt}")
        effect = load_curated(tmp_path / f"back-{fmt}").edges["e2"].effect
        assert str(effect.estimate) == "0.050", fmt
        assert str(effect.p) == "0.0123456789012345", fmt
        assert str(effect.tau2) == "0.00012", fmt


def test_jsonld_uses_the_published_inline_context():
    context = jsonld_context()
    for prefix, iri in PREFIXES.items():
        assert context[prefix] == iri
    assert context["estimate"] == {"@id": "gb:estimate", "@type": "xsd:decimal"}
    graph = build_graph(load_curated(SMALL))
    text = to_jsonld(graph)
    document = json.loads(text)
    assert document["@context"] == context  # inline, nothing to fetch
    effect = next(n for n in document["@graph"] if n["@id"].endswith("/e2/effect"))
    assert effect["estimate"] == "0.050"
    assert isomorphic(Graph().parse(data=text, format="json-ld"), graph)


def test_graphml_and_cytoscape_carry_styling_attributes(tmp_path):
    data = load_curated(SMALL)
    export_graph(data, "graphml", tmp_path / "g.graphml")
    graph = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    edge = graph.edges["CHEBI:17968", "EFO:0003923", "e2"]
    assert edge["gutbone_sign"] == 1 and edge["gutbone_evidence_type"] == "animal"
    assert edge["gutbone_evidence_weight"] == 0.5  # gb:animal gb:evidenceWeight "0.5"
    assert edge["effect_estimate"] == 0.05 and edge["assertion_id"] == "e2"
    assert graph.nodes["CHEBI:17968"]["gutbone_category"] == "Metabolite"
    assert graph.nodes["CHEBI:17968"]["label"] == "butyrate"
    document = to_cytoscape(data)
    edges = {assertion_id(e["data"]["id"]): e["data"] for e in document["elements"]["edges"]}
    assert (edges["e3"]["source"], edges["e3"]["target"]) == (
        "gutbone:lachnospiraceae_nc2004_group",
        "EFO:0003923",
    )
    assert edges["e3"]["gutbone_sign"] == -1
    nodes = {n["data"]["id"]: n["data"] for n in document["elements"]["nodes"]}
    assert nodes["EFO:0003923"]["category"] == ["biolink:ClinicalAttribute"]


# ---------------------------------------------------------------- import and merge


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NCBITaxon:816", ("NCBITaxon:816", "", "")),
        ("ncbitaxon:816", ("NCBITaxon:816", "", "")),
        ("NCBITAXON:816", ("NCBITaxon:816", "", "")),
        ("taxonomy:816", ("NCBITaxon:816", "", "")),  # Bioregistry synonym
        ("http://purl.obolibrary.org/obo/NCBITaxon_816", ("NCBITaxon:816", "", "")),
        ("chebi:17968", ("CHEBI:17968", "", "")),
        ("EC:2.8.3.8", (None, "prefix", "EC")),
        ("816", (None, "problem", "'816' is not a CURIE (expected PREFIX:ID)")),
    ],
)
def test_identifiers_are_normalised(text, expected):
    assert normalize_curie(text) == expected


def test_import_kg_microbe_style_graph_merges_and_reports_unmapped(tmp_path):
    out = tmp_path / "merged"
    report = import_graphs([KG_MICROBE], base=SMALL, out=out)
    assert report.problems == ()
    assert (report.nodes_read, report.nodes_added, report.nodes_merged) == (5, 3, 1)
    assert (report.edges_read, report.edges_added, report.edges_duplicate) == (5, 3, 0)
    unmapped = {(u.kind, u.value): (u.count, u.example) for u in report.unmapped}
    assert unmapped == {
        ("prefix", "EC"): (1, f"{KG_MICROBE / 'nodes.tsv'}:6"),
        ("endpoint", "EC:2.8.3.8"): (1, f"{KG_MICROBE / 'edges.tsv'}:5"),
        ("predicate", "biolink:related_to"): (1, f"{KG_MICROBE / 'edges.tsv'}:6"),
    }
    assert report.sources_added == ("infores:kg-microbe",)
    merged = load_curated(out)
    # butyrate is not duplicated: the curated row is kept
    assert merged.nodes["CHEBI:17968"].record.endswith("nodes/core.csv:2")
    assert merged.nodes["NCBITaxon:853"].category == "Taxon"  # from ncbitaxon:853
    assert merged.nodes["CHEBI:26666"].category == "Chemical"  # biolink:ChemicalEntity
    edge = merged.edges["urn:uuid:0001"]
    assert (edge.subject, edge.predicate, edge.object, edge.sign) == (
        "NCBITaxon:853", "produces", "CHEBI:17968", 1,
    )  # fmt: skip
    assert edge.sources == ("infores:kg-microbe",) and edge.evidence_type == "review_claim"
    assert edge.locator == f"{KG_MICROBE / 'edges.tsv'}:2"
    assert edge.quote == "ncbitaxon:853 biolink:produces CHEBI:17968"
    assert "imported from" in edge.note and "infores:kg-microbe" in edge.note
    assert merged.sources["infores:kg-microbe"].kind == "database"
    assert json.loads((out / MANIFEST).read_text())["edges_added"] == 3
    # the merged folder builds and validates
    assert build_knowledge_graph(out).validation.conforms


def test_path_needs_both_graphs_small_base(tmp_path):
    import_graphs([KG_MICROBE], base=SMALL, out=tmp_path / "merged")
    projection = build_projection(load_curated(tmp_path / "merged"))
    hits = find_paths(projection, "NCBITaxon:853", "EFO:0003923", max_length=3)
    # imported: NCBITaxon:853 produces butyrate; curated (data_small e2): butyrate increases BMD
    assert [hit.nodes for hit in hits] == [("NCBITaxon:853", "CHEBI:17968", "EFO:0003923")]
    assert [hop.edge_id for hop in hits[0].hops] == ["urn:uuid:0001", "e2"]
    assert hits[0].net_sign == 1
    # review_claim 0.3 (imported, no study type given) x animal 0.5 (gb:evidenceWeight)
    assert hits[0].score == pytest.approx(0.3 * 0.5)
    assert "NCBITaxon:853" not in load_curated(SMALL).nodes  # the path needs the import


def test_path_needs_both_graphs_curated_base(tmp_path):
    base = load_curated()
    report = import_graphs([KG_MICROBE], out=tmp_path / "merged")
    assert report.problems == ()
    merged = load_curated(tmp_path / "merged")
    new = {"NCBITaxon:853", "NCBITaxon:39491", "CHEBI:17968", "CHEBI:26666"} - set(base.nodes)
    assert len(merged.nodes) == len(base.nodes) + len(new)  # no duplicates
    assert set(merged.edges) >= set(base.edges)
    projection = build_projection(merged)
    hits = find_paths(projection, "NCBITaxon:853", "OBA:1000110", max_length=3)
    # review sec. 4.4.1 (curated rev-4.4.1-014): SCFAs raise bone density in animals; the
    # taxon -> SCFA hop exists only in the imported KG-Microbe-style file
    crossing = [
        hit for hit in hits
        if hit.hops[0].sources == ("infores:kg-microbe",)
        and all("infores:kg-microbe" not in hop.sources for hop in hit.hops[1:])
    ]  # fmt: skip
    assert crossing, [hit.nodes for hit in hits]
    assert crossing[0].nodes[-1] == "OBA:1000110"
    assert all(hop.record.split(":")[0].endswith(".csv") for hop in crossing[0].hops)


def test_reimporting_the_curated_export_duplicates_nothing(tmp_path):
    result = build_knowledge_graph(validate=False)
    export_graph(result.data, "kgx", tmp_path / "kgx")
    report = import_graphs([tmp_path / "kgx"], out=tmp_path / "merged")
    assert report.problems == () and report.unmapped == ()
    assert (report.nodes_added, report.nodes_merged) == (0, len(result.data.nodes))
    assert (report.edges_added, report.edges_duplicate) == (0, len(result.data.edges))
    merged = load_curated(tmp_path / "merged")
    assert set(merged.nodes) == set(result.data.nodes)
    assert set(merged.edges) == set(result.data.edges)


def test_interop_does_not_import_views_or_cli():
    import ast

    for path in (Path(__file__).parents[1] / "src/gutbone/interop").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [n for n in names if n.startswith(("gutbone.views", "gutbone.cli"))], path


def test_direction_qualifiers_become_increases_and_decreases(tmp_path):
    nodes = tmp_path / "nodes.jsonl"
    edges = tmp_path / "edges.jsonl"
    nodes.write_text(
        '{"id": "CHEBI:17968", "category": ["biolink:SmallMolecule"], "name": "butyrate"}\n'
        '{"id": "HGNC:11926", "category": ["biolink:Protein"], "name": "TNF"}\n'
        '{"id": "GO:0045453", "category": ["biolink:BiologicalProcess"], "name": "bone resorption"}\n',
        encoding="utf-8",
    )
    edges.write_text(
        '{"id": "q1", "subject": "CHEBI:17968", "predicate": "biolink:affects", "object": "HGNC:11926",'
        ' "qualified_predicate": "biolink:causes", "object_aspect_qualifier": "activity_or_abundance",'
        ' "object_direction_qualifier": "decreased", "knowledge_level": "knowledge_assertion"}\n'
        '{"id": "q2", "subject": "HGNC:11926", "predicate": "biolink:regulates", "object": "GO:0045453",'
        ' "object_direction_qualifier": "upregulated", "knowledge_level": "prediction"}\n'
        '{"id": "q3", "subject": "CHEBI:17968", "predicate": "biolink:affects", "object": "GO:0045453"}\n',
        encoding="utf-8",
    )
    report = import_graphs([nodes, edges], base=None, out=tmp_path / "out")
    assert report.problems == ()
    data = load_curated(tmp_path / "out")
    assert (data.edges["q1"].predicate, data.edges["q1"].sign) == ("decreases", -1)
    assert (data.edges["q2"].predicate, data.edges["q2"].sign) == ("increases", 1)
    assert data.edges["q2"].evidence_type == "hypothesis"  # knowledge_level prediction
    assert (data.edges["q3"].predicate, data.edges["q3"].sign) == ("affects", 0)
    assert data.nodes["HGNC:11926"].category == "GeneProduct"


# ---------------------------------------------------------------- bad input


def test_bad_input_is_reported_by_file_and_line_and_the_rest_imported(tmp_path):
    report = import_graphs([BAD], base=None, out=tmp_path / "out")
    nodes, edges = str(BAD / "nodes.tsv"), str(BAD / "edges.tsv")
    assert [str(p) for p in report.problems] == [
        f"{nodes}:3:-: 4 fields, the header has 3",
        f"{nodes}:4:category: unknown category 'biolink:Bacteriumm' (not a Biolink class)",
        f"{nodes}:5:id: 'butyrate' is not a CURIE (expected PREFIX:ID)",
        f"{edges}:3:object: 'CHEBI:99999' is not a node of any input or the base",
        f"{edges}:4:predicate: unknown predicate 'biolink:makes' (not a Biolink predicate)",
    ]
    data = load_curated(tmp_path / "out")
    assert sorted(data.nodes) == ["CHEBI:17968", "NCBITaxon:853"]
    assert sorted(data.edges) == ["b1"]


def test_cli_import_exit_codes_and_messages(tmp_path, capsys):
    code = main(["import", str(BAD), "--no-merge", "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 1
    assert f"error: {BAD / 'edges.tsv'}:3:object:" in captured.err
    assert "added 2 nodes" in captured.out
    assert (tmp_path / "out" / "edges" / "imported.csv").is_file()

    code = main(["import", str(KG_MICROBE), "--data", str(SMALL), "--out", str(tmp_path / "m")])
    captured = capsys.readouterr()
    assert code == 0  # unmapped rows are warnings
    assert "warning: unmapped predicate 'biolink:related_to': 1 row(s)" in captured.err
    assert "left out 3 unmapped row(s)" in captured.out


def test_strict_stops_at_the_first_problem_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        import_graphs([BAD], base=None, strict=True, out=out)
    assert [str(p) for p in caught.value.problems] == [
        f"{BAD / 'nodes.tsv'}:3:-: 4 fields, the header has 3"
    ]
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no staging folder left behind
    # unmapped rows stop a strict import too
    code = main(["import", str(KG_MICROBE), "--data", str(SMALL), "--strict", "--out", str(out)])
    assert code == 1 and not out.exists()
    assert "unmapped prefix 'EC'" in capsys.readouterr().err


def test_output_folder_is_never_a_foreign_folder(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(InputError, match="not an empty folder or an earlier import"):
        import_graphs([KG_MICROBE], base=SMALL, out=foreign)
    assert (foreign / "thesis.txt").read_text(encoding="utf-8") == "keep me"
    # an earlier import is replaced as a whole
    out = tmp_path / "merged"
    import_graphs([KG_MICROBE], base=SMALL, out=out)
    import_graphs([KG_MICROBE], base=None, out=out)
    assert not (out / "edges" / "core.csv").exists()


def test_remote_jsonld_context_is_refused(tmp_path):
    path = tmp_path / "remote.jsonld"
    path.write_text(
        '{"@context": "https://example.org/context.jsonld", "@id": "x"}', encoding="utf-8"
    )
    report = import_graphs([path], base=None)
    assert [p.field for p in report.problems] == ["@context"]


def test_cli_export_kgx_writes_tsv_and_jsonl(tmp_path, capsys):
    code = main(["export", "--format", "kgx", "--out", str(tmp_path / "kgx"), "--data", str(SMALL)])
    assert code == 0
    assert "exported 4 nodes and 3 assertions as kgx" in capsys.readouterr().out
    with (tmp_path / "kgx" / "edges.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [row["id"] for row in rows] == [f"gutbone.assertion:e{i}" for i in (1, 2, 3)]
    assert rows[1]["effect_estimate"] == "0.050"
    lines = (tmp_path / "kgx" / "edges.jsonl").read_text(encoding="utf-8").splitlines()
    e2 = json.loads(lines[1], parse_float=Decimal)
    assert e2["effect_estimate"] == Decimal("0.050") and str(e2["effect_estimate"]) == "0.050"
    metadata = json.loads((tmp_path / "kgx" / "graph_metadata.json").read_text(encoding="utf-8"))
    assert metadata["primary_knowledge_source"] == "infores:gutbone"
    assert metadata["biolink_version"] == load_biolink_schema().version


# ---------------------------------------------------------------- issue 15: meaning kept

KG_MICROBE_DIRECTED = Path(__file__).parent / "fixtures" / "interop" / "kg_microbe_directed"


def test_kg_microbe_directions_provenance_and_ragged_rows(tmp_path):
    # nodes.tsv line 3 and edges.tsv lines 3 and 5 have fewer fields than the header (kgx
    # reads the missing trailing fields as empty, so does gutbone)
    report = import_graphs([KG_MICROBE_DIRECTED], base=None, out=tmp_path / "m")
    assert report.problems == ()
    assert (report.nodes_added, report.edges_added) == (4, 4)
    data = load_curated(tmp_path / "m")
    by_original = {e.id: e for e in data.edges.values()}
    # *_decreased_likelihood_of / *_increased_likelihood_of -> associated_with with a sign
    assert (by_original["kgm:1"].predicate, by_original["kgm:1"].sign) == ("associated_with", -1)
    assert (by_original["kgm:2"].predicate, by_original["kgm:2"].sign) == ("associated_with", 1)
    assert (by_original["kgm:3"].predicate, by_original["kgm:3"].sign) == ("increases", 1)
    # what gutbone keeps nowhere is reported: a qualifier value, unknown properties
    unmapped = {(u.kind, u.value): u.count for u in report.unmapped}
    edges = KG_MICROBE_DIRECTED / "edges.tsv"
    assert unmapped == {
        ("qualifier", "object_aspect_qualifier=synthesis"): 1,
        ("property", "has_evidence"): 1,
        ("property", "description"): 1,
    }
    examples = {(u.kind, u.value): u.example for u in report.unmapped}
    assert examples[("property", "has_evidence")] == f"{edges}:2"
    # re-exported with their own knowledge sources and agent type, gutbone an aggregator
    _, records = kgx_records(data)
    by_id = {assertion_id(str(r["id"])): r for r in records}
    assert by_id["kgm:1"]["primary_knowledge_source"] == "infores:disbiome"
    assert by_id["kgm:1"]["aggregator_knowledge_source"] == ["infores:kg-microbe", "infores:gutbone"]
    assert by_id["kgm:1"]["agent_type"] == "manual_agent"
    assert by_id["kgm:1"]["publications"] == ["PMID:31258331"]
    assert by_id["kgm:2"]["agent_type"] == "text_mining_agent"
    assert by_id["kgm:3"]["primary_knowledge_source"] == "infores:kg-microbe-function"
    assert by_id["kgm:3"]["agent_type"] == "automated_agent"
    assert by_id["kgm:3"]["object_direction_qualifier"] == "increased"
    # no knowledge source given: the file is the source, gutbone the aggregator only
    assert by_id["kgm:4"]["primary_knowledge_source"] == "infores:gutbone"
    # the merged folder is a valid data folder
    assert build_knowledge_graph(tmp_path / "m").validation.conforms


def test_kgx_tsv_is_written_without_csv_quoting(tmp_path):
    data = load_curated(SMALL)
    edge = data.edges["e1"]
    data.edges["e1"] = type(edge)(**{**vars(edge), "quote": 'Lachnospiraceae "produce" butyrate.'})
    export_graph(data, "kgx-tsv", tmp_path / "kgx")
    lines = (tmp_path / "kgx" / "edges.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")  # a plain split on tabs: no field is quoted
    assert len(row) == len(header)
    assert row[header.index("quote")] == 'Lachnospiraceae "produce" butyrate.'
    assert row[header.index("gutbone_sign")] == "1" and "sign" not in header
    import_graphs([tmp_path / "kgx"], base=None, out=tmp_path / "back")
    assert load_curated(tmp_path / "back").edges["e1"].quote == 'Lachnospiraceae "produce" butyrate.'


def _with_parallel_assertions() -> CuratedData:
    """The small fixture plus two assertions parallel to e2 (butyrate -> bone density).

    e2b says the opposite direction (``decreases``, sign -1) from a KG-Microbe-style
    database source; e2c repeats e2's direction. All three are ``biolink:affects``.
    """
    data = load_curated(SMALL)
    e2 = data.edges["e2"]
    edge = type(e2)
    data.sources["kgm"] = Source("kgm", "database", "KG-Microbe", infores="infores:kg-microbe",
                                 version="2024-01", license="CC-BY-4.0")
    data.edges["e2b"] = edge(**{**vars(e2), "id": "e2b", "predicate": "decreases", "sign": -1,
                               "effect": None, "evidence_type": "in_vitro", "sources": ("kgm",),
                               "quote": 'Butyrate "lowers" BMD | in rats \\ a backslash.',
                               "agent_type": "automated_agent"})  # fmt: skip
    data.edges["e2c"] = edge(**{**vars(e2), "id": "e2c", "effect": None, "locator": "sec. 3"})
    return data


def test_parallel_assertions_are_one_kgx_edge_without_a_contradiction(tmp_path):
    """kgx keys its edges on subject-predicate-object: the export writes one edge per triple.

    e2 (increased, sign 1), e2b (decreased, sign -1) and e2c (increased) are one KGX edge
    whose id is made from the triple, and which claims only what all three say.
    """
    data = _with_parallel_assertions()
    export_graph(data, "kgx", tmp_path / "kgx")
    rows = [json.loads(line) for line in (tmp_path / "kgx" / "edges.jsonl").open()]
    assert len(rows) == 3  # e1, e3, and the edge of e2/e2b/e2c
    (edge,) = [r for r in rows if r["subject"] == "CHEBI:17968" and r["object"] == "EFO:0003923"]
    triple = "CHEBI:17968\tbiolink:affects\tEFO:0003923"
    assert edge["id"] == "gutbone.edge:" + hashlib.sha256(triple.encode()).hexdigest()[:16]
    # the two directions disagree: no direction, sign or gutbone predicate on the edge
    for name in ("object_direction_qualifier", "gutbone_sign", "gutbone_predicate"):
        assert name not in edge, name
    assert edge["qualified_predicate"] == "biolink:causes"  # all three say so
    assert edge["agent_type"] == "not_provided"  # manual_agent vs automated_agent
    assert edge["knowledge_level"] == "knowledge_assertion"
    # the sources differ: gutbone made the edge from them
    assert edge["primary_knowledge_source"] == "infores:gutbone"
    assert edge["supporting_data_source"] == ["infores:kg-microbe"]
    assert edge["gutbone_sources"] == ["toy", "kgm"]
    items = {item["id"]: item for item in edge["gutbone_assertions"]}
    assert set(items) == {"gutbone.assertion:e2", "gutbone.assertion:e2b", "gutbone.assertion:e2c"}
    assert items["gutbone.assertion:e2b"]["object_direction_qualifier"] == "decreased"
    assert items["gutbone.assertion:e2b"]["primary_knowledge_source"] == "infores:kg-microbe"
    assert items["gutbone.assertion:e2"]["effect_estimate"] == 0.05
    # in TSV each assertion is one JSON text: quotes, | and backslashes as \u escapes
    tsv = (tmp_path / "kgx" / "edges.tsv").read_text(encoding="utf-8").splitlines()
    header = tsv[0].split("\t")
    (row,) = [line.split("\t") for line in tsv if line.split("\t")[0] == edge["id"]]
    texts = row[header.index("gutbone_assertions")].split("|")
    assert len(texts) == 3 and '\\"' not in row[header.index("gutbone_assertions")]
    assert 'lowers\\u0022 BMD \\u007c in rats \\u005c' in texts[1]
    assert json.loads(texts[1])["quote"] == 'Butyrate "lowers" BMD | in rats \\ a backslash.'


@pytest.mark.parametrize("fmt", ["kgx-tsv", "kgx-jsonl"])
def test_parallel_assertions_come_back_apart_on_import(tmp_path, fmt):
    data = _with_parallel_assertions()
    export_graph(data, fmt, tmp_path / "kgx")
    report = import_graphs([tmp_path / "kgx"], base=None, out=tmp_path / "back")
    assert report.problems == () and report.unmapped == ()
    back = load_curated(tmp_path / "back")
    assert set(back.edges) == {"e1", "e2", "e2b", "e2c", "e3"}
    for key in ("e2", "e2b", "e2c"):
        want, have = data.edges[key], back.edges[key]
        fields = ("subject", "predicate", "object", "sign", "evidence_type", "sources",
                  "locator", "quote")  # fmt: skip
        assert [getattr(have, f) for f in fields] == [getattr(want, f) for f in fields], key
        # a curated row's empty agent type is manual_agent (what the export writes)
        assert have.agent_type == (want.agent_type or "manual_agent")
    assert str(back.edges["e2"].effect.estimate) == "0.050"
    # re-exported with their own knowledge sources
    _, records = kgx_records(back)
    by_id = {assertion_id(str(r["id"])): r for r in records}
    assert by_id["e2b"]["primary_knowledge_source"] == "infores:kg-microbe"
    assert by_id["e2"]["primary_knowledge_source"] == "infores:gutbone"


def _arcs(graph) -> list[tuple]:
    """Each arc as (edge id, predicate, sign, weight), sorted: independent of edge order."""
    arcs = graph.arcs
    return sorted(
        (graph.edge_name(int(e)), graph.predicate_names[int(p)], int(s), float(w))
        for e, p, s, w in zip(graph.arc_edge, arcs.predicate, arcs.sign, arcs.weight, strict=True)
    )


def test_read_kgx_splits_aggregated_edges_into_their_assertions(tmp_path):
    data = _with_parallel_assertions()
    export_graph(data, "kgx-tsv", tmp_path / "kgx")
    exported = read_kgx(tmp_path / "kgx", keep_edge_ids=True)
    curated = from_curated(data)
    assert sorted(exported.edge_ids) == sorted(curated.edge_ids)
    assert {"e2", "e2b", "e2c"} <= set(exported.edge_ids)
    assert _arcs(exported) == _arcs(curated)  # e2b keeps its decreases, sign -1, in_vitro


def test_a_broken_aggregated_edge_is_a_problem_not_a_traceback(tmp_path):
    export_graph(_with_parallel_assertions(), "kgx-tsv", tmp_path / "kgx")
    edges = tmp_path / "kgx" / "edges.tsv"
    lines = edges.read_text(encoding="utf-8").splitlines()
    column = lines[0].split("\t").index("gutbone_assertions")
    row = next(i for i, line in enumerate(lines) if i and line.split("\t")[column])
    fields = lines[row].split("\t")
    fields[column] = '{"id": "x"|[1, 2]|not json'
    lines[row] = "\t".join(fields)
    edges.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_kgx(tmp_path / "kgx")
    (problem,) = caught.value.problems
    assert (problem.row, problem.field) == (row + 1, "gutbone_assertions")
    report = import_graphs([tmp_path / "kgx"], base=None)
    assert [(p.row, p.field) for p in report.problems] == [(row + 1, "gutbone_assertions")]
    assert report.edges_added == 2  # e1 and e3; the broken edge is skipped, and said so


def test_curated_export_never_merges_opposite_directions():
    """Every curated assertion is in exactly one KGX edge; opposite directions stay apart."""
    data = build_knowledge_graph(validate=False).data
    _, records = kgx_records(data)
    edges = aggregate_edges(records)
    triples = {(r["subject"], r["predicate"], r["object"]) for r in records}
    assert len(edges) == len(triples) < len(records)  # one edge per triple
    assert len({(e["subject"], e["predicate"], e["object"]) for e in edges}) == len(edges)
    held = [
        item["id"] for e in edges for item in e.get("gutbone_assertions", [{"id": e["id"]}])
    ]
    assert sorted(held) == sorted(r["id"] for r in records)
    mixed = 0
    for edge in edges:
        items = edge.get("gutbone_assertions", [edge])
        directions = {i.get("object_direction_qualifier") for i in items}
        signs = {i["gutbone_sign"] for i in items}
        if len(directions) > 1:
            assert "object_direction_qualifier" not in edge, edge["id"]
        if len(signs) > 1:
            mixed += 1
            assert "gutbone_sign" not in edge, edge["id"]
        else:
            assert edge["gutbone_sign"] == signs.pop()
    assert mixed > 0  # the curated graph has such triples (increases and decreases)


def test_kgx_export_ships_a_curie_map_for_prefixes_biolink_lacks(tmp_path):
    result = build_knowledge_graph(validate=False)
    export_graph(result.data, "kgx-tsv", tmp_path / "kgx")
    context = json.loads((tmp_path / "kgx" / "context.jsonld").read_text())["@context"]
    assert context["gutbone"] == "https://w3id.org/gutbone/node/"
    assert context["gutbone.assertion"] == "https://w3id.org/gutbone/assertion/"
    assert context["OBA"] == "http://purl.obolibrary.org/obo/OBA_"  # OBA:1000110, bone density
    biolink = json.loads(
        (schema_path().parent.parent / "prefixmaps" / "biolink_model_prefix_map.json").read_text()
    )
    prefixes = {n.split(":")[0] for n in result.data.nodes}
    assert prefixes <= set(biolink) | set(context)  # every node prefix is declared somewhere
    assert not set(context) & set(biolink)  # and only those Biolink lacks are added
    metadata = json.loads((tmp_path / "kgx" / "graph_metadata.json").read_text())
    assert metadata["curie_map"] == context


def test_curated_categories_and_treats_are_concrete_biolink_terms():
    result = build_knowledge_graph(validate=False)
    nodes, edges = kgx_records(result.data)
    category = {n["id"]: n["category"][0] for n in nodes}
    # HGNC gene symbols (TNFSF11 = RANKL, a Cytokine) are Biolink Genes, not Proteins
    assert category["HGNC:11926"] == "biolink:Gene"
    assert "biolink:GeneOrGeneProduct" not in category.values()
    treats = [e for e in edges if e["gutbone_predicate"] == "treats"]
    assert treats and {e["predicate"] for e in treats} == {"biolink:ameliorates_condition"}
    # every assertion has a stable CURIE id, distinct from all others
    assert len({e["id"] for e in edges}) == len(edges)
    # domain/range: objects always fit; the subjects outside the domain are the documented
    # exceptions of docs/interop.md (checked with the schema read independently)
    raw = _raw_biolink()
    parents = {
        _camel(n): [_camel(p) for p in [(spec or {}).get("is_a"), *((spec or {}).get("mixins") or [])] if p]
        for n, spec in raw["classes"].items()
    }

    def within(cls: str, target: str) -> bool:
        todo, seen = [cls], set()
        while todo:
            current = todo.pop()
            if current == target:
                return True
            if current not in seen:
                seen.add(current)
                todo.extend(parents.get(current, []))
        return False

    outside = []
    for e in edges:
        slot = raw["slots"][e["predicate"].removeprefix("biolink:").replace("_", " ")] or {}
        for side, key in (("subject", "domain"), ("object", "range")):
            target = _camel(slot[key]) if slot.get(key) in raw["classes"] else None
            if target and not within(category[e[side]].removeprefix("biolink:"), target):
                outside.append((e["predicate"], side, category[e[side]]))
    assert sorted(outside) == sorted(
        [("biolink:participates_in", "subject", "biolink:Gene")] * 4
        + [("biolink:participates_in", "subject", "biolink:Cell")]
        + [("biolink:ameliorates_condition", "subject", "biolink:Gene")]
        + [("biolink:has_metabolite", "subject", "biolink:ChemicalEntity")]
    )


def test_effects_are_biolink_attributes_and_publications_are_filled():
    result = build_knowledge_graph(validate=False)
    _, edges = kgx_records(result.data)
    by_id = {assertion_id(str(e["id"])): e for e in edges}
    data = result.data
    for key, edge in data.edges.items():
        record = by_id[key]
        expected = {f"doi:{data.sources[s].doi}" for s in edge.sources if data.sources[s].doi}
        expected |= {
            f"PMID:{p}" for s in edge.sources for p in data.sources[s].pmid.split("|") if p
        }
        assert set(record.get("publications", [])) == expected, key
        if edge.effect is None or edge.effect.estimate is None:
            continue
        attributes = {a["attribute_type_id"]: a["value"] for a in record["has_attribute"]}
        assert attributes["biolink:effect_size"] == edge.effect.estimate
        if edge.effect.ci_lower is not None:  # STATO lower / upper confidence limit
            assert attributes["STATO:0000315"] == edge.effect.ci_lower
            assert attributes["STATO:0000314"] == edge.effect.ci_upper
        if edge.effect.p is not None:
            assert attributes["biolink:p_value"] == edge.effect.p
    assert sum(1 for e in edges if e.get("publications")) > len(edges) // 2


def test_graphml_keys_are_unique_and_typed_and_files_follow_the_umask(tmp_path):
    import os
    import xml.etree.ElementTree as ET

    export_graph(load_curated(SMALL), "graphml", tmp_path / "g.graphml")
    root = ET.parse(tmp_path / "g.graphml").getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = root.findall("g:key", ns)
    assert len({k.get("id") for k in keys}) == len(keys)
    types = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in keys}
    assert types[("edge", "gutbone_sign")] == "long"  # GraphML's 64-bit integer
    assert types[("edge", "effect_estimate")] == "double"
    assert types[("edge", "effect_k")] == "long"
    assert types[("edge", "assertion_id")] == "string"
    assert ("node", "note") in types or ("edge", "note") in types
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "g.graphml").stat().st_mode & 0o777 == 0o666 & ~umask
