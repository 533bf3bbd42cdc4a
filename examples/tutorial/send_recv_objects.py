import mpi4py
from mpi4py import MPI

# The communicator among ranks
comm = MPI.COMM_WORLD
# Total number of ranks
size = comm.Get_size()
rank = comm.Get_rank()

if rank == 0:
    data = {'a': 7, 'b': 3.14}
    comm.send(data, dest=1, tag=11)
elif rank == 1:
    data = comm.recv(source=0, tag=11)
    print('rank ', rank, 'data = ', data)
