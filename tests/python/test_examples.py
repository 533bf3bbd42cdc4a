"""The examples (examples/*.py) and the tutorial's programs (examples/tutorial/*.py)
under `mpiexec -n N python prog.py`, with every line of output checked: which rank
printed it and what values it holds. Ranks print in any order, so the lines are
compared as sorted lists.

Also: `python -m mpi4py` ends the whole job promptly when one rank raises, and a
plain `python prog.py` (no mpiexec) is a singleton, rank 0 of 1.
"""
import re
import time

import pytest

from harness import MPIEXEC, PYTHON, ROOT, clean_env, mpirun, run_job, venv_problem

EXAMPLES = ROOT / "examples"
TUTORIAL = EXAMPLES / "tutorial"
NPS = (1, 2, 3, 4, 8)
P2P_NPS = (2, 3, 4, 8)   # the tutorial's point-to-point programs send to rank 1
TIMEOUT = 120

_problem = venv_problem()
if _problem:
    pytest.skip(_problem, allow_module_level=True)


# ---- expected output, per program, as a function of the number of ranks ----------
#
# Integer arrays are formatted here as NumPy prints them; float arrays are compared
# by value (parsed back), not by their printed digits.

def ints(values):
    return "[" + " ".join(str(v) for v in values) + "]"


def int_rows(rows):
    """NumPy's str() of a 2-D integer array whose entries are one digit wide."""
    lines = [ints(r) for r in rows]
    if len(lines) == 1:
        return ["[" + lines[0] + "]"]
    return ["[" + lines[0]] + [" " + ln for ln in lines[1:-1]] + [" " + lines[-1] + "]"]


def expect_hello_world(n):
    out = ["Hi, I am rank  %d  among  %d  available ranks!" % (r, n) for r in range(n)]
    return out + ["Rank  0  : You can command me privately by specifying my id !"]


def expect_send_recv_objects(n):
    return ["rank  1 data =  {'a': 7, 'b': 3.14}"]


def expect_send_recv_numpy(n):
    return ["Rank  1  data  [0 1 2 3 4 5 6 7 8 9]",
            "Rank  1  data.  [0. 1. 2. 3. 4. 5. 6. 7. 8. 9.]"]


def expect_bcast_objects(n):
    return ["Rank : %d data = {'key1': [7, 2.72, (2+3j)], 'key2': ('abc', 'xyz')}" % r
            for r in range(n)]


def expect_scatter_objects(n):
    return ["Rank  %d data =  %d" % (r, (r + 1) ** 2) for r in range(n)]


def expect_gather_objects(n):
    return (["Rank 0 data = %s" % [(r + 1) ** 2 for r in range(n)]]
            + ["Rank %d data = None" % r for r in range(1, n)])


def expect_bcast_numpy(n):
    return ["Rank  %d  data  [0 1 2 3 4 5 6 7 8 9]" % r for r in range(n)]


def expect_scatter_numpy(n):
    rows = int_rows([[r] * 10 for r in range(n)])
    out = ["Rank  0  sendbuf  " + rows[0]] + rows[1:]
    out += ["Rank  %d  sendbuf  None" % r for r in range(1, n)]
    return out + ["Rank  %d  recvbuf  %s" % (r, ints([r] * 10)) for r in range(n)]


def expect_gather_numpy(n):
    rows = int_rows([[r] * 10 for r in range(n)])
    out = ["Rank  %d  sendbuf  %s" % (r, ints([r] * 10)) for r in range(n)]
    out += ["Rank  0  recvbuf  " + rows[0]] + rows[1:]
    return out + ["Rank  %d  recvbuf  None" % r for r in range(1, n)]


def parse_floats(text):
    return [float(x) for x in text.strip("[] ").split()]


def check_allreduce_numpy(n, lines):
    """Before: 0.1*rank*arange(10) on each rank; after: the sum over ranks everywhere."""
    seen = {}
    for line in lines:
        m = re.fullmatch(r"Rank  (\d+)  data (before|after ) allreduce  (\[.*\])", line)
        assert m, "unexpected line %r" % line
        seen[(int(m.group(1)), m.group(2).strip())] = parse_floats(m.group(3))
    assert sorted(seen) == sorted((r, w) for r in range(n) for w in ("before", "after"))
    total = sum(range(n))
    for r in range(n):
        assert seen[(r, "before")] == pytest.approx([0.1 * r * i for i in range(10)], abs=1e-6)
        assert seen[(r, "after")] == pytest.approx([0.1 * total * i for i in range(10)], abs=1e-6)


