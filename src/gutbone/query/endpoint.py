"""A read-only SPARQL 1.1 endpoint with limits, fair between clients and hard to stall.

The HTTP side is the standard library's :class:`http.server.ThreadingHTTPServer`; the
queries run in supervised worker processes shared fairly between clients
(:mod:`gutbone.query.workers`). Protocol (SPARQL 1.1 Protocol, section 2.1):
``GET /query?query=...``, ``POST /query`` with a form (``query=...``) or an
``application/sparql-query`` body. ``GET /query`` without a query returns the SPARQL 1.1
service description. Results are negotiated with ``Accept``
(:mod:`gutbone.query.service`).

What it refuses, and how:

- updates (403), other methods (405), ``SERVICE`` and queries beyond the parse-time limits
  of :mod:`gutbone.query.guard` (400: the endpoint opens no connection of its own);
- a ``Host`` header other than the bound address (or ``localhost`` on a loopback address)
  unless allowed with ``allow_hosts`` (400; against DNS rebinding);
- bad framing: a non-numeric, negative or conflicting ``Content-Length`` (400), a body over
  ``max_request_bytes`` (413, by length or while reading ``chunked``), a missing length
  (411); HTTP/0.9 requests (400);
- slow clients: headers must arrive within ``header_timeout`` seconds and a body within
  ``body_timeout`` (408, then the connection is closed); at most ``max_connections``
  connections, ``connections_per_client`` from one address (503);
- long or large queries: stopped at ``timeout`` s or beyond ``max_rows`` rows (503).

>>> EndpointConfig().host
'127.0.0.1'
"""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import socketserver
import tempfile
import threading
from collections import Counter
from dataclasses import dataclass, fields
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gutbone.derived import require_derived_facts
from gutbone.errors import QueryError
from gutbone.query.guard import DEFAULT_LIMITS, QueryLimits, QueryRefused, check_query
from gutbone.query.http_io import DeadlineReader, RequestProblem, linger_close, read_body
from gutbone.query.service import (
    GRAPH_MEDIA_TYPES,
    RESULT_MEDIA_TYPES,
    SENT_AS,
    accepted,
    choose,
    graph_text,
    service_description,
)
from gutbone.query.sparql import QueryResult
from gutbone.query.workers import PoolSettings, WorkerPool
from gutbone.store import open_store

__all__ = ["EndpointConfig", "SparqlEndpoint", "RESULT_MEDIA_TYPES", "GRAPH_MEDIA_TYPES"]

_LOG = logging.getLogger("gutbone.endpoint")
_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True)
class EndpointConfig(PoolSettings):
    """Settings of the endpoint: its worker pool's (:class:`PoolSettings`) and its server's.

    :param max_workers: most worker processes (0: ``2 * workers + 2``).
    :param host: address to bind; 127.0.0.1 (this machine only) unless told otherwise.
    :param port: TCP port (0 lets the system choose; see :attr:`SparqlEndpoint.url`).
    :param max_request_bytes: largest accepted request body.
    :param header_timeout: seconds for the request line and headers to arrive.
    :param body_timeout: seconds for the body to arrive.
    :param allow_hosts: further ``Host`` names accepted (``*``: any).
    :param cors: the origin allowed by CORS (``*`` for any); ``None``: no CORS headers.
    :param max_connections: most open connections.
    :param connections_per_client: most open connections from one address.
    :param limits: parse-time limits on queries.
    """

    max_workers: int = 0
    host: str = "127.0.0.1"
    port: int = 7879
    max_request_bytes: int = 1_000_000
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    allow_hosts: tuple[str, ...] = ()
    cors: str | None = None
    max_connections: int = 512
    connections_per_client: int = 64
    limits: QueryLimits = DEFAULT_LIMITS

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise QueryError(f"port {self.port} is not from 0 to 65535")
        for name in ("header_timeout", "body_timeout"):
            if not getattr(self, name) > 0:
                raise QueryError(f"{name} must be above 0, not {getattr(self, name)}")
        for name in ("max_request_bytes", "max_connections"):
            if getattr(self, name) < 1:
                raise QueryError(f"{name} must be at least 1, not {getattr(self, name)}")
        self.pool_settings()  # checks the pool's settings

    def pool_settings(self) -> PoolSettings:
        """The worker pool's settings (``max_workers`` 0 made ``2 * workers + 2``)."""
        pool = {field.name: getattr(self, field.name) for field in fields(PoolSettings)}
        return PoolSettings(**{**pool, "max_workers": self.max_workers or 2 * self.workers + 2})


def _host_name(header: str) -> str:
    """The host part of a ``Host`` header value (no port, no IPv6 brackets), lower case."""
    value = header.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


