"""The traffic of traffic.c, from Python: mpi4py's MPI module calls the MPI_
names, so the preloaded tool of wrap.c sees the same counts."""
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
comm.Barrier()
comm.Barrier()
ints = np.zeros(64, dtype=np.int32)
for i in range(3):
    if rank == size - 1:
        ints[0] = 40 + i
    comm.Bcast([ints, 10, MPI.INT], root=size - 1)
    assert ints[0] == 40 + i, (rank, i, ints[0])
d, s = np.zeros(4), np.zeros(4)
for i in range(5):
    d[0] = rank
    comm.Allreduce(d, s, op=MPI.SUM)
    assert s[0] == size * (size - 1) / 2, (rank, s)
got = np.zeros(7, dtype=np.int32)
r = comm.Irecv(got, source=(rank - 1) % size, tag=1)
q = comm.Isend(ints[:7], dest=(rank + 1) % size, tag=1)
r.Wait()
q.Wait()
if rank == 0:
    for src in range(1, size):
        comm.Recv([ints, src, MPI.INT], source=src, tag=2)
else:
    comm.Send([ints, rank, MPI.INT], dest=0, tag=2)
