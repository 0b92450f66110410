"""SPARQL on the embedded stores: parameters, injection, errors, output formats.

Everything here runs on the small committed fixture graph (tests/fixtures/data_small:
4 nodes, 3 assertions), so every expected value is written out by hand from its CSV rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from gutbone.cli import main
from gutbone.errors import QueryError
from gutbone.query.catalog import (
    bind_adhoc,
    bind_parameters,
    convert_value,
    parse_query_text,
    read_query_file,
)
from gutbone.query.source import load_source
from gutbone.query.sparql import (
    XSD,
    QueryLimitError,
    QueryLimits,
    QueryRefused,
    QueryResult,
    Term,
    format_result,
    parse_results_json,
    run_query,
)
from gutbone.store import memory_store

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "data_small"
QUERIES = FIXTURES / "query"
OBO = "http://purl.obolibrary.org/obo/"
LACHNO = OBO + "NCBITaxon_186803"
BUTYRATE = OBO + "CHEBI_17968"
BMD = "http://www.ebi.ac.uk/efo/EFO_0003923"
NC2004 = "https://w3id.org/gutbone/node/lachnospiraceae_nc2004_group"

EDGES = """
SELECT ?s ?p ?o ?sign WHERE {
  ?a rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; gb:sign ?sign
} ORDER BY ?s
"""


@pytest.fixture(scope="module")
def small():
    return load_source(SMALL)


def run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------- engines


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_both_engines_read_the_three_fixture_assertions(small, engine):
    result = run_query(EDGES, store=small.store, graph=small.graph, engine=engine)
    assert result.variables == ("s", "p", "o", "sign")
    # data_small/edges/core.csv rows e1 (Lachnospiraceae produces butyrate, +1),
    # e2 (butyrate increases BMD, +1), e3 (NC2004 group associated_with BMD, -1).
    got = [(r[0].value, r[1].value.rsplit("#", 1)[1], r[2].value, r[3].value) for r in result.rows]
    assert got == [
        (BUTYRATE, "increases", BMD, "1"),
        (LACHNO, "produces", BUTYRATE, "1"),
        (NC2004, "associated_with", BMD, "-1"),
    ]
    integer = Term.literal("1", XSD + "integer")
    assert result.rows[0][3] == integer


def test_decimal_values_survive_with_equal_value_on_both_engines(small):
    query = "SELECT ?e WHERE { ?x gb:estimate ?e } ORDER BY ?e"
    ox_rows = run_query(query, store=small.store).rows
    rdf_rows = run_query(query, graph=small.graph, engine="rdflib").rows
    # e3 estimate -0.04 and e2 estimate 0.050 (core.csv); Oxigraph stores xsd:decimal in
    # canonical form (0.05), rdflib keeps the lexical form: equal as numbers.
    from decimal import Decimal

    assert [Decimal(r[0].value) for r in ox_rows] == [Decimal("-0.04"), Decimal("0.05")]
    assert [Decimal(r[0].value) for r in rdf_rows] == [Decimal("-0.04"), Decimal("0.05")]


def test_row_limit_stops_a_large_result(small):
    with pytest.raises(QueryLimitError, match="more than 10 rows"):
        run_query("SELECT * WHERE { ?s ?p ?o }", store=small.store, max_rows=10)


def test_memory_store_and_ask():
    store = memory_store('<http://e/a> <http://e/p> "x" .\n')
    assert run_query('ASK { ?s ?p "x" }', store=store) == QueryResult("ask", boolean=True)
    assert run_query('ASK { ?s ?p "y" }', store=store).boolean is False


# ---------------------------------------------------------------- parameters


def test_parameters_are_bound_as_terms_on_both_engines(small):
    query = read_query_file(QUERIES / "produced_by.rq")
    bindings = bind_parameters(query, {"taxon": "NCBITaxon:186803"})
    assert bindings["taxon"] == Term("uri", LACHNO)
    assert bindings["minimum"] == Term("literal", "0", XSD + "integer")
    for engine in ("oxigraph", "rdflib"):
        result = run_query(
            query.text, store=small.store, graph=small.graph, engine=engine, bindings=bindings
        )
        assert [(r[2].value, r[3].value) for r in result.rows] == [(BUTYRATE, "butyrate")]
        # the bound parameter shows in its column
        assert result.rows[0][0].value == LACHNO


def test_integer_parameter_filters(small):
    query = read_query_file(QUERIES / "produced_by.rq")
    bindings = bind_parameters(query, {"taxon": "NCBITaxon:186803", "minimum": "2"})
    assert run_query(query.text, store=small.store, bindings=bindings).rows == ()


def test_unknown_and_missing_parameters_are_clear_errors():
    query = read_query_file(QUERIES / "produced_by.rq")
    with pytest.raises(
        QueryError, match=r"unknown parameter\(s\) taxom \(parameters: taxon, minimum\)"
    ):
        bind_parameters(query, {"taxom": "NCBITaxon:186803"})
    with pytest.raises(QueryError, match="missing required parameter taxon"):
        bind_parameters(query, {})
    with pytest.raises(QueryError, match="'1.5' is not an integer"):
        bind_parameters(query, {"taxon": "NCBITaxon:186803", "minimum": "1.5"})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x> } ; DROP ALL ; #", "is not a CURIE"),
        ("NCBITaxon:1> } ; DROP ALL ; #", "does not match the NCBITaxon identifier pattern"),
        ("ncbitaxon:816", "must be written 'NCBITaxon'"),
        ("FOO:1", "unknown CURIE prefix 'FOO'"),
    ],
)
def test_injection_attempts_in_curie_parameters_are_refused(value, message):
    with pytest.raises(QueryError, match=message):
        convert_value("taxon", "curie", value)


def test_injection_attempt_through_the_cli_is_refused_and_the_store_is_intact(capsys):
    code, out, err = run(
        [
            "sparql",
            str(QUERIES / "produced_by.rq"),
            "--data",
            str(SMALL),
            "--param",
            "taxon=x> } ; DROP ALL ; #",
        ],
        capsys,
    )
    assert code == 1
    assert out == ""
    assert "parameter taxon" in err and "is not a CURIE" in err


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_label_with_quotes_is_an_inert_literal(small, engine):
    before = len(small.store)
    hostile = 'butyrate" . } DELETE WHERE { ?s ?p ?o } #'
    query = "SELECT ?text ?n WHERE { ?n rdfs:label ?l . FILTER(STR(?l) = ?text) }"
    result = run_query(
        query,
        store=small.store,
        graph=small.graph,
        engine=engine,
        bindings={"text": convert_value("text", "string", hostile)},
    )
    assert result.rows == ()
    assert len(small.store) == before
    # the same query finds the real label
    found = run_query(
        query,
        store=small.store,
        graph=small.graph,
        engine=engine,
        bindings={"text": convert_value("text", "string", "butyrate")},
    )
    assert [r[1].value for r in found.rows] == [BUTYRATE]


def test_string_literal_escaping_for_n3():
    term = Term.literal('a "b"\\ \nc')
    assert term.n3() == '"a \\"b\\"\\\\ \\nc"'


def test_iri_parameter_refuses_brackets_and_spaces():
    with pytest.raises(QueryError, match="not a valid IRI"):
        convert_value("source", "iri", "http://e/x> . ?s ?p ?o")
    assert convert_value("source", "iri", "https://w3id.org/gutbone/source/toy").kind == "uri"


def test_vocabulary_parameters_check_names():
    assert convert_value("c", "category", "ImmuneCell").value.endswith("#ImmuneCell")
    assert convert_value("p", "predicate", "gb:increases").value.endswith("#increases")
    assert convert_value("e", "evidence", "rct_meta_analysis").value.endswith("#rct_meta_analysis")
    with pytest.raises(QueryError, match="'Bacterium' is not a known category"):
        convert_value("c", "category", "Bacterium")


def test_adhoc_parameter_forms():
    bound = bind_adhoc(
        {
            "a": "CHEBI:17968",
            "b": "gb:increases",
            "c": "3",
            "d": '"3"',
            "e": "<http://e/x>",
            "f": "0.5",
            "g": "free text",
        }
    )
    assert bound["a"] == Term("uri", BUTYRATE)
    assert bound["b"] == Term("uri", "https://w3id.org/gutbone/vocab#increases")
    assert bound["c"] == Term("literal", "3", XSD + "integer")
    assert bound["d"] == Term("literal", "3")
    assert bound["e"] == Term("uri", "http://e/x")
    assert bound["f"] == Term("literal", "0.5", XSD + "decimal")
    assert bound["g"] == Term("literal", "free text")
    with pytest.raises(QueryError):
        bind_adhoc({"a": "CHEBI:abc"})


def test_header_errors_name_the_file_and_line():
    good = "# title: t\n# description: d\n# example: e\nSELECT ?x WHERE { ?x ?p ?o }\n"
    assert parse_query_text(good, name="q").title == "t"
    with pytest.raises(QueryError, match=r"q:3: parameter x: unknown type 'node'"):
        parse_query_text(
            good.replace("# example", "# param: x node required d\n# example"), name="q"
        )
    with pytest.raises(QueryError, match="parameter y is not a variable of the query"):
        parse_query_text(
            good.replace("# example", "# param: y curie required d\n# example"), name="q"
        )
    with pytest.raises(QueryError, match="default of parameter x"):
        parse_query_text(
            good.replace("# example", "# param: x curie default=CL:1 d\n# example"), name="q"
        )
    with pytest.raises(QueryError, match="the header has no example"):
        parse_query_text(good.replace("# example: e\n", ""), name="q")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_malformed_query_gives_file_line_and_column(engine, capsys):
    code, out, err = run(
        [
            "sparql",
            str(QUERIES / "malformed.rq"),
            "--data",
            str(SMALL),
            "--engine",
            engine,
        ],
        capsys,
    )
    assert code == 1
    assert out == ""
    # malformed.rq line 4 is "  ?s gb:produces ." (the object is missing)
    assert f"error: {QUERIES / 'malformed.rq'}:4:" in err
    assert "SPARQL syntax error" in err


def test_malformed_inline_query(small):
    with pytest.raises(QueryError, match=r"^query:1:\d+: SPARQL syntax error"):
        run_query("SELECT ?x WHERE { ?x ?p }", store=small.store)


def test_an_update_is_not_a_query(small):
    with pytest.raises(QueryError, match="SPARQL syntax error"):
        run_query("DROP ALL", store=small.store)
    assert len(small.store) > 0


def test_unknown_catalog_name_and_missing_target(capsys):
    code, _, err = run(["sparql", "no_such_query"], capsys)
    assert code == 1 and "no catalog query named 'no_such_query'" in err
    code, _, err = run(["sparql"], capsys)
    assert code == 1 and "give a catalog query NAME" in err


def test_adhoc_parameter_need_not_be_projected_on_oxigraph(small):
    # bound as a VALUES block (not substitutions=): ?s restricts the rows without being
    # selected; the same rows as the query with the IRI written in
    got = run_query(
        "SELECT ?o WHERE { ?s gb:produces ?o }",
        store=small.store,
        bindings={"s": Term.iri(LACHNO)},
    )
    written = run_query(f"SELECT ?o WHERE {{ <{LACHNO}> gb:produces ?o }}", store=small.store)
    assert sorted(got.rows) == sorted(written.rows) and len(got.rows) >= 1


def test_oxigraph_columns_follow_the_projection_with_unbound_values() -> None:
    """Each column holds its variable's value (None when unbound), whatever the order.

    ?x p ?y matches a -> b; a has no q (?z unbound), b q "x" (?w bound).
    """
    store = ox.Store()
    store.load(b'<http://e/a> <http://e/p> <http://e/b> .\n<http://e/b> <http://e/q> "x" .\n',
               format=ox.RdfFormat.N_TRIPLES)  # fmt: skip
    where = "WHERE { ?x <http://e/p> ?y OPTIONAL { ?x <http://e/q> ?z } OPTIONAL { ?y <http://e/q> ?w } }"
    a, x = Term.iri("http://e/a"), Term.literal("x")
    assert run_query(f"SELECT ?z ?w ?x {where}", store=store).rows == ((None, x, a),)
    assert run_query(f"SELECT ?x ?z ?w {where}", store=store).rows == ((a, None, x),)


# ---------------------------------------------------------------- output formats


def _edges(small) -> QueryResult:
    return run_query(
        "SELECT ?s ?label ?sign WHERE { ?a rdf:subject ?s ; gb:sign ?sign . "
        "OPTIONAL { ?s gb:note ?label } } ORDER BY ?sign ?s",
        store=small.store,
    )


def test_csv_output(small):
    # only the NC2004 group has a note (core.csv, node row 5)
    note = "No NCBITaxon node for this MiBioGen genus group."
    assert format_result(_edges(small), "csv") == (
        f"s,label,sign\r\n{NC2004},{note},-1\r\n{BUTYRATE},,1\r\n{LACHNO},,1\r\n"
    )


def test_tsv_output(small):
    integer = "^^<http://www.w3.org/2001/XMLSchema#integer>"
    note = '"No NCBITaxon node for this MiBioGen genus group."'
    assert format_result(_edges(small), "tsv") == (
        "?s\t?label\t?sign\n"
        f'<{NC2004}>\t{note}\t"-1"{integer}\n'
        f'<{BUTYRATE}>\t\t"1"{integer}\n'
        f'<{LACHNO}>\t\t"1"{integer}\n'
    )


def test_json_output_is_sparql_results_json(small):
    document = json.loads(format_result(_edges(small), "json"))
    assert document["head"] == {"vars": ["s", "label", "sign"]}
    first, second = document["results"]["bindings"][:2]
    assert first["s"] == {"type": "uri", "value": NC2004}
    assert first["sign"] == {"type": "literal", "value": "-1", "datatype": XSD + "integer"}
    assert "label" not in second  # unbound variables are left out
    assert parse_results_json(format_result(_edges(small), "json")) == _edges(small)


def test_table_output_compacts_iris(small):
    table = format_result(_edges(small), "table")
    lines = table.splitlines()
    assert lines[0].split() == ["s", "label", "sign"]
    assert lines[2].startswith("gutbone:lachnospiraceae_nc2004_group  No NCBITaxon node")
    assert lines[3].split() == ["CHEBI:17968", "1"]
    assert lines[-1] == "(3 rows)"


def test_xml_output_escapes(small):
    from gutbone.query.sparql import results_xml

    result = QueryResult("select", ("x",), ((Term.literal("a<b&c", language="en"),),))
    assert '<literal xml:lang="en">a&lt;b&amp;c</literal>' in results_xml(result)


# ---------------------------------------------------------------- CLI


def test_cli_query_text_with_param_and_json(capsys):
    code, out, _ = run(
        [
            "sparql",
            "--data",
            str(SMALL),
            "--query",
            "SELECT ?s ?o WHERE { ?s gb:produces ?o }",
            "--param",
            "s=NCBITaxon:186803",
            "--format",
            "json",
        ],
        capsys,
    )
    assert code == 0
    bindings = json.loads(out)["results"]["bindings"]
    assert bindings == [
        {"s": {"type": "uri", "value": LACHNO}, "o": {"type": "uri", "value": BUTYRATE}}
    ]


def test_cli_file_without_header_and_csv(capsys):
    code, out, _ = run(
        ["sparql", str(QUERIES / "labels.rq"), "--data", str(SMALL), "--format", "csv"], capsys
    )
    assert code == 0
    labels = out.split("\r\n")[1:-1]
    # the four node labels of core.csv, plus the toy source title and ontology labels
    for label in ("Lachnospiraceae", "Lachnospiraceae NC2004 group", "bone density", "butyrate"):
        assert label in labels


def test_cli_on_disk_store_is_opened_read_only(tmp_path, capsys, small):
    folder = tmp_path / "store"
    writer = ox.Store(str(folder))
    writer.bulk_load(small.ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    writer.flush()
    del writer
    code, out, _ = run(
        ["sparql", "--store", str(folder), "--format", "csv", "--query", EDGES], capsys
    )
    assert code == 0
    assert out.count("\r\n") == 4  # header + the three assertions
    store = ox.Store.read_only(str(folder))
    with pytest.raises(RuntimeError, match="read-write"):
        store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("x")))


def test_cli_missing_store_folder(tmp_path, capsys):
    code, _, err = run(["sparql", "--store", str(tmp_path / "nope"), "--query", EDGES], capsys)
    assert code == 1 and "no such store folder" in err


def test_cli_param_syntax(capsys):
    code, _, err = run(["sparql", "--data", str(SMALL), "--query", EDGES, "--param", "x"], capsys)
    assert code == 1 and "expected NAME=VALUE" in err


# ---------------------------------------------------------------- refused before execution
#
# gutbone opens no connection at run time: SERVICE is refused in every engine, and rdflib's
# FROM (which downloads the named graph) too. Queries nested or chained beyond the parse-time
# limits are refused instead of overflowing the engine's native stack (a segfault, rc 139,
# with 50,000 nested groups before the limits existed).

SERVICE_QUERIES = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o OPTIONAL { { service<http://127.0.0.1:9/x>{?s ?p ?o} } } }",
    "ASK { SeRvIcE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://127.0.0.1:9/x> } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",  # escape
    "CONSTRUCT { ?s ?p ?o } WHERE { # comment }\n SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_service_is_refused_in_every_engine(small, engine, query):
    with pytest.raises(QueryRefused, match=r"^query:\d+:\d+: SERVICE is refused"):
        run_query(query, store=small.store, graph=small.graph, engine=engine)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p 'SERVICE <http://e/> {}' }",  # inside a string
        'SELECT * WHERE { ?s ?p """\nSERVICE\n""" }',
        "SELECT ?service WHERE { ?service ?p ?o } # SERVICE <http://e/>",  # variable, comment
        "PREFIX service: <http://e/>\nSELECT * WHERE { ?s service:SERVICE ?o }",  # names
        "SELECT * WHERE { ?s <http://e/SERVICE> ?o }",  # inside an IRI
    ],
)
def test_the_word_service_elsewhere_is_not_refused(small, query):
    assert run_query(query, store=small.store).kind == "select"
    assert run_query(query, graph=small.graph, engine="rdflib").kind == "select"


@pytest.mark.parametrize("clause", ["FROM <http://127.0.0.1:9/g>", "FROM NAMED <http://e/g>"])
def test_from_is_refused_with_rdflib_and_allowed_with_oxigraph(small, clause):
    query = f"SELECT * {clause} WHERE {{ ?s ?p ?o }}"
    with pytest.raises(QueryRefused, match=r"^query:1:10: FROM / FROM NAMED is refused"):
        run_query(query, graph=small.graph, engine="rdflib")
    # Oxigraph reads FROM graphs from the store (none here: an empty answer, no download)
    assert run_query(query, store=small.store).rows == ()


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * WHERE " + "{" * 50_000 + "}" * 50_000, "more than the limit of 100,000"),
        ("SELECT * WHERE " + "{" * 65 + "}" * 65, r"^query:1:80: .*deeper than 64 levels"),
        ("ASK { FILTER(" + "(" * 70 + "1" + ")" * 70 + ") }", "deeper than 64 levels"),
        ("ASK { ?s " + "/".join(["<http://e/p>"] * 1101) + " ?o }", "1,100 operators"),
        # 1,001 OPTIONAL keywords and the * of SELECT *
        ("SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * 1001 + "}", "1,002 operators"),
    ],
)
def test_parse_time_limits(small, engine, query, message):
    with pytest.raises(QueryRefused, match=message):
        run_query(query, store=small.store, graph=small.graph, engine=engine)


def test_limits_can_be_set_and_leave_ordinary_queries_alone(small):
    nested = "SELECT * WHERE " + "{" * 10 + "?s ?p ?o" + "}" * 10
    assert len(run_query(nested, store=small.store).rows) == len(small.store)
    with pytest.raises(QueryRefused, match="deeper than 5 levels"):
        run_query(nested, store=small.store, limits=QueryLimits(max_depth=5))


def test_timeout_stops_waiting_for_a_slow_query(small):
    # three-way cartesian product of the fixture graph: len(store)**3 solutions
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    assert len(small.store) ** 3 > 10**5
    with pytest.raises(QueryLimitError, match="time limit of 0.01 s"):
        run_query(query, store=small.store, timeout=0.01)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SERVICE_QUERIES[1], "error: query:1:18: SERVICE is refused"),
        ("SELECT * WHERE " + "{" * 50_000 + "}" * 50_000, "error: query: the query has 100,015"),
        # "{" at column 5 and "FILTER(" make 2 levels; the 63rd of the nested "(" (column 76) is level 65
        ("ASK { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }", "1:76: the query is nested"),
    ],
)
def test_cli_refuses_before_building_the_graph(query, message, capsys):
    code, out, err = run(["sparql", "--query", query, "--data", str(SMALL)], capsys)
    assert code == 1 and out == ""
    assert err.startswith("error: query") and message in err
    assert "Traceback" not in err


def test_cli_timeout_stops_a_cartesian_query():
    import subprocess
    import sys
    import time

    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    argv = ["sparql", "--query", runaway, "--data", str(SMALL), "--timeout", "1"]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "gutbone", *argv], capture_output=True, text=True, timeout=120
    )
    elapsed = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert "error: the query ran longer than the time limit of 1 s" in done.stderr
    assert elapsed < 60  # well before the engine would finish (len(store)**4 solutions)


@pytest.mark.parametrize(
    "option", [["--timeout", "0"], ["--timeout", "-1"], ["--timeout", "nan"], ["--timeout", "x"]]
)
def test_cli_timeout_must_be_positive(option, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sparql", "--query", "ASK {}", *option])
    assert stop.value.code == 2
    assert "--timeout" in capsys.readouterr().err
