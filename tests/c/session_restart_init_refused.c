/* MPI_Init after MPI_Finalize stays erroneous, even once sessions have started
 * MPI again in between: the world model is initialized at most once. */
/* expect: fail "MPI_Init called after MPI_Finalize" */
/* np: 1 2 */
#include "check.h"

static int rank = -1;

int main(void)
{
    MPI_Session s;

    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Finalize();
    CHECK(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &s) == MPI_SUCCESS,
          "MPI_Session_init after MPI_Finalize");
    MPI_Session_finalize(&s);
    MPI_Init(NULL, NULL);
    printf("FAIL: MPI_Init worked after MPI_Finalize on rank %d\n", rank);
    return 0;
}
