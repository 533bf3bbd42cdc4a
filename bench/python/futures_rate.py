"""MPIPoolExecutor round trip of a trivial task: tasks per second with 3 spawned
workers (submit one, wait for its result, repeat), after a warm-up that starts
the workers. Prints one JSON line:
    {"bench": "futures", "ranks": 3, "value": <tasks/s>, "unit": "tasks/s"}
Run it as one process: mpiexec -n 1 python futures_rate.py [SECONDS]"""
import json
import sys
import time

from mpi4py.futures import MPIPoolExecutor


def noop(x):
    return x


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    with MPIPoolExecutor(max_workers=3) as pool:
        list(pool.map(noop, range(30)))       # every worker up
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            pool.submit(noop, n).result()
            n += 1
        rate = n / (time.perf_counter() - t0)
    print(json.dumps({"bench": "futures", "ranks": 3, "value": round(rate, 1),
                      "unit": "tasks/s"}))
