/* Collectives on intercommunicators (MPI 4.1, 6.2.2): data flows from one group
 * to the other. One schedule per call, blocking, nonblocking or persistent (the
 * schedule runs again at each MPI_Start), on the intercommunicator's
 * local intracommunicator for the steps within a group and on the
 * intercommunicator for those across:
 *  - rooted ones: the root (MPI_ROOT) talks to each member of the other group
 *    directly (gather, scatter and their v forms), or to its rank 0, which
 *    spreads or combines within its group along a binomial tree (bcast, reduce);
 *    the root's group mates (MPI_PROC_NULL) take no part;
 *  - allgather(v), alltoall(v, w): every process talks to every member of the
 *    other group directly;
 *  - barrier, allreduce, reduce_scatter: each group gathers or reduces to its
 *    rank 0, the two ranks 0 swap, and each spreads within its group what the
 *    other group gave.
 * Reductions keep rank order within a group (the tree is rooted at rank 0), so
 * non-commutative ops get the order the standard asks for. */
#include "coll/bt_coll_impl.h"

static char bt_inter_token;   /* the zero-byte messages of the barrier */

static void bt_inter_barrier(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_comm_t *local = bt_coll_sched_comm(s);
    bt_datatype_t *byte = bt_coll_byte();
    int n = local->size;

    (void)a;
    if (local->rank != 0) {
        bt_coll_sched_send(s, &bt_inter_token, 0, byte, 0);
        bt_coll_sched_fence(s);
        bt_coll_sched_recv(s, &bt_inter_token, 0, byte, 0);
        return;
    }
    for (int i = 1; i < n; i++)
        bt_coll_sched_recv(s, &bt_inter_token, 0, byte, i);
    bt_coll_sched_fence(s);
    /* My whole group has arrived; the other's has when its rank 0 answers. */
    bt_coll_sched_send_remote(s, &bt_inter_token, 0, byte, 0);
    bt_coll_sched_recv_remote(s, &bt_inter_token, 0, byte, 0);
    bt_coll_sched_fence(s);
    for (int i = 1; i < n; i++)
        bt_coll_sched_send(s, &bt_inter_token, 0, byte, i);
}

static void bt_inter_bcast(bt_sched_t *s, const bt_coll_args_t *a)
{
    if (a->root == MPI_PROC_NULL)
        return;
    if (a->root == MPI_ROOT) {
        bt_coll_sched_send_remote(s, a->recvbuf, a->count, a->dt, 0);
        return;
    }
    if (bt_coll_sched_comm(s)->rank == 0) {
        bt_coll_sched_recv_remote(s, a->recvbuf, a->count, a->dt, a->root);
        bt_coll_sched_fence(s);
    }
    bt_coll_binomial_bcast_tree(s, a->recvbuf, a->count, a->dt, 0);
}

static void bt_inter_gather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int m = a->comm->remote->size;

    if (a->root == MPI_PROC_NULL)
        return;
    if (a->root != MPI_ROOT) {
        bt_coll_sched_send_remote(s, a->sendbuf, a->sendcount, a->sendtype, a->root);
        return;
    }
    for (int i = 0; i < m; i++) {
        void *at = a->kind == BT_COLL_GATHERV
                       ? BT_COLL_AT(a->recvbuf, a->rdispls[i], a->recvtype)
                       : BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype);
        bt_coll_sched_recv_remote(s, at, a->kind == BT_COLL_GATHERV ? a->recvcounts[i]
                                                                    : a->recvcount,
                                  a->recvtype, i);
    }
}

static void bt_inter_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    int m = a->comm->remote->size;

    if (a->root == MPI_PROC_NULL)
        return;
    if (a->root != MPI_ROOT) {
        bt_coll_sched_recv_remote(s, a->recvbuf, a->recvcount, a->recvtype, a->root);
        return;
    }
    for (int i = 0; i < m; i++) {
        const void *at = a->kind == BT_COLL_SCATTERV
                             ? BT_COLL_AT(a->sendbuf, a->sdispls[i], a->sendtype)
                             : BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype);
        bt_coll_sched_send_remote(s, at, a->kind == BT_COLL_SCATTERV ? a->sendcounts[i]
                                                                     : a->sendcount,
                                  a->sendtype, i);
    }
}

