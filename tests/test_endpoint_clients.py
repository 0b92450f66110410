"""The endpoint with the standard clients, their defaults untouched (issue 15, item 5).

SPARQLWrapper 2 (GET, XML results for SELECT/ASK, ``application/rdf+xml`` for CONSTRUCT,
plus its ``format``/``output``/``results`` query parameters) and rdflib's SPARQLStore
(GET, ``xml``); then content negotiation of CONSTRUCT/DESCRIBE results, the SPARQL 1.1
service description at ``GET /query`` and CORS on and off. Expected values are the rows
of tests/fixtures/data_small (edges/core.csv e1: Lachnospiraceae produces butyrate).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
from gutbone.query.source import load_source

pytestmark = pytest.mark.server

SMALL = Path(__file__).parent / "fixtures" / "data_small"
PRODUCES = "https://w3id.org/gutbone/vocab#produces"
LACHNO = "http://purl.obolibrary.org/obo/NCBITaxon_186803"
BUTYRATE = "http://purl.obolibrary.org/obo/CHEBI_17968"
CONSTRUCT = f"CONSTRUCT {{ ?s <{PRODUCES}> ?o }} WHERE {{ ?s <{PRODUCES}> ?o }}"
SELECT = f"SELECT ?s ?o WHERE {{ ?s <{PRODUCES}> ?o }}"
ASK = f"ASK {{ <{LACHNO}> <{PRODUCES}> <{BUTYRATE}> }}"
SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.fixture(scope="module")
def small():
    return load_source(SMALL)


@pytest.fixture(scope="module")
def endpoint(small):
    with SparqlEndpoint(EndpointConfig(port=0, workers=1), ntriples=small.ntriples) as server:
        server.serve_in_background()
        yield server


@pytest.fixture(scope="module")
def cors_endpoint(small):
    config = EndpointConfig(port=0, workers=1, cors="https://app.example.org")
    with SparqlEndpoint(config, ntriples=small.ntriples) as server:
        server.serve_in_background()
        yield server


def fetch(url, *, headers=None, method=None):
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def query_url(endpoint, query):
    return f"{endpoint.url}/query?" + urllib.parse.urlencode({"query": query})


# ---------------------------------------------------------------- SPARQLWrapper


def test_sparqlwrapper_defaults(endpoint):
    from SPARQLWrapper import SPARQLWrapper

    client = SPARQLWrapper(endpoint.url + "/query")
    client.setQuery(SELECT)
    rows = client.query().convert()  # XML results, parsed by minidom
    bindings = rows.getElementsByTagName("binding")
    assert [b.getAttribute("name") for b in bindings] == ["s", "o"]
    assert [b.getElementsByTagName("uri")[0].firstChild.data for b in bindings] == [
        LACHNO,
        BUTYRATE,
    ]
    client.setQuery(ASK)
    ask = client.query().convert()
    assert ask.getElementsByTagName("boolean")[0].firstChild.data == "true"
    client.setQuery(CONSTRUCT)
    graph = client.query().convert()  # RDF/XML, parsed by rdflib
    assert set(graph) == {(URIRef(LACHNO), URIRef(PRODUCES), URIRef(BUTYRATE))}


def test_sparqlwrapper_json_and_post(endpoint):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    client = SPARQLWrapper(endpoint.url + "/query", returnFormat=JSON)
    client.setMethod(POST)
    client.setQuery(SELECT)
    result = client.query().convert()
    assert result["results"]["bindings"] == [
        {"s": {"type": "uri", "value": LACHNO}, "o": {"type": "uri", "value": BUTYRATE}}
    ]


# ---------------------------------------------------------------- rdflib SPARQLStore


def test_rdflib_sparqlstore_defaults(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(endpoint.url + "/query")
    graph = Graph(store=store)
    rows = [(str(s), str(o)) for s, o in graph.query(SELECT)]
    assert rows == [(LACHNO, BUTYRATE)]
    assert graph.query(ASK).askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert set(constructed) == {(URIRef(LACHNO), URIRef(PRODUCES), URIRef(BUTYRATE))}
    assert len(graph) > 0  # COUNT through the store


# ---------------------------------------------------------------- negotiation


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("*/*", "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_graph_results_in_each_format(endpoint, small, accept, media, fmt, form):
    query = CONSTRUCT if form == "CONSTRUCT" else f"DESCRIBE <{LACHNO}>"
    status, headers, body = fetch(query_url(endpoint, query), headers={"Accept": accept})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    triples = {(t.subject.value, t.predicate.value, t.object.value) for t in ox.parse(body, format=fmt)}
    assert (LACHNO, PRODUCES, BUTYRATE) in triples
    if form == "CONSTRUCT":
        assert len(triples) == 1
    else:  # every triple of Lachnospiraceae in the fixture graph
        expected = {
            (str(s), str(p), str(o)) for s, p, o in small.graph.triples((URIRef(LACHNO), None, None))
        }
        assert {t for t in triples if t[0] == LACHNO} == expected


def test_graph_results_refuse_a_results_only_type(endpoint):
    status, _, body = fetch(
        query_url(endpoint, CONSTRUCT), headers={"Accept": "application/sparql-results+json"}
    )
    assert status == 406 and b"text/turtle" in body


# ---------------------------------------------------------------- service description


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, ox.RdfFormat.TURTLE),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ],
)
def test_service_description(endpoint, small, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    status, answer, body = fetch(endpoint.url + "/query", headers=headers)
    assert status == 200
    graph = Graph()
    graph.parse(data=ox.serialize(ox.parse(body, format=fmt), format=ox.RdfFormat.N_TRIPLES), format="nt")
    services = list(graph.subjects(URIRef(SD + "endpoint"), None))
    assert len(services) == 1
    service = services[0]
    assert graph.value(service, URIRef(SD + "endpoint")) == URIRef(endpoint.url + "/query")
    assert graph.value(service, URIRef(SD + "supportedLanguage")) == URIRef(SD + "SPARQL11Query")
    formats = {str(o) for o in graph.objects(service, URIRef(SD + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/RDF_XML" in formats
    dataset = graph.value(service, URIRef(SD + "defaultDataset"))
    default = graph.value(dataset, URIRef(SD + "defaultGraph"))
    triples = graph.value(default, URIRef("http://rdfs.org/ns/void#triples"))
    assert int(triples) == len(small.store)
    # no federation is advertised: SERVICE is refused
    assert URIRef(SD + "BasicFederatedQuery") not in set(graph.objects(service, None))


# ---------------------------------------------------------------- CORS


def test_cors_off_by_default(endpoint):
    status, headers, _ = fetch(
        query_url(endpoint, ASK), headers={"Origin": "https://app.example.org"}
    )
    assert status == 200 and headers.get("Access-Control-Allow-Origin") is None
    status, headers, _ = fetch(
        endpoint.url + "/query",
        method="OPTIONS",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204 and headers.get("Access-Control-Allow-Origin") is None


def test_cors_on(cors_endpoint):
    status, headers, body = fetch(
        query_url(cors_endpoint, ASK),
        headers={"Origin": "https://app.example.org", "Accept": "application/json"},
    )
    assert status == 200 and json.loads(body)["boolean"] is True
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Origin" in headers["Vary"]
    status, headers, _ = fetch(
        cors_endpoint.url + "/query",
        method="OPTIONS",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]
    # errors carry the header too, so a browser page can read the message
    status, headers, _ = fetch(query_url(cors_endpoint, "SELECT ?x WHERE { ?x ?p }"))
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "https://app.example.org"
