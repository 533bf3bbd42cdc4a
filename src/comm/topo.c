/* Process topologies: Cartesian grids, graphs and distributed graphs attached to
 * a communicator, and the constructors that make such communicators. */
#include "comm/bt_comm_impl.h"
#include "runtime/bt_runtime.h"
#include "util/bt_util.h"

#include <string.h>

void bt_topo_retain(bt_topo_t *topo)
{
    if (topo)
        topo->refcount++;
}

void bt_topo_release(bt_topo_t *topo)
{
    if (!topo || --topo->refcount > 0)
        return;
    free(topo->dims);
    free(topo->periods);
    free(topo->index);
    free(topo->edges);
    free(topo->sources);
    free(topo->dests);
    free(topo->srcweights);
    free(topo->dstweights);
    free(topo);
}