/* allgather(v): my one block to each of the other group, each one's block from it. */
static void bt_inter_allgather(bt_sched_t *s, const bt_coll_args_t *a)
{
    int m = a->comm->remote->size, v = a->kind == BT_COLL_ALLGATHERV;

    for (int i = 0; i < m; i++)
        bt_coll_sched_recv_remote(s, BT_COLL_AT(a->recvbuf, v ? a->rdispls[i]
                                                              : (MPI_Count)i * a->recvcount,
                                                a->recvtype),
                                  v ? a->recvcounts[i] : a->recvcount, a->recvtype, i);
    for (int i = 0; i < m; i++)
        bt_coll_sched_send_remote(s, a->sendbuf, a->sendcount, a->sendtype, i);
}

static void bt_inter_alltoall(bt_sched_t *s, const bt_coll_args_t *a)
{
    int m = a->comm->remote->size;

    for (int i = 0; i < m; i++) {
        switch (a->kind) {
        case BT_COLL_ALLTOALL:
            bt_coll_sched_recv_remote(
                s, BT_COLL_AT(a->recvbuf, (MPI_Count)i * a->recvcount, a->recvtype),
                a->recvcount, a->recvtype, i);
            bt_coll_sched_send_remote(
                s, BT_COLL_AT(a->sendbuf, (MPI_Count)i * a->sendcount, a->sendtype),
                a->sendcount, a->sendtype, i);
            break;
        case BT_COLL_ALLTOALLV:
            bt_coll_sched_recv_remote(s, BT_COLL_AT(a->recvbuf, a->rdispls[i], a->recvtype),
                                      a->recvcounts[i], a->recvtype, i);
            bt_coll_sched_send_remote(s, BT_COLL_AT(a->sendbuf, a->sdispls[i], a->sendtype),
                                      a->sendcounts[i], a->sendtype, i);
            break;
        default:   /* alltoallw: displacements in bytes, a type per peer */
            bt_coll_sched_recv_remote(s, BT_COLL_OFF(a->recvbuf, a->rdispls[i]),
                                      a->recvcounts[i], a->recvtypes[i], i);
            bt_coll_sched_send_remote(s, BT_COLL_OFF(a->sendbuf, a->sdispls[i]),
                                      a->sendcounts[i], a->sendtypes[i], i);
            break;
        }
    }
}

/* The reduction of my group's inputs (count elements at in), on its rank 0 only:
 * a buffer of the schedule there, NULL elsewhere. */
static void *bt_inter_reduce_local(bt_sched_t *s, const void *in, MPI_Count count,
                                   bt_datatype_t *dt, bt_op_t *op)
{
    void *out = bt_coll_sched_comm(s)->rank == 0 ? bt_coll_sched_tmp(s, count, dt) : NULL;

    bt_coll_binomial_reduce_tree(s, in, out, count, dt, op, 0);
    bt_coll_sched_fence(s);
    return out;
}

static void bt_inter_reduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    void *mine;

    if (a->root == MPI_PROC_NULL || a->count == 0)
        return;
    if (a->root == MPI_ROOT) {
        bt_coll_sched_recv_remote(s, a->recvbuf, a->count, a->dt, 0);
        return;
    }
    mine = bt_inter_reduce_local(s, a->sendbuf, a->count, a->dt, a->op);
    if (mine)
        bt_coll_sched_send_remote(s, mine, a->count, a->dt, a->root);
}

static void bt_inter_allreduce(bt_sched_t *s, const bt_coll_args_t *a)
{
    void *mine;

    if (a->count == 0)
        return;
    mine = bt_inter_reduce_local(s, a->sendbuf, a->count, a->dt, a->op);
    if (mine) {
        bt_coll_sched_send_remote(s, mine, a->count, a->dt, 0);
        bt_coll_sched_recv_remote(s, a->recvbuf, a->count, a->dt, 0);
        bt_coll_sched_fence(s);
    }
    bt_coll_binomial_bcast_tree(s, a->recvbuf, a->count, a->dt, 0);
}

