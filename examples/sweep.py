"""A parameter sweep with mpi4py.futures: every (rate, steps) pair of a grid is one
task, run by a pool of MPI worker processes; map returns the results in the grid's
order. The pool spawns its workers (MPI_Comm_spawn) when started as

    mpiexec -n 1 python examples/sweep.py        (or python examples/sweep.py)

and uses the job's other ranks as workers, without spawning, when started as

    mpiexec -n 4 python -m mpi4py.futures examples/sweep.py
"""
from mpi4py.futures import MPIPoolExecutor


def logistic(params):
    """The logistic map x <- rate * x * (1 - x) from x = 0.5, after `steps` steps."""
    rate, steps = params
    x = 0.5
    for _ in range(steps):
        x = rate * x * (1.0 - x)
    return rate, steps, x


if __name__ == "__main__":
    grid = [(rate, steps) for rate in (2.8, 3.2, 3.5, 3.9) for steps in (10, 100)]
    with MPIPoolExecutor(max_workers=3) as pool:
        for rate, steps, x in pool.map(logistic, grid):
            print(f"rate {rate:.1f} steps {steps:3d}: x = {x:.6f}")
