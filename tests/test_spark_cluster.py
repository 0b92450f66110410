"""``paths --engine spark`` against a real Spark standalone cluster on 127.0.0.1.

The module fixture starts a Spark master and two workers as separate JVM processes with
the pyspark package's own launcher (``$SPARK_HOME/bin/spark-class``, SPARK_HOME = the
installed pyspark folder: nothing is downloaded), waits until the master's JSON status
(``http://127.0.0.1:UI/json/``) lists both workers alive, and stops every process it
started at the end, even after a failure (each is the leader of its own process group,
which also holds the executors a worker forks).

The CLI then runs as a separate driver process (``python -m gutbone paths ... --master
spark://127.0.0.1:PORT``) with no shared Python state: the executors start the venv's
interpreter (``PYSPARK_PYTHON``) and receive gutbone as a zip (``addPyFile``); the
driver's settings come from a ``spark-defaults.conf`` in ``SPARK_CONF_DIR``, as on any
cluster. Its output must be byte-identical to the local sparse engine's on a generated
graph (``benchmarks/generate.py``, KGX TSV read by Spark on the executors) and on the
curated graph.

When pyspark or Java is missing the tests FAIL under ``CI=true`` and are skipped locally.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.spark_cluster

ROOT = Path(__file__).resolve().parents[1]
WORKERS = 2
STARTUP_SECONDS = 180.0
METAPATH = "Taxon>Metabolite>BoneOutcome"


def _spark_home() -> Path | None:
    spec = importlib.util.find_spec("pyspark")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def _unavailable() -> str | None:
    home = _spark_home()
    if home is None:
        return "pyspark (the spark extra) is not installed"
    if not (home / "bin" / "spark-class").exists():
        return f"{home}/bin/spark-class is missing"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (java not on PATH, JAVA_HOME unset)"
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Cluster:
    """A running standalone cluster."""

    master: str
    ui: str
    env: dict[str, str]
    logs: Path


def _alive_workers(ui: str) -> int:
    try:
        with urllib.request.urlopen(f"{ui}/json/", timeout=5) as response:  # noqa: S310
            status = json.load(response)
    except OSError:
        return -1
    return sum(1 for w in status.get("workers", []) if w.get("state") == "ALIVE")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(processes):
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in reversed(processes):
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # executors and Python workers share their worker's process group
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _log_tail(logs: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        for log in sorted(logs.glob("*.log"))
    )


@contextmanager
def standalone_cluster(folder: Path) -> Iterator[Cluster]:
    """Start a master and two workers (1 core, 1 GB each) on 127.0.0.1; stop them after.

    :param folder: where the logs, the driver's ``spark-defaults.conf`` and the workers'
        work folders go.
    :raises RuntimeError: pyspark/Java missing, or the cluster did not start (log tails).
    """
    reason = _unavailable()
    home = _spark_home()
    if reason is not None or home is None:
        raise RuntimeError(reason)
    logs = folder / "logs"
    logs.mkdir()
    conf = folder / "conf"
    conf.mkdir()
    # the driver's settings, as a user would write them for an existing cluster
    (conf / "spark-defaults.conf").write_text(
        "spark.executor.memory 512m\n"
        "spark.executor.cores 1\n"
        f"spark.cores.max {WORKERS}\n"
        "spark.driver.host 127.0.0.1\n"
        "spark.driver.memory 512m\n",
        encoding="utf-8",
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SPARK_", "PYSPARK_")) and key != "PYTHONPATH"
    }
    env.update(
        SPARK_HOME=str(home),
        SPARK_CONF_DIR=str(conf),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="256m",
        SPARK_LOG_DIR=str(logs),
        PYSPARK_PYTHON=sys.executable,
    )
    port, ui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    spark_class = str(home / "bin" / "spark-class")
    commands = [
        ("master", [spark_class, "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)]),
    ]  # fmt: skip
    for n in range(WORKERS):
        work = folder / f"work{n}"
        commands.append(
            (f"worker{n}", [spark_class, "org.apache.spark.deploy.worker.Worker", master,
                            "--host", "127.0.0.1", "--webui-port", str(_free_port()),
                            "--cores", "1", "--memory", "1g", "--work-dir", str(work)])
        )  # fmt: skip
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for name, command in commands:
            with open(logs / f"{name}.log", "wb") as log:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - the installed pyspark's launcher
                        command, env=env, stdout=log, stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )  # fmt: skip
        ui_url = f"http://127.0.0.1:{ui}"
        deadline = time.monotonic() + STARTUP_SECONDS
        while _alive_workers(ui_url) < WORKERS:
            dead = [p.args for p in processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(
                    f"the cluster did not start ({dead or 'timeout'}):\n{_log_tail(logs)}"
                )
            time.sleep(1)
        yield Cluster(master, ui_url, env, logs)
    finally:
        _stop(processes)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A Spark master and two workers (1 core, 1 GB each) on 127.0.0.1."""
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Spark cluster test cannot run in CI: {reason}")
        pytest.skip(reason)
    try:
        with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as running:
            yield running
    except RuntimeError as exc:
        pytest.fail(str(exc))


