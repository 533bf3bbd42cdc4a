/* A rank that finalizes and then exits with an error (as Python does when a script
 * raises and mpi4py finalizes at exit) while the others wait in a collective: the
 * job must end with that status, not hang in MPI_Finalize. */
/* np: 2 3 4 8 */
/* expect: fail "exited with status 3" */
#include <mpi.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, v = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        MPI_Finalize();
        exit(3);
    }
    MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
