"""Throughput and latency of `gutbone serve`, and fairness under cartesian queries.

Usage: python benchmarks/endpoint.py [--requests N] [--fair-seconds S] [--workers W]

Starts the endpoint in-process on 127.0.0.1 over the curated graph (loopback only; every
loop is bounded by a request count or a duration) and prints, measured in this run:

1. throughput (queries/s) and p50/p95/p99 latency of a light query (a catalog-style
   lookup) for 50 and for 200 concurrent clients, each client a distinct loopback
   address (127.0.0.x) holding one keep-alive connection, and the error count;
2. the p50/p95 latency of the same light query from one client alone (the baseline),
   then while two other clients loop a cartesian ``COUNT(*)`` that runs to the time
   limit, and the ratio of the two p95s. Goal from issue 18: p95 under 1 s while the
   cartesian clients run (printed, not asserted).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
import urllib.parse

from gutbone.query.endpoint import EndpointConfig, SparqlEndpoint
from gutbone.query.source import load_source

LIGHT = (
    "SELECT ?o WHERE { <http://purl.obolibrary.org/obo/NCBITaxon_186803> "
    "<https://w3id.org/gutbone/vocab#produces> ?o }"
)
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GOAL_SECONDS = 1.0


def percentile(values: list[float], q: float) -> float:
    """Percentile by linear interpolation (numpy's default, R type 7)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Client:
    """One keep-alive HTTP connection from its own loopback address."""

    def __init__(self, port: int, source: str) -> None:
        self.conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=120, source_address=(source, 0)
        )

    def ask(self, query: str) -> tuple[int, float]:
        path = "/query?" + urllib.parse.urlencode({"query": query})
        start = time.perf_counter()
        try:
            self.conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = self.conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status = 0
        return status, time.perf_counter() - start

    def close(self) -> None:
        self.conn.close()


def address(index: int) -> str:
    """The index-th client address: 127.0.1.1, 127.0.1.2, ... (never the server's)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def load_test(port: int, clients: int, requests: int) -> None:
    """``requests`` light queries shared by ``clients`` concurrent clients."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def run(index: int) -> None:
        nonlocal errors
        client = Client(port, address(index))
        mine = []
        bad = 0
        for _ in range(per_client):
            status, seconds = client.ask(LIGHT)
            mine.append(seconds)
            bad += status != 200
        client.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    p50, p95, p99 = (percentile(latencies, q) * 1000 for q in (0.5, 0.95, 0.99))
    print(
        f"{clients:4d} clients: {len(latencies) / elapsed:7.0f} q/s, latency ms "
        f"p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}, errors {errors} of {len(latencies)}"
    )


def light_latencies(port: int, seconds: float) -> list[float]:
    client = Client(port, "127.0.3.1")
    out = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, elapsed = client.ask(LIGHT)
        if status != 200:
            raise SystemExit(f"the light query failed with HTTP {status}")
        out.append(elapsed)
        time.sleep(0.05)
    client.close()
    return out


def fairness(port: int, seconds: float) -> None:
    """p95 of the light query alone, then while two clients loop cartesian queries."""
    alone = light_latencies(port, seconds / 2)
    stop = threading.Event()
    heavy: list[int] = []

    def abuse(source: str) -> None:
        client = Client(port, source)
        while not stop.is_set():
            heavy.append(client.ask(CARTESIAN)[0])
        client.close()

    abusers = [threading.Thread(target=abuse, args=(f"127.0.2.{i}",)) for i in (1, 2)]
    for thread in abusers:
        thread.start()
    time.sleep(0.5)
    loaded = light_latencies(port, seconds)
    stop.set()
    for thread in abusers:
        thread.join()
    p95_alone, p95_loaded = percentile(alone, 0.95), percentile(loaded, 0.95)
    print(
        f"light query alone: p50 {statistics.median(alone) * 1000:.1f} ms, "
        f"p95 {p95_alone * 1000:.1f} ms ({len(alone)} queries)"
    )
    print(
        f"light query while 2 clients loop a cartesian COUNT(*): p50 "
        f"{statistics.median(loaded) * 1000:.1f} ms, p95 {p95_loaded * 1000:.1f} ms "
        f"({len(loaded)} queries; {len(heavy)} cartesian queries, answered "
        f"{sorted(set(heavy))}); ratio p95 {p95_loaded / p95_alone:.1f}x; goal p95 < "
        f"{GOAL_SECONDS:g} s: {'met' if p95_loaded < GOAL_SECONDS else 'NOT met'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="light queries per load test")
    parser.add_argument("--fair-seconds", type=float, default=20.0, help="fairness phase length")
    parser.add_argument("--workers", type=int, default=2, help="endpoint --workers")
    parser.add_argument("--timeout", type=float, default=10.0, help="endpoint --timeout")
    args = parser.parse_args()

    source = load_source()
    config = EndpointConfig(port=0, workers=args.workers, timeout=args.timeout)
    with SparqlEndpoint(config, ntriples=source.ntriples) as endpoint:
        endpoint.serve_in_background()
        port = int(endpoint.url.rsplit(":", 1)[1])
        print(
            f"endpoint over {endpoint.pool.triples} triples: workers {config.workers} (up to "
            f"{config.pool_settings().max_workers}), timeout {config.timeout:g} s, "
            f"per client {config.per_client}"
        )
        for clients in (50, 200):
            load_test(port, clients, args.requests)
        fairness(port, args.fair_seconds)


if __name__ == "__main__":
    main()
