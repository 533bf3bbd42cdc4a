/* Node-aware (two-level) collectives for a communicator whose ranks span nodes:
 * the ranks of a node combine through the node's shared-memory channel (a node
 * sub-communicator, which gets one at its first blocking collective), one leader per
 * node (its lowest rank) exchanges with the other leaders point to point, which is
 * the network, and the result is spread on each node again. A message then crosses
 * the network once per node instead of once per rank.
 *
 * Each level is an ordinary blocking collective on a sub-communicator, so the
 * selection table picks its algorithm again for that level (shm on the node,
 * recursive doubling, Rabenseifner, ring... among the leaders). Only blocking calls
 * come here: a level runs to completion before the next starts; nonblocking
 * collectives keep the flat algorithms.
 *
 * Nodes are numbered in the order of their leaders (by rank in the communicator),
 * which is also the order of the leaders' sub-communicator; a node's ranks keep
 * their order. Gathered blocks travel packed, grouped by node, and are put in rank
 * order at the end, so communicators whose nodes interleave come out right too. */
#include "coll/bt_coll_impl.h"

#include "runtime/bt_runtime.h"

#include <limits.h>
#include <stdlib.h>

struct bt_coll_nodes {
    bt_comm_t *node;       /* the ranks on my node, in the order of comm */
    bt_comm_t *leaders;    /* each node's lowest rank, in the order of comm; NULL
                            * unless I am one */
    int        nnodes;
    int        me;         /* my node */
    int        in_order;   /* nodes are consecutive ranges of ranks: packed = rank order */
    int       *node_of;    /* rank in comm -> node */
    int       *rank_in;    /* rank in comm -> rank in its node's sub-communicator */
    int       *first;      /* node j's ranks are members[first[j] .. first[j + 1]) */
    int       *members;    /* ranks of comm grouped by node */
};

/* Two levels pay when some node has several of the communicator's ranks and there
 * are several nodes; otherwise nodes stays NULL and the table never looks further
 * (a communicator on one node costs one test of a pointer). */
int bt_coll_twolevel_setup(bt_comm_t *comm)
{
    int n = comm->size, nn = 0, rc;
    int *seen, *count;
    bt_coll_nodes_t *t;

    if (bt_rt.nnodes < 2 || n < 3)
        return MPI_SUCCESS;
    /* Processes of other jobs have no node this process can name the same way
     * as they do: such communicators stay flat. */
    for (int r = 0; r < n; r++)
        if (bt_comm_world_rank(comm, r) >= bt_rt.size)
            return MPI_SUCCESS;
    seen = bt_malloc((size_t)bt_rt.nnodes * sizeof(int));
    for (int j = 0; j < bt_rt.nnodes; j++)
        seen[j] = -1;
    t = bt_calloc(1, sizeof(*t));
    t->node_of = bt_malloc((size_t)n * sizeof(int));
    t->rank_in = bt_malloc((size_t)n * sizeof(int));
    t->members = bt_malloc((size_t)n * sizeof(int));
    count = bt_calloc((size_t)n + 1, sizeof(int));
    for (int r = 0; r < n; r++) {
        int node = bt_rt.node_of[bt_comm_world_rank(comm, r)];
        if (seen[node] < 0)
            seen[node] = nn++;
        t->node_of[r] = seen[node];
        t->rank_in[r] = count[seen[node]]++;
    }
    free(seen);
    if (nn < 2 || nn == n) {   /* the same on every member */
        free(count);
        bt_coll_twolevel_free(t);
        return MPI_SUCCESS;
    }
    t->nnodes = nn;
    t->me = t->node_of[comm->rank];
    t->first = bt_malloc((size_t)(nn + 1) * sizeof(int));
    t->first[0] = 0;
    for (int j = 0; j < nn; j++)
        t->first[j + 1] = t->first[j] + count[j];
    t->in_order = 1;
    for (int r = 0; r < n; r++) {
        t->members[t->first[t->node_of[r]] + t->rank_in[r]] = r;
        if (t->first[t->node_of[r]] + t->rank_in[r] != r)
            t->in_order = 0;
    }
    free(count);
    /* Keys keep comm's order, so node rank 0 is the leader and the leaders come in
     * node order. A failure (no context id left) is the same on every member: the
     * communicator then keeps the flat algorithms. */
    rc = bt_comm_split(comm, t->me, comm->rank, &t->node);
    if (rc == MPI_SUCCESS)
        rc = bt_comm_split(comm, t->rank_in[comm->rank] == 0 ? 0 : MPI_UNDEFINED, comm->rank,
                           &t->leaders);
    if (rc != MPI_SUCCESS) {
        bt_coll_twolevel_free(t);
        return MPI_SUCCESS;
    }
    /* The node's ranks take their channel now, while they are all here anyway. The
     * leaders are on different nodes by construction: they never get a channel, so
     * they skip the attempt (a broadcast). */
    t->node->coll = bt_calloc(1, sizeof(*t->node->coll));
    t->node->coll->level = "node";
    rc = bt_coll_shm_attach(t->node);
    if (t->leaders) {
        t->leaders->coll = bt_calloc(1, sizeof(*t->leaders->coll));
        t->leaders->coll->level = "leaders";
    }
    comm->coll->nodes = t;
    return rc;
}

