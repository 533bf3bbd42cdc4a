"""mpi4py benchmarks: the Python-level cost of an MPI through mpi4py.

Run under mpiexec with 2 (or more) ranks; point-to-point operations use ranks 0
and 1, collectives use every rank. Prints one JSON line per point:
{"bench": "py", "variant": OPERATION, "bytes": N, "value": µs, "unit": "us", ...}

Operations (NumPy float64 arrays of 8 B, 4 KiB and 1 MiB unless noted):
  send/recv dict   lowercase send/recv of a small dict (pickled), one way
  send/recv numpy  lowercase send/recv of an array (pickled), one way
  Send/Recv numpy  buffer Send/Recv, one way
  bcast, Bcast     lowercase (pickled) and buffer broadcast from rank 0
  allreduce, Allreduce   lowercase (pickled, sums the arrays) and buffer, MPI.SUM
Timing per point as in bench/c/bench_common.h: warm-up rounds until one takes a
fifth of the budget, then as many iterations as fit the budget (--time seconds).
"""
import argparse
import json
import sys
import time

import numpy as np
from mpi4py import MPI

SMALL_DICT = {"step": 17, "loss": 0.25, "name": "worker", "ok": True}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="8,4096,1048576", help="bytes, comma-separated")
    p.add_argument("--time", type=float, default=0.5, help="seconds of timed loop per point")
    p.add_argument("--warmup-max", type=int, default=1000000)
    p.add_argument("--min-iters", type=int, default=3)
    p.add_argument("--max-iters", type=int, default=100000)
    p.add_argument("--ops", default="all", help="comma-separated operation names or 'all'")
    return p.parse_args()


def clamp(v, lo, hi):
    return int(max(lo, min(hi, v)))


def time_point(comm, args, body):
    """Seconds per iteration on this rank and the iteration count (the same on all
    ranks), as bench_time_point in bench/c/bench_common.h: warm-up rounds of
    growing length until one takes a fifth of the budget, then the count that
    fits the budget, in 8 chunks, stopping early (all ranks together) past
    twice the budget."""
    comm.Barrier()
    n, warm = 1, 0
    while True:
        t = time.perf_counter()
        body(n)
        round_max = comm.allreduce(time.perf_counter() - t, op=MPI.MAX)
        warm += n
        if round_max >= 0.2 * args.time or warm >= args.warmup_max:
            break
        grow = min(8.0, 0.25 * args.time / round_max) if round_max > 0 else 8.0
        n = clamp(n * grow, n + 1, args.warmup_max)
    per = round_max / n
    n = clamp(args.time / max(per, 1e-9), args.min_iters, args.max_iters)
    chunk, done, spent = (n if n <= 64 else n // 8), 0, 0.0
    comm.Barrier()
    while done < n:
        k = min(chunk, n - done)
        t = time.perf_counter()
        body(k)
        spent += time.perf_counter() - t
        done += k
        if done < n and comm.allreduce(spent, op=MPI.MAX) > 2 * args.time \
                and done >= args.min_iters:
            break
    return spent / done, done


def pingpong(comm, rank, send, recv):
    def body(iters):
        if rank == 0:
            for _ in range(iters):
                send(1)
                recv(1)
        elif rank == 1:
            for _ in range(iters):
                recv(0)
                send(0)
    return body


def make_ops(world, pair, size_list):
    rank = world.Get_rank()
    ops = []  # (name, bytes, comm, body, one_way)

    if pair != MPI.COMM_NULL:
        obj = SMALL_DICT
        ops.append(("send/recv dict", 0, pair,
                    pingpong(pair, rank, lambda d: pair.send(obj, d, 1),
                             lambda s: pair.recv(source=s, tag=1)), True))
    for nbytes in size_list:
        sbuf = np.ones(max(nbytes // 8, 1), dtype=np.float64)
        rbuf = np.zeros_like(sbuf)
        if pair != MPI.COMM_NULL:
            ops.append(("send/recv numpy", nbytes, pair,
                        pingpong(pair, rank, lambda d, a=sbuf: pair.send(a, d, 2),
                                 lambda s: pair.recv(source=s, tag=2)), True))
            ops.append(("Send/Recv numpy", nbytes, pair,
                        pingpong(pair, rank, lambda d, a=sbuf: pair.Send(a, d, 3),
                                 lambda s, b=rbuf: pair.Recv(b, s, 3)), True))

        def bcast(iters, a=sbuf):
            for _ in range(iters):
                world.bcast(a if rank == 0 else None, root=0)

        def Bcast(iters, a=sbuf):
            for _ in range(iters):
                world.Bcast(a, root=0)

        def allreduce(iters, a=sbuf):
            for _ in range(iters):
                world.allreduce(a, op=MPI.SUM)

        def Allreduce(iters, a=sbuf, b=rbuf):
            for _ in range(iters):
                world.Allreduce(a, b, op=MPI.SUM)

        ops += [("bcast", nbytes, world, bcast, False), ("Bcast", nbytes, world, Bcast, False),
                ("allreduce", nbytes, world, allreduce, False),
                ("Allreduce", nbytes, world, Allreduce, False)]
    return ops


def main():
    args = parse_args()
    world = MPI.COMM_WORLD
    rank, size = world.Get_rank(), world.Get_size()
    if size < 2:
        sys.exit("pybench: needs at least 2 ranks")
    pair = world.Split(0 if rank < 2 else MPI.UNDEFINED, rank)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    wanted = None if args.ops == "all" else set(args.ops.split(","))
    for name, nbytes, comm, body, one_way in make_ops(world, pair, sizes):
        if wanted is not None and name not in wanted:
            continue
        if comm == MPI.COMM_NULL:
            continue
        per, iters = time_point(comm, args, body)
        if one_way:
            value = per / 2 * 1e6
        else:
            value = comm.allreduce(per, op=MPI.SUM) / comm.Get_size() * 1e6
        if comm.Get_rank() == 0:
            print(json.dumps({"bench": "py", "variant": name, "ranks": size, "bytes": nbytes,
                              "value": round(value, 4), "unit": "us", "iters": iters}),
                  flush=True)
    if pair != MPI.COMM_NULL:
        pair.Free()
    world.Barrier()


if __name__ == "__main__":
    main()
