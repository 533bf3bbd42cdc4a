/* MPI_Abort(MPI_COMM_WORLD, 3) on the last rank while every other rank blocks in an
 * MPI_Recv that nothing will match: mpiexec must end the whole job at once (not
 * wait for the blocked ranks), fail, and say that the rank called MPI_Abort with
 * error code 3. */
/* np: 1 2 3 4 8 */
/* expect: fail "MPI_Abort with error code 3" */
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int rank, size, v = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* Some traffic first, so the ranks are wired up and mid-job. */
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == size - 1) {
        usleep(50000);   /* the others are in MPI_Recv by now */
        MPI_Abort(MPI_COMM_WORLD, 3);
        printf("FAIL: MPI_Abort returned on rank %d\n", rank);
        return 1;
    }
    MPI_Recv(&v, 1, MPI_INT, size - 1, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("FAIL: MPI_Recv returned after the abort on rank %d\n", rank);
    MPI_Finalize();
    return 0;
}
