"""Fixtures for the launcher tests.

mpiexec: $BATON_MPIEXEC, else build/bin/mpiexec, with baton-proxy beside it
(built here with `make` when missing or older than their sources).
The test ranks (progs/*.c) are built against src/runtime/pmi.c alone, so the
tests do not depend on libmpi.  $BATON_TEST_CFLAGS adds compiler flags, e.g.
"-fsanitize=address,undefined".

Every test runs with pytest as a child subreaper, so that any process a test
leaves behind becomes our child; the autouse fixture fails the test if one is
still alive afterwards (and kills it).
"""
import ctypes
import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGS = Path(__file__).resolve().parent / "progs"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2", "-D_GNU_SOURCE"]
PR_SET_CHILD_SUBREAPER = 36

_libc = ctypes.CDLL(None, use_errno=True)


def _build(cmd):
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if res.returncode != 0:
        pytest.fail("build failed: %s\n%s%s" % (" ".join(cmd), res.stdout, res.stderr))


@pytest.fixture(scope="session")
def mpiexec():
    path = os.environ.get("BATON_MPIEXEC")
    if path:
        return path
    exe = ROOT / "build" / "bin" / "mpiexec"
    _build(["make", "-s", "build/bin/mpiexec", "build/bin/baton-proxy"])
    return str(exe)


@pytest.fixture(scope="session")
def prog(tmp_path_factory):
    """Path of the test rank program (progs/pmi_prog.c + the PMI client)."""
    out = tmp_path_factory.mktemp("progs") / "pmi_prog"
    extra = shlex.split(os.environ.get("BATON_TEST_CFLAGS", ""))
    _build(["gcc", *CFLAGS, *extra, "-Isrc/runtime", "-o", str(out),
            str(PROGS / "pmi_prog.c"), "src/runtime/pmi.c"])
    return str(out)


def clean_env(**extra):
    """Our environment without anything a launcher may have set (inside a
    Slurm allocation mpiexec would use its nodes)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "BATON_", "MPI_LOCAL", "SLURM_"))}
    env.update(extra)
    return env


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def mpiexec_lines(self):
        return [l for l in self.err.splitlines() if l.startswith("mpiexec:")]

    def __repr__(self):
        return "rc=%r elapsed=%.3f\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            self.rc, self.elapsed, self.out[-3000:], self.err[-3000:])


@pytest.fixture
def run(mpiexec):
    """run(args..., input=, env=, timeout=) -> Result of mpiexec args."""
    def _run(*args, input=None, env=None, timeout=30, text=True):
        start = time.monotonic()
        res = subprocess.run([mpiexec, *args], input=input, capture_output=True,
                             env=clean_env() if env is None else env,
                             timeout=timeout, text=text)
        return Result(res.returncode, res.stdout, res.stderr, time.monotonic() - start)
    return _run


def _children():
    """(pid, state, cmdline) of every child of this process."""
    me, kids = os.getpid(), []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == me:
            kids.append((int(d), fields[0], cmd))
    return kids


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


@pytest.fixture(autouse=True)
def no_process_left_behind():
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    try:
        yield
        # Processes that die as the test ends (e.g. by PDEATHSIG) get a moment.
        deadline = time.monotonic() + 1.0
        while True:
            live = []
            for pid, state, cmd in _children():
                if state == "Z":
                    _reap(pid)
                else:
                    live.append((pid, cmd))
            if not live or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        for pid, _ in live:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        assert not live, "processes left behind by the test: %r" % live
    finally:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
