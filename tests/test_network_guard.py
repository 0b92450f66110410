"""No network at run time: every command that could open a connection, under a guard.

Two independent witnesses:

- a **local listener** (a TCP server on 127.0.0.1) that records every connection made to
  it; hostile inputs name it (``SERVICE <http://127.0.0.1:PORT/...>``, ``"@context":
  "http://127.0.0.1:PORT/..."``, ``@import``), so a connection from native code (Oxigraph's
  own HTTP client) is seen too;
- a **socket guard**: a Python audit hook (PEP 578) that records and blocks every
  ``socket.connect``, DNS lookup and ``urllib``/``http.client`` request while a command
  runs (``sitecustomize.py`` installs the same hook in subprocesses such as
  ``gutbone serve`` and its query workers).

Commands whose job is a given endpoint (``sparql --endpoint``, ``load --endpoint``) are
the only ones allowed to connect, and are not run here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbone.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "data_small"
GUARD_DIR = FIXTURES / "netguard"
sys.path.insert(0, str(GUARD_DIR))
import netguard  # noqa: E402 - the guard shared with subprocesses (fixtures/netguard)

sys.path.remove(str(GUARD_DIR))


class Listener:
    """A TCP server on 127.0.0.1 that records who connects (and answers HTTP 200)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(4096)
                except OSError:
                    head = b""
                self.connections.append(head)
                body = b'{"@context": {"p": "http://e/p"}}'
                try:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/ld+json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def guarded(listener: Listener) -> Iterator[list[str]]:
    """Block and record every connection attempt; fail if one was made."""
    before = len(listener.connections)
    with netguard.guard() as attempts:
        yield attempts
    time.sleep(0.05)  # let the listener record a late connection
    assert attempts == [], f"outbound network attempts: {attempts}"
    assert listener.connections[before:] == [], "the local listener was connected to"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    return code, captured.out, captured.err


# ---------------------------------------------------------------- JSON-LD inputs


def _write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _hostile_jsonld(tmp_path: Path, url: str) -> dict[str, Path]:
    node = {"@id": "http://e/a", "p": "x"}
    return {
        "remote": _write(tmp_path / "remote.jsonld", {"@context": url + "/ctx", **node}),
        "json": _write(tmp_path / "remote.json", {"@context": [url + "/ctx"], **node}),
        "import": _write(
            tmp_path / "import.jsonld", {"@context": {"@import": url + "/ctx"}, **node}
        ),
        "nested": _write(
            tmp_path / "nested.jsonld",
            {"@context": {}, "@graph": [{"@context": url + "/ctx", **node}]},
        ),
        "scoped": _write(
            tmp_path / "scoped.jsonld",
            {"@context": {"t": {"@id": "http://e/t", "@context": url + "/ctx"}}, **node},
        ),
    }


@pytest.mark.parametrize("case", ["remote", "json", "import", "nested", "scoped"])
def test_validate_refuses_remote_contexts(case, tmp_path, listener, guarded, capsys):
    path = _hostile_jsonld(tmp_path, listener.url)[case]
    code, _, err = run(["validate", str(path)], capsys)
    assert code == 1
    key = "@import" if case == "import" else "@context"
    assert err.startswith(f"error: {path}:0:{key}: ")
    assert f"'{listener.url}/ctx' is not fetched (no network access at run time)" in err


@pytest.mark.parametrize("case", ["remote", "import"])
def test_import_refuses_remote_contexts(case, tmp_path, listener, guarded, capsys):
    path = _hostile_jsonld(tmp_path, listener.url)[case]
    out = tmp_path / "out"
    code, _, err = run(["import", str(path), "--format", "jsonld", "--out", str(out)], capsys)
    assert code == 1
    assert f"{path}:0:" in err and "is not fetched (no network access at run time)" in err


