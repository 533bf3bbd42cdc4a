/* Private to coll/: the schedule engine and the algorithm builders.
 *
 * A schedule is a list of rounds; a round is a list of steps (send, receive, local
 * copy, local reduction). When a round starts its steps run in the order they were
 * added: local steps at once, sends and receives are posted. The next round starts
 * when every send and receive of this one has completed. So a step that needs data
 * received in round k goes in round k+1 (bt_coll_sched_fence between them).
 *
 * All buffers are fixed when the schedule is built; an algorithm that would swap
 * buffers at run time swaps them while it builds instead. Messages of one schedule
 * share one tag; between two ranks they are posted in the same order on both sides,
 * so that non-overtaking matching pairs them up. */
#ifndef BT_COLL_IMPL_H
#define BT_COLL_IMPL_H

#include "coll/bt_coll.h"
#include "util/bt_util.h"

typedef struct bt_sched bt_sched_t;

bt_sched_t *bt_coll_sched_new(bt_comm_t *comm, int tag);
void bt_coll_sched_send(bt_sched_t *s, const void *buf, MPI_Count count, bt_datatype_t *dt,
                        int peer);
void bt_coll_sched_recv(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt, int peer);
/* An intercommunicator's schedule: the steps above run on its local
 * intracommunicator (bt_coll_sched_comm), the _remote ones reach the other group. */
bt_sched_t *bt_coll_sched_new_inter(bt_comm_t *inter, int tag);
void bt_coll_sched_send_remote(bt_sched_t *s, const void *buf, MPI_Count count,
                               bt_datatype_t *dt, int peer);
void bt_coll_sched_recv_remote(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt,
                               int peer);
/* dst = src, converting the layout (the packed bytes are the same). */
void bt_coll_sched_copy(bt_sched_t *s, const void *src, MPI_Count scount, bt_datatype_t *sdt,
                        void *dst, MPI_Count dcount, bt_datatype_t *ddt);
/* inout = in op inout; `in` is the operand of the lower ranks. */
void bt_coll_sched_reduce(bt_sched_t *s, const void *in, void *inout, MPI_Count count,
                          bt_datatype_t *dt, bt_op_t *op);
/* Ends the current round. */
void bt_coll_sched_fence(bt_sched_t *s);
/* Scratch memory freed with the schedule. */
void *bt_coll_sched_alloc(bt_sched_t *s, size_t bytes);
/* Room for count elements of dt laid out as dt says (for reductions): the
 * returned pointer is the buffer address to use with dt, not the allocation. */
void *bt_coll_sched_tmp(bt_sched_t *s, MPI_Count count, const bt_datatype_t *dt);
/* The same outside a schedule: *alloc_p is what to free. */
void *bt_coll_tmp_new(MPI_Count count, const bt_datatype_t *dt, void **alloc_p);
/* Wraps the schedule in a generic request and runs its first round. */
bt_request_t *bt_coll_sched_start(bt_sched_t *s);
/* Wraps it in an inactive persistent request that each MPI_Start runs from its
 * first round again (the steps read and write the buffers when they run). */
bt_request_t *bt_coll_sched_persistent(bt_sched_t *s);
void bt_coll_sched_free(bt_sched_t *s);
bt_comm_t *bt_coll_sched_comm(const bt_sched_t *s);

/* Tags below 2^30, as the communicator layer's own collectives use them. */
#define BT_COLL_TAG_MASK 0x3fffffffu

/* Every collective on an intercommunicator (inter.c): started, or persistent. */
int bt_coll_inter_start(bt_coll_args_t *a, bt_request_t **req_p);
int bt_coll_inter_init(bt_coll_args_t *a, bt_request_t **req_p);

/* Bytes in send and receive steps through MPI_BYTE. */
bt_datatype_t *bt_coll_byte(void);

/* Per-communicator state of the collectives (comm->coll), made at a communicator's
 * first blocking collective (bt_coll_comm_setup, collective over comm) and freed
 * with it: the node channel of shm.c, and for a communicator that spans nodes the
 * layout and sub-communicators of twolevel.c. */
