"""Errors that teach (issue 14 item 4): allowed values, "did you mean", every error of a
row, labels checked against their identifiers, close matches for unknown names, and SPARQL
syntax errors that point at the token.

Expected messages are written out in full: the allowed values come from
``ontology/gutbone.ttl`` (predicates, categories) and the names from the bundled source
files quoted in each test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.curation import load_curated
from gutbone.errors import CurationError

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
#: the 21 edge columns of the fixture, up to ``note``
EDGE_TAIL = "," * 12
PREDICATES = (
    "affects, associated_with, binds, decreases, develops_into, expressed_in, increases, "
    "mediates, part_of, participates_in, precursor_of, produces, subclass_of, treats"
)
CATEGORIES = (
    "AnatomicalEntity, BiologicalProcess, BoneOutcome, CellType, Chemical, Cytokine, Disease, "
    "Entity, Enzyme, GeneProduct, Hormone, ImmuneCell, Intervention, Measurement, Metabolite, "
    "MicroRNA, Pathway, Phenotype, Receptor, Study, Taxon, TranscriptionFactor"
)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small fixture, named ``data/`` under the working directory."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURE, tmp_path / "data")
    return tmp_path / "data"


def _append(path: Path, *rows: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write("".join(row + "\n" for row in rows))


def _problems(root: Path) -> list[str]:
    with pytest.raises(CurationError) as info:
        load_curated(root)
    return [str(p) for p in info.value.problems]


def test_unknown_predicate_lists_allowed_values_and_the_closest(data: Path) -> None:
    _append(
        data / "edges" / "core.csv",
        "e4,CHEBI:17968,increses,EFO:0003923,1,animal,toy,s,q" + EDGE_TAIL,
    )
    assert _problems(data) == [
        "data/edges/core.csv:5:predicate: 'increses' is not a known predicate; did you mean "
        f"'increases'? (allowed: {PREDICATES})"
    ]


def test_unknown_category_evidence_and_prefix_suggest(data: Path) -> None:
    _append(data / "nodes" / "core.csv", "CHEBI:30089,acetate,Metabolit,,toy,,,")
    _append(
        data / "edges" / "core.csv",
        "e4,CHEBI:17968,increases,EFO:0003923,1,animals,toy,s,q" + EDGE_TAIL,
        "e5,NCBITaxn:186803,produces,CHEBI:17968,1,animal,toy,s,q" + EDGE_TAIL,
    )
    problems = _problems(data)
    assert problems[0] == (
        "data/edges/core.csv:5:evidence_type: 'animals' is not one of "
        "classification, rct_meta_analysis, rct, mendelian_randomization, human_observational, "
        "animal, primary_literature, in_vitro, curated_database, review_claim, pathway_database, "
        "genome_prediction, hypothesis; did you mean 'animal'?"
    )
    assert problems[1].startswith(
        "data/edges/core.csv:6:subject: unknown CURIE prefix 'NCBITaxn'; did you mean "
        "'NCBITaxon'? (known: CHEBI, CL, DOID, EFO, GO, HGNC, HP, MAXO, MESH, MONDO, NCBIGene, "
    )
    assert problems[2] == (
        "data/nodes/core.csv:6:category: 'Metabolit' is not a known category; did you mean "
        f"'Metabolite'? (allowed: {CATEGORIES})"
    )
    assert len(problems) == 3


def test_other_enumerated_fields_suggest(data: Path) -> None:
    sources = data / "sources.csv"
    _append(sources, "toy2,reveiw,Another,,,,,")
    _append(
        data / "edges" / "core.csv",
        "e4,CHEBI:17968,increases,EFO:0003923,1,animal,toy,s,q,,SMDD,0.1" + "," * 9,
    )
    assert _problems(data) == [
        "data/edges/core.csv:5:measure: 'SMDD' is not one of MD, SMD, RR, OR, RD, MR_beta, "
        "proportion_mediated; did you mean 'SMD'?",
        "data/sources.csv:3:kind: 'reveiw' is not one of review, mr_study, meta_analysis, "
        "primary_study, database; did you mean 'review'?",
    ]


def test_a_duplicate_id_hides_no_other_error_of_its_row(data: Path) -> None:
    _append(data / "sources.csv", "toy,blog,Again,,,,,")
    _append(data / "nodes" / "core.csv", "CHEBI:17968,butyrate again,Metabolit,,nosuch,,,")
    _append(
        data / "edges" / "core.csv",
        "e1,CHEBI:17968,increses,EFO:0003923,1,anecdote,nosuch,s,q" + EDGE_TAIL,
        ",CHEBI:17968,increases,EFO:9999999,1,animal,toy,s,q" + EDGE_TAIL,
    )
    problems = _problems(data)
    edge_row = [p.split(": ")[0] for p in problems if p.startswith("data/edges/core.csv:5:")]
    assert edge_row == [
        "data/edges/core.csv:5:id",
        "data/edges/core.csv:5:predicate",
        "data/edges/core.csv:5:evidence_type",
        "data/edges/core.csv:5:source",
    ]
    assert (
        "data/edges/core.csv:5:id: duplicate id 'e1' (first at data/edges/core.csv:2)" in problems
    )
    # a row without id: the empty id is reported, and so is its unknown object
    assert "data/edges/core.csv:6:id: required field is empty" in problems
    assert (
        "data/edges/core.csv:6:object: 'EFO:9999999' is not a node (define it in nodes/)"
        in problems
    )
    node_row = [p for p in problems if p.startswith("data/nodes/core.csv:6:")]
    assert [p.split(": ")[0] for p in node_row] == [
        "data/nodes/core.csv:6:id",
        "data/nodes/core.csv:6:category",
        "data/nodes/core.csv:6:source",
    ]
    source_row = [p for p in problems if p.startswith("data/sources.csv:3:")]
    assert source_row == [
        "data/sources.csv:3:id: duplicate id 'toy' (first at row 2)",
        "data/sources.csv:3:kind: 'blog' is not one of review, mr_study, meta_analysis, "
        "primary_study, database",
    ]


def test_taxon_label_contradicting_its_id_fails_with_both_names(data: Path) -> None:
    # WikiPathways WP12 (bundled) is drawn for Organism="Homo sapiens" = NCBITaxon:9606;
    # the butyrate table gives 'Lachnospiraceae' for NCBITaxon:186803 on its line 2.
    nodes = data / "nodes" / "core.csv"
    nodes.write_text(
        nodes.read_text(encoding="utf-8").replace(
            "NCBITaxon:186803,Lachnospiraceae,", "NCBITaxon:186803,Ruminococcaceae,"
        ),
        encoding="utf-8",
    )
    _append(nodes, "NCBITaxon:9606,Akkermansia muciniphila,Taxon,,toy,,,")
    problems = _problems(data)
    assert problems[0] == (
        "data/nodes/core.csv:4:label: label 'Ruminococcaceae' contradicts NCBITaxon:186803, "
        "which is 'Lachnospiraceae' in data/external/butyrate-producers/"
        "gold_standard_ids_manual.tsv:2"
    )
    assert problems[1].startswith(
        "data/nodes/core.csv:6:label: label 'Akkermansia muciniphila' contradicts "
        "NCBITaxon:9606, which is 'Homo sapiens' in data/external/wikipathways/WP"
    )
    assert problems[1].endswith(".gpml")
    assert len(problems) == 2


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ("NCBITaxon:9606,human,Taxon,Homo  SAPIENS,toy,,,", "a synonym, other case and spaces"),
        ("NCBITaxon:9606,homo sapiens,Taxon,,toy,,,", "the name in lower case"),
        # line 2 of the butyrate table: 'Anaerostipes caccae DSM 14662' NCBITaxon:411490
        ("NCBITaxon:411490,Anaerostipes caccae,Taxon,,toy,,,", "the species of a strain name"),
        ("NCBITaxon:816,Bacteroides,Taxon,,toy,,,", "an id no bundled source names"),
    ],
)
def test_taxon_labels_that_agree(data: Path, row: str, why: str) -> None:
    _append(data / "nodes" / "core.csv", row)
    assert load_curated(data).nodes[row.split(",")[0]].label == row.split(",")[1], why


def test_a_genus_name_is_not_a_strain_label(data: Path) -> None:
    # one word does not extend to a strain name: 'Anaerostipes' for NCBITaxon:411490 fails
    _append(data / "nodes" / "core.csv", "NCBITaxon:411490,Anaerostipes,Taxon,,toy,,,")
    assert _problems(data) == [
        "data/nodes/core.csv:6:label: label 'Anaerostipes' contradicts NCBITaxon:411490, which "
        "is 'Anaerostipes caccae DSM 14662' in data/external/butyrate-producers/"
        "gold_standard_ids_manual.tsv:2"
    ]


def test_cell_type_label_checked_against_cell_ontology(data: Path) -> None:
    _append(data / "nodes" / "core.csv", "CL:0000092,osteoblast,CellType,,toy,,,")
    (problem,) = _problems(data)
    assert problem.startswith(
        "data/nodes/core.csv:6:label: label 'osteoblast' differs from the Cell Ontology label "
        "'osteoclast' of CL:0000092"
    )


def test_category_checked_against_the_id_prefix_with_biolink(data: Path) -> None:
    # Biolink Model 4.x: NCBITaxon ids belong to biolink:OrganismTaxon only; CL ids to
    # biolink:Cell, biolink:AnatomicalEntity and biolink:CellularComponent
    _append(
        data / "nodes" / "core.csv",
        "NCBITaxon:816,Bacteroides,Metabolite,,toy,,,",
        "CL:0000092,osteoclast,Taxon,,toy,,,",
    )
    assert _problems(data) == [
        "data/nodes/core.csv:6:category: category 'Metabolite' (biolink:SmallMolecule) does not "
        "take NCBITaxon ids in the Biolink Model; categories that do: Taxon",
        "data/nodes/core.csv:7:category: category 'Taxon' (biolink:OrganismTaxon) does not take "
        "CL ids in the Biolink Model; categories that do: AnatomicalEntity, CellType, ImmuneCell",
    ]


def test_biolink_prefix_table_matches_the_installed_biolink_model() -> None:
    import importlib.util

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "biolink_prefixes", root / "scripts" / "biolink_prefixes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    table = root / "ontology" / "biolink-prefixes.tsv"
    assert module.main(["--check", str(table)]) == 0, (
        "ontology/biolink-prefixes.tsv is stale: python scripts/biolink_prefixes.py"
    )
    rows = {line.split("\t")[0]: line.split("\t") for line in table.read_text().splitlines()}
    assert "NCBITaxon" in rows["Taxon"][2].split() and "NCBITaxon" in rows["Metabolite"][3]
    assert "NCBIGene" in rows["Receptor"][2].split()  # through biolink:GeneOrGeneProduct


def test_validate_and_build_report_the_same_errors(
    data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _append(data / "nodes" / "core.csv", "NCBITaxon:9606,Akkermansia muciniphila,Taxn,,toy,,,")
    assert main(["validate", str(data)]) == 1
    validate_err = capsys.readouterr().err
    assert main(["build", "--data", str(data), "--out", str(tmp_path / "out")]) == 1
    build_err = capsys.readouterr().err
    expected = (
        "data/nodes/core.csv:6:category: 'Taxn' is not a known category; did you mean 'Taxon'?"
    )
    for err in (validate_err, build_err):
        assert expected in err
        assert "label 'Akkermansia muciniphila' contradicts NCBITaxon:9606" in err
    assert not (tmp_path / "out").exists()


def test_validate_subprocess_exit_code(data: Path) -> None:
    _append(
        data / "edges" / "core.csv",
        "e4,CHEBI:17968,increses,EFO:0003923,1,animal,toy,s,q" + EDGE_TAIL,
    )
    done = subprocess.run(
        [sys.executable, "-m", "gutbone", "validate", "data"],
        capture_output=True,
        text=True,
        check=False,
        cwd=data.parent,
    )
    assert done.returncode == 1
    assert (
        "data/edges/core.csv:5:predicate: 'increses' is not a known predicate; did you mean "
        "'increases'?" in done.stderr
    )
    assert "Traceback" not in done.stderr


# ---------------------------------------------------------------- SPARQL syntax errors

TRIPLE = "<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELEC ?x WHERE {}", "query:1:1: unknown keyword 'SELEC'; did you mean 'SELECT'?"),
        (
            "SELECT ?s WHERE {\n  ?s ?p ?o\n} LIMT 3",
            "query:3:3: unknown keyword 'LIMT'; did you mean 'LIMIT'?",
        ),
        ("SELECT ?s WHERE { ?s ?p ?o FILTR(?o) }", "query:1:28: unknown keyword 'FILTR'"),
    ],
)
def test_sparql_unknown_keyword_points_at_the_token(engine: str, text: str, expected: str) -> None:
    import pyoxigraph as ox
    from rdflib import Graph

    from gutbone.errors import QueryError
    from gutbone.query.sparql import run_query

    store = ox.Store()
    store.load(TRIPLE.encode(), ox.RdfFormat.N_TRIPLES)
    target = {"store": store} if engine == "oxigraph" else {"graph": Graph().parse(data=TRIPLE)}
    with pytest.raises(QueryError) as info:
        run_query(text, engine=engine, **target)  # type: ignore[arg-type]
    assert str(info.value).startswith(expected)


def test_sparql_other_syntax_errors_keep_the_engine_position() -> None:
    import pyoxigraph as ox

    from gutbone.errors import QueryError
    from gutbone.query.sparql import run_query

    # prefixed names, language tags, 'a' and functions are not unknown keywords
    with pytest.raises(QueryError) as info:
        run_query("SELECT ?x WHERE { ?x a gb:Taxon ; rdfs:label 'x'@en ; ?p }", store=ox.Store())
    assert str(info.value).startswith("query:1:")
    assert "unknown keyword" not in str(info.value)


def test_sparql_cli_unknown_keyword(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sparql", "--data", str(FIXTURE), "--query", "SELEC ?x WHERE {}"]) == 1
    err = capsys.readouterr().err
    assert "query:1:1: unknown keyword 'SELEC'; did you mean 'SELECT'?" in err
    assert "CONSTRUCT" not in err


@pytest.mark.server
def test_endpoint_unknown_keyword_is_400_at_the_token() -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint

    config = EndpointConfig(port=0, timeout=5, max_rows=10, workers=1)
    with SparqlEndpoint(config, ntriples=TRIPLE) as server:
        server.serve_in_background()
        url = f"{server.url}/query?" + urllib.parse.urlencode({"query": "SELEC ?x WHERE {}"})
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=30)  # noqa: S310 - our own local endpoint
        body = info.value.read().decode()
    assert info.value.code == 400
    assert body.startswith("query:1:1: unknown keyword 'SELEC'; did you mean 'SELECT'?")


# ---------------------------------------------------------------- unknown names

AKKERMANSIA = "did you mean 'Akkermansia muciniphila' (NCBITaxon:239935)?"


def test_unknown_name_suggests_the_node_holding_it() -> None:
    # data/nodes/literature.csv: NCBITaxon:239935,Akkermansia muciniphila,Taxon,Akk,...
    from gutbone.query.projection import build_projection
    from gutbone.query.resolve import UnknownNodeError, resolve

    projection = build_projection(load_curated())
    with pytest.raises(UnknownNodeError) as info:
        resolve(projection, "Akkermansia")
    assert str(info.value) == (
        "unknown node 'Akkermansia': no node id, label, synonym or category of the graph; "
        + AKKERMANSIA
    )
    with pytest.raises(UnknownNodeError) as info:
        resolve(projection, "Lachnospiraceea")  # a typo: the family comes first
    assert info.value.suggestions[0] == "'Lachnospiraceae' (NCBITaxon:186803)"
    with pytest.raises(UnknownNodeError) as info:
        resolve(projection, "ncbitaxon:239935")  # a CURIE in the wrong case
    assert info.value.suggestions == ("'Akkermansia muciniphila' (NCBITaxon:239935)",)


@pytest.mark.parametrize(
    "argv",
    [
        ["paths", "--from", "Akkermansia", "--to", "bone density"],
        ["view", "--focus", "Akkermansia", "--out", "OUT"],
        ["sparql", "taxon_metabolite_outcome", "--param", "taxon=Akkermansia"],
    ],
)
def test_cli_unknown_names_suggest(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(tmp_path / "view") if arg == "OUT" else arg for arg in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert AKKERMANSIA in err
    if argv[0] == "sparql":  # the CURIE parameter's own message comes first
        assert "parameter taxon: 'Akkermansia' is not a CURIE (expected PREFIX:ID), nor a " in err
    else:
        assert "unknown node 'Akkermansia'" in err
    assert "Traceback" not in err


def test_sparql_param_takes_names_and_synonyms_like_paths(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 'Lachnospiraceae' is the label of NCBITaxon:186803, '毛螺菌科' a synonym of it
    query = ["sparql", "taxon_metabolite_outcome", "--format", "csv"]
    assert main([*query, "--param", "taxon=NCBITaxon:186803"]) == 0
    by_curie = capsys.readouterr().out
    assert "propionate" in by_curie
    for name in ("Lachnospiraceae", "lachnospiraceae", "毛螺菌科"):
        assert main([*query, "--param", f"taxon={name}"]) == 0
        assert capsys.readouterr().out == by_curie, name


def test_sparql_param_category_and_ambiguous_names_are_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    query = ["sparql", "taxon_metabolite_outcome"]
    assert main([*query, "--param", "taxon=Taxon"]) == 1
    assert "parameter taxon: 'Taxon' is a category of " in capsys.readouterr().err
    # two curated nodes are labelled Ruminococcaceae (NCBITaxon:216572, NCBITaxon:541000)
    assert main([*query, "--param", "taxon=Ruminococcaceae"]) == 1
    err = capsys.readouterr().err
    assert "parameter taxon: ambiguous node 'Ruminococcaceae': it names " in err
    assert "NCBITaxon:216572 (" in err and "NCBITaxon:541000 (" in err
