"""Ranks of a node share one NumPy array through MPI.Win.Allocate_shared: rank 0
allocates it all, every rank views the same memory without copies and fills its
own rows; after a barrier rank 0 checks every row."""
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD.Split_type(MPI.COMM_TYPE_SHARED)
rank = comm.Get_rank()
size = comm.Get_size()
ROWS, COLS = 3, 5
itemsize = MPI.DOUBLE.Get_size()

# Rank 0 allocates the whole array; the others allocate nothing and ask where it is.
nbytes = size * ROWS * COLS * itemsize if rank == 0 else 0
win = MPI.Win.Allocate_shared(nbytes, itemsize, comm=comm)
buf, itemsize = win.Shared_query(0)
table = np.ndarray(buffer=buf, dtype="d", shape=(size * ROWS, COLS))

# Each rank fills its own rows, in place, in memory every rank of the node sees.
mine = table[rank * ROWS:(rank + 1) * ROWS]
mine[:] = rank + np.arange(COLS) / 10
win.Sync()
comm.Barrier()
win.Sync()

if rank == 0:
    expected = np.repeat(np.arange(size), ROWS)[:, None] + np.arange(COLS) / 10
    ok = np.array_equal(table, expected)
    print(f"rank {rank}/{size}: shared array {table.shape} filled by {size} ranks: {ok}")
print(f"rank {rank}/{size}: my rows sum {mine.sum():.1f}")
comm.Barrier()
win.Free()
