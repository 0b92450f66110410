"""Issue 18, item 8: whole-folder atomic outputs, stale staging folders, write failures.

``report`` and ``build`` stage their whole output folder beside the target and exchange it
in one step (:func:`gutbone.io.replace_directory`). The kill test forks the real command
from a warmed-up interpreter (so that the kill lands in the command's work, not in the
seconds of interpreter start-up on a loaded machine) and sends SIGKILL at a seeded random
moment of its run, or (every other kill) 0-5 ms after it starts writing the new folder;
after each kill the output folder must be exactly the old output or
exactly the new one (file-by-file SHA-256 manifest).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gutbone.cli import main
from gutbone.errors import OutputError
from gutbone.io import atomic_write, remove_stale, replace_directory

FIXTURE = Path(__file__).parent / "fixtures" / "data_small"
KILLS = 10
Manifest = dict[str, str]

#: Runs gutbone commands in forked children of one warmed-up interpreter: reads a JSON
#: argument list per line, prints the child's pid, then its wait status.
_FORK_SERVER = """
import contextlib, io, json, os, sys
from gutbone.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    for warm in json.loads(sys.argv[1]):
        main(warm)
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        os._exit(main(json.loads(line)))
    print(pid, flush=True)
    print(os.waitpid(pid, 0)[1], flush=True)
