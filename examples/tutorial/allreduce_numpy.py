from mpi4py import MPI
import numpy as np

comm = MPI.COMM_WORLD
size = comm.Get_size()
rank = comm.Get_rank()


data = np.arange(10)*0.1*rank
# You need to make sure the array's elements are contiguous in memory
data = np.ascontiguousarray(data)
print('Rank ', rank, ' data before allreduce ', data)
comm.Allreduce(MPI.IN_PLACE, data, op=MPI.SUM)
print('Rank ', rank, ' data after  allreduce ', data)