# Our own examples: each line "rank R/N: ...".

def rank_lines(n, per_rank):
    out = []
    for r in range(n):
        out += ["rank %d/%d: %s" % (r, n, text) for text in per_rank(r)]
    return out


def check_hello(n, lines):
    hellos = [ln for ln in lines if re.fullmatch(r"rank \d+/\d+: hello from \S+", ln)]
    assert sorted(ln.split(":")[0] for ln in hellos) == sorted(
        "rank %d/%d" % (r, n) for r in range(n))
    rest = [ln for ln in lines if ln not in hellos]
    assert len(rest) == 1 and re.fullmatch(
        r"rank 0/%d: MPI 4\.\d+, library Baton .*" % n, rest[0]), rest


def expect_objects_p2p(n):
    def per_rank(r):
        out = []
        if r > 0:
            out.append("got {'to': %d, 'squares': %s, 'note': 'hi'}"
                       % (r, [i * i for i in range(r + 1)]))
        left = (r - 1) % n
        out.append("ring ('token from', %d) source=%d" % (left, left))
        return out
    return rank_lines(n, per_rank)


def expect_arrays_p2p(n):
    def per_rank(r):
        if r == 0:
            return []
        reals = sum(i / 9 for i in range(10)) + 10 * r
        out = ["ints %s" % [i * r for i in range(10)],
               "reals sum %.6f count 10" % reals]
        if r == n - 1:
            out.append("big array of 1048576 int64 intact: True")
        return out
    return rank_lines(n, per_rank)


def expect_objects_collectives(n):
    def per_rank(r):
        out = ["bcast {'steps': 3, 'names': ('x', 'y'), 'scale': 0.5}",
               "scatter %s" % list(range(r, r + 3))]
        if r == n - 1:
            out.append("gather %s" % [(i, 3 * i + 3) for i in range(n)])
        return out
    return rank_lines(n, per_rank)