struct bt_shm_chan;
typedef struct bt_coll_nodes bt_coll_nodes_t;
struct bt_coll_comm {
    struct bt_shm_chan *chan;    /* NULL: no node channel */
    bt_coll_nodes_t    *nodes;   /* NULL: two levels are of no use (see twolevel.c) */
    const char         *level;   /* a level of a two-level collective ("node",
                                  * "leaders"), for BATON_COLL_TRACE; NULL: the user's */
};
int bt_coll_comm_setup(bt_comm_t *comm);

/* Node-local algorithms (shm.c): blocking only, they run to completion at once and
 * return MPI_SUCCESS or MPI_ERR_TRUNCATE (counts that do not match across ranks). */
int bt_coll_shm_ok(const bt_coll_args_t *a);
int bt_coll_shm_barrier(const bt_coll_args_t *a);
int bt_coll_shm_bcast(const bt_coll_args_t *a);
int bt_coll_shm_reduce(const bt_coll_args_t *a);
int bt_coll_shm_allreduce(const bt_coll_args_t *a);
int bt_coll_shm_gather(const bt_coll_args_t *a);
int bt_coll_shm_scatter(const bt_coll_args_t *a);
int bt_coll_shm_allgather(const bt_coll_args_t *a);
int bt_coll_shm_alltoall(const bt_coll_args_t *a);
int bt_coll_shm_large_ok(const bt_coll_args_t *a);
int bt_coll_shm_large_reduce(const bt_coll_args_t *a);
int bt_coll_shm_large_allreduce(const bt_coll_args_t *a);
/* Persistent collectives of the node (the end of shm.c): ok says whether the
 * collective is one of those, small enough for a slot; bt_coll_shm_persistent wraps
 * inner, the collective's persistent point-to-point schedule, in a request that runs
 * each start on a channel of its own once rank 0 has found one (inner itself when
 * the ranks are not all on this node). */
int bt_coll_shm_persistent_ok(const bt_coll_args_t *a);
bt_request_t *bt_coll_shm_persistent(const bt_coll_args_t *a, bt_request_t *inner);
/* Gives comm (not MPI_COMM_WORLD) its node channel in comm->coll, or leaves it
 * NULL: collective over comm, at its first blocking collective. */
int bt_coll_shm_attach(bt_comm_t *comm);

/* Node-aware algorithms (twolevel.c): blocking only, on a communicator whose ranks
 * span nodes with more than one rank on some node; each level is one collective on a
 * sub-communicator, which the table chooses for again. */
int bt_coll_twolevel_setup(bt_comm_t *comm);
void bt_coll_twolevel_free(bt_coll_nodes_t *nodes);
static inline int bt_coll_twolevel_spans(const bt_comm_t *comm)
{
    return comm->coll && comm->coll->nodes;
}
int bt_coll_twolevel_ok(const bt_coll_args_t *a);
int bt_coll_twolevel_reduce_ok(const bt_coll_args_t *a);
int bt_coll_twolevel_gather_ok(const bt_coll_args_t *a);
int bt_coll_twolevel_barrier(const bt_coll_args_t *a);
int bt_coll_twolevel_bcast(const bt_coll_args_t *a);
int bt_coll_twolevel_reduce(const bt_coll_args_t *a);
int bt_coll_twolevel_allreduce(const bt_coll_args_t *a);
int bt_coll_twolevel_gather(const bt_coll_args_t *a);
int bt_coll_twolevel_allgather(const bt_coll_args_t *a);

/* ---- helpers ---------------------------------------------------------------------- */

/* bytes past buf; through an integer since buf may be MPI_BOTTOM (NULL) with
 * absolute displacements. */
#define BT_COLL_OFF(buf, bytes) ((char *)((uintptr_t)(buf) + (uintptr_t)(MPI_Aint)(bytes)))
/* Element i of a buffer of dt. */
#define BT_COLL_AT(buf, i, dt) BT_COLL_OFF(buf, (MPI_Aint)(i) * (dt)->extent)

