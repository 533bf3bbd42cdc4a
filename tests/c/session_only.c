/* A program that never calls MPI_Init: one session, a communicator from
 * mpi://WORLD, a ring of messages and a non-zero-root reduce over it;
 * the launcher sees a clean end. */
#include "check.h"

#include <string.h>

static int rank = -1;

int main(void)
{
    MPI_Session s;
    MPI_Group g;
    MPI_Comm c;
    int size, flag, token, sum, root;

    if (MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) != MPI_SUCCESS) {
        printf("FAIL: MPI_Session_init\n");
        return 1;
    }
    MPI_Group_from_session_pset(s, "mpi://WORLD", &g);
    CHECK(MPI_Comm_create_from_group(g, "ring", MPI_INFO_NULL, MPI_ERRORS_RETURN, &c) ==
          MPI_SUCCESS, "Comm_create_from_group");
    MPI_Group_free(&g);
    MPI_Comm_rank(c, &rank);
    MPI_Comm_size(c, &size);

    /* A token around the ring, each rank adding its rank. */
    token = 0;
    if (size > 1) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_INT, 1, 0, c);
            MPI_Recv(&token, 1, MPI_INT, size - 1, 0, c, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_INT, rank - 1, 0, c, MPI_STATUS_IGNORE);
            token += rank;
            MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, 0, c);
        }
        if (rank == 0)
            CHECK(token == size * (size - 1) / 2, "token %d", token);
    }
    root = size - 1;
    MPI_Reduce(&rank, &sum, 1, MPI_INT, MPI_SUM, root, c);
    if (rank == root)
        CHECK(sum == size * (size - 1) / 2, "reduce at root %d: %d", root, sum);

    MPI_Initialized(&flag);
    CHECK(!flag, "MPI_Initialized is true in a program that only uses sessions");

    MPI_Comm_free(&c);
    CHECK(MPI_Session_finalize(&s) == MPI_SUCCESS, "MPI_Session_finalize");
    MPI_Finalized(&flag);
    CHECK(!flag, "MPI_Finalized is true without MPI_Init");
    return 0;
}
