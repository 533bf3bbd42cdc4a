"""Diagnostics (DESIGN.md item 17).

The hang report: `mpiexec --timeout` (and SIGQUIT) make every rank say what it
waits in, and mpiexec prints one report that groups the ranks, names wait-for
cycles and mismatches, then ends the job with status 124. The programs hang on
purpose (tests/hang/hang.c, one mode per way) at 2, 4 and 8 ranks; the report's
lines are checked exactly where they are predictable.

The timeline trace (`--trace`, BATON_TRACE) of a small C and a small Python
program: valid Chrome trace-event JSON (each event checked against the format's
required fields), one track per rank, every send tied to its receive.
"""
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / os.environ.get("BATON_BUILDS", "build").split()[0]
MPIEXEC = str(BUILD / "bin" / "mpiexec")
# The sanitizer build's programs are built with the sanitizers too.
CFLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer"] \
    if BUILD.name == "build-san" else []
LIMIT = "1"
LIMIT_MSG = ("mpiexec: the job ran into its time limit of %s s (--timeout, BATON_TIMEOUT "
             "or MPIEXEC_TIMEOUT), ended it" % LIMIT)


@pytest.fixture(scope="module")
def hang(tmp_path_factory):
    exe = tmp_path_factory.mktemp("hang") / "hang"
    res = subprocess.run([str(BUILD / "bin" / "mpicc")] + CFLAGS + ["-o", str(exe),
                          str(ROOT / "tests" / "hang" / "hang.c")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return str(exe)


def ranks(lo, hi):
    """mpiexec's words for ranks lo..hi."""
    return "rank %d" % lo if lo == hi else "ranks %d-%d" % (lo, hi)


def run(hang, n, mode, **env):
    e = dict(os.environ, **env)
    for var in ("BATON_TIMEOUT", "MPIEXEC_TIMEOUT"):
        e.pop(var, None)
    t = time.monotonic()
    res = subprocess.run([MPIEXEC, "--timeout", LIMIT, "-n", str(n), hang, mode],
                         capture_output=True, text=True, env=e, timeout=60)
    elapsed = time.monotonic() - t
    lines = res.stderr.splitlines()
    assert res.returncode == 124, res.stderr
    assert lines[0] == "mpiexec: hang report (%d of %d ranks answered):" % (n, n), res.stderr
    assert lines[-1] == LIMIT_MSG, res.stderr
    assert elapsed < float(LIMIT) + 4, (elapsed, res.stderr)
    return lines


def waits(line, text):
    """line is "  RANKS: text, T s" with T a plausible wait."""
    m = re.fullmatch(r"  (.*), (\d+\.\d)(-\d+\.\d)? s", line)
    return m is not None and m.group(1) == text and float(m.group(2)) <= float(LIMIT) + 1


@pytest.mark.parametrize("n", [2, 4, 8])
def test_receive_cycle(hang, n):
    lines = run(hang, n, "cycle")
    for r in range(n):
        text = "rank %d: MPI_Recv from %d tag 7 on MPI_COMM_WORLD (1 x MPI_INT)" % (r, r ^ 1)
        assert any(waits(l, text) for l in lines), (text, lines)
    for r in range(0, n, 2):
        assert ("deadlock: rank %d waits in MPI_Recv from %d tag 7; rank %d waits in MPI_Recv "
                "from %d tag 7" % (r, r + 1, r + 1, r)) in lines, lines
    assert sum(l.startswith("deadlock:") for l in lines) == n // 2, lines


@pytest.mark.parametrize("n", [2, 4, 8])
def test_collective_mismatch(hang, n):
    lines = run(hang, n, "mismatch", BATON_COLL_ALLREDUCE="ring")
    assert ("mismatch on MPI_COMM_WORLD: rank 0 in MPI_Barrier, %s in MPI_Allreduce"
            % ranks(1, n - 1)) in lines, lines
    assert any(l.startswith("  rank 0: MPI_Barrier on MPI_COMM_WORLD") for l in lines), lines
    for r in range(1, n):
        assert any(l.startswith("  rank %d: MPI_Allreduce on MPI_COMM_WORLD (4096 x MPI_DOUBLE)"
                                % r) for l in lines), lines


@pytest.mark.parametrize("n", [2, 4, 8])
def test_rank_computing(hang, n):
    lines = run(hang, n, "compute")
    assert any(waits(l, "%s: MPI_Barrier on MPI_COMM_WORLD" % ranks(0, n - 2)) for l in lines), lines
    assert "  rank %d: outside MPI (computing)" % (n - 1) in lines, lines
    assert ("waiting for a rank outside MPI: rank %d computes while %s wait%s in MPI_Barrier on "
            "MPI_COMM_WORLD" % (n - 1, ranks(0, n - 2), "s" if n == 2 else "")) in lines, lines
    assert not any(l.startswith("deadlock") for l in lines), lines


@pytest.mark.parametrize("n", [2, 4, 8])
def test_call_named_by_its_entry_point(hang, n):
    """A wait that records no peer or count (MPI_Comm_dup's) is named by its call."""
    lines = run(hang, n, "dup")
    named = set()
    for l in lines:
        m = re.match(r"  ranks? ([\d,-]+): MPI_Comm_dup[;,]", l)
        for part in m.group(1).split(",") if m else []:
            lo, _, hi = part.partition("-")
            named.update(range(int(lo), int(hi or lo) + 1))
    assert named == set(range(n - 1)), lines
    assert "  rank %d: outside MPI (computing)" % (n - 1) in lines, lines
    assert not any("a blocking call" in l for l in lines), lines


@pytest.mark.parametrize("n", [2, 4])
def test_receive_tag_mismatch(hang, n):
    lines = run(hang, n, "tag")
    assert ("mismatch: rank 1 waits in MPI_Recv from 0 tag 7, but the messages it holds from "
            "rank 0 carry tag 8") in lines, lines
    assert any(l.startswith("  rank 1: MPI_Recv from 0 tag 7 on MPI_COMM_WORLD (1 x MPI_INT); "
                            "holds 1 unexpected message") for l in lines), lines
    assert ("deadlock: rank 0 waits in MPI_Barrier on MPI_COMM_WORLD; rank 1 waits in MPI_Recv "
            "from 0 tag 7") in lines, lines


def test_sigquit_reports_and_the_job_goes_on(hang):
    """SIGQUIT to mpiexec prints the report at once; the job runs on until its
    time limit, which reports again and ends it."""
    p = subprocess.Popen([MPIEXEC, "--timeout", "4", "-n", "2", hang, "cycle"],
                         stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        t = time.monotonic()
        p.send_signal(signal.SIGQUIT)
        first = [p.stderr.readline() for _ in range(4)]
        assert time.monotonic() - t < 2, first
        assert p.poll() is None, first
        assert first[0] == "mpiexec: hang report (2 of 2 ranks answered):\n", first
        assert first[3] == ("deadlock: rank 0 waits in MPI_Recv from 1 tag 7; rank 1 waits in "
                            "MPI_Recv from 0 tag 7\n"), first
        rest = p.stderr.read()
        assert p.wait(timeout=30) == 124, rest
        assert rest.count("deadlock:") == 1 and "time limit of 4 s" in rest, rest
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


PYTHON = ROOT / ".venv" / "bin" / "python"
if not PYTHON.exists():
    PYTHON = Path("/work/main/.venv/bin/python") if Path("/work/main/.venv").exists() else None

DEADLOCK_PY = """\
from mpi4py import MPI
comm = MPI.COMM_WORLD
rank = comm.Get_rank()
comm.recv(source=rank ^ 1, tag=7)
"""


def mpi4py_env():
    """mpi4py loading this tree's libmpi, or None when it cannot."""
    if PYTHON is None:
        return None
    env = dict(os.environ, LD_LIBRARY_PATH=str(BUILD / "lib"))
    res = subprocess.run([str(PYTHON), "-c", "from mpi4py import MPI"], env=env,
                         capture_output=True, text=True)
    return env if res.returncode == 0 else None


@pytest.mark.parametrize("n", [2, 4, 8])
def test_python_recv_cycle(tmp_path, n):
    """mpi4py's comm.recv waits in MPI_Mprobe; the report shows each rank's Python
    stack (faulthandler, registered by Baton) under it."""
    env = mpi4py_env()
    if env is None:
        pytest.skip("mpi4py cannot load this tree's libmpi")
    prog = tmp_path / "deadlock.py"
    prog.write_text(DEADLOCK_PY)
    res = subprocess.run([MPIEXEC, "--timeout", "4", "-n", str(n), str(PYTHON), str(prog)],
                         capture_output=True, text=True, env=env, timeout=60)
    lines = res.stderr.splitlines()
    assert res.returncode == 124, res.stderr
    assert "mpiexec: hang report (%d of %d ranks answered):" % (n, n) in lines, res.stderr
    for r in range(0, n, 2):
        assert ("deadlock: rank %d waits in MPI_Mprobe from %d tag 7; rank %d waits in "
                "MPI_Mprobe from %d tag 7" % (r, r + 1, r + 1, r)) in lines, lines
    for r in range(n):
        i = lines.index("  rank %d wrote:" % r)
        assert lines[i + 1].startswith("    Current thread 0x"), lines
        assert lines[i + 2] == '      File "%s", line 4 in <module>' % prog, lines


TRACE_C = r"""
#include <mpi.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    int rank, size, n = 100000;
    double in, out, *big = calloc(100000, sizeof(double));
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    in = rank;
    MPI_Allreduce(&in, &out, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    /* a ring: eager, then rendezvous */
    MPI_Sendrecv_replace(&in, 1, MPI_DOUBLE, (rank + 1) % size, 1, (rank + size - 1) % size, 1,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Sendrecv_replace(big, n, MPI_DOUBLE, (rank + 1) % size, 2, (rank + size - 1) % size, 2,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE);
#ifdef NAMED_BCAST
    {   /* a call on a named communicator, from a root other than 0 */
        MPI_Comm dup;
        int v[3] = { rank, rank, rank };
        MPI_Comm_dup(MPI_COMM_WORLD, &dup);
        MPI_Comm_set_name(dup, "halo \"x\"");
        MPI_Bcast(v, 3, MPI_INT, 2, dup);
        MPI_Comm_free(&dup);
    }
#endif
    free(big);
    MPI_Finalize();
    return out == size * (size - 1) / 2.0 ? 0 : 1;
}
"""

TRACE_PY = """\
from mpi4py import MPI
comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
total = comm.allreduce(rank)
got = comm.sendrecv(rank, dest=(rank + 1) % size, source=(rank - 1) % size)
assert total == size * (size - 1) // 2 and got == (rank - 1) % size
"""

# The fields every event of each phase needs (Chrome trace-event format).
TRACE_FIELDS = {"X": {"name", "ts", "dur", "pid", "tid"}, "i": {"name", "ts", "pid", "tid", "s"},
                "M": {"name", "pid", "tid", "args"}, "s": {"id", "ts", "pid", "tid", "name"},
                "f": {"id", "ts", "pid", "tid", "name", "bp"}}


def build_ring(tmp_path, *flags):
    """TRACE_C compiled with this tree's mpicc (and flags) in tmp_path: its path."""
    src = tmp_path / "ring.c"
    src.write_text(TRACE_C)
    exe = tmp_path / "ring"
    res = subprocess.run([str(BUILD / "bin" / "mpicc")] + CFLAGS + list(flags) +
                         ["-o", str(exe), str(src)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return exe


def check_trace(path, n, calls):
    with open(path) as f:
        doc = json.load(f)
    events = doc["traceEvents"]
    for e in events:
        assert e["ph"] in TRACE_FIELDS, e
        assert TRACE_FIELDS[e["ph"]] <= set(e), e
        assert e["pid"] == 0 and 0 <= e["tid"] < n, e
        if e["ph"] == "X":
            assert e["dur"] >= 0, e
    tracks = sorted(e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name")
    assert tracks == list(range(n)), tracks
    for call in calls:
        ranks = {e["tid"] for e in events if e["ph"] == "X" and e["name"] == call}
        assert ranks == set(range(n)), (call, ranks)
    starts = [e["id"] for e in events if e["ph"] == "s"]
    ends = [e["id"] for e in events if e["ph"] == "f"]
    assert starts and sorted(starts) == sorted(ends), (starts, ends)
    assert len(set(starts)) == len(starts)
    sends = sorted((e["tid"], e["args"]["peer"], e["args"]["tag"], e["args"]["bytes"])
                   for e in events if e["ph"] == "i" and " send to " in e["name"])
    recvs = sorted((e["args"]["peer"], e["tid"], e["args"]["tag"], e["args"]["bytes"])
                   for e in events if e["ph"] == "i" and " receive from " in e["name"])
    assert sends == recvs, (sends, recvs)
    return events


@pytest.mark.parametrize("how", ["option", "env"])
def test_trace_of_a_c_program(tmp_path, how):
    exe = build_ring(tmp_path, "-DNAMED_BCAST")
    out = tmp_path / "trace.json"
    args, env = ([MPIEXEC, "--trace", str(out)], dict(os.environ)) if how == "option" else \
        ([MPIEXEC], dict(os.environ, BATON_TRACE=str(out)))
    res = subprocess.run(args + ["-n", "4", str(exe)], capture_output=True, text=True, env=env,
                         timeout=60)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    events = check_trace(out, 4, ["MPI_Allreduce", "MPI_Sendrecv_replace", "MPI_Finalize"])
    # each call with what it works on: communicator (by name), peer or root, bytes
    calls = {}
    for e in events:
        if e["ph"] == "X" and e["name"] in ("MPI_Allreduce", "MPI_Sendrecv_replace", "MPI_Bcast"):
            calls.setdefault((e["tid"], e["name"]), []).append(e.get("args"))
    for r in range(4):
        assert calls[(r, "MPI_Allreduce")] == [{"comm": "MPI_COMM_WORLD", "bytes": 8}], calls
        assert calls[(r, "MPI_Sendrecv_replace")] == [
            {"comm": "MPI_COMM_WORLD", "peer": (r + 1) % 4, "bytes": b} for b in (8, 800000)], calls
        assert calls[(r, "MPI_Bcast")] == [{"comm": 'halo "x"', "peer": 2, "bytes": 12}], calls
    assert any(e["name"].startswith("rendezvous send") or e["name"].startswith("single copy")
               or e["name"].startswith("rendezvous receive") for e in events if e["ph"] == "i")
    assert not list(tmp_path.glob("trace.json.*")), "the ranks' parts are left"


def test_trace_of_a_python_program(tmp_path):
    env = mpi4py_env()
    if env is None:
        pytest.skip("mpi4py cannot load this tree's libmpi")
    prog = tmp_path / "ring.py"
    prog.write_text(TRACE_PY)
    out = tmp_path / "trace.json"
    res = subprocess.run([MPIEXEC, "--trace", str(out), "-n", "3", str(PYTHON), str(prog)],
                         capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    check_trace(out, 3, ["MPI_Isend_c", "MPI_Mprobe", "MPI_Finalize"])   # mpi4py's sendrecv


def test_stats_at_finalize(tmp_path):
    """BATON_STATS=1: one line per rank with its time in MPI, its calls, the bytes
    it sent to each rank and the collective algorithms it ran."""
    exe = build_ring(tmp_path)
    res = subprocess.run([MPIEXEC, "-n", "4", str(exe)], capture_output=True, text=True,
                         env=dict(os.environ, BATON_STATS="1"), timeout=60)
    assert res.returncode == 0, res.stderr
    lines = sorted(res.stderr.splitlines())
    assert len(lines) == 4, lines
    for r, line in enumerate(lines):
        m = re.match(r"baton stats: rank %d: (\d+\.\d+) s in MPI of (\d+\.\d+) s " % r, line)
        assert m and float(m.group(1)) <= float(m.group(2)), line
        assert ", MPI_Allreduce 1 x " in line and ", MPI_Sendrecv_replace 2 x " in line, line
        assert "; sent to %d: 800008 B in 2 messages;" % ((r + 1) % 4) in line, line
        assert re.search(r"; collectives: allreduce \w+ 1$", line), line


def libfabric_minor():
    """libfabric's minor version (1.x), or None when it cannot be loaded."""
    import ctypes
    try:
        v = ctypes.CDLL("libfabric.so.1").fi_version()
    except OSError:
        return None
    return v & 0xffff if v >> 16 == 1 else None


@pytest.mark.parametrize("env, want", [
    # libfabric 1.17 offers its tcp provider twice, the old one ("tcp") and its
    # rewrite ("net"): Baton takes the rewrite unless the user named one
    ({}, "net"),
    ({"FI_TCP_IFACE": "lo"}, "net"),
    ({"BATON_OFI_PROVIDER": "tcp;ofi_rxm"}, "tcp;ofi_rxm"),
    ({"FI_PROVIDER": "tcp,ofi_rxm"}, "tcp;ofi_rxm"),
])
def test_stats_name_the_network_provider(tmp_path, env, want):
    """BATON_STATS=1 names the network endpoint's provider and interface in a job
    across two (fork) hosts, and nothing of a network in a job on one node."""
    if libfabric_minor() is None:
        pytest.skip("no libfabric 1.x here")
    if want == "net" and libfabric_minor() != 17:
        want = "tcp"    # only 1.17 has both; later ones call the rewrite tcp
    exe = build_ring(tmp_path)
    res = subprocess.run([MPIEXEC, "-launcher", "fork", "-hosts", "a:3,b:1", "-n", "4", str(exe)],
                         capture_output=True, text=True,
                         env=dict(os.environ, BATON_STATS="1", **env), timeout=60)
    assert res.returncode == 0, res.stderr
    lines = sorted(res.stderr.splitlines())
    assert len(lines) == 4, lines
    for line in lines:
        m = re.search(r"; network: (\S+) on lo$", line)
        assert m, line
        assert m.group(1) == want or m.group(1).startswith(want + ";"), line
    res = subprocess.run([MPIEXEC, "-n", "2", str(exe)], capture_output=True, text=True,
                         env=dict(os.environ, BATON_STATS="1", **env), timeout=60)
    assert res.returncode == 0 and "network" not in res.stderr, res.stderr