def test_the_bundled_context_is_resolved_locally(tmp_path, guarded):
    from gutbone.jsonld import CONTEXT_IRI, parse_jsonld

    path = _write(
        tmp_path / "ok.jsonld",
        {"@context": CONTEXT_IRI, "@id": "gb:increases", "label": "increases"},
    )
    graph = parse_jsonld(path)
    # context.jsonld maps gb: to https://w3id.org/gutbone/vocab# and "label" to rdfs:label
    triples = {(str(s), str(p), str(o)) for s, p, o in graph}
    assert triples == {
        (
            "https://w3id.org/gutbone/vocab#increases",
            "http://www.w3.org/2000/01/rdf-schema#label",
            "increases",
        )
    }


def test_build_add_refuses_remote_contexts(tmp_path, listener, guarded, capsys):
    """pyoxigraph's JSON-LD parser (``build --store --add``) loads no remote context."""
    path = _hostile_jsonld(tmp_path, listener.url)["remote"]
    argv = ["build", "--data", str(SMALL), "--out", str(tmp_path / "out")]
    code, _, err = run([*argv, "--store", str(tmp_path / "store"), "--add", str(path)], capsys)
    assert code == 1
    assert "remote @context is not fetched (no network access at run time)" in err
    assert str(path) in err


# ---------------------------------------------------------------- SPARQL


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}/a> {{ SERVICE <{url}/b> {{}} }} }} }}",
    ],
)
def test_cli_sparql_service_makes_no_connection(engine, template, listener, guarded, capsys):
    query = template.format(url=listener.url)
    argv = ["sparql", "--query", query, "--engine", engine, "--data", str(SMALL)]
    code, out, err = run(argv, capsys)
    assert code == 1 and out == ""
    assert "SERVICE is refused: gutbone opens no network connection at run time" in err


def test_run_query_service_makes_no_connection(listener, guarded):
    import pyoxigraph as ox

    from gutbone.query.sparql import QueryRefused, run_query

    with pytest.raises(QueryRefused):
        run_query(f"ASK {{ SERVICE <{listener.url}/q> {{ ?s ?p ?o }} }}", store=ox.Store())


def test_rdflib_from_makes_no_connection(listener, guarded, capsys):
    query = f"SELECT * FROM <{listener.url}/g> WHERE {{ ?s ?p ?o }}"
    argv = ["sparql", "--query", query, "--engine", "rdflib", "--data", str(SMALL)]
    code, _, err = run(argv, capsys)
    assert code == 1 and "FROM / FROM NAMED is refused with the rdflib engine" in err


# ---------------------------------------------------------------- every other command


def test_every_offline_command_runs_without_a_connection(tmp_path, guarded, capsys):
    studies = tmp_path / "studies.csv"
    studies.write_text("study,yi,vi\na,0.1,0.01\nb,0.3,0.02\nc,0.2,0.015\n", encoding="utf-8")
    out = tmp_path / "out"
    commands = [
        ["queries"],
        ["sparql", "neighbourhood", "--param", "node=CHEBI:17968", "--data", str(SMALL)],
        ["sparql", "--engine", "rdflib", "--query", "ASK { ?s ?p ?o }", "--data", str(SMALL)],
        ["paths", "--from", "Lachnospiraceae", "--to", "BMD", "--data", str(SMALL)],
        ["view", "--focus", "BMD", "--data", str(SMALL), "--out", str(tmp_path / "v.html")],
        ["build", "--data", str(SMALL), "--out", str(out / "graph")],
        ["validate", str(SMALL)],
        ["validate", str(out / "graph" / "gutbone.jsonld")],
        ["export", "--format", "jsonld", "--data", str(SMALL), "--out", str(tmp_path / "e.jsonld")],
        ["import", str(tmp_path / "e.jsonld"), "--out", str(out / "imported")],
        ["meta", str(studies), "--format", "json"],
        ["mr", str(FIXTURES / "mr" / "ldlc_chd.csv"), "--format", "json"],
        ["mediate", "--a", "0.2,0.05", "--b", "0.3,0.1", "--format", "json"],
        ["report", "--data", str(SMALL), "--out", str(out / "report")],
        ["ingest", "--check"],
    ]
    for argv in commands:
        code, _, err = run(argv, capsys)
        assert code == 0, (argv, err)


