"""The endpoint under hostile traffic, with raw sockets (issue 18, item 5).

Each test reproduces one case of the adversarial trial: bad ``Content-Length`` framing,
HTTP/0.9, slow or short requests, foreign ``Host`` headers (DNS rebinding), deeply nested
queries that used to crash workers, a worker killed under a query, two clients looping a
cartesian ``COUNT(*)`` while a third asks light queries, and bad option values.

Distinct clients are distinct loopback source addresses (127.0.0.2, 127.0.0.3...): the
endpoint keys its fairness on the client's IP address.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
from gutbone.query.source import load_source

pytestmark = pytest.mark.server

SMALL = Path(__file__).parent / "fixtures" / "data_small"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def small():
    return load_source(SMALL)


@pytest.fixture(scope="module")
def endpoint(small):
    config = EndpointConfig(
        port=0,
        timeout=1.5,
        max_rows=50,
        workers=2,
        header_timeout=1.0,
        body_timeout=1.0,
        max_request_bytes=10_000,
        connections_per_client=4,
    )
    with SparqlEndpoint(config, ntriples=small.ntriples) as server:
        server.serve_in_background()
        yield server


class Answer:
    """A raw HTTP answer: status, headers (lower-case names), body, seconds taken."""

    def __init__(self, raw: bytes, seconds: float) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        parts = lines[0].split(" ")
        self.status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        self.headers = {
            k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
        }
        self.seconds = seconds


def connect(endpoint, source: str = "127.0.0.1") -> socket.socket:
    port = int(endpoint.url.rsplit(":", 1)[1])
    sock = socket.socket()
    sock.bind((source, 0))
    sock.settimeout(30)
    sock.connect(("127.0.0.1", port))
    return sock


def exchange(endpoint, *pieces: bytes, pause: float = 0.0, source: str = "127.0.0.1") -> Answer:
    """Send ``pieces`` (``pause`` s apart), then read until the server closes or 30 s."""
    start = time.monotonic()
    with connect(endpoint, source) as sock:
        try:
            for piece in pieces:
                sock.sendall(piece)
                time.sleep(pause)
        except OSError:
            pass  # the server may close before everything is sent
        try:
            if not pause:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not data:
                break
            chunks.append(data)
            if _complete(b"".join(chunks)):
                break
    return Answer(b"".join(chunks), time.monotonic() - start)


def _complete(raw: bytes) -> bool:
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def host(endpoint) -> bytes:
    return endpoint.url.removeprefix("http://").encode()


def post_head(endpoint, *headers: str) -> bytes:
    lines = ["POST /query HTTP/1.1", f"Host: {host(endpoint).decode()}"]
    lines += ["Content-Type: application/sparql-query", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def get_query(endpoint, query: str, source: str = "127.0.0.1", host_header=None) -> Answer:
    target = "/query?" + urllib.parse.urlencode({"query": query})
    host_value = host_header if host_header is not None else host(endpoint).decode()
    request = f"GET {target} HTTP/1.1\r\nHost: {host_value}\r\nConnection: close\r\n"
    request += "Accept: application/sparql-results+json\r\n\r\n"
    return exchange(endpoint, request.encode(), source=source)


def count_ok(endpoint, small, source: str = "127.0.0.1") -> bool:
    answer = get_query(endpoint, COUNT, source)
    if answer.status != 200:
        return False
    value = json.loads(answer.body)["results"]["bindings"][0]["n"]["value"]
    return int(value) == len(small.store)


# ---------------------------------------------------------------- framing


@pytest.mark.parametrize(
    "value", ["-1", "12abc", "1e3", "+5", "0x10", "", "99999999999999999999"]
)
def test_bad_content_length_is_400_and_nothing_is_read(endpoint, small, value):
    answer = exchange(endpoint, post_head(endpoint, f"Content-Length: {value}") + b"x" * 200_000)
    assert answer.status == 400
    assert b"Content-Length" in answer.body
    assert answer.headers.get("connection") == "close"
    assert count_ok(endpoint, small)


def test_conflicting_content_lengths_are_400(endpoint):
    head = post_head(endpoint, "Content-Length: 5", "Content-Length: 6")
    answer = exchange(endpoint, head + b"ASK {}")
    assert answer.status == 400 and b"conflicting Content-Length" in answer.body


def test_content_length_over_the_limit_is_413_without_reading(endpoint):
    answer = exchange(endpoint, post_head(endpoint, "Content-Length: 50000000"))
    assert answer.status == 413
    assert answer.seconds < 5  # answered from the header, not after reading 50 MB


def test_chunked_body_within_and_beyond_the_limit(endpoint, small):
    query = COUNT.encode()
    chunked = f"{len(query):x}\r\n".encode() + query + b"\r\n0\r\n\r\n"
    head = post_head(endpoint, "Transfer-Encoding: chunked", "Accept: text/csv")
    answer = exchange(endpoint, head + chunked)
    assert answer.status == 200
    assert answer.body == f"n\r\n{len(small.store)}\r\n".encode()
    # 3 chunks of 4,000 bytes: 12,000 > the 10,000-byte limit
    big = b"".join(b"fa0\r\n" + b"#" * 4000 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    answer = exchange(endpoint, post_head(endpoint, "Transfer-Encoding: chunked") + big)
    assert answer.status == 413 and b"larger than 10,000 bytes" in answer.body


def test_both_framings_and_no_length_are_refused(endpoint):
    both = post_head(endpoint, "Content-Length: 6", "Transfer-Encoding: chunked")
    assert exchange(endpoint, both + b"ASK {}").status == 400
    assert exchange(endpoint, post_head(endpoint)).status == 411


# ---------------------------------------------------------------- slow and odd requests


def test_http_09_is_refused_at_once(endpoint):
    answer = exchange(endpoint, b"GET /query?query=ASK%7B%7D\r\n", pause=0.1)
    assert answer.status == 400 and b"HTTP/0.9" in answer.body
    assert answer.seconds < 2


def test_slow_headers_are_cut_at_the_header_timeout(endpoint):
    # one header byte every 0.2 s: each read is quick, the whole header is not
    start = b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n"
    trickle = [bytes([c]) for c in b"X-Slow: " + b"a" * 40]
    answer = exchange(endpoint, start, *trickle, pause=0.2)
    assert answer.status == 408
    assert answer.seconds < 1.0 + 1.5  # the 1 s header timeout, not 8 s of trickle


def test_idle_connection_is_closed(endpoint):
    with connect(endpoint) as sock:
        start = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, no request ever sent
        assert time.monotonic() - start < 1.0 + 1.5


def test_short_body_is_408(endpoint, small):
    head = post_head(endpoint, "Content-Length: 100")
    answer = exchange(endpoint, head + b"ASK {", pause=3)
    assert answer.status == 408
    assert answer.seconds < 1.0 + 1.5 + 3  # body timeout (and our own pause)
    assert count_ok(endpoint, small)


def test_too_many_connections_from_one_client(endpoint, small):
    held = [connect(endpoint, "127.0.0.9") for _ in range(4)]
    try:
        time.sleep(0.2)
        answer = get_query(endpoint, COUNT, source="127.0.0.9")
        assert answer.status == 503
        assert count_ok(endpoint, small, source="127.0.0.10")  # others are served
    finally:
        for sock in held:
            sock.close()


# ---------------------------------------------------------------- Host header


@pytest.mark.parametrize("value", ["evil.example", "evil.example:80", "127.0.0.2", "localhost.evil"])
def test_foreign_host_is_refused(endpoint, value):
    answer = get_query(endpoint, "ASK {}", host_header=value)
    assert answer.status == 400 and b"is not this endpoint's address" in answer.body


def test_missing_or_repeated_host_is_refused(endpoint):
    answer = exchange(endpoint, b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n\r\n")
    assert answer.status == 400
    request = b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\nHost: evil\r\n\r\n"
    assert exchange(endpoint, request).status == 400


def test_loopback_names_are_accepted(endpoint):
    port = endpoint.url.rsplit(":", 1)[1]
    for value in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
        assert get_query(endpoint, "ASK {}", host_header=value).status == 200, value


def test_allow_host_accepts_a_name(small):
    config = EndpointConfig(port=0, workers=1, allow_hosts=("kg.example.org",))
    with SparqlEndpoint(config, ntriples=small.ntriples) as server:
        server.serve_in_background()
        assert get_query(server, "ASK {}", host_header="kg.example.org:8080").status == 200
        assert get_query(server, "ASK {}", host_header="evil.example").status == 400


# ---------------------------------------------------------------- crashes and supervision


def test_deeply_nested_queries_are_400_and_workers_survive(endpoint, small):
    deep = [
        "SELECT * WHERE " + "{" * 50_000 + "}" * 50_000,
        "SELECT * WHERE " + "{" * 3_000 + "}" * 3_000,
        "ASK { FILTER(" + "(" * 3_000 + "1" + ")" * 3_000 + ") }",
    ]
    answers: list[Answer] = []

    def send(query: str, source: str) -> None:
        body = query.encode()
        head = post_head(endpoint, f"Content-Length: {len(body)}")
        answers.append(exchange(endpoint, head + body, source=source))

    threads = [
        threading.Thread(target=send, args=(deep[i % 3], f"127.0.0.{20 + i}")) for i in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(a.status for a in answers)
    # the 50,000-group query is over the 10,000-byte body limit (413); the others are
    # refused by the parse-time limits (400) before any worker sees them
    assert statuses == [400, 400, 400, 400, 413, 413], statuses
    assert all(b"nested deeper than 64" in a.body for a in answers if a.status == 400)
    assert count_ok(endpoint, small)


def _worker_pids(endpoint) -> list[int]:
    pool = endpoint.pool
    with pool._lock:
        return [w.process.pid for w in pool._idle + list(pool._busy)]


def test_a_killed_idle_worker_is_never_seen(endpoint, small):
    for pid in _worker_pids(endpoint):
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    # every worker is dead; the next queries are answered by replacements
    for _ in range(4):
        assert count_ok(endpoint, small)


def test_a_worker_dying_under_a_query_fails_that_query_only(endpoint, small):
    result: list[Answer] = []
    thread = threading.Thread(target=lambda: result.append(get_query(endpoint, RUNAWAY)))
    before = set(_worker_pids(endpoint))
    thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with endpoint.pool._lock:
            busy = [w.process.pid for w in endpoint.pool._busy]
        if busy:
            break
        time.sleep(0.02)
    assert busy
    os.kill(busy[0], signal.SIGSEGV)
    thread.join(30)
    assert result[0].status == 500 and b"stopped its worker process" in result[0].body
    assert count_ok(endpoint, small)
    assert count_ok(endpoint, small)
    assert busy[0] in before and busy[0] not in _worker_pids(endpoint)


# ---------------------------------------------------------------- fairness


def test_two_clients_looping_cartesian_queries_do_not_starve_a_third(small):
    config = EndpointConfig(port=0, timeout=6.0, workers=2, per_client=1)
    with SparqlEndpoint(config, ntriples=small.ntriples) as server:
        server.serve_in_background()
        stop = threading.Event()
        heavy_answers: list[int] = []

        def abuse(source: str) -> None:
            while not stop.is_set():
                heavy_answers.append(get_query(server, RUNAWAY, source=source).status)

        abusers = [
            threading.Thread(target=abuse, args=(f"127.0.0.{i}",), daemon=True) for i in (2, 3)
        ]
        for thread in abusers:
            thread.start()
        time.sleep(1.0)  # both heavy queries are running
        latencies = []
        for _ in range(8):
            start = time.monotonic()
            assert count_ok(server, small, source="127.0.0.4")
            latencies.append(time.monotonic() - start)
        stop.set()
        with server.pool._lock:
            running = dict(server.pool._running)
        # each abusing client holds at most per_client=1 worker
        assert all(n <= 1 for n in running.values()), running
        for thread in abusers:
            thread.join(15)
    # without fairness each light query waits for a heavy one to time out (6 s)
    assert max(latencies) < 3.0, latencies
    assert heavy_answers and set(heavy_answers) <= {503}


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    "option",
    [
        ["--timeout", "-1"],
        ["--timeout", "0"],
        ["--max-rows", "-5"],
        ["--max-rows", "0"],
        ["--workers", "-3"],
        ["--workers", "0"],
        ["--port", "70000"],
        ["--port", "-1"],
        ["--max-workers", "0"],
        ["--per-client", "0"],
    ],
)
def test_bad_serve_options_are_usage_errors(option, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["serve", *option])
    assert stop.value.code == 2
    assert f"argument {option[0]}" in capsys.readouterr().err


def test_config_is_checked_in_the_library():
    from gutbone.errors import QueryError

    with pytest.raises(QueryError, match="timeout must be above 0"):
        EndpointConfig(timeout=-1)
    with pytest.raises(QueryError, match="max_workers"):
        EndpointConfig(workers=4, max_workers=2)


def test_serve_options_reach_the_config(monkeypatch):
    """--allow-host, --cors, --per-client and --max-workers end up in EndpointConfig."""
    from gutbone.query import endpoint as endpoint_module

    seen = {}

    class Stop(BaseException):  # not caught by the CLI's error handling
        pass

    def capture(config, **_):
        seen["config"] = config
        raise Stop

    monkeypatch.setattr(endpoint_module, "SparqlEndpoint", capture)
    argv = ["serve", "--data", str(SMALL), "--allow-host", "kg.example.org", "--allow-host", "b"]
    argv += ["--cors", "https://app.example.org", "--per-client", "3", "--max-workers", "7"]
    with pytest.raises(Stop):
        main(argv)
    config = seen["config"]
    assert config.allow_hosts == ("kg.example.org", "b")
    assert config.cors == "https://app.example.org"
    assert config.per_client == 3 and config.pool_settings().max_workers == 7
    assert config.host == "127.0.0.1"