def expect_arrays_collectives(n):
    N = 4

    def per_rank(r):
        out = ["Bcast %s" % [0, 10, 20, 30],
               "Scatter %s" % [float(r * N + i) for i in range(N)]]
        if r == 0:
            out.append("Gather %s" % [2.0 * i for i in range(n * N)])
        out.append("Allreduce SUM %s" % ([n * (n + 1) // 2] * N))
        out.append("Allreduce MAX %s" % ((n - 1) * 1.5))
        return out
    return rank_lines(n, per_rank)


def expect_shared_numpy(n):
    def per_rank(r):
        out = ["my rows sum %.1f" % (15 * r + 3)]
        if r == 0:
            out.append("shared array (%d, 5) filled by %d ranks: True" % (3 * n, n))
        return out
    return rank_lines(n, per_rank)
def expect_sweep(n):
    out = []
    for rate in (2.8, 3.2, 3.5, 3.9):
        for steps in (10, 100):
            x = 0.5
            for _ in range(steps):
                x = rate * x * (1.0 - x)
            out.append(f"rate {rate:.1f} steps {steps:3d}: x = {x:.6f}")
    return out


# program -> (process counts, expected lines or a checking function)
PROGRAMS = {
    "tutorial/hello_world.py": (NPS, expect_hello_world),
    "tutorial/send_recv_objects.py": (P2P_NPS, expect_send_recv_objects),
    "tutorial/send_recv_numpy.py": (P2P_NPS, expect_send_recv_numpy),
    "tutorial/bcast_objects.py": (NPS, expect_bcast_objects),
    "tutorial/scatter_objects.py": (NPS, expect_scatter_objects),
    "tutorial/gather_objects.py": (NPS, expect_gather_objects),
    "tutorial/bcast_numpy.py": (NPS, expect_bcast_numpy),
    "tutorial/scatter_numpy.py": (NPS, expect_scatter_numpy),
    "tutorial/gather_numpy.py": (NPS, expect_gather_numpy),
    "tutorial/allreduce_numpy.py": (NPS, check_allreduce_numpy),
    "hello.py": (NPS, check_hello),
    "objects_p2p.py": (NPS, expect_objects_p2p),
    "arrays_p2p.py": (NPS, expect_arrays_p2p),
    "objects_collectives.py": (NPS, expect_objects_collectives),
    "arrays_collectives.py": (NPS, expect_arrays_collectives),
    "shared_numpy.py": (NPS, expect_shared_numpy),
    # spawns its 3 workers from one rank (tests/python/test_futures.py runs the
    # other modes of mpi4py.futures)
    "sweep.py": ((1,), expect_sweep),
}


def test_every_program_is_checked():
    found = {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.py")}
    assert found == set(PROGRAMS), "examples without a check (or checks without a file)"


def cases():
    for prog, (nps, _) in PROGRAMS.items():
        for n in nps:
            yield pytest.param(prog, n, id="%s-n%d" % (prog.replace("/", "-")[:-3], n))


@pytest.mark.parametrize("prog,n", list(cases()))
def test_program(prog, n):
    job = mpirun(n, [PYTHON, EXAMPLES / prog], timeout=TIMEOUT, cwd=ROOT)
    assert job.returncode == 0 and not job.timed_out, job.describe()
    assert job.stderr == "", job.describe()
    lines = job.stdout.splitlines()
    expect = PROGRAMS[prog][1]
    if expect.__name__.startswith("check_"):
        expect(n, lines)
    else:
        assert sorted(lines) == sorted(expect(n)), job.describe()


# ---- a plain `python prog.py`: a singleton ------------------------------------------

@pytest.mark.parametrize("prog", ["tutorial/hello_world.py", "tutorial/bcast_numpy.py",
                                  "tutorial/allreduce_numpy.py", "arrays_collectives.py"])
def test_singleton(prog):
    job = run_job([PYTHON, EXAMPLES / prog], TIMEOUT, cwd=ROOT, env=clean_env())
    assert job.returncode == 0 and job.stderr == "", job.describe()
    lines = job.stdout.splitlines()
    expect = PROGRAMS[prog][1]
    if expect.__name__.startswith("check_"):
        expect(1, lines)
    else:
        assert sorted(lines) == sorted(expect(1)), job.describe()


# ---- one rank raises: `python -m mpi4py` ends the whole job --------------------------

RAISE_BEFORE_BCAST = '''
import sys, time
from mpi4py import MPI
comm = MPI.COMM_WORLD
comm.Barrier()   # every rank is up: what follows measures the abort, not start-up
if comm.Get_rank() == {bad}:
    print("raising at", time.time(), file=sys.stderr, flush=True)
    raise RuntimeError("rank {bad} refuses to go on")
data = comm.bcast({{"x": 1}} if comm.Get_rank() == 0 else None, root=0)
comm.Barrier()
print("rank", comm.Get_rank(), "finished")
'''


@pytest.mark.parametrize("n,bad", [(2, 0), (4, 0), (4, 3), (8, 5)],
                         ids=lambda v: str(v))
def test_exception_ends_job(tmp_path, n, bad):
    """The raising rank prints its traceback and calls MPI_Abort; the others, blocked
    in bcast (or the barrier after it), are ended at once by mpiexec: the job is
    over within 5 s of the raise."""
    prog = tmp_path / "raises.py"
    prog.write_text(RAISE_BEFORE_BCAST.format(bad=bad))
    job = mpirun(n, [PYTHON, "-m", "mpi4py", prog], timeout=60, cwd=tmp_path)
    ended = time.time()
    assert not job.timed_out, job.describe()
    m = re.search(r"raising at (\S+)", job.stderr)
    assert m, job.describe()
    took = ended - float(m.group(1))
    assert took < 5.0, "the job took %.1f s to end after the raise\n%s" % (took, job.describe())
    assert job.returncode != 0, job.describe()
    assert "Traceback (most recent call last)" in job.stderr, job.describe()
    assert "RuntimeError: rank %d refuses to go on" % bad in job.stderr, job.describe()
    assert "finished" not in job.stdout, job.describe()


def test_tutorial_command_line():
    """The tutorial's own command, `mpirun -np 2 python hello_world.py`, run from the
    program's folder."""
    job = run_job([MPIEXEC.parent / "mpirun", "-np", "2", PYTHON, "hello_world.py"],
                  TIMEOUT, cwd=TUTORIAL)
    assert job.returncode == 0 and job.stderr == "", job.describe()
    assert sorted(job.stdout.splitlines()) == sorted(expect_hello_world(2)), job.describe()


def test_mpiexec_is_ours():
    """The mpiexec the tests use is Baton's, from the venv."""
    job = run_job([MPIEXEC, "-n", "1", PYTHON, "-c",
                   "from mpi4py import MPI; print(MPI.Get_library_version())"], TIMEOUT)
    assert job.returncode == 0 and job.stdout.startswith("Baton"), job.describe()
