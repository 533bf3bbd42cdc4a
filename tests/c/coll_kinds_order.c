/* Blocking and nonblocking collectives match each in its own order: a rank that
 * starts an MPI_Iallreduce before an MPI_Barrier the others enter first (the
 * shape of mpi4py's fallback for MPI_Comm_iagree) gets the right result; also
 * a persistent allreduce started around blocking calls. */
#include "check.h"

static int rank = -1, size;

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    for (int root = 0; root < size; root++) {
        int in = rank == root ? 0xb : 0xd, out = -1;
        MPI_Request r;
        if (rank == root) {
            MPI_Iallreduce(&in, &out, 1, MPI_INT, MPI_BAND, MPI_COMM_WORLD, &r);
            MPI_Barrier(MPI_COMM_WORLD);
        } else {
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Iallreduce(&in, &out, 1, MPI_INT, MPI_BAND, MPI_COMM_WORLD, &r);
        }
        MPI_Wait(&r, MPI_STATUS_IGNORE);
        CHECK(out == (size == 1 ? 0xb : 0x9), "root %d: AND is %#x", root, out);
    }

    /* A persistent allreduce and a bcast, in different orders on even and odd ranks. */
    {
        int v = rank + 1, sum = 0, b = rank == size - 1 ? 42 : 0;
        MPI_Request p;
        MPI_Allreduce_init(&v, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &p);
        for (int round = 0; round < 3; round++) {
            if (rank % 2) {
                MPI_Start(&p);
                MPI_Bcast(&b, 1, MPI_INT, size - 1, MPI_COMM_WORLD);
            } else {
                MPI_Bcast(&b, 1, MPI_INT, size - 1, MPI_COMM_WORLD);
                MPI_Start(&p);
            }
            MPI_Wait(&p, MPI_STATUS_IGNORE);
            CHECK(sum == size * (size + 1) / 2 && b == 42, "round %d: sum %d, bcast %d", round,
                  sum, b);
        }
        MPI_Request_free(&p);
    }
    MPI_Finalize();
    return 0;
}
