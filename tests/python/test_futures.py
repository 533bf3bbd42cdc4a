"""mpi4py.futures on Baton, in each of its modes, checked by what the programs
print (not only by their exit status):

- MPIPoolExecutor(max_workers=3) spawning its workers from `mpiexec -n 1` and from
  a singleton (`python script.py`);
- `mpiexec -n 4 python -m mpi4py.futures script.py` (rank 0 runs the script, the
  other three ranks are the workers: no spawn);
- MPICommExecutor over MPI_COMM_WORLD;

each with map (results in order), submit, an exception raised in a worker (it
reaches the caller with its message), and a shutdown that leaves no process
behind: the tests run with pytest as a child subreaper, so that any worker left
running becomes our child, and fail if one is.
"""
import pytest

import harness
from harness import MPIEXEC, PYTHON, ROOT, clean_env, run_job, venv_problem

TIMEOUT = 120

_problem = venv_problem()
if _problem:
    pytest.skip(_problem, allow_module_level=True)


POOL = '''
import os
from mpi4py import MPI
from mpi4py.futures import MPIPoolExecutor

def square(x):
    return x * x

def where(_):
    return os.getpid()

def fail(x):
    raise ValueError("task %d failed on purpose" % x)

if __name__ == "__main__":
    with MPIPoolExecutor(max_workers=3) as pool:
        print("map", list(pool.map(square, range(10))))
        print("submit", pool.submit(pow, 2, 20).result())
        try:
            pool.submit(fail, 7).result()
        except ValueError as e:
            print("raised", e)
        pids = set(pool.map(where, range(30)))
        print("workers", len(pids), "parent among them", os.getpid() in pids)
        print("world", MPI.COMM_WORLD.Get_size())
    print("shutdown ok")
'''

COMM = '''
from mpi4py import MPI
from mpi4py.futures import MPICommExecutor

def cube(x):
    return x ** 3, MPI.COMM_WORLD.Get_rank()

with MPICommExecutor(MPI.COMM_WORLD, root=0) as pool:
    if pool is not None:
        results = list(pool.map(cube, range(8)))
        print("map", [r[0] for r in results])
        print("on root", any(r[1] == 0 for r in results))
        try:
            pool.submit(int, "not a number").result()
        except ValueError as e:
            print("raised", type(e).__name__)
if MPI.COMM_WORLD.Get_rank() == 0:
    print("shutdown ok")
'''


@pytest.fixture(autouse=True)
def nothing_left():
    yield from harness.nothing_left()


def pool_lines(world):
    return ["map [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]",
            "submit 1048576",
            "raised task 7 failed on purpose",
            "world %d" % world,
            "shutdown ok"]


def check_pool(job, world, max_workers=3):
    assert job.returncode == 0 and not job.timed_out, job.describe()
    lines = job.stdout.splitlines()
    workers = [ln for ln in lines if ln.startswith("workers ")]
    assert len(workers) == 1, job.describe()
    n = int(workers[0].split()[1])
    assert 1 <= n <= max_workers and workers[0].endswith("parent among them False"), \
        job.describe()
    assert [ln for ln in lines if not ln.startswith("workers ")] == pool_lines(world), \
        job.describe()


@pytest.fixture
def pool_script(tmp_path):
    path = tmp_path / "pool.py"
    path.write_text(POOL)
    return path


def test_pool_spawned_from_mpiexec(pool_script):
    job = run_job([MPIEXEC, "-n", "1", PYTHON, pool_script], TIMEOUT, cwd=ROOT)
    check_pool(job, 1)


def test_pool_spawned_from_singleton(pool_script):
    job = run_job([PYTHON, pool_script], TIMEOUT, cwd=ROOT, env=clean_env())
    check_pool(job, 1)


def test_pool_in_a_job_of_4(pool_script):
    # rank 0 runs the script; ranks 1-3 serve it
    job = run_job([MPIEXEC, "-n", "4", PYTHON, "-m", "mpi4py.futures", pool_script], TIMEOUT,
                  cwd=ROOT)
    check_pool(job, 4)


def test_comm_executor(tmp_path):
    path = tmp_path / "comm.py"
    path.write_text(COMM)
    job = run_job([MPIEXEC, "-n", "3", PYTHON, path], TIMEOUT, cwd=ROOT)
    assert job.returncode == 0 and not job.timed_out, job.describe()
    assert job.stdout.splitlines() == [
        "map [0, 1, 8, 27, 64, 125, 216, 343]",
        "on root False",
        "raised ValueError",
        "shutdown ok"], job.describe()
