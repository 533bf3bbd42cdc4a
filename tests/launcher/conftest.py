"""Fixtures for the launcher tests.

mpiexec: $BATON_MPIEXEC, else build/bin/mpiexec, with baton-proxy beside it
(built here with `make` when missing or older than their sources).
The test ranks (progs/*.c) are built against src/runtime/pmi.c and the
environment's table (src/util/env.c) alone, so the tests do not depend on libmpi.  $BATON_TEST_CFLAGS adds compiler flags, e.g.
"-fsanitize=address,undefined".

Every test runs with pytest as a child subreaper, so that any process a test
leaves behind becomes our child; the autouse fixture fails the test if one is
still alive afterwards (and kills it).

The helpers below serve every test file here: a job started in the
background (started), ended by a signal (signal_job,
assert_signal_ends_the_job), by ^C on a terminal (ctrl_c_job), a prompt read
from a terminal (prompt_on_terminal), and the reading and checking of what the
test ranks print (pids_of, jobinfo, assert_spam_lines, assert_gone).
"""
import contextlib
import ctypes
import fcntl
import os
import pty
import re
import select
import shlex
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGS = Path(__file__).resolve().parent / "progs"
FAKESSH = str(PROGS / "fakessh.sh")
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
    _build(["gcc", *CFLAGS, *extra, "-Isrc/runtime", "-Isrc", "-o", str(out),
            str(PROGS / "pmi_prog.c"), "src/runtime/pmi.c", "src/util/env.c"])
    return str(out)


def mpi_program(tmp_path_factory, name, source):
    """An MPI program built from source (a string) with the build's mpicc
    ($BATON_BUILDS' first tree, else build/), in a directory others may enter."""
    tree = ROOT / os.environ.get("BATON_BUILDS", "build").split()[0]
    d = tmp_path_factory.mktemp(name)
    os.chmod(d, 0o755)
    (d / (name + ".c")).write_text(source)
    _build([str(tree / "bin" / "mpicc"), "-o", str(d / name), str(d / (name + ".c"))])
    return str(d / name)


def clean_env(**extra):
    """Our environment without anything a launcher may have set (inside a
    Slurm allocation mpiexec would use its nodes)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "BATON_", "MPI_LOCAL", "SLURM_"))}
    env.update(extra)
    return env


def mpiexec_lines(err):
    """The lines of err that mpiexec wrote itself."""
    return [l for l in err.splitlines() if l.startswith("mpiexec:")]


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def mpiexec_lines(self):
        return mpiexec_lines(self.err)

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


def pids_of(out):
    """{rank: pid} from the "pid P rank R" lines the test ranks print."""
    return {int(r): int(p) for p, r in re.findall(r"^pid (\d+) rank (\d+)$", out, re.M)}


def assert_gone(pids):
    alive = [p for p in pids if os.path.exists("/proc/%d" % p)]
    assert not alive, "ranks still alive after mpiexec returned: %r" % alive


def wait_for_lines(proc, pattern, count, timeout=10.0):
    """Reads proc.stdout until `count` lines match; returns everything read."""
    text, deadline = "", time.monotonic() + timeout
    fd = proc.stdout.fileno()
    while len(re.findall(pattern, text, re.M)) < count:
        left = deadline - time.monotonic()
        assert left > 0, "timed out waiting for %d lines %r; got:\n%s" % (count, pattern, text)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, "mpiexec closed stdout early; got:\n%s" % text
            text += chunk.decode()
    return text


def jobinfo(out):
    """{rank: fields} from pmi_prog jobinfo lines."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("rank="):
            f = dict(x.split("=", 1) for x in line.split())
            rows[int(f["rank"])] = f
    return rows


