/* A spawned process that dies ends the job that spawned it (the MPI default):
 * the parents spawn two children, the second kills itself with SIGKILL, and the
 * parents, waiting for a message that never comes, are ended with a message
 * that says why, and nothing is left running. */
/* np: 2 */
/* expect: fail "a job it spawned ended badly" */
#include "check.h"

#include <signal.h>
#include <unistd.h>

static int rank;

int main(int argc, char **argv)
{
    MPI_Comm parent, inter;
    int v = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_get_parent(&parent);
    if (parent != MPI_COMM_NULL) {
        if (rank == 1)
            raise(SIGKILL);
        MPI_Recv(&v, 1, MPI_INT, 0, 0, parent, MPI_STATUS_IGNORE);   /* never sent */
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, 2, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter,
                   MPI_ERRCODES_IGNORE);
    MPI_Recv(&v, 1, MPI_INT, 1, 0, inter, MPI_STATUS_IGNORE);        /* never sent */
    CHECK(0, "the parents went on after their child was killed");
    MPI_Finalize();
    return 0;
}
