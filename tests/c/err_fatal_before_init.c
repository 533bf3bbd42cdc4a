/* expect: fail "MPI_Comm_rank" */
/* A call before MPI_Init has no error handler to go to: Baton says which call it
 * was and ends the process with status 1. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank = -1;

    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    printf("FAIL: MPI_Comm_rank before MPI_Init returned (rank %d)\n", rank);
    return 1;
}
