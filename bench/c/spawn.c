/* Spawn latency: one process spawns N children of this program (MPI_Comm_spawn)
 * and merges the intercommunicator (MPI_Intercomm_merge); the time from the
 * call to the merged communicator is one sample. The children take part in a
 * barrier on it, disconnect, and end. Prints one JSON line per N:
 *   {"bench": "spawn", "ranks": N, "value": <median ms>, "unit": "ms", ...}
 * Usage: spawn [-r REPS] N...   (default: 3 repetitions of 1 4 8)
 * Plain MPI-2 C: compiles with any MPI's mpicc; run it as one process. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Comm parent, inter, merged;
    int reps = 3, counts[16], ncounts = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        MPI_Intercomm_merge(parent, 1, &merged);
        MPI_Barrier(merged);
        MPI_Comm_free(&merged);
        MPI_Comm_disconnect(&parent);
        MPI_Finalize();
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (ncounts < 16)
            counts[ncounts++] = atoi(argv[i]);
    }
    if (ncounts == 0) {
        counts[0] = 1;
        counts[1] = 4;
        counts[2] = 8;
        ncounts = 3;
    }
    for (int c = 0; c < ncounts; c++) {
        double *t = malloc((size_t)reps * sizeof(double));
        for (int r = 0; r < reps; r++) {
            double t0 = MPI_Wtime();
            MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, counts[c], MPI_INFO_NULL, 0, MPI_COMM_SELF,
                           &inter, MPI_ERRCODES_IGNORE);
            MPI_Intercomm_merge(inter, 0, &merged);
            t[r] = 1e3 * (MPI_Wtime() - t0);
            MPI_Barrier(merged);
            MPI_Comm_free(&merged);
            MPI_Comm_disconnect(&inter);
        }
        qsort(t, (size_t)reps, sizeof(double), cmp_double);
        printf("{\"bench\": \"spawn\", \"ranks\": %d, \"value\": %.1f, \"unit\": \"ms\", "
               "\"min\": %.1f, \"max\": %.1f}\n", counts[c], t[reps / 2], t[0], t[reps - 1]);
        fflush(stdout);
        free(t);
    }
    MPI_Finalize();
    return 0;
}
