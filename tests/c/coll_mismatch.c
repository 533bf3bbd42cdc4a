/* Counts that do not match across the ranks (an erroneous program) in the node's
 * shared-memory collectives: the ranks that read a mismatched slot get
 * MPI_ERR_TRUNCATE under MPI_ERRORS_RETURN, with a message naming the call, instead
 * of a silent wrong answer or a hang; every rank leaves the call, and the next
 * collectives work. (Small sizes, and a large allreduce, all on MPI_COMM_WORLD:
 * the sizes the default table gives to the shared-memory algorithms.) */
/* np: 1 2 3 4 8 */
/* hosts: skip (mismatched counts are caught where a rank reads them: the node algorithms check every slot, the two-level ones do not) */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int rank, size;

#include "check.h"

static void expect(int rc, int truncated, const char *call, const char *what)
{
    char msg[MPI_MAX_ERROR_STRING];
    int cls = MPI_SUCCESS, len;

    if (rc != MPI_SUCCESS)
        MPI_Error_class(rc, &cls);
    if (!truncated) {
        CHECK(rc == MPI_SUCCESS, "%s: %s returned class %d, expected success", what, call, cls);
        return;
    }
    CHECK(cls == MPI_ERR_TRUNCATE, "%s: %s returned class %d, expected MPI_ERR_TRUNCATE", what,
          call, cls);
    MPI_Error_string(rc, msg, &len);
    CHECK(strstr(msg, call) && strstr(msg, "do not match"), "%s: message \"%s\"", what, msg);
}

/* The world still works: a correct allreduce and a barrier. */
static void still_works(const char *after)
{
    int one = 1, sum = 0;
    CHECK(MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS &&
              sum == size, "after %s: allreduce gave %d", after, sum);
    CHECK(MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS, "after %s: barrier failed", after);
}

int main(int argc, char **argv)
{
    int a[64] = { 0 }, b[64 * 8] = { 0 };
    enum { BIG = 5000 };
    double *x, *y;
    int last;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    last = size - 1;
    x = calloc(BIG + 1, sizeof(double));
    y = calloc(BIG + 1, sizeof(double));

    if (size > 1) {
        /* A: allreduce, rank 1 with one int more: every rank reads every slot. */
        expect(MPI_Allreduce(a, b, rank == 1 ? 3 : 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD), 1,
               "MPI_Allreduce", "A");
        still_works("A");

        /* B: bcast from 0, the last rank expects 5 ints instead of 4: only it reads. */
        expect(MPI_Bcast(a, rank == last ? 5 : 4, MPI_INT, 0, MPI_COMM_WORLD), rank == last,
               "MPI_Bcast", "B");
        still_works("B");

        /* C: gather to the last rank, rank 0 sends 2 ints where 1 is expected. */
        expect(MPI_Gather(a, rank == 0 ? 2 : 1, MPI_INT, b, 1, MPI_INT, last, MPI_COMM_WORLD),
               rank == last, "MPI_Gather", "C");
        still_works("C");

        /* D: reduce to rank 0, the last rank with one int fewer. */
        expect(MPI_Reduce(a, b, rank == last ? 1 : 2, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD),
               rank == 0, "MPI_Reduce", "D");
        still_works("D");

        /* E: alltoall, rank 1 sends blocks of 2 ints: every rank reads every slot. */
        expect(MPI_Alltoall(a, rank == 1 ? 2 : 1, MPI_INT, b, rank == 1 ? 2 : 1, MPI_INT,
                            MPI_COMM_WORLD), 1, "MPI_Alltoall", "E");
        still_works("E");

        /* F: a large allreduce (shm_large), rank 0 with one double more. */
        expect(MPI_Allreduce(x, y, rank == 0 ? BIG + 1 : BIG, MPI_DOUBLE, MPI_SUM,
                             MPI_COMM_WORLD), 1, "MPI_Allreduce", "F");
        still_works("F");
    }

    /* G: matching counts still work after all that, large and small. */
    for (int i = 0; i < BIG; i++)
        x[i] = rank + i;
    expect(MPI_Allreduce(x, y, BIG, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD), 0, "MPI_Allreduce",
           "G");
    for (int i = 0; i < BIG; i++)
        CHECK(y[i] == (double)size * (size - 1) / 2 + (double)size * i, "G: [%d] = %g", i, y[i]);
    still_works("G");

    free(x);
    free(y);
    if (rank == 0)
        printf("coll_mismatch: OK\n");
    MPI_Finalize();
    return 0;
}
