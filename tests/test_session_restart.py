"""How mpiexec judges a rank of a program that starts MPI again through sessions
(tests/c/session_restart.c): MPI's end tells the launcher finalize but keeps its
PMI connection (closed at the exit of the process), and a later start tells
Baton's launcher that the rank must end again, so these check that

- a rank that dies (SIGKILL) or exits (status 0) while its second or third
  session is open still ends the job at once, with the usual message and status,
  on one host and across two fork "hosts", also after a child it forked between
  sessions has exited;
- a rank that exits after its last MPI_Session_finalize (or MPI_Finalize) is a
  clean exit, also when that comes from a handler registered with atexit before
  MPI started, or when every rank leaves with _exit (PMI-1 and PMI-2), and
  nothing is left in /dev/shm either way.

Every test runs with pytest as a child subreaper, so that a process left behind
becomes our child: the test fails if one is still alive afterwards.
"""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
import harness  # noqa: E402

BUILD = ROOT / os.environ.get("BATON_BUILD", "build")
MPIEXEC = str(BUILD / "bin" / "mpiexec")
TIMEOUT = 60
HOSTS = ["-launcher", "fork", "-hosts", "a:2,b:2"]


@pytest.fixture(autouse=True)
def nothing_left():
    yield from harness.nothing_left()


@pytest.fixture(scope="module")
def prog(tmp_path_factory):
    exe = tmp_path_factory.mktemp("session_restart") / "session_restart"
    res = subprocess.run([str(BUILD / "bin" / "mpicc"), "-std=c11", "-D_GNU_SOURCE", "-O1",
                          "-Wall", "-Werror", "-o", str(exe),
                          str(ROOT / "tests" / "c" / "session_restart.c")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return str(exe)


def run(args, hosts, **env):
    before = harness.shm_entries()
    cmd = [MPIEXEC] + (HOSTS if hosts else []) + ["-n", "4"] + args
    start = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT,
                         env=dict(os.environ, BATON_BIND="none", **env))
    elapsed = time.monotonic() - start
    assert harness.shm_entries() <= before, "left in /dev/shm: %s" % (harness.shm_entries() - before)
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("mpiexec:")]
    return res, lines, elapsed


@pytest.mark.parametrize("hosts", [False, True], ids=["one-host", "two-hosts"])
def test_clean_end_after_restarts(prog, hosts):
    res, lines, _ = run([prog], hosts)
    assert res.returncode == 0 and lines == [], res
    assert "session_restart ok (3 cycles, then the world model)" in res.stdout, res


@pytest.mark.parametrize("hosts", [False, True], ids=["one-host", "two-hosts"])
def test_clean_end_in_an_atexit_handler(prog, hosts):
    """The last session ends in a handler that the program registered with atexit
    before MPI started, which runs after Baton's own: still a clean end."""
    res, lines, _ = run([prog, "atexit"], hosts)
    assert res.returncode == 0 and lines == [], res


@pytest.mark.parametrize("hosts", [False, True], ids=["one-host", "two-hosts"])
@pytest.mark.parametrize("pmi", ["1", "2"])
def test_clean_end_by_underscore_exit(prog, hosts, pmi):
    """Every rank leaves with _exit after its MPI_Finalize (no exit handlers run):
    each end told the launcher at once, so this is a clean end, and the ranks that
    skip the transports' exit leave none of the others waiting."""
    res, lines, elapsed = run([prog, "_exit"], hosts, BATON_PMI=pmi)
    assert res.returncode == 0 and lines == [], res
    assert "session_restart ok (3 cycles, then the world model)" in res.stdout, res
    assert elapsed < 20, res


@pytest.mark.parametrize("hosts", [False, True], ids=["one-host", "two-hosts"])
@pytest.mark.parametrize("cycle", [2, 3])
def test_rank_killed_in_a_later_session(prog, hosts, cycle):
    res, lines, elapsed = run([prog, "die", "kill", "1", str(cycle)], hosts)
    assert "rank 1 dies (kill) in cycle %d" % cycle in res.stdout, res
    assert res.returncode == 137, res
    assert len(lines) == 1 and re.fullmatch(
        r"mpiexec: rank 1 \(pid \d+\)( on host a)? was killed by signal 9 \(Killed\)",
        lines[0]), res
    assert elapsed < 20, res


@pytest.mark.parametrize("hosts", [False, True], ids=["one-host", "two-hosts"])
@pytest.mark.parametrize("fork", [False, True], ids=["", "after-a-forked-child-exits"])
def test_rank_exits_in_a_later_session(prog, hosts, fork):
    """With fork, a child that the rank forked between sessions exits first: its
    exit must not end the rank's connection to the launcher (which would take
    the rank's own exit for a clean one)."""
    res, lines, elapsed = run([prog, "die", "exit", "1", "2"] + (["fork"] if fork else []),
                              hosts)
    assert "rank 1 dies (exit) in cycle 2" in res.stdout, res
    assert res.returncode == 1, res
    assert len(lines) == 1 and re.fullmatch(
        r"mpiexec: rank 1( on host a)? exited without calling MPI_Finalize", lines[0]), res
    assert elapsed < 20, res
