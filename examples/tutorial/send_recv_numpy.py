import mpi4py
from mpi4py import MPI
import numpy as np

# The communicator among ranks
comm = MPI.COMM_WORLD
# Total number of ranks
size = comm.Get_size()
rank = comm.Get_rank()

# passing MPI datatypes explicitly
if rank == 0:
    data = np.arange(10, dtype='i')
    comm.Send([data, MPI.INT], dest=1, tag=77)
elif rank == 1:
    # You need a buffer for the array
    data = np.empty(10, dtype='i')
    comm.Recv([data, MPI.INT], source=0, tag=77)
    print('Rank ', rank, ' data ', data)

# automatic MPI datatype discovery
if rank == 0:
    data = np.arange(10, dtype=np.float64)
    comm.Send(data, dest=1, tag=13)
elif rank == 1:
    data = np.empty(10, dtype=np.float64)
    comm.Recv(data, source=0, tag=13)
    print('Rank ', rank, ' data. ', data)
