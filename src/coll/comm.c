/* The collectives' state per communicator (comm->coll): made at the communicator's
 * first blocking collective, which is the same call on every member, so that the
 * communicators never used for a blocking collective, as many are, cost nothing. */
#include "coll/bt_coll_impl.h"

#include "transport/shm/bt_shm.h"

#include <stdlib.h>

int bt_coll_comm_setup(bt_comm_t *comm)
{
    int rc = MPI_SUCCESS;

    comm->coll = bt_calloc(1, sizeof(*comm->coll));
    /* MPI_COMM_WORLD has the segment's channel 0 without asking. */
    if (comm != &bt_comm_world)
        rc = bt_coll_shm_attach(comm);
    if (rc == MPI_SUCCESS)
        rc = bt_coll_twolevel_setup(comm);
    return rc;
}

/* Called by comm/ when a communicator goes (a weak reference there), and for the
 * predefined ones early in MPI_Finalize, while the node segment is still there. */
void bt_coll_comm_free(bt_comm_t *comm)
{
    if (comm->coll->nodes)
        bt_coll_twolevel_free(comm->coll->nodes);
    bt_shm_chan_close(comm->coll->chan);
    free(comm->coll);
    comm->coll = NULL;
}
