"""mpi4py.util.sync.Counter: shared-counter increments per second.

Run under mpiexec with any number of ranks: every rank takes numbers from one
Counter held by rank 0 (each `next()` is MPI_Win_lock shared, MPI_Fetch_and_op,
MPI_Win_unlock), as a task farm hands out work items. Prints one JSON line:
{"bench": "py_counter", "variant": "Counter.next", "ranks": N, "bytes": 0,
 "value": increments per second of all ranks together, "unit": "1/s", ...}
and checks that the counter ends at the number of increments taken.

Timing: warm-up rounds of growing length until one takes a fifth of the budget
(--time seconds), then every rank increments for the budget in chunks, and all
ranks agree after each chunk whether to go on, so that all stop together.
"""
import argparse
import json
import sys
import time

from mpi4py import MPI
from mpi4py.util.sync import Counter


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--time", type=float, default=0.5, help="seconds of timed loop")
    return p.parse_args()


def main():
    args = parse_args()
    comm = MPI.COMM_WORLD
    counter = Counter(comm=comm)
    taken = 0

    # Warm-up: the first numbers also map the window and fault its pages in.
    n = 1
    while True:
        comm.Barrier()
        t = time.perf_counter()
        for _ in range(n):
            counter.next()
        taken += n
        spent = comm.allreduce(time.perf_counter() - t, op=MPI.MAX)
        if spent >= 0.2 * args.time or n >= 1 << 20:
            break
        n = min(n * 4, 1 << 20)
    chunk = max(1, int(n * 0.25 * args.time / max(spent, 1e-9)))

    comm.Barrier()
    t0 = time.perf_counter()
    done = 0
    while True:
        for _ in range(chunk):
            counter.next()
        done += chunk
        if comm.allreduce(time.perf_counter() - t0, op=MPI.MAX) >= args.time:
            break
    elapsed = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
    total = comm.allreduce(done, op=MPI.SUM)
    every = comm.allreduce(taken + done, op=MPI.SUM)
    comm.Barrier()
    final = counter.next(0) if comm.Get_rank() == 0 else None
    counter.free()
    if comm.Get_rank() == 0:
        if final != every:
            sys.exit("rma_counter: the counter ends at %d, but %d increments were taken"
                     % (final, every))
        print(json.dumps({"bench": "py_counter", "variant": "Counter.next",
                          "ranks": comm.Get_size(), "bytes": 0,
                          "value": round(total / elapsed, 1), "unit": "1/s",
                          "iters": total}), flush=True)


if __name__ == "__main__":
    main()
