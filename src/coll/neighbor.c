/* Neighbourhood collectives: a message to each destination and from each source of
 * the communicator's topology, all posted in one round of a schedule, so that the
 * nonblocking forms progress like every other collective.
 *
 * Blocks are numbered as the topology lists its neighbours. MPI_PROC_NULL
 * neighbours (off the edge of a non-periodic grid) get no message, and their
 * receive blocks are left as they are. */
#include "coll/bt_coll_impl.h"

/* The index of the receive block to post k-th. Messages between two processes
 * match in posting order, and on a Cartesian grid with a dimension of size 1 or 2
 * one process is both my -1 and my +1 neighbour: what it sends to its -1 neighbour
 * first arrives from my +1 side. Posting each dimension's +1 receive before its -1
 * receive keeps the pairs in the same order on both sides (sends go -1 first). */
static int bt_neighbor_recv_index(const bt_topo_t *topo, int k)
{
    return topo->kind == MPI_CART ? k ^ 1 : k;
}

/* Block i of buf: per-neighbour count and displacement (elements of dt) when the
 * arrays are given, else block i of equal ones. */
static void *bt_neighbor_block(void *buf, int i, MPI_Count count, const MPI_Aint *displs,
                               const bt_datatype_t *dt)
{
    return BT_COLL_AT(buf, displs ? displs[i] : (MPI_Count)i * count, dt);
}

void bt_coll_neighbor_build(bt_sched_t *s, const bt_coll_args_t *a)
{
    const bt_topo_t *t = a->comm->topo;
    int w = a->kind == BT_COLL_NEIGHBOR_ALLTOALLW;

    for (int k = 0; k < t->indegree; k++) {
        int i = bt_neighbor_recv_index(t, k);
        MPI_Count count = a->recvcounts ? a->recvcounts[i] : a->recvcount;
        if (t->sources[i] == MPI_PROC_NULL)
            continue;
        if (w)
            bt_coll_sched_recv(s, BT_COLL_OFF(a->recvbuf, a->rdispls[i]), count,
                               a->recvtypes[i], t->sources[i]);
        else
            bt_coll_sched_recv(s, bt_neighbor_block(a->recvbuf, i, a->recvcount, a->rdispls,
                                                    a->recvtype),
                               count, a->recvtype, t->sources[i]);
    }
    for (int i = 0; i < t->outdegree; i++) {
        const void *buf;
        MPI_Count count = a->sendcounts ? a->sendcounts[i] : a->sendcount;
        if (t->dests[i] == MPI_PROC_NULL)
            continue;
        if (w) {
            bt_coll_sched_send(s, BT_COLL_OFF(a->sendbuf, a->sdispls[i]), count,
                               a->sendtypes[i], t->dests[i]);
            continue;
        }
        /* allgather(v) sends the same block everywhere. */
        if (a->kind == BT_COLL_NEIGHBOR_ALLGATHER || a->kind == BT_COLL_NEIGHBOR_ALLGATHERV)
            buf = a->sendbuf;
        else
            buf = bt_neighbor_block((void *)(uintptr_t)a->sendbuf, i, a->sendcount, a->sdispls,
                                    a->sendtype);
        bt_coll_sched_send(s, buf, count, a->sendtype, t->dests[i]);
    }
}
