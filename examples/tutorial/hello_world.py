import mpi4py
from mpi4py import MPI

# The communicator among ranks
comm = MPI.COMM_WORLD
# Total number of ranks
size = comm.Get_size()
rank = comm.Get_rank()

print('Hi, I am rank ', rank, ' among ', size, ' available ranks!')

if rank == 0:
    print('Rank ', rank, ' : You can command me privately by specifying my id !')
