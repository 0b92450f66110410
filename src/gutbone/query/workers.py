"""Supervised query workers for the endpoint, shared fairly between clients.

Each query runs in a worker process (a fresh interpreter holding its own pyoxigraph
store), because a running query cannot be interrupted: past the time limit its worker
is killed and replaced. The pool is

- **supervised**: a worker that dies (killed, or crashed by a query) is replaced, and a
  worker is checked before a query is handed to it, so the next query never sees the
  failure; a query whose worker died while it ran gets an error of its own;
- **fair**: each client (IP address) runs at most ``per_client`` queries at a time and
  queues at most ``queue_per_client`` more; waiting queries are served round-robin
  between clients; the whole queue is bounded (``max_queue``), and a full queue is
  answered at once ("busy") rather than held;
- **elastic**: it keeps ``workers`` processes and, when every one is busy, starts more up
  to ``max_workers`` (extra workers idle for :data:`SPARE_IDLE_SECONDS` are stopped), so
  clients running long queries cannot take every worker as long as
  (heavy clients x ``per_client``) < ``max_workers``.

>>> PoolSettings().max_workers
6
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from gutbone.errors import QueryError
from gutbone.query.sparql import QueryLimitError, run_query

__all__ = ["PoolSettings", "WorkerPool", "SPARE_IDLE_SECONDS"]

#: Seconds an extra worker (above ``workers``) may stay idle before it is stopped.
SPARE_IDLE_SECONDS = 10.0
_START_TIMEOUT = 120.0


@dataclass(frozen=True)
class PoolSettings:
    """Sizes and limits of a :class:`WorkerPool`.

    :param workers: processes kept running.
    :param max_workers: most processes at once (extra ones serve bursts).
    :param per_client: most queries one client runs at the same time.
    :param queue_per_client: most queries of one client waiting for a worker.
    :param max_queue: most queries waiting in all.
    :param timeout: seconds a query may run before its worker is killed.
    :param max_rows: largest result, rows or triples.
    """

    workers: int = 2
    max_workers: int = 6
    per_client: int = 2
    queue_per_client: int = 32
    max_queue: int = 256
    timeout: float = 10.0
    max_rows: int = 10000

    def __post_init__(self) -> None:
        if not self.timeout > 0:
            raise QueryError(f"timeout must be above 0, not {self.timeout}")
        names = (
            "max_rows",
            "workers",
            "max_workers",
            "per_client",
            "queue_per_client",
            "max_queue",
        )
        for name in names:
            if getattr(self, name) < 1:
                raise QueryError(f"{name} must be at least 1, not {getattr(self, name)}")
        if self.max_workers < self.workers:
            raise QueryError(f"max_workers ({self.max_workers}) is below workers ({self.workers})")


def worker_main(fd: int, nt_path: str, store_dir: str, max_rows: int) -> None:  # pragma: no cover
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
            "import sys; from gutbone.query.workers import worker_main; "
            "worker_main(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]))"
        )
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", code, str(child.fileno())]
            + [nt_path or "", store_dir or "", str(max_rows)],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.idle_since = time.monotonic()

    def alive(self) -> bool:
        return self.process.poll() is None

    def healthy(self) -> bool:
        """Alive, and nothing unexpected (data or end of file) waiting on its socket."""
        try:
            return self.alive() and not self.conn.poll(0)
        except (OSError, EOFError):
            return False

    def wait_ready(self, timeout: float) -> int:
        """Wait until the store is loaded; return its number of triples."""
        if not self.conn.poll(timeout):
            raise QueryError("the query worker did not start in time")
        try:
            status, detail = self.conn.recv()
        except (EOFError, OSError):
            raise QueryError("the query worker failed to start") from None
        if status != "ready":
            raise QueryError(str(detail))
        return int(detail)

    def run(self, text: str, timeout: float) -> tuple[str, Any]:
        """Send a query and wait for its answer: ``(status, detail)``.

        ``lost`` means the worker was gone before the query reached it (the query can go to
        another worker); ``crashed`` that it stopped while running this query.
        """
        try:
            self.conn.send(text)
        except (OSError, ValueError):
            return ("lost", "the query worker had stopped")
        try:
            if self.conn.poll(timeout):
                reply: tuple[str, Any] = self.conn.recv()
                return reply
        except (EOFError, OSError):
            return ("crashed", "the query stopped its worker process (it was replaced)")
        return ("timeout", f"the query ran longer than the time limit of {timeout:g} s")

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        self.conn.close()


@dataclass
class _Ticket:
    """A query waiting for a worker."""

    client: str
    granted: threading.Event = field(default_factory=threading.Event)
    worker: _Worker | None = None


class WorkerPool:
    """Worker processes shared round-robin between clients (see the module docstring).

    :param settings: sizes and limits.
    :param nt_path: the graph as an N-Triples file, loaded by each worker.
    :param store_dir: or an on-disk store, opened read-only by each worker.
    """

    def __init__(self, settings: PoolSettings, nt_path: str | None, store_dir: str | None):
        self.settings = settings
        self._nt_path = nt_path
        self._store_dir = store_dir
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._starting = 0
        self._running: Counter[str] = Counter()
        self._queues: dict[str, deque[_Ticket]] = {}
        self._closed = threading.Event()
        self.triples = 0
        first = [self._new_worker() for _ in range(settings.workers)]
        try:
            for worker in first:
                self.triples = worker.wait_ready(_START_TIMEOUT)
        except QueryError:
            for worker in first:
                worker.stop()
            raise
        self._idle.extend(first)
        self._supervisor = threading.Thread(target=self._supervise, daemon=True)
        self._supervisor.start()

    def _new_worker(self) -> _Worker:
        return _Worker(self._nt_path, self._store_dir, self.settings.max_rows)

    # ------------------------------------------------------------ growth and repair

    def _total(self) -> int:
        return len(self._idle) + len(self._busy) + self._starting

    def _grow_locked(self) -> None:
        """Start workers while none is idle or starting, up to ``max_workers``."""
        waiting = sum(
            len(queue)
            for client, queue in self._queues.items()
            if self._running[client] < self.settings.per_client
        )
        wanted = max(1, waiting) if not self._idle else 0
        wanted = max(wanted, self.settings.workers - self._total())
        while wanted > self._starting and self._total() < self.settings.max_workers:
            self._starting += 1
            threading.Thread(target=self._start_one, daemon=True).start()

    def _start_one(self) -> None:
        worker: _Worker | None = None
        try:
            worker = self._new_worker()
            worker.wait_ready(_START_TIMEOUT)
        except (QueryError, OSError):
            if worker is not None:
                worker.stop()
            worker = None
        with self._lock:
            self._starting -= 1
            if worker is not None and not self._closed.is_set():
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
                self._dispatch_locked()
                return
        if worker is not None:
            worker.stop()

    def _supervise(self) -> None:
        """Every half second: replace dead idle workers, stop long-idle extra ones."""
        while not self._closed.wait(0.5):
            retired: list[_Worker] = []
            with self._lock:
                now = time.monotonic()
                for worker in list(self._idle):
                    extra = self._total() - len(retired) > self.settings.workers
                    if not worker.healthy() or (
                        extra and now - worker.idle_since > SPARE_IDLE_SECONDS
                    ):
                        self._idle.remove(worker)
                        retired.append(worker)
                self._grow_locked()
            for worker in retired:
                worker.stop()

    # ------------------------------------------------------------ scheduling

    def _dispatch_locked(self) -> None:
        """Hand idle workers to waiting queries, round-robin over clients."""
        while self._idle:
            client = next(
                (
                    c
                    for c, queue in self._queues.items()
                    if queue and self._running[c] < self.settings.per_client
                ),
                None,
            )
            if client is None:
                return
            worker = self._idle.pop()
            if not worker.healthy():
                threading.Thread(target=worker.stop, daemon=True).start()
                self._grow_locked()
                continue
            queue = self._queues.pop(client)  # re-inserted last: round-robin order
            ticket = queue.popleft()
            if queue:
                self._queues[client] = queue
            ticket.worker = worker
            self._busy.add(worker)
            self._running[client] += 1
            ticket.granted.set()
        if not self._idle:
            self._grow_locked()  # keep a warm spare for the next client

    def _enqueue(self, client: str) -> _Ticket | None:
        with self._lock:
            queued = sum(len(q) for q in self._queues.values())
            mine = len(self._queues.get(client, ()))
            if queued >= self.settings.max_queue or mine >= self.settings.queue_per_client:
                return None
            ticket = _Ticket(client)
            self._queues.setdefault(client, deque()).append(ticket)
            self._dispatch_locked()
            if not ticket.granted.is_set():
                self._grow_locked()
            return ticket

    def _withdraw(self, ticket: _Ticket) -> bool:
        """Take a ticket out of its queue; False when it was granted meanwhile."""
        with self._lock:
            queue = self._queues.get(ticket.client)
            if queue is not None and ticket in queue:
                queue.remove(ticket)
                if not queue:
                    del self._queues[ticket.client]
                return True
            return False

    def _release(self, ticket: _Ticket, keep: bool) -> None:
        worker = ticket.worker
        assert worker is not None
        with self._lock:
            self._busy.discard(worker)
            self._running[ticket.client] -= 1
            if self._running[ticket.client] <= 0:
                del self._running[ticket.client]
            if keep and not self._closed.is_set():
                worker.idle_since = time.monotonic()
                self._idle.append(worker)
            self._dispatch_locked()
            self._grow_locked()
        if not keep:
            worker.stop()

    def execute(self, client: str, text: str) -> tuple[str, Any]:
        """Run one query for ``client``; return ``(status, detail)``.

        Status ``ok`` (detail: the result), ``error`` (a bad query), ``limit`` (rows),
        ``timeout``, ``busy`` (queue full or no worker in time) or ``crashed``.
        """
        for _ in range(3):
            ticket = self._enqueue(client)
            if ticket is None:
                return ("busy", "too many queries are waiting; try again later")
            if not ticket.granted.wait(self.settings.timeout * 3 + 30) and self._withdraw(ticket):
                return ("busy", "no query worker became free in time; try again later")
            assert ticket.worker is not None
            status, detail = ticket.worker.run(text, self.settings.timeout)
            keep = status in ("ok", "error", "limit") and ticket.worker.healthy()
            self._release(ticket, keep)
            if status != "lost":
                return status, detail
        return ("crashed", "no query worker could be started")

    def close(self) -> None:
        """Stop every worker."""
        self._closed.set()
        with self._lock:
            workers = self._idle + list(self._busy)
            self._idle.clear()
        for worker in workers:
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
            worker.stop()