def test_serve_answers_service_with_400_and_connects_nowhere(listener, tmp_path):
    """``gutbone serve`` in a subprocess with the guard (and its query workers)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    log = tmp_path / "attempts.log"
    env = netguard.subprocess_env(log)
    argv = ["serve", "--port", "0", "--data", str(SMALL), "--workers", "1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "gutbone", *argv],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    before = len(listener.connections)
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if "SPARQL endpoint at" in line:
                url = line.split("SPARQL endpoint at ", 1)[1].split()[0]
        assert url is not None
        for query in (
            f"SELECT * WHERE {{ SERVICE <{listener.url}/s> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ SERVICE SILENT <{listener.url}/s> {{ ?s ?p ?o }} }}",
        ):
            request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}))
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(request, timeout=30)  # noqa: S310 - our local server
            assert answer.value.code == 400
            assert "SERVICE is refused" in answer.value.read().decode()
        with urllib.request.urlopen(  # noqa: S310 - our local server
            url + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}), timeout=30
        ) as response:
            assert json.loads(response.read())["boolean"] is True
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert listener.connections[before:] == []
    assert not log.exists() or log.read_text() == ""


# ---------------------------------------------------------------- fuzz: SPARQL text and options

_FRAGMENTS = st.sampled_from(
    [
        "SELECT * WHERE {",
        "ASK {",
        "CONSTRUCT { ?s ?p ?o } WHERE {",
        "DESCRIBE ?s WHERE {",
        "?s ?p ?o .",
        "}",
        "{",
        "(",
        ")",
        "SERVICE",
        "SERVICE SILENT",
        "<{url}/x>",
        "FROM <{url}/g>",
        "FILTER(",
        "OPTIONAL {",
        "UNION",
        "'SERVICE'",
        "\\u0053ERVICE",
        "# comment\n",
        "LIMIT 2",
        "gb:produces",
        "?x",
        "1",
        '"x"@en',
        "\x00",
        "é",
    ]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    parts=st.lists(_FRAGMENTS, max_size=12),
    engine=st.sampled_from(["oxigraph", "rdflib"]),
    fmt=st.sampled_from(["table", "csv", "tsv", "json"]),
    timeout=st.sampled_from(["5", "0.5", "0", "-1", "nan", "1e999", "x"]),
)
def test_fuzz_cli_sparql(parts, engine, fmt, timeout, listener, capsys, small_source):
    query = " ".join(parts).replace("{url}", listener.url)
    argv = ["sparql", "--query", query, "--engine", engine, "--format", fmt, "--timeout", timeout]
    before = len(listener.connections)
    with netguard.guard() as attempts:
        try:
            code = main([*argv, "--data", str(SMALL)])
        except SystemExit as stop:  # argparse: a usage error
            code = 2 if stop.code else 0
    captured = capsys.readouterr()
    assert attempts == [] and listener.connections[before:] == []
    assert "Traceback" not in captured.err and "internal error" not in captured.err
    valid_timeout = timeout in ("5", "0.5")
    assert code == (code if valid_timeout else 2)
    assert code in ((0, 1) if valid_timeout else (2,))


@pytest.fixture(scope="module")
def small_source(monkeypatch_module: pytest.MonkeyPatch) -> None:
    """Build the fixture graph once: the fuzz runs the CLI on it many times."""
    from gutbone.query import source as store_module

    loaded = store_module.load_source(SMALL)
    monkeypatch_module.setattr(store_module, "load_source", lambda *a, **k: loaded)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_guard_sees_a_real_connection(listener):
    """The guard and the listener work: a deliberate connection is caught by both."""
    with netguard.guard() as attempts, socket.socket() as probe:
        with pytest.raises(PermissionError):
            probe.connect(("127.0.0.1", listener.port))
    assert len(attempts) == 1 and attempts[0].startswith("socket.connect")
    before = len(listener.connections)
    with socket.create_connection(("127.0.0.1", listener.port)) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
        conn.recv(100)
    assert len(listener.connections) == before + 1
    assert os.environ.get(netguard.ENV_LOG) is None
