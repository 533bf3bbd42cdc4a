from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

sendbuf = None
if rank == 0:
    sendbuf = np.empty([size, 10], dtype='i')
    sendbuf.T[:,:] = range(size)
    # You need to make sure the array's elements are contiguous in memory
    sendbuf = np.ascontiguousarray(sendbuf)

recvbuf = np.empty(10, dtype='i')
# You need to make sure the array's elements are contiguous in memory
recvbuf = np.ascontiguousarray(recvbuf)

print('Rank ', rank, ' sendbuf ', sendbuf)
comm.Scatter(sendbuf, recvbuf, root=0)
print('Rank ', rank, ' recvbuf ', recvbuf)
assert np.allclose(recvbuf, rank)