void bt_coll_twolevel_free(bt_coll_nodes_t *t)
{
    if (t->node)
        bt_comm_release(t->node);
    if (t->leaders)
        bt_comm_release(t->leaders);
    free(t->node_of);
    free(t->rank_in);
    free(t->first);
    free(t->members);
    free(t);
}

/* ---- the levels ------------------------------------------------------------------- */

/* Runs a blocking collective on a sub-communicator. */
static int bt_twolevel_run(bt_coll_args_t *a)
{
    return bt_coll_run_blocking(a);
}

/* Every level runs even after one failed (counts that do not match across ranks),
 * so that no rank waits forever for another; the first error is the outcome. */
static void bt_twolevel_keep(int *rc, int level_rc)
{
    if (*rc == MPI_SUCCESS)
        *rc = level_rc;
}

/* One message between two ranks of my node: the node sub-communicator's
 * point-to-point context, which nothing else uses (it is never the user's), in the
 * order the calls come. */
static int bt_twolevel_node_sendrecv(const bt_coll_nodes_t *t, void *buf, MPI_Count count,
                                     bt_datatype_t *dt, int peer, int send)
{
    bt_request_t *req;
    int rc;

    rc = send ? bt_pt2pt_isend(buf, count, dt, peer, 0, t->node, t->node->ctx, BT_MODE_STANDARD,
                               &req)
              : bt_pt2pt_irecv(buf, count, dt, peer, 0, t->node, t->node->ctx, &req);
    if (rc != MPI_SUCCESS)
        return rc;
    rc = bt_request_wait(req);
    bt_request_release(req);
    return rc;
}

static int bt_twolevel_node_bcast(const bt_coll_nodes_t *t, void *buf, MPI_Count count,
                                  bt_datatype_t *dt, int root)
{
    bt_coll_args_t b = { .kind = BT_COLL_BCAST, .comm = t->node, .recvbuf = buf, .count = count,
                         .dt = dt, .root = root };

    return t->node->size > 1 ? bt_twolevel_run(&b) : MPI_SUCCESS;
}

/* ---- which calls ------------------------------------------------------------------ */

int bt_coll_twolevel_ok(const bt_coll_args_t *a)
{
    return a->blocking && bt_coll_twolevel_spans(a->comm);
}

/* Reductions combine a node's ranks first, which reorders the operands: only for
 * commutative ops (the others keep the flat algorithms, which keep rank order). */
int bt_coll_twolevel_reduce_ok(const bt_coll_args_t *a)
{
    return bt_coll_twolevel_ok(a) && bt_op_is_commutative(a->op);
}

/* The leaders' exchange is a gatherv or allgatherv of every block, packed: its
 * counts and displacements are ints of bytes. */
int bt_coll_twolevel_gather_ok(const bt_coll_args_t *a)
{
    int root = a->kind == BT_COLL_ALLGATHER || a->comm->rank == a->root;
    MPI_Count nb = root ? a->recvcount * a->recvtype->size : a->sendcount * a->sendtype->size;

    return bt_coll_twolevel_ok(a) && nb <= INT_MAX / a->comm->size;
}

/* ---- barrier ---------------------------------------------------------------------- */

/* Node barrier, leaders' barrier, then each leader releases its node with a one-byte
 * broadcast (the node's readers wait for the leader only, not for each other). */
