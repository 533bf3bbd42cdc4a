"""Every rank says who it is; rank 0 also names the MPI library underneath."""
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

print(f"rank {rank}/{size}: hello from {MPI.Get_processor_name()}")
if rank == 0:
    version = MPI.Get_version()
    library = MPI.Get_library_version().splitlines()[0]
    print(f"rank {rank}/{size}: MPI {version[0]}.{version[1]}, library {library}")
