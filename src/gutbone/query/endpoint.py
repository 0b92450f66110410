"""A small read-only SPARQL 1.1 endpoint with a time limit and a result-size limit.

The HTTP side is the standard library's :class:`http.server.ThreadingHTTPServer`; the
queries run in worker processes, each holding its own pyoxigraph store (loaded from the
graph's N-Triples, or an on-disk store opened read-only). pyoxigraph releases the GIL
while it evaluates, but a running query cannot be interrupted: a query that exceeds the
time limit is stopped by killing its worker process, which is then replaced. Results are
cut off with an error once they exceed the row limit.

Protocol (SPARQL 1.1 Protocol, section 2.1): ``GET /query?query=...``, ``POST /query``
with a form (``query=...``) or an ``application/sparql-query`` body. Results are
negotiated with ``Accept``: SPARQL results JSON (default), XML, CSV, TSV; CONSTRUCT and
DESCRIBE give N-Triples (default) or Turtle. Updates are refused with 403, other methods
with 405; a query over a limit gets 503 with a message naming the limit.

>>> EndpointConfig().host
'127.0.0.1'
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gutbone.errors import QueryError
from gutbone.query.guard import QueryRefused, check_query
from gutbone.query.sparql import (
    QueryLimitError,
    QueryResult,
    Term,
    results_csv,
    results_json,
    results_tsv,
    results_xml,
    run_query,
)

__all__ = ["EndpointConfig", "SparqlEndpoint", "RESULT_MEDIA_TYPES", "GRAPH_MEDIA_TYPES"]

_LOG = logging.getLogger("gutbone.endpoint")

#: Media types of SELECT/ASK results, the first is the default.
RESULT_MEDIA_TYPES: dict[str, Any] = {
    "application/sparql-results+json": results_json,
    "application/json": results_json,
    "application/sparql-results+xml": results_xml,
    "application/xml": results_xml,
    "text/csv": results_csv,
    "text/tab-separated-values": results_tsv,
}
#: Media types of CONSTRUCT/DESCRIBE results, the first is the default.
GRAPH_MEDIA_TYPES: tuple[str, ...] = ("application/n-triples", "text/turtle", "text/plain")


@dataclass(frozen=True)
class EndpointConfig:
    """Settings of the endpoint.

    :param host: address to bind; 127.0.0.1 (this machine only) unless told otherwise.
    :param port: TCP port (0 lets the system choose; see :attr:`SparqlEndpoint.url`).
    :param timeout: seconds a query may run before its worker is stopped.
    :param max_rows: largest number of result rows (or triples) returned.
    :param workers: number of worker processes (queries answered at the same time).
    :param max_request_bytes: largest accepted request body.
    """

    host: str = "127.0.0.1"
    port: int = 7879
    timeout: float = 10.0
    max_rows: int = 10000
    workers: int = 2
    max_request_bytes: int = 1_000_000


# ---------------------------------------------------------------- worker processes


def _worker_main(fd: int, nt_path: str, store_dir: str, max_rows: int) -> None:  # pragma: no cover
    """Body of a worker process: load the store, then answer queries read from ``fd``."""
    import pyoxigraph as ox

    conn = Connection(fd)
    try:
        if store_dir:
            store = ox.Store.read_only(store_dir)
        else:
            store = ox.Store()
            store.bulk_load(path=nt_path, format=ox.RdfFormat.N_TRIPLES)
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        conn.send(("error", f"cannot open the store: {exc}"))
        return
    conn.send(("ready", len(store)))
    while True:
        try:
            text = conn.recv()
        except EOFError:
            return
        if text is None:
            return
        try:
            result = run_query(text, store=store, max_rows=max_rows, source="query")
        except QueryLimitError as exc:
            conn.send(("limit", str(exc)))
        except QueryError as exc:
            conn.send(("error", str(exc)))
        except Exception as exc:  # noqa: BLE001 - reported to the client
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        else:
            conn.send(("ok", result))


class _Worker:
    """One worker process (a fresh interpreter) and the parent's end of its socket.

    A plain subprocess rather than :mod:`multiprocessing`, so that the caller's main
    module is never re-imported in the child.
    """

    def __init__(self, nt_path: str | None, store_dir: str | None, max_rows: int) -> None:
        parent, child = socket.socketpair()
        code = (
            "import sys; from gutbone.query.endpoint import _worker_main; "
            "_worker_main(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))"
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-c",
                code,
                str(child.fileno()),
                nt_path or "",
                store_dir or "",
                str(max_rows),
            ],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float) -> None:
        if self.ready:
            return
        if not self.conn.poll(timeout):
            raise QueryError("the query worker did not start in time")
        try:
            status, detail = self.conn.recv()
        except EOFError:
            raise QueryError("the query worker failed to start") from None
        if status != "ready":
            raise QueryError(str(detail))
        self.ready = True

    def run(self, text: str, timeout: float) -> tuple[str, Any]:
        try:
            self.conn.send(text)
            if self.conn.poll(timeout):
                reply: tuple[str, Any] = self.conn.recv()
                return reply
        except (EOFError, OSError):
            return ("error", "the query worker stopped unexpectedly")
        return ("timeout", f"the query ran longer than the time limit of {timeout:g} s")

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        self.conn.close()


class _Pool:
    """Idle workers; a worker whose query timed out is killed and replaced."""

    def __init__(self, config: EndpointConfig, nt_path: str | None, store_dir: str | None):
        self.config = config
        self.nt_path = nt_path
        self.store_dir = store_dir
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all: set[_Worker] = set()
        self.lock = threading.Lock()
        for _ in range(max(1, config.workers)):
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self.nt_path, self.store_dir, self.config.max_rows)
        with self.lock:
            self.all.add(worker)
        self.idle.put(worker)

    def wait_ready(self, timeout: float = 60.0) -> None:
        for worker in list(self.all):
            worker.wait_ready(timeout)

    def execute(self, text: str) -> tuple[str, Any]:
        try:
            worker = self.idle.get(timeout=self.config.timeout * 3 + 30)
        except queue.Empty:
            return ("busy", "all query workers are busy; try again later")
        try:
            worker.wait_ready(60.0)
        except QueryError as exc:
            self._retire(worker)
            self._spawn()
            return ("error", str(exc))
        status, detail = worker.run(text, self.config.timeout)
        if status == "timeout" or not worker.alive():
            self._retire(worker)
            self._spawn()
        else:
            self.idle.put(worker)
        return status, detail

    def _retire(self, worker: _Worker) -> None:
        worker.stop()
        with self.lock:
            self.all.discard(worker)

    def close(self) -> None:
        with self.lock:
            workers = list(self.all)
            self.all.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
            worker.stop()


# ---------------------------------------------------------------- HTTP


def _accepted(header: str | None) -> list[str]:
    """Media types of an Accept header, best first (q-values honoured, 0 excluded)."""
    if not header:
        return ["*/*"]
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")):
        parts = [p.strip() for p in item.split(";")]
        quality = 1.0
        for parameter in parts[1:]:
            key, _, value = parameter.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if parts[0] and quality > 0:
            ranked.append((-quality, position, parts[0].lower()))
    return [media for _, _, media in sorted(ranked)]


def _choose(accepted: list[str], offered: list[str]) -> str | None:
    for media in accepted:
        if media in offered:
            return media
        if media in ("*/*", "application/*", "text/*"):
            family = media.split("/")[0]
            for candidate in offered:
                if family == "*" or candidate.startswith(family + "/"):
                    return candidate
    return None


def _graph_text(result: QueryResult, media: str) -> str:
    import pyoxigraph as ox

    def term(value: Term | None) -> Any:
        assert value is not None
        if value.kind == "uri":
            return ox.NamedNode(value.value)
        if value.kind == "bnode":
            return ox.BlankNode(value.value)
        if value.language:
            return ox.Literal(value.value, language=value.language)
        if value.datatype:
            return ox.Literal(value.value, datatype=ox.NamedNode(value.datatype))
        return ox.Literal(value.value)

    triples = [ox.Triple(term(s), term(p), term(o)) for s, p, o in result.rows]
    fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
    data = ox.serialize(triples, format=fmt)
    assert data is not None
    return data.decode("utf-8")


_USAGE = """gutbone read-only SPARQL 1.1 endpoint