int bt_coll_twolevel_barrier(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    bt_coll_args_t b = { .kind = BT_COLL_BARRIER, .comm = t->node };
    char token = 0;
    int rc = MPI_SUCCESS;

    if (t->node->size > 1)
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
    if (t->leaders) {
        b = (bt_coll_args_t){ .kind = BT_COLL_BARRIER, .comm = t->leaders };
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
    }
    bt_twolevel_keep(&rc, bt_twolevel_node_bcast(t, &token, 1, bt_coll_byte(), 0));
    return rc;
}

/* ---- bcast ------------------------------------------------------------------------ */

/* A root that is not its node's leader first broadcasts on its own node, which
 * brings the data to the leader; then the leaders broadcast from the root's node,
 * then every other node. */
int bt_coll_twolevel_bcast(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    int rnode = t->node_of[a->root], rrank = t->rank_in[a->root];
    int rc = MPI_SUCCESS;

    if (a->count * a->dt->size == 0)
        return MPI_SUCCESS;
    if (rrank != 0 && t->me == rnode)
        bt_twolevel_keep(&rc, bt_twolevel_node_bcast(t, a->recvbuf, a->count, a->dt, rrank));
    if (t->leaders) {
        bt_coll_args_t b = { .kind = BT_COLL_BCAST, .comm = t->leaders, .recvbuf = a->recvbuf,
                             .count = a->count, .dt = a->dt, .root = rnode };
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
    }
    if (rrank == 0 || t->me != rnode)
        bt_twolevel_keep(&rc, bt_twolevel_node_bcast(t, a->recvbuf, a->count, a->dt, 0));
    return rc;
}

/* ---- reduce and allreduce --------------------------------------------------------- */

/* Every node reduces to its leader, into partial (recvbuf where the leader wants the
 * result, otherwise scratch); returns what the leader then holds, NULL elsewhere. */
static const void *bt_twolevel_node_reduce(const bt_coll_args_t *a, const bt_coll_nodes_t *t,
                                           void *partial, int *rc)
{
    const void *in = bt_coll_in_place(a->sendbuf) ? a->recvbuf : a->sendbuf;
    bt_coll_args_t b = { .kind = BT_COLL_REDUCE, .comm = t->node, .sendbuf = in,
                         .count = a->count, .dt = a->dt, .op = a->op };

    if (!t->leaders) {
        bt_twolevel_keep(rc, bt_twolevel_run(&b));
        return NULL;
    }
    if (t->node->size == 1)
        return in;   /* the leader's own contribution is its node's */
    b.recvbuf = partial;
    if (in == partial)
        b.sendbuf = MPI_IN_PLACE;
    bt_twolevel_keep(rc, bt_twolevel_run(&b));
    return partial;
}

int bt_coll_twolevel_reduce(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    int me = a->comm->rank, rnode = t->node_of[a->root], rrank = t->rank_in[a->root];
    void *tmp = NULL, *alloc = NULL;
    const void *partial;
    int rc = MPI_SUCCESS;

    if (a->count == 0)
        return MPI_SUCCESS;
    /* The leaders' root is the root's node's leader; the root takes the result from
     * it when it is another rank. */
    if (t->leaders && me != a->root)
        tmp = bt_coll_tmp_new(a->count, a->dt, &alloc);
    partial = bt_twolevel_node_reduce(a, t, me == a->root ? a->recvbuf : tmp, &rc);
    if (t->leaders) {
        void *out = me == a->root ? a->recvbuf : tmp;
        bt_coll_args_t b = { .kind = BT_COLL_REDUCE, .comm = t->leaders, .sendbuf = partial,
                             .recvbuf = out, .count = a->count, .dt = a->dt, .op = a->op,
                             .root = rnode };
        if (t->me == rnode && partial == out)
            b.sendbuf = MPI_IN_PLACE;
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
        if (t->me == rnode && rrank != 0)
            bt_twolevel_keep(&rc, bt_twolevel_node_sendrecv(t, tmp, a->count, a->dt, rrank, 1));
    } else if (me == a->root) {
        bt_twolevel_keep(&rc, bt_twolevel_node_sendrecv(t, a->recvbuf, a->count, a->dt, 0, 0));
    }
    free(alloc);
    return rc;
}

