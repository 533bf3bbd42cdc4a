/* expect: fail "MPI_Comm_size" */
/* An error on an invalid communicator is raised on MPI_COMM_SELF, whose handler
 * is still the fatal default even though MPI_COMM_WORLD returns errors. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    if (rank == 0) {
        MPI_Comm_size(MPI_COMM_NULL, &size);
        printf("FAIL: MPI_Comm_size(MPI_COMM_NULL) returned on rank %d\n", rank);
        return 1;
    }
    MPI_Finalize();
    return 0;
}