def _gutbone(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    run_env = dict(env, PYTHONPATH=str(ROOT / "src"))
    return subprocess.run(  # noqa: S603 - this interpreter running gutbone
        [sys.executable, "-m", "gutbone", *args],
        env=run_env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def _same_on_cluster(cluster: Cluster, args: list[str]) -> str:
    common = ["paths", *args, "--from", "Taxon", "--to", "BoneOutcome", "--metapath", METAPATH,
              "--format", "csv", "--top", "100000"]  # fmt: skip
    local = _gutbone(cluster.env, *common, "--engine", "sparse")
    assert local.returncode == 0, local.stderr
    remote = _gutbone(cluster.env, *common, "--engine", "spark", "--master", cluster.master)
    assert remote.returncode == 0, remote.stderr + _log_tail(cluster.logs)
    assert "(spark, damping 0.4)" in remote.stderr
    got, expected = _scores(remote.stdout), _scores(local.stdout)
    assert got.keys() == expected.keys()
    for pair, row in expected.items():
        # every column identical; DWPC sums run in another order on the cluster: to rounding
        assert {k: v for k, v in got[pair].items() if k != "dwpc"} == {
            k: v for k, v in row.items() if k != "dwpc"
        }
        assert float(got[pair]["dwpc"]) == pytest.approx(float(row["dwpc"]), rel=1e-12)
    return local.stdout


def _scores(text: str) -> dict[tuple[str, str], dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    scores = {(row["source"], row["target"]): row for row in rows}
    assert len(scores) == len(rows) > 0
    return scores


def _executor_apps(cluster: Cluster) -> int:
    with urllib.request.urlopen(f"{cluster.ui}/json/", timeout=5) as response:  # noqa: S310
        status = json.load(response)
    return len(status.get("completedapps", [])) + len(status.get("activeapps", []))


def test_generated_graph_on_the_cluster(cluster: Cluster, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate  # its dataclasses look their module up
    spec.loader.exec_module(generate)
    graph = tmp_path / "g"
    generate.write(generate.generate(5_000, seed=7), graph, 7)
    before = _executor_apps(cluster)
    out = _same_on_cluster(cluster, ["--kgx", str(graph)])
    # many scored taxon -> bone outcome pairs, and the job really ran on the cluster
    assert out.count("\n") > 100
    assert _executor_apps(cluster) == before + 1


def test_curated_graph_on_the_cluster(cluster: Cluster) -> None:
    out = _same_on_cluster(cluster, [])
    # the curated graph links Lachnospiraceae (NCBITaxon:186803) to a bone outcome
    # through a metabolite (butyrate, CHEBI:17968: tests/test_paths_curated.py)
    assert "NCBITaxon:186803" in out


def test_executors_import_the_shipped_gutbone(cluster: Cluster) -> None:
    # executors run in other processes: gutbone must come from the zip the driver ships
    script = (
        "import sys\n"
        "from gutbone.query.spark_engine import spark_session\n"
        f"spark = spark_session({cluster.master!r}, partitions=2)\n"
        "def where(_):\n"
        "    import os, gutbone.query.metapaths as m\n"
        "    return (m.__file__, os.getpid())\n"
        "found = spark.sparkContext.parallelize(range(4), 4).map(where).collect()\n"
        "print(sys.executable)\n"
        "for file, pid in found: print(file, pid)\n"
        "spark.stop()\n"
    )
    run_env = dict(cluster.env, PYTHONPATH=str(ROOT / "src"))
    done = subprocess.run(  # noqa: S603 - this interpreter
        [sys.executable, "-c", script], env=run_env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + _log_tail(cluster.logs)
    lines = done.stdout.splitlines()
    files = [line.rsplit(" ", 1) for line in lines[1:]]
    assert len(files) == 4
    assert all(".zip" in file and file.endswith("gutbone/query/metapaths.py") for file, _ in files)
    assert all(int(pid) != os.getpid() for _, pid in files)
