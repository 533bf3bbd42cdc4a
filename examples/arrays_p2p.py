"""NumPy arrays between ranks with Send/Recv: the fast path, no pickling.

The buffer can be given with its MPI datatype ([array, MPI.INT]) or alone, in
which case mpi4py discovers the datatype from the array.
"""
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
N = 10

for peer in range(1, size):
    if rank == 0:
        # Datatype given explicitly.
        ints = np.arange(N, dtype="i") * peer
        comm.Send([ints, MPI.INT], dest=peer, tag=77)
        # Datatype discovered from the array (float64 -> MPI.DOUBLE).
        reals = np.linspace(0.0, 1.0, N) + peer
        comm.Send(reals, dest=peer, tag=13)
    elif rank == peer:
        ints = np.empty(N, dtype="i")
        comm.Recv([ints, MPI.INT], source=0, tag=77)
        reals = np.empty(N, dtype=np.float64)
        status = MPI.Status()
        comm.Recv(reals, source=0, tag=13, status=status)
        count = status.Get_count(MPI.DOUBLE)
        print(f"rank {rank}/{size}: ints {ints.tolist()}")
        print(f"rank {rank}/{size}: reals sum {reals.sum():.6f} count {count}")

# A larger array, big enough to leave the small-message path.
big = 1 << 20
if size > 1:
    if rank == 0:
        comm.Send(np.arange(big, dtype=np.int64), dest=size - 1, tag=99)
    elif rank == size - 1:
        buf = np.empty(big, dtype=np.int64)
        comm.Recv(buf, source=0, tag=99)
        ok = bool((buf == np.arange(big, dtype=np.int64)).all())
        print(f"rank {rank}/{size}: big array of {big} int64 intact: {ok}")
