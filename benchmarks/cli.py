"""Start-up and warm-cache timings of the command line (issue 14), against `python -c pass`.

    python benchmarks/cli.py [--repeat N]

Each command runs N times (default 5) as a fresh process; the median wall time and the
median CPU time of the child (user + system, from os.wait4) are printed, with their ratio
to `python -c pass` measured in the same run. The graph cache lives in a temporary folder
(GUTBONE_CACHE_DIR): one cold `sparql` run fills it, then the warm runs are timed.

Goals (printed, not asserted): `gutbone --help` <= 0.3 s CPU; a catalog `sparql` query
with a warm cache <= 1.0 s wall; `paths` <= 1.5 s wall.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COMMANDS: list[tuple[str, list[str], str, float]] = [
    # label, arguments after `python`, goal kind, goal (seconds)
    ("python -c pass", ["-c", "pass"], "", 0.0),
    ("gutbone --help", ["-m", "gutbone", "--help"], "cpu", 0.3),
    ("gutbone sparql counts_by_category (warm cache)",
     ["-m", "gutbone", "sparql", "counts_by_category"], "wall", 1.0),
    ("gutbone paths --from Lachnospiraceae --to 'bone density'",
     ["-m", "gutbone", "paths", "--from", "Lachnospiraceae", "--to", "bone density"],
     "wall", 1.5),
]  # fmt: skip


def run_once(arguments: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=env,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{arguments} failed with exit code {process.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    """Time the commands and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, GUTBONE_CACHE_DIR=cache)
        cold_wall, cold_cpu = run_once(COMMANDS[2][1], env)  # fills the cache
        rows = []
        for label, arguments, kind, goal in COMMANDS:
            runs = [run_once(arguments, env) for _ in range(args.repeat)]
            rows.append((label, statistics.median(w for w, _ in runs),
                         statistics.median(c for _, c in runs), kind, goal))  # fmt: skip
    base_wall, base_cpu = rows[0][1], rows[0][2]
    print(f"median of {args.repeat} runs; baseline `python -c pass` measured in this run")
    print(f"{'command':<58} {'wall s':>7} {'x base':>7} {'CPU s':>7} {'x base':>7}  goal")
    for label, wall, cpu, kind, goal in rows:
        verdict = ""
        if kind:
            value = cpu if kind == "cpu" else wall
            verdict = f"{kind} <= {goal} s: {'met' if value <= goal else 'NOT met'}"
        print(f"{label:<58} {wall:7.3f} {wall / base_wall:7.1f} {cpu:7.3f} "
              f"{cpu / max(base_cpu, 1e-3):7.1f}  {verdict}")  # fmt: skip
    print(f"(cold-cache sparql, building the graph: {cold_wall:.2f} s wall, {cold_cpu:.2f} s CPU)")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