GET  /query?query=SPARQL
POST /query   (form field query=..., or an application/sparql-query body)
Accept: application/sparql-results+json (default), application/sparql-results+xml,
        text/csv, text/tab-separated-values; CONSTRUCT: application/n-triples, text/turtle
Updates are refused. Limits: {timeout:g} s per query, {max_rows} result rows.
"""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "gutbone-sparql"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        _LOG.info("%s - %s", self.address_string(), format % args)

    def _send(
        self, status: int, body: str, media: str = "text/plain", extra: dict[str, str] | None = None
    ) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{media}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Vary", "Accept")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _refuse_method(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{self.command} is not allowed: this endpoint is read-only (GET or POST queries)\n",
            extra={"Allow": "GET, POST, HEAD"},
        )

    do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815 - http.server naming

    def _path_ok(self) -> bool:
        path = urlsplit(self.path).path.rstrip("/")
        if path in ("", "/query", "/sparql"):
            return True
        if path in ("/update", "/store"):
            self._send(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused\n")
        else:
            self._send(HTTPStatus.NOT_FOUND, f"no such resource {path!r}; use /query\n")
        return False

    def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if not self._path_ok():
            return
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        self._answer(params)

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        if not self._path_ok():
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > self.server.config.max_request_bytes:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large\n")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if media == "application/sparql-update":
            self._send(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused\n")
            return
        if media == "application/sparql-query":
            params["query"] = [body]
        elif media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        else:
            self._send(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                "send application/sparql-query or application/x-www-form-urlencoded\n",
            )
            return
        self._answer(params)

    def _answer(self, params: dict[str, list[str]]) -> None:
        config = self.server.config
        if "update" in params:
            self._send(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused\n")
            return
        queries = params.get("query", [])
        if not queries:
            code = HTTPStatus.OK if urlsplit(self.path).path in ("", "/") else 400
            self._send(code, _USAGE.format(timeout=config.timeout, max_rows=config.max_rows))
            return
        if len(queries) > 1:
            self._send(HTTPStatus.BAD_REQUEST, "give exactly one query parameter\n")
            return
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._send(HTTPStatus.BAD_REQUEST, "this endpoint has only the default graph\n")
            return
        try:
            check_query(queries[0])
        except QueryRefused as exc:
            self._send(HTTPStatus.BAD_REQUEST, f"{exc}\n")
            return
        status, detail = self.server.pool.execute(queries[0])
        if status in ("timeout", "limit", "busy"):
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, f"query stopped: {detail}\n")
            return
        if status != "ok":
            self._send(HTTPStatus.BAD_REQUEST, f"{detail}\n")
            return
        result: QueryResult = detail
        accepted = _accepted(self.headers.get("Accept"))
        if result.kind == "graph":
            media = _choose(accepted, list(GRAPH_MEDIA_TYPES))
            if media is None:
                self._send(HTTPStatus.NOT_ACCEPTABLE, f"offered: {', '.join(GRAPH_MEDIA_TYPES)}\n")
                return
            self._send(HTTPStatus.OK, _graph_text(result, media), media)
            return
        media = _choose(accepted, list(RESULT_MEDIA_TYPES))
        if media is None:
            self._send(HTTPStatus.NOT_ACCEPTABLE, f"offered: {', '.join(RESULT_MEDIA_TYPES)}\n")
            return
        self._send(HTTPStatus.OK, RESULT_MEDIA_TYPES[media](result), media)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, config: EndpointConfig, pool: _Pool) -> None:
        self.config = config
        self.pool = pool
        super().__init__((config.host, config.port), _Handler)

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup of :class:`http.server.HTTPServer`."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class SparqlEndpoint:
    """A read-only SPARQL endpoint over one graph.

    Use it as a context manager: entering starts the workers and binds the port,
    leaving stops everything.

    :param config: host, port and limits.
    :param ntriples: the graph as N-Triples (e.g. :attr:`QuerySource.ntriples`).
    :param store_dir: or an on-disk pyoxigraph store, opened read-only by each worker.
    """

    def __init__(
        self,
        config: EndpointConfig,
        *,
        ntriples: str | None = None,
        store_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if (ntriples is None) == (store_dir is None):
            raise QueryError("give the graph as ntriples or an on-disk store_dir, not both")
        self.config = config
        self._ntriples = ntriples
        self._store_dir = str(store_dir) if store_dir is not None else None
        self._tmp: Path | None = None
        self._pool: _Pool | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL (``http://host:port``); queries go to ``url + "/query"``."""
        if self._server is None:
            raise QueryError("the endpoint is not started")
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"

    def start(self) -> None:
        """Start the workers (waiting until their stores are loaded) and bind the port."""
        nt_path = None
        if self._ntriples is not None:
            self._tmp = Path(tempfile.mkdtemp(prefix="gutbone-endpoint-"))
            nt_file = self._tmp / "graph.nt"
            nt_file.write_text(self._ntriples, encoding="utf-8")
            nt_path = str(nt_file)
        self._pool = _Pool(self.config, nt_path, self._store_dir)
        try:
            self._pool.wait_ready()
            self._server = _Server(self.config, self._pool)
        except BaseException:
            self.close()
            raise

    def serve_forever(self) -> None:
        """Answer requests until :meth:`close` is called from another thread."""
        if self._server is None:
            self.start()
        assert self._server is not None
        self._server.serve_forever(poll_interval=0.2)

    def serve_in_background(self) -> threading.Thread:
        """Answer requests from a daemon thread (for tests and notebooks)."""
        if self._server is None:
            self.start()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self._thread

    def close(self) -> None:
        """Stop answering, stop the workers and remove temporary files."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join(timeout=5)
            self._server.server_close()
            self._server = None
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> SparqlEndpoint:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
