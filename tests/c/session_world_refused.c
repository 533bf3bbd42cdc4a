/* MPI_COMM_WORLD in a program that only initialized a session: the error names
 * the reason, on the default (fatal) handler of errors on no object. */
/* expect: fail "MPI_COMM_WORLD belongs to the world model, which is not initialized" */
/* np: 1 3 */
#include <mpi.h>
#include <stdio.h>

int main(void)
{
    MPI_Session s;
    int size = 0;

    MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    printf("FAIL: MPI_Comm_size(MPI_COMM_WORLD) worked without MPI_Init (size %d)\n", size);
    MPI_Session_finalize(&s);
    return 0;
}
