/* Known traffic for the PMPI tool of wrap.c: tests/test_pmpi.py computes from
 * the rank and the size what each rank's counts must be. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size, ints[64] = { 0 };
    double d[4] = { 0 }, sum[4];
    MPI_Request reqs[2];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int i = 0; i < 3; i++) {   /* from the last rank: a root other than 0 */
        if (rank == size - 1)
            ints[0] = 40 + i;
        MPI_Bcast(ints, 10, MPI_INT, size - 1, MPI_COMM_WORLD);
        if (ints[0] != 40 + i) {
            fprintf(stderr, "rank %d: bcast %d gave %d\n", rank, i, ints[0]);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    for (int i = 0; i < 5; i++) {
        d[0] = rank;
        MPI_Allreduce(d, sum, 4, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (sum[0] != size * (size - 1) / 2.0) {
            fprintf(stderr, "rank %d: allreduce gave %g\n", rank, sum[0]);
            MPI_Abort(MPI_COMM_WORLD, 1);
        }
    }
    /* a ring of 7 ints */
    MPI_Irecv(ints + 32, 7, MPI_INT, (rank + size - 1) % size, 1, MPI_COMM_WORLD, &reqs[0]);
    MPI_Isend(ints, 7, MPI_INT, (rank + 1) % size, 1, MPI_COMM_WORLD, &reqs[1]);
    MPI_Wait(&reqs[0], MPI_STATUS_IGNORE);
    MPI_Wait(&reqs[1], MPI_STATUS_IGNORE);
    /* every other rank sends rank ints to rank 0 */
    if (rank == 0) {
        for (int r = 1; r < size; r++)
            MPI_Recv(ints, r, MPI_INT, r, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Send(ints, rank, MPI_INT, 0, 2, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