/* Node reduce to the leaders, an allreduce among them, a node broadcast. */
int bt_coll_twolevel_allreduce(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    const void *partial;
    int rc = MPI_SUCCESS;

    if (a->count == 0)
        return MPI_SUCCESS;
    partial = bt_twolevel_node_reduce(a, t, a->recvbuf, &rc);
    if (t->leaders) {
        bt_coll_args_t b = { .kind = BT_COLL_ALLREDUCE, .comm = t->leaders,
                             .sendbuf = partial == a->recvbuf ? MPI_IN_PLACE : partial,
                             .recvbuf = a->recvbuf, .count = a->count, .dt = a->dt,
                             .op = a->op };
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
    }
    bt_twolevel_keep(&rc, bt_twolevel_node_bcast(t, a->recvbuf, a->count, a->dt, 0));
    return rc;
}

/* ---- gather and allgather --------------------------------------------------------- */

/* Every node gathers its ranks' blocks (nb bytes each, packed) at its leader, into
 * part (NULL elsewhere); mine is this rank's block. in_place: the leader's block is
 * at the start of part already. */
static void bt_twolevel_node_gather(const bt_coll_nodes_t *t, const bt_coll_block_t *mine,
                                    char *part, MPI_Count nb, int in_place, int *rc)
{
    bt_coll_args_t b = { .kind = BT_COLL_GATHER, .comm = t->node, .sendbuf = mine->buf,
                         .sendcount = mine->count, .sendtype = mine->dt, .recvbuf = part,
                         .recvcount = nb, .recvtype = bt_coll_byte() };

    if (t->leaders && in_place)
        b.sendbuf = MPI_IN_PLACE;
    if (t->node->size > 1)
        bt_twolevel_keep(rc, bt_twolevel_run(&b));
    else if (!in_place)
        bt_datatype_pack(mine->dt, mine->count, mine->buf, part);
}

/* Where a rank that wants every block takes them in (packed, grouped by node):
 * recvbuf itself when that is the same bytes in the same order (nodes are
 * consecutive ranges of ranks and the receive type is contiguous), which saves a
 * copy of the whole; NULL otherwise. */
static char *bt_twolevel_direct(const bt_coll_nodes_t *t, const bt_coll_args_t *a)
{
    return t->in_order && a->recvtype->contig ? BT_COLL_OFF(a->recvbuf, a->recvtype->true_lb)
                                              : NULL;
}

/* The leaders' counts and displacements (bytes) of the nodes' parts of all. */
static void bt_twolevel_node_parts(const bt_coll_nodes_t *t, MPI_Count nb, MPI_Count *counts,
                                   MPI_Aint *displs)
{
    for (int j = 0; j < t->nnodes; j++) {
        counts[j] = (t->first[j + 1] - t->first[j]) * nb;
        displs[j] = (MPI_Aint)(t->first[j] * nb);
    }
}

/* Puts the packed blocks of all into recvbuf in rank order (not skip's: in place,
 * it is there already). */
static void bt_twolevel_unpack(const bt_coll_nodes_t *t, const bt_coll_args_t *a,
                               const char *all, MPI_Count nb, int skip)
{
    int n = a->comm->size;

    if (t->in_order && skip < 0) {
        bt_datatype_unpack(a->recvtype, n * a->recvcount, all, n * nb, a->recvbuf);
        return;
    }
    for (int i = 0; i < n; i++) {
        int r = t->members[i];
        if (r != skip)
            bt_datatype_unpack(a->recvtype, a->recvcount, all + i * nb, nb,
                               BT_COLL_AT(a->recvbuf, (MPI_Count)r * a->recvcount, a->recvtype));
    }
}

/* This rank's block: sendbuf, or with MPI_IN_PLACE its place in recvbuf. */
static bt_coll_block_t bt_twolevel_my_block(const bt_coll_args_t *a)
{
    bt_coll_block_t b = { (void *)a->sendbuf, a->sendcount, a->sendtype };

    if (bt_coll_in_place(a->sendbuf)) {
        b.buf = BT_COLL_AT(a->recvbuf, (MPI_Count)a->comm->rank * a->recvcount, a->recvtype);
        b.count = a->recvcount;
        b.dt = a->recvtype;
    }
    return b;
}

/* Node gather to the leaders, a gatherv of the nodes' parts to the root's node's
 * leader, which hands the whole to the root when it is another rank. */
