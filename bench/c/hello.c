/* Start-up cost: MPI_Init and MPI_Finalize, nothing else. The driver times
 * `mpiexec -n N ./hello` from outside. */
#include <mpi.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Finalize();
    return 0;
}
