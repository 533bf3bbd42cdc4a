/* Programs that hang on purpose, for tests/test_hang_report.py (not run by
 * test_programs.py): argv[1] chooses how.
 *   cycle     ranks pair up (0-1, 2-3, ...) and each receives from its partner
 *             with tag 7: a two-rank wait-for cycle per pair
 *   mismatch  rank 0 enters MPI_Barrier, the others MPI_Allreduce (run with
 *             BATON_COLL_ALLREDUCE=ring, so that they wait for rank 0's messages)
 *   compute   the last rank computes for a long time, the others wait in MPI_Barrier
 *   tag       rank 1 receives from 0 with tag 7, which sends it tag 8; the others
 *             wait in MPI_Barrier
 *   dup       the last rank computes for a long time, the others wait in
 *             MPI_Comm_dup (a call whose wait records no peer or count) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    int rank, size, buf = 0;
    const char *mode = argc > 1 ? argv[1] : "cycle";

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (strcmp(mode, "cycle") == 0) {
        int partner = rank ^ 1;
        if (partner < size)
            MPI_Recv(&buf, 1, MPI_INT, partner, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
            MPI_Barrier(MPI_COMM_WORLD);
    } else if (strcmp(mode, "mismatch") == 0) {
        double in[4096] = { 0 }, out[4096];
        if (rank == 0)
            MPI_Barrier(MPI_COMM_WORLD);
        else
            MPI_Allreduce(in, out, 4096, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    } else if (strcmp(mode, "compute") == 0 || strcmp(mode, "dup") == 0) {
        if (rank == size - 1) {
            volatile double x = 0;
            time_t end = time(NULL) + 600;
            while (time(NULL) < end)
                for (int i = 0; i < 1000000; i++)
                    x += i * 0.5;
        }
        if (strcmp(mode, "dup") == 0) {
            MPI_Comm dup;
            MPI_Comm_dup(MPI_COMM_WORLD, &dup);
        }
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (strcmp(mode, "tag") == 0) {
        if (rank == 0)
            MPI_Send(&buf, 1, MPI_INT, 1, 8, MPI_COMM_WORLD);
        if (rank == 1)
            MPI_Recv(&buf, 1, MPI_INT, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
