/* The last rank returns from main (exit status 0) without calling MPI_Finalize,
 * while the others call MPI_Finalize and would wait for it there: mpiexec must end
 * the job, fail, and say that the rank exited without MPI_Finalize. */
/* np: 1 2 3 4 8 */
/* expect: fail "without calling MPI_Finalize" */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    int rank, size, v = 1;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == size - 1)
        return 0;   /* no MPI_Finalize */
    MPI_Finalize();
    return 0;
}
