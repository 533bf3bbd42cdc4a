"""Helpers shared by the tests that run Baton across the namespace hosts
(test_across_hosts.py, test_slurm_jobs.py): where the build is, compiling test
programs with its mpicc, running mpiexec inside a host with bounded waits, and
the failure report that shows what the job printed."""
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# BATON_BUILD names the build tree (default: build/ of this checkout)
BUILD = Path(os.environ.get("BATON_BUILD_DIR", ROOT / os.environ.get("BATON_BUILD", "build")))
MPIEXEC = BUILD / "bin" / "mpiexec"
MPICC = BUILD / "bin" / "mpicc"
LIBDIR = BUILD / "lib"
CDIR = ROOT / "tests" / "c"
PROGS = Path(__file__).resolve().parent / "progs"
# the Python with mpi4py (the one running pytest: .venv/bin/python)
PYTHON = os.environ.get("BATON_TEST_PYTHON", sys.executable)


def need_build():
    if not MPIEXEC.exists() or not (BUILD / "bin" / "baton-proxy").exists():
        pytest.fail(f"{BUILD} is not built (no bin/mpiexec or bin/baton-proxy): run make first")


def compile_programs(outdir, sources):
    """Compile each source (a path) with the build's mpicc into outdir, two at a
    time; returns {stem: path}.  A compile error fails the test with it."""
    need_build()
    outdir = Path(outdir)

    def one(src):
        src = Path(src)
        exe = outdir / src.stem
        cmd = [str(MPICC), "-std=c11", "-D_GNU_SOURCE", "-O1", "-g", "-Wall", "-Werror",
               "-I", str(CDIR), "-o", str(exe), str(src), "-lm", "-pthread"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        return src.stem, exe, (None if r.returncode == 0 else r.stderr)

    with ThreadPoolExecutor(max_workers=2) as pool:
        res = list(pool.map(one, sources))
    errors = [f"{stem}:\n{err}" for stem, _, err in res if err]
    if errors:
        pytest.fail("compiling with %s failed:\n%s" % (MPICC, "\n".join(errors)))
    return {stem: exe for stem, exe, _ in res}


def job_env(cluster, **extra):
    """The environment for a job started in a host: the cluster's PATH, the
    build's lib first in LD_LIBRARY_PATH (mpi4py and the programs find this
    build's libmpi), every host sees the same 2 CPUs so BATON_BIND=none."""
    ld = os.environ.get("LD_LIBRARY_PATH", "")
    env = cluster.env(BATON_BIND="none",
                      LD_LIBRARY_PATH=str(LIBDIR) + (os.pathsep + ld if ld else ""))
    env.pop("BATON_COLL_DEBUG", None)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def report(what, rc, out, err, limit=6000):
    return (f"{what}\nexit status {rc}\n--- stdout\n{(out or '')[-limit:]}"
            f"\n--- stderr\n{(err or '')[-limit:]}")


class Job:
    """A process started with cluster.popen in a host, its stdout and stderr read
    by threads (so that a test can look at lines while it runs)."""

    def __init__(self, cluster, host, argv, env, cwd=None):
        self.argv = [str(a) for a in argv]
        self.host = host
        self.t0 = time.monotonic()
        self.p = cluster.popen(host, self.argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=cwd or str(ROOT))
        self.out, self.err = [], []
        self.when = {}
        self._threads = [threading.Thread(target=self._pump, args=(f, buf), daemon=True)
                         for f, buf in ((self.p.stdout, self.out), (self.p.stderr, self.err))]
        for t in self._threads:
            t.start()
        self.elapsed = None

    def _pump(self, f, buf):
        for line in f:
            self.when[line] = self.when.get(line, time.monotonic())
            buf.append(line)

    def arrival(self, pattern):
        """When (time.monotonic()) the first line matching pattern arrived."""
        rx = re.compile(pattern)
        times = [t for line, t in list(self.when.items()) if rx.search(line)]
        return min(times) if times else None

    @property
    def stdout(self):
        return "".join(self.out)

    @property
    def stderr(self):
        return "".join(self.err)

    def wait_line(self, pattern, timeout, stream="out"):
        """Wait (bounded) for a line matching pattern; returns the match or None."""
        buf = self.out if stream == "out" else self.err
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(buf):
                m = rx.search(line)
                if m:
                    return m
            if self.p.poll() is not None and all(not t.is_alive() for t in self._threads):
                break
            time.sleep(0.05)
        return None

    def wait(self, timeout):
        """Wait for the end; a job still running after timeout is killed and the
        test fails with everything it printed."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait(timeout=10)
            for t in self._threads:
                t.join(timeout=5)
            pytest.fail(report(f"no end after {timeout} s: {' '.join(self.argv)} (in {self.host})",
                               "killed", self.stdout, self.stderr))
        for t in self._threads:
            t.join(timeout=10)
        self.t_end = time.monotonic()
        self.elapsed = self.t_end - self.t0
        return self.p.returncode

    def describe(self, limit=6000):
        return report(f"{' '.join(self.argv)} (in {self.host}, {self.elapsed or 0:.1f} s)",
                      self.p.returncode, self.stdout, self.stderr, limit=limit)


def mpiexec_argv(cluster, hosts, n, prog, *args, extra=()):
    return [str(MPIEXEC), "-launcher-exec", cluster.ssh_path, "-hosts", hosts, "-n", str(n),
            *extra, str(prog), *[str(a) for a in args]]


def run_job(cluster, argv, host="h1", timeout=90, env=None, cwd=None):
    job = Job(cluster, host, argv, env if env is not None else job_env(cluster), cwd=cwd)
    job.wait(timeout)
    return job


def ranks_on_hosts(text):
    """{rank: host} from the "rank R of N on host H" lines."""
    return {int(r): h for r, h in re.findall(r"^rank (\d+) of \d+ on host (\S+)$", text, re.M)}


def leftovers(cluster, wait=3.0):
    """Wait (bounded) until no process a test started is left in any host;
    returns {host: [(pid, cmdline), ...]} of what remains."""
    deadline = time.monotonic() + wait
    while True:
        left = {}
        for h in cluster.hosts:
            pids = [p for p in cluster.host_pids(h) if p != os.getpid()]
            if pids:
                left[h] = [(p, cmdline(p)) for p in pids]
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.1)


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"
