"""Python objects between ranks: send/recv from rank 0, then a ring with sendrecv.

Any picklable object travels; the receiver gets a copy.
"""
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()

# 1. Rank 0 hands each other rank its own small record (tag 11).
if rank == 0:
    for dest in range(1, size):
        record = {"to": dest, "squares": [i * i for i in range(dest + 1)], "note": "hi"}
        comm.send(record, dest=dest, tag=11)
else:
    record = comm.recv(source=0, tag=11)
    print(f"rank {rank}/{size}: got {record}")

# 2. A ring: everybody passes a tuple to the right and hears from the left.
right = (rank + 1) % size
left = (rank - 1) % size
status = MPI.Status()
token = comm.sendrecv(("token from", rank), dest=right, sendtag=5,
                      source=left, recvtag=5, status=status)
print(f"rank {rank}/{size}: ring {token} source={status.Get_source()}")
