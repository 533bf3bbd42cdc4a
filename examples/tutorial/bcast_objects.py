import mpi4py
from mpi4py import MPI

# The communicator among ranks
comm = MPI.COMM_WORLD
# Total number of ranks
size = comm.Get_size()
rank = comm.Get_rank()

if rank == 0:
    data = {'key1' : [7, 2.72, 2+3j],
            'key2' : ( 'abc', 'xyz')}
else:
    # You need a buffer
    data = None
data = comm.bcast(data, root=0)
print('Rank :', rank, 'data =', data)
