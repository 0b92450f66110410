"""The SPARQL endpoint (gutbone serve), remote queries and loading into a real server.

The endpoint tests run the server in-process on the small fixture graph. The remote
tests start a real ``oxigraph serve`` (PyPI package ``oxigraph``) on 127.0.0.1, push the
curated graph with ``gutbone load`` and run the whole catalog against it. Without the
``oxigraph`` binary they fail in CI (CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.errors import QueryError
from gutbone.query import source as store_module
from gutbone.query.catalog import bind_parameters, load_catalog
from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
from gutbone.query.remote import graph_store_url, query_endpoint
from gutbone.query.source import load_source
from gutbone.query.sparql import XSD, QueryResult, Term, inline_values, run_query

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "data_small"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def small():
    return load_source(SMALL)


@pytest.fixture(scope="module")
def endpoint(small):
    config = EndpointConfig(port=0, timeout=1.5, max_rows=50, workers=2)
    with SparqlEndpoint(config, ntriples=small.ntriples) as server:
        server.serve_in_background()
        yield server


def request(url, *, data=None, method=None, headers=None):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def get(endpoint, query, accept="application/sparql-results+json"):
    url = f"{endpoint.url}/query?" + urllib.parse.urlencode({"query": query})
    return request(url, headers={"Accept": accept})


def count(endpoint) -> int:
    status, _, body = get(endpoint, COUNT)
    assert status == 200
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- protocol


def test_binds_localhost_by_default(endpoint):
    assert EndpointConfig().host == "127.0.0.1"
    assert endpoint.url.startswith("http://127.0.0.1:")


def test_get_json(endpoint, small):
    assert count(endpoint) == len(small.store)


def test_post_form_and_post_body(endpoint, small):
    query = "SELECT ?o WHERE { ?s <https://w3id.org/gutbone/vocab#produces> ?o }"
    form = urllib.parse.urlencode({"query": query}).encode()
    status, media, body = request(
        f"{endpoint.url}/query",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200 and media.startswith("application/sparql-results+json")
    values = [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert values == ["http://purl.obolibrary.org/obo/CHEBI_17968"]  # core.csv row e1
    status, _, body2 = request(
        f"{endpoint.url}/sparql",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert status == 200 and json.loads(body2) == json.loads(body)


@pytest.mark.parametrize(
    ("accept", "media", "start"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml", b"<?xml"),
        ("text/csv", "text/csv", b"n\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values", b"?n\n"),
        ("text/html;q=0.5, application/json", "application/json", b"{"),
        ("*/*", "application/sparql-results+json", b"{"),
    ],
)
def test_accept_negotiation(endpoint, accept, media, start):
    status, got, body = get(endpoint, COUNT, accept)
    assert status == 200
    assert got.split(";")[0] == media
    assert body.startswith(start)


def test_construct_as_ntriples_and_turtle(endpoint):
    produces = "<https://w3id.org/gutbone/vocab#produces>"
    query = f"CONSTRUCT {{ ?s {produces} ?o }} WHERE {{ ?s {produces} ?o }}"
    status, media, body = get(endpoint, query, "application/n-triples")
    assert status == 200 and media.startswith("application/n-triples")
    assert body.decode() == (
        "<http://purl.obolibrary.org/obo/NCBITaxon_186803> "
        "<https://w3id.org/gutbone/vocab#produces> "
        "<http://purl.obolibrary.org/obo/CHEBI_17968> .\n"
    )
    status, media, _ = get(endpoint, query, "text/turtle")
    assert status == 200 and media.startswith("text/turtle")


def test_unacceptable_media_type(endpoint):
    status, _, _ = get(endpoint, COUNT, "image/png")
    assert status == 406


def test_syntax_error_is_400_with_position(endpoint):
    status, _, body = get(endpoint, "SELECT ?x WHERE { ?x ?p }")
    assert status == 400
    assert body.decode().startswith("query:1:")


# ---------------------------------------------------------------- read-only


def test_updates_are_refused(endpoint, small):
    before = count(endpoint)
    form = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
    status, _, _ = request(
        f"{endpoint.url}/query",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 403
    status, _, _ = request(
        f"{endpoint.url}/query",
        data=b"DROP ALL",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert status == 403
    status, _, _ = request(f"{endpoint.url}/update", data=b"x", method="POST")
    assert status == 403
    for method in ("PUT", "DELETE", "PATCH"):
        status, _, _ = request(f"{endpoint.url}/query", data=b"x", method=method)
        assert status == 405, method
    # an update sent as a query is not a query
    status, _, _ = get(endpoint, "DROP ALL")
    assert status == 400
    assert count(endpoint) == before == len(small.store)


# ---------------------------------------------------------------- limits


def test_runaway_query_is_stopped_and_the_server_still_answers(endpoint, small):
    start = time.monotonic()
    status, _, body = get(endpoint, RUNAWAY)
    elapsed = time.monotonic() - start
    assert status == 503
    assert "time limit of 1.5 s" in body.decode()
    assert elapsed < 1.5 + 5  # stopped at the limit, not left running
    # the killed worker is replaced; both workers answer again
    for _ in range(4):
        assert count(endpoint) == len(small.store)


def test_result_size_limit(endpoint, small):
    assert len(small.store) ** 2 > 50  # the cartesian product exceeds the 50-row limit
    status, _, body = get(endpoint, CARTESIAN)
    assert status == 503
    assert "more than 50 rows" in body.decode()
    assert count(endpoint) == len(small.store)


def test_remote_client_against_our_endpoint(endpoint, small):
    result = query_endpoint(
        endpoint.url,
        "SELECT ?s ?o WHERE { ?s gb:produces ?o }",
        bindings={"s": Term.iri("http://purl.obolibrary.org/obo/NCBITaxon_186803")},
    )
    assert result.rows == (
        (
            Term.iri("http://purl.obolibrary.org/obo/NCBITaxon_186803"),
            Term.iri("http://purl.obolibrary.org/obo/CHEBI_17968"),
        ),
    )
    with pytest.raises(QueryError, match="HTTP 503"):
        query_endpoint(endpoint.url, CARTESIAN)


def test_serve_command_runs_a_server(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gutbone",
            "serve",
            "--port",
            "0",
            "--data",
            str(SMALL),
            "--workers",
            "1",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if "SPARQL endpoint at" in line:
                url = line.split("SPARQL endpoint at ", 1)[1].split()[0]
        assert url is not None and url.startswith("http://127.0.0.1:")
        status, _, body = request(url + "?" + urllib.parse.urlencode({"query": "ASK {}"}))
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---------------------------------------------------------------- remote helpers


def test_inline_values_goes_into_the_where_group():
    text = 'PREFIX x: <http://e/{where}>\nSELECT ?where WHERE { ?where ?p "WHERE {" }'
    out = inline_values(text, {"where": Term.literal('a"b')})
    assert out == (
        'PREFIX x: <http://e/{where}>\nSELECT ?where WHERE { VALUES (?where) { ("a\\"b") } '
        '?where ?p "WHERE {" }'
    )


def test_graph_store_urls():
    assert graph_store_url("http://h:7878/") == "http://h:7878/store?default"
    assert (
        graph_store_url("http://h:7200/repositories/kg/rdf-graphs/service")
        == "http://h:7200/repositories/kg/rdf-graphs/service?default"
    )
    with pytest.raises(QueryError, match="not a valid IRI"):
        graph_store_url("http://h:7878", "http://e/a b")
    with pytest.raises(QueryError, match="not an http"):
        graph_store_url("ftp://h/store")


def test_unreachable_endpoint_is_a_clear_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(QueryError, match="cannot reach the endpoint"):
        query_endpoint(f"http://127.0.0.1:{port}", "ASK {}", timeout=5)


# ---------------------------------------------------------------- a real Oxigraph server


def _oxigraph_binary() -> str:
    candidates = [Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return str(candidate)
    message = "the `oxigraph` server binary is missing (pip install oxigraph)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    binary = _oxigraph_binary()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                query_endpoint(url + "/query", "ASK {}", timeout=2)
                break
            except QueryError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def curated():
    return load_source()


def _normalised(result: QueryResult) -> list[tuple]:
    def norm(term):
        if term is None:
            return None
        if term.kind == "literal" and term.datatype in (XSD + "decimal", XSD + "integer"):
            return ("number", Decimal(term.value).normalize())
        return (term.kind, term.value, term.datatype, term.language)

    return sorted((tuple(norm(t) for t in row) for row in result.rows), key=repr)


def test_load_then_catalog_on_oxigraph_server(oxigraph_server, curated, capsys):
    assert main(["load", "--endpoint", oxigraph_server]) == 0
    out = capsys.readouterr().out
    assert f"added {len(curated.store)} triples (default graph)" in out
    remote_count = query_endpoint(oxigraph_server + "/query", COUNT).rows[0][0]
    assert int(remote_count.value) == len(curated.store)

    required = {"edge_evidence": {"subject": "CHEBI:26666"}, "search_nodes": {"text": "RANKL"}}
    for name, query in load_catalog().items():
        bindings = bind_parameters(query, required.get(name, {}))
        embedded = run_query(query.text, store=curated.store, bindings=bindings, source=name)
        remote = query_endpoint(
            oxigraph_server + "/query", query.text, bindings=bindings, source=name
        )
        assert remote.variables == embedded.variables, name
        assert remote.rows, name
        assert _normalised(remote) == _normalised(embedded), name


def test_cli_sparql_endpoint_matches_embedded(oxigraph_server, curated, capsys, monkeypatch):
    assert main(["load", "--endpoint", oxigraph_server + "/store", "--replace"]) == 0
    capsys.readouterr()
    argv = ["sparql", "neighbourhood", "--param", "node=HGNC:11909", "--format", "json"]
    assert main([*argv, "--endpoint", oxigraph_server + "/query"]) == 0
    remote = json.loads(capsys.readouterr().out)
    monkeypatch.setattr(store_module, "load_source", lambda *a, **k: curated)
    assert main(argv) == 0
    embedded = json.loads(capsys.readouterr().out)
    assert remote["head"] == embedded["head"]
    key = lambda b: json.dumps(b, sort_keys=True)  # noqa: E731
    assert sorted(remote["results"]["bindings"], key=key) == sorted(
        embedded["results"]["bindings"], key=key
    )
    # injection attempt through --endpoint is refused before anything is sent
    assert (
        main(
            [
                "sparql",
                "neighbourhood",
                "--param",
                "node=x> } DROP ALL #",
                "--endpoint",
                oxigraph_server,
            ]
        )
        == 1
    )
    assert "is not a CURIE" in capsys.readouterr().err
    assert int(query_endpoint(oxigraph_server + "/query", COUNT).rows[0][0].value) == len(
        curated.store
    )


def test_load_into_a_named_graph(oxigraph_server, curated, capsys):
    graph = "https://w3id.org/gutbone/graph"
    assert main(["load", "--endpoint", oxigraph_server, "--graph", graph, "--replace"]) == 0
    assert "replaced" in capsys.readouterr().out
    result = query_endpoint(
        oxigraph_server + "/query",
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    )
    assert int(result.rows[0][0].value) == len(curated.store)
