from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()

if rank == 0:
    data = np.arange(10, dtype='i')
    # You need to make sure the array's elements are contiguous (no gaps) in memory
    data = np.ascontiguousarray(data)

else:
    # Make a buffer for array
    data = np.empty(10, dtype='i')
    # You need to make sure the array's elements are contiguous (no gaps) in memory
    data = np.ascontiguousarray(data)

comm.Bcast(data, root=0)
for i in range(10):
    assert data[i] == i
print('Rank ', rank, ' data ', data)
