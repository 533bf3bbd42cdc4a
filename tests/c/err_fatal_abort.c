/* expect: fail "MPI_Comm_split" */
/* MPI_ERRORS_ABORT set on a communicator: an error on it ends the job (all of
 * it in Baton), the message naming the call. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank;
    MPI_Comm dup, out;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_set_errhandler(dup, MPI_ERRORS_ABORT);
    MPI_Comm_split(dup, -5, 0, &out);
    printf("FAIL: MPI_Comm_split with color -5 returned on rank %d\n", rank);
    MPI_Finalize();
    return 1;
}