"""


def manifest(folder: Path) -> Manifest:
    """Relative path -> SHA-256 of every file under ``folder`` (hidden files included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _variant(root: Path) -> Path:
    """The small fixture with one label changed: a different, valid output."""
    data = root / "data_b"
    shutil.copytree(FIXTURE, data)
    nodes = data / "nodes" / "core.csv"
    nodes.write_text(nodes.read_text(encoding="utf-8").replace(",butyrate,", ",butyric acid,"))
    return data


class ForkServer:
    """A warmed-up interpreter that forks one gutbone command at a time."""

    def __init__(self, warm: list[list[str]]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _FORK_SERVER, json.dumps(warm)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None and self.process.stdin is not None
        assert self.process.stdout.readline().strip() == "ready"

    def start(self, args: list[str]) -> int:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(args) + "\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def wait(self) -> int:
        """The wait status of the last command (after it ended or was killed)."""
        assert self.process.stdout is not None
        return int(self.process.stdout.readline())

    def run(self, args: list[str]) -> float:
        """Run a command to its end; return its duration in seconds."""
        start = time.perf_counter()
        self.start(args)
        status = self.wait()
        assert os.waitstatus_to_exitcode(status) == 0, args
        return time.perf_counter() - start

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ForkServer]:
    warm = tmp_path_factory.mktemp("warm")
    instance = ForkServer([
        ["build", "--data", str(FIXTURE), "--out", str(warm / "b")],
        ["report", "--data", str(FIXTURE), "--out", str(warm / "r")],
    ])  # fmt: skip
    try:
        yield instance
    finally:
        instance.close()


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # the fork server reaps its child at once: a pid that is gone ended
    except ProcessLookupError:
        return False
    return True


def _wait_for_kill_moment(
    pid: int, out: Path, rng: random.Random, duration: float, *, during_write: bool
) -> None:
    """Sleep until the moment to kill: a random one of the run, or just after the staging
    folder ``.out.gutbone-new-*`` appears (0-5 ms into writing the new output)."""
    if not during_write:
        time.sleep(rng.uniform(0.0, 1.2 * duration))
        return
    while _running(pid) and not any(
        p.name.startswith(f".{out.name}.gutbone-new-") for p in out.parent.iterdir()
    ):
        time.sleep(0.0005)
    time.sleep(rng.uniform(0.0, 0.005))


@pytest.mark.parametrize("command", ["report", "build"])
def test_kill_9_leaves_old_or_new_output_whole(
    command: str, server: ForkServer, tmp_path: Path
) -> None:
    data = {"a": FIXTURE, "b": _variant(tmp_path)}
    expected: dict[str, Manifest] = {}
    durations = []
    for key, folder in data.items():
        durations.append(server.run([command, "--data", str(folder), "--out", str(tmp_path / key)]))
        expected[key] = manifest(tmp_path / key)
    assert expected["a"] != expected["b"] and len(expected["a"]) >= 3
    out = tmp_path / "work" / "out"
    server.run([command, "--data", str(FIXTURE), "--out", str(out)])
    current = manifest(out)
    assert current == expected["a"]
    rng = random.Random(f"issue-18-{command}")
    left_behind = 0
    for number in range(KILLS):
        key = "b" if number % 2 == 0 else "a"
        pid = server.start([command, "--data", str(data[key]), "--out", str(out)])
        # odd kills: any moment of the run; even kills: while the new folder is being written
        _wait_for_kill_moment(pid, out, rng, max(durations), during_write=number % 2 == 0)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # pragma: no cover - ended between the checks
            pass
        server.wait()
        found = manifest(out) if out.exists() else {}
        assert found in (current, expected[key]), f"kill {number}: a mix of old and new"
        left_behind += any(p.name != "out" for p in out.parent.iterdir())
        current = found
    assert left_behind > 0  # some kills did land mid-write (their staging folder was left)
    # the next complete run removes what the killed ones left beside the output
    server.run([command, "--data", str(FIXTURE), "--out", str(out)])
    assert manifest(out) == expected["a"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_next_run_removes_stale_staging_and_restores_a_missing_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    dead = 2**22 + 12345  # above the default pid_max: no such process
    partial = tmp_path / f".out.gutbone-new-{dead}-0a1b2c3d"
    partial.mkdir()
    (partial / "gutbone.ttl").write_text("half a graph")
    old = tmp_path / f".out.gutbone-old-{dead}-0a1b2c3d"
    old.mkdir()
    (old / "gutbone.ttl").write_text("the previous good build")
    live = tmp_path / f".out.gutbone-new-{os.getpid()}-ffffffff"  # a run still going: kept
    live.mkdir()
    removed = remove_stale(out)
    assert sorted(p.name for p in removed) == [partial.name]
    assert (out / "gutbone.ttl").read_text() == "the previous good build"  # renamed back
    shutil.rmtree(live)
    assert main(["build", "--data", str(FIXTURE), "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in out.iterdir()) == ["gutbone.jsonld", "gutbone.nt", "gutbone.ttl"]


def test_failed_report_keeps_the_previous_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["report", "--data", str(FIXTURE), "--out", str(out)]) == 0
    before = manifest(out)
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE, broken)
    edges = broken / "edges" / "core.csv"
    edges.write_text(edges.read_text().replace(",produces,", ",makes,"))
    capsys.readouterr()
    assert main(["report", "--data", str(broken), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "edges/core.csv:2:predicate: 'makes' is not a known predicate" in err
    assert "previous report" in err
    assert manifest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "out"]


def test_foreign_folder_is_refused_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["build", "--data", str(FIXTURE), "--out", str(tmp_path)]) == 1
    assert "holds files gutbone did not write (notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    store = tmp_path / "store"
    store.mkdir()
    (store / "thesis.tex").write_text("mine")
    code = main(["build", "--data", str(FIXTURE), "--out", str(tmp_path / "b"), "--store", str(store)])
    assert code == 1
    assert "holds files gutbone did not write (thesis.tex)" in capsys.readouterr().err
    assert [p.name for p in store.iterdir()] == ["thesis.tex"]


@pytest.mark.parametrize("umask, file_mode, dir_mode", [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_outputs_respect_the_umask(tmp_path: Path, umask: int, file_mode: int, dir_mode: int) -> None:
    previous = os.umask(umask)
    try:
        assert main(["report", "--data", str(FIXTURE), "--out", str(tmp_path / "r")]) == 0
        assert main(["view", "--data", str(FIXTURE), "--out", str(tmp_path / "v.html")]) == 0
        assert main(["export", "--data", str(FIXTURE), "--format", "kgx",
                     "--out", str(tmp_path / "kgx")]) == 0  # fmt: skip
        assert main(["meta", str(FIXTURES_STUDIES), "--forest", str(tmp_path / "f.svg")]) == 0
        kgx = tmp_path / "kgx"
        assert main(["import", "--no-merge", str(kgx), "--out", str(tmp_path / "imported")]) == 0
    finally:
        os.umask(previous)
    paths = [p for p in tmp_path.rglob("*")]
    assert len(paths) > 15
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (dir_mode if path.is_dir() else file_mode), f"{path}: {oct(mode)}"


FIXTURES_STUDIES = Path(__file__).parent.parent / "data" / "studies" / "bmd_hip.csv"


def _refuse(monkeypatch: pytest.MonkeyPatch, under: Path, code: int) -> None:
    """Make every creation of a file or folder under ``under`` fail with ``code``, as the
    kernel does on a full disk (ENOSPC) or a read-only file system (EROFS)."""
    def fail(path: object) -> None:
        if Path(os.fsdecode(path)).is_relative_to(under):  # type: ignore[arg-type]
            raise OSError(code, os.strerror(code), os.fsdecode(path))  # type: ignore[arg-type]

    real_open, real_mkdir = os.open, Path.mkdir
    real_text, real_bytes = Path.write_text, Path.write_bytes

    def refused_open(path: str, flags: int, *args: int, **kwargs: int) -> int:
        if flags & os.O_CREAT:
            fail(path)
        return real_open(path, flags, *args, **kwargs)

    def refused(real):  # type: ignore[no-untyped-def]
        def method(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
            fail(self)
            return real(self, *args, **kwargs)
        return method

    monkeypatch.setattr(os, "open", refused_open)
    monkeypatch.setattr(Path, "mkdir", refused(real_mkdir))
    monkeypatch.setattr(Path, "write_text", refused(real_text))
    monkeypatch.setattr(Path, "write_bytes", refused(real_bytes))


@pytest.mark.parametrize(
    "code, text", [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system")]
)
def test_full_disk_or_read_only_folder_exits_1_with_path_and_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    code: int, text: str,
) -> None:
    _refuse(monkeypatch, tmp_path, code)
    out = tmp_path / "out"
    for args in (["build", "--out", str(out)], ["report", "--out", str(out)],
                 ["view", "--out", str(tmp_path / "v.html")]):  # fmt: skip
        assert main([*args[:1], "--data", str(FIXTURE), *args[1:]]) == 1, args
        err = capsys.readouterr().err
        assert f"error: {tmp_path}" in err and text in err, err
        assert "internal error" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_file_size_limit_is_an_os_error_not_a_crash(tmp_path: Path) -> None:
    """A real kernel refusal (RLIMIT_FSIZE -> EFBIG, for root too) during ``build``."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "gutbone", "build", "--data", str(FIXTURE), "--out", str(out)],
        capture_output=True, text=True, preexec_fn=limit, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert f"error: {out}: output not written: File too large" in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_unwritable_parent_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    assert main(["build", "--data", str(FIXTURE), "--out", str(blocker / "out")]) == 1
    err = capsys.readouterr().err
    assert f"error: {blocker / 'out'}: output not written: File exists ({blocker})" in err
    with pytest.raises(OutputError, match="is a folder"):
        atomic_write(tmp_path, "x")
    assert main(["view", "--data", str(FIXTURE), "--out", str(tmp_path)]) == 1
    assert "is a folder; give a file name" in capsys.readouterr().err


def test_replace_directory_failure_leaves_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "t"
    target.mkdir()
    (target / "keep").write_text("old")
    with pytest.raises(RuntimeError), replace_directory(target) as staging:
        (staging / "keep").write_text("new")
        raise RuntimeError("the block failed")
    assert (target / "keep").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


def test_atomic_write_removes_temporary_files_of_killed_runs(tmp_path: Path) -> None:
    dead = 2**22 + 12345
    stale = tmp_path / f".v.html.{dead}-0a1b2c3d.tmp"
    stale.write_text("half a page")
    live = tmp_path / f".v.html.{os.getpid()}-0a1b2c3d.tmp"  # a write still going: kept
    live.write_text("in progress")
    assert main(["view", "--data", str(FIXTURE), "--out", str(tmp_path / "v.html")]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [live.name, "v.html"]


def test_current_folder_is_never_swapped_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for out in (".", str(tmp_path.parent)):
        assert main(["build", "--data", str(FIXTURE), "--out", out]) == 1
        assert "cannot replace the current folder or its parents" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == [] and Path.cwd() == tmp_path


def test_store_add_of_a_bad_file_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``build --store S --add bad.nt``: exit 1 with ``bad.nt:LINE:COLUMN``, no internal error.

    Line 2 opens a string literal that never closes; the error is on line 2 (column 23 is
    where pyoxigraph's N-Triples parser reports the unterminated literal).
    """
    bad = tmp_path / "bad.nt"
    bad.write_text('<http://a> <http://b> <http://c> .\n<http://a> <http://b> "x .\n')
    store = tmp_path / "store"
    code = main(["build", "--data", str(FIXTURE), "--out", str(tmp_path / "b"),
                 "--store", str(store), "--add", str(bad)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert f"{bad}:2:23: not valid RDF" in err
    assert "internal error" not in err and "Traceback" not in err
    assert not store.exists()