int bt_coll_twolevel_gather(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    int me = a->comm->rank, n = a->comm->size, root = me == a->root;
    int rnode = t->node_of[a->root], rrank = t->rank_in[a->root];
    MPI_Count nb = root ? a->recvcount * a->recvtype->size : a->sendcount * a->sendtype->size;
    bt_coll_block_t mine = bt_twolevel_my_block(a);
    MPI_Count mybytes = (MPI_Count)(t->first[t->me + 1] - t->first[t->me]) * nb;
    char *direct = root ? bt_twolevel_direct(t, a) : NULL, *all = NULL, *part = NULL;
    int in_place = direct && bt_coll_in_place(a->sendbuf), rc = MPI_SUCCESS;

    if (nb == 0)
        return MPI_SUCCESS;
    /* The root and its node's leader hold every block, grouped by node; the other
     * leaders their node's part. */
    if (root || (t->leaders && t->me == rnode)) {
        all = direct ? direct : bt_malloc((size_t)(n * nb));
        part = all + (MPI_Count)t->first[t->me] * nb;
    } else if (t->leaders) {
        part = bt_malloc((size_t)mybytes);
    }
    bt_twolevel_node_gather(t, &mine, part, nb, in_place, &rc);
    if (t->leaders) {
        MPI_Count *parts = bt_malloc((size_t)t->nnodes * sizeof(*parts));
        MPI_Aint *pdispls = bt_malloc((size_t)t->nnodes * sizeof(*pdispls));
        bt_coll_args_t b = { .kind = BT_COLL_GATHERV, .comm = t->leaders, .sendbuf = part,
                             .sendcount = mybytes, .sendtype = bt_coll_byte(), .recvbuf = all,
                             .recvcounts = parts, .rdispls = pdispls,
                             .recvtype = bt_coll_byte(), .root = rnode };
        bt_twolevel_node_parts(t, nb, parts, pdispls);
        if (t->me == rnode)
            b.sendbuf = MPI_IN_PLACE;
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
        free(parts);
        free(pdispls);
        if (t->me == rnode && rrank != 0)
            bt_twolevel_keep(&rc, bt_twolevel_node_sendrecv(t, all, n * nb, bt_coll_byte(),
                                                            rrank, 1));
        if (!all)
            free(part);
    } else if (root) {
        bt_twolevel_keep(&rc, bt_twolevel_node_sendrecv(t, all, n * nb, bt_coll_byte(), 0, 0));
    }
    if (root && !direct && rc == MPI_SUCCESS)
        bt_twolevel_unpack(t, a, all, nb, bt_coll_in_place(a->sendbuf) ? me : -1);
    if (all != direct)
        free(all);
    return rc;
}

/* Node gather to the leaders, an allgatherv of the nodes' parts among them, a node
 * broadcast of the whole. */
int bt_coll_twolevel_allgather(const bt_coll_args_t *a)
{
    const bt_coll_nodes_t *t = a->comm->coll->nodes;
    int n = a->comm->size;
    MPI_Count nb = a->recvcount * a->recvtype->size;
    bt_coll_block_t mine = bt_twolevel_my_block(a);
    char *direct, *all;
    int in_place, rc = MPI_SUCCESS;

    if (nb == 0)
        return MPI_SUCCESS;
    direct = bt_twolevel_direct(t, a);
    all = direct ? direct : bt_malloc((size_t)(n * nb));
    in_place = direct && bt_coll_in_place(a->sendbuf);
    bt_twolevel_node_gather(t, &mine, all + (MPI_Count)t->first[t->me] * nb, nb, in_place, &rc);
    if (t->leaders) {
        MPI_Count *parts = bt_malloc((size_t)t->nnodes * sizeof(*parts));
        MPI_Aint *pdispls = bt_malloc((size_t)t->nnodes * sizeof(*pdispls));
        bt_coll_args_t b = { .kind = BT_COLL_ALLGATHERV, .comm = t->leaders,
                             .sendbuf = MPI_IN_PLACE, .recvbuf = all, .recvcounts = parts,
                             .rdispls = pdispls, .recvtype = bt_coll_byte() };
        bt_twolevel_node_parts(t, nb, parts, pdispls);
        bt_twolevel_keep(&rc, bt_twolevel_run(&b));
        free(parts);
        free(pdispls);
    }
    bt_twolevel_keep(&rc, bt_twolevel_node_bcast(t, all, n * nb, bt_coll_byte(), 0));
    if (!direct) {
        if (rc == MPI_SUCCESS)
            bt_twolevel_unpack(t, a, all, nb, bt_coll_in_place(a->sendbuf) ? a->comm->rank : -1);
        free(all);
    }
    return rc;
}
