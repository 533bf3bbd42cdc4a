"""Collectives on NumPy arrays: Bcast, Scatter, Gather, Allreduce in place."""
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
N = 4

# Bcast: the root fills the array, the others receive into their own.
table = np.arange(N, dtype="i") * 10 if rank == 0 else np.empty(N, dtype="i")
comm.Bcast(table, root=0)
print(f"rank {rank}/{size}: Bcast {table.tolist()}")

# Scatter: row r of the root's size x N matrix goes to rank r.
matrix = None
if rank == 0:
    matrix = np.arange(size * N, dtype=np.float64).reshape(size, N)
row = np.empty(N, dtype=np.float64)
comm.Scatter(matrix, row, root=0)
print(f"rank {rank}/{size}: Scatter {row.tolist()}")

# Gather: every rank's row, doubled, back into a matrix on the root.
doubled = None
if rank == 0:
    doubled = np.empty((size, N), dtype=np.float64)
comm.Gather(row * 2, doubled, root=0)
if rank == 0:
    print(f"rank {rank}/{size}: Gather {doubled.ravel().tolist()}")

# Allreduce in place: the sum over ranks overwrites every rank's own array.
acc = np.full(N, rank + 1, dtype=np.int64)
comm.Allreduce(MPI.IN_PLACE, acc, op=MPI.SUM)
print(f"rank {rank}/{size}: Allreduce SUM {acc.tolist()}")
best = np.array([rank * 1.5])
comm.Allreduce(MPI.IN_PLACE, best, op=MPI.MAX)
print(f"rank {rank}/{size}: Allreduce MAX {best[0]}")
