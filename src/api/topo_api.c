/* Process topology entry points: Cartesian grids, graphs, distributed graphs. */
#include "api/bt_api.h"

int PMPI_Topo_test(MPI_Comm h, int *status)
{
    BT_API_LOCK();
    BT_CHECK_INIT("MPI_Topo_test");
    bt_comm_t *comm = NULL;
    int rc;

    if ((rc = bt_check_comm("MPI_Topo_test", h, &comm)) != MPI_SUCCESS)
        return rc;
    if (!status)
        return bt_err_comm(comm, MPI_ERR_ARG, "MPI_Topo_test", "status is NULL");
    *status = comm->topo ? comm->topo->kind : MPI_UNDEFINED;
    return MPI_SUCCESS;
}
