/* The attributes the standard predefines, as pointers to int. */
#include <mpi.h>
#include <stdio.h>

static int rank;

#include "check.h"

int main(int argc, char **argv)
{
    int *v, flag, size;
    MPI_Comm comms[3];

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    comms[0] = MPI_COMM_WORLD;
    comms[1] = MPI_COMM_SELF;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, 0, &comms[2]);

    for (int i = 0; i < 3; i++) {
        MPI_Comm c = comms[i];
        MPI_Comm_get_attr(c, MPI_TAG_UB, &v, &flag);
        CHECK(flag && *v >= 32767, "MPI_TAG_UB on comm %d: flag %d value %d", i, flag,
              flag ? *v : 0);
        MPI_Comm_get_attr(c, MPI_HOST, &v, &flag);
        CHECK(flag && (*v == MPI_PROC_NULL || (*v >= 0 && *v < size)), "MPI_HOST: %d", *v);
        MPI_Comm_get_attr(c, MPI_IO, &v, &flag);
        CHECK(flag && (*v == MPI_ANY_SOURCE || *v == MPI_PROC_NULL || (*v >= 0 && *v < size)),
              "MPI_IO: %d", *v);
        MPI_Comm_get_attr(c, MPI_WTIME_IS_GLOBAL, &v, &flag);
        CHECK(!flag || *v == 0 || *v == 1, "MPI_WTIME_IS_GLOBAL: %d", *v);
        MPI_Comm_get_attr(c, MPI_UNIVERSE_SIZE, &v, &flag);
        CHECK(!flag || *v >= size, "MPI_UNIVERSE_SIZE %d below the world size %d", *v, size);
        MPI_Comm_get_attr(c, MPI_APPNUM, &v, &flag);
        CHECK(!flag || *v >= 0, "MPI_APPNUM: %d", *v);
        MPI_Comm_get_attr(c, MPI_LASTUSEDCODE, &v, &flag);
        CHECK(flag && *v >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE: %d", flag ? *v : 0);
    }

    /* A tag at MPI_TAG_UB works. */
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &v, &flag);
    {
        int x = rank, y = -1, tag = *v;
        MPI_Sendrecv(&x, 1, MPI_INT, 0, tag, &y, 1, MPI_INT, 0, tag, MPI_COMM_SELF,
                     MPI_STATUS_IGNORE);
        CHECK(y == rank, "message with tag MPI_TAG_UB: got %d", y);
    }

    MPI_Comm_free(&comms[2]);
    MPI_Finalize();
    return 0;
}