def assert_spam_lines(out, n, nlines, maxlen):
    """out holds, whole and in order, the lines of n ranks of `pmi_prog spam
    nlines maxlen`, in any interleaving."""
    seen = {r: 0 for r in range(n)}
    for line in out.split("\n")[:-1]:
        m = re.fullmatch(r"(\d+):(\d+):([a-z]+)", line)
        assert m, "spliced or broken line: %r" % line[:200]
        r, i, payload = int(m[1]), int(m[2]), m[3]
        assert i == seen[r], "rank %d: line %d came where %d was due" % (r, i, seen[r])
        assert payload == chr(ord("a") + r) * ((i * 37 + r * 11) % maxlen + 1), \
            "rank %d line %d damaged" % (r, i)
        seen[r] += 1
    assert seen == {r: nlines for r in range(n)}, seen
    assert out.endswith("\n")


@contextlib.contextmanager
def started(cmd, env=None, **popen_args):
    """Popen of cmd (stdout and stderr piped unless given, clean_env() unless
    env given), killed on the way out if it is still running."""
    popen_args.setdefault("stdout", subprocess.PIPE)
    popen_args.setdefault("stderr", subprocess.PIPE)
    p = subprocess.Popen(cmd, env=clean_env() if env is None else env, **popen_args)
    try:
        yield p
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def signal_job(cmd, nranks, sig, env=None):
    """Starts cmd (mpiexec and ranks of `pmi_prog sleep`), waits until its
    nranks ranks are up and sends it sig: the Result (out: everything the ranks
    printed, elapsed: from the signal to mpiexec's end)."""
    with started(cmd, env=env) as p:
        text = wait_for_lines(p, r"^pid \d+ rank \d+$", nranks)
        start = time.monotonic()
        p.send_signal(sig)
        out, err = p.communicate(timeout=10)
        elapsed = time.monotonic() - start
    return Result(p.returncode, text + out.decode(), err.decode(), elapsed)


def assert_signal_ends_the_job(cmd, nranks, sig):
    """sig to mpiexec (cmd, with nranks ranks of `pmi_prog sleep`) ends the job
    within 1.5 s: status 128 + sig, one line that says so, no rank left."""
    res = signal_job(cmd, nranks, sig)
    assert res.rc == 128 + sig, res
    assert res.elapsed < 1.5, res
    assert res.mpiexec_lines() == ["mpiexec: received signal %d (%s), ended the job"
                                   % (sig, signal.strsignal(sig))], res
    assert_gone(pids_of(res.out).values())


def ctrl_c_job(cmd, nranks):
    """Runs cmd (mpiexec and ranks of `pmi_prog count-int`) in a new session
    whose controlling terminal is a pty, and types ^C once its nranks ranks
    are up: (exit status, everything the ranks printed, stderr)."""
    master, slave = pty.openpty()

    def make_controlling_tty():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        with started(cmd, stdin=slave, start_new_session=True,
                     preexec_fn=make_controlling_tty) as p:
            os.close(slave)
            text = wait_for_lines(p, r"^pid \d+ rank \d+$", nranks)
            os.write(master, b"\x03")
            out, err = p.communicate(timeout=10)
    finally:
        os.close(master)
    return p.returncode, text + out.decode(), err.decode()


def prompt_on_terminal(cmd):
    """Runs cmd (mpiexec of a rank that prints 'Name? ' and then waits) with
    stdout on a pty; returns (what the pty showed within 1.5 s, how long until
    the prompt showed), then ends the job."""
    master, slave = pty.openpty()
    try:
        with started(cmd, stdout=slave, stderr=subprocess.DEVNULL,
                     stdin=subprocess.DEVNULL) as p:
            os.close(slave)
            start, seen = time.monotonic(), b""
            while b"Name? " not in seen and time.monotonic() - start < 1.5:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    seen += os.read(master, 1024)
            elapsed = time.monotonic() - start
            p.terminate()  # mpiexec ends the rank and the rank's `sleep`
            p.wait(timeout=5)
    finally:
        os.close(master)
    return seen, elapsed


def proc_children(parent):
    """(pid, state, cmdline) of every child of process parent."""
    kids = []
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
        if int(fields[1]) == parent:
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
            for pid, state, cmd in proc_children(os.getpid()):
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
