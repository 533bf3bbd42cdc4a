"""Collectives on Python objects: bcast, scatter, gather (lower-case methods)."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# bcast: rank 0's dictionary reaches every rank.
config = {"steps": 3, "names": ("x", "y"), "scale": 0.5} if rank == 0 else None
config = comm.bcast(config, root=0)
print(f"rank {rank}/{size}: bcast {config}")

# scatter: one item of rank 0's list per rank, in rank order.
chunks = [list(range(r, r + 3)) for r in range(size)] if rank == 0 else None
mine = comm.scatter(chunks, root=0)
print(f"rank {rank}/{size}: scatter {mine}")

# gather: each rank's (rank, sum) pair collected on the last rank.
root = size - 1
pairs = comm.gather((rank, sum(mine)), root=root)
if rank == root:
    print(f"rank {rank}/{size}: gather {pairs}")
else:
    assert pairs is None