/* reduce_scatter(_block): recvcounts name my group's blocks; the other group's
 * reduced vector, of the same length, is scattered over mine. */
static void bt_inter_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a)
{
    bt_comm_t *local = bt_coll_sched_comm(s);
    int n = local->size, r = local->rank;
    const MPI_Count *counts = a->recvcounts;
    MPI_Count total = 0, off = 0;
    void *mine, *theirs;

    if (!counts) {
        MPI_Count *c = bt_coll_sched_alloc(s, (size_t)n * sizeof(*c));
        for (int i = 0; i < n; i++)
            c[i] = a->count;
        counts = c;
    }
    for (int i = 0; i < n; i++)
        total += counts[i];
    if (total == 0)
        return;
    mine = bt_inter_reduce_local(s, a->sendbuf, total, a->dt, a->op);
    if (!mine) {
        bt_coll_sched_recv(s, a->recvbuf, counts[r], a->dt, 0);
        return;
    }
    theirs = bt_coll_sched_tmp(s, total, a->dt);
    bt_coll_sched_send_remote(s, mine, total, a->dt, 0);
    bt_coll_sched_recv_remote(s, theirs, total, a->dt, 0);
    bt_coll_sched_fence(s);
    for (int i = 0; i < n; i++) {
        void *block = BT_COLL_AT(theirs, off, a->dt);
        if (i == 0)
            bt_coll_sched_copy(s, block, counts[0], a->dt, a->recvbuf, counts[0], a->dt);
        else
            bt_coll_sched_send(s, block, counts[i], a->dt, i);
        off += counts[i];
    }
}

/* The schedule of the call, on the intercommunicator's next tag; NULL for those
 * the standard does not define there. */
static bt_sched_t *bt_inter_sched(const bt_coll_args_t *a)
{
    int tag = bt_comm_coll_tag(a->comm, a->blocking);
    bt_sched_t *s = bt_coll_sched_new_inter(a->comm, tag);

    switch (a->kind) {
    case BT_COLL_BARRIER:
        bt_inter_barrier(s, a);
        break;
    case BT_COLL_BCAST:
        bt_inter_bcast(s, a);
        break;
    case BT_COLL_GATHER:
    case BT_COLL_GATHERV:
        bt_inter_gather(s, a);
        break;
    case BT_COLL_SCATTER:
    case BT_COLL_SCATTERV:
        bt_inter_scatter(s, a);
        break;
    case BT_COLL_ALLGATHER:
    case BT_COLL_ALLGATHERV:
        bt_inter_allgather(s, a);
        break;
    case BT_COLL_ALLTOALL:
    case BT_COLL_ALLTOALLV:
    case BT_COLL_ALLTOALLW:
        bt_inter_alltoall(s, a);
        break;
    case BT_COLL_REDUCE:
        bt_inter_reduce(s, a);
        break;
    case BT_COLL_ALLREDUCE:
        bt_inter_allreduce(s, a);
        break;
    case BT_COLL_REDUCE_SCATTER:
    case BT_COLL_REDUCE_SCATTER_BLOCK:
        bt_inter_reduce_scatter(s, a);
        break;
    default:
        /* Scan and exscan: the entry points refuse them on an intercommunicator. */
        bt_coll_sched_free(s);
        return NULL;
    }
    return s;
}

int bt_coll_inter_start(bt_coll_args_t *a, bt_request_t **req_p)
{
    bt_sched_t *s = bt_inter_sched(a);

    if (!s)
        return MPI_ERR_COMM;
    *req_p = bt_coll_sched_start(s);
    return MPI_SUCCESS;
}

int bt_coll_inter_init(bt_coll_args_t *a, bt_request_t **req_p)
{
    bt_sched_t *s = bt_inter_sched(a);

    if (!s)
        return MPI_ERR_COMM;
    *req_p = bt_coll_sched_persistent(s);
    return MPI_SUCCESS;
}
