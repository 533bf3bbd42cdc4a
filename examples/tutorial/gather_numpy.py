from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

sendbuf = np.zeros(10, dtype='i') + rank
# You need to make sure the array's elements are contiguous in memory
sendbuf = np.ascontiguousarray(sendbuf)
print('Rank ', rank, ' sendbuf ' , sendbuf)
recvbuf = None
if rank == 0:
    recvbuf = np.empty([size, 10], dtype='i')
    # You need to make sure the array's elements are contiguous in memory
    recvbuf = np.ascontiguousarray(recvbuf)
comm.Gather(sendbuf, recvbuf, root=0)

print('Rank ', rank, ' recvbuf ' , recvbuf)
