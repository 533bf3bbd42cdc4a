/* expect: fail "MPI_Send" */
/* MPI_ERRORS_ARE_FATAL is the default: a bad argument ends the whole job with a
 * line naming the rank, the call and the argument. The last rank sends with a
 * negative count while the others wait for its message. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, x = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == size - 1) {
        MPI_Send(&x, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
        printf("FAIL: MPI_Send with count -1 returned on rank %d\n", rank);
        return 1;
    }
    MPI_Recv(&x, 1, MPI_INT, size - 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("FAIL: received a message that was never sent on rank %d\n", rank);
    MPI_Finalize();
    return 1;
}
