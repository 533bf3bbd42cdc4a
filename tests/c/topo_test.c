/* MPI_Topo_test on communicators without a topology, on MPI_COMM_NULL (MPI_ERR_COMM,
 * which mpi4py's error handler tests rely on) and with a NULL status. */
#include <mpi.h>
#include <stdio.h>

static int rank;

#include "check.h"

int main(int argc, char **argv)
{
    int status = -1;
    MPI_Comm dup, split;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    CHECK(MPI_Topo_test(MPI_COMM_WORLD, &status) == MPI_SUCCESS, "Topo_test(WORLD) failed");
    CHECK(status == MPI_UNDEFINED, "Topo_test(WORLD) gave %d, expected MPI_UNDEFINED", status);
    status = -1;
    MPI_Topo_test(MPI_COMM_SELF, &status);
    CHECK(status == MPI_UNDEFINED, "Topo_test(SELF) gave %d, expected MPI_UNDEFINED", status);
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    status = -1;
    MPI_Topo_test(dup, &status);
    CHECK(status == MPI_UNDEFINED, "Topo_test(dup) gave %d, expected MPI_UNDEFINED", status);
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, 0, &split);
    status = -1;
    MPI_Topo_test(split, &status);
    CHECK(status == MPI_UNDEFINED, "Topo_test(split) gave %d, expected MPI_UNDEFINED", status);

    status = 1234;
    CHECK_SAYS(MPI_Topo_test(MPI_COMM_NULL, &status), MPI_ERR_COMM, "MPI_Topo_test",
               "MPI_COMM_NULL");
    CHECK(status == 1234, "Topo_test(MPI_COMM_NULL) wrote status %d", status);
    CHECK_SAYS(MPI_Topo_test(dup, NULL), MPI_ERR_ARG, "MPI_Topo_test", "status");

    MPI_Comm_free(&split);
    MPI_Comm_free(&dup);
    MPI_Finalize();
    return 0;
}