_USAGE_NOTE = "read-only; at most {timeout:g} s and {max_rows} rows per query; SERVICE refused"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "gutbone-sparql"
    rfile: Any
    raw_requestline: bytes

    def setup(self) -> None:
        super().setup()
        self.rfile = DeadlineReader(self.connection)
        self.unread_input = False

    def finish(self) -> None:
        super().finish()
        if self.unread_input:  # answered before reading the request: drain, then close
            linger_close(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        _LOG.info("%s - %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        config = self.server.config
        self.rfile.begin(
            config.header_timeout, 64 * 1024, RequestProblem(431, "request headers too large")
        )
        self.requestline, self.command, self.request_version = "", "", "HTTP/1.1"
        try:
            super().handle_one_request()
        except RequestProblem as problem:
            self.close_connection = self.unread_input = True
            if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
                self.request_version = "HTTP/1.1"
            self._send(problem.status, problem.message + "\n")

    def parse_request(self) -> bool:
        words = self.raw_requestline.split()
        if len(words) == 2:  # HTTP/0.9: no headers, no status line; refused
            self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
            self.request_version = "HTTP/1.0"
            self.close_connection = self.unread_input = True
            self._send(HTTPStatus.BAD_REQUEST, "HTTP/0.9 requests are not supported\n")
            return False
        if not super().parse_request():
            return False
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            self.close_connection = True
            self._send(HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, "use HTTP/1.1\n")
            return False
        host = self.headers.get_all("Host") or []
        if len(host) != 1 or not self.server.host_allowed(_host_name(host[0])):
            shown = host[0] if len(host) == 1 else f"{len(host)} Host headers"
            self.close_connection = True
            self._send(
                HTTPStatus.BAD_REQUEST,
                f"Host {shown!r} is not this endpoint's address (start it with --allow-host "
                "NAME to accept that name)\n",
            )
            return False
        return True

    def _send(
        self, status: int, body: str, media: str = "text/plain", extra: dict[str, str] | None = None
    ) -> None:
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{media}; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Vary", "Accept, Origin")
        origin = self.server.config.cors
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _refuse_method(self) -> None:
        self._send(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{self.command} is not allowed: this endpoint is read-only (GET or POST queries)\n",
            extra={"Allow": "GET, POST, HEAD, OPTIONS"},
        )

    do_PUT = do_DELETE = do_PATCH = _refuse_method  # noqa: N815 - http.server naming

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server naming
        """CORS preflight (answered with the CORS headers only when ``cors`` is set)."""
        extra = {"Allow": "GET, POST, HEAD, OPTIONS"}
        if self.server.config.cors is not None:
            extra |= {
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": "Accept, Content-Type",
                "Access-Control-Max-Age": "600",
            }
        self._send(HTTPStatus.NO_CONTENT, "", extra=extra)

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
            self.close_connection = self.unread_input = True
            return
        config = self.server.config
        try:
            raw = read_body(
                self.rfile,
                self.headers.get_all("Content-Length") or [],
                self.headers.get("Transfer-Encoding"),
                limit=config.max_request_bytes,
                seconds=config.body_timeout,
            )
        except RequestProblem as problem:
            self.close_connection = self.unread_input = True
            self._send(problem.status, problem.message + "\n")
            return
        body = raw.decode("utf-8", errors="replace")
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

    def _describe(self) -> None:
        config = self.server.config
        host = self.headers.get("Host") or f"{config.host}:{self.server.server_port}"
        note = _USAGE_NOTE.format(timeout=config.timeout, max_rows=config.max_rows)
        graph = service_description(f"http://{host}/query", self.server.pool.triples, note)
        self._send_graph(graph)

    def _send_graph(self, result: QueryResult) -> None:
        media = choose(accepted(self.headers.get("Accept")), GRAPH_MEDIA_TYPES)
        if media is None:
            self._send(HTTPStatus.NOT_ACCEPTABLE, f"offered: {', '.join(GRAPH_MEDIA_TYPES)}\n")
            return
        self._send(HTTPStatus.OK, graph_text(result, media), SENT_AS.get(media, media))

    def _answer(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            self._send(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused\n")
            return
        queries = params.get("query", [])
        if not queries:
            if self.command == "POST":
                self._send(HTTPStatus.BAD_REQUEST, "no query given\n")
            else:
                self._describe()
            return
        if len(queries) > 1:
            self._send(HTTPStatus.BAD_REQUEST, "give exactly one query parameter\n")
            return
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._send(HTTPStatus.BAD_REQUEST, "this endpoint has only the default graph\n")
            return
        try:
            check_query(queries[0], limits=self.server.config.limits)
        except QueryRefused as exc:
            self._send(HTTPStatus.BAD_REQUEST, f"{exc}\n")
            return
        status, detail = self.server.pool.execute(self.client_address[0], queries[0])
        if status in ("timeout", "limit", "busy"):
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, f"query stopped: {detail}\n")
        elif status == "crashed":
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, f"{detail}\n")
        elif status != "ok":
            self._send(HTTPStatus.BAD_REQUEST, f"{detail}\n")
        elif detail.kind == "graph":
            self._send_graph(detail)
        else:
            media = choose(accepted(self.headers.get("Accept")), list(RESULT_MEDIA_TYPES))
            if media is None:
                offered = ", ".join(RESULT_MEDIA_TYPES)
                self._send(HTTPStatus.NOT_ACCEPTABLE, f"offered: {offered}\n")
                return
            self._send(HTTPStatus.OK, RESULT_MEDIA_TYPES[media](detail), media)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, config: EndpointConfig, pool: WorkerPool) -> None:
        self.config = config
        self.pool = pool
        self._connections: Counter[str] = Counter()
        self._open: dict[int, str] = {}
        self._count_lock = threading.Lock()
        super().__init__((config.host, config.port), _Handler)
        self.allowed = self._allowed_names()

    def server_bind(self) -> None:
        """Bind without the reverse DNS lookup of :class:`http.server.HTTPServer`."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def _allowed_names(self) -> frozenset[str]:
        bound = self.config.host.lower().strip("[]")
        names = {bound, *(name.lower() for name in self.config.allow_hosts)}
        if bound in _LOOPBACK_NAMES or (_is_ip(bound) and ipaddress.ip_address(bound).is_loopback):
            names |= _LOOPBACK_NAMES
        return frozenset(names)

    def host_allowed(self, name: str) -> bool:
        """Tell whether ``name`` (from a Host header) is this endpoint's or an allowed name."""
        if name in self.allowed or "*" in self.allowed:
            return True
        wildcard = self.config.host in ("0.0.0.0", "::", "")  # noqa: S104 - a comparison
        return wildcard and _is_ip(name)

    def process_request(self, request: Any, client_address: Any) -> None:
        client = str(client_address[0])
        with self._count_lock:
            full = sum(self._connections.values()) >= self.config.max_connections
            crowded = self._connections[client] >= self.config.connections_per_client
            if not (full or crowded):
                self._connections[client] += 1
                self._open[id(request)] = client
        if full or crowded:
            threading.Thread(target=self._refuse, args=(request,), daemon=True).start()
            return
        super().process_request(request, client_address)

    def _refuse(self, request: Any) -> None:
        """Answer 503 to a connection over the limits, off the accepting thread."""
        message = b"too many connections; try again later\n"
        try:
            request.sendall(
                b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n"
                + f"Content-Length: {len(message)}\r\n\r\n".encode()
                + message
            )
            linger_close(request, seconds=0.5, max_bytes=1 << 16)
        except OSError:
            pass
        request.close()

    def shutdown_request(self, request: Any) -> None:
        with self._count_lock:
            client = self._open.pop(id(request), None)
            if client is not None:
                self._connections[client] -= 1
                if self._connections[client] <= 0:
                    del self._connections[client]
        super().shutdown_request(request)


class SparqlEndpoint:
    """A read-only SPARQL endpoint over one graph.

    Use it as a context manager: entering starts the workers and binds the port,
    leaving stops everything.

    :param config: host, port and limits.
    :param ntriples: the graph as N-Triples (e.g. :attr:`QuerySource.ntriples`).
    :param store_dir: or an on-disk pyoxigraph store, opened read-only by each worker.
    :raises QueryError: the store was loaded without the derived facts the catalog
        queries read (:func:`gutbone.derived.require_derived_facts`): rebuild it.
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
        if store_dir is not None:  # a store of an earlier gutbone would answer 0 rows silently
            require_derived_facts(open_store(store_dir), str(store_dir))
        self.config = config
        self._ntriples = ntriples
        self._store_dir = str(store_dir) if store_dir is not None else None
        self._tmp: Path | None = None
        self._pool: WorkerPool | None = None
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

    @property
    def pool(self) -> WorkerPool:
        """The worker pool (for tests and monitoring)."""
        if self._pool is None:
            raise QueryError("the endpoint is not started")
        return self._pool

    def start(self) -> None:
        """Start the workers (waiting until their stores are loaded) and bind the port."""
        nt_path = None
        if self._ntriples is not None:
            self._tmp = Path(tempfile.mkdtemp(prefix="gutbone-endpoint-"))
            nt_file = self._tmp / "graph.nt"
            nt_file.write_text(self._ntriples, encoding="utf-8")
            nt_path = str(nt_file)
        try:
            self._pool = WorkerPool(self.config.pool_settings(), nt_path, self._store_dir)
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