static inline int bt_coll_pof2(int n)   /* largest power of two <= n */
{
    int p = 1;
    while (p <= n / 2)
        p *= 2;
    return p;
}

static inline int bt_coll_in_place(const void *sendbuf)
{
    return sendbuf == MPI_IN_PLACE;
}

/* ---- algorithms -------------------------------------------------------------------
 * bt_coll_<algorithm>_<collective>(s, args) appends the algorithm's steps to s.
 * bt_coll_<algorithm>_<collective>_ok(args) says whether it handles args; without
 * one, an algorithm handles every case. */

void bt_coll_dissemination_barrier(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_barrier(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_binomial_bcast(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_scatter_allgather_bcast(bt_sched_t *s, const bt_coll_args_t *a);
int  bt_coll_scatter_allgather_bcast_ok(const bt_coll_args_t *a);
void bt_coll_linear_bcast(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_binomial_gather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_gather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_gatherv(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_binomial_scatter(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_scatter(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_scatterv(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_recursive_doubling_allgather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_bruck_allgather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_ring_allgather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_allgather(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_ring_allgatherv(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_allgatherv(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_bruck_alltoall(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_pairwise_alltoall(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_alltoall(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_pairwise_alltoallv(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_alltoallv(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_pairwise_alltoallw(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_alltoallw(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_binomial_reduce(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_rabenseifner_reduce(bt_sched_t *s, const bt_coll_args_t *a);
int  bt_coll_rabenseifner_ok(const bt_coll_args_t *a);
void bt_coll_linear_reduce(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_recursive_doubling_allreduce(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_ring_allreduce(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_rabenseifner_allreduce(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_reduce_bcast_allreduce(bt_sched_t *s, const bt_coll_args_t *a);

/* reduce_scatter_block arrives here as reduce_scatter with equal counts. */
void bt_coll_recursive_halving_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_pairwise_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_reduce_scatterv_reduce_scatter(bt_sched_t *s, const bt_coll_args_t *a);

void bt_coll_recursive_doubling_scan(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_scan(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_recursive_doubling_exscan(bt_sched_t *s, const bt_coll_args_t *a);
void bt_coll_linear_exscan(bt_sched_t *s, const bt_coll_args_t *a);

/* One peer's block of a buffer: count elements of dt at buf. */
typedef struct bt_coll_block {
    void          *buf;
    MPI_Count      count;
    bt_datatype_t *dt;
} bt_coll_block_t;
/* The per-peer send and receive blocks of alltoall, alltoallv, alltoallw (arrays in
 * s). With MPI_IN_PLACE the send blocks are a packed copy of recvbuf, taken by copy
 * steps added to the current round: call this before adding any other step. */
void bt_coll_a2a_blocks(bt_sched_t *s, const bt_coll_args_t *a, bt_coll_block_t **send_p,
                        bt_coll_block_t **recv_p);

/* A neighbourhood collective's messages, all in one round (neighbor.c). The
 * schedule depends only on the arguments, so that it could be started again. */
void bt_coll_neighbor_build(bt_sched_t *s, const bt_coll_args_t *a);

/* Algorithms that need a commutative op. */
int bt_coll_commutative_ok(const bt_coll_args_t *a);

/* Building blocks shared by several algorithms. */

/* Binomial-tree reduction of every rank's `in` into `out` on rank troot (out is
 * ignored elsewhere; in == out on troot means in place). The tree combines
 * contiguous rank ranges, lower range first, so with troot == 0 non-commutative ops
 * are applied in rank order. */
void bt_coll_binomial_reduce_tree(bt_sched_t *s, const void *in, void *out, MPI_Count count,
                                  bt_datatype_t *dt, bt_op_t *op, int troot);
/* Binomial broadcast of count elements of dt at buf from root. */
void bt_coll_binomial_bcast_tree(bt_sched_t *s, void *buf, MPI_Count count, bt_datatype_t *dt,
                                 int root);

#endif
